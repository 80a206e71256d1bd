"""What the sync's own process imports before its IMAP login: not the detectors (the parse
worker runs them), nor what service/redflags.py needs only for the reply guard and the
notify command (domain/compose.py with email.policy, service/canned_library.py,
service/notify.py); and those, imported where they are used, still work."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

_NOT_AT_START = ("cxinbox.domain.triage", "cxinbox.domain.redflag", "cxinbox.domain.intent",
                 "cxinbox.domain.compose", "cxinbox.service.canned_library",
                 "cxinbox.service.notify", "email.policy")


def _child(code: str) -> str:
    env = dict(os.environ,
               PYTHONPATH=os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")]))
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                          check=True, timeout=120)
    return done.stdout.strip()


def test_the_sync_process_loads_neither_detectors_nor_the_reply_guard() -> None:
    out = _child("import sys\n"
                 "import cxinbox.cli_app, cxinbox.service.sync, cxinbox.service.redflags\n"
                 f"print(sorted(m for m in {_NOT_AT_START!r} if m in sys.modules))\n")
    assert out == "[]"


def test_the_reply_guard_imports_what_it_needs_when_used() -> None:
    out = _child("from cxinbox.service import redflags\n"
                 "packed = redflags.handed_hashes(b'k' * 32, 'Please call 911 or go to the"
                 " nearest emergency room now if your chest pain is getting worse.')\n"
                 "print(len(redflags._unpack(packed)) > 0)\n")
    assert out == "True"
