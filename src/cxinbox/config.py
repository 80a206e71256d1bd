"""cxinbox configuration: one TOML file read into frozen dataclasses and validated up front.

Why up front: a front-desk server that dies at 3 a.m. on a typo in a port number is worse than
one that refuses to start and names the wrong line. Every problem becomes one `ConfigError` line
naming the file, the dotted key (`accounts[1].port`) and what was expected, so `cxinbox serve`,
`cxinbox doctor` and the TUI can all print it without a traceback.

Secrets never live here. The loader refuses password-like keys anywhere in the file and only
records *where* each account's secret comes from (`CredentialSource`); the secret itself is
fetched by `cxinbox.channels.credentials`.

Relative paths in the file (`store.path`, `ca_file`, `password_file`) are relative to the
directory holding the config file, and `~` is expanded, so a config means the same thing
whichever directory `cxinbox` is started from.

This module imports only the standard library at import time (platformdirs is imported when a
default path is actually needed) so every CLI command stays quick to start.
"""

from __future__ import annotations

import ipaddress
import math
import os
import re
import shlex
import stat
import tomllib
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import date, datetime, time
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Final, Literal, NoReturn, TypeVar, cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cxinbox.domain.dburl import with_connect_timeout
from cxinbox.domain.retention import Span, parse_span
from cxinbox.domain.rules import Rule, red_flag_teams
from cxinbox.paths import (  # noqa: F401 - the names this module always offered
    APP_NAME,
    CONFIG_ENV_VAR,
    CONFIG_FILE_NAME,
    default_config_path,
    default_db_path,
    default_socket_path,
    resolve_config_path,
)

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

    from cxinbox.domain.teams import TeamSpec

EXAMPLE_CONFIG_NAME: Final = "config.example.toml"
AUDIT_KEY_NAME: Final = "audit-signing.key"
AUDIT_LOG_NAME: Final = "audit-checkpoints.jsonl"

# `Config.source_path` of a config that was not read from any file (`default_config()`).
BUILTIN_SOURCE: Final = Path("<built-in defaults>")

TlsMode = Literal["implicit", "starttls"]
Role = Literal["agent", "supervisor", "admin", "monitor"]
RED_FLAG_CLEARING_ROLES: Final = frozenset({"supervisor", "admin"})
"""Roles that may clear a red flag besides clinical staff (`clinical = true`)."""
AsciiMode = Literal["auto", "on", "off"]

AuthMode = Literal["password", "oauth2"]
OAuthProvider = Literal["microsoft", "google", "generic"]
OAuthFlow = Literal["client_credentials", "device_code", "authorization_code", "service_account"]
OAuthCredential = Literal["secret", "certificate"]
SaslMechanism = Literal["xoauth2", "oauthbearer"]
TokenStore = Literal["file", "keyring"]
AppendSent = Literal["auto", "always", "never"]

TLS_MODES: Final[tuple[TlsMode, ...]] = ("implicit", "starttls")
AUTH_MODES: Final[tuple[AuthMode, ...]] = ("password", "oauth2")
OAUTH_PROVIDERS: Final[tuple[OAuthProvider, ...]] = ("microsoft", "google", "generic")
OAUTH_FLOWS: Final[tuple[OAuthFlow, ...]] = (
    "client_credentials", "device_code", "authorization_code", "service_account")
# What each provider can do for a mailbox. Google's device flow does not grant the mail
# scope, and Microsoft has no service accounts (app-only is client_credentials).
PROVIDER_FLOWS: Final[Mapping[OAuthProvider, tuple[OAuthFlow, ...]]] = MappingProxyType({
    "microsoft": ("client_credentials", "device_code", "authorization_code"),
    "google": ("service_account", "authorization_code"),
    "generic": ("client_credentials", "device_code", "authorization_code"),
})
MICROSOFT_AUTHORITY: Final = "https://login.microsoftonline.com"
MICROSOFT_APP_SCOPES: Final = ("https://outlook.office365.com/.default",)
MICROSOFT_USER_SCOPES: Final = ("https://outlook.office365.com/IMAP.AccessAsUser.All",
                                "https://outlook.office365.com/SMTP.Send")
GOOGLE_MAIL_SCOPES: Final = ("https://mail.google.com/",)
GOOGLE_AUTHORIZATION_URL: Final = "https://accounts.google.com/o/oauth2/v2/auth"
GOOGLE_TOKEN_URL: Final = "https://oauth2.googleapis.com/token"
ROLES: Final[tuple[Role, ...]] = ("agent", "supervisor", "admin", "monitor")
ASCII_MODES: Final[tuple[AsciiMode, ...]] = ("auto", "on", "off")
DEFAULT_PORTS: Final[Mapping[TlsMode, int]] = MappingProxyType({"implicit": 993, "starttls": 143})
DEFAULT_SMTP_PORTS: Final[Mapping[TlsMode, int]] = MappingProxyType(
    {"implicit": 465, "starttls": 587})

SECRET_HINT: Final = (
    "secrets never go in the config file; use password_command = [...], keyring, "
    'password_env = "VAR" or password_file = "/path" (mode 0600)'
)

OAUTH_SECRET_HINT: Final = (
    "secrets never go in the config file; say where the client secret, certificate or "
    'service-account key lives: secret_command = [...], keyring = true, secret_env = "VAR" '
    'or secret_file = "/path" (mode 0600)'
)


class ConfigError(Exception):
    """The config file is missing, unreadable or wrong.

    `str()` is always one line, `FILE: KEY: PROBLEM` (or `FILE: PROBLEM` when no single key is
    at fault), so callers can print it as-is and exit non-zero instead of showing a traceback.
    """

    def __init__(self, source: Path | str, problem: str, *, key: str | None = None) -> None:
        self.source = Path(source)
        self.key = key
        self.problem = problem
        parts = [str(source), key, problem] if key else [str(source), problem]
        super().__init__(re.sub(r"[\r\n]+", " ", ": ".join(parts)))


@dataclass(frozen=True, slots=True, kw_only=True)
class ClinicConfig:
    """The clinic itself: the name staff see and the clock that SLAs and display times use."""

    name: str = "Clinic"
    """Shown in the TUI header and by `cxinbox doctor`."""
    timezone: str = "UTC"
    """IANA time zone, e.g. "America/Chicago". Times are stored in UTC and shown in this zone;
    clinic hours for SLA countdowns are counted in it too."""
    phone: str = ""
    """The front-desk phone number, free text; shown to staff, never dialled by cxinbox."""
    country_code: str = ""
    """The calling code ("1", "44") for phone numbers staff type without one, such as
    "(555) 350-4006". "" = the country of the first [[sms.numbers]]; with neither, numbers
    must be typed with their country code ("+1 555 350 4006")."""

    @property
    def tzinfo(self) -> ZoneInfo:
        """The clinic's zone as a tzinfo (validated at load, so this does not fail then)."""
        return ZoneInfo(self.timezone)


@dataclass(frozen=True, slots=True, kw_only=True)
class StoreConfig:
    """Where `cxinbox serve` keeps its SQLite cache (the only process that opens it)."""

    path: Path | None = None
    """The database file. None means the platform default, `default_db_path()`;
    use `Config.db_path` to get the effective path."""
    url: str | None = None
    """A PostgreSQL database (`postgresql://user@host/db?...`) instead of the SQLite file.
    The password is best left out of the URL: libpq reads `PGPASSWORD`, `~/.pgpass`
    (or `PGPASSFILE`) and its other environment variables as usual."""
    connect_timeout_s: int = 5
    """Seconds to wait for the PostgreSQL server to answer a new connection (1..300), unless
    the URL sets libpq's own `connect_timeout`: an address that never answers is said in
    this long, not after the operating system gives up (half a minute or more)."""

    @property
    def connect_url(self) -> str | None:
        """`url` with libpq's `connect_timeout` added when it does not set one itself: what
        every connection to the database uses."""
        if self.url is None:
            return None
        return with_connect_timeout(self.url, self.connect_timeout_s)

    @property
    def database(self) -> str | None:
        """The PostgreSQL database `url` names, as servers and clients name it to each
        other (`pg_database_name`); None for the SQLite file."""
        return None if self.url is None else pg_database_name(self.url)


def url_password(url: str | None) -> bool:
    """Whether a postgresql:// URL carries a password (user:password@ or ?password=)."""
    if url is None:
        return False
    from urllib.parse import parse_qs, urlsplit

    parts = urlsplit(url)
    try:
        in_netloc = parts.password is not None
    except ValueError:
        in_netloc = False
    return in_netloc or "password" in parse_qs(parts.query)


def url_password_warning(config: Config) -> str | None:
    """One line when `[store] url` carries the database password and the config file is
    readable by others (staff read the server's config); None otherwise."""
    if not url_password(config.store.url) or config.source_path == BUILTIN_SOURCE:
        return None
    try:
        mode = stat.S_IMODE(config.source_path.stat().st_mode)
    except OSError:
        return None
    if not mode & (stat.S_IRGRP | stat.S_IROTH):
        return None
    return (f"[store] url in {config.source_path} holds the database password, and the file"
            f" (mode {mode:04o}) is readable by others: take the password out of the URL and"
            " give it to the server through PGPASSWORD (systemd EnvironmentFile=, root, 0600)"
            " or the service user's ~/.pgpass (0600); see README, PostgreSQL")


def pg_database_name(url: str) -> str:
    """`postgresql://HOST:PORT/DBNAME` for a `[store] url`: where the database is and
    which one, never who connects or with what password. HOST is the socket directory
    when the URL names one (`?host=/run/postgresql`); libpq's defaults fill what the URL
    leaves out (port 5432; the database named like the user)."""
    from urllib.parse import parse_qs, unquote, urlsplit

    parts = urlsplit(url)
    query = {key: values[-1] for key, values in parse_qs(parts.query).items() if values}
    try:
        netloc_port = parts.port
    except ValueError:
        netloc_port = None
    host = query.get("host") or (unquote(parts.hostname) if parts.hostname else "")
    if host.startswith("/"):
        host = os.path.normpath(host)
    host = host.split(",")[0] or "localhost"
    port = query.get("port") or (str(netloc_port) if netloc_port else "5432")
    user = query.get("user") or (unquote(parts.username) if parts.username else "")
    dbname = query.get("dbname") or unquote(parts.path.lstrip("/")) or user or "postgres"
    return f"postgresql://{host}:{port.split(',')[0]}/{dbname}"


@dataclass(frozen=True, slots=True, kw_only=True)
class SyncConfig:
    """How the server talks to the IMAP servers; the defaults suit a small clinic."""

    batch_size: int = 500
    """Messages fetched and committed per transaction (1..10000). Smaller batches mean less
    work repeated after a crash; larger ones mean fewer round trips on a first sync."""
    idle_timeout_s: int = 1500
    """Seconds before an IMAP IDLE is renewed (30..1740). RFC 2177 servers may drop an IDLE
    after 30 minutes, so this stays below 29 minutes."""
    connect_timeout_s: float = 20.0
    """Seconds to wait for a TCP + TLS connection to an IMAP server."""
    socket_timeout_s: float = 60.0
    """Seconds to wait for any single IMAP response before treating the link as dead."""
    reconnect_max_s: int = 300
    """Longest wait, in seconds, between attempts to reconnect to a mail server."""
    mass_delete_fraction: float = 0.2
    """If more than this share (0 < x <= 1) of a folder's messages vanish at once, the folder
    is quarantined and a person is told, instead of deleting local data."""
    mass_delete_min: int = 50
    """Vanishings below this many messages never trigger quarantine, so small folders can be
    emptied normally."""
    parse_workers: int = 0
    """Processes used to parse MIME during sync; 0 means one per CPU core."""


@dataclass(frozen=True, slots=True, kw_only=True)
class CredentialSource:
    """Where an account's password comes from. The keys sit directly in its [[accounts]] table.

    Sources are tried in the order listed here; see `cxinbox.channels.credentials`.
    """

    password_command: tuple[str, ...] | None = None
    """Command printing the password on its first output line, as an argv list run without a
    shell, e.g. ("pass", "show", "clinic/billing")."""
    password_command_timeout_s: float = 10.0
    """Seconds the password command may run before it is killed."""
    keyring: bool = False
    """Look the password up in the OS keyring: service "cxinbox", user = the account's name."""
    password_env: str | None = None
    """Name of an environment variable holding the password (e.g. set by systemd)."""
    password_file: Path | None = None
    """A file holding the password on its first line; must be owned by the user running
    cxinbox and have mode 0600 or 0400."""

    @property
    def configured(self) -> bool:
        """True when at least one source is set."""
        return bool(
            self.password_command or self.keyring or self.password_env or self.password_file
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class OAuth2Config:
    """[accounts.oauth2]: how an `auth = "oauth2"` account signs in (see README, "OAuth2").

    The client secret, certificate key or service-account key comes from the same kinds
    of source as a password (`secret_command`, `keyring`, `secret_env`, `secret_file`);
    refresh tokens live in `token_store`, access tokens only in the server's memory.
    """

    provider: OAuthProvider
    """"microsoft" (Microsoft 365 / Exchange Online), "google" (Google Workspace) or
    "generic" (any OAuth2 server given its endpoints)."""
    flow: OAuthFlow
    """"client_credentials" (app-only, unattended), "device_code" (sign in once from any
    terminal with a code), "authorization_code" (a browser sign-in with a loopback redirect
    or a pasted URL) or "service_account" (Google, domain-wide delegation)."""
    tenant: str = ""
    """Microsoft: the directory (tenant) id or domain, e.g. "contoso.onmicrosoft.com"."""
    client_id: str = ""
    """The application (client) id; not used by "service_account" (the key names it)."""
    credential: OAuthCredential = "secret"
    """Microsoft client_credentials: "secret" (a client secret) or "certificate" (a PEM
    holding the private key and its certificate)."""
    authority: str = ""
    """Microsoft: the sign-in authority; defaults to https://login.microsoftonline.com
    (set it for a national cloud)."""
    authorization_url: str = ""
    """generic and google authorization_code: the authorization endpoint."""
    token_url: str = ""
    """generic (and google authorization_code): the token endpoint."""
    device_authorization_url: str = ""
    """generic device_code: the device authorization endpoint (RFC 8628)."""
    scopes: tuple[str, ...] = ()
    """Scopes to ask for; each provider and flow has a default, generic needs them."""
    redirect_port: int = 0
    """authorization_code: the loopback port for the redirect; 0 picks a free one."""
    token_store: TokenStore = "file"
    """Where the refresh token lives: "file" (0600, beside the database) or "keyring"."""
    ca_file: Path | None = None
    """An extra CA bundle (PEM) for the token endpoints; the account's ca_file by default."""
    mechanism: SaslMechanism = "xoauth2"
    """SASL mechanism for IMAP and SMTP: "xoauth2" (Microsoft, Google) or "oauthbearer"."""
    secret_expires: date | None = None
    """When the client secret expires (Microsoft shows it); warned about 30 days ahead.
    A certificate's own end date is read from it."""
    secret: CredentialSource = field(default_factory=lambda: CredentialSource())
    """Where the secret comes from: the secret_* keys and keyring of this table."""
    timeout_s: float = 20.0
    """Seconds to wait for the token endpoint."""

    @property
    def needs_secret(self) -> bool:
        return self.flow in ("client_credentials", "service_account")

    @property
    def interactive(self) -> bool:
        """Flows where a person signs in once and a refresh token is kept."""
        return self.flow in ("device_code", "authorization_code")


@dataclass(frozen=True, slots=True, kw_only=True)
class AccountConfig:
    """One shared IMAP mailbox (appointments@, billing@ …) that the server syncs."""

    name: str
    """Short unique id ([a-z0-9_-]+), used in `mailbox:` queries, logs and as the keyring user."""
    host: str
    """IMAP server host name or IP address."""
    port: int = 993
    """IMAP port; the loader defaults it to 993 for tls = "implicit" and 143 for "starttls"."""
    tls: TlsMode = "implicit"
    """"implicit": TLS from the first byte (port 993). "starttls": plain connect, then STARTTLS
    (which must succeed; cxinbox never continues without TLS)."""
    verify_tls: bool = True
    """Verify the server certificate. False is only accepted for a loopback host (a local test
    server); for a private CA, set ca_file instead."""
    ca_file: Path | None = None
    """An extra CA bundle (PEM) to trust in addition to the system store."""
    username: str
    """IMAP login name."""
    folders: tuple[str, ...] = ("INBOX",)
    """IMAP folders to sync; never empty."""
    address: str = ""
    """The mailbox's own email address, used as From on replies; the loader defaults it to
    the username when that contains "@"."""
    display_name: str = ""
    """Name shown with the address on replies, e.g. "Maple Clinic Billing"."""
    credentials: CredentialSource = field(default_factory=CredentialSource)
    """Where the password comes from; written as keys of the [[accounts]] table."""
    smtp_host: str | None = None
    """SMTP server for replies from this mailbox; None means replies cannot be sent from it."""
    smtp_port: int = 465
    """SMTP port; the loader defaults it to 465 for smtp_tls = "implicit" and 587 for "starttls"."""
    smtp_tls: TlsMode = "implicit"
    """"implicit" (port 465) or "starttls" (port 587, STARTTLS required)."""
    smtp_verify_tls: bool = True
    """Verify the SMTP server certificate; defaults to verify_tls, false only for loopback."""
    smtp_username: str = ""
    """SMTP login name; the loader defaults it to `username`. The password comes from the same
    credential source as IMAP."""
    sent_folder: str | None = None
    """IMAP folder sent replies are appended to; None finds it by SPECIAL-USE \\Sent, then "Sent"."""
    signature: str = ""
    """Appended to every reply from this mailbox, after a "-- " line."""
    sender_with_staff_name: bool = False
    """From shows "Maria at Maple Clinic Billing" instead of the display name alone."""
    auth: AuthMode = "password"
    """"password", or "oauth2" with an [accounts.oauth2] table (Microsoft 365, Google)."""
    oauth2: OAuth2Config | None = None
    """The OAuth2 sign-in, when auth = "oauth2"."""
    follow_sent: bool = True
    """Also sync the Sent folder when the account can send, so replies staff send from
    Outlook or Gmail join their conversations as the clinic's response."""
    append_sent: AppendSent = "auto"
    """Copy replies to the Sent folder: "auto" does it except on Gmail (whose SMTP files the
    copy itself), "always", or "never"."""
    mark_seen_on_server: bool = True
    """Reading a conversation in cxinbox sets \\Seen on the server for colleagues in Outlook."""
    max_connections: int = 8
    """Most IMAP connections cxinbox opens to this mailbox at once (1..50); Exchange Online
    allows 20 per mailbox, Gmail 15 per account, shared with Outlook and phones."""

    @property
    def sasl_user(self) -> str:
        return self.username


@dataclass(frozen=True, slots=True, kw_only=True)
class SmsNumber:
    """One of the clinic's SMS numbers ([[sms.numbers]])."""

    number: str
    """E.164 form, e.g. "+15551230000"."""
    name: str = ""
    """What staff call it, e.g. "Front desk"; shown as the mailbox of its conversations."""
    messaging_service_sid: str = ""
    """Send this number's texts through this Messaging Service ("MG..."); overrides [sms]
    messaging_service_sid. The service picks the sender from its pool; texts from any pool
    number to a patient of this number join this number's conversations."""


@dataclass(frozen=True, slots=True, kw_only=True)
class SmsConfig:
    """[sms]: a provider with a Twilio-compatible REST API. Absent `base_url` = no SMS channel."""

    name: str = "sms"
    """Account name used in `mailbox:` queries and as the keyring user for the auth token."""
    base_url: str | None = None
    """Provider API root, e.g. "https://api.twilio.com"; http:// only for a loopback host."""
    account_sid: str = ""
    """The provider account id (used in request paths and as the HTTP basic-auth user)."""
    verify_tls: bool = True
    """Verify the provider's certificate; false only for a loopback host."""
    ca_file: Path | None = None
    """An extra CA bundle (PEM) to trust in addition to the system store."""
    numbers: tuple[SmsNumber, ...] = ()
    """The clinic's numbers; messages to or from any other number are ignored."""
    poll_seconds: int = 20
    """Seconds between polls for inbound messages and delivery status (5..3600)."""
    overlap_seconds: int = 600
    """Each poll asks again for this many seconds before the last one, so late-indexed
    messages are not missed; duplicates are dropped by message id."""
    credentials: CredentialSource = field(default_factory=CredentialSource)
    """Where the auth token comes from (password_command, keyring, password_env, password_file)."""
    messaging_service_sid: str = ""
    """Send every text through this Messaging Service ("MG..."; A2P 10DLC registration in the
    US requires one); a number's own messaging_service_sid wins."""
    status_callback: str = ""
    """An https URL the provider calls with delivery updates (optional: cxinbox polls the
    status itself; set it only if something of yours listens there)."""
    media_base_url: str = ""
    """MMS sending: the public https address under which `media_dir` is served by the
    clinic's web server. The provider fetches attached files from there, so texts with
    attachments need both; without them attachments can only be e-mailed."""
    media_dir: Path | None = None
    """MMS sending: the folder cxinbox writes an attached file to (under an unguessable name)
    for the provider to fetch from `media_base_url`."""

    @property
    def configured(self) -> bool:
        return self.base_url is not None

    @property
    def can_send_media(self) -> bool:
        return bool(self.media_base_url) and self.media_dir is not None

    def service_for(self, number: str) -> str:
        """The Messaging Service texts from `number` go through ("" = none)."""
        for n in self.numbers:
            if n.number == number and n.messaging_service_sid:
                return n.messaging_service_sid
        return self.messaging_service_sid


@dataclass(frozen=True, slots=True, kw_only=True)
class ServerConfig:
    """[server]: `cxinbox serve`, the one process that owns the database."""

    socket: Path | None = None
    """The Unix socket; None means `default_socket_path()`. For several staff accounts, put it
    in a directory only the front-desk group may enter (e.g. /run/cxinbox, mode 0750)."""
    bulk_limit: int = 500
    """Agents may change at most this many conversations in one bulk command."""
    stall_seconds: int = 900
    """A background thread silent this long (not waiting, not advancing) counts as hung:
    `cxinbox serve` stops pinging systemd's watchdog, which then restarts it (0: off)."""
    metrics_listen: str = ""
    """Serve the health report as Prometheus metrics on this loopback HOST:PORT (e.g.
    "127.0.0.1:9464"); "" serves none. Other addresses are refused."""
    group: str = ""
    """The OS group whose members may connect (the socket is 0660): `cxinbox serve` gives
    the socket this group, so staff can reach a server started by hand (as root, say)
    and not only one the systemd unit starts with `Group=`. "" keeps the server's own
    primary group, which the startup line names."""


@dataclass(frozen=True, slots=True, kw_only=True)
class OutboxConfig:
    """[outbox]: how replies leave."""

    undo_seconds: int = 10
    """Seconds a queued reply waits before sending, so its author can take it back (0..300)."""
    max_attempts: int = 12
    """Attempts before a reply is marked failed and needs a person (1..100)."""
    max_backoff_seconds: int = 900
    """Longest wait between attempts (1..86400)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class CsatConfig:
    """[csat]: the satisfaction question a patient gets after a conversation is closed."""

    enabled: bool = False
    """Whether `cxinbox serve` asks at all."""
    delay_minutes: int = 10
    """Minutes after the close before the question goes; a reopen meanwhile cancels it (0..10080)."""
    excluded_tags: tuple[str, ...] = ("red-flag", "billing-dispute")
    """A conversation with any of these tags is never surveyed (nor one that ever had a
    red flag, whatever its tags: service/csat.py)."""
    frequency_days: int = 30
    """At most one question per patient (address or number) in this many days (0..365)."""
    answer_days: int = 7
    """A reply this many days after the question still counts as its answer (1..90)."""
    default_language: str = "en"
    """The question's language when the patient's own words do not tell ("en" or "es")."""
    question_sms_en: str = ""
    """The text message in English; empty means the built-in one ("How did we do? Reply 1-5")."""
    question_sms_es: str = ""
    """The text message in Spanish; empty means the built-in one."""
    question_email_en: str = ""
    """The email reply in English; empty means the built-in one."""
    question_email_es: str = ""
    """The email reply in Spanish; empty means the built-in one."""

    def question(self, channel: str, lang: str) -> str:
        """The question to send by `channel` ("sms"/"email") in `lang` ("en"/"es")."""
        from cxinbox.domain.csat import QUESTIONS

        lang = lang if lang in QUESTIONS else "en"
        mine = getattr(self, f"question_{'sms' if channel == 'sms' else 'email'}_{lang}")
        return str(mine) or QUESTIONS[lang]["sms" if channel == "sms" else "email"]


@dataclass(frozen=True, slots=True, kw_only=True)
class ReportsConfig:
    """[reports]: the weekly digest (`cxinbox report digest --mail-to ADDRESS`)."""

    digest_from: str = ""
    """The mailbox (an [[accounts]] name) whose address and SMTP server send the digest;
    "" means the first mailbox with both an address and an smtp_host."""


SYSLOG_FACILITIES: Final = ("auth", "authpriv", "daemon", "user", "local0", "local1",
                             "local2", "local3", "local4", "local5", "local6", "local7")


@dataclass(frozen=True, slots=True, kw_only=True)
class AuditConfig:
    """[audit]: signed checkpoints that anchor the audit trail outside the database."""

    checkpoints: bool = True
    """Whether `cxinbox serve` signs checkpoints of the audit chain's head (in-process use
    never does: only the server holds the key)."""
    key_file: Path | None = None
    """The Ed25519 signing key, made on first use with mode 0600; None means
    `audit-signing.key` beside the config file. Keep it out of the database's directory."""
    checkpoint_log: Path | None = None
    """The append-only log of signed checkpoints; None means `audit-checkpoints.jsonl`
    beside the SQLite database, or on PostgreSQL `audit-checkpoints-STORE_ID.jsonl` beside
    the signing key (one log per server and database, `Config.checkpoint_log_for`)."""
    checkpoint_seconds: int = 30
    """While events arrive, a checkpoint at least this often (1..3600 seconds)."""
    checkpoint_events: int = 1000
    """A checkpoint as soon as this many events arrived since the last (1..1000000)."""
    syslog_socket: Path | None = None
    """Also send each checkpoint line to syslog or journald through this socket (e.g.
    /dev/log); None means not. Forward it to another host and the copy is out of reach."""
    syslog_facility: str = "authpriv"
    """The syslog facility for those lines."""
    public_key: str = ""
    """The signing key's public half (base64, printed by `cxinbox audit verify`), pinned:
    a key file that does not match it is refused and verification uses this instead."""


@dataclass(frozen=True, slots=True, kw_only=True)
class BackupConfig:
    """[backup]: encrypted, verified copies of the database (`cxinbox backup`)."""

    dir: Path | None = None
    """Where backups are written (absolute; ideally another disk). None: only `cxinbox
    backup --to DIR` writes any."""
    recipients: tuple[str, ...] = ()
    """age public keys (age1...) a backup is encrypted to. The private keys stay away from
    this machine: the server can write backups but never read one."""
    every: int | None = None
    """Seconds between backups the server makes by itself (written "24h"; at least 1h);
    None: only on request."""
    keep: int = 14
    """Backups of this host kept in `dir`; older ones are deleted after a new one verified."""


BACKUP_MIN_EVERY_S: Final = 3600
BACKUP_MAX_EVERY_S: Final = 31 * 86400


@dataclass(frozen=True, slots=True, kw_only=True)
class RetentionConfig:
    """[retention]: what is purged, and when (see service/retention.py)."""

    closed_after: Span | None = None
    """Closed conversations untouched for longer than this ("7y", "400d") are purged with
    everything they hold; None (no [retention] table) means nothing is ever purged."""
    audit_keep: Span = field(default_factory=lambda: Span(6, "y"))
    """Audit events are kept this long (HIPAA keeps documentation 6 years), then released
    from the start of the trail under a signed checkpoint."""
    daily_at: str = "03:30"
    """When `cxinbox serve` runs the purge each day, clinic time (HH:MM)."""

    @property
    def configured(self) -> bool:
        return self.closed_after is not None


@dataclass(frozen=True, slots=True, kw_only=True)
class CannedReply:
    """One canned reply ([[compose.canned]] or a file in compose.canned_dir)."""

    name: str
    """Short name used by `cxinbox reply --template` and the composer's search."""
    body: str
    """Text with {patient_name} {staff_name} {clinic_phone} {clinic_name} {conversation_id}
    {mailbox}; any other {name} becomes a fill-in prompt."""
    subject: str = ""
    """Subject for a new message; replies keep the conversation's subject."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ComposeConfig:
    """[compose]: the reply composer."""

    canned: tuple[CannedReply, ...] = ()
    """[[compose.canned]] tables."""
    canned_dir: Path | None = None
    """A folder of *.txt files, one canned reply each (file stem = name)."""
    editor: tuple[str, ...] | None = None
    """External editor argv; None means $VISUAL, then $EDITOR, then vi."""


@dataclass(frozen=True, slots=True, kw_only=True)
class StaffMember:
    """A person allowed to use cxinbox, matched by the OS user the server sees on its socket."""

    os_user: str
    """Login name on the machine running the server."""
    name: str
    """Name shown to colleagues, in assignments and in the audit trail."""
    role: Role = "agent"
    """"agent" (front-desk triage), "supervisor" (team lead) or "admin" (IT); what each role
    may do is decided by the service layer. "monitor" is for a monitoring system's own
    login (Nagios, Prometheus): it may read the health report and nothing else."""
    clinical: bool = False
    """A clinician: hears the bell and toast of every new red flag, and may clear one
    (`cxinbox flag clear`, the key F) like supervisors and admins."""


@dataclass(frozen=True, slots=True, kw_only=True)
class UiConfig:
    """Terminal UI preferences shared by every staff member on this install."""

    ascii: AsciiMode = "auto"
    """Draw with ASCII only: "on", "off", or "auto" (decided from the terminal)."""
    mouse: bool = True
    """Accept mouse input where the terminal supports it."""
    idle_lock_minutes: int = 10
    """Lock the inbox after this many idle minutes (0 disables)."""
    keymap: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    """Binding id -> keys overrides, e.g. {"reply": "r"}; read-only."""


@dataclass(frozen=True, slots=True, kw_only=True)
class SlaPolicyConfig:
    """One [[sla.policies]] entry. Targets are business time in the policy's calendar."""

    name: str
    """Shown in the UI and reports."""
    match: str = ""
    """A query (the `/` language) selecting the conversations it covers; "" = all."""
    calendar: str = ""
    """A name from [sla.calendars]; "" = around the clock in the clinic's time zone."""
    first_response_s: int | None = None
    """`first_response = "1h"`: time to the first staff reply."""
    next_response_s: int | None = None
    """`next_response = "4h"`: time to answer each later patient message."""
    resolution_s: int | None = None
    """`resolution = "2d"`: time to close the conversation."""
    at_risk_fraction: float = 0.75
    """Share of a target's time after which the conversation is "at risk"."""


@dataclass(frozen=True, slots=True, kw_only=True)
class SlaConfig:
    """[sla]: business-hours calendars and the policies that use them (first match wins)."""

    calendars: Mapping[str, Mapping[str, object]] = field(
        default_factory=lambda: MappingProxyType({}))
    """[sla.calendars.NAME]: timezone, hours per weekday ("08:00-12:00"), holidays."""
    policies: tuple[SlaPolicyConfig, ...] = ()
    """[[sla.policies]] in order; the first whose `match` covers a conversation applies."""
    notify_command: tuple[str, ...] | None = None
    """Run (argv, no shell) once per escalation: a conversation becoming at risk or breached.
    Details arrive in CXINBOX_* environment variables and as one JSON line on stdin."""
    check_interval_s: int = 15
    """Seconds between the server's SLA rounds (escalations, snoozes that ran out, the
    satisfaction questions due): how late at most an escalation is told. 1..3600."""


EMERGENCY_TEXT_EN: Final = ("If this is an emergency, call 911 or go to the nearest"
                             " emergency room now. Do not wait for a reply to this message.")
EMERGENCY_TEXT_ES: Final = ("Si se trata de una emergencia, llame al 911 o vaya a la sala de"
                             " emergencias más cercana ahora. No espere una respuesta a este"
                             " mensaje.")


@dataclass(frozen=True, slots=True, kw_only=True)
class TriageConfig:
    """[triage]: what happens when the red-flag detector fires on a patient's message."""

    red_flag_policy: str = ""
    """An [[sla.policies]] name that covers every conversation with an open red flag,
    whatever the policies' order and matches say; "" = the usual first match."""
    emergency_text: str = EMERGENCY_TEXT_EN
    """Offered first in the composer of a red-flagged conversation."""
    emergency_text_es: str = EMERGENCY_TEXT_ES
    """The same, offered when the patient wrote in Spanish."""
    backlog_hours: int = 72
    """Messages the server (or the SMS provider) received longer ago than this when they
    are stored (a new mailbox's history) are not assessed: an alarm about last year's
    mail helps nobody. Received, never dated: the Date: header is the sender's to set."""
    backlog_mark_days: int = 14
    """Such a first sync's message (`messages.backlog_at`) still says "not screened" in
    the list, `show` and the thread when it arrived within this many days and is the
    open conversation's newest, unread, unanswered patient message (store/unscreened.py);
    older history stays unmarked. 0: never."""
    notify_command: tuple[str, ...] | None = None
    """Run (argv, no shell) once per new red flag, with the category and conversation
    number only (CXINBOX_EVENT=red_flag, CXINBOX_CATEGORY, CXINBOX_CONVERSATION, and one
    JSON line on stdin); unset = [sla] notify_command."""
    check_interval: int = 5
    """Seconds between the server's red-flag rounds (service/redflag_routing.py): how late
    at most a waiting red flag is given when a shift starts or a place under a cap frees
    up, and a shift's start is offered or told. 1..60: a red flag must not wait
    minutes for a clinician who is already on shift."""


@dataclass(frozen=True, slots=True, kw_only=True)
class KbConfig:
    """[kb]: the knowledge base (service/kb.py): where its Markdown files are, who edits."""

    folder: Path | None = None
    """A folder of *.md articles (front matter, then Markdown; see README "Knowledge
    base"), re-read when a file changes and on `cxinbox kb sync`. None: articles come only
    from `cxinbox kb add`."""
    editors: tuple[Role, ...] = ("supervisor", "admin")
    """Roles that may add and edit articles from the command line; everyone reads them."""


ACK_EMAIL_SUBJECT_ES: Final = "Recibimos su mensaje"
ACK_EMAIL_ES: Final = ("Recibimos su mensaje y le responderemos a más tardar el {next_open}."
                       " Si se trata de una emergencia, llame al 911.")
ACK_SMS_ES: Final = ("{clinic}: recibimos su mensaje y le responderemos a más tardar el"
                     " {next_open}. ¿Emergencia? Llame al 911.")
"""The built-in Spanish acknowledgement ([acknowledge] email_es, sms_es replace them)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class AcknowledgeConfig:
    """[acknowledge]: what the `acknowledge` rule action sends outside opening hours."""

    calendar: str = ""
    """A name from [sla.calendars]: when the clinic is open (and opens next)."""
    email_subject: str = "We received your message"
    """The mail's subject when the patient's had none (otherwise "Re: " and theirs)."""
    email: str = ""
    """The mail's text; {next_open} becomes e.g. "Tuesday 9:00", {clinic} the clinic's name."""
    sms: str = ""
    """The text message; the same placeholders."""
    email_subject_es: str = ACK_EMAIL_SUBJECT_ES
    email_es: str = ACK_EMAIL_ES
    sms_es: str = ACK_SMS_ES
    """The same for a patient who wrote in Spanish (sent only where the English one for the
    channel is set; "" sends the English text to everyone). {next_open} is in Spanish."""

    @property
    def configured(self) -> bool:
        return bool(self.calendar and (self.email or self.sms))


@dataclass(frozen=True, slots=True, kw_only=True)
class Config:
    """Everything read from one config file."""

    clinic: ClinicConfig = field(default_factory=ClinicConfig)
    """[clinic] table."""
    store: StoreConfig = field(default_factory=StoreConfig)
    """[store] table."""
    sync: SyncConfig = field(default_factory=SyncConfig)
    """[sync] table."""
    accounts: tuple[AccountConfig, ...] = ()
    """[[accounts]] tables, in file order; may be empty (e.g. `cxinbox demo`)."""
    staff: tuple[StaffMember, ...] = ()
    """[[staff]] tables: the roster the server maps OS users to."""
    ui: UiConfig = field(default_factory=UiConfig)
    """[ui] table."""
    sla: SlaConfig = field(default_factory=SlaConfig)
    """[sla] table."""
    server: ServerConfig = field(default_factory=ServerConfig)
    """[server] table."""
    sms: SmsConfig = field(default_factory=SmsConfig)
    """[sms] table."""
    outbox: OutboxConfig = field(default_factory=OutboxConfig)
    """[outbox] table."""
    compose: ComposeConfig = field(default_factory=ComposeConfig)
    """[compose] table."""
    audit: AuditConfig = field(default_factory=AuditConfig)
    """[audit] table."""
    backup: BackupConfig = field(default_factory=BackupConfig)
    """[backup] table."""
    retention: RetentionConfig = field(default_factory=RetentionConfig)
    """[retention] table."""
    teams: tuple[TeamSpec, ...] = ()
    """[[teams]] tables: who `assign team:NAME` chooses from, and how (domain/teams.py)."""
    kb: KbConfig = field(default_factory=KbConfig)
    """[kb] table."""
    acknowledge: AcknowledgeConfig = field(default_factory=AcknowledgeConfig)
    """[acknowledge] table."""
    rules: tuple[Rule, ...] = ()
    """[[rules]] in order (domain/rules.py)."""
    triage: TriageConfig = field(default_factory=TriageConfig)
    """[triage] table."""
    csat: CsatConfig = field(default_factory=CsatConfig)
    """[csat] table."""
    reports: ReportsConfig = field(default_factory=ReportsConfig)
    """[reports] table."""
    source_path: Path = BUILTIN_SOURCE
    """The file this was read from (BUILTIN_SOURCE for `default_config()`)."""

    @property
    def db_path(self) -> Path:
        """The SQLite file to use: `store.path`, or the platform default."""
        return self.store.path if self.store.path is not None else default_db_path()

    @property
    def store_identity(self) -> Path | str:
        """The database a server on this config must serve: the SQLite file, or the
        PostgreSQL database's name (`pg_database_name`)."""
        return self.store.database or self.db_path

    @property
    def audit_key_path(self) -> Path:
        """The audit signing key: `audit.key_file`, or beside the config file."""
        if self.audit.key_file is not None:
            return self.audit.key_file
        if self.source_path == BUILTIN_SOURCE:
            return default_config_path().parent / AUDIT_KEY_NAME
        return self.source_path.parent / AUDIT_KEY_NAME

    @property
    def audit_log_path(self) -> Path:
        """The checkpoint log of a SQLite store: `audit.checkpoint_log`, or beside the
        database file. A PostgreSQL store's is `checkpoint_log_for(its store id)`."""
        if self.audit.checkpoint_log is not None:
            return self.audit.checkpoint_log
        return self.db_path.parent / AUDIT_LOG_NAME

    def checkpoint_log_for(self, store_id: str | None) -> Path:
        """The checkpoint log this config's server writes for the database `store_id`
        names (`Store.store_id()`; None for a SQLite file): `audit.checkpoint_log` when
        set; beside the SQLite file; on PostgreSQL `audit-checkpoints-STORE_ID.jsonl`
        beside the signing key. A PostgreSQL database has no place of its own on this
        host, and a log shared by every config of one user mixed the checkpoints of
        several servers and databases; named so, a log is one server's (its key's) and one
        database's, and a copy (`store copy`, a new id) starts with none."""
        if self.audit.checkpoint_log is not None or store_id is None:
            return self.audit_log_path
        safe = re.sub(r"[^A-Za-z0-9-]", "_", store_id)[:64]
        return self.audit_key_path.parent / f"audit-checkpoints-{safe}.jsonl"

    @property
    def legacy_checkpoint_log(self) -> Path | None:
        """Where a PostgreSQL server kept its checkpoints before the default named the
        database (beside the default SQLite file, shared by every config of the user);
        None when `[audit] checkpoint_log` is set or the store is SQLite."""
        if self.store.url is None or self.audit.checkpoint_log is not None:
            return None
        return self.db_path.parent / AUDIT_LOG_NAME

    @property
    def socket_path(self) -> Path:
        """The server's Unix socket: `server.socket`, or the platform default."""
        return self.server.socket if self.server.socket is not None else default_socket_path()

    @property
    def phone_country(self) -> str:
        """The calling code for numbers typed without one: [clinic] country_code, else the
        country of the clinic's first SMS number, else "" (numbers need their "+")."""
        if self.clinic.country_code:
            return self.clinic.country_code
        if self.sms.numbers:
            from cxinbox.domain.sms import country_code_of

            return country_code_of(self.sms.numbers[0].number)
        return ""

    def account(self, name: str) -> AccountConfig:
        """The account called `name`; KeyError if there is none."""
        for account in self.accounts:
            if account.name == name:
                return account
        raise KeyError(name)

    def staff_member(self, os_user: str) -> StaffMember | None:
        """The roster entry for an OS user, or None for someone not on the roster."""
        return next((member for member in self.staff if member.os_user == os_user), None)

    def role_of(self, os_user: str) -> Role:
        """The role an OS user acts with.

        With a roster, people on it have their listed role and anyone else is an agent (the
        least privilege; the socket server refuses them outright). With no roster at all the
        install is single-user, so whoever runs it is its admin.
        """
        if not self.staff:
            return "admin"
        member = self.staff_member(os_user)
        return member.role if member is not None else "agent"

    def may_clear_red_flag(self, os_user: str, role: str | None = None) -> bool:
        """Whether `os_user` (acting with `role`, by default their role here) may clear a
        red flag: clinical staff, supervisors and admins. The server decides with this; the
        TUI asks it first so that a receptionist is told at once, not after typing a reason."""
        member = self.staff_member(os_user)
        acting = self.role_of(os_user) if role is None else role
        return acting in RED_FLAG_CLEARING_ROLES or (member is not None and member.clinical)

    def clinicians(self) -> str:
        """The roster's clinical staff by name, three at most ("Priya Shah, Dr Lee +2");
        "" when the roster names none."""
        names = [m.name or m.os_user for m in self.staff if m.clinical]
        return ", ".join(names[:3]) + (f" +{len(names) - 3}" if len(names) > 3 else "")

    def red_flag_clearers(self) -> str:
        """Who may clear a red flag, in words for a refusal or a hint: "a clinician (Priya
        Shah), a supervisor or an admin"."""
        names = self.clinicians()
        if not names:
            return "clinical staff, a supervisor or an admin"
        return f"a clinician ({names}), a supervisor or an admin"

    def team(self, name: str) -> TeamSpec | None:
        """The [[teams]] entry called `name`, or None."""
        return next((team for team in self.teams if team.name == name), None)

    def red_flag_teams(self) -> tuple[TeamSpec, ...]:
        """The teams the rules route red flags to (domain/rules.red_flag_teams); empty when
        none does, and red flags wait for the clinical role."""
        return tuple(t for t in map(self.team, red_flag_teams(self.rules)) if t is not None)

    def clinical_staff(self) -> tuple[str, ...]:
        """The logins of the roster's clinical staff (`clinical = true`)."""
        return tuple(m.os_user for m in self.staff if m.clinical)


def load_config_text(text: str, source: Path = BUILTIN_SOURCE) -> Config:
    """Validate a config given as TOML text (the demo's built-in config uses this)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(source, f"not valid TOML: {exc}") from None
    _refuse_secret_keys(data, "", source)
    return _parse_config(_Table(data, "", source))


def default_config() -> Config:
    """A valid config with no accounts or staff: what `cxinbox demo` and tests start from."""
    return Config()


def example_config_text() -> str:
    """The commented example config shipped in the package, for `cxinbox init`."""
    from importlib.resources import files

    return files("cxinbox").joinpath(EXAMPLE_CONFIG_NAME).read_text(encoding="utf-8")


def is_loopback_host(host: str) -> bool:
    """True for "localhost" and loopback IP literals: the only hosts allowed verify_tls = false.

    Kept public so the IMAP channel can re-check before it ever disables verification.
    """
    name = host.strip().removeprefix("[").removesuffix("]").rstrip(".").lower()
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def load_config(path: Path) -> Config:
    """Read and validate the config file at `path`; raise ConfigError on any problem."""
    path = Path(path)
    data = _read_toml(path)
    _refuse_secret_keys(data, "", path)
    return _parse_config(_Table(data, "", path))


# ----------------------------------------------------------------------------- reading the file

_NOT_FOUND_HINT: Final = "no such file (run `cxinbox init` to write one)"


def _read_toml(path: Path) -> dict[str, object]:
    """The parsed TOML document; refuses a file that any user could rewrite."""
    try:
        with path.open("rb") as handle:
            info = os.fstat(handle.fileno())
            _refuse_world_writable(path, info)
            raw = handle.read()
    except FileNotFoundError:
        raise ConfigError(path, _NOT_FOUND_HINT) from None
    except IsADirectoryError:
        raise ConfigError(path, "is a directory, expected a TOML file") from None
    except OSError as exc:
        raise ConfigError(path, f"cannot read: {exc.strerror or exc}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ConfigError(path, f"not UTF-8 text (line {line}); TOML files must be UTF-8") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(path, f"invalid TOML: {exc}") from None
    _refuse_group_writable_commands(path, info, data)
    return data


def _refuse_world_writable(path: Path, info: os.stat_result) -> None:
    """Anyone who can edit the config can set password_command and run code as cxinbox."""
    if info.st_mode & stat.S_IWOTH:
        mode = stat.S_IMODE(info.st_mode)
        raise ConfigError(
            path,
            f"mode {mode:04o} lets every user rewrite it (and so run a password_command "
            f"as cxinbox): chmod o-w {shlex.quote(str(path))}",
        )


def _command_keys(node: object, where: str = "") -> list[str]:
    """Every `*_command` key in the document (password_command, secret_command,
    notify_command ...), as dotted paths."""
    found: list[str] = []
    if isinstance(node, dict):
        for key, value in node.items():
            here = f"{where}.{key}" if where else str(key)
            if str(key).endswith("_command"):
                found.append(here)
            found += _command_keys(value, here)
    elif isinstance(node, list):
        for item in node:
            found += _command_keys(item, where)
    return found


def _refuse_group_writable_commands(path: Path, info: os.stat_result,
                                    data: dict[str, object]) -> None:
    """A file that runs commands as the server user must be writable by that user alone:
    a group member who can edit it could otherwise run any program as cxinbox."""
    if not info.st_mode & stat.S_IWGRP:
        return
    commands = _command_keys(data)
    if commands:
        mode = stat.S_IMODE(info.st_mode)
        raise ConfigError(
            path,
            f"mode {mode:04o} lets its group rewrite it, and it runs commands ({commands[0]}):"
            f" chmod g-w {shlex.quote(str(path))}",
        )


# ------------------------------------------------------------------------- secret-looking keys

_SECRET_SUBSTRINGS: Final = ("password", "passwd", "passphrase", "secret", "token")
_SECRET_WORDS: Final = frozenset({"pass", "pw", "pwd"})
_SOURCE_SUFFIXES: Final = ("_file", "_command", "_env")
"""How a key that says where a secret lives ends (password_file, secret_command): its
value is a path, a command or a variable's name, never the secret itself."""
_CREDENTIAL_KEYS: Final = frozenset(f.name for f in fields(CredentialSource))


def _looks_secret(key: str) -> bool:
    """A key that would hold a secret: password, smtp_password, auth_token, pass, …"""
    if key in _CREDENTIAL_KEYS or key in _OAUTH_SECRET_SOURCE_KEYS:
        return False
    lowered = key.lower()
    if lowered.endswith(_SOURCE_SUFFIXES):  # token_file: where a secret lives, misnamed
        return False
    words = set(re.split(r"[^a-z0-9]+", lowered))
    return any(part in lowered for part in _SECRET_SUBSTRINGS) or bool(words & _SECRET_WORDS)


def _refuse_secret_keys(node: object, where: str, source: Path) -> None:
    """Walk the whole document first, so a secret is refused before any other complaint."""
    if isinstance(node, dict):
        for key, value in node.items():
            if _looks_secret(key):
                hint = OAUTH_SECRET_HINT if where.endswith("oauth2") else SECRET_HINT
                raise ConfigError(source, hint, key=_join(where, key))
            _refuse_secret_keys(value, _join(where, key), source)
    elif isinstance(node, list):
        for index, item in enumerate(node):
            _refuse_secret_keys(item, f"{where}[{index}]", source)


# ---------------------------------------------------------------------------- the table reader

_T = TypeVar("_T", bound=str)
_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_CONTROL_BUT_NEWLINE = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f]")


def _join(where: str, key: str) -> str:
    """Dotted TOML path of `key` inside `where`, quoting keys that are not bare."""
    shown = key if _BARE_KEY.fullmatch(key) else _quote(key)
    return f"{where}.{shown}" if where else shown


def _quote(text: str, limit: int = 60) -> str:
    """A string as a one-line double-quoted literal, with unprintable characters escaped."""
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return '"' + "".join(map(_escape_char, text)) + '"'


def _escape_char(ch: str) -> str:
    if ch in '"\\':
        return "\\" + ch
    return ch if ch.isprintable() else f"\\u{ord(ch):04x}"


def _describe(value: object) -> str:
    """How a TOML value is named in an error: `"abc"`, `true`, `12`, `an array`, `a table`."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return _quote(value)
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, datetime | date | time):
        return f"a date/time ({value.isoformat()})"
    return type(value).__name__


def _int_range(low: int, high: int | None) -> str:
    return f"from {low} to {high}" if high is not None else f"of at least {low}"


class _Table:
    """One TOML table under validation; remembers its dotted location so errors name keys."""

    __slots__ = ("_data", "source", "where")

    def __init__(self, data: Mapping[str, object], where: str, source: Path) -> None:
        self._data = data
        self.where = where
        self.source = source

    def fail(self, key: str, problem: str) -> NoReturn:
        """Raise the ConfigError for `key` of this table."""
        raise ConfigError(self.source, problem, key=_join(self.where, key))

    def allow_only(self, known: Collection[str]) -> None:
        """Refuse keys cxinbox does not know, suggesting the closest known one."""
        for key in self._data:
            if key not in known:
                self.fail(key, _unknown_key_problem(key, known))

    def names(self) -> list[str]:
        return list(self._data)

    def raw(self, key: str) -> object | None:
        """The value as parsed, or None when absent (TOML has no null)."""
        return self._data.get(key)

    def string(self, key: str, default: str) -> str:
        value = self.raw(key)
        if value is None:
            return default
        if not isinstance(value, str):
            self.fail(key, f"expected a string, got {_describe(value)}")
        if _CONTROL.search(value):
            self.fail(key, f"must not contain control characters, got {_quote(value)}")
        return value

    def text(self, key: str, default: str) -> str:
        """A multi-line string (newlines allowed, other control characters refused)."""
        value = self._data.get(key)
        if value is None:
            return default
        if not isinstance(value, str):
            self.fail(key, f"expected a string, got {_describe(value)}")
        value = value.replace("\r\n", "\n")
        if _CONTROL_BUT_NEWLINE.search(value):
            self.fail(key, f"must not contain control characters other than newlines, "
                      f"got {_quote(value)}")
        return value

    def required_string(self, key: str, meaning: str) -> str:
        value = self.string(key, "")
        if not value.strip():
            self.fail(key, f"missing required value; expected {meaning}")
        return value

    def optional_string(self, key: str, meaning: str) -> str | None:
        if self.raw(key) is None:
            return None
        value = self.string(key, "")
        if not value.strip():
            self.fail(key, f"expected {meaning}, got an empty string")
        return value

    def integer(self, key: str, default: int, low: int, high: int | None) -> int:
        value = self.raw(key)
        if value is None:
            return default
        if (
            not isinstance(value, int)
            or isinstance(value, bool)
            or value < low
            or (high is not None and value > high)
        ):
            self.fail(key, f"expected an integer {_int_range(low, high)}, got {_describe(value)}")
        return value

    def number(
        self, key: str, default: float, *, above: float, at_most: float | None = None
    ) -> float:
        value = self.raw(key)
        if value is None:
            return default
        bound = f"greater than {above:g}" + (
            f" and at most {at_most:g}" if at_most is not None else ""
        )
        if not isinstance(value, int | float) or isinstance(value, bool):
            self.fail(key, f"expected a number {bound}, got {_describe(value)}")
        number = float(value)
        if (
            not math.isfinite(number)
            or number <= above
            or (at_most is not None and number > at_most)
        ):
            self.fail(key, f"expected a number {bound}, got {_describe(value)}")
        return number

    def boolean(self, key: str, default: bool) -> bool:
        value = self.raw(key)
        if value is None:
            return default
        if not isinstance(value, bool):
            self.fail(key, f"expected true or false, got {_describe(value)}")
        return value

    def choice(self, key: str, default: _T, options: Sequence[_T]) -> _T:
        value = self.raw(key)
        if value is None:
            return default
        for option in options:
            if value == option:
                return option
        listed = ", ".join(f'"{option}"' for option in options)
        self.fail(key, f"expected one of {listed}, got {_describe(value)}")

    def string_list(self, key: str, meaning: str) -> tuple[str, ...] | None:
        """A non-empty array of non-empty strings, or None when absent."""
        value = self.raw(key)
        if value is None:
            return None
        if not isinstance(value, list) or not value:
            self.fail(
                key, f"expected a non-empty array of strings ({meaning}), got {_describe(value)}"
            )
        for index, item in enumerate(value):
            if not isinstance(item, str) or not item.strip() or _CONTROL.search(item):
                raise ConfigError(
                    self.source,
                    f"expected a non-empty string, got {_describe(item)}",
                    key=f"{_join(self.where, key)}[{index}]",
                )
        return tuple(value)

    def path(self, key: str) -> Path | None:
        """A path, `~` expanded and made absolute relative to the config file's directory."""
        text = self.optional_string(key, "a file path")
        if text is None:
            return None
        resolved = Path(text).expanduser()
        return resolved if resolved.is_absolute() else self.source.parent / resolved

    def table(self, key: str) -> _Table:
        """A sub-table ([clinic]); an absent one reads as empty so every default applies."""
        value = self.raw(key)
        if value is None:
            value = {}
        if not isinstance(value, dict):
            self.fail(key, f"expected a table ([{_join(self.where, key)}]), got {_describe(value)}")
        return _Table(value, _join(self.where, key), self.source)

    def tables(self, key: str) -> list[_Table]:
        """An array of tables ([[accounts]]); absent reads as empty."""
        value = self.raw(key)
        if value is None:
            return []
        if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
            self.fail(key, f"expected an array of tables ([[{key}]]), got {_describe(value)}")
        where = _join(self.where, key)
        return [_Table(item, f"{where}[{index}]", self.source) for index, item in enumerate(value)]

    def string_map(self, key: str) -> Mapping[str, str]:
        """A table of string values, e.g. [ui.keymap]."""
        sub = self.table(key)
        result = {name: sub.required_string(name, "a non-empty string") for name in sub.names()}
        return MappingProxyType(result)


def _unknown_key_problem(key: str, known: Collection[str]) -> str:
    import difflib  # only needed on this error path; it costs several ms to import

    by_lower = {name.lower(): name for name in known}
    close = difflib.get_close_matches(key.lower(), sorted(by_lower), n=1, cutoff=0.6)
    if close:
        return f"unknown key; did you mean '{by_lower[close[0]]}'?"
    # token_file, auth_token_env: a secret's source under another name than this table's
    suffix = next((end for end in _SOURCE_SUFFIXES if key.lower().endswith(end)), "")
    sources = sorted(name for name in known if suffix and name.endswith(suffix)
                     and any(part in name for part in _SECRET_SUBSTRINGS))
    if len(sources) == 1:
        return f"unknown key; did you mean '{sources[0]}'?"
    return "unknown key; valid keys here: " + ", ".join(sorted(known))


# ------------------------------------------------------------------------------------ sections


def _keys_of(cls: type[DataclassInstance], *, drop: Collection[str] = ()) -> frozenset[str]:
    """TOML keys of a section, taken from its dataclass so the two cannot drift apart."""
    return frozenset(f.name for f in fields(cls) if f.name not in drop)


_TOP_KEYS: Final = _keys_of(Config, drop={"source_path"})
_ACCOUNT_KEYS: Final = _keys_of(AccountConfig, drop={"credentials"}) | _CREDENTIAL_KEYS
# [accounts.oauth2] keys that look secret by name but only say where a secret lives.
_OAUTH_SECRET_SOURCE_KEYS: Final = frozenset({
    "secret_command", "secret_command_timeout_s", "secret_env", "secret_file", "secret_expires",
    "token_url", "token_store"})
_OAUTH_KEYS: Final = (_keys_of(OAuth2Config, drop={"secret"}) | _OAUTH_SECRET_SOURCE_KEYS
                      | {"keyring"})
_ACCOUNT_NAME = re.compile(r"[a-z0-9_-]{1,64}")
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_HOST_LABEL = r"[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?"
_HOST_NAME = re.compile(rf"{_HOST_LABEL}(?:\.{_HOST_LABEL})*\.?")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+")
_SHELL_SYNTAX = re.compile(r"[|&;<>`]|\$\(")


def _parse_config(top: _Table) -> Config:
    top.allow_only(_TOP_KEYS)
    staff = _parse_staff(top.tables("staff"))
    sla = _parse_sla(top.table("sla"), top.table("clinic").string("timezone", "UTC"))
    teams = _parse_teams(top.tables("teams"), staff, sla,
                         top.table("clinic").string("timezone", "UTC"))
    acknowledge, rules = _parse_automation(top, staff, teams)
    accounts = _parse_accounts(top.tables("accounts"))
    return Config(
        clinic=_parse_clinic(top.table("clinic")),
        store=_parse_store(top.table("store")),
        sync=_parse_sync(top.table("sync")),
        accounts=accounts,
        staff=staff,
        ui=_parse_ui(top.table("ui")),
        sla=sla,
        server=_parse_server(top.table("server")),
        sms=_parse_sms(top.table("sms")),
        outbox=_parse_outbox(top.table("outbox")),
        compose=_parse_compose(top.table("compose")),
        audit=_parse_audit(top.table("audit")),
        backup=_parse_backup(top.table("backup")),
        retention=_parse_retention(top.table("retention")),
        teams=teams,
        kb=_parse_kb(top.table("kb")),
        acknowledge=acknowledge,
        rules=rules,
        triage=_parse_triage(top.table("triage"), top.table("sla")),
        csat=_parse_csat(top.table("csat")),
        reports=_parse_reports(top.table("reports"), accounts),
        source_path=top.source,
    )


def _parse_automation(top: _Table, staff: tuple[StaffMember, ...], teams: tuple[TeamSpec, ...]
                      ) -> tuple[AcknowledgeConfig, tuple[Rule, ...]]:
    """[acknowledge] and [[rules]]: rules name users, SLA policies and the acknowledgement,
    so they are checked against the rest of the config (one line naming the rule and key)."""
    from cxinbox.domain.rules import (
        RuleSpecError,
        Vocabulary,
        ack_text_problem,
        check_match,
        check_name,
        check_trigger,
        parse_actions,
    )

    ack_table = top.table("acknowledge")
    ack_table.allow_only(_keys_of(AcknowledgeConfig))
    calendars = top.table("sla").table("calendars").names()
    ack = AcknowledgeConfig(calendar=ack_table.string("calendar", ""),
                            email_subject=ack_table.string("email_subject",
                                                           "We received your message"),
                            email=ack_table.text("email", ""), sms=ack_table.text("sms", ""),
                            email_subject_es=ack_table.string("email_subject_es",
                                                              ACK_EMAIL_SUBJECT_ES),
                            email_es=ack_table.text("email_es", ACK_EMAIL_ES),
                            sms_es=ack_table.text("sms_es", ACK_SMS_ES))
    if ack.calendar and ack.calendar not in calendars:
        ack_table.fail("calendar", f"no [sla.calendars.{ack.calendar}] table"
                       + (f"; known: {', '.join(sorted(calendars))}" if calendars else ""))
    for key in ("email", "sms", "email_es", "sms_es"):
        problem = ack_text_problem(getattr(ack, key))
        if problem:
            ack_table.fail(key, problem)
    if (ack.email or ack.sms) and not ack.calendar:
        ack_table.fail("calendar", "an acknowledgement needs the calendar of opening hours")
    # a monitoring login reads the health report and nothing else: no rule gives it work
    users = frozenset(m.os_user for m in staff if m.role != "monitor") if staff else None
    policies = frozenset(t.string("name", "") for t in top.table("sla").tables("policies"))
    vocab = Vocabulary(users=users, policies=policies, acknowledge=ack.configured,
                       teams=frozenset(t.name for t in teams) if teams else None)
    rules: list[Rule] = []
    for index, rt in enumerate(top.tables("rules")):
        rt.allow_only({"name", "on", "match", "actions", "stop", "enabled"})
        label = f"rules[{index}]"
        try:
            name = check_name(rt.raw("name"))
            label = f'rules[{index}] ("{name}")'
            enabled = rt.boolean("enabled", True)
            # an sla: term without policies can never be evaluated: refused on a rule that
            # runs; a switched-off one loads (`rules test` of it says why it cannot replay)
            rule = Rule(name=name, on=check_trigger(rt.raw("on")),
                        match=check_match(rt.raw("match"),
                                          sla=bool(policies - {""}) or not enabled,
                                          hours=bool(ack.calendar)),
                        actions=parse_actions(rt.raw("actions"), vocab),
                        stop=rt.boolean("stop", False), enabled=enabled)
        except RuleSpecError as exc:
            raise ConfigError(top.source, exc.problem, key=f"{label}.{exc.key}") from None
        if any(r.name == rule.name for r in rules):
            raise ConfigError(top.source, "another rule has this name", key=f"{label}.name")
        rules.append(rule)
    return ack, tuple(rules)
def _parse_triage(table: _Table, sla: _Table) -> TriageConfig:
    table.allow_only(_keys_of(TriageConfig))
    policy = table.string("red_flag_policy", "")
    known = [pt.string("name", "") for pt in sla.tables("policies")]
    if policy and policy not in known:
        table.fail("red_flag_policy", f"no [[sla.policies]] entry is named {_quote(policy)}"
                   + (f"; known: {', '.join(_quote(k) for k in known)}" if known else ""))
    texts = {}
    for key, default in (("emergency_text", EMERGENCY_TEXT_EN),
                         ("emergency_text_es", EMERGENCY_TEXT_ES)):
        text = table.string(key, default)
        if not text.strip():
            table.fail(key, "must not be empty: it is what a patient in danger is told")
        texts[key] = text
    notify = table.raw("notify_command")
    if isinstance(notify, str):
        table.fail("notify_command", _string_command_problem(notify).replace(
            "password_command", "notify_command"))
    return TriageConfig(
        red_flag_policy=policy, emergency_text=texts["emergency_text"],
        emergency_text_es=texts["emergency_text_es"],
        backlog_hours=table.integer("backlog_hours", 72, 1, 24 * 366),
        backlog_mark_days=table.integer("backlog_mark_days", 14, 0, 3660),
        notify_command=table.string_list("notify_command", "the command and its arguments"),
        check_interval=table.integer("check_interval", 5, 1, 60))


def _duration(table: _Table, key: str) -> int | None:
    from cxinbox.domain.when import amount_seconds

    value = table.raw(key)
    if value is None:
        return None
    seconds = amount_seconds(value) if isinstance(value, str) else None
    if seconds is None:
        table.fail(key, 'expected a duration such as "40s", "30m", "1h30m" or "2d", got'
                        f" {_describe(value)}")
    if seconds <= 0:
        table.fail(key, "must be longer than zero")
    return seconds


def _parse_sla(table: _Table, clinic_tz: str) -> SlaConfig:
    from cxinbox.domain.query import QueryError, find_field, parse_query
    from cxinbox.domain.sla import BusinessCalendar, SlaSpecError

    table.allow_only({"calendars", "policies", "notify_command", "check_interval"})
    calendars_table = table.table("calendars")
    calendars: dict[str, Mapping[str, object]] = {}
    for name in calendars_table.names():
        spec = calendars_table.raw(name)
        where = _join(calendars_table.where, name)
        if not isinstance(spec, Mapping):
            calendars_table.fail(name, "expected a table with timezone, hours and holidays")
        try:
            BusinessCalendar.from_spec(spec, where=where, default_tz=ZoneInfo(clinic_tz))
        except SlaSpecError as exc:
            raise ConfigError(table.source, exc.problem, key=exc.key) from None
        calendars[name] = MappingProxyType(dict(spec))
    policies: list[SlaPolicyConfig] = []
    for pt in table.tables("policies"):
        pt.allow_only({"name", "match", "calendar", "first_response", "next_response",
                       "resolution", "at_risk_fraction"})
        match = pt.string("match", "")
        try:
            tree = parse_query(match)
        except QueryError as exc:
            pt.fail("match", exc.render(match))
        if find_field(tree, "hours") is not None:  # a clock that follows the time of day
            pt.fail("match", "hours: is for rules and lists; the policy's calendar says"
                             " when its clock runs")
        if find_field(tree, "is", "unscreened") is not None:  # moves with reads and the clock
            pt.fail("match", "is:unscreened is for rules and lists: it ends when someone reads"
                             " the conversation, so a policy chosen by it would change then")
        calendar = pt.string("calendar", "")
        if calendar and calendar not in calendars:
            pt.fail("calendar", f"no [sla.calendars.{calendar}] table"
                    + (f"; known: {', '.join(sorted(calendars))}" if calendars else ""))
        policy = SlaPolicyConfig(
            name=pt.required_string("name", 'a short name such as "front desk"'),
            match=match, calendar=calendar,
            first_response_s=_duration(pt, "first_response"),
            next_response_s=_duration(pt, "next_response"),
            resolution_s=_duration(pt, "resolution"),
            at_risk_fraction=pt.number("at_risk_fraction", 0.75, above=0, at_most=1),
        )
        if not (policy.first_response_s or policy.next_response_s or policy.resolution_s):
            pt.fail("first_response", "a policy needs at least one of first_response,"
                    " next_response or resolution")
        policies.append(policy)
    notify = table.raw("notify_command")
    if isinstance(notify, str):
        table.fail("notify_command", _string_command_problem(notify).replace(
            "password_command", "notify_command"))
    return SlaConfig(calendars=MappingProxyType(calendars), policies=tuple(policies),
                     notify_command=table.string_list("notify_command",
                                                      "the command and its arguments"),
                     check_interval_s=table.integer("check_interval", 15, 1, 3600))


def _parse_clinic(table: _Table) -> ClinicConfig:
    table.allow_only(_keys_of(ClinicConfig))
    defaults = ClinicConfig()
    return ClinicConfig(
        name=table.string("name", defaults.name),
        timezone=_timezone(table, "timezone", defaults.timezone),
        phone=table.string("phone", defaults.phone),
        country_code=_country_code(table, "country_code"),
    )


def _country_code(table: _Table, key: str) -> str:
    from cxinbox.domain.sms import is_country_code

    text = table.string(key, "").strip()
    code = text.removeprefix("+")
    if text and not is_country_code(code):
        table.fail(key, f'expected a country calling code such as "1" or "44", got {_quote(text)}')
    return code


def _timezone(table: _Table, key: str, default: str) -> str:
    name = table.string(key, default)
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        table.fail(
            key,
            f"unknown time zone {_quote(name)}; expected an IANA name such as "
            f'"America/Chicago" or "Europe/London"',
        )
    return name


def _parse_store(table: _Table) -> StoreConfig:
    table.allow_only(_keys_of(StoreConfig))
    url = table.optional_string("url", "a postgresql:// URL")
    if url is not None and not url.startswith(("postgresql://", "postgres://")):
        table.fail("url", "expected a postgresql:// URL (the SQLite file is `path`)")
    if url is not None and table.raw("path") is not None:
        table.fail("url", "give either `path` (SQLite) or `url` (PostgreSQL), not both")
    return StoreConfig(path=table.path("path"), url=url,
                       connect_timeout_s=table.integer("connect_timeout_s", 5, 1, 300))


def _parse_sync(table: _Table) -> SyncConfig:
    table.allow_only(_keys_of(SyncConfig))
    d = SyncConfig()  # defaults, so they are written down once
    return SyncConfig(
        batch_size=table.integer("batch_size", d.batch_size, 1, 10_000),
        idle_timeout_s=table.integer("idle_timeout_s", d.idle_timeout_s, 30, 1740),
        connect_timeout_s=table.number("connect_timeout_s", d.connect_timeout_s, above=0),
        socket_timeout_s=table.number("socket_timeout_s", d.socket_timeout_s, above=0),
        reconnect_max_s=table.integer("reconnect_max_s", d.reconnect_max_s, 1, None),
        mass_delete_fraction=table.number(
            "mass_delete_fraction", d.mass_delete_fraction, above=0, at_most=1
        ),
        mass_delete_min=table.integer("mass_delete_min", d.mass_delete_min, 0, None),
        parse_workers=table.integer("parse_workers", d.parse_workers, 0, 256),
    )


def _parse_accounts(tables: list[_Table]) -> tuple[AccountConfig, ...]:
    """Every [[accounts]] table, refusing a name used twice (it keys stored mail and keyring)."""
    first_use: dict[str, str] = {}
    accounts: list[AccountConfig] = []
    for table in tables:
        account = _parse_account(table)
        if account.name in first_use:
            table.fail(
                "name",
                f'"{account.name}" is already the name of '
                f"{first_use[account.name]}; account names must be unique",
            )
        first_use[account.name] = table.where
        accounts.append(account)
    return tuple(accounts)


def _parse_account(table: _Table) -> AccountConfig:
    table.allow_only(_ACCOUNT_KEYS)
    host = _host(table)
    tls = table.choice("tls", "implicit", TLS_MODES)
    verify_tls = table.boolean("verify_tls", True)
    if not verify_tls and not is_loopback_host(host):
        table.fail(
            "verify_tls",
            f"false is only allowed for a loopback host (localhost, "
            f"127.0.0.1, ::1), not {_quote(host)}: without verification "
            f"anyone on the network path can read patient mail and the "
            f'password; to trust a private CA set ca_file = "/path/ca.pem"',
        )
    username = table.required_string("username", "the IMAP login name")
    smtp_host = table.optional_string("smtp_host", "the SMTP server's host name")
    smtp_tls = table.choice("smtp_tls", "implicit", TLS_MODES)
    smtp_verify = table.boolean("smtp_verify_tls", verify_tls)
    if smtp_host is not None:
        _check_host(table, "smtp_host", smtp_host)
        if not smtp_verify and not is_loopback_host(smtp_host):
            table.fail("smtp_verify_tls", f"false is only allowed for a loopback host, not "
                       f"{_quote(smtp_host)}; to trust a private CA set ca_file")
    sent_folder = table.optional_string("sent_folder", "an IMAP folder name")
    auth = table.choice("auth", "password", AUTH_MODES)
    oauth2 = _parse_oauth2(table, table.path("ca_file")) if auth == "oauth2" else None
    if auth == "password" and table.raw("oauth2") is not None:
        table.fail("oauth2", 'is only read with auth = "oauth2" (add it, or remove this table)')
    if oauth2 is not None and _CREDENTIAL_KEYS & set(table.names()):
        key = min(_CREDENTIAL_KEYS & set(table.names()))
        table.fail(key, 'an OAuth2 account has no password; put the client secret\'s source '
                   "in [accounts.oauth2] as secret_command, keyring, secret_env or secret_file")
    return AccountConfig(
        auth=auth,
        oauth2=oauth2,
        follow_sent=table.boolean("follow_sent", True),
        append_sent=table.choice("append_sent", "auto", ("auto", "always", "never")),
        mark_seen_on_server=table.boolean("mark_seen_on_server", True),
        max_connections=table.integer("max_connections", 8, 1, 50),
        smtp_host=smtp_host,
        smtp_port=table.integer("smtp_port", DEFAULT_SMTP_PORTS[smtp_tls], 1, 65535),
        smtp_tls=smtp_tls,
        smtp_verify_tls=smtp_verify,
        smtp_username=table.string("smtp_username", username),
        sent_folder=sent_folder,
        signature=table.text("signature", "").strip("\n"),
        sender_with_staff_name=table.boolean("sender_with_staff_name", False),
        name=_account_name(table),
        host=host,
        port=table.integer("port", DEFAULT_PORTS[tls], 1, 65535),
        tls=tls,
        verify_tls=verify_tls,
        ca_file=table.path("ca_file"),
        username=username,
        folders=_folders(table),
        address=_address(table, default=username if "@" in username else ""),
        display_name=table.string("display_name", ""),
        credentials=_parse_credentials(table),
    )


_URL = re.compile(r"https://[^\s/?#]+(?:/[^\s]*)?")
_LOOPBACK_HTTP = re.compile(r"http://(?:127\.0\.0\.1|localhost|\[::1\])(?::\d+)?(?:/[^\s]*)?")


def _parse_oauth2(account: _Table, account_ca: Path | None) -> OAuth2Config:
    if account.raw("oauth2") is None:
        account.fail("oauth2", 'auth = "oauth2" needs an [accounts.oauth2] table with provider, '
                     "flow and client_id (see config.example.toml)")
    table = account.table("oauth2")
    table.allow_only(_OAUTH_KEYS)
    provider = table.choice("provider", "generic", OAUTH_PROVIDERS)
    if table.raw("provider") is None:
        table.fail("provider", 'missing required value; expected "microsoft", "google" or '
                   '"generic"')
    if table.raw("flow") is None:
        table.fail("flow", "missing required value; expected one of "
                   + ", ".join(f'"{f}"' for f in PROVIDER_FLOWS[provider]))
    flow = table.choice("flow", "client_credentials", OAUTH_FLOWS)
    if flow not in PROVIDER_FLOWS[provider]:
        why = {("google", "device_code"): "Google's device flow does not grant the mail scope",
               ("google", "client_credentials"): 'Google uses flow = "service_account"',
               }.get((provider, flow), f'"{flow}" is not a {provider} sign-in')
        table.fail("flow", f"{why}; expected one of "
                   + ", ".join(f'"{f}"' for f in PROVIDER_FLOWS[provider]))
    tenant = table.string("tenant", "")
    if provider == "microsoft" and not tenant.strip():
        table.fail("tenant", 'missing required value; expected the directory (tenant) id or '
                   'domain, e.g. "contoso.onmicrosoft.com"')
    if tenant and not re.fullmatch(r"[A-Za-z0-9.-]{1,128}", tenant):
        table.fail("tenant", f"expected a tenant id or domain, got {_quote(tenant)}")
    client_id = table.string("client_id", "")
    if flow != "service_account" and not client_id.strip():
        table.fail("client_id", "missing required value; expected the application (client) id")
    urls = {key: _oauth_url(table, key) for key in
            ("authority", "authorization_url", "token_url", "device_authorization_url")}
    if provider == "generic":
        need = {"client_credentials": ("token_url",), "device_code": (
            "token_url", "device_authorization_url"), "authorization_code": (
            "authorization_url", "token_url")}[flow]
        for key in need:
            if not urls[key]:
                table.fail(key, f"missing required value; a generic {flow} sign-in needs the "
                           f"provider's {key.replace('_', ' ')}")
    scopes = table.string_list("scopes", "OAuth2 scopes") or _default_scopes(provider, flow)
    if not scopes:
        table.fail("scopes", "missing required value; a generic provider needs the scopes to "
                   'ask for, e.g. ["https://mail.example.org/imap"]')
    secret = CredentialSource(
        password_command=_command_list(table, "secret_command"),
        password_command_timeout_s=table.number("secret_command_timeout_s",
                                                _DEFAULT_COMMAND_TIMEOUT_S, above=0),
        keyring=table.boolean("keyring", False),
        password_env=_env_var(table, "secret_env"),
        password_file=table.path("secret_file"),
    )
    needs_secret = flow in ("client_credentials", "service_account")
    if needs_secret and not secret.configured:
        what = {"service_account": "the service-account key (JSON)",
                "client_credentials": "the client certificate (PEM key and certificate)"
                if table.raw("credential") == "certificate" else "the client secret"}[flow]
        table.fail("secret_file", f"missing: {what} must come from secret_command, keyring, "
                   "secret_env or secret_file")
    credential: OAuthCredential = table.choice("credential", "secret", ("secret", "certificate"))
    if credential == "certificate" and not (provider == "microsoft"
                                            and flow == "client_credentials"):
        table.fail("credential", '"certificate" is for provider = "microsoft" with '
                   'flow = "client_credentials"')
    expires = table.raw("secret_expires")
    if expires is not None and (not isinstance(expires, date) or isinstance(expires, datetime)):
        table.fail("secret_expires", f"expected a date such as 2027-06-30, got {_describe(expires)}")
    return OAuth2Config(
        provider=provider, flow=flow, tenant=tenant, client_id=client_id,
        credential=credential, scopes=scopes, secret=secret,
        redirect_port=table.integer("redirect_port", 0, 0, 65535),
        token_store=table.choice("token_store", "file", ("file", "keyring")),
        ca_file=table.path("ca_file") or account_ca,
        mechanism=table.choice("mechanism", "xoauth2", ("xoauth2", "oauthbearer")),
        secret_expires=expires if isinstance(expires, date) else None,
        timeout_s=table.number("timeout_s", 20.0, above=0, at_most=300),
        **urls,
    )


def _oauth_url(table: _Table, key: str) -> str:
    url = table.string(key, "")
    if url and not (_URL.fullmatch(url) or _LOOPBACK_HTTP.fullmatch(url)):
        table.fail(key, f"expected an https:// URL (plain http only on loopback), got "
                   f"{_quote(url)}")
    return url.rstrip("/")


def _default_scopes(provider: OAuthProvider, flow: OAuthFlow) -> tuple[str, ...]:
    if provider == "microsoft":
        return MICROSOFT_APP_SCOPES if flow == "client_credentials" else MICROSOFT_USER_SCOPES
    if provider == "google":
        return GOOGLE_MAIL_SCOPES
    return ()


def _command_list(table: _Table, key: str) -> tuple[str, ...] | None:
    value = table.raw(key)
    if isinstance(value, str):
        table.fail(key, _string_command_problem(value).replace("password_command", key))
    return table.string_list(key, "the command and its arguments")


def _env_var(table: _Table, key: str) -> str | None:
    name = table.optional_string(key, "an environment variable name")
    if name is not None and not _ENV_NAME.fullmatch(name):
        table.fail(key, f"expected an environment variable name, got {_quote(name)}")
    return name


def _account_name(table: _Table) -> str:
    name = table.required_string("name", 'a short id such as "billing"')
    if not _ACCOUNT_NAME.fullmatch(name):
        table.fail(
            "name",
            f"expected lowercase letters a-z, digits, '-' or '_' (at most 64), got {_quote(name)}",
        )
    return name


def _host(table: _Table) -> str:
    host = table.required_string("host", 'the IMAP server\'s host name, e.g. "imap.example.org"')
    _check_host(table, "host", host)
    return host


def _check_host(table: _Table, key: str, host: str) -> None:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        if not _HOST_NAME.fullmatch(host) or len(host) > 253:
            table.fail(
                key,
                f"expected a host name or IP address such as "
                f'"mail.example.org" (no scheme, user or port), got {_quote(host)}',
            )


def _folders(table: _Table) -> tuple[str, ...]:
    folders = table.string_list("folders", 'IMAP folder names, e.g. ["INBOX"]') or ("INBOX",)
    duplicates = sorted({name for name in folders if folders.count(name) > 1})
    if duplicates:
        table.fail("folders", f"lists {_quote(duplicates[0])} more than once")
    return folders


def _address(table: _Table, default: str) -> str:
    address = table.string("address", default)
    if address and not _EMAIL.fullmatch(address):
        table.fail(
            "address",
            f'expected an email address such as "billing@clinic.example", got {_quote(address)}',
        )
    return address


_DEFAULT_COMMAND_TIMEOUT_S: Final = CredentialSource().password_command_timeout_s


def _parse_credentials(table: _Table) -> CredentialSource:
    return CredentialSource(
        password_command=_password_command(table),
        password_command_timeout_s=table.number(
            "password_command_timeout_s", _DEFAULT_COMMAND_TIMEOUT_S, above=0
        ),
        keyring=table.boolean("keyring", False),
        password_env=_env_name(table),
        password_file=table.path("password_file"),
    )


def _password_command(table: _Table) -> tuple[str, ...] | None:
    """An argv list; a string is refused because cxinbox never hands commands to a shell."""
    value = table.raw("password_command")
    if isinstance(value, str):
        table.fail("password_command", _string_command_problem(value))
    return table.string_list("password_command", "the command and its arguments")


def _string_command_problem(command: str) -> str:
    """Refusal for `password_command = "pass show x"`, showing the array form to write."""
    problem = "expected an array of strings (it runs without a shell), got a string"
    if _SHELL_SYNTAX.search(command):
        return (
            f"{problem}; pipes and redirections need a shell, so put them in a script "
            f'and name the script: password_command = ["/path/to/script"]'
        )
    try:
        words = shlex.split(command)
    except ValueError:
        words = []
    if not words:
        return f'{problem}; write it as password_command = ["program", "arg", ...]'
    suggested = ", ".join(_quote(word, limit=200) for word in words)
    return f"{problem}; write it as password_command = [{suggested}]"


def _env_name(table: _Table) -> str | None:
    name = table.optional_string("password_env", "an environment variable name")
    if name is not None and not _ENV_NAME.fullmatch(name):
        table.fail(
            "password_env",
            f"expected an environment variable name such as "
            f'"CXINBOX_BILLING_PASSWORD", got {_quote(name)}',
        )
    return name


def _parse_staff(tables: list[_Table]) -> tuple[StaffMember, ...]:
    """The roster, refusing an OS user listed twice (identity must map to one person)."""
    first_use: dict[str, str] = {}
    members: list[StaffMember] = []
    for table in tables:
        member = _parse_staff_member(table)
        if member.os_user in first_use:
            table.fail(
                "os_user",
                f"{_quote(member.os_user)} is already listed at "
                f"{first_use[member.os_user]}; each OS user maps to one person",
            )
        first_use[member.os_user] = table.where
        members.append(member)
    return tuple(members)


def _parse_staff_member(table: _Table) -> StaffMember:
    table.allow_only(_keys_of(StaffMember))
    os_user = table.required_string("os_user", 'the person\'s login name, e.g. "jsmith"')
    if any(ch.isspace() or ch in ":/" for ch in os_user):
        table.fail(
            "os_user", f"expected a login name without spaces, ':' or '/', got {_quote(os_user)}"
        )
    return StaffMember(
        os_user=os_user,
        name=table.required_string("name", 'the name colleagues see, e.g. "Jo Smith"'),
        role=table.choice("role", "agent", ROLES),
        clinical=table.boolean("clinical", False),
    )


def _parse_ui(table: _Table) -> UiConfig:
    table.allow_only(_keys_of(UiConfig))
    return UiConfig(
        ascii=table.choice("ascii", "auto", ASCII_MODES),
        mouse=table.boolean("mouse", True),
        idle_lock_minutes=table.integer("idle_lock_minutes", 10, 0, 24 * 60),
        keymap=table.string_map("keymap"),
    )


def _parse_server(table: _Table) -> ServerConfig:
    table.allow_only(_keys_of(ServerConfig))
    return ServerConfig(
        socket=table.path("socket"),
        bulk_limit=table.integer("bulk_limit", ServerConfig().bulk_limit, 1, None),
        stall_seconds=table.integer("stall_seconds", ServerConfig().stall_seconds, 0, 86400),
        metrics_listen=_metrics_listen(table),
        group=_group_name(table),
    )


def _group_name(table: _Table) -> str:
    """A plain group name (existence is checked when `cxinbox serve` starts: the config
    is read on every client too, where the server's groups need not matter)."""
    value = table.string("group", "")
    if value and not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.-]{0,31}\$?", value):
        table.fail("group", f"{_quote(value)} is not a group name")
    return value


def _metrics_listen(table: _Table) -> str:
    from cxinbox.domain.listen import loopback_listen

    value = table.string("metrics_listen", "")
    if value:
        try:
            loopback_listen(value)
        except ValueError as exc:
            table.fail("metrics_listen", str(exc))
    return value


_E164 = re.compile(r"\+[1-9][0-9]{6,14}")


def _parse_sms(table: _Table) -> SmsConfig:
    table.allow_only(_keys_of(SmsConfig, drop={"credentials", "numbers"})
                     | _CREDENTIAL_KEYS | {"numbers"})
    d = SmsConfig()
    base_url = table.optional_string("base_url", 'the provider API root, e.g. "https://api.twilio.com"')
    if base_url is None:
        if table.names():
            table.fail("base_url", "required when [sms] is present (the provider API root)")
        return d
    from urllib.parse import urlsplit

    parts = urlsplit(base_url)
    host = parts.hostname or ""
    if parts.scheme not in ("https", "http") or not host:
        table.fail("base_url", f"expected an http(s) URL such as \"https://api.twilio.com\", "
                   f"got {_quote(base_url)}")
    if parts.scheme == "http" and not is_loopback_host(host):
        table.fail("base_url", "http:// is only allowed for a loopback host; patient texts "
                   "and the auth token must travel over TLS")
    verify = table.boolean("verify_tls", True)
    if not verify and not is_loopback_host(host):
        table.fail("verify_tls", f"false is only allowed for a loopback host, not {_quote(host)}")
    numbers: list[SmsNumber] = []
    for nt in table.tables("numbers"):
        nt.allow_only(_keys_of(SmsNumber))
        number = nt.required_string("number", 'an E.164 number such as "+15551230000"')
        if not _E164.fullmatch(number):
            nt.fail("number", f'expected E.164 form such as "+15551230000", got {_quote(number)}')
        if any(n.number == number for n in numbers):
            nt.fail("number", f"{_quote(number)} is listed twice")
        numbers.append(SmsNumber(number=number, name=nt.string("name", ""),
                                 messaging_service_sid=_service_sid(nt)))
    if not numbers:
        table.fail("numbers", "list at least one [[sms.numbers]] with the clinic's number")
    name = table.string("name", d.name)
    if not _ACCOUNT_NAME.fullmatch(name):
        table.fail("name", f"expected lowercase letters a-z, digits, '-' or '_', got {_quote(name)}")
    credentials = _parse_credentials(table)
    if not credentials.configured:
        table.fail("password_env", "say where the auth token comes from: password_command, "
                   "keyring = true, password_env or password_file")
    media_base_url = _public_https(table, "media_base_url")
    media_dir = table.path("media_dir")
    if bool(media_base_url) != (media_dir is not None):
        table.fail("media_dir" if media_base_url else "media_base_url",
                   "MMS sending needs both media_dir (where cxinbox writes a file) and "
                   "media_base_url (the public https address your web server serves it at)")
    return SmsConfig(
        name=name,
        base_url=base_url.rstrip("/"),
        account_sid=table.required_string("account_sid", "the provider account id"),
        verify_tls=verify,
        ca_file=table.path("ca_file"),
        numbers=tuple(numbers),
        poll_seconds=table.integer("poll_seconds", d.poll_seconds, 1, 3600),
        overlap_seconds=table.integer("overlap_seconds", d.overlap_seconds, 0, 7 * 86400),
        credentials=credentials,
        messaging_service_sid=_service_sid(table),
        status_callback=_public_https(table, "status_callback"),
        media_base_url=media_base_url,
        media_dir=media_dir,
    )


_SERVICE_SID = re.compile(r"MG[0-9a-fA-F]{32}")


def _service_sid(table: _Table) -> str:
    sid = table.string("messaging_service_sid", "")
    if sid and not _SERVICE_SID.fullmatch(sid):
        table.fail("messaging_service_sid", f'expected "MG" and 32 hex digits, got {_quote(sid)}')
    return sid


def _public_https(table: _Table, key: str) -> str:
    """An https URL the provider reaches (http only for a loopback test server)."""
    from urllib.parse import urlsplit

    url = table.string(key, "")
    if not url:
        return ""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if not host or parts.scheme not in ("https", "http") or (
            parts.scheme == "http" and not is_loopback_host(host)):
        table.fail(key, f"expected an https URL, got {_quote(url)}")
    return url


def _parse_outbox(table: _Table) -> OutboxConfig:
    table.allow_only(_keys_of(OutboxConfig))
    d = OutboxConfig()
    return OutboxConfig(
        undo_seconds=table.integer("undo_seconds", d.undo_seconds, 0, 300),
        max_attempts=table.integer("max_attempts", d.max_attempts, 1, 100),
        max_backoff_seconds=table.integer("max_backoff_seconds", d.max_backoff_seconds, 1, 86400),
    )


def _parse_reports(table: _Table, accounts: tuple[AccountConfig, ...]) -> ReportsConfig:
    table.allow_only(_keys_of(ReportsConfig))
    name = table.string("digest_from", "").strip()
    if name:
        account = next((a for a in accounts if a.name == name), None)
        if account is None:
            table.fail("digest_from", f"no [[accounts]] entry is named {_quote(name)}"
                       + (f"; known: {', '.join(a.name for a in accounts)}" if accounts
                          else ""))
        if not account.smtp_host or not account.address:
            table.fail("digest_from", f"mailbox {name} needs an address and an smtp_host"
                       " to send the digest")
    return ReportsConfig(digest_from=name)


def _parse_csat(table: _Table) -> CsatConfig:
    table.allow_only(_keys_of(CsatConfig))
    d = CsatConfig()
    tags = table.string_list("excluded_tags", "tag names") if table.raw("excluded_tags") != [] \
        else ()
    questions = {key: table.string(key, "").strip() for key in
                 ("question_sms_en", "question_sms_es", "question_email_en", "question_email_es")}
    for key, value in questions.items():
        if len(value) > 1000:
            table.fail(key, "longer than 1000 characters")
    return CsatConfig(
        enabled=table.boolean("enabled", d.enabled),
        delay_minutes=table.integer("delay_minutes", d.delay_minutes, 0, 10080),
        excluded_tags=tuple(t.strip().lower() for t in tags) if tags is not None
        else d.excluded_tags,
        frequency_days=table.integer("frequency_days", d.frequency_days, 0, 365),
        answer_days=table.integer("answer_days", d.answer_days, 1, 90),
        default_language=table.choice("default_language", d.default_language, ("en", "es")),
        **questions,
    )


def _parse_audit(table: _Table) -> AuditConfig:
    table.allow_only(_keys_of(AuditConfig))
    d = AuditConfig()
    public_key = table.string("public_key", "").strip()
    if public_key:
        import base64
        import binascii

        try:
            raw = base64.b64decode(public_key, validate=True)
        except binascii.Error:
            raw = b""
        if len(raw) != 32:
            table.fail("public_key", "expected the 44-character base64 public key that"
                       " `cxinbox audit verify` prints")
    return AuditConfig(
        checkpoints=table.boolean("checkpoints", d.checkpoints),
        key_file=table.path("key_file"),
        checkpoint_log=table.path("checkpoint_log"),
        checkpoint_seconds=table.integer("checkpoint_seconds", d.checkpoint_seconds, 1, 3600),
        checkpoint_events=table.integer("checkpoint_events", d.checkpoint_events, 1, 1_000_000),
        syslog_socket=table.path("syslog_socket"),
        syslog_facility=table.choice("syslog_facility", d.syslog_facility, SYSLOG_FACILITIES),
        public_key=public_key,
    )


def _parse_backup(table: _Table) -> BackupConfig:
    from cxinbox.domain.backupfiles import recipient_problem

    table.allow_only(_keys_of(BackupConfig))
    directory = None
    text = table.optional_string("dir", "a directory")
    if text is not None:
        directory = Path(text).expanduser()
        if not directory.is_absolute():
            table.fail("dir", f"must be an absolute path, got {_quote(text)}")
    recipients = table.string_list("recipients", "age public keys") or ()
    for index, key in enumerate(recipients):
        problem = recipient_problem(key.strip())
        if problem is not None:
            raise ConfigError(table.source, problem,
                              key=f"{_join(table.where, 'recipients')}[{index}]")
    every = _duration(table, "every")
    if every is not None and not BACKUP_MIN_EVERY_S <= every <= BACKUP_MAX_EVERY_S:
        table.fail("every", f'must be between "1h" and "31d", got {_describe(table.raw("every"))}')
    if every is not None and directory is None:
        table.fail("dir", "missing: the server needs a directory to write its backups to")
    if every is not None and not recipients:
        table.fail("recipients", "missing: backups are encrypted to at least one age public"
                   " key (age1...)")
    return BackupConfig(dir=directory,
                        recipients=tuple(dict.fromkeys(k.strip().lower() for k in recipients)),
                        every=every, keep=table.integer("keep", BackupConfig().keep, 1, 1000))
_DAILY_AT = re.compile(r"([01][0-9]|2[0-3]):([0-5][0-9])")


def _parse_retention(table: _Table) -> RetentionConfig:
    table.allow_only(_keys_of(RetentionConfig))
    if not table.names():
        return RetentionConfig()
    d = RetentionConfig()
    closed_after = _span(table, "closed_after", minimum_days=30)
    if closed_after is None:
        table.fail("closed_after", 'missing required value; expected a period such as "7y"')
    audit_keep = _span(table, "audit_keep", minimum_days=365) or d.audit_keep
    daily_at = table.string("daily_at", d.daily_at).strip()
    if not _DAILY_AT.fullmatch(daily_at):
        table.fail("daily_at", f'expected a time of day such as "03:30", got {_quote(daily_at)}')
    return RetentionConfig(closed_after=closed_after, audit_keep=audit_keep, daily_at=daily_at)


def _span(table: _Table, key: str, *, minimum_days: int) -> Span | None:
    value = table.raw(key)
    if value is None:
        return None
    span = parse_span(value) if isinstance(value, str) else None
    if span is None:
        table.fail(key, f'expected a period in years or days such as "7y" or "400d",'
                   f" got {_describe(value)}")
    if span.days < minimum_days:
        table.fail(key, f"must be at least {minimum_days} days, got {_quote(str(value))}")
    return span


def _parse_compose(table: _Table) -> ComposeConfig:
    table.allow_only(_keys_of(ComposeConfig))
    canned: list[CannedReply] = []
    for ct in table.tables("canned"):
        ct.allow_only(_keys_of(CannedReply))
        name = ct.required_string("name", 'a short name such as "lab-results-ready"')
        if any(c.name == name for c in canned):
            ct.fail("name", f"{_quote(name)} is already the name of another canned reply")
        body = ct.text("body", "")
        if not body.strip():
            ct.fail("body", "expected the reply text (a non-empty string)")
        canned.append(CannedReply(name=name, body=body.strip("\n") + "\n",
                                  subject=ct.string("subject", "")))
    editor = table.raw("editor")
    if isinstance(editor, str):
        table.fail("editor", 'expected an array such as ["nano"] (it runs without a shell)')
    return ComposeConfig(canned=tuple(canned), canned_dir=table.path("canned_dir"),
                         editor=table.string_list("editor", "the editor and its arguments"))


_TEAM_KEYS: Final = frozenset({"name", "members", "strategy", "cap", "shifts", "return_on_away"})
_TEAM_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")


def _parse_teams(tables: list[_Table], staff: tuple[StaffMember, ...], sla: SlaConfig,
                 clinic_tz: str) -> tuple[TeamSpec, ...]:
    """[[teams]]: members from the roster, a strategy, an optional cap, shifts as calendars.

    Why so strict: a typo in a member's login would silently shrink the team, and a
    shift-aware team with a member who has no rota would never (or always) pick them."""
    if not tables:  # the common case: nothing to check, and the team and SLA code unloaded
        return ()
    import difflib

    from cxinbox.domain.sla import BusinessCalendar, SlaSpecError
    from cxinbox.domain.teams import STRATEGIES, TeamSpec

    logins = [m.os_user for m in staff if m.role != "monitor"]
    teams: list[TeamSpec] = []
    for table in tables:
        table.allow_only(_TEAM_KEYS)
        name = table.required_string("name", 'a short name such as "results"')
        if not _TEAM_NAME.fullmatch(name):
            table.fail("name", "expected lower-case letters, digits, '-' or '_' (it is typed"
                       f" as team:NAME), got {_quote(name)}")
        if any(team.name == name for team in teams):
            table.fail("name", f"{_quote(name)} is already the name of another team")
        members = table.string_list("members", "OS logins from [[staff]]")
        if members is None:
            table.fail("members", 'missing required value; expected logins from [[staff]],'
                       ' e.g. ["mgarcia", "tnguyen"]')
        for index, member in enumerate(members):
            key = f"{_join(table.where, 'members')}[{index}]"
            if member not in logins:
                close = difflib.get_close_matches(member, logins, n=1, cutoff=0.6)
                raise ConfigError(table.source, f"{_quote(member)} is not on the [[staff]]"
                                  " roster" + (f" (did you mean {_quote(close[0])}?)" if close
                                               else "" if logins else
                                               "; add [[staff]] entries first"), key=key)
            if member in members[:index]:
                raise ConfigError(table.source, f"{_quote(member)} is listed twice", key=key)
        strategy = table.choice("strategy", "round-robin", STRATEGIES)
        cap = table.integer("cap", 0, 1, 100_000) if table.raw("cap") is not None else None
        shifts: dict[str, BusinessCalendar] = {}
        shifts_table = table.table("shifts")
        if shifts_table.names() and strategy != "shift-aware":
            table.fail("shifts", 'shifts only apply to strategy = "shift-aware"')
        for member in shifts_table.names():
            if member not in members:
                shifts_table.fail(member, f"{_quote(member)} is not a member of this team")
            spec = shifts_table.raw(member)
            where = _join(shifts_table.where, member)
            if isinstance(spec, str):
                if spec not in sla.calendars:
                    known = ", ".join(sorted(sla.calendars))
                    shifts_table.fail(member, f"no [sla.calendars.{spec}] table"
                                      + (f"; known: {known}" if known else ""))
                where, spec = f"sla.calendars.{spec}", sla.calendars[spec]
            if not isinstance(spec, Mapping):
                shifts_table.fail(member, "expected a calendar name from [sla.calendars] or a"
                                  " table with timezone, hours and holidays")
            try:
                shifts[member] = BusinessCalendar.from_spec(spec, where=where,
                                                            default_tz=ZoneInfo(clinic_tz))
            except SlaSpecError as exc:
                raise ConfigError(table.source, exc.problem, key=exc.key) from None
        if strategy == "shift-aware":
            missing = [m for m in members if m not in shifts]
            if missing:
                table.fail("shifts", f"a shift-aware team needs a rota for every member;"
                           f" {_quote(missing[0])} has none")
        teams.append(TeamSpec(name=name, members=members, strategy=strategy, cap=cap,
                              shifts=MappingProxyType(shifts),
                              return_on_away=table.boolean("return_on_away", False)))
    return tuple(teams)
def _parse_kb(table: _Table) -> KbConfig:
    table.allow_only(_keys_of(KbConfig))
    editors = table.string_list("editors", 'roles such as "supervisor", "admin"')
    if editors is not None:
        wrong = [e for e in editors if e not in ("agent", "supervisor", "admin")]
        if wrong:
            table.fail("editors", f'expected roles among "agent", "supervisor", "admin",'
                       f" got {_quote(wrong[0])}")
    return KbConfig(folder=table.path("folder"),
                    editors=cast("tuple[Role, ...]", editors) if editors
                    else KbConfig().editors)
