"""The bot: migrations through the recipe graph in waves, and upstream version updates.

Deciding is separate from acting: :mod:`farm.bot.planner` is a pure function from
(graph, migration, published wheels, PR records) to per-recipe states;
:mod:`farm.bot.runner` is the one place that talks to a forge and writes files.
"""

from __future__ import annotations

__all__: list[str] = []
