"""The house's layering, read from the source (DESIGN.md section 3): no two modules of the
platform import each other, however indirectly, and the shared core imports none of the apps
built on it. A task is enqueued by its registered name (``governance.background.on_commit_delay``),
so that a tasks module may import the services it adapts without a service importing it back.

Imports are read with ``ast``, not by importing: an import inside a function counts like one at
the top (deferring an import hides a circle from Python, not from the reader). Only imports under
``if TYPE_CHECKING:`` are left out of the circles, since they are never executed; they still
count for the core's rule.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("governance", "stations", "volunteers", "disputes", "peace_index")
APPS = ("stations", "volunteers", "disputes", "peace_index")
# The project package's wiring may name the apps: settings list them in INSTALLED_APPS (by
# string) and the root URLconf includes their urls. Nothing else of governance/ may.
CORE_MAY_IMPORT_APPS = frozenset(
    {
        "governance.settings",
        "governance.settings.base",
        "governance.settings.local",
        "governance.settings.production",
        "governance.urls",
    }
)


def _modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


MODULES = _modules()


def _known(name: str) -> str | None:
    """The module of ours that importing ``name`` executes (its longest known prefix)."""
    parts = name.split(".")
    while parts:
        if ".".join(parts) in MODULES:
            return ".".join(parts)
        parts.pop()
    return None


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(module: str, tree: ast.AST, *, typing_only: bool = False) -> Iterator[tuple[str, int, bool]]:
    """(imported module, line, under TYPE_CHECKING) for every import anywhere in ``tree``."""
    package = module if MODULES[module].name == "__init__.py" else module.rpartition(".")[0]

    def walk(node: ast.AST, typing_only: bool) -> Iterator[tuple[str, int, bool]]:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.Import):
                for alias in child.names:
                    if target := _known(alias.name):
                        yield target, child.lineno, typing_only
            elif isinstance(child, ast.ImportFrom):
                if child.level:
                    base = package.split(".")[: len(package.split(".")) - (child.level - 1)]
                    source = ".".join(base + ([child.module] if child.module else []))
                else:
                    source = child.module or ""
                for alias in child.names:
                    # ``from stations import services`` imports the module stations.services.
                    target = _known(f"{source}.{alias.name}")
                    if target != f"{source}.{alias.name}":
                        target = _known(source)
                    if target:
                        yield target, child.lineno, typing_only
            elif isinstance(child, ast.If) and _is_type_checking(child):
                for part in child.body:
                    yield from walk(ast.Module(body=[part], type_ignores=[]), True)
                for part in child.orelse:
                    yield from walk(ast.Module(body=[part], type_ignores=[]), typing_only)
            else:
                yield from walk(child, typing_only)

    yield from walk(tree, typing_only)


def _graph() -> dict[str, dict[str, list[tuple[int, bool]]]]:
    graph: dict[str, dict[str, list[tuple[int, bool]]]] = {}
    for module, path in MODULES.items():
        edges = graph.setdefault(module, {})
        for target, line, typing_only in _imports(module, ast.parse(path.read_text(), str(path))):
            if target != module and (line, typing_only) not in edges.setdefault(target, []):
                edges[target].append((line, typing_only))
    return graph


GRAPH = _graph()


def _circles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan, iteratively)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    circles: list[list[str]] = []
    for start in sorted(edges):
        if start in index:
            continue
        work = [(start, iter(sorted(edges[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    circles.append(sorted(component))
    return circles


def _describe(circle: list[str]) -> str:
    lines = [" <-> ".join(circle)]
    for module in circle:
        for target, where in sorted(GRAPH[module].items()):
            if target in circle:
                lines.append(f"    {module} imports {target} (line {', '.join(str(n) for n, _ in where)})")
    return "\n".join(lines)


def test_the_graph_sees_the_packages_and_their_imports() -> None:
    # A reader that found nothing would pass the tests below vacuously.
    assert {"governance.background", "stations.tasks", "stations.services.dispatch"} <= set(MODULES)
    assert "stations.services" in GRAPH["stations.tasks"]
    assert "governance.background" in GRAPH["stations.services.dispatch"]


def test_the_circle_finder_finds_a_circle_through_three_modules() -> None:
    edges = {"a": {"b"}, "b": {"c"}, "c": {"a", "d"}, "d": set()}
    assert _circles(edges) == [["a", "b", "c"]]


def test_no_two_modules_import_each_other_even_indirectly_or_inside_a_function() -> None:
    executed = {
        module: {target for target, where in edges.items() if not all(typing for _, typing in where)}
        for module, edges in GRAPH.items()
    }
    circles = _circles(executed)
    assert not circles, "import circles:\n" + "\n".join(_describe(c) for c in circles)


@pytest.mark.parametrize("app", APPS)
def test_the_core_imports_no_app(app: str) -> None:
    offenders = sorted(
        f"{module} imports {target} (line {', '.join(str(n) for n, _ in where)})"
        for module, edges in GRAPH.items()
        if module.split(".")[0] == "governance" and module not in CORE_MAY_IMPORT_APPS
        for target, where in edges.items()
        if target.split(".")[0] == app
    )
    assert offenders == []


def test_the_wiring_allowed_to_name_the_apps_exists() -> None:
    # An allowance left behind after its module went away would hide nothing, but mislead.
    assert CORE_MAY_IMPORT_APPS - set(MODULES) == set()


def test_every_task_a_service_names_is_registered() -> None:
    """``on_commit_delay("stations.notify_new_order", ...)``: a misspelt name would fail only at
    run time, so every literal name given to the helpers is checked against Celery's registry."""
    from governance.background import task_named

    named = {
        (call.args[0].value, f"{module}:{call.lineno}")
        for module, path in MODULES.items()
        for call in ast.walk(ast.parse(path.read_text()))
        if isinstance(call, ast.Call)
        and getattr(call.func, "id", getattr(call.func, "attr", None))
        in {"on_commit_delay", "on_commit_delay_by"}
        and call.args
        and isinstance(call.args[0], ast.Constant)
    }
    assert len(named) >= 20
    for name, where in sorted(named):
        assert task_named(name).name == name, where
