"""[csat] in the config: defaults, the parsed values, and one clear error for bad ones."""

from __future__ import annotations

from pathlib import Path

import pytest

from cxinbox.config import ConfigError, load_config


def _load(tmp_path: Path, body: str) -> object:
    path = tmp_path / "config.toml"
    path.write_text(f'[store]\npath = "{tmp_path / "db.sqlite"}"\n\n[csat]\n{body}\n')
    return load_config(path).csat


def test_defaults_and_values(tmp_path: Path) -> None:
    csat = _load(tmp_path, "")
    assert not csat.enabled and csat.delay_minutes == 10 and csat.frequency_days == 30  # type: ignore[attr-defined]
    assert csat.excluded_tags == ("red-flag", "billing-dispute")  # type: ignore[attr-defined]
    assert csat.question("sms", "es").startswith("¿Cómo lo hicimos?")  # type: ignore[attr-defined]
    csat = _load(tmp_path, 'enabled = true\ndelay_minutes = 0\nexcluded_tags = ["Legal"]\n'
                           'default_language = "es"\nquestion_email_en = "Rate us 1-5"')
    assert csat.enabled and csat.delay_minutes == 0  # type: ignore[attr-defined]
    assert csat.excluded_tags == ("legal",)  # type: ignore[attr-defined]
    assert csat.question("email", "en") == "Rate us 1-5"  # type: ignore[attr-defined]
    assert _load(tmp_path, "excluded_tags = []").excluded_tags == ()  # type: ignore[attr-defined]


@pytest.mark.parametrize(("body", "words"), [
    ("delay_minutes = -1", "delay_minutes"),
    ('default_language = "fr"', "default_language"),
    ("frequency_days = 1000", "frequency_days"),
    ("enabled = 1", "enabled"),
    ('excluded_tags = "red-flag"', "excluded_tags"),
    ("asks = true", "asks"),
])
def test_bad_values_are_one_clear_error(tmp_path: Path, body: str, words: str) -> None:
    with pytest.raises(ConfigError, match=words):
        _load(tmp_path, body)


def test_the_example_shows_every_csat_key() -> None:
    import dataclasses
    import re

    from cxinbox.config import CsatConfig

    text = (Path(__file__).resolve().parent.parent / "config.example.toml").read_text()
    assert "# [csat]" in text
    for f in dataclasses.fields(CsatConfig):
        line = re.search(rf"^# {f.name} = ", text, re.MULTILINE)
        assert line, f"{f.name} is not in config.example.toml"
        assert text[: line.start()].rstrip("\n").rsplit("\n", 1)[-1].startswith("#")
