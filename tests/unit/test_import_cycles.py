"""No import cycles anywhere in the four layers: every module can be read, and
changed, knowing only what it imports (and never, through a chain, itself)."""

from __future__ import annotations

import grimp

PACKAGES = ("domain", "application", "infrastructure", "interfaces")


def strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm: the groups of modules that import each other in a circle."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for imported in graph.get(module, ()):
            if imported not in index:
                visit(imported)
                low[module] = min(low[module], low[imported])
            elif imported in on_stack:
                low[module] = min(low[module], index[imported])
        if low[module] == index[module]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == module:
                    break
            if len(group) > 1 or module in graph.get(module, ()):
                groups.append(sorted(group))

    for module in sorted(graph):
        if module not in index:
            visit(module)
    return groups


def import_graph() -> dict[str, set[str]]:
    built = grimp.build_graph(*PACKAGES, include_external_packages=False)
    return {m: set(built.find_modules_directly_imported_by(m)) for m in built.modules}


def test_the_cycle_finder_finds_a_cycle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert strongly_connected(graph) == [["a", "b", "c"]]


def test_no_module_imports_itself_through_a_chain() -> None:
    cycles = strongly_connected(import_graph())
    assert not cycles, "import cycles: " + "; ".join(" ⇄ ".join(c) for c in cycles)
