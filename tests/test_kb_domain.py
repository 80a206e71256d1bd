"""The article file format, its checks, and the text that goes to a patient (pure)."""

from __future__ import annotations

from pathlib import Path

import pytest

from cxinbox.domain.kb import (
    ArticleText,
    KbFormatError,
    changed_fields,
    fold,
    insertion_text,
    parse_file,
    plain_text,
    render_file,
    search_words,
    slug_from_title,
)

GOOD = """---
title: Parking and directions
tags: Parking, directions, parking
audience: patient
link: https://clinic.example/parking
---
# Getting here

Free **parking** behind the building.
"""


def test_a_file_parses_with_its_defaults() -> None:
    article = parse_file(GOOD, "parking")
    assert article == ArticleText(
        slug="parking", title="Parking and directions", tags=("parking", "directions"),
        audience="patient-facing", link="https://clinic.example/parking",
        body="# Getting here\n\nFree **parking** behind the building.\n")
    assert parse_file(render_file(article), "other") == article


@pytest.mark.parametrize(("text", "line", "words"), [
    ("title: x\n", 1, "front-matter header starting with '---'"),
    ("---\ntitle: x\naudience: staff-only\n", 4, "no closing '---'"),
    ("---\ntitle: x\nowner: me\n---\nbody\n", 3, "unknown key 'owner'"),
    ("---\ntitle x\n---\nbody\n", 2, "expected 'key: value'"),
    ("---\ntitle: x\ntitle: y\n---\nbody\n", 3, "title given twice"),
    ("---\naudience: staff-only\n---\nbody\n", 3, "missing 'title:'"),
    ("---\ntitle: x\n---\nbody\n", 3, "missing 'audience:"),
    ("---\ntitle: x\naudience: everyone\n---\nbody\n", 3, "audience must be"),
    ("---\ntitle: x\naudience: staff-only\nlink: javascript:alert(1)\n---\nb\n", 4, "link"),
    ("---\ntitle: x\naudience: staff-only\ntags: two words\n---\nb\n", 4, "tag"),
    ("---\ntitle: x\naudience: staff-only\nslug: Bad Slug\n---\nb\n", 4, "slug"),
    ("---\ntitle: x\naudience: staff-only\n---\n\n  \n", 5, "the body is empty"),
    ("---\ntitle:  \naudience: staff-only\n---\nb\n", 2, "the title is empty"),
])
def test_each_mistake_names_its_line(text: str, line: int, words: str) -> None:
    with pytest.raises(KbFormatError) as caught:
        parse_file(text, "ok")
    assert caught.value.line == line and words in str(caught.value)
    assert "\n" not in str(caught.value)


def test_a_file_name_that_is_no_slug_asks_for_one() -> None:
    with pytest.raises(KbFormatError, match="give 'slug:'"):
        parse_file("---\ntitle: x\naudience: staff-only\n---\nb\n", "Bad Name")


def test_escapes_in_a_file_are_removed() -> None:
    article = parse_file("---\ntitle: Park\x1b]52;c;QQ==\x07ing\naudience: staff-only\n---\n"
                         "a\x1b[2Jb \u202eevil\n", "p")
    assert article.title == "Parking" and article.body == "ab evil\n"


def test_plain_text_for_a_patient() -> None:
    md = ("## Before your test\n\nDo **not** eat for _8 hours_. See [our page](https://c.example)"
          " or [https://c.example](https://c.example).\n\n* water is fine\n+ bring `ID`\n\n\n\n"
          "```\ncode\n```\n")
    assert plain_text(md) == ("Before your test\n\nDo not eat for _8 hours_. See our page"
                              " (https://c.example) or https://c.example.\n\n- water is fine\n"
                              "- bring ID\n\ncode")
    assert insertion_text("Parking", "Behind us.", "https://p.example", "text") == (
        "Behind us.\n\nhttps://p.example")
    assert insertion_text("Parking", "See https://p.example", "https://p.example",
                          "text") == "See https://p.example"
    assert insertion_text("Parking", "x", "https://p.example", "link") == (
        "Parking: https://p.example")


def test_search_words_phrases_and_folding() -> None:
    assert search_words('park "calle mayor"  NEAR( "" x"') == [
        ("park", False), ("calle mayor", True), ("NEAR(", False), ("x\"", False)]
    assert fold("Sábado ÁNALISIS niño") == "sabado analisis nino"
    assert slug_from_title("Análisis de sangre: ¿ayuno?") == "analisis-de-sangre-ayuno"
    assert slug_from_title("???") == "article"


def test_changed_fields() -> None:
    a = parse_file(GOOD, "parking")
    assert changed_fields(None, a) == ("title", "tags", "audience", "body", "link")
    b = ArticleText(a.slug, a.title, ("parking",), a.audience, a.body, "")
    assert changed_fields(a, b) == ("tags", "link")


def test_the_example_config_explains_kb() -> None:
    from tests.test_config import test_example_explains_every_key

    from cxinbox.config import KbConfig, load_config_text

    test_example_explains_every_key(KbConfig)
    text = "[kb]\n" + "\n".join(line.removeprefix("# ") for line in (
        '# folder = "/etc/cxinbox/kb"', '# editors = ["supervisor", "admin"]'))
    assert load_config_text(text).kb == KbConfig(folder=Path("/etc/cxinbox/kb"),
                                                 editors=("supervisor", "admin"))
