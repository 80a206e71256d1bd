"""Fixtures shared by every cxinbox test: a real Dovecot server and a cutting TCP proxy.

Keep this file to generic fixtures; feature-specific fixtures belong in the test modules
(or a conftest.py in a sub-directory) that use them.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

# `tests.support` is imported by tests and by bench/ scripts alike; make the repository
# root importable however pytest was started (plain `pytest` does not add it).
_REPO_ROOT = str(Path(__file__).resolve().parent.parent)
if _REPO_ROOT not in sys.path:
    sys.path.insert(0, _REPO_ROOT)

from tests.support.dovecot import DovecotServer, find_dovecot
from tests.support.pgcluster import PgCluster
from tests.support.tcpproxy import CuttingProxy

# Property tests keep every example count their @settings ask for, but measure no time: on a
# loaded machine (CI beside other jobs, parallel workers, busy loops) one slow example must
# not fail a run on Hypothesis's 200 ms deadline or its "too slow to generate" check.
# Settings given on a test override only what they name, so this reaches every test.
settings.register_profile("cxinbox", deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "cxinbox"))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """On a pytest-xdist worker, the costliest test files first (tests/file_costs.txt;
    tests/support/filecosts.py says why): with `--no-loadscope-reorder` (scripts/test) the
    workers are handed whole files in this order, so a slow file of few tests is not left
    to run alone at the end. Tests keep their order within a file; a run in one process
    keeps pytest's own order. Every worker sorts the same collection the same way, as
    xdist requires."""
    if not hasattr(config, "workerinput"):
        return
    from tests.support.filecosts import costliest_first, read_table

    files: dict[str, list[pytest.Item]] = {}
    for item in items:
        files.setdefault(item.nodeid.split("::", 1)[0], []).append(item)
    order = costliest_first(list(files), {name: len(group) for name, group in files.items()},
                            read_table())
    items[:] = [item for name in order for item in files[name]]


@pytest.fixture(autouse=True)
def _close_test_inboxes() -> Iterator[None]:
    """The demo inboxes a TUI test opened (tests/test_tui_support.py) are closed after it."""
    yield
    support = sys.modules.get("tests.test_tui_support")
    if support is not None:
        support.close_inboxes()


@pytest.fixture(autouse=True, scope="session")
def _private_cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """`cxinbox list` remembers config facts under $XDG_CACHE_HOME; the commands tests run
    (and the processes they start) keep theirs out of the real home."""
    before = os.environ.get("XDG_CACHE_HOME")
    os.environ["XDG_CACHE_HOME"] = str(tmp_path_factory.mktemp("xdg-cache"))
    yield
    if before is None:
        os.environ.pop("XDG_CACHE_HOME", None)
    else:
        os.environ["XDG_CACHE_HOME"] = before


@pytest.fixture(autouse=True, scope="session")
def _private_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The default database and socket (`paths.default_db_path`, `default_socket_path`)
    live under $XDG_DATA_HOME: a config a test writes without `[server] socket` must never
    reach a server the person running the tests has on the real default socket."""
    before = os.environ.get("XDG_DATA_HOME")
    os.environ["XDG_DATA_HOME"] = str(tmp_path_factory.mktemp("xdg-data"))
    yield
    if before is None:
        os.environ.pop("XDG_DATA_HOME", None)
    else:
        os.environ["XDG_DATA_HOME"] = before


def _running_in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


@pytest.fixture
def dovecot() -> Iterator[DovecotServer]:
    """A fresh, empty Dovecot per test (user `frontdesk`, random password, private CA).

    Skipped where Dovecot is not installed, except in CI (CI=true), where a missing server
    must fail the run rather than silently skip the sync tests.
    """
    if find_dovecot() is None:
        message = "dovecot is not installed (apt-get install dovecot-imapd)"
        if _running_in_ci():
            pytest.fail(f"{message}; CI=true requires the real-server tests", pytrace=False)
        pytest.skip(message)
    with DovecotServer() as server:
        yield server


@pytest.fixture
def cutting_proxy() -> Iterator[Callable[..., CuttingProxy]]:
    """Factory: `cutting_proxy(host, port, source_address=None)` starts a CuttingProxy.

    Every proxy made through the factory is stopped when the test ends.
    """
    proxies: list[CuttingProxy] = []

    def make(
        host: str, port: int, *, source_address: tuple[str, int] | None = None
    ) -> CuttingProxy:
        proxy = CuttingProxy((host, port), source_address=source_address)
        proxy.start()
        proxies.append(proxy)
        return proxy

    yield make
    for proxy in proxies:
        proxy.stop()


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[PgCluster]:
    """One throwaway PostgreSQL cluster for the whole run (tests make their own databases
    in it with `create_database`). Skipped where the server is not installed, except in CI,
    where it must fail like the Dovecot fixture."""
    from tests.support.pgcluster import find_bindir
    from tests.support.pgcluster import pg_cluster as start_cluster

    if find_bindir() is None:
        message = "PostgreSQL is not installed (apt-get install postgresql)"
        if _running_in_ci():
            pytest.fail(f"{message}; CI=true requires the real-server tests", pytrace=False)
        pytest.skip(message)
    with start_cluster() as cluster:
        yield cluster


_pg_databases = iter(range(1, 1_000_000))


@pytest.fixture(params=["sqlite", "postgresql"])
def store_backend(request: pytest.FixtureRequest) -> str:
    """Which store a test runs on: every test using it runs once per backend (the
    PostgreSQL run is skipped, outside CI, where the server is not installed)."""
    if request.param == "postgresql":
        request.getfixturevalue("pg_cluster")
    return str(request.param)


@pytest.fixture
def pg_url(pg_cluster: PgCluster, request: pytest.FixtureRequest) -> Iterator[str]:
    """The URL of a fresh database of the session's cluster, named after the test's module,
    at the newest schema before the test's stores, servers or workers race to it: a copy
    of the template the store itself migrated (`create_migrated_database`: a third of the
    time of migrating each one); dropped after the test."""
    module = str(request.module.__name__).rsplit(".", 1)[-1].removeprefix("test_")
    name = f"{module}_{os.getpid()}_{next(_pg_databases)}"
    pg_cluster.create_migrated_database(name)
    yield pg_cluster.url(name)
    pg_cluster.psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def any_store(store_backend: str, tmp_path: Path,
              request: pytest.FixtureRequest) -> Iterator[object]:
    """A fresh, migrated store on `store_backend`: the SQLite `Database` (a file under
    tmp_path) or a `PgStore` on a new database of the session's cluster. Both offer the
    `Store` interface, and `write()`/`read()`/`conn` for the store's own SQL modules."""
    if store_backend == "sqlite":
        from cxinbox.store.db import Database

        db = Database(tmp_path / "data" / "cxinbox.db", synchronous="OFF")
        yield db
        db.close()
        return
    from cxinbox.store.pg.store import PgStore

    cluster: PgCluster = request.getfixturevalue("pg_cluster")
    name = f"store_{os.getpid()}_{next(_pg_databases)}"
    cluster.create_migrated_database(name)
    store = PgStore(cluster.url(name), max_size=4)
    yield store
    store.close()
    cluster.psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# Hypothesis imports its regex strategies lazily, the first time a strategy that uses them is
# validated; pytest rewrites that module's asserts as it is imported, and CPython 3.11's
# ast.parse raises "AST constructor recursion depth mismatch" when that import happens deep
# in hypothesis's recursive validation. Imported here, at the top of the stack, once.
import hypothesis.strategies._internal.regex  # noqa: F401
