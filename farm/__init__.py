"""wheelfarm: recipes, builder and bot for standalone shared-library wheels."""

__all__ = ["__version__"]

__version__ = "0.1.0"
