"""The edges (web, api, mail, jobs, cli, config) and the services they share below them (the
mail intake, the outgoing mail) do not write models: every write goes through
`tierdesk/actions`. import-linter (`lint-imports`) checks the imports between the layers; this
scans the edges' code for the writes an import contract cannot see."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "tierdesk"
EDGES = ("web", "api", "mail", "jobs", "cli", "config", "intake", "outgoing")
# Writes through a manager or queryset (`X.objects....create(...)`), and on a model instance.
QUERYSET_WRITES = {
    "create",
    "update",
    "delete",
    "bulk_create",
    "bulk_update",
    "get_or_create",
    "update_or_create",
}
INSTANCE_WRITES = {"save", "delete"}
NOT_MODELS = {"router"}  # `@router.delete(...)`: the API's routes


def _writes(tree: ast.AST) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        name, receiver = node.func.attr, ast.unparse(node.func.value)
        through_manager = name in QUERYSET_WRITES and ".objects" in f".{receiver}"
        on_instance = name in INSTANCE_WRITES and receiver not in NOT_MODELS
        if through_manager or on_instance:
            found.append((node.lineno, f"{receiver}.{name}(...)"))
    return found


def edge_writes() -> list[str]:
    places = []
    for edge in EDGES:
        for path in sorted((SRC / edge).rglob("*.py")):
            for line, call in _writes(ast.parse(path.read_text(encoding="utf-8"))):
                places.append(f"{path.relative_to(SRC.parent)}:{line}: {call}")
    return places


def test_the_edges_write_no_models() -> None:
    places = edge_writes()
    assert not places, "write these through an action (tierdesk/actions):\n" + "\n".join(places)


def test_the_scan_finds_a_write() -> None:
    code = "def f(t):\n    Ticket.objects.filter(pk=1).update(level='l2')\n    t.save()\n"
    assert [line for line, _ in _writes(ast.parse(code))] == [2, 3]
    assert _writes(ast.parse("@router.delete('/x')\ndef f(): d.update(a=1)\n")) == []
