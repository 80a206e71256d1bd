"""The PostgreSQL store (issue #16): the same `Store` interface as the SQLite store, for a
group of sites whose servers share one database. Built step by step: the schema and its
migrations first (schema.py, migrate.py); the operations follow."""

from cxinbox.contract.errors import StoreError

INSTALL_HINT = ("pipx install 'cxinbox[postgresql]' (from a source tree: pipx install"
                " '.[postgresql]'; in a virtualenv: pip install 'psycopg[binary]' psycopg-pool)")
"""How to add PostgreSQL support to an install that lacks it (README, Install)."""


def require_driver() -> None:
    """StoreError in one line naming the fix when the PostgreSQL driver (psycopg and its
    pool, the `postgresql` extra) is not installed, or cannot load its libpq."""
    try:
        import psycopg  # noqa: F401
        import psycopg_pool  # noqa: F401
    except ImportError as exc:
        missing = getattr(exc, "name", None) or "psycopg"
        raise StoreError(f"PostgreSQL support is not installed ({missing} cannot be"
                         f" imported), and [store] url names a PostgreSQL database: "
                         f"{INSTALL_HINT}") from None
