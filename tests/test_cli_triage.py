"""`cxinbox triage`: a raw message, plain text and JSON lines, with no config, server or
database; bad lines are named, never a traceback; the rest of the CLI stays light."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.support.clirun import cx_here
from tests.test_cli import assert_one_line_error

SRC = str(Path(__file__).resolve().parent.parent / "src")


def run(*args: str, home: Path, stdin: str | bytes = "", code: str | None = None,
        real: bool = False) -> subprocess.CompletedProcess[str]:
    """`cxinbox triage ...` with no config and a HOME of its own: in this process
    (tests/support/clirun.py), or in a child with `real` (its exit status and stderr as a
    script sees them) or `code` (what a fresh interpreter loads)."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("CXINBOX_", "XDG_", "_CXINBOX_"))}
    env.update(HOME=str(home), PYTHONPATH=SRC)
    if not real and code is None:
        return cx_here(*args, stdin=stdin, environ=env)
    argv = [sys.executable, "-c", code, *args] if code else [sys.executable, "-m", "cxinbox",
                                                             *args]
    data = stdin.encode() if isinstance(stdin, str) else stdin
    proc = subprocess.run(argv, capture_output=True, input=data, env=env, timeout=60,
                          check=False)
    return subprocess.CompletedProcess(proc.args, proc.returncode,
                                       proc.stdout.decode("utf-8", "replace"),
                                       proc.stderr.decode("utf-8", "replace"))


RAW = (b"From: Pat <pat@example.org>\r\nTo: front@clinic.example\r\nSubject: Re: bill\r\n"
       b"Content-Type: text/plain; charset=utf-8\r\n\r\n"
       b"Quick billing question, and my chest has been hurting since last night.\r\n\r\n"
       b"On Mon, Nov 2, 2026, Clinic <front@clinic.example> wrote:\r\n"
       b"> Did your dad's stroke affect your coverage?\r\n")


def test_a_raw_message_shows_the_flag_the_words_and_the_intent(tmp_path: Path) -> None:
    path = tmp_path / "m.eml"
    path.write_bytes(RAW)
    proc = run("triage", str(path), home=tmp_path, real=True)
    assert proc.returncode == 0, proc.stderr
    assert 'red flag: chest_pain  "chest has been hurting"' in proc.stdout
    assert "stroke" not in proc.stdout  # quoted history is not read
    assert "intent:   " in proc.stdout and "language: en" in proc.stdout
    from_stdin = run("triage", "-", home=tmp_path, stdin=RAW)
    assert (from_stdin.returncode, from_stdin.stdout) == (0, proc.stdout)


def test_plain_text_shows_every_finding_and_why(tmp_path: Path) -> None:
    proc = run("triage", "--text", "--channel", "sms", home=tmp_path,
               stdin="My dad had a stroke. Now I cant breath\x1b[31m")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert 'red flag: breathing  "cant breath"' in lines
    assert any("stroke" in line and "historical" in line and 'by "My dad had"' in line
               for line in lines), proc.stdout
    assert "\x1b" not in proc.stdout
    calm = run("triage", "--text", "-", home=tmp_path, stdin="Sin dolor de pecho, gracias")
    assert "red flag: none" in calm.stdout and "language: es" in calm.stdout
    assert any("negated" in line for line in calm.stdout.splitlines())


def test_jsonl_in_and_out_with_exactly_these_names(tmp_path: Path) -> None:
    lines = [
        {"channel": "sms", "subject": "", "body": "chest hurts rly bad"},
        {"channel": "email", "subject": "Factura", "body": "me va a dar un infarto con esta"
                                                           " factura"},
        {"body": "Can I get a refill of my inhaler?", "id": 7},
    ]
    proc = run("triage", "--jsonl", home=tmp_path,
               stdin="".join(json.dumps(x) + "\n" for x in lines))
    assert proc.returncode == 0, proc.stderr
    out = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [list(o) for o in out] == [["red_flag", "matched", "intent", "confidence"]] * 3
    assert out[0]["red_flag"] == "chest_pain" and out[0]["matched"] == "chest hurts"
    assert out[1]["red_flag"] is None and out[1]["intent"] == "billing_insurance"
    assert out[2]["intent"] == "prescription_refill"
    assert all(0.0 <= o["confidence"] <= 1.0 for o in out)
    path = tmp_path / "in.jsonl"
    path.write_text(json.dumps(lines[0]) + "\n", encoding="utf-8")
    assert run("triage", "--jsonl", str(path), home=tmp_path).stdout == \
        proc.stdout.splitlines(keepends=True)[0]


def test_a_bad_line_says_what_is_wrong_in_plain_words(tmp_path: Path) -> None:
    stdin = (b'{"body": "chest pain since this morning, "channel": "sms"}\n'
             b'{"body": "hi", "channel": "sms\n'
             b'{"body": 5}\n'
             b'{"body": null, "subject": "x"}\n'
             b'{"channel": "sms"}\n'
             b'{"body": "hi')  # the last line, cut short with no newline
    proc = run("triage", "--jsonl", "-", home=tmp_path, stdin=stdin)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    out = [json.loads(x)["error"] for x in proc.stdout.splitlines()]
    assert out == [
        "not JSON (Expecting ',' delimiter at column 43)",
        "not JSON (Invalid control character at column 31)",
        '"body" must be a string',
        '"body" is missing (the text to assess)',
        '"body" is missing (the text to assess)',
        "not JSON (Unterminated string starting at column 10)",
    ]
    assert "at at" not in proc.stderr and "chest" not in proc.stdout + proc.stderr


def test_bad_jsonl_lines_are_answered_in_place_and_named(tmp_path: Path) -> None:
    stdin = (b'{"body": "no puedo respirar", "channel": "sms"}\n'
             b"\n"
             b"not json chest pain\n"
             b"[1, 2]\n"
             b'{"subject": "x"}\n'
             b'{"body": "hi", "channel": "fax"}\n'
             b'{"body": "\xff\xfe"}\n'
             + b"[" * 100_000 + b"\n"
             + b'{"body": "I want to end my life"}\n')
    proc = run("triage", "--jsonl", "-", home=tmp_path, stdin=stdin)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    out = [json.loads(x) for x in proc.stdout.splitlines()]
    # one answer per input line, in order: line N of the output answers line N
    assert len(out) == len(stdin.splitlines()) == 9
    assert out[0]["red_flag"] == "breathing" and out[8]["red_flag"] == "suicide_self_harm"
    assert out[1] == {"error": "blank line"}
    assert [list(o) for o in out[2:6] + out[7:8]] == [["error"]] * 5
    assert out[2]["error"].startswith("not JSON") and "chest" not in proc.stdout
    assert out[3]["error"] == "not a JSON object"
    assert out[4]["error"] == '"body" is missing (the text to assess)'
    assert out[5]["error"] == '"channel" must be "email" or "sms"'
    # bytes that are not UTF-8 are read as windows-1252 and the line is still assessed
    assert list(out[6]) == ["red_flag", "matched", "intent", "confidence"]
    assert out[7]["error"] == "not JSON (nested too deeply)"
    errors = proc.stderr.splitlines()
    assert [e.split(":")[1].strip() for e in errors[:-1]] == \
        ["line 3", "line 4", "line 5", "line 6", "line 7", "line 8"]
    assert errors[4] == "cxinbox: line 7: not UTF-8: read as windows-1252; assessed as read"
    assert errors[-1] == ('cxinbox: 5 line(s) not assessed (answered with an error);'
                          ' 1 blank line(s) answered {"error": "blank line"};'
                          ' 1 line(s) not UTF-8, assessed with the bytes read as windows-1252')


def test_one_stray_byte_does_not_hide_a_red_flag(tmp_path: Path) -> None:
    """A line with a byte that is not UTF-8 (Latin-1 from an old export) is read as a mail
    body without a charset is, the stray byte as windows-1252: "niño" stays one word (read
    as U+FFFD it split into "ni", a negation, and "o", which hid the chest pain after it),
    and the line is named (exit 1)."""
    stdin = ('{"body": "Ma\xf1ana: I have crushing chest pain right now", "channel": "sms"}\n'
             '{"body": "Mi ni\xf1o tiene dolor de pecho muy fuerte ahora", "channel": "sms"}\n'
             '{"body": "ni\xf1o con chest pain now", "channel": "sms"}\n'
             .encode("latin-1") + b'{"body": "Thanks, see you Monday"}\n')
    proc = run("triage", "--jsonl", "-", home=tmp_path, stdin=stdin)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    out = [json.loads(x) for x in proc.stdout.splitlines()]
    assert out[0]["red_flag"] == "chest_pain" and "chest" in out[0]["matched"]
    assert out[1]["red_flag"] == "chest_pain" and "pecho" in out[1]["matched"]
    assert out[2]["red_flag"] == "chest_pain"
    assert out[3]["red_flag"] is None and out[3]["intent"] == "other"
    assert proc.stderr.splitlines() == [
        f"cxinbox: line {n}: not UTF-8: read as windows-1252; assessed as read"
        for n in (1, 2, 3)] + [
        "cxinbox: 3 line(s) not UTF-8, assessed with the bytes read as windows-1252"]


def test_jsonl_of_only_good_and_blank_lines_exits_0(tmp_path: Path) -> None:
    proc = run("triage", "--jsonl", home=tmp_path,
               stdin='{"body": "hi"}\n\n{"body": "x", "subject": null, "channel": null}\n')
    assert proc.returncode == 0, proc.stderr
    out = [json.loads(x) for x in proc.stdout.splitlines()]
    assert len(out) == 3 and out[1] == {"error": "blank line"} and "intent" in out[2]
    assert proc.stderr == 'cxinbox: 1 blank line(s) answered {"error": "blank line"}\n'


def test_a_message_with_nothing_new_says_so(tmp_path: Path) -> None:
    quoted = tmp_path / "quoted.eml"
    quoted.write_bytes(RAW.split(b"\r\n\r\n")[0] + b"\r\n\r\n> old chest pain\r\n")
    proc = run("triage", str(quoted), home=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "new text: 0 word(s)" in proc.stdout and "red flag: none" in proc.stdout
    assert "nothing new to read" in proc.stderr


def test_usage_errors_are_one_line(tmp_path: Path) -> None:
    missing = run("triage", str(tmp_path / "none.eml"), home=tmp_path, real=True)
    line = assert_one_line_error(missing, 2)
    assert line.startswith("cxinbox: no such file (the argument is") and "none.eml" not in line
    # words given where FILE goes (a patient's, as a natural first guess): never echoed,
    # in full or in part, and the line says how to give words
    said = "Tengo un dolor de pecho muy fuerte desde anoche y me cuesta respirar"
    words = run("triage", "--text", said, home=tmp_path, real=True)
    line = assert_one_line_error(words, 2)
    assert f"the argument is {len(said)} characters" in line, line
    assert "cxinbox triage --text - <<< 'TEXT'" in line and words.stdout == ""
    assert not {w for w in said.split() if len(w) > 3} & set(line.replace("(", " ").split())
    assert "pecho" not in words.stderr and "Tengo" not in words.stderr
    # a path that exists but cannot be read is named: it is no one's words
    unreadable = run("triage", str(tmp_path), home=tmp_path)
    line = assert_one_line_error(unreadable, 2)
    assert line.startswith(f"cxinbox: cannot read {str(tmp_path)[:40]}"), line
    both = run("triage", "--jsonl", "--text", home=tmp_path)
    assert "--jsonl" in assert_one_line_error(both, 2)
    channel = run("triage", "--text", "--channel", "fax", home=tmp_path)
    assert "email or sms" in assert_one_line_error(channel, 2)


MODULES_AFTER = ("import json, sys\nfrom cxinbox.cli import main\n"
                 "try:\n    main(sys.argv[1:])\nexcept SystemExit:\n    pass\n"
                 "print(json.dumps(sorted(sys.modules)), file=sys.stderr)\n")


def test_triage_is_light_and_the_rest_of_the_cli_never_loads_it(tmp_path: Path) -> None:
    proc = run("triage", "--jsonl", home=tmp_path, code=MODULES_AFTER,
               stdin='{"body": "hi"}\n')
    modules = set(json.loads(proc.stderr.splitlines()[-1]))
    heavy = {m for m in modules if m.split(".")[0] in ("textual", "sqlite3", "httpx", "asyncio")
             or m.startswith(("cxinbox.service", "cxinbox.store", "cxinbox.channels",
                              "cxinbox.tui", "cxinbox.api"))}
    assert heavy == set(), sorted(heavy)
    assert "cxinbox.domain.triage" in modules
    other = run("list", "--help", home=tmp_path, code=MODULES_AFTER)
    loaded = set(json.loads(other.stderr.splitlines()[-1]))
    assert not {m for m in loaded if m.startswith(("cxinbox.domain.triage",
                                                   "cxinbox.domain.redflag",
                                                   "cxinbox.domain.intent"))}


def test_subject_or_channel_without_text_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "m.eml"
    path.write_bytes(RAW)
    subject = run("triage", "--subject", "chest pain", str(path), home=tmp_path, real=True)
    assert "--subject goes with --text" in assert_one_line_error(subject, 2)
    assert subject.stdout == ""
    channel = run("triage", "--channel", "sms", str(path), home=tmp_path)
    assert "--channel goes with --text" in assert_one_line_error(channel, 2)


def test_a_file_that_is_no_message_and_no_text_is_refused(tmp_path: Path) -> None:
    program = run("triage", sys.executable, home=tmp_path, real=True)
    line = assert_one_line_error(program, 1)
    assert "is not text (it has NUL bytes" in line and program.stdout == ""
    assert "plain text with --text" in line  # the way out, for a FILE without --text
    as_text = run("triage", "--text", sys.executable, home=tmp_path)
    line = assert_one_line_error(as_text, 1)
    # --text was given: the hint must not offer it again
    assert "is not text" in line and "with --text" not in line and "UTF-8" in line, line
    # --jsonl on a program: one refusal, before any answer line (not one error per line)
    lines = run("triage", "--jsonl", sys.executable, home=tmp_path, real=True)
    line = assert_one_line_error(lines, 1)
    assert line == (f"cxinbox: not text: {sys.executable} looks binary (it has NUL bytes: a"
                    " program, an image or an archive?); --jsonl reads one JSON object per"
                    " line"), line
    assert lines.stdout == ""
    piped = run("triage", "--jsonl", "-", home=tmp_path,
                stdin=Path(sys.executable).read_bytes()[:200_000])
    assert "not text: standard input looks binary" in assert_one_line_error(piped, 1)
    assert piped.stdout == ""
    latin = run("triage", "-", home=tmp_path, stdin="caf\xe9 au lait".encode("latin-1"))
    assert "not a mail message (no header block) and not UTF-8" in \
        assert_one_line_error(latin, 1)
    # the same bytes as text, and a UTF-8 body without headers, are still read
    assert run("triage", "--text", "-", home=tmp_path,
               stdin="caf\xe9 au lait".encode("latin-1")).returncode == 0
    body = run("triage", "-", home=tmp_path, stdin="my chest hurts since last night")
    assert body.returncode == 0 and "red flag: chest_pain" in body.stdout
    mbox = run("triage", "-", home=tmp_path, stdin=b"From pat@example.org Mon Nov  2 10:00:00"
               b" 2026\n" + RAW.replace(b"\r\n", b"\n"))
    assert mbox.returncode == 0, mbox.stderr


def test_the_evidence_says_what_decided_the_intent(tmp_path: Path) -> None:
    both = run("triage", "--text", "-", home=tmp_path,
               stdin="I have had chest pain since this morning and also my bill from last"
                     " month looks wrong, I was charged twice for the visit")
    lines = both.stdout.splitlines()
    assert "intent:   billing_insurance (0.77)" in lines, both.stdout
    decided = lines.index("intent:   billing_insurance (0.77)") + 1
    assert lines[decided].startswith("  decided by: the rules: a request"
                                     " (billing_insurance) comes before higher scores")
    assert lines[decided + 1].startswith("  evidence: clinical_question 6, billing_insurance")
    # the model overrules the rules' scores below it: our own spam sentence (its body in
    # tests/triage_devset.py), which the rules read as a bill. Round 37's intent model: the
    # sentence this test used until then, "need to see dr soon", is a booking by the
    # labelling guide, which round 28's model overruled as a change at p=0.44 and the
    # retrained one leaves to the rules (asserted below)
    overruled = run("triage", "--text", "-", home=tmp_path,
                    stdin="Claim your $500 gift card now")
    lines = overruled.stdout.splitlines()
    assert "  decided by: the statistical model (spam_marketing at p=0.95), over" \
        " the rules' scores below" in lines, overruled.stdout
    assert "  evidence: billing_insurance 5, spam_marketing 3.5" in lines, overruled.stdout
    kept = run("triage", "--text", "-", home=tmp_path, stdin="need to see dr soon")
    lines = kept.stdout.splitlines()
    assert "intent:   appointment_book (0.84)" in lines, kept.stdout
    assert "  decided by: the rules' highest score (no request found); the model did not" \
        " overrule them" in lines, kept.stdout
