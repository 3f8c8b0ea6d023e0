"""Write-back's internal layers: every module imports only the layers below it, so there is
no import cycle (the executor, the service and the rollback used to import each other)."""

from __future__ import annotations

import ast
from pathlib import Path

import writeback

PACKAGE = Path(writeback.__file__).resolve().parent

#: lowest first; a module may import only modules of a lower layer (or none of the package)
LAYERS: list[set[str]] = [
    {"models", "connection"},
    {"catalog", "approvers"},
    {"policy", "store", "odoo_io"},
    {"checks", "odoo_checks"},
    {"executor"},
    {"rollback", "reconcile"},
    {"service"},
    {"__init__"},
]


def _imports(path: Path) -> set[str]:
    """The ``writeback.*`` modules ``path`` imports, at any depth (a function-level import
    counts: it is a cycle all the same)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module]
            if node.module == "writeback":
                names = [f"writeback.{a.name}" for a in node.names]
        for name in names:
            parts = name.split(".")
            if parts[0] == "writeback" and len(parts) > 1:
                found.add(parts[1])
    return found


def test_every_module_has_a_layer() -> None:
    modules = {p.stem for p in PACKAGE.glob("*.py")}
    assert modules == set().union(*LAYERS), modules ^ set().union(*LAYERS)


def test_modules_import_only_lower_layers() -> None:
    rank = {name: i for i, layer in enumerate(LAYERS) for name in layer}
    wrong = [
        f"writeback.{p.stem} imports writeback.{dep}"
        for p in sorted(PACKAGE.glob("*.py"))
        for dep in sorted(_imports(p))
        if dep in rank and rank[dep] >= rank[p.stem]
    ]
    assert not wrong, wrong


def test_the_layer_check_sees_a_function_level_import(tmp_path: Path) -> None:
    module = tmp_path / "executor.py"
    module.write_text("def f():\n    from writeback.service import ProposalRequest\n")
    assert _imports(module) == {"service"}


def test_policy_is_pure() -> None:
    """The policy module does no I/O: no store, no Odoo client, no SQL."""
    tree = ast.parse((PACKAGE / "policy.py").read_text())
    roots = {
        (n.module or "").split(".")[0] if isinstance(n, ast.ImportFrom) else a.name.split(".")[0]
        for n in ast.walk(tree)
        if isinstance(n, ast.Import | ast.ImportFrom)
        for a in n.names
    }
    assert not roots & {"sqlalchemy", "opstore", "odoo_api", "httpx", "requests"}, roots
