"""OAuth2 and provider-path benchmarks, each against a peer in the same run.

    python bench/bench_oauth.py [--sync N] [--flags M] [--rounds R]

--sync N (default 10,000): one Dovecot with `passdb oauth2` checked by the local
authorization server; `cxinbox sync --once` into a fresh cache with a password and with an
app-only Microsoft token (msal against the local server: discovery, client credentials,
XOAUTH2), alternated R times, best of each; mbsync on the same mailbox as the reference.

--flags M (default 50,000): the Exchange Online path. Two Dovecots with M messages, one
as shipped (CONDSTORE, QRESYNC) and one advertising Exchange Online's capabilities (no
CONDSTORE: every resync lists all flags and compares them). After the initial sync: a
no-change resync, and a resync after 500 messages were marked \\Seen elsewhere; the
flag changes found are checked against what was changed.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))

from bench_sync import timed_child
from mbsync_peer import run_mbsync

from support.dovecot import EXCHANGE_ONLINE_CAPABILITY, DovecotServer
from support.mailgen import generate_corpus
from support.oauthserver import OAuthServer

MAILBOX = "billing@riverside-clinic.example"
TENANT = "riverside-clinic.onmicrosoft.com"


def _config(work: Path, server: DovecotServer, auth: OAuthServer | None, client_id: str,
            tag: str) -> Path:
    data = work / tag
    data.mkdir(parents=True, exist_ok=True)
    if auth is None:
        secret = data / "pass"
        secret.write_text(server.password + "\n")
        os.chmod(secret, 0o600)
        sign_in = f'password_file = "{secret}"\n'
    else:
        secret = data / "client-secret"
        secret.write_text("bench-s3cret\n")
        os.chmod(secret, 0o600)
        sign_in = (f'auth = "oauth2"\n[accounts.oauth2]\nprovider = "microsoft"\n'
                   f'flow = "client_credentials"\ntenant = "{TENANT}"\n'
                   f'client_id = "{client_id}"\nauthority = "{auth.base_url}"\n'
                   f'ca_file = "{auth.ca_file}"\nsecret_file = "{secret}"\n')
    path = data / "config.toml"
    path.write_text(f"""
[store]
path = "{data / 'cxinbox.db'}"

[[accounts]]
name = "billing"
host = "127.0.0.1"
port = {server.imaps_port}
ca_file = "{server.ca_file}"
username = "{server.user}"
{sign_in}""")
    return path


def _sync(config: Path) -> float:
    cmd = [sys.executable, "-m", "cxinbox", "sync", "--once", "--quiet", "--config", str(config)]
    return timed_child(cmd)[0]


def bench_sync(n: int, rounds: int, work: Path) -> None:
    with OAuthServer() as auth, DovecotServer(
            (MAILBOX,), oauth2_introspection_url=auth.dovecot_introspection_url) as server:
        app = auth.register_app(tenant=TENANT, secret="bench-s3cret")
        auth.grant_mailbox(app.client_id, MAILBOX)
        server.deliver_many(generate_corpus(n, seed=42), "INBOX", user=MAILBOX)
        client = server.imap_client()
        client.select_folder("INBOX", readonly=True)
        client.logout()
        run_mbsync(server, work / "warm")
        times: dict[str, list[float]] = {"password": [], "oauth2": []}
        for r in range(rounds):
            for kind in ("password", "oauth2") if r % 2 == 0 else ("oauth2", "password"):
                cfg = _config(work, server, auth if kind == "oauth2" else None,
                              app.client_id, f"{kind}-{r}")
                times[kind].append(_sync(cfg))
        mb = run_mbsync(server, work / "maildir")
        tokens = len(auth.token_requests())
    pw, oa = min(times["password"]), min(times["oauth2"])
    print(f"sync of {n} messages, best of {rounds}: password {pw:.2f}s, OAuth2 {oa:.2f}s "
          f"(ratio {oa / pw:.3f}); mbsync {mb:.2f}s (password {pw / mb:.2f}, "
          f"OAuth2 {oa / mb:.2f} of mbsync); {tokens} token request(s) in all")
    print(f"  all runs: password {[round(t, 2) for t in times['password']]}, "
          f"OAuth2 {[round(t, 2) for t in times['oauth2']]}")


def _mark_seen(server: DovecotServer, uids: list[int]) -> None:
    client = server.imap_client()
    client.select_folder("INBOX")
    client.add_flags(uids, [b"\\Seen"])
    client.logout()


def _flag_changes(config: Path) -> int:
    sys.path.insert(0, str(ROOT / "src"))
    from cxinbox.config import load_config
    from cxinbox.store.db import Database

    db = Database(load_config(config).db_path)
    try:
        return int(db.conn.execute("SELECT count(*) FROM locations WHERE instr(flags, '\\Seen')"
                                   " > 0").fetchone()[0])
    finally:
        db.close()


def bench_flags(m: int, work: Path) -> None:
    rng = random.Random(7)
    for label, caps in (("CONDSTORE (Dovecot as shipped)", None),
                        ("no CONDSTORE (Exchange Online's capabilities)",
                         EXCHANGE_ONLINE_CAPABILITY)):
        with DovecotServer(imap_capability=caps) as server:
            server.deliver_many(generate_corpus(m, seed=11), "INBOX")
            cfg = _config(work, server, None, "", f"flags-{caps is None}")
            initial = _sync(cfg)
            before = _flag_changes(cfg)
            nochange = statistics.median(_sync(cfg) for _ in range(3))
            changed = rng.sample(range(1, m + 1), 500)
            _mark_seen(server, changed)
            t0 = time.perf_counter()
            after = _sync(cfg)
            wall = time.perf_counter() - t0
            found = _flag_changes(cfg) - before
            print(f"{label}, {m} messages: initial {initial:.1f}s; no-change resync "
                  f"{nochange:.3f}s (median of 3); resync after 500 flag changes "
                  f"{after:.3f}s; changes found {found}/500 (wall {wall:.2f}s)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sync", type=int, default=10_000)
    parser.add_argument("--flags", type=int, default=50_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="cxinbox-bench-oauth-") as tmp:
        if args.sync:
            bench_sync(args.sync, args.rounds, Path(tmp))
        if args.flags:
            bench_flags(args.flags, Path(tmp))


if __name__ == "__main__":
    main()
