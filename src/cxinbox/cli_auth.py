"""`cxinbox auth login | status | logout`: OAuth2 sign-in for mailboxes, per account.

Run as the user `cxinbox serve` runs as: the refresh token is written to that user's
token store (a 0600 file beside the database, or its keyring), where the server picks it
up at its next renewal without a restart.
"""

from __future__ import annotations

import json
import select
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from cxinbox.config import AccountConfig, Config

LoadConfig = Callable[[str | None], "Config"]

ConfigOpt = Annotated[
    str | None,
    typer.Option("--config", "-c", envvar="CXINBOX_CONFIG", show_envvar=True,
                 help="Path to config.toml (default: the XDG config dir)."),
]


def _fail(message: str, code: int) -> None:
    typer.echo(f"cxinbox: {message}", err=True)
    raise typer.Exit(code)


def _oauth_account(cfg: Config, name: str) -> AccountConfig:
    try:
        account = cfg.account(name)
    except KeyError:
        known = ", ".join(a.name for a in cfg.accounts if a.auth == "oauth2") or "none"
        _fail(f'auth: no account "{name}" in {cfg.source_path} (OAuth2 accounts: {known})', 2)
        raise AssertionError from None
    if account.auth != "oauth2":
        _fail(f'auth: account "{name}" signs in with a password (auth = "password"); '
              'OAuth2 needs auth = "oauth2" and an [accounts.oauth2] table', 2)
    return account


class _Paste:
    """Lines pasted at the terminal while a browser sign-in is pending (SSH fallback)."""

    def __init__(self) -> None:
        self.closed = not sys.stdin or sys.stdin.closed

    def __call__(self, timeout: float) -> str | None:
        if self.closed:
            return None
        try:
            ready, _, _ = select.select([sys.stdin], [], [], timeout)
        except (OSError, ValueError):
            self.closed = True
            return None
        if not ready:
            return None
        line = sys.stdin.readline()
        if not line:
            self.closed = True
            return None
        return line.strip()


def _iso(at: float) -> str:
    return datetime.fromtimestamp(at, UTC).isoformat(timespec="seconds")


def register(app: typer.Typer, load_config: LoadConfig) -> None:
    auth_app = typer.Typer(help="OAuth2 sign-in for Microsoft 365, Google Workspace and other "
                           "OAuth2 mailboxes.", no_args_is_help=True)
    app.add_typer(auth_app, name="auth")

    @auth_app.command("login")
    def login(account: Annotated[str, typer.Argument(help="The account's name.")],
              config: ConfigOpt = None,
              check: Annotated[bool, typer.Option(
                  "--check/--no-check", help="Log in to IMAP with the new token.")] = True,
              ) -> None:
        """Sign an account in and keep its refresh token for the server."""
        from cxinbox.channels.oauth import OAuthError, Prompt
        from cxinbox.channels.oauth_broker import broker_for
        from cxinbox.channels.oauth_providers import provider_for
        from cxinbox.channels.oauth_store import TokenStore, token_dir

        cfg = load_config(config)
        acct = _oauth_account(cfg, account)
        oauth = acct.oauth2
        assert oauth is not None
        store = TokenStore(token_dir(cfg.db_path))
        use_keyring = oauth.token_store == "keyring"
        prompt = Prompt(lambda line: typer.echo(line), _Paste())
        try:
            grant = provider_for(acct).login(prompt)
        except OAuthError as exc:
            _fail(f'auth login {account}: {exc}', 1)
            return
        state = store.load(account, use_keyring)
        state.refresh = grant.refresh or ""
        state.meta = {**(state.meta or {}), "provider": oauth.provider, "flow": oauth.flow,
                      "signed_in_at": _iso(datetime.now(UTC).timestamp()),
                      "last_refresh_at": _iso(datetime.now(UTC).timestamp()),
                      "access_expires_at": _iso(grant.expires_at),
                      "scopes": list(grant.scopes or oauth.scopes), "last_error": None,
                      "last_error_at": None, "last_error_permanent": None}
        store.save(account, state, use_keyring)
        broker_for(token_dir(cfg.db_path)).forget(account)
        minutes = max(0, int((grant.expires_at - datetime.now(UTC).timestamp()) // 60))
        typer.echo(f"{account}: signed in ({oauth.provider} {oauth.flow}); token valid "
                   f"{minutes} min")
        if check:
            _check_imap(cfg, acct, grant.token, grant.expires_at)

    @auth_app.command("status")
    def status(account: Annotated[str | None, typer.Argument(
                   help="One account (default: every OAuth2 account).")] = None,
               config: ConfigOpt = None,
               as_json: Annotated[bool, typer.Option("--json", help="JSON lines.")] = False,
               ) -> None:
        """Flow, scopes, expiry, last refresh and last error; exit 1 if someone must act."""
        from cxinbox.channels.oauth import OAuthError
        from cxinbox.channels.oauth_providers import secret_expiry
        from cxinbox.channels.oauth_store import TokenStore, token_dir

        cfg = load_config(config)
        accounts = [_oauth_account(cfg, account)] if account else [
            a for a in cfg.accounts if a.auth == "oauth2"]
        if not accounts:
            _fail(f"auth status: no OAuth2 accounts in {cfg.source_path}", 2)
        store = TokenStore(token_dir(cfg.db_path))
        trouble = False
        for acct in accounts:
            oauth = acct.oauth2
            assert oauth is not None
            try:
                state = store.load(acct.name, oauth.token_store == "keyring")
                meta: dict[str, Any] = dict(state.meta or {})
                signed_in = bool(state.refresh) or not oauth.interactive
            except OAuthError as exc:
                meta, signed_in = {"last_error": str(exc), "last_error_permanent": True}, False
            expires = secret_expiry(acct)
            scopes = [str(x) for x in (meta.get("scopes") or oauth.scopes)]
            row: dict[str, Any] = {"account": acct.name, "provider": oauth.provider, "flow": oauth.flow,
                   "scopes": scopes,
                   "signed_in": signed_in,
                   "signed_in_at": meta.get("signed_in_at"),
                   "last_refresh_at": meta.get("last_refresh_at"),
                   "access_expires_at": meta.get("access_expires_at"),
                   "last_error": meta.get("last_error"),
                   "last_error_at": meta.get("last_error_at"),
                   "secret_expires": expires.isoformat() if expires else None}
            expired = expires is not None and expires < datetime.now(UTC).date()
            needs_person = (not signed_in or bool(meta.get("last_error_permanent"))
                            or expired)
            trouble = trouble or needs_person
            row["needs_action"] = needs_person
            if as_json:
                typer.echo(json.dumps(row, sort_keys=True))
                continue
            typer.echo(f"{acct.name}: {oauth.provider} {oauth.flow}, "
                       f"{'signed in' if signed_in else 'NOT signed in'}")
            typer.echo(f"  scopes          {' '.join(scopes)}")
            for key, label in (("last_refresh_at", "last refresh"),
                               ("access_expires_at", "token expires"),
                               ("secret_expires", "secret expires"),
                               ("last_error", "last error")):
                if row[key]:
                    typer.echo(f"  {label:<15} {row[key]}")
            if needs_person:
                typer.echo(f"  -> run `cxinbox auth login {acct.name}`" if oauth.interactive
                           or not signed_in else
                           "  -> fix the app's credentials, then run `cxinbox doctor`")
        raise typer.Exit(1 if trouble else 0)

    @auth_app.command("logout")
    def logout(account: Annotated[str, typer.Argument(help="The account's name.")],
               config: ConfigOpt = None) -> None:
        """Forget an account's refresh token (the server stops syncing it)."""
        from cxinbox.channels.oauth_store import TokenStore, token_dir

        cfg = load_config(config)
        acct = _oauth_account(cfg, account)
        assert acct.oauth2 is not None
        removed = TokenStore(token_dir(cfg.db_path)).forget(
            account, acct.oauth2.token_store == "keyring")
        if removed:
            typer.echo(f"{account}: signed out; the server stops syncing this mailbox at its "
                       f"next token renewal, until `cxinbox auth login {account}`")
        else:
            typer.echo(f"{account}: was not signed in")


def _check_imap(cfg: Config, acct: AccountConfig, token: str, expires_at: float) -> None:
    from cxinbox.channels.imap import ImapError, ImapSession
    from cxinbox.channels.oauth import BearerToken
    from cxinbox.service.sync import endpoint_for

    assert acct.oauth2 is not None
    try:
        session = ImapSession(endpoint_for(acct, cfg), acct.username,
                              BearerToken(token, expires_at, acct.oauth2.mechanism))
    except ImapError as exc:
        _fail(f"auth login {acct.name}: signed in, but IMAP refused the token: {exc}", 1)
        return
    session.close()
    typer.echo(f"{acct.name}: IMAP login as {acct.username} ok")
