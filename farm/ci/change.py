"""A ``BASE..HEAD`` range read into a :class:`~farm.ci.plan.Change`: the paths it changes
and the recipes folder exported at each end (never the work tree, so a plan of committed
revisions is the same on every machine)."""

from __future__ import annotations

from pathlib import Path

from farm.ci.plan import Change, PlanError, read_snapshot
from farm.ci.revisions import changed_paths, export_folder, parse_range, resolve
from farm.settings import Settings

__all__ = ["read_change"]


def read_change(settings: Settings, range_text: str, scratch: Path) -> Change:
    """The change ``range_text`` makes; ``scratch`` is an empty folder for the two exports."""
    try:
        folder = settings.recipes.relative_to(settings.root).as_posix()
    except ValueError:
        raise PlanError(f"the recipes folder {settings.recipes} is outside the repository {settings.root}; "
                        "CI plans only recipes git tracks") from None
    base, head = parse_range(range_text)
    revisions = resolve(settings.root, base, head)
    paths = changed_paths(settings.root, revisions)
    after = read_snapshot(export_folder(settings.root, revisions.head, folder, scratch / "head"))
    before = None
    if revisions.merge_base is not None:
        before = read_snapshot(export_folder(settings.root, revisions.merge_base, folder, scratch / "base"))
    return Change(revisions, paths, before, after)
