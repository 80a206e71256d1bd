"""mbsync (isync) as the reference peer for cxinbox's IMAP sync.

Front-desk staff judge cxinbox against the tools they know; mbsync is the fast C baseline
for "download a whole mailbox" and "check for changes". This module times a full pull
and a no-change resync from a test Dovecot into a local Maildir, so cxinbox's numbers
can be reported next to it on the same machine and the same mail.

Run directly to measure:  python bench/mbsync_peer.py 2000 [--no-fsync] [--seed 1]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

_REPO_ROOT = Path(__file__).resolve().parent.parent
if str(_REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(_REPO_ROOT))

from tests.support.dovecot import DovecotServer
from tests.support.mailgen import generate_corpus

__all__ = ["count_messages", "mbsync_config", "run_mbsync", "warm_up"]


class MbsyncError(RuntimeError):
    """mbsync is missing or exited with an error."""


def _quote(value: str) -> str:
    """mbsync config values may contain spaces; quote them its way."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def mbsync_config(
    server: DovecotServer,
    target_dir: Path,
    folders: Sequence[str] = ("INBOX",),
    *,
    fsync: bool = True,
    user: str | None = None,
) -> str:
    """An .mbsyncrc pulling `folders` over IMAPS into the Maildir tree at `target_dir`.

    Pull only, create folders locally, never expunge: the same one-way ingestion
    cxinbox does. Trust is pinned to the server's private CA (no system store), so
    mbsync verifies the certificate exactly like cxinbox must. The option names are
    isync 1.4's (SSLType; 1.5 renamed it TLSType).
    """
    account = server.users[user or server.user]
    patterns = " ".join(_quote(folder) for folder in folders)
    return "\n".join(
        [
            f"FSync {'yes' if fsync else 'no'}",
            "",
            "IMAPAccount clinic",
            # isync 1.4 matches the certificate against DNS names only, never IP SANs.
            "Host localhost",
            f"Port {server.imaps_port}",
            f"User {_quote(account.name)}",
            f"Pass {_quote(account.password)}",
            "SSLType IMAPS",
            "SystemCertificates no",
            f"CertificateFile {_quote(str(server.ca_file))}",
            "",
            "IMAPStore clinic-remote",
            "Account clinic",
            "",
            "MaildirStore clinic-local",
            f"Path {_quote(str(target_dir) + '/')}",
            f"Inbox {_quote(str(target_dir / 'INBOX'))}",
            "SubFolders Verbatim",
            "",
            "Channel clinic",
            "Far :clinic-remote:",
            "Near :clinic-local:",
            f"Patterns {patterns}",
            "Create Near",
            "Sync Pull",
            "Expunge None",
            "Remove None",
            "CopyArrivalDate yes",
            "SyncState *",
            "",
        ]
    )


def run_mbsync(
    server: DovecotServer,
    target_dir: Path,
    folders: Sequence[str] = ("INBOX",),
    *,
    fsync: bool = True,
    user: str | None = None,
) -> float:
    """Sync `folders` from `server` into `target_dir`; return wall-clock seconds.

    The first call is a full download; calling again with the same `target_dir` is an
    incremental resync (mbsync keeps its state in each local folder). Raises MbsyncError
    if mbsync is not installed or fails.

    mbsync sleeps a whole second when a local Maildir changed within the last second
    ("sleeping due to recent directory modification"), which would turn a 0.05 s
    no-change resync into 1.05 s. Real resyncs run minutes apart, so the wait for the
    Maildir to settle happens here, before the clock starts.
    """
    mbsync = shutil.which("mbsync")
    if mbsync is None:
        raise MbsyncError("mbsync is not installed (apt-get install isync)")
    target_dir.mkdir(parents=True, exist_ok=True)
    _wait_for_quiet_maildir(target_dir)
    with tempfile.TemporaryDirectory(prefix="cxinbox-mbsync-") as config_dir:
        config = Path(config_dir) / "mbsyncrc"
        config.write_text(mbsync_config(server, target_dir, folders, fsync=fsync, user=user))
        config.chmod(0o600)
        started = time.perf_counter()
        result = subprocess.run(
            [mbsync, "-c", str(config), "-q", "clinic"],
            capture_output=True,
            text=True,
            timeout=3600,
            check=False,
        )
        elapsed = time.perf_counter() - started
    if result.returncode != 0:
        raise MbsyncError(f"mbsync exited {result.returncode}: {result.stderr.strip()}")
    return elapsed


def _wait_for_quiet_maildir(target_dir: Path, quiet_s: float = 1.1) -> None:
    """Sleep until no Maildir directory under `target_dir` changed in the last `quiet_s`."""
    newest = 0.0
    for sub in ("cur", "new", "tmp"):
        for directory in target_dir.glob(f"*/{sub}"):
            newest = max(newest, directory.stat().st_mtime)
    remaining = newest + quiet_s - time.time()
    if remaining > 0:
        time.sleep(remaining)


def count_messages(target_dir: Path, folder: str = "INBOX") -> int:
    """Messages mbsync stored for `folder` (cur/ and new/), to check a sync is complete."""
    root = target_dir / folder
    return sum(1 for sub in ("cur", "new") for _ in (root / sub).iterdir())


def warm_up(server: DovecotServer, folders: Sequence[str] = ("INBOX",)) -> float:
    """Open each folder once so Dovecot builds its indexes; return seconds taken.

    Freshly delivered Maildirs have no index; a real server's are warm. Without this the
    first timed client pays Dovecot's indexing, which is not what is being compared.
    """
    started = time.perf_counter()
    client = server.imap_client()
    try:
        for folder in folders:
            info = client.select_folder(folder, readonly=True)
            if info[b"EXISTS"]:
                client.search(["ALL"])
    finally:
        client.logout()
    return time.perf_counter() - started


def _main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Time mbsync against a test Dovecot.")
    parser.add_argument("count", type=int, nargs="?", default=2000, help="messages to load")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-fsync", action="store_true", help="mbsync FSync no")
    args = parser.parse_args(argv)

    with DovecotServer() as server, tempfile.TemporaryDirectory(prefix="cxinbox-peer-") as tmp:
        started = time.perf_counter()
        total_bytes = 0

        def corpus() -> Iterator[bytes]:
            nonlocal total_bytes
            for raw in generate_corpus(args.count, args.seed):
                total_bytes += len(raw)
                yield raw

        server.deliver_many(corpus())
        load_s = time.perf_counter() - started
        index_s = warm_up(server)
        target = Path(tmp) / "maildir"
        fsync = not args.no_fsync
        full_s = run_mbsync(server, target, fsync=fsync)
        stored = count_messages(target)
        resync_s = run_mbsync(server, target, fsync=fsync)
        print(f"messages           {args.count} ({total_bytes / 1e6:.1f} MB), fsync={fsync}")
        print(f"generate+deliver   {load_s:.2f} s")
        print(f"dovecot warm-up    {index_s:.2f} s")
        print(f"mbsync full        {full_s:.2f} s ({total_bytes / 1e6 / full_s:.1f} MB/s)")
        print(f"mbsync no-change   {resync_s:.3f} s")
        if stored != args.count:
            print(f"ERROR: mbsync stored {stored} of {args.count} messages", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(_main())
