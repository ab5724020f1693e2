"""The package's layers: no import cycle between its modules, and no import from a lower layer
to a higher one. Every import statement counts — at module level, inside functions, and under
``if TYPE_CHECKING:`` — since each is a dependency someone has to follow."""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

from tests.conftest import ROOT

PACKAGE = ROOT / "extractor"
# Lowest first: a module may import its own layer and the layers before it.
LAYERS: list[tuple[str, ...]] = [
    ("schemas", "errors", "resources", "settings", "fields"),
    ("arabic",),
    ("records",),  # record files and tables, below everything that reads or writes them
    ("core",),  # the task-centred core and the backend seam
    ("events",),  # the default task
    ("backends",),
    ("run",),
    ("tools",),
    ("api", "cli", "cli_batch", "cli_common", "__init__"),
]


def _modules() -> dict[str, Path]:
    found = {}
    for root, prefix in ((PACKAGE, "extractor"), (ROOT / "schemas", "extractor.schemas")):
        for path in root.rglob("*.py"):
            parts = list(path.relative_to(root).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found[".".join([prefix, *parts])] = path
    return found


def _imports(name: str, path: Path, known: set[str]) -> set[str]:
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join([*base, *([node.module] if node.module else [])])
            else:
                module = node.module or ""
            candidates = [module, *(f"{module}.{a.name}" for a in node.names)]
        elif isinstance(node, ast.Import):
            candidates = [a.name for a in node.names]
        else:
            continue
        for candidate in candidates:
            # `import extractor.a.b` depends on extractor.a.b (and runs its packages' __init__)
            while candidate and candidate not in known:
                candidate = candidate.rpartition(".")[0]
            if candidate and candidate != name and candidate.startswith("extractor"):
                out.add(candidate)
    return out


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    known = set(modules)
    return {name: _imports(name, path, known) for name, path in modules.items()}


def _layer(module: str) -> int:
    parts = module.split(".")
    top = parts[1] if len(parts) > 1 else "__init__"
    return next(i for i, names in enumerate(LAYERS) if top in names)


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_every_module_has_a_layer():
    assert [m for m in _graph() if m != "extractor" and _layer(m) is None] == []


def test_no_import_cycle_between_modules():
    assert _cycles(_graph()) == []


def test_no_import_from_a_lower_layer_to_a_higher_one():
    upward = defaultdict(list)
    for module, imported in _graph().items():
        for other in imported:
            if module != "extractor" and _layer(other) > _layer(module):
                upward[module].append(other)
    assert dict(upward) == {}


def test_the_checks_see_cycles_and_upward_imports():
    """The scan itself: a cycle and an upward import in a made-up graph are found."""
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _layer("extractor.core.pipeline") < _layer("extractor.tools.report")
    graph = _graph()
    assert "extractor.core.pipeline" in graph["extractor.api"]  # imports are read
