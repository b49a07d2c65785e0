"""Recipes: the format (schema), loading, substitution and rendering per variant."""
