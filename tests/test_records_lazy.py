"""store/records.py makes each record a dataclass when it is first asked for: every record
reads as the same frozen dataclass it always was, from any thread, and a sync's imports
make only the few it needs."""

from __future__ import annotations

import dataclasses
import pickle
import subprocess
import sys
from pathlib import Path

from cxinbox.store import records

SRC = str(Path(__file__).resolve().parent.parent / "src")


def _record_names() -> list[str]:
    import ast

    tree = ast.parse(Path(records.__file__).read_text())
    return [n.name for n in tree.body if isinstance(n, ast.ClassDef)]


def test_every_record_is_a_slotted_dataclass_once_asked_for() -> None:
    names = _record_names()
    assert len(names) >= 50
    for name in names:
        cls = getattr(records, name)
        assert dataclasses.is_dataclass(cls), name
        assert "__slots__" in vars(cls), name
        assert cls.__module__ == "cxinbox.store.records" and cls.__qualname__ == name
        assert getattr(records, name) is cls  # made once, then kept
    assert not records.FetchedMessage.__dataclass_params__.frozen  # type: ignore[attr-defined]
    assert records.ConversationRecord.__dataclass_params__.frozen  # type: ignore[attr-defined]


def test_an_unknown_name_is_an_attribute_error() -> None:
    try:
        records.NoSuchRecord  # type: ignore[attr-defined]  # noqa: B018
    except AttributeError as exc:
        assert "NoSuchRecord" in str(exc)
    else:
        raise AssertionError("no AttributeError")


def test_threads_asking_at_once_get_one_class_and_records_pickle() -> None:
    probe = """
import sys, threading
import cxinbox.store.records as records
names = [n for n in records._held]
seen = {}
start = threading.Barrier(8)
def ask():
    start.wait()
    for n in names:
        seen.setdefault(n, set()).add(id(getattr(records, n)))
threads = [threading.Thread(target=ask) for _ in range(8)]
for t in threads: t.start()
for t in threads: t.join()
print(len(names), max(len(v) for v in seen.values()))
"""
    out = subprocess.run([sys.executable, "-c", probe], env={"PYTHONPATH": SRC},
                         capture_output=True, text=True, check=True).stdout.split()
    assert int(out[0]) >= 50 and out[1] == "1"
    made = records.Diagnosis("ok", "fine")
    again = pickle.loads(pickle.dumps(made))
    assert again == made and type(again) is records.Diagnosis
    try:
        made.level = "fail"  # type: ignore[misc]
    except dataclasses.FrozenInstanceError:
        pass
    else:
        raise AssertionError("a record changed")


def test_a_sync_imports_few_records() -> None:
    probe = """
import cxinbox.cli, cxinbox.cli_app, cxinbox.service.sync, cxinbox.store.sqlite, cxinbox.wiring
import cxinbox.store.records as records
print(len(records._held))
"""
    left = subprocess.run([sys.executable, "-c", probe], env={"PYTHONPATH": SRC},
                          capture_output=True, text=True, check=True).stdout
    assert int(left) >= 40, "the sync's imports made most records dataclasses"


def test_names_imported_from_store_modules_are_there() -> None:
    """What src, tests and bench import from a cxinbox module exists at run time (a record
    named in a module only for its annotations is not offered there)."""
    import ast
    import importlib

    root = Path(__file__).resolve().parent.parent
    missing = []
    for path in [*root.glob("src/cxinbox/**/*.py"), *root.glob("tests/**/*.py"),
                 *root.glob("bench/*.py")]:
        for node in ast.walk(ast.parse(path.read_text())):
            if (isinstance(node, ast.ImportFrom) and node.module
                    and node.module.startswith(("cxinbox.store.", "cxinbox.service.outbox"))
                    and not node.module.startswith("cxinbox.store.pg")):
                module = importlib.import_module(node.module)
                missing += [f"{path.name}: {node.module}.{a.name}" for a in node.names
                            if a.name != "*" and not hasattr(module, a.name)]
    assert not missing
