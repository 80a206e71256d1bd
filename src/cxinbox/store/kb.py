"""The knowledge base's SQL: articles, their revisions, and ranked full-text search.

Search uses FTS5 as mail search does (store/query_sql.py): every word the person typed is
a quoted string, so nothing they type is query syntax, and a bare word is a prefix ("park"
finds "parking"). Matches are ranked by bm25 with the title weighing most, then tags, then
the body, so the article *about* parking comes before one that mentions it.

On PostgreSQL the same search runs on `kb_articles.search`, a generated `tsvector` (GIN,
store/pg/schema.py) of the same words FTS5 cuts (`cxinbox_words`: runs of letters and
digits, accents folded, any case), weighted title A, tags B, body D. The typed words
become one `tsquery` as mail search makes it (`cxinbox_search`: a bare word a prefix, a
phrase's words in a row), the title group is the articles whose title-weighted words
alone match, and `ts_rank` with the weights 10 : 5 : 1 orders each group. The snippet is
cut here from the body as FTS5 cuts its own (`_snippet`).
"""

from __future__ import annotations

import functools
import re
import sqlite3
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from cxinbox.domain.kb import fold
from cxinbox.store import records
from cxinbox.store.dialect import dialect_of, inserted_id

if TYPE_CHECKING:
    from cxinbox.store.records import (
        KbArticleRecord,
        KbHitRecord,
        KbRevisionRecord,
    )

_ARTICLE_COLUMNS = ("id, slug, title, tags, audience, body, link, source, revision,"
                    " created_at, updated_at, updated_by, retired")
_WEIGHTS = "10.0, 5.0, 1.0"
"""bm25 weights of title, tags and body."""
SNIPPET_TOKENS = 14


def _article(row: tuple[Any, ...]) -> KbArticleRecord:
    (id_, slug, title, tags, audience, body, link, source, revision, created, updated,
     by, retired) = row
    return records.KbArticleRecord(int(id_), str(slug), str(title), str(tags), str(audience),
                           str(body), str(link), str(source), int(revision),
                           int(created), int(updated), str(by), bool(retired))


def article(conn: sqlite3.Connection, slug: str) -> KbArticleRecord | None:
    row = conn.execute(f"SELECT {_ARTICLE_COLUMNS} FROM kb_articles WHERE slug = ?",
                       (slug,)).fetchone()
    return None if row is None else _article(row)


def articles(conn: sqlite3.Connection, *, retired: bool = False) -> list[KbArticleRecord]:
    """Every live article by title (and the retired ones too when `retired`)."""
    where = "" if retired else " WHERE retired = 0"
    title = dialect_of(conn).nocase("title")
    return [_article(r) for r in conn.execute(
        f"SELECT {_ARTICLE_COLUMNS} FROM kb_articles{where} ORDER BY {title}, slug")]


def fts_expression(words: Sequence[tuple[str, bool]]) -> str:
    """The typed words as one FTS5 query: each quoted (a bare word as a prefix), ANDed."""
    parts = []
    for word, phrase in words:
        quoted = '"' + word.replace("\x00", " ").replace('"', '""') + '"'
        parts.append(quoted if phrase else quoted + "*")
    return " AND ".join(parts)


def _ranked(conn: sqlite3.Connection, expression: str, limit: int) -> list[int]:
    return [int(r[0]) for r in conn.execute(
        f"SELECT rowid FROM kb_fts WHERE kb_fts MATCH ? ORDER BY bm25(kb_fts, {_WEIGHTS})"
        " LIMIT ?", (expression, limit))]


def search(conn: sqlite3.Connection, words: Sequence[tuple[str, bool]],
           limit: int) -> list[KbHitRecord]:
    """Live articles matching every word, with a snippet of the body: those whose title
    matches every word first, then the rest, each group by bm25.

    Small reads rather than one statement: the index alone ranks the title matches and
    then all matches (retired articles are not in it, so no article row is read to rank),
    and only the `limit` kept are read whole with their snippet, each by its rowid. In one statement SQLite read
    every matching article and made a snippet for each before it sorted: a two-letter
    prefix matched all 2,000 generated articles and cost five times the ranking."""
    if not dialect_of(conn).fts_by_watermark:
        return _search_pg(conn, words, limit)
    expression = fts_expression(words)
    if not expression:
        return []
    order = _ranked(conn, f"{{title}} : ({expression})", limit)
    if len(order) < limit:
        seen = set(order)
        order += [i for i in _ranked(conn, expression, limit + len(order)) if i not in seen]
    order = order[:limit]
    if not order:
        return []
    fetch = ("SELECT a.slug, a.title, a.tags, a.audience, a.link, a.revision, a.updated_at,"
             f" snippet(kb_fts, 2, char(2), char(3), '…', {SNIPPET_TOKENS})"
             " FROM kb_fts JOIN kb_articles a ON a.id = kb_fts.rowid"
             " WHERE kb_fts MATCH ? AND kb_fts.rowid = ?")
    hits = []
    for article_id in order:  # one by one: FTS5 takes `rowid = ?` but scans for `IN (...)`
        r = conn.execute(fetch, (expression, article_id)).fetchone()
        if r is not None:
            hits.append(records.KbHitRecord(str(r[0]), str(r[1]), str(r[2]), str(r[3]), str(r[4]),
                                    int(r[5]), int(r[6]), str(r[7])))
    return hits


_PG_QUERY = ("cxinbox_search(CAST(? AS text[]), CAST(? AS boolean[]), FALSE)")
_PG_SEARCH = (
    "SELECT a.slug, a.title, a.tags, a.audience, a.link, a.revision, a.updated_at, a.body"
    f" FROM kb_articles a, {_PG_QUERY} AS q,"
    " cxinbox_search_title(CAST(? AS text[]), CAST(? AS boolean[])) AS t"
    " WHERE a.retired = 0 AND a.search @@ q"
    " ORDER BY a.search @@ t DESC,"
    " ts_rank('{0.1, 0, 0.5, 1}', a.search, q, 1) DESC, a.id LIMIT ?")
"""PostgreSQL's search: title matches first (`t`, the query on the title's lexemes alone:
weight A), then by rank (weights D, C, B, A: body 1, tags 5, title 10 as FTS5's bm25
weighs them; normalised by the log of the length)."""


def _search_pg(conn: sqlite3.Connection, words: Sequence[tuple[str, bool]],
               limit: int) -> list[KbHitRecord]:
    terms = [word.replace("\x00", " ") for word, _ in words]
    prefixes = [not phrase for _, phrase in words]
    return [records.KbHitRecord(str(r[0]), str(r[1]), str(r[2]), str(r[3]), str(r[4]), int(r[5]),
                        int(r[6]), _snippet(str(r[7]), words))
            for r in conn.execute(_PG_SEARCH, (terms, prefixes, terms, prefixes, limit))]


_TOKEN = re.compile(r"[^\W_]+")
"""A word as FTS5's unicode61 and `cxinbox_words` cut them: a run of letters and digits."""


_fold_word = functools.lru_cache(maxsize=8192)(fold)
"""`fold` of one word of an article, remembered: the articles' words repeat, and a snippet
folds every word of every body it cuts."""


def _snippet(body: str, words: Sequence[tuple[str, bool]],
             size: int = SNIPPET_TOKENS) -> str:
    """FTS5's `snippet()` of `body` for these words, made without FTS5: `size` words where
    the most different typed words match (a window that starts a sentence wins a tie),
    each matched word between \\x02 and \\x03, '…' where the body is cut."""
    folded = body.lower() if body.isascii() else None  # as fold() makes each ASCII word
    tokens = [(m.start(), m.end(), _fold_word(m.group()) if folded is None
               else folded[m.start():m.end()]) for m in _TOKEN.finditer(body)]
    if not tokens:
        return body
    hits: list[tuple[int, int, int]] = []  # (first token, last token, which word)
    for n, (word, phrase) in enumerate(words):
        parts = _TOKEN.findall(fold(word))
        if not parts:
            continue
        if len(parts) == 1:  # one word (what is typed, mostly): each token against it
            part = parts[0]
            hits += [(i, i, n) for i, (_, _, token) in enumerate(tokens)
                     if token == part or (not phrase and token.startswith(part))]
            continue
        for i in range(len(tokens) - len(parts) + 1):
            if all(tokens[i + j][2] == part for j, part in enumerate(parts[:-1])):
                tail = tokens[i + len(parts) - 1][2]
                if tail == parts[-1] or (not phrase and tail.startswith(parts[-1])):
                    hits.append((i, i + len(parts) - 1, n))

    def score(start: int) -> int:
        inside = [n for first, last, n in hits if first >= start and last < start + size]
        return 1000 * len(set(inside)) + len(inside) - len(set(inside))

    best, best_score = 0, score(0) + (120 if hits else 0)
    if len(tokens) > size:
        for first, _, _ in hits:
            ends = [e for f, e, _ in hits if f >= first and e < first + size]
            start = first - (size - (max(ends) - first + 1)) // 2
            start = max(0, min(start, len(tokens) - size))
            if score(start) > best_score:
                best, best_score = start, score(start)
        for i in range(1, len(tokens) - size + 1):
            before = body[tokens[i - 1][1]:tokens[i][0]].strip()
            if before[-1:] in (".", ":") and score(i) + 100 > best_score:
                best, best_score = i, score(i) + 100
    end = min(best + size, len(tokens)) - 1
    marked = {t for first, last, _ in hits if first >= best and last <= end
              for t in range(first, last + 1)}
    out = ["…" if best > 0 else body[:tokens[0][0]]]
    for t in range(best, end + 1):
        if t > best:
            out.append(body[tokens[t - 1][1]:tokens[t][0]])
        text = body[tokens[t][0]:tokens[t][1]]
        out.append(f"\x02{text}\x03" if t in marked else text)
    out.append(body[tokens[end][1]:] if end == len(tokens) - 1 else "…")
    return "".join(out)


def save(conn: sqlite3.Connection, *, slug: str, title: str, tags: str, audience: str,
         body: str, link: str, source: str, author: str, at: int, changed: str,
         note: str) -> int:
    """Write the article's new version (a new article is revision 1); returns its revision.
    Bringing back a retired article is a new revision like any other."""
    row = conn.execute("SELECT id, revision FROM kb_articles WHERE slug = ?",
                       (slug,)).fetchone()
    if row is None:
        cur = conn.execute(
            "INSERT INTO kb_articles (slug, title, tags, audience, body, link, source,"
            " revision, created_at, updated_at, updated_by) VALUES (?,?,?,?,?,?,?,1,?,?,?)"
            " RETURNING id", (slug, title, tags, audience, body, link, source, at, at, author))
        article_id, revision = inserted_id(cur), 1
    else:
        article_id, revision = int(row[0]), int(row[1]) + 1
        conn.execute(
            "UPDATE kb_articles SET title = ?, tags = ?, audience = ?, body = ?, link = ?,"
            " source = ?, revision = ?, updated_at = ?, updated_by = ?, retired = 0"
            " WHERE id = ?",
            (title, tags, audience, body, link, source, revision, at, author, article_id))
    conn.execute(
        "INSERT INTO kb_revisions (article_id, revision, at, author, changed, note, title,"
        " tags, audience, body, link) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
        (article_id, revision, at, author, changed, note, title, tags, audience, body, link))
    return revision


def retire(conn: sqlite3.Connection, slug: str, *, author: str, at: int) -> bool:
    """Take an article out of lists and search (its file left the folder)."""
    cur = conn.execute("UPDATE kb_articles SET retired = 1, updated_at = ?, updated_by = ?"
                       " WHERE slug = ? AND retired = 0", (at, author, slug))
    return cur.rowcount > 0


def revisions(conn: sqlite3.Connection, slug: str) -> list[KbRevisionRecord]:
    """Every version of the article, newest first."""
    rows = conn.execute(
        "SELECT r.revision, r.at, r.author, r.changed, r.note, r.title, r.tags, r.audience,"
        " r.body, r.link FROM kb_revisions r JOIN kb_articles a ON a.id = r.article_id"
        " WHERE a.slug = ? ORDER BY r.revision DESC", (slug,)).fetchall()
    return [records.KbRevisionRecord(int(r[0]), int(r[1]), str(r[2]), str(r[3]), str(r[4]),
                             str(r[5]), str(r[6]), str(r[7]), str(r[8]), str(r[9]))
            for r in rows]
