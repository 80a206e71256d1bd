"""The clinic's canned replies, as configured: the `[[compose.canned]]` entries, then the
*.txt files in `compose.canned_dir` (a config entry wins a name clash; an unreadable or
oversized file is skipped, never fatal).

Read by the composer's list (service/replies.py) and by the red-flag send check
(service/redflags.py `canned_left`): a reply on a red-flagged conversation is refused when it
holds a canned reply's text, whether that text was handed out for this conversation,
rendered for another one and pasted, or copied from the files by hand.
"""

from __future__ import annotations

from typing import Final

from cxinbox.config import Config
from cxinbox.contract.reply_types import CannedView
from cxinbox.domain import compose
from cxinbox.domain.sanitize import clean_line, clean_text

MAX_CANNED_FILE_BYTES: Final = 64 * 1024


def canned_views(config: Config) -> list[CannedView]:
    """Canned replies from the config, then *.txt files in canned_dir."""
    out = [CannedView(clean_line(c.name), clean_line(c.subject), clean_text(c.body), "config")
           for c in config.compose.canned]
    names = {c.name for c in out}
    directory = config.compose.canned_dir
    if directory is not None and directory.is_dir():
        for path in sorted(directory.glob("*.txt")):
            name = clean_line(path.stem)
            if name in names:
                continue
            try:
                if path.stat().st_size > MAX_CANNED_FILE_BYTES:
                    continue
                text = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                continue
            subject, body = compose.parse_canned_file(text)
            names.add(name)
            out.append(CannedView(name, clean_line(subject), clean_text(body).strip("\n")
                                  + "\n", str(path)))
    return out
