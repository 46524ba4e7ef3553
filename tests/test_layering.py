"""The package layout is the architecture: data -> tracking -> selection -> refinement -> annotations ->
metrics, with the pipeline and the commands on top. Read from the source (no import is executed), so a
violation names the file and the import."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CORE = ROOT / "vasr"
# package -> packages of vasr it may not import (what sits above it in the pipeline, or is Lightning's)
FORBIDDEN = {
    "vasr.data": {"vasr.tracking", "vasr.selection", "vasr.refinement", "vasr.annotations", "vasr.pipeline"},
    "vasr.tracking": {"vasr.selection", "vasr.refinement", "vasr.annotations", "vasr.pipeline"},
    "vasr.selection": {"vasr.refinement", "vasr.annotations", "vasr.pipeline"},
    "vasr.refinement": {"vasr.annotations", "vasr.pipeline"},
    "vasr.geometry": {"vasr.tracking", "vasr.selection", "vasr.refinement", "vasr.annotations"},
    # the run library and the review page sit under the command line, which only parses flags for them
    "vasr.run": {"vasr.cli", "vasr.review"},
    "vasr.review": {"vasr.cli"},
    "vasr.pipeline": {"vasr.cli", "vasr.run", "vasr.review"},
}
FRAMEWORK = ("lightning_modules", "datamodules", "pytorch_lightning", "lightning")


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path) -> set[str]:
    """Every module ``path`` imports at its top level or in a function (``from x import y``: x.y where y is
    a submodule, else x)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:  # a submodule, or a name of the module
                submodule = f"{node.module}.{alias.name}"
                found.add(submodule if submodule in NAMES else node.module)
    return found


NAMES = {module_name(p) for p in CORE.rglob("*.py")}
MODULES = {module_name(p): imports(p) for p in sorted(CORE.rglob("*.py"))}


def within(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_a_stage_imports_nothing_above_it(package: str) -> None:
    wrong = [
        (module, imported)
        for module, imported_names in MODULES.items()
        if within(module, package)
        for imported in imported_names
        if any(within(imported, f) for f in FORBIDDEN[package])
    ]
    assert not wrong, wrong


def test_the_core_never_imports_the_lightning_wrappers() -> None:
    allowed = {"vasr.cli.train"}  # the training entry point is LightningCLI itself
    wrong = [
        (module, imported)
        for module, imported_names in MODULES.items()
        if module not in allowed
        for imported in imported_names
        if any(within(imported, f) for f in FRAMEWORK)
    ]
    assert not wrong, wrong


def test_no_import_cycle_among_the_core_modules() -> None:
    graph = {m: {i for i in names if i in MODULES and i != m} for m, names in MODULES.items()}
    state: dict[str, int] = {}  # 1: on the current path, 2: done

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycle = path[path.index(nxt) :] + [nxt] if nxt in path else [node, nxt]
                raise AssertionError(f"import cycle: {' -> '.join(cycle)}")
            if nxt not in state:
                visit(nxt, [*path, nxt])
        state[node] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
