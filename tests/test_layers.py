"""The layer rules of DESIGN.md, checked on every module's imports and string constants.

Imports point down only, and nothing above `store/` may know which store runs: no `sqlite3`
import, no SQL text, and no store module other than the boundary (`store.interface`, the
`Store` protocol and its handles, and `store.records`, the typed records it hands up).

Code that does not keep a rule yet is listed in DEBT, module by module and rule by rule.
The list may only shrink: a module that breaks a rule it is not listed for fails, and so
does a listed debt that has been paid (take it off the list). Imports inside functions and
under TYPE_CHECKING count: a lazy import is still a dependency.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

SRC = Path(__file__).resolve().parent.parent / "src"
PACKAGE = SRC / "cxinbox"

# Lowest first. A module may import its own layer and the layers DESIGN allows it.
ALLOWED: dict[str, frozenset[str]] = {
    "domain": frozenset({"domain"}),
    "contract": frozenset({"contract", "domain"}),
    # config.py and paths.py (where the config file and the cache live): TOML -> dataclasses.
    "config": frozenset({"config", "domain"}),
    "store": frozenset({"store", "contract", "domain"}),
    "channels": frozenset({"channels", "domain", "config"}),
    "service": frozenset({"service", "store", "channels", "contract", "domain", "config"}),
    "api": frozenset({"api", "service", "contract", "domain", "config"}),
    "wiring": frozenset({"wiring", "api", "service", "store", "channels", "contract", "domain",
                         "config"}),
    # The TUI and the CLI: presentation over the API; pure helpers and the config are below,
    # and the composition root (wiring) is what they open the API (or the server) through.
    "ui": frozenset({"ui", "wiring", "api", "contract", "domain", "config"}),
}

BOUNDARY = frozenset({"cxinbox.store.interface", "cxinbox.store.records",
                      "cxinbox.store.fence", "cxinbox.store.replaylog"})
"""The only store modules code above the store may import (store.fence: which lease this
thread's writes are fenced by, knowing no backend; store.replaylog: the buffer of audit
events a `rules test` replay hands the store at each rehearsal, knowing no backend)."""

ABOVE_STORE = frozenset({"service", "api", "wiring", "ui", "channels", "config"})
"""Layers that must not know which store runs (wiring chooses it, so it may)."""

SQL = re.compile(
    r"\bSELECT\b[\s\S]*\bFROM\b|\bINSERT\s+(OR\s+\w+\s+)?INTO\b|\bUPDATE\s+\w+\s+SET\b"
    r"|\bDELETE\s+FROM\b|\bPRAGMA\s+\w+|\b(AND|OR|WHERE)\s+\w+\.\w+\s*(=|<|>|IS\b|IN\b)"
    r"|\b\w+\.\w+\s+(IS\s+(NOT\s+)?NULL|NOT\s+IN\s*\()"
)
"""SQL as it appears in our code: statements, and WHERE fragments over an alias (c.status)."""

# module -> the rules it does not keep yet. Rules: "layer" (imports a layer it may not),
# "sqlite3" (imports the driver above the store), "sql" (SQL text above the store),
# "store" (imports a store module other than the boundary).
DEBT: dict[str, frozenset[str]] = {
    "cxinbox.api.socket_server": frozenset({"layer", "store"}),
    "cxinbox.cli": frozenset({"layer"}),
    # Backups, restores and retention's vacuum work on the SQLite file itself (the online
    # backup API, VACUUM); PostgreSQL has its own tools for these (issue #16, item 5).
    "cxinbox.cli_backup": frozenset({"layer"}),
    "cxinbox.service.backup": frozenset({"store"}),
    "cxinbox.service.backup_worker": frozenset({"store"}),
    "cxinbox.service.restore": frozenset({"store"}),
    "cxinbox.service.retention": frozenset({"store"}),
    "cxinbox.cli_app": frozenset({"layer"}),
    "cxinbox.cli_auth": frozenset({"layer"}),
    "cxinbox.cli_reply": frozenset({"layer"}),
    "cxinbox.service.runtime": frozenset({"store"}),
    "cxinbox.tui.launch": frozenset({"layer", "store"}),
}


def layer_of(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] != "cxinbox" or len(parts) == 1:
        return None
    top = parts[1]
    if top in {"domain", "contract", "store", "channels", "service", "api", "wiring"}:
        return top
    if top in {"config", "paths"}:
        return "config"
    if top in {"tui", "__main__"} or top.startswith("cli"):
        return "ui"
    return None


def modules() -> Iterator[tuple[str, Path]]:
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(SRC).with_suffix("")
        parts = list(rel.parts)
        if parts[-1] == "__init__":
            parts.pop()
        yield ".".join(parts), path


def imported(tree: ast.AST, module: str, is_package: bool) -> Iterator[str]:
    package = module if is_package else module.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - (node.level - 1)]
                prefix = ".".join(base)
                target = f"{prefix}.{node.module}" if node.module else prefix
            else:
                target = node.module or ""
            yield target
            for alias in node.names:  # `from cxinbox.store import db` imports cxinbox.store.db
                yield f"{target}.{alias.name}"


def docstrings(tree: ast.AST) -> set[int]:
    """ids of the docstring nodes: prose may say SELECT and FROM."""
    out: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                out.add(id(body[0].value))
    return out


def strings(tree: ast.AST) -> Iterator[str]:
    skip = docstrings(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            yield "".join(v.value if isinstance(v, ast.Constant) else "?" for v in node.values
                          if isinstance(v, (ast.Constant, ast.FormattedValue)))
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) \
                and id(node) not in skip:
            yield node.value


def broken_rules(module: str, path: Path) -> dict[str, list[str]]:
    """Every rule `module` breaks, with what breaks it."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    return broken_rules_of(tree, module, path.name == "__init__.py")


def broken_rules_of(tree: ast.AST, module: str, is_package: bool = False) -> dict[str, list[str]]:
    layer = layer_of(module)
    if layer is None:
        return {}
    found: dict[str, list[str]] = {}
    for target in imported(tree, module, is_package):
        other = layer_of(target)
        if other is not None and other not in ALLOWED[layer]:
            found.setdefault("layer", []).append(target)
        if layer in ABOVE_STORE:
            if target == "sqlite3" or target.startswith("sqlite3."):
                found.setdefault("sqlite3", []).append(target)
            if layer != "wiring" and other == "store" and target != "cxinbox.store" \
                    and not any(target == b or target.startswith(b + ".") for b in BOUNDARY):
                found.setdefault("store", []).append(target)
    if layer in ABOVE_STORE:
        for text in strings(tree):
            if SQL.search(text):
                found.setdefault("sql", []).append(text[:60])
    return found


def test_every_module_keeps_the_layer_rules_or_is_listed_as_debt() -> None:
    unlisted: list[str] = []
    paid: list[str] = []
    seen: set[str] = set()
    for module, path in modules():
        seen.add(module)
        broken = broken_rules(module, path)
        owed = DEBT.get(module, frozenset())
        for rule, what in sorted(broken.items()):
            if rule not in owed:
                unlisted.append(f"{module} breaks {rule!r}: {sorted(set(what))[:3]}")
        for rule in sorted(owed - set(broken)):
            paid.append(f"{module} keeps {rule!r} now: take it off DEBT")
    gone = sorted(set(DEBT) - seen)
    assert not unlisted, "\n".join(unlisted)
    assert not paid, "\n".join(paid)
    assert not gone, f"DEBT lists modules that no longer exist: {gone}"


def test_the_checker_sees_what_it_must() -> None:
    """The rules catch what they are for (so an empty result means something)."""
    assert SQL.search("SELECT id FROM conversations WHERE x = ?")
    assert SQL.search("(c.status NOT IN ('pending') AND c.sla_due_at <= ?)")
    assert SQL.search("INSERT OR IGNORE INTO tags VALUES (?)")
    assert not SQL.search("SELECT INBOX")  # an IMAP command
    assert not SQL.search("Select a conversation from the list")
    tree = ast.parse("import sqlite3\nfrom cxinbox.store import db\nfrom . import x\n")
    found = set(imported(tree, "cxinbox.service.inbox", False))
    assert {"sqlite3", "cxinbox.store.db", "cxinbox.service.x"} <= found
    assert layer_of("cxinbox.cli_app") == "ui" and layer_of("cxinbox.paths") == "config"
    tree = ast.parse("from cxinbox.store.records import ConversationRecord\n"
                     "from cxinbox.store.interface import Store\n")
    assert broken_rules_of(tree, "cxinbox.service.x") == {}
    tree = ast.parse("from cxinbox.store import conversations\n")
    assert set(broken_rules_of(tree, "cxinbox.service.x")) == {"store"}
