"""One way to get what a mailbox login needs, whatever the account's `auth` says.

Sync, the outbox and `doctor` all call `credential_for`: a password from the account's
sources, or a bearer token from the process's OAuth2 broker (renewed before it expires).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from cxinbox.channels.credentials import resolve_password
from cxinbox.channels.oauth import BearerToken, Credential

if TYPE_CHECKING:
    from cxinbox.config import AccountConfig, Config

CredentialSourceFn = Callable[["AccountConfig"], Credential]


def credential_for(account: AccountConfig, db_path: Path, *, force: bool = False) -> Credential:
    """The password or a live access token for `account`; CredentialError (OAuthError for
    a sign-in problem) in one line otherwise. `force` renews a token the server refused."""
    if account.auth == "oauth2":
        # here: a password account (and every sync of one) need not load the OAuth2 broker
        from cxinbox.channels.oauth_broker import broker_for
        from cxinbox.channels.oauth_store import token_dir

        return broker_for(token_dir(db_path)).token(account, force=force)
    return resolve_password(account.name, account.credentials)


def credentials(config: Config) -> CredentialSourceFn:
    """`credential_for` bound to a config, in the shape MailSync and the outbox take."""
    db_path = config.db_path
    return lambda account: credential_for(account, db_path)


def is_token(credential: Credential) -> bool:
    return isinstance(credential, BearerToken)
