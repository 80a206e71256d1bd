"""`cxinbox triage`: what the red-flag and intent detectors make of a message, without a
config, a server or a database (nothing is stored, audited or touched).

For admins tuning rules ("why did this one go to billing?") and for scripts that want the
detectors on a file of messages. The detectors are imported inside the command, so the
rest of the CLI never pays for compiling their lexicons.

`--jsonl` reads one JSON object per line and writes exactly one per line, in order, so
output line N always answers input line N. A line that is not a JSON object with a string
"body" (and, if given, a string "subject" and a "channel" of "email" or "sms") is answered
with {"error": REASON} (the reason names what is wrong, never the line's text), one line
on stderr names its number and the reason, the rest are still assessed, and the exit code
is 1 at the end. A blank line is answered {"error": "blank line"} and does not change the
exit code (the closing stderr line counts them apart). A "subject" or "channel" of null
counts as absent. Other keys in an input object are allowed and ignored.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, BinaryIO, Final

import typer

from cxinbox.domain.sanitize import clean_line

if TYPE_CHECKING:
    from cxinbox.domain.triage import Detail

EXIT_BAD_INPUT = 1
EXIT_USAGE = 2
CHANNELS = ("email", "sms")


class _BadLine(Exception):
    """Why one --jsonl line could not be assessed (no text of the line in it)."""


def _fail(message: str, code: int) -> None:
    typer.echo(f"cxinbox: {message}", err=True)
    raise typer.Exit(code)


def register(app: typer.Typer) -> None:
    @app.command()
    def triage(
        source: Annotated[str, typer.Argument(
            metavar="FILE|-", help="A raw message (RFC 5322), or with --text plain text;"
                                   " with --jsonl, JSON lines. '-' is standard input.")] = "-",
        text: Annotated[bool, typer.Option(
            "--text", help="FILE is the message's plain text, not a raw message.")] = False,
        subject: Annotated[str, typer.Option(
            "--subject", metavar="TEXT", help="The subject, with --text.")] = "",
        channel: Annotated[str, typer.Option(
            "--channel", metavar="email|sms", help="The channel, with --text.")] = "email",
        jsonl: Annotated[bool, typer.Option(
            "--jsonl", help='One {"channel", "subject", "body"} object per line in, one'
                            ' {"red_flag", "matched", "intent", "confidence"} per line'
                            ' out; bad lines are answered with an error and named on'
                            ' stderr (exit 1).')]
        = False,
    ) -> None:
        """Show what the red-flag and intent detectors find in a message (stores nothing).

        \b
        cxinbox triage message.eml
        cxinbox triage --text - <<< "chest hurts rly bad"
        cxinbox triage --jsonl messages.jsonl > found.jsonl
        """
        if channel not in CHANNELS:
            _fail(f"--channel must be email or sms, not '{clean_line(channel, 20)}'",
                  EXIT_USAGE)
        if jsonl and (text or subject or channel != "email"):
            _fail("--jsonl takes the subject and channel from each line; drop --text,"
                  " --subject and --channel", EXIT_USAGE)
        if not jsonl and not text and (subject or channel != "email"):
            given = "--subject" if subject else "--channel"
            _fail(f"{given} goes with --text (a raw message brings its own subject and is"
                  " an email): add --text, or drop it", EXIT_USAGE)
        if jsonl:
            with _opened(source) as stream:
                if b"\0" in _peek(stream):  # before any answer: none could be right
                    _fail(f"not text: {_named(source)} looks binary (it has NUL bytes: a"
                          " program, an image or an archive?); --jsonl reads one JSON"
                          " object per line", EXIT_BAD_INPUT)
                bad, blank, repaired = _triage_lines(stream)
            notes = [f'{blank} blank line(s) answered {{"error": "blank line"}}'] if blank \
                else []
            if repaired:
                notes.append(f"{repaired} line(s) not UTF-8, assessed with the bytes read"
                             " as windows-1252")
            if bad or repaired:
                head = [f"{bad} line(s) not assessed (answered with an error)"] if bad else []
                _fail("; ".join(head + notes), EXIT_BAD_INPUT)
            if notes:
                sys.stderr.write(f"cxinbox: {'; '.join(notes)}\n")
            return
        with _opened(source) as stream:
            data = stream.read()
        from cxinbox.domain.triage import inspect, inspect_message

        refused = _not_readable(data, text=text)
        if refused:
            _fail(f"{_named(source)} {refused}", EXIT_BAD_INPUT)
        if text:
            detail = inspect(data.decode("utf-8", "replace"), subject=subject,
                             channel=channel)
        else:
            detail = inspect_message(data)
        _print_detail(detail)


_HEADER_LINE: Final = re.compile(rb"(?:From |[!-9;-~]+:)")
"""How a raw message begins: a header field's name and colon (RFC 5322 2.2), or an mbox
"From " line."""
SNIFF: Final = 64 * 1024


def _not_readable(data: bytes, *, text: bool) -> str:
    """Why `data` cannot be what the command reads ("" when it can): a file with NUL
    bytes is no message and no text (a program, an image, an archive); a raw message
    begins with its header block, or else it must at least be UTF-8 text (a body
    without headers is read as one)."""
    head = data[:SNIFF]
    if b"\0" in head:
        return ("is not text (it has NUL bytes: a program, an image or an archive?); "
                + ("--text reads UTF-8 plain text (text saved as UTF-16 has NUL bytes"
                   " too: save it as UTF-8)" if text else
                   "give a raw message (RFC 5322), or plain text with --text"))
    if text or not data.strip() or _HEADER_LINE.match(data.lstrip(b"\r\n")):
        return ""
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 3:  # not merely a character cut at the sniff's end
            return ("is not a mail message (no header block) and not UTF-8 text; for"
                    " text in another encoding, give it with --text")
    return ""


def _named(source: str) -> str:
    """How a message names the input: only once it opened, so an existing path."""
    return "standard input" if source == "-" else clean_line(source, max_len=60)


def _peek(stream: BinaryIO) -> bytes:
    """The start of `stream`, left to be read: what one read brings (up to SNIFF), not
    waiting for more, so a script that writes a line and waits for its answer is
    answered."""
    peek = getattr(stream, "peek", None)
    if peek is not None:
        return bytes(peek(SNIFF)[:SNIFF])
    if stream.seekable():  # a stream in memory, as a caller in this process may give
        where = stream.tell()
        head = stream.read(SNIFF)
        stream.seek(where)
        return head
    return b""


class _opened:
    """FILE or standard input as a binary stream; a missing file is one line, exit 2."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.stream: BinaryIO | None = None

    def __enter__(self) -> BinaryIO:
        if self.source == "-":
            return sys.stdin.buffer
        path = Path(self.source)
        try:
            self.stream = path.open("rb")
        except OSError as exc:
            if not _exists(path):
                # Never echoed: `--text "chest hurts"` is the likely slip, and the words
                # would reach a script's log. FILE names a file; words go on stdin.
                _fail(f"no such file (the argument is {len(self.source)} characters); to"
                      " assess text, give it on standard input:"
                      " cxinbox triage --text - <<< 'TEXT'", EXIT_USAGE)
            _fail(f"cannot read {clean_line(self.source, max_len=60)}:"
                  f" {exc.strerror or exc}", EXIT_USAGE)
        assert self.stream is not None
        return self.stream

    def __exit__(self, *exc: object) -> None:
        if self.stream is not None:
            self.stream.close()


def _exists(path: Path) -> bool:
    """Whether `path` names something (a directory, a file it may not read), so that its
    name may be shown; an argument too long to be a name is none."""
    try:
        return path.exists()
    except (OSError, ValueError):
        return False


def _triage_lines(stream: BinaryIO) -> tuple[int, int, int]:
    """Assess each JSON line, one output line per input line; returns the numbers of bad
    lines and of blank lines (both answered with {"error": ...}), and of lines assessed
    with bytes that were not UTF-8, read as windows-1252 as a mail body without a charset
    is (each named on stderr): a Latin-1 "niño" from an old export is "niño", not "ni"
    (a negation) and "o", and must not keep "chest pain" beside it from being read."""
    from cxinbox.domain.triage import assess

    bad = blank = repaired = 0
    out = sys.stdout
    for number, raw in enumerate(stream, start=1):
        if not raw.strip():
            blank += 1
            out.write(json.dumps({"error": "blank line"}) + "\n")
            continue
        try:
            body, subject, channel, replaced = _parse_line(raw)
        except _BadLine as exc:
            bad += 1
            out.write(json.dumps({"error": str(exc)}) + "\n")
            sys.stderr.write(f"cxinbox: line {number}: {exc}\n")
            continue
        if replaced:
            repaired += 1
            sys.stderr.write(f"cxinbox: line {number}: not UTF-8: read as {replaced};"
                             " assessed as read\n")
        found = assess(body, subject=subject, channel=channel)
        out.write(json.dumps({"red_flag": found.red_flag, "matched": found.matched,
                              "intent": found.intent, "confidence": found.confidence},
                             ensure_ascii=False) + "\n")
    out.flush()
    return bad, blank, repaired


def _decoded(raw: bytes) -> tuple[str, str | None]:
    """The line as text, and how it was read when it was not UTF-8 (as a mail body
    without a charset is: domain/mime.py `decode_undeclared`)."""
    from cxinbox.domain.mime import decode_undeclared

    return decode_undeclared(raw)


def _parse_line(raw: bytes) -> tuple[str, str, str, str | None]:
    text, replaced = _decoded(raw)
    try:
        item = json.loads(text)
    except json.JSONDecodeError as exc:
        # "Unterminated string starting at" already ends with the "at" the column needs
        where = "column" if exc.msg.endswith(" at") else "at column"
        raise _BadLine(f"not JSON ({exc.msg} {where} {exc.colno})") from None
    except RecursionError:
        raise _BadLine("not JSON (nested too deeply)") from None
    if not isinstance(item, dict):
        raise _BadLine("not a JSON object")
    if "body" not in item or item["body"] is None:
        raise _BadLine('"body" is missing (the text to assess)')
    body = item["body"]
    if not isinstance(body, str):
        raise _BadLine('"body" must be a string')
    subject = item.get("subject") or ""
    if not isinstance(subject, str):
        raise _BadLine('"subject" must be a string')
    channel = item.get("channel") or "email"
    if channel not in CHANNELS:
        raise _BadLine('"channel" must be "email" or "sms"')
    return body, subject, channel, replaced


def _print_detail(detail: Detail) -> None:
    found = detail.assessment
    words = len(detail.new_text.split())
    typer.echo(f"new text: {words} word(s) (quoted history, signature and footers left out)")
    if not words:
        typer.echo("note:     nothing new to read (an empty body, or only quoted history,"
                   " a signature or footers): no red flag can be found in it", err=True)
    typer.echo(f"language: {found.language}")
    if detail.bulk:
        typer.echo("mailing:  yes (newsletter or marketing; never a red flag)")
    if found.red_flag:
        typer.echo(f'red flag: {found.red_flag}  "{clean_line(found.matched, 80)}"')
    else:
        typer.echo("red flag: none")
    for f in detail.findings:
        why = f' (by "{clean_line(f.modifier, 40)}")' if f.modifier else ""
        typer.echo(f'  {f.category:<20} {f.status:<12} "{clean_line(f.matched, 50)}"{why}')
    typer.echo(f"intent:   {found.intent} ({found.confidence:.2f})")
    ranked = sorted(detail.intent_scores.items(), key=lambda kv: -kv[1])
    scores = ", ".join(f"{name} {score:g}" for name, score in ranked)
    # The rules' scores alone can read as a contradiction of the intent above (a bill
    # beside a higher-scoring symptom): say what decided first.
    typer.echo(f"  decided by: {_decided(detail)}")
    if ranked:
        typer.echo(f"  evidence: {scores}")


def _decided(detail: Detail) -> str:
    name = detail.assessment.intent
    if detail.decided_by == "model" and detail.model_took is not None:
        return (f"the statistical model ({name} at p={detail.model_took:.2f}), over the"
                " rules' scores below")
    return {
        "concrete": f"the rules: a request ({name}) comes before higher scores of talk"
                    " that asks for nothing; the model did not overrule them",
        "fallback": "the rules' highest score (no request found); the model did not"
                    " overrule them",
        "mailing": "the rules: a mailing (newsletter or marketing)",
        "none": "nothing the rules or the model recognise",
    }.get(detail.decided_by, "the rules")
