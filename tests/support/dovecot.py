"""A real, throw-away Dovecot IMAP server for tests and benchmarks.

cxinbox's sync engine must be proven against a real server: Dovecot's behaviour around
CONDSTORE/QRESYNC, IDLE, expunges during FETCH and UIDVALIDITY changes is exactly what a
mock would get wrong. Each `DovecotServer` runs its own Dovecot master process with its
own configuration, TLS certificates, users and Maildirs inside one temporary directory,
listening on 127.0.0.1 only, so tests never share state and never touch a system Dovecot.

Server state can be changed behind the client's back in two ways:

* through the filesystem (`deliver`, `deliver_many`, `create_folder`, `reset_uidvalidity`,
  `renumber`), which is fast and needs no IMAP session, and
* through IMAP (`imap_client`), for changes a real client would make (flags, expunge,
  APPEND, MOVE).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import email.utils
import grp
import ipaddress
import os
import pwd
import random
import re
import secrets
import shlex
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import time
import uuid
import weakref
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Self
from urllib.parse import quote

from imapclient import IMAPClient
from imapclient.imap_utf7 import encode as imap_utf7_encode

from .deathwatch import DeathWatch

__all__ = [
    "EXCHANGE_ONLINE_CAPABILITY",
    "DovecotError",
    "DovecotNotInstalled",
    "DovecotServer",
    "MailUser",
    "find_dovecot",
    "make_tls_material",
]

HOST = "127.0.0.1"

_DOVECOT_CANDIDATES = ("/usr/sbin/dovecot", "/usr/local/sbin/dovecot", "/opt/homebrew/sbin/dovecot")
_MAILDIR_FLAG_LETTERS = "DFPRST"
_IMAP_TO_MAILDIR_FLAG = {
    "\\draft": "D",
    "\\flagged": "F",
    "\\answered": "R",
    "\\seen": "S",
    "\\deleted": "T",
}
_INDEX_FILE_PREFIXES = ("dovecot.index", "dovecot-uidlist")
_LIST_INDEX_PREFIX = "dovecot.list.index"
_DATE_HEADER = re.compile(rb"^Date:[ \t]*([^\r\n]*)", re.IGNORECASE | re.MULTILINE)
_STARTUP_TIMEOUT_S = 15.0

# What Exchange Online advertises after login (FACTS.md, from client projects' protocol
# logs): no CONDSTORE, QRESYNC, SPECIAL-USE, ENABLE or ESEARCH. Pass it as
# `imap_capability=` to make Dovecot look like Exchange.
EXCHANGE_ONLINE_CAPABILITY = (
    "IMAP4 IMAP4rev1 SASL-IR UIDPLUS MOVE ID UNSELECT CHILDREN IDLE NAMESPACE LITERAL+"
)


class DovecotError(RuntimeError):
    """Dovecot could not be configured, started or driven."""


class DovecotNotInstalled(DovecotError):
    """No dovecot binary was found; tests that need a real server cannot run here."""


def find_dovecot() -> Path | None:
    """Locate the dovecot master binary.

    Env CXINBOX_DOVECOT names it explicitly (e.g. a self-built 2.4 to compare against);
    otherwise PATH is searched, then the usual sbin directories.
    """
    explicit = os.environ.get("CXINBOX_DOVECOT")
    if explicit:
        return Path(explicit) if os.access(explicit, os.X_OK) else None
    found = shutil.which("dovecot")
    if found:
        return Path(found)
    for candidate in _DOVECOT_CANDIDATES:
        if os.access(candidate, os.X_OK):
            return Path(candidate)
    return None


@dataclass(frozen=True, slots=True)
class MailUser:
    """One account in the server's passwd-file."""

    name: str
    password: str
    uid: int
    gid: int
    home: Path

    @property
    def maildir(self) -> Path:
        return self.home / "Maildir"


def _free_port() -> int:
    """Ask the kernel for an unused 127.0.0.1 port.

    There is a window between closing this socket and Dovecot binding the port; `start()`
    retries with fresh ports when Dovecot reports the address in use.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def _make_tls_with_cryptography(directory: Path) -> None:
    """Write ca.pem, server.pem and server.key using the `cryptography` package.

    EC P-256 keys because RSA key generation costs tens of milliseconds per server and
    every test starts its own server. Subject/authority key identifiers are included so
    the chain also passes OpenSSL's strict X.509 checks (Python 3.13 enables them).
    """
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = dt.datetime.now(dt.UTC)
    not_before = now - dt.timedelta(days=1)
    not_after = now + dt.timedelta(days=30)

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "cxinbox tests"),
            x509.NameAttribute(NameOID.COMMON_NAME, f"cxinbox test CA {secrets.token_hex(4)}"),
        ]
    )
    ca_ski = x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key())
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(ca_ski, critical=False)
        .sign(ca_key, hashes.SHA256())
    )

    server_key = ec.generate_private_key(ec.SECP256R1())
    server_cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
        .issuer_name(ca_name)
        .public_key(server_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address(HOST))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(server_key.public_key()), critical=False
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )

    (directory / "ca.pem").write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    (directory / "server.pem").write_bytes(server_cert.public_bytes(serialization.Encoding.PEM))
    key_path = directory / "server.key"
    key_path.write_bytes(
        server_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    key_path.chmod(0o600)


def _make_tls_with_openssl(directory: Path) -> None:
    """Write ca.pem, server.pem and server.key with the `openssl` command line tool.

    The fallback for machines where the `cryptography` package is not installed; it
    produces the same shape of chain as `_make_tls_with_cryptography`.
    """
    openssl = shutil.which("openssl")
    if openssl is None:
        raise DovecotError("neither the 'cryptography' package nor the 'openssl' tool is available")
    ext_file = directory / "server-ext.cnf"
    ext_file.write_text(
        "basicConstraints = critical, CA:FALSE\n"
        "keyUsage = critical, digitalSignature\n"
        "extendedKeyUsage = serverAuth\n"
        f"subjectAltName = DNS:localhost, IP:{HOST}\n"
        "subjectKeyIdentifier = hash\n"
        "authorityKeyIdentifier = keyid\n"
    )
    commands: list[list[str]] = [
        [
            openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
            "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "30",
            "-subj", f"/O=cxinbox tests/CN=cxinbox test CA {secrets.token_hex(4)}",
            "-addext", "basicConstraints=critical,CA:TRUE,pathlen:0",
            "-addext", "keyUsage=critical,keyCertSign,cRLSign,digitalSignature",
        ],
        [
            openssl, "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
            "-nodes", "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=localhost",
        ],
        [
            openssl, "x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
            "-set_serial", str(secrets.randbits(63)), "-days", "30", "-sha256",
            "-extfile", ext_file.name, "-out", "server.pem",
        ],
    ]
    for command in commands:
        result = subprocess.run(command, cwd=directory, capture_output=True, text=True,
                                check=False)
        if result.returncode != 0:
            raise DovecotError(f"{' '.join(command[:3])} failed: {result.stderr.strip()}")
    (directory / "server.key").chmod(0o600)
    for leftover in ("ca.key", "server.csr", ext_file.name):
        (directory / leftover).unlink(missing_ok=True)


def make_tls_material(directory: Path, *, prefer_cryptography: bool = True) -> None:
    """Create a private CA and a server certificate for 127.0.0.1/localhost in `directory`.

    The CA exists only for this server, so a client that trusts the system store must
    reject the server: tests rely on that to prove cxinbox verifies certificates.
    """
    directory.mkdir(parents=True, exist_ok=True)
    if prefer_cryptography:
        try:
            import cryptography  # noqa: F401
        except ImportError:
            pass
        else:
            _make_tls_with_cryptography(directory)
            return
    _make_tls_with_openssl(directory)


def _maildir_flags(flags: str | Iterable[str]) -> str:
    """Normalise flags to Maildir info letters in ASCII order.

    Accepts Maildir letters ("SF"), a space-separated IMAP list ("\\Seen \\Flagged") or an
    iterable of IMAP flag names, because tests read better in IMAP terms while the
    filesystem wants letters.
    """
    if isinstance(flags, str):
        if "\\" in flags:
            items: list[str] = flags.split()
        else:
            letters = set(flags)
            unknown = letters - set(_MAILDIR_FLAG_LETTERS)
            if unknown:
                raise ValueError(f"unknown Maildir flag letters: {''.join(sorted(unknown))}")
            return "".join(sorted(letters))
    else:
        items = list(flags)
    letters = set()
    for item in items:
        letter = _IMAP_TO_MAILDIR_FLAG.get(item.lower())
        if letter is None:
            raise ValueError(f"only IMAP system flags can be delivered, not {item!r}")
        letters.add(letter)
    return "".join(sorted(letters))


def _virtual_size(raw: bytes) -> int:
    """RFC822.SIZE as Dovecot reports it: every bare LF counts as CRLF."""
    return len(raw) + raw.count(b"\n") - raw.count(b"\r\n")


def _header_date(raw: bytes) -> float | None:
    """The message's Date header as a POSIX timestamp, or None if absent or unparseable."""
    end = raw.find(b"\r\n\r\n")
    if end < 0:
        end = raw.find(b"\n\n")
    head = raw if end < 0 else raw[:end]
    match = _DATE_HEADER.search(head)
    if match is None:
        return None
    parsed = email.utils.parsedate_tz(match.group(1).decode("ascii", "replace"))
    if parsed is None:
        return None
    try:
        return float(email.utils.mktime_tz(parsed))
    except (OverflowError, ValueError):
        return None


class DovecotServer:
    """A private Dovecot 2.3 instance: IMAPS and IMAP+STARTTLS on 127.0.0.1.

    Use as a context manager or call `start()`/`stop()`. Attributes that are only
    meaningful while running (`imaps_port`, `imap_port`) are set by `start()`.

    Settings chosen for tests and why:

    * `disable_plaintext_auth = yes`: like a real clinic server, LOGIN on the plain port
      is refused until STARTTLS. Dovecot exempts clients whose IP equals its own, so on
      127.0.0.1 it allows LOGIN in clear and omits LOGINDISABLED; connect through a
      `CuttingProxy(..., source_address=("127.0.0.2", 0))` to see the real behaviour.
    * `mailbox_idle_check_interval = 1 s` (default 30 s): IDLE tests finish quickly.
    * `auth_failure_delay` 0 and no anvil auth penalty: a wrong password is answered
      within ~0.5 s (Dovecot flushes failures on a 500 ms timer) instead of 2 s, then
      more with each failure. `auth_failure_delay=2` restores both (~5 s per failure).
    * `mail_max_userip_connections = 100` (default 10): a sync pool, an IDLE connection and
      the test's own client from 127.0.0.1 must not hit the per-IP limit.
    """

    host: str = HOST

    def __init__(
        self,
        users: Sequence[str] = ("frontdesk",),
        *,
        separator: str = ".",
        auth_failure_delay: int = 0,
        mail_owner: str | None = None,
        debug: bool = False,
        extra_config: str = "",
        keep_files: bool | None = None,
        oauth2_introspection_url: str | None = None,
        imap_capability: str | None = None,
    ) -> None:
        """Prepare (but do not start) a server.

        `users`: login names; each gets a random password and an empty INBOX.
        `separator`: the IMAP hierarchy separator ("." is Dovecot's Maildir++ default,
        "/" is what Gmail and Exchange show; sync code must handle both).
        `mail_owner`: the system user whose uid owns the mail files when running as root
        (default: "mail", falling back to "nobody"); Dovecot refuses to access mail as root.
        `extra_config`: appended verbatim to dovecot.conf for one-off experiments.
        `keep_files`: keep the temporary directory after stop (default: env
        CXINBOX_KEEP_DOVECOT is set), for reading logs after a failure.
        `oauth2_introspection_url`: also accept SASL XOAUTH2 and OAUTHBEARER, checking the
        bearer token with a `passdb oauth2` that POSTs `token=...` to this RFC 7662
        introspection URL (e.g. `OAuthServer.dovecot_introspection_url`). If the URL holds
        `{user}`, each user gets a passdb of their own (`username_filter`) whose URL names
        the mailbox: Dovecot 2.3 never tells the introspection endpoint which login is
        being checked, and an app-only token is good for several mailboxes. Password
        logins (PLAIN, LOGIN) keep working through the passwd-file passdb.
        `imap_capability`: Dovecot's `imap_capability` setting (the CAPABILITY list after
        login; "+X" adds to the default), e.g. EXCHANGE_ONLINE_CAPABILITY.
        """
        if not users:
            raise ValueError("at least one user is required")
        if separator not in (".", "/"):
            raise ValueError("separator must be '.' or '/'")
        binary = find_dovecot()
        if binary is None:
            raise DovecotNotInstalled(
                "dovecot is not installed (install the 'dovecot-imapd' package); "
                "tests marked 'dovecot' need a real IMAP server"
            )
        self.binary: Path = binary
        self.separator = separator
        self.debug = debug
        self._auth_failure_delay = auth_failure_delay
        self._extra_config = extra_config
        self._oauth2_url = oauth2_introspection_url
        self._imap_capability = imap_capability
        self._keep_files = (
            bool(os.environ.get("CXINBOX_KEEP_DOVECOT")) if keep_files is None else keep_files
        )
        self._user_names = list(users)
        self._mail_owner = mail_owner
        self._proc: subprocess.Popen[bytes] | None = None
        self._finalizer: weakref.finalize[Any, Any] | None = None
        self._clients: list[IMAPClient] = []
        self._seq = 0
        self.imaps_port: int = 0
        self.imap_port: int = 0
        self.root: Path = Path()
        self.ca_file: Path = Path()
        self.users: dict[str, MailUser] = {}
        self.startup_seconds: float = 0.0

    # ----------------------------------------------------------------- lifecycle

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    @property
    def pid(self) -> int | None:
        """The Dovecot master's pid (also its process group id) while running."""
        return self._proc.pid if self._proc is not None else None

    @property
    def user(self) -> str:
        """The first (default) user's login name."""
        return self._user_names[0]

    @property
    def password(self) -> str:
        """The first (default) user's password."""
        return self.users[self.user].password

    @property
    def maildir_root(self) -> Path:
        """The first user's Maildir; INBOX lives directly in it (Maildir++ layout)."""
        return self.users[self.user].maildir

    @property
    def config_file(self) -> Path:
        return self.root / "dovecot.conf"

    @property
    def log_file(self) -> Path:
        return self.root / "log" / "dovecot.log"

    def start(self) -> None:
        """Create the instance directory, write config, start Dovecot and wait for it.

        Raises DovecotError with the log tail if Dovecot does not come up.
        """
        if self._proc is not None:
            raise DovecotError("server already started")
        started = time.perf_counter()
        self.root = Path(tempfile.mkdtemp(prefix="cxdove-", dir=self._short_tmp()))
        # Dovecot's unprivileged processes (auth, imap as the mail owner) must traverse it.
        self.root.chmod(0o755)
        self._finalizer = weakref.finalize(
            self, _shutdown, None, self.root, self._keep_files
        )
        try:
            self._prepare_files()
            self._launch()
        except BaseException:
            self.stop()
            raise
        self.startup_seconds = time.perf_counter() - started

    def stop(self) -> None:
        """Log out our IMAP clients, stop Dovecot (SIGTERM, then SIGKILL) and clean up."""
        for client in self._clients:
            with contextlib.suppress(Exception):  # the connection may already be dead
                client.shutdown()
        self._clients.clear()
        if self._finalizer is not None:
            self._finalizer()
            self._finalizer = None
        self._proc = None

    @staticmethod
    def _short_tmp() -> str | None:
        """Keep base_dir short: Dovecot's UNIX sockets live there (108-byte path limit)."""
        default = tempfile.gettempdir()
        if len(default) <= 40 or not os.path.isdir("/tmp"):
            return None
        return "/tmp"

    def _mail_ids(self) -> tuple[str, int, int]:
        """The system user owning mail files, and its uid/gid."""
        if os.geteuid() != 0:
            entry = pwd.getpwuid(os.geteuid())
            return entry.pw_name, entry.pw_uid, entry.pw_gid
        candidates = [self._mail_owner] if self._mail_owner else ["mail", "nobody"]
        for name in candidates:
            try:
                entry = pwd.getpwnam(name)
            except KeyError:
                continue
            if entry.pw_uid == 0:
                continue
            return entry.pw_name, entry.pw_uid, entry.pw_gid
        raise DovecotError(f"none of the mail owner candidates {candidates} exists")

    def _service_users(self) -> tuple[str, str]:
        """default_internal_user and default_login_user.

        As root, Dovecot drops privileges to these; the Debian package creates `dovecot`
        and `dovenull`. As an ordinary user everything runs as that user.
        """
        if os.geteuid() != 0:
            name = pwd.getpwuid(os.geteuid()).pw_name
            return name, name
        for name in ("dovecot", "dovenull"):
            try:
                pwd.getpwnam(name)
            except KeyError:
                raise DovecotError(
                    f"system user {name!r} is missing; it is created by the dovecot package"
                ) from None
        return "dovecot", "dovenull"

    def _prepare_files(self) -> None:
        for sub in ("run", "state", "log", "tls", "home"):
            (self.root / sub).mkdir()
        make_tls_material(self.root / "tls")
        self.ca_file = self.root / "tls" / "ca.pem"
        self.ca_file.chmod(0o644)

        _owner, uid, gid = self._mail_ids()
        lines = []
        for name in self._user_names:
            if ":" in name or not name:
                raise ValueError(f"invalid user name {name!r}")
            password = secrets.token_urlsafe(12)
            home = self.root / "home" / name
            user = MailUser(name=name, password=password, uid=uid, gid=gid, home=home)
            self.users[name] = user
            for path in (home, user.maildir):
                path.mkdir()
                os.chown(path, uid, gid)
            self._make_maildir_dirs(user.maildir, uid, gid)
            lines.append(f"{name}:{{PLAIN}}{password}:{uid}:{gid}::{home}::\n")
        passwd = self.root / "passwd"
        passwd.write_text("".join(lines))
        self._write_oauth2_args()
        # Read by the auth process, which runs as the internal user's group when root.
        passwd.chmod(0o640)
        if os.geteuid() == 0:
            internal_user, _login_user = self._service_users()
            os.chown(passwd, 0, pwd.getpwnam(internal_user).pw_gid)

    def _oauth2_args_files(self) -> list[tuple[str | None, Path]]:
        """(username filter, args file) of each oauth2 passdb; empty without OAuth2."""
        if self._oauth2_url is None:
            return []
        if "{user}" not in self._oauth2_url:
            return [(None, self.root / "oauth2.conf.ext")]
        return [(name, self.root / f"oauth2-{index}.conf.ext")
                for index, name in enumerate(self._user_names)]

    def _write_oauth2_args(self) -> None:
        """One args file per oauth2 passdb (db_oauth2 shares state between equal paths).

        `send_auth_headers` tells the endpoint the service (X-Dovecot-Auth-Service: imap),
        so a token without IMAP permission is refused as Exchange refuses it.
        """
        for user, path in self._oauth2_args_files():
            url = self._oauth2_url or ""
            if user is not None:
                url = url.replace("{user}", quote(user, safe="@"))
            path.write_text(
                "introspection_mode = post\n"
                f"introspection_url = {url}\n"
                "username_attribute = username\n"
                "active_attribute = active\n"
                "active_value = true\n"
                "force_introspection = yes\n"
                "send_auth_headers = yes\n"
                "timeout_msecs = 10000\n"
            )
            path.chmod(0o644)

    def _passdb_config(self) -> str:
        """passdb blocks: the oauth2 ones (if any) for token mechanisms, then passwd-file."""
        blocks = []
        for user, path in self._oauth2_args_files():
            user_filter = f"  username_filter = {user}\n" if user is not None else ""
            blocks.append(
                "passdb {\n  driver = oauth2\n  mechanisms = xoauth2 oauthbearer\n"
                f"{user_filter}  args = {path}\n}}\n"
            )
        mechanisms = "  mechanisms = plain login\n" if blocks else ""
        blocks.append(
            "passdb {\n  driver = passwd-file\n"
            f"{mechanisms}  args = scheme=PLAIN username_format=%u {self.root}/passwd\n}}\n"
        )
        return "".join(blocks)

    def _make_maildir_dirs(self, path: Path, uid: int, gid: int) -> None:
        for sub in ("cur", "new", "tmp"):
            target = path / sub
            target.mkdir(mode=0o700, exist_ok=True)
            os.chown(target, uid, gid)

    def _config_text(self) -> str:
        """dovecot.conf for this instance. Every path lives under self.root."""
        internal_user, login_user = self._service_users()
        _owner, uid, gid = self._mail_ids()
        root = self.root
        non_root = os.geteuid() != 0
        # Without root Dovecot can neither chroot nor chown sockets to the dovecot group.
        non_root_settings = (
            f"default_internal_group = {grp.getgrgid(os.getegid()).gr_name}\n"
            "service imap-login {\n  chroot =\n}\nservice anvil {\n  chroot =\n}\n"
            "service log {\n  chroot =\n}\n"
            if non_root
            else ""
        )
        debug = "auth_debug = yes\nmail_debug = yes\nverbose_ssl = yes\n" if self.debug else ""
        mechanisms = "plain login xoauth2 oauthbearer" if self._oauth2_url else "plain login"
        capability = (f"imap_capability = {self._imap_capability}\n"
                      if self._imap_capability is not None else "")
        return f"""# cxinbox test server, generated; see tests/support/dovecot.py
instance_name = cxinbox-test-{self.imaps_port}
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/log/dovecot.log
info_log_path = {root}/log/dovecot.log
debug_log_path = {root}/log/dovecot.log
protocols = imap
listen = {HOST}
default_internal_user = {internal_user}
default_login_user = {login_user}
first_valid_uid = {uid}
last_valid_uid = {uid}
first_valid_gid = {gid}
last_valid_gid = {gid}
ssl = yes
ssl_cert = <{root}/tls/server.pem
ssl_key = <{root}/tls/server.key
ssl_min_protocol = TLSv1.2
disable_plaintext_auth = yes
auth_mechanisms = {mechanisms}
auth_failure_delay = {self._auth_failure_delay} secs
auth_verbose = yes
{debug}{capability}mail_location = maildir:~/Maildir
mailbox_idle_check_interval = 1 secs
mail_max_userip_connections = 100
namespace inbox {{
  inbox = yes
  separator = {self.separator}
  mailbox Drafts {{
    special_use = \\Drafts
  }}
  mailbox Sent {{
    special_use = \\Sent
  }}
  mailbox Trash {{
    special_use = \\Trash
  }}
  mailbox Junk {{
    special_use = \\Junk
  }}
}}
{self._passdb_config()}userdb {{
  driver = passwd-file
  args = username_format=%u {root}/passwd
}}
service imap-login {{
  inet_listener imap {{
    address = {HOST}
    port = {self.imap_port}
  }}
  inet_listener imaps {{
    address = {HOST}
    port = {self.imaps_port}
    ssl = yes
  }}
}}
service anvil {{
  unix_listener anvil-auth-penalty {{
    mode = {"0600" if self._auth_failure_delay else "0"}
  }}
}}
{non_root_settings}{self._extra_config}
"""

    def _launch(self) -> None:
        """Start `dovecot -F` and wait for the IMAP greeting; retry if a port was taken."""
        last_error = ""
        for _attempt in range(5):
            self.imaps_port = _free_port()
            self.imap_port = _free_port()
            while self.imap_port == self.imaps_port:
                self.imap_port = _free_port()
            self.config_file.write_text(self._config_text())
            stderr_path = self.root / "log" / "stderr.log"
            with open(stderr_path, "wb") as stderr:
                proc = subprocess.Popen(
                    [str(self.binary), "-F", "-c", str(self.config_file)],
                    stdin=subprocess.DEVNULL,
                    stdout=stderr,
                    stderr=stderr,
                    start_new_session=True,
                    close_fds=True,
                )
            # Killed with the test run too (SIGKILL, a SIGTERM to its process group): the
            # master is in a session of its own, and a finaliser does not run then.
            cleanup = f"kill -KILL -{proc.pid}"  # the group (dash takes no "--")
            if not self._keep_files:
                cleanup += f"; rm -rf {shlex.quote(str(self.root))}"
            watch = DeathWatch(cleanup)
            assert self._finalizer is not None
            self._finalizer.detach()
            self._finalizer = weakref.finalize(self, _shutdown, proc, self.root, self._keep_files,
                                               watch)
            self._proc = proc
            if self._wait_ready(proc):
                return
            _terminate(proc)
            watch.release()
            last_error = stderr_path.read_text(errors="replace") + self.log_text()[-4000:]
            if "Address already in use" not in last_error:
                break
            self.log_file.unlink(missing_ok=True)
        raise DovecotError(f"dovecot did not start (config {self.config_file}):\n{last_error}")

    def _wait_ready(self, proc: subprocess.Popen[bytes]) -> bool:
        """Poll until the plain port answers with an IMAP greeting or the master exits.

        The greeting proves the master, config and imap-login processes work; the IMAPS
        listener is bound by the same master before any process is forked.
        """
        deadline = time.monotonic() + _STARTUP_TIMEOUT_S
        delay = 0.005
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                return False
            try:
                with socket.create_connection((HOST, self.imap_port), timeout=2) as sock:
                    greeting = sock.recv(200)
                    if greeting.startswith(b"* OK"):
                        sock.sendall(b"a LOGOUT\r\n")
                        return True
            except OSError:
                pass
            time.sleep(delay)
            delay = min(delay * 2, 0.1)
        return False

    def log_text(self) -> str:
        """Dovecot's log so far; attach it to failure messages."""
        try:
            return self.log_file.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    # ------------------------------------------------------------------ clients

    def ssl_context(self) -> ssl.SSLContext:
        """A verifying client context that trusts only this server's private CA."""
        context = ssl.create_default_context(cafile=str(self.ca_file))
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        return context

    def imap_client(
        self,
        ssl: bool = True,
        *,
        user: str | None = None,
        timeout: float = 30.0,
        login: bool = True,
    ) -> IMAPClient:
        """A connected IMAPClient (logged in unless `login=False`) with verified TLS.

        `ssl=True` uses the IMAPS port; `ssl=False` connects to the plain port and upgrades
        with STARTTLS before logging in. The server closes these clients on `stop()`.
        """
        context = self.ssl_context()
        if ssl:
            client = IMAPClient(
                self.host, port=self.imaps_port, ssl=True, ssl_context=context, timeout=timeout
            )
        else:
            client = IMAPClient(self.host, port=self.imap_port, ssl=False, timeout=timeout)
            client.starttls(context)
        self._clients.append(client)
        if login:
            account = self.users[user or self.user]
            client.login(account.name, account.password)
        return client

    def doveadm(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        """Run `doveadm` against this instance, e.g. `doveadm("kick", server.user)`."""
        doveadm = self.binary.with_name("doveadm")
        if not doveadm.exists():
            found = shutil.which("doveadm")
            if found is None:
                raise DovecotError("doveadm not found")
            doveadm = Path(found)
        result = subprocess.run(
            [str(doveadm), "-c", str(self.config_file), *args],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        if check and result.returncode != 0:
            raise DovecotError(f"doveadm {' '.join(args)} failed: {result.stderr.strip()}")
        return result

    def kick(self, user: str | None = None) -> int:
        """Disconnect every IMAP session of `user`, as a server restart would.

        Returns doveadm's exit code: 0 when sessions were kicked, 68 when there were none.
        """
        result = self.doveadm("kick", user or self.user, check=False)
        if result.returncode not in (0, 68):
            raise DovecotError(f"doveadm kick failed: {result.stderr.strip()}")
        return result.returncode

    # ------------------------------------------------------------ mail on disk

    def _account(self, user: str | None) -> MailUser:
        try:
            return self.users[user or self.user]
        except KeyError:
            raise DovecotError(f"no such user {user!r}") from None

    def folder_path(self, folder: str = "INBOX", *, user: str | None = None) -> Path:
        """Maildir++ directory of an IMAP folder name (modified UTF-7 on disk)."""
        account = self._account(user)
        if folder.upper() == "INBOX":
            return account.maildir
        parts = folder.split(self.separator)
        if any(not part or part.upper() == "INBOX" and i == 0 for i, part in enumerate(parts)):
            raise ValueError(f"unsupported folder name {folder!r}")
        encoded = [imap_utf7_encode(part).decode("ascii") for part in parts]
        if any("." in part or "/" in part for part in encoded):
            raise ValueError(f"folder name parts may not contain '.' or '/': {folder!r}")
        return account.maildir / ("." + ".".join(encoded))

    def create_folder(self, name: str, *, user: str | None = None) -> Path:
        """Create a folder directly in the Maildir (idempotent); Dovecot lists it at once."""
        account = self._account(user)
        path = self.folder_path(name, user=user)
        if path == account.maildir:
            return path
        if not path.exists():
            path.mkdir(mode=0o700)
            os.chown(path, account.uid, account.gid)
            marker = path / "maildirfolder"
            marker.touch()
            os.chown(marker, account.uid, account.gid)
        self._make_maildir_dirs(path, account.uid, account.gid)
        return path

    def _next_base(self) -> str:
        """A unique Maildir base name whose sort order is delivery order.

        Dovecot assigns UIDs to new files sorted by the seconds field, then the `M` field,
        numerically; putting our monotonic counter in `M` keeps UIDs in delivery order
        even for thousands of files delivered within one second.
        """
        self._seq += 1
        return f"{int(time.time())}.M{self._seq}P{os.getpid()}Q{self._seq}.cxinbox"

    def _write_message(
        self,
        folder_dir: Path,
        raw: bytes,
        letters: str,
        account: MailUser,
        mtime: float | None,
        into_new: bool,
    ) -> Path:
        base = f"{self._next_base()},S={len(raw)},W={_virtual_size(raw)}"
        tmp_path = folder_dir / "tmp" / base
        fd = os.open(tmp_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            view = memoryview(raw)
            while view:
                written = os.write(fd, view)
                view = view[written:]
            os.fchown(fd, account.uid, account.gid)
        finally:
            os.close(fd)
        if mtime is not None:
            os.utime(tmp_path, (mtime, mtime))
        if into_new:
            final = folder_dir / "new" / base
        else:
            final = folder_dir / "cur" / f"{base}:2,{letters}"
        # rename() makes the message appear atomically: a running Dovecot never sees half.
        os.rename(tmp_path, final)
        return final

    def deliver(
        self,
        raw: bytes,
        folder: str = "INBOX",
        flags: str | Iterable[str] = "",
        *,
        user: str | None = None,
        internaldate: dt.datetime | float | None = None,
    ) -> Path:
        """Drop one message into the folder as a mail delivery agent would.

        Without flags it lands in new/ (Dovecot reports it \\Recent and IDLE sees it);
        with flags ("S", "SF", "\\Seen \\Flagged") it goes to cur/. INTERNALDATE is the
        file's mtime: now unless `internaldate` is given. Returns the file path.
        """
        account = self._account(user)
        folder_dir = self.create_folder(folder, user=user)
        letters = _maildir_flags(flags)
        mtime: float | None
        if isinstance(internaldate, dt.datetime):
            mtime = internaldate.timestamp()
        else:
            mtime = internaldate
        return self._write_message(folder_dir, raw, letters, account, mtime, into_new=not letters)

    def deliver_many(
        self,
        messages: Iterable[bytes],
        folder: str = "INBOX",
        flags: str | Iterable[str] = "",
        *,
        user: str | None = None,
        date_from_header: bool = True,
    ) -> int:
        """Bulk-load messages straight into cur/; returns how many were written.

        The fast path for 100,000-message mailboxes: no IMAP, and cur/ rather than new/
        so Dovecot need not rename every file on first SELECT. With `date_from_header`,
        INTERNALDATE follows each message's Date header, like a mailbox filled over months.
        """
        account = self._account(user)
        folder_dir = self.create_folder(folder, user=user)
        letters = _maildir_flags(flags)
        count = 0
        for raw in messages:
            mtime = _header_date(raw) if date_from_header else None
            self._write_message(folder_dir, raw, letters, account, mtime, into_new=False)
            count += 1
        return count

    def message_files(self, folder: str = "INBOX", *, user: str | None = None) -> list[Path]:
        """Every message file of the folder (new/ and cur/), in Dovecot's UID-assignment order."""
        folder_dir = self.folder_path(folder, user=user)
        files = [*(folder_dir / "cur").iterdir(), *(folder_dir / "new").iterdir()]
        return sorted(files, key=lambda p: _maildir_sort_key(p.name))

    def uidvalidity_on_disk(self, folder: str = "INBOX", *, user: str | None = None) -> int | None:
        """UIDVALIDITY recorded in dovecot-uidlist, or None before Dovecot first opened it."""
        header = _read_uidlist_header(self.folder_path(folder, user=user))
        return None if header is None else header[0]

    def reset_uidvalidity(self, folder: str = "INBOX", *, user: str | None = None) -> int:
        """Give the folder a new, larger UIDVALIDITY; the message files stay byte-identical.

        Emulates a server whose mailbox was restored or migrated: every UID the client
        knows becomes meaningless (RFC 4549: drop the folder's cache). UIDs restart at 1
        in delivery order and all modseqs are forgotten. A session that has the folder
        selected is disconnected by Dovecot when it notices. Returns the new UIDVALIDITY.
        """
        folder_dir = self.folder_path(folder, user=user)
        header = _read_uidlist_header(folder_dir)
        old = header[0] if header else 0
        new_validity = max(old + 1, int(time.time()))
        files = self.message_files(folder, user=user)
        self._rewrite_uidlist(
            folder_dir, new_validity, len(files) + 1, uuid.uuid4().hex, files, user
        )
        return new_validity

    def renumber(
        self, folder: str = "INBOX", *, user: str | None = None, seed: int = 1
    ) -> dict[str, int]:
        """Assign new UIDs 1..n under the SAME UIDVALIDITY, in a shuffled (seeded) order.

        Emulates an index rebuild that renumbered messages. UIDNEXT is kept, so only
        HIGHESTMODSEQ going backwards reveals it: a client trusting (UIDVALIDITY, UID)
        pairs will attach one message's flags and identity to another. Flags stay with
        their message (they live in the file names). A session that has the folder
        selected is disconnected. Returns file base name -> new UID.
        """
        folder_dir = self.folder_path(folder, user=user)
        header = _read_uidlist_header(folder_dir)
        if header is None:
            raise DovecotError(
                f"{folder!r} has no UIDVALIDITY yet; SELECT it once before renumbering"
            )
        validity, next_uid, guid = header
        if self.running:
            next_uid = max(next_uid, self._status_uidnext(folder, user))
        files = self.message_files(folder, user=user)
        random.Random(seed).shuffle(files)
        return self._rewrite_uidlist(
            folder_dir, validity, max(next_uid, len(files) + 1), guid, files, user
        )

    def _status_uidnext(self, folder: str, user: str | None) -> int:
        """UIDNEXT as Dovecot's index knows it (dovecot-uidlist can lag behind)."""
        result = self.doveadm(
            "-f", "flow", "mailbox", "status", "-u", self._account(user).name, "uidnext", folder
        )
        match = re.search(r"uidnext=(\d+)", result.stdout)
        return int(match.group(1)) if match else 1

    def _rewrite_uidlist(
        self,
        folder_dir: Path,
        validity: int,
        next_uid: int,
        guid: str,
        files: list[Path],
        user: str | None,
    ) -> dict[str, int]:
        """Replace dovecot-uidlist and drop index files so Dovecot rebuilds from it."""
        account = self._account(user)
        mapping: dict[str, int] = {}
        lines = [f"3 V{validity} N{next_uid} G{guid}\n"]
        for uid, path in enumerate(files, start=1):
            base = path.name.split(":", 1)[0]
            mapping[base] = uid
            lines.append(f"{uid} :{base}\n")
        tmp = folder_dir / "tmp" / f"uidlist.{secrets.token_hex(6)}"
        tmp.write_text("".join(lines))
        os.chown(tmp, account.uid, account.gid)
        tmp.chmod(0o600)
        for leftover in folder_dir.iterdir():
            if leftover.name.startswith("dovecot.index"):
                leftover.unlink(missing_ok=True)
        # The mailbox list index caches UIDVALIDITY/UIDNEXT for STATUS; drop it as well.
        for leftover in account.maildir.iterdir():
            if leftover.name.startswith(_LIST_INDEX_PREFIX):
                leftover.unlink(missing_ok=True)
        os.rename(tmp, folder_dir / "dovecot-uidlist")
        return mapping


def _maildir_sort_key(name: str) -> tuple[int, int, str]:
    """Dovecot's order for new Maildir files: seconds, then the M (microseconds) field."""
    seconds, _, rest = name.partition(".")
    usec = 0
    if rest.startswith("M"):
        digits = re.match(r"M(\d+)", rest)
        if digits:
            usec = int(digits.group(1))
    try:
        sec = int(seconds)
    except ValueError:
        sec = 0
    return sec, usec, name


def _read_uidlist_header(folder_dir: Path) -> tuple[int, int, str] | None:
    """(UIDVALIDITY, next UID, mailbox GUID) from dovecot-uidlist, or None if absent."""
    try:
        with open(folder_dir / "dovecot-uidlist", encoding="ascii", errors="replace") as handle:
            first = handle.readline().split()
            # Dovecot appends records without updating the header's N, so the largest
            # recorded UID (expunged or not) also bounds UIDNEXT.
            max_uid = 0
            for line in handle:
                head = line.split(" ", 1)[0]
                if head.isdigit():
                    max_uid = max(max_uid, int(head))
    except FileNotFoundError:
        return None
    validity = 0
    next_uid = max_uid + 1
    guid = uuid.uuid4().hex
    for item in first[1:]:
        if item.startswith("V"):
            validity = int(item[1:])
        elif item.startswith("N"):
            next_uid = max(next_uid, int(item[1:]))
        elif item.startswith("G"):
            guid = item[1:]
    return validity, next_uid, guid


def _group_members(pgid: int) -> list[tuple[int, str]]:
    """(pid, command name) of live processes in a process group, from /proc (Linux)."""
    members: list[tuple[int, str]] = []
    try:
        entries = os.listdir("/proc")
    except OSError:
        return members
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as handle:
                stat = handle.read()
        except OSError:
            continue
        name = stat[stat.find("(") + 1 : stat.rfind(")")]
        fields = stat[stat.rfind(")") + 2 :].split()
        if len(fields) > 2 and fields[2] == str(pgid) and fields[0] != "Z":
            members.append((int(entry), name))
    return members


def _end_sessions(pgid: int) -> None:
    """Stop imap and imap-login processes and wait until they are gone.

    Dovecot's master checks once whether its children died and otherwise sleeps a whole
    second before looking again, so stopping with a session still exiting costs ~1 s per
    test. Ending sessions first keeps the stop at a few milliseconds.
    """
    sessions = [pid for pid, name in _group_members(pgid) if name in ("imap", "imap-login")]
    for pid in sessions:
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    deadline = time.monotonic() + 2.0
    while sessions and time.monotonic() < deadline:
        live = {pid for pid, _name in _group_members(pgid)}
        sessions = [pid for pid in sessions if pid in live]
        if sessions:
            time.sleep(0.005)


def _terminate(proc: subprocess.Popen[bytes]) -> None:
    """Stop the Dovecot master and anything left in its process group."""
    if proc.poll() is None:
        _end_sessions(proc.pid)
        # Signalling the whole group lets every child exit at once and the master reap
        # them: SIGTERM to the master alone takes ~1.1 s and leaves the log process
        # orphaned (a zombie where PID 1 does not reap).
        try:
            os.killpg(proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        deadline = time.monotonic() + 5.0
        while proc.poll() is None and time.monotonic() < deadline:
            try:
                proc.wait(timeout=0.05)
            except subprocess.TimeoutExpired:
                pass
            # A master whose children are all gone is only sleeping out its 1 s check
            # interval; killing it now orphans nothing.
            if [pid for pid, _name in _group_members(proc.pid)] == [proc.pid]:
                proc.kill()
        if proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            proc.wait(timeout=5)
    # imap processes normally exit with the master; make sure none outlives the test.
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        return
    # SIGKILL is delivered asynchronously: a child busy in the kernel (an fsync) can still
    # be there a moment later. Wait until no live process is left in the group (bounded).
    # A zombie is not waited for: it is dead, holding nothing but its pid until PID 1 reaps
    # the orphan, which a container's PID 1 may do only every couple of seconds (waiting
    # for that cost ~1.9 s in one Dovecot stop of three).
    deadline = time.monotonic() + 5.0
    while time.monotonic() < deadline:
        try:
            os.killpg(proc.pid, 0)
        except (ProcessLookupError, PermissionError):
            return
        if not _group_members(proc.pid):
            return
        time.sleep(0.01)


def _shutdown(proc: subprocess.Popen[bytes] | None, root: Path, keep_files: bool,
              watch: DeathWatch | None = None) -> None:
    """Finaliser shared by stop(), garbage collection and interpreter exit."""
    if proc is not None:
        _terminate(proc)
    if not keep_files:
        shutil.rmtree(root, ignore_errors=True)
    if watch is not None:  # stopped as usual: the watcher has nothing left to do
        watch.release()

