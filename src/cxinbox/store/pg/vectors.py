"""What the server says about its search vectors, so that a cxinbox server can make them
(domain/searchvector.py) and PostgreSQL only stores them.

`word_map` asks the server once how `cxinbox_words` maps each candidate character, then
makes a few texts' vectors both ways (here and by `cxinbox_message_search`) and keeps the
map only if every one agrees: a server whose parser, limits or rules differ from what
domain/searchvector.py models makes every vector itself, as before.
"""

from __future__ import annotations

import logging
from typing import Final

from cxinbox.domain.searchvector import WordMap, candidates
from cxinbox.store.pg.conn import PgConnection

log = logging.getLogger(__name__)

_PROBE: Final = ("SELECT c, cxinbox_words('x' || c || 'x')"
                 " FROM unnest(?::text[]) WITH ORDINALITY AS t (c, n) ORDER BY n")
_BOTH: Final = ("SELECT cxinbox_message_search(s, f, b)::text"
                " FROM unnest(?::text[], ?::text[], ?::text[]) WITH ORDINALITY AS t (s, f, b, n)"
                " ORDER BY n")


def word_map(conn: PgConnection) -> WordMap | None:
    """The server's mapping of the candidate characters, checked; None if it could not be
    had or the check found a difference (logged, with no text of any message)."""
    try:
        words = WordMap.from_probe(
            (str(c), str(w)) for c, w in conn.execute(_PROBE, (candidates(),)).fetchall())
        texts = check_texts(words)
        theirs = [str(r[0]) for r in conn.execute(
            _BOTH, ([t[0] for t in texts], [t[1] for t in texts], [t[2] for t in texts]))]
    except Exception as exc:  # noqa: BLE001 - the server keeps making the vectors
        log.warning("search vectors stay the database's to make: the server's word"
                    " mapping could not be read (%s)", type(exc).__name__)
        return None
    mine = [words.vector(*t) for t in texts]
    # A text with a character the server does not fold to ASCII is not made here (None):
    # nothing to compare.
    differ = sum(1 for a, b in zip(mine, theirs, strict=True) if a is not None and a != b)
    if differ:
        log.warning("search vectors stay the database's to make: %d of %d checked texts"
                    " differ from this server's", differ, len(texts))
        return None
    log.info("search vectors made by this server for text in %d known characters",
             words.known())
    return words


def check_texts(words: WordMap) -> list[tuple[str, str, str]]:
    """Texts over every known character and the parser's and to_tsvector's edges: the
    scientific notation's cut, the longest token kept, a lexeme's 255 and 256 positions,
    positions past 16383."""
    known = [c for c in candidates() if words.words(c) is not None]
    mixed = "".join(f"{c}a{c}1{c} " for c in known)
    numbers = "1e5x 12e34e56 x5e5y 0x1f 007 1e 1e5 9e9e9e9 1e1x1e1 3e8fa0 2e5"
    long_words = f"{'k' * 2046} {'q' * 2047} {'7' * 2047} {'8' * 2046} tail"
    many = "w " * 300
    return [
        ("Ré: ½ © café", "Zoë Ångström zoe@example.org", mixed),
        (numbers, "", numbers + " " + long_words),
        (many, many, many + "end"),
        ("", "", "v " * 17000 + "w " * 300 + " 1e5x"),
        ("s " * 16390, "s t", "s t u"),
    ]
