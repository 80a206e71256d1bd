"""Config loading: every mistake becomes one clear ConfigError line; the example always loads."""

from __future__ import annotations

import dataclasses
import json
import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cxinbox import config as config_module
from cxinbox.config import (
    SECRET_HINT,
    AccountConfig,
    AuditConfig,
    CannedReply,
    ClinicConfig,
    ComposeConfig,
    Config,
    ConfigError,
    CredentialSource,
    OAuth2Config,
    OutboxConfig,
    ServerConfig,
    SmsConfig,
    SmsNumber,
    StaffMember,
    StoreConfig,
    SyncConfig,
    TriageConfig,
    UiConfig,
    default_config,
    is_loopback_host,
    load_config,
    resolve_config_path,
)

REPO_ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = REPO_ROOT / "config.example.toml"
PACKAGED_EXAMPLE = REPO_ROOT / "src" / "cxinbox" / "config.example.toml"

ACCOUNT = """
[[accounts]]
name = "billing"
host = "imap.clinic.example"
username = "billing@clinic.example"
"""


Writer = Callable[[str], Path]


@pytest.fixture
def write(tmp_path: Path) -> Writer:
    """Write a config file and return its path."""

    def _write(text: str) -> Path:
        path = tmp_path / "config.toml"
        path.write_text(text, encoding="utf-8")
        path.chmod(0o600)
        return path

    return _write


def error_of(path: Path) -> str:
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    message = str(caught.value)
    assert "\n" not in message and "\r" not in message
    assert message.startswith(f"{path}: ")
    return message


# --------------------------------------------------------------------------- defaults


def test_empty_file_gives_every_default(write: Writer) -> None:
    path = write("")
    loaded = load_config(path)
    assert dataclasses.replace(loaded, source_path=default_config().source_path) == default_config()
    assert loaded.source_path == path
    assert loaded.clinic == ClinicConfig(name="Clinic", timezone="UTC", phone="")
    assert loaded.sync == SyncConfig(
        batch_size=500,
        idle_timeout_s=1500,
        connect_timeout_s=20.0,
        socket_timeout_s=60.0,
        reconnect_max_s=300,
        mass_delete_fraction=0.2,
        mass_delete_min=50,
        parse_workers=0,
    )
    assert loaded.ui == UiConfig(ascii="auto", mouse=True, idle_lock_minutes=10)
    assert dict(loaded.ui.keymap) == {}
    assert loaded.accounts == () and loaded.staff == ()
    assert loaded.store == StoreConfig(path=None)


def test_default_config_is_valid_and_uses_platform_db_path() -> None:
    config = default_config()
    assert config.accounts == ()
    assert config.db_path.name == "cxinbox.db"
    assert "cxinbox" in config.db_path.parts
    assert config.clinic.tzinfo.key == "UTC"


def test_triage_check_interval_defaults_to_5_s_and_is_read(write: Writer) -> None:
    assert load_config(write("")).triage.check_interval == 5
    assert load_config(write("[triage]\ncheck_interval = 1\n")).triage.check_interval == 1


def test_sla_check_interval_defaults_to_15_s_and_is_read(write: Writer) -> None:
    assert load_config(write("")).sla.check_interval_s == 15
    assert load_config(write("[sla]\ncheck_interval = 1\n")).sla.check_interval_s == 1
    assert load_config(write("[sla]\ncheck_interval = 3600\n")).sla.check_interval_s == 3600


def test_account_defaults(write: Writer) -> None:
    account = load_config(write(ACCOUNT)).accounts[0]
    assert account == AccountConfig(
        name="billing",
        host="imap.clinic.example",
        port=993,
        tls="implicit",
        verify_tls=True,
        ca_file=None,
        username="billing@clinic.example",
        folders=("INBOX",),
        address="billing@clinic.example",
        display_name="",
        credentials=CredentialSource(),
        smtp_port=465,
        smtp_username="billing@clinic.example",
    )
    assert not account.credentials.configured


def test_starttls_defaults_to_port_143_and_plain_username_gives_no_address(write: Writer) -> None:
    path = write(
        '[[accounts]]\nname = "a"\nhost = "h.example"\nusername = "bob"\ntls = "starttls"\n'
    )
    account = load_config(path).accounts[0]
    assert (account.port, account.address) == (143, "")


def test_full_account_is_read(write: Writer, tmp_path: Path) -> None:
    path = write(
        ACCOUNT
        + """
port = 1993
ca_file = "certs/ca.pem"
folders = ["INBOX", "Insurance"]
address = "billing@clinic.example"
display_name = "Clinic Billing"
password_command = ["pass", "show", "clinic/billing"]
password_command_timeout_s = 3
keyring = true
password_env = "BILLING_PW"
password_file = "~/billing.pw"
"""
    )
    account = load_config(path).accounts[0]
    assert account.port == 1993
    assert account.ca_file == tmp_path / "certs" / "ca.pem"
    assert account.folders == ("INBOX", "Insurance")
    assert account.display_name == "Clinic Billing"
    assert account.credentials == CredentialSource(
        password_command=("pass", "show", "clinic/billing"),
        password_command_timeout_s=3.0,
        keyring=True,
        password_env="BILLING_PW",
        password_file=Path("~/billing.pw").expanduser(),
    )


def test_store_path_is_relative_to_the_config_file(write: Writer, tmp_path: Path) -> None:
    config = load_config(write('[store]\npath = "data/inbox.db"\n'))
    assert config.db_path == tmp_path / "data" / "inbox.db"


def test_staff_and_ui(write: Writer) -> None:
    path = write(
        """
[[staff]]
os_user = "jsmith"
name = "Jo Smith"

[[staff]]
os_user = "akhan"
name = "Aisha Khan"
role = "supervisor"

[ui]
ascii = "on"
mouse = false
idle_lock_minutes = 0

[ui.keymap]
reply = "r"
"close-conversation" = "ctrl+w"
"""
    )
    config = load_config(path)
    assert config.staff == (
        StaffMember(os_user="jsmith", name="Jo Smith", role="agent"),
        StaffMember(os_user="akhan", name="Aisha Khan", role="supervisor"),
    )
    assert config.staff_member("akhan") == config.staff[1]
    assert config.staff_member("nobody") is None
    assert (config.ui.ascii, config.ui.mouse, config.ui.idle_lock_minutes) == ("on", False, 0)
    assert dict(config.ui.keymap) == {"reply": "r", "close-conversation": "ctrl+w"}
    with pytest.raises(TypeError):
        config.ui.keymap["reply"] = "x"  # type: ignore[index]


def test_account_lookup_by_name(write: Writer) -> None:
    config = load_config(write(ACCOUNT))
    assert config.account("billing").host == "imap.clinic.example"
    with pytest.raises(KeyError):
        config.account("results")


# ------------------------------------------------------------------- reading the file


def test_missing_file_says_how_to_create_one(tmp_path: Path) -> None:
    path = tmp_path / "nope.toml"
    assert error_of(path) == f"{path}: no such file (run `cxinbox init` to write one)"


def test_toml_syntax_error_has_line_and_column(write: Writer) -> None:
    message = error_of(write('[clinic]\nname = "x"\ntimezone = \n'))
    assert "invalid TOML" in message
    assert re.search(r"line 3, column \d+", message)


def test_non_utf8_file(write: Writer, tmp_path: Path) -> None:
    path = write("")
    path.write_bytes(b'[clinic]\nname = "Caf\xe9"\n')
    assert "not UTF-8 text (line 2)" in error_of(path)


def test_world_writable_config_is_refused(write: Writer) -> None:
    path = write("")
    path.chmod(0o666)
    message = error_of(path)
    assert "mode 0666" in message and "chmod o-w" in message


def test_group_writable_config_that_runs_commands_is_refused(write: Writer) -> None:
    path = write('[[accounts]]\nname = "billing"\nhost = "imap.clinic.example"\n'
                 'username = "b@clinic.example"\npassword_command = ["pass", "show", "b"]\n')
    path.chmod(0o660)
    message = error_of(path)
    assert "mode 0660" in message and "password_command" in message and "chmod g-w" in message
    assert "\n" not in message


def test_group_writable_config_without_commands_is_accepted(write: Writer) -> None:
    path = write('[clinic]\ntimezone = "UTC"\n')
    path.chmod(0o660)
    assert load_config(path).clinic.timezone == "UTC"


def test_directory_instead_of_file(tmp_path: Path) -> None:
    assert "is a directory" in error_of(tmp_path)


# ---------------------------------------------------------------------- unknown keys


def test_unknown_top_level_key_suggests_the_close_one(write: Writer) -> None:
    path = write(ACCOUNT.replace("[[accounts]]", "[[acounts]]"))
    assert error_of(path) == f"{path}: acounts: unknown key; did you mean 'accounts'?"


def test_unknown_key_in_account_suggests_the_close_one(write: Writer) -> None:
    path = write(ACCOUNT + ACCOUNT.replace("billing", "results") + 'folder = ["INBOX"]\n')
    assert error_of(path) == f"{path}: accounts[1].folder: unknown key; did you mean 'folders'?"


def test_unknown_key_far_from_any_lists_the_valid_ones(write: Writer) -> None:
    message = error_of(write("[clinic]\nwibble = 1\n"))
    assert message.endswith("clinic.wibble: unknown key; valid keys here: country_code, name, phone, timezone")


def test_unknown_key_in_nested_table_is_named_with_its_path(write: Writer) -> None:
    message = error_of(write("[sync]\nbatchsize = 10\n"))
    assert message.endswith("sync.batchsize: unknown key; did you mean 'batch_size'?")


# -------------------------------------------------------------- types, ranges, required


@pytest.mark.parametrize(
    ("snippet", "expected"),
    [
        ('port = "abc"', 'accounts[0].port: expected an integer from 1 to 65535, got "abc"'),
        ("port = 0", "accounts[0].port: expected an integer from 1 to 65535, got 0"),
        ("port = true", "accounts[0].port: expected an integer from 1 to 65535, got true"),
        ("port = 99.5", "accounts[0].port: expected an integer from 1 to 65535, got 99.5"),
        ('verify_tls = "yes"', 'accounts[0].verify_tls: expected true or false, got "yes"'),
        ('folders = "INBOX"', "accounts[0].folders: expected a non-empty array of strings"),
        ("folders = []", "accounts[0].folders: expected a non-empty array of strings"),
        ('folders = ["INBOX", 3]', "accounts[0].folders[1]: expected a non-empty string, got 3"),
        ('folders = ["INBOX", "INBOX"]', 'accounts[0].folders: lists "INBOX" more than once'),
        ('tls = "ssl"', 'accounts[0].tls: expected one of "implicit", "starttls", got "ssl"'),
        ('password_env = "MY-VAR"', "accounts[0].password_env: expected an environment variable"),
        ("keyring = 1", "accounts[0].keyring: expected true or false, got 1"),
        ('address = "billing"', "accounts[0].address: expected an email address"),
        ('display_name = "Billing\\r\\nBcc: x@y"', "accounts[0].display_name: must not contain"),
        ("password_command_timeout_s = 0", "password_command_timeout_s: expected a number greater"),
    ],
)
def test_wrong_values_in_an_account(write: Writer, snippet: str, expected: str) -> None:
    message = error_of(write(ACCOUNT + snippet + "\n"))
    assert expected in message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[sync]\nbatch_size = 0", "sync.batch_size: expected an integer from 1 to 10000, got 0"),
        (
            "[sync]\nidle_timeout_s = 1800",
            "sync.idle_timeout_s: expected an integer from 30 to 1740",
        ),
        (
            "[sync]\nmass_delete_fraction = 1.5",
            "sync.mass_delete_fraction: expected a number greater than 0 and at most 1, got 1.5",
        ),
        ("[sync]\nmass_delete_fraction = 0", "sync.mass_delete_fraction: expected a number"),
        ("[sync]\nconnect_timeout_s = nan", "sync.connect_timeout_s: expected a number greater"),
        ("[sync]\nparse_workers = -1", "sync.parse_workers: expected an integer from 0 to 256"),
        ("[sync]\nmass_delete_min = -1", "sync.mass_delete_min: expected an integer of at least 0"),
        ('[ui]\nascii = "yes"', 'ui.ascii: expected one of "auto", "on", "off", got "yes"'),
        ("[ui]\nidle_lock_minutes = -5", "ui.idle_lock_minutes: expected an integer from 0"),
        ("[ui.keymap]\nreply = 5", "ui.keymap.reply: expected a string, got 5"),
        ('clinic = "Maple"', 'clinic: expected a table ([clinic]), got "Maple"'),
        ("[clinic]\nname = 3", "clinic.name: expected a string, got 3"),
        ("[clinic]\nname = 2024-01-01", "clinic.name: expected a string, got a date/time"),
        ('[[staff]]\nos_user = "jo"\nname = "Jo"\nrole = "boss"', "staff[0].role: expected one of"),
        ('[[staff]]\nname = "Jo"', "staff[0].os_user: missing required value"),
        ('[[staff]]\nos_user = "j o"\nname = "Jo"', "staff[0].os_user: expected a login name"),
        ("[accounts]\nname = 'x'", "accounts: expected an array of tables ([[accounts]])"),
        ("[sla]\ncheck_interval = 0",
         "sla.check_interval: expected an integer from 1 to 3600, got 0"),
        ("[sla]\ncheck_interval = 3601", "sla.check_interval: expected an integer from 1 to 3600"),
        ("[sla]\ncheck_interval = 2.5", "sla.check_interval: expected an integer from 1 to 3600"),
        ('[sla]\ncheck_interval = "15s"', "sla.check_interval: expected an integer from 1 to"),
        ("[triage]\ncheck_interval = 0",
         "triage.check_interval: expected an integer from 1 to 60, got 0"),
        ("[triage]\ncheck_interval = 1.5",
         "triage.check_interval: expected an integer from 1 to 60"),
        ("[triage]\ncheck_interval = 61",
         "triage.check_interval: expected an integer from 1 to 60, got 61"),
    ],
)
def test_wrong_values_elsewhere(write: Writer, text: str, expected: str) -> None:
    assert expected in error_of(write(text + "\n"))


@pytest.mark.parametrize("key", ["name", "host", "username"])
def test_missing_required_account_key(write: Writer, key: str) -> None:
    text = "\n".join(line for line in ACCOUNT.splitlines() if not line.startswith(key))
    assert f"accounts[0].{key}: missing required value; expected" in error_of(write(text))


@pytest.mark.parametrize("name", ["Billing", "front desk", "a.b", ""])
def test_account_name_must_be_a_short_lowercase_id(write: Writer, name: str) -> None:
    message = error_of(write(ACCOUNT.replace('"billing"', json.dumps(name), 1)))
    assert "accounts[0].name: " in message


@pytest.mark.parametrize("host", ["imaps://imap.clinic.example", "user@imap.example", "h:993"])
def test_host_must_be_a_bare_host_name(write: Writer, host: str) -> None:
    message = error_of(write(ACCOUNT.replace('"imap.clinic.example"', json.dumps(host))))
    assert "accounts[0].host: expected a host name or IP address" in message


def test_duplicate_account_names_are_refused(write: Writer) -> None:
    message = error_of(write(ACCOUNT + ACCOUNT))
    assert message.endswith(
        'accounts[1].name: "billing" is already the name of accounts[0]; '
        "account names must be unique"
    )


def test_duplicate_staff_users_are_refused(write: Writer) -> None:
    member = '[[staff]]\nos_user = "jo"\nname = "Jo"\n'
    assert 'staff[1].os_user: "jo" is already listed at staff[0]' in error_of(write(member * 2))


def test_unknown_timezone(write: Writer) -> None:
    message = error_of(write('[clinic]\ntimezone = "Mars/Olympus_Mons"\n'))
    assert 'clinic.timezone: unknown time zone "Mars/Olympus_Mons"' in message


def test_malformed_timezone_is_a_config_error_too(write: Writer) -> None:
    assert "clinic.timezone: unknown time zone" in error_of(write('[clinic]\ntimezone = "../x"\n'))


def test_known_timezone_is_accepted(write: Writer) -> None:
    config = load_config(write('[clinic]\ntimezone = "Australia/Perth"\n'))
    assert config.clinic.tzinfo.key == "Australia/Perth"


def test_control_characters_in_values_are_escaped_in_the_message(write: Writer) -> None:
    message = error_of(write('[clinic]\ntimezone = "\\u001b[31mRed\\u202e"\n'))
    assert "\x1b" not in message and "\u202e" not in message
    assert "\\u001b[31mRed\\u202e" in message


# -------------------------------------------------------------------------- secrets


@pytest.mark.parametrize(
    ("text", "key"),
    [
        (ACCOUNT + 'password = "hunter2"\n', "accounts[0].password"),
        ('password = "hunter2"\n', "password"),
        (ACCOUNT + 'pass = "hunter2"\n', "accounts[0].pass"),
        ('[clinic]\nsecret = "x"\n', "clinic.secret"),
        ('[sms]\nauth_token = "x"\n', "sms.auth_token"),
        (ACCOUNT + 'smtp_password = "x"\n', "accounts[0].smtp_password"),
        ('[[staff]]\nos_user = "jo"\nname = "Jo"\nToken = "x"\n', "staff[0].Token"),
    ],
)
def test_secret_keys_are_refused_with_the_hint(write: Writer, text: str, key: str) -> None:
    path = write(text)
    message = error_of(path)
    assert message == f"{path}: {key}: {SECRET_HINT}"
    assert "hunter2" not in message


@pytest.mark.parametrize(("key", "meant"), [
    ("token_file", "password_file"), ("auth_token_env", "password_env"),
    ("token_command", "password_command")])
def test_a_misnamed_secret_source_is_an_unknown_key_not_a_secret(
        write: Writer, key: str, meant: str) -> None:
    value = '["pass", "show", "sms"]' if key.endswith("_command") else '"/etc/cxinbox/sms"'
    path = write('[sms]\nbase_url = "https://sms.example"\naccount_sid = "AC1"\n'
                 f"{key} = {value}\n[[sms.numbers]]\nnumber = \"+15550100\"\n")
    message = error_of(path)
    assert message == f"{path}: sms.{key}: unknown key; did you mean '{meant}'?"


def test_secret_is_refused_before_other_mistakes(write: Writer) -> None:
    message = error_of(write('wibble = 1\n[[accounts]]\npassword = "hunter2"\n'))
    assert "secrets never go in the config file" in message


def test_hint_names_every_supported_source() -> None:
    for word in ("password_command = [...]", "keyring", 'password_env = "VAR"', "password_file"):
        assert word in SECRET_HINT
    assert "0600" in SECRET_HINT


def test_string_password_command_is_refused_with_the_list_form(write: Writer) -> None:
    message = error_of(write(ACCOUNT + "password_command = \"pass show 'clinic/billing'\"\n"))
    assert message.endswith(
        "accounts[0].password_command: expected an array of strings (it runs without a shell), "
        'got a string; write it as password_command = ["pass", "show", "clinic/billing"]'
    )


def test_shell_pipeline_in_password_command_points_to_a_script(write: Writer) -> None:
    message = error_of(write(ACCOUNT + 'password_command = "gpg -d pw.gpg | head -1"\n'))
    assert "put them in a script" in message


# ----------------------------------------------------------------------- verify_tls


@pytest.mark.parametrize("host", ["mail.clinic.example", "10.0.0.5", "localhost.evil.example"])
def test_verify_tls_false_refused_for_remote_host(write: Writer, host: str) -> None:
    text = ACCOUNT.replace("imap.clinic.example", host) + "verify_tls = false\n"
    message = error_of(write(text))
    assert "accounts[0].verify_tls: false is only allowed for a loopback host" in message
    assert "ca_file" in message


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1", "127.0.0.53", "::1", "LOCALHOST."])
def test_verify_tls_false_allowed_for_loopback(write: Writer, host: str) -> None:
    text = ACCOUNT.replace("imap.clinic.example", host) + "verify_tls = false\n"
    assert load_config(write(text)).accounts[0].verify_tls is False


def test_is_loopback_host() -> None:
    assert is_loopback_host("[::1]")
    assert not is_loopback_host("example.org")
    assert not is_loopback_host("192.168.1.1")


# ------------------------------------------------------------------ the example file


def test_example_config_loads() -> None:
    config = load_config(EXAMPLE)
    assert [account.name for account in config.accounts] == [
        "appointments", "billing", "results", "referrals", "imaging"]
    assert all(account.credentials.configured for account in config.accounts
               if account.auth == "password")
    oauth = {a.name: a.oauth2 for a in config.accounts if a.oauth2 is not None}
    assert oauth["referrals"] is not None and oauth["referrals"].secret.configured
    assert oauth["imaging"] is not None and oauth["imaging"].scopes == ("https://mail.google.com/",)
    assert {member.role for member in config.staff} == {"agent", "supervisor", "admin"}
    assert config.clinic.timezone == "America/Chicago"


def test_packaged_example_is_identical_to_the_repository_copy() -> None:
    assert PACKAGED_EXAMPLE.read_bytes() == EXAMPLE.read_bytes()
    assert config_module.example_config_text() == EXAMPLE.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "section",
    [ClinicConfig, StoreConfig, SyncConfig, AccountConfig, CredentialSource, StaffMember, UiConfig,
     ServerConfig, OutboxConfig, SmsConfig, SmsNumber, ComposeConfig, CannedReply,
     OAuth2Config, AuditConfig, TriageConfig],
)
def test_example_explains_every_key(section: type) -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    for field in dataclasses.fields(section):
        if field.name in ("credentials", "secret"):
            continue
        line = re.search(rf"^(#? ?{field.name} = |\[\[?\w+\.{field.name}\]\]?$)", text, re.MULTILINE)
        assert line, f"{section.__name__}.{field.name} is not shown in config.example.toml"
        comment_above = text[: line.start()].rstrip("\n").rsplit("\n", 1)[-1]
        assert comment_above.startswith("#"), f"{field.name} has no comment above it"


@pytest.mark.parametrize("section", [ClinicConfig, StoreConfig, SyncConfig, AccountConfig, Config,
                                     ServerConfig, OutboxConfig, SmsConfig, ComposeConfig,
                                     AuditConfig])
def test_every_field_is_documented(section: type) -> None:
    source = Path(config_module.__file__).read_text(encoding="utf-8")
    for field in dataclasses.fields(section):
        assert re.search(rf"    {field.name}: .*\n    \"\"\"", source), field.name


# --------------------------------------------------------------------- which file


def test_cli_path_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CXINBOX_CONFIG", "/from/env.toml")
    assert resolve_config_path("/from/cli.toml") == Path("/from/cli.toml")


def test_env_var_is_used_without_cli_path(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CXINBOX_CONFIG", "~/clinic.toml")
    assert resolve_config_path(None) == Path.home() / "clinic.toml"


def test_platform_default_last(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("CXINBOX_CONFIG", "")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    path = resolve_config_path(None)
    assert path.parts[-2:] == ("cxinbox", "config.toml")


# -------------------------------------------------------------------- error shape


def test_config_error_is_one_line_even_for_odd_paths() -> None:
    error = ConfigError(Path("/tmp/a\nb.toml"), "bad\r\nthing", key="x")
    assert str(error) == "/tmp/a b.toml: x: bad thing"
    assert (error.key, error.problem) == ("x", "bad\r\nthing")


@settings(max_examples=200, deadline=None)
@given(
    key=st.sampled_from(["clinic.timezone", "clinic.name", "sync.batch_size", "ui.ascii"]),
    value=st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=40),
)
def test_any_string_value_loads_or_fails_in_one_line(
    tmp_path_factory: pytest.TempPathFactory, key: str, value: str
) -> None:
    table, name = key.split(".")
    path = tmp_path_factory.mktemp("cfg") / "config.toml"
    path.write_text(f"[{table}]\n{name} = {json.dumps(value, ensure_ascii=False)}\n", "utf-8")
    try:
        load_config(path)
    except ConfigError as exc:
        assert "\n" not in str(exc) and "\r" not in str(exc)


def test_importing_config_stays_light() -> None:
    code = (
        "import sys, cxinbox.config; "
        "print(sorted(m for m in ('textual', 'rich', 'platformdirs', 'keyring') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_config_is_frozen() -> None:
    config = default_config()
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.clinic = ClinicConfig()  # type: ignore[misc]
    assert isinstance(config, Config)
    assert os.fspath(config.source_path)


def test_clinic_country_code_defaults_to_the_sms_number(write: Writer) -> None:
    assert load_config(write('[clinic]\ntimezone = "UTC"\n')).phone_country == ""
    assert load_config(write('[clinic]\ncountry_code = "+44"\n')).phone_country == "44"
    assert load_config(write('[clinic]\ncountry_code = "1"\n')).clinic.country_code == "1"
    sms = ('[sms]\nbase_url = "https://sms.example"\naccount_sid = "AC1"\n'
           'password_env = "SMS_TOKEN"\n[[sms.numbers]]\nnumber = "+442079460000"\n')
    assert load_config(write(sms)).phone_country == "44"
    assert load_config(write('[clinic]\ncountry_code = "1"\n' + sms)).phone_country == "1"


@pytest.mark.parametrize("bad", ["4", "440", "US", "+", "0044", "١"])
def test_clinic_country_code_is_checked(write: Writer, bad: str) -> None:
    message = error_of(write(f'[clinic]\ncountry_code = "{bad}"\n'))
    assert "clinic.country_code" in message and 'such as "1" or "44"' in message
