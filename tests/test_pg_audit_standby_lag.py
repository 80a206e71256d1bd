"""A standby that lags by more tries than the checkpoint signer keeps heads for (a
delayed standby, `recovery_min_apply_delay`) still lets checkpoints be signed: the signer
thins its list of heads instead of dropping the oldest, so the standby always reaches a
kept head.

Real primary and streaming standby (tests/support/pgcluster.py); the list is made short
(3 heads) and the wait 0.2 s so that a 3 s apply delay outruns it within seconds, as a
one hour delay outruns 256 heads of 6 s tries in production."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from tests.support.pgcluster import find_bindir
from tests.test_pg_audit_standby import _pair

from cxinbox.service import anchor as anchor_mod

pytestmark = pytest.mark.skipif(find_bindir() is None,
                                reason="PostgreSQL is not installed")


def test_a_standby_further_behind_than_the_kept_heads_still_gets_checkpoints_signed(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(anchor_mod, "PENDING_HEADS", 3)
    with _pair(tmp_path) as pair:
        first = pair.add(2)
        signed = pair.anchor.checkpoint(force=True)
        assert signed is not None and signed.seq == first
        pair.standby.psql("ALTER SYSTEM SET recovery_min_apply_delay = '3s'")
        pair.standby.psql("SELECT pg_reload_conf()")
        pair.anchor.standby_wait_s = 0.2
        # Outrun the list first: more tries than it holds, while the standby waits out
        # its delay on all of them.
        tries = 0
        started = time.monotonic()
        while tries < 8 and time.monotonic() - started < 2.5:
            pair.add(1)
            assert pair.anchor.checkpoint(force=True) is None
            tries += 1
        assert tries > anchor_mod.PENDING_HEADS, tries  # the list was outrun
        assert len(pair.anchor._pending) <= anchor_mod.PENDING_HEADS + 1
        # Keep writing and trying: a head the standby holds is signed once it replays it.
        newer: list[int] = []
        deadline = time.monotonic() + 45
        while not newer and time.monotonic() < deadline:
            pair.add(1)
            checkpoint = pair.anchor.checkpoint(force=True)
            if checkpoint is not None:
                newer.append(checkpoint.seq)
        assert newer, "no checkpoint signed while the delayed standby replayed"
        assert first < newer[0] <= pair.standby_head()
        assert pair.anchor.standby_problem is not None  # it still lags: still said
        assert max(pair.signed()) <= pair.standby_head()
