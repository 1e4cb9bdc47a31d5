"""The layering, checked on the source: ``api → plotting → catalog → schemas``, no import back
up, and no import circle, counting the imports made inside functions (where circles hid).

Every ``import`` and ``from … import`` statement of the service's packages is read with
``ast`` (wherever it stands: module level, a function, ``if TYPE_CHECKING``), resolved to the
service's module it names, and the graph checked. ``tools`` (maintainers' scripts that build
the app) may import anything; nothing imports it.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from pathlib import Path

import pytest

from api.settings import REPO_ROOT

PACKAGES = ("api", "plotting", "catalog", "schemas", "integrations", "tools")
FORBIDDEN = {
    "schemas": {"catalog", "plotting", "api", "integrations", "tools"},
    "catalog": {"plotting", "api", "integrations", "tools"},
    "plotting": {"api", "integrations", "tools"},  # a worker never imports the web layer
    "integrations": {"api", "tools"},  # the pygeoapi provider runs the engine, not our app
    "api": {"integrations", "tools"},
}
"""Package -> packages it must not import."""

Graph = dict[str, set[str]]


def modules(root: Path, packages: Iterable[str]) -> dict[str, Path]:
    """Dotted module name -> file, for every module of ``packages`` under ``root``."""
    found = {}
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            parts = path.relative_to(root).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    return found


def import_graph(root: Path, packages: Iterable[str]) -> Graph:
    """Module -> the modules of ``packages`` it imports (anywhere in its text)."""
    known = modules(root, packages)
    graph: Graph = {name: set() for name in known}
    for name, path in known.items():
        package_parts = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                named = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:  # relative: from the package, up level - 1
                    up = package_parts[: len(package_parts) - node.level + 1]
                    base = ".".join([*up, base] if base else up)
                named = [base, *(f"{base}.{alias.name}" for alias in node.names)]
            else:
                continue
            for target in named:
                while target and target not in known:  # a name inside a module: the module
                    target = target.rpartition(".")[0]
                if target and target != name:
                    graph[name].add(target)
    return graph


def circles(graph: Graph) -> list[list[str]]:
    """The import circles: every strongly connected set of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for target in sorted(graph.get(module, ())):
            if target not in index:
                visit(target)
                low[module] = min(low[module], low[target])
            elif target in on_stack:
                low[module] = min(low[module], index[target])
        if low[module] == index[module]:
            members = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                members.append(member)
                if member == module:
                    break
            if len(members) > 1:
                found.append(sorted(members))

    for module in sorted(graph):
        if module not in index:
            visit(module)
    return found


@pytest.fixture(scope="module")
def graph() -> Graph:
    return import_graph(REPO_ROOT, PACKAGES)


def test_no_layer_imports_one_above_it(graph: Graph) -> None:
    wrong = sorted(
        f"{module} imports {target}"
        for module, targets in graph.items()
        for target in targets
        if target.split(".")[0] in FORBIDDEN.get(module.split(".")[0], set())
    )
    assert wrong == []


def test_no_import_circles(graph: Graph) -> None:
    assert circles(graph) == []


def test_the_graph_sees_every_module_and_imports_inside_functions(tmp_path: Path) -> None:
    """The checks above can fail: a circle through an import inside a function, and a
    relative import, are found in a package made for the purpose."""
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("from pkg import low\n")
    (package / "low.py").write_text("def late():\n    from pkg.high import thing\n")
    (package / "high.py").write_text("from .low import late\nthing = 1\n")
    made = import_graph(tmp_path, ["pkg"])
    assert made == {"pkg": {"pkg.low"}, "pkg.low": {"pkg.high"}, "pkg.high": {"pkg.low"}}
    assert circles(made) == [["pkg.high", "pkg.low"]]
    real = import_graph(REPO_ROOT, PACKAGES)
    assert {"api.main", "plotting.pool_worker", "catalog.store", "schemas.datasets"} <= set(real)
    assert {"catalog.store", "plotting.runner"} <= real["api.main"]
