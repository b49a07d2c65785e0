"""The dependency graph of recipes: dependencies, dependents, build waves, cycles, DOT.

Nodes are recipe names; an edge ``a -> b`` means *a* links against *b* (b is in a's host
requirements), so b builds first. Built for conda-forge's size (tens of thousands of
nodes): nodes are numbered once and every walk works on integer adjacency lists.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

__all__ = ["CycleError", "Graph"]


class CycleError(ValueError):
    """The graph has a cycle; ``cycles`` lists each one as a closed path of names."""

    def __init__(self, cycles: list[list[str]]) -> None:
        shown = "; ".join(" -> ".join(c) for c in cycles[:3])
        more = f" (and {len(cycles) - 3} more)" if len(cycles) > 3 else ""
        super().__init__(f"dependency cycle: {shown}{more}; remove one of these host requirements")
        self.cycles = cycles


@dataclass(frozen=True)
class Graph:
    names: tuple[str, ...]
    index: Mapping[str, int]
    deps: tuple[tuple[int, ...], ...]  # node -> what it links against
    rdeps: tuple[tuple[int, ...], ...]  # node -> what links against it

    @classmethod
    def build(cls, edges: Mapping[str, Iterable[str]]) -> Graph:
        """From ``name -> host dependency names``; names only depended on become nodes too."""
        names: list[str] = []
        index: dict[str, int] = {}

        def node(n: str) -> int:
            i = index.get(n)
            if i is None:
                i = index[n] = len(names)
                names.append(n)
            return i

        for n in edges:
            node(n)
        fwd: list[set[int]] = []
        for n, ds in edges.items():
            i = index[n]
            targets = {node(d) for d in ds}
            while len(fwd) <= max([i, *targets]):
                fwd.append(set())
            fwd[i] |= targets
        while len(fwd) < len(names):
            fwd.append(set())
        rev: list[list[int]] = [[] for _ in names]
        for i, ts in enumerate(fwd):
            for t in ts:
                rev[t].append(i)
        return cls(
            names=tuple(names),
            index=index,
            deps=tuple(tuple(sorted(ts)) for ts in fwd),
            rdeps=tuple(tuple(sorted(r)) for r in rev),
        )

    def __len__(self) -> int:
        return len(self.names)

    def __contains__(self, name: object) -> bool:
        return name in self.index

    def _id(self, name: str) -> int:
        try:
            return self.index[name]
        except KeyError:
            raise KeyError(f"no recipe named {name!r} in the graph") from None

    def _walk(self, start: int, adjacency: tuple[tuple[int, ...], ...], transitive: bool) -> list[str]:
        if not transitive:
            return sorted(self.names[j] for j in adjacency[start])
        seen = {start}
        queue = deque(adjacency[start])
        seen.update(adjacency[start])
        out: list[str] = []
        while queue:
            j = queue.popleft()
            out.append(self.names[j])
            for k in adjacency[j]:
                if k not in seen:
                    seen.add(k)
                    queue.append(k)
        out_set = set(out) - {self.names[start]}
        return sorted(out_set)

    def dependencies(self, name: str, transitive: bool = False) -> list[str]:
        return self._walk(self._id(name), self.deps, transitive)

    def dependents(self, name: str, transitive: bool = False) -> list[str]:
        return self._walk(self._id(name), self.rdeps, transitive)

    def cycles(self) -> list[list[str]]:
        """Each strongly connected component with a cycle, as a closed path ``a -> b -> a``."""
        n = len(self.names)
        order = [-1] * n
        low = [0] * n
        on_stack = [False] * n
        stack: list[int] = []
        counter = 0
        found: list[list[str]] = []
        for root in range(n):
            if order[root] != -1:
                continue
            work: list[tuple[int, int]] = [(root, 0)]
            while work:
                v, pos = work.pop()
                if pos == 0:
                    order[v] = low[v] = counter
                    counter += 1
                    stack.append(v)
                    on_stack[v] = True
                children = self.deps[v]
                if pos < len(children):
                    work.append((v, pos + 1))
                    w = children[pos]
                    if order[w] == -1:
                        work.append((w, 0))
                    elif on_stack[w]:
                        low[v] = min(low[v], order[w])
                    continue
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[v])
                if low[v] == order[v]:
                    component = []
                    while True:
                        w = stack.pop()
                        on_stack[w] = False
                        component.append(w)
                        if w == v:
                            break
                    if len(component) > 1 or v in self.deps[v]:
                        found.append(self._cycle_path(set(component)))
        return sorted(found)

    def _cycle_path(self, component: set[int]) -> list[str]:
        """One concrete cycle inside a strongly connected component, closed on its start."""
        start = min(component, key=lambda i: self.names[i])
        parent: dict[int, int] = {}
        queue = deque([start])
        while queue:
            v = queue.popleft()
            for w in self.deps[v]:
                if w == start:
                    path = [v]
                    while path[-1] != start:
                        path.append(parent[path[-1]])
                    return [self.names[i] for i in [start, *reversed(path[:-1]), start]] if len(path) > 1 \
                        else [self.names[start], self.names[start]]
                if w in component and w not in parent and w != start:
                    parent[w] = v
                    queue.append(w)
        return [self.names[start], self.names[start]]  # pragma: no cover - components are cyclic

    def waves(self, only: Iterable[str] | None = None) -> list[list[str]]:
        """Build order in waves: each wave depends only on earlier ones.

        With ``only``, the waves of that subset (edges outside it are ignored).
        Raises :class:`CycleError` naming the cycles when there is no order.
        """
        selected = range(len(self.names)) if only is None else sorted({self._id(x) for x in only})
        member = [only is None] * len(self.names)
        if only is not None:
            for i in selected:
                member[i] = True
        remaining = [0] * len(self.names)
        current: list[int] = []
        for i in selected:
            remaining[i] = sum(1 for d in self.deps[i] if member[d])
            if remaining[i] == 0:
                current.append(i)
        waves: list[list[str]] = []
        placed = 0
        while current:
            waves.append(sorted(self.names[i] for i in current))
            placed += len(current)
            following: list[int] = []
            for i in current:
                for r in self.rdeps[i]:
                    if member[r]:
                        remaining[r] -= 1
                        if remaining[r] == 0:
                            following.append(r)
            current = following
        if placed != len(selected):
            raise CycleError(self.cycles())
        return waves

    def to_dot(self, highlight: str | None = None, only: Iterable[str] | None = None) -> str:
        keep = set(self.names) if only is None else set(only)
        lines = ["digraph recipes {", "  rankdir=BT;", "  node [shape=box, fontname=Helvetica];"]
        for name in sorted(keep):
            style = ' [style=filled, fillcolor="#ffe08a"]' if name == highlight else ""
            lines.append(f'  "{name}"{style};')
        for name in sorted(keep):
            for d in self.deps[self.index[name]]:
                if self.names[d] in keep:
                    lines.append(f'  "{name}" -> "{self.names[d]}";')
        lines.append("}")
        return "\n".join(lines) + "\n"
