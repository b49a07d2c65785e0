"""The bot's journal: intents recorded before acting, and errors to show until they clear.

It lives wherever the forge keeps state (``.git/farm-bot/`` locally, a branch on
GitHub). The forge stays the source of truth — branches and PRs are looked up by their
deterministic names on every run — so a lost journal costs nothing but the error
history; a kept one lets an interrupted action be finished first on the next run.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Journal"]


@dataclass
class Journal:
    #: branch -> what the bot set out to do there (scope, recipe, target, when)
    intents: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: scope (a migration id, or "update") -> recipe -> last error message
    errors: dict[str, dict[str, str]] = field(default_factory=dict)

    @classmethod
    def loads(cls, text: str | None) -> Journal:
        if not text:
            return cls()
        try:
            data = json.loads(text)
        except ValueError:
            return cls()  # a damaged journal is only history: start a fresh one
        if not isinstance(data, dict):
            return cls()
        intents = data.get("intents")
        errors = data.get("errors")
        return cls(
            intents={str(k): dict(v) for k, v in intents.items() if isinstance(v, dict)} if isinstance(intents, dict) else {},
            errors={str(k): {str(r): str(m) for r, m in v.items()} for k, v in errors.items() if isinstance(v, dict)}
            if isinstance(errors, dict) else {},
        )

    def dumps(self) -> str:
        return json.dumps({"version": 1, "intents": self.intents, "errors": self.errors}, indent=1, sort_keys=True)

    def resumable(self, scope: str) -> frozenset[str]:
        return frozenset(str(i["recipe"]) for i in self.intents.values() if i.get("scope") == scope)

    def fail(self, scope: str, recipe: str, message: str) -> None:
        self.errors.setdefault(scope, {})[recipe] = message

    def succeed(self, scope: str, recipe: str, branch: str) -> None:
        self.intents.pop(branch, None)
        found = self.errors.get(scope)
        if found is not None:
            found.pop(recipe, None)
            if not found:
                del self.errors[scope]
