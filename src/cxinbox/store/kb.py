"""The knowledge base's SQL: articles, their revisions, and ranked full-text search.

Search uses FTS5 as mail search does (store/query_sql.py): every word the person typed is
a quoted string, so nothing they type is query syntax, and a bare word is a prefix ("park"
finds "parking"). Matches are ranked by bm25 with the title weighing most, then tags, then
the body, so the article *about* parking comes before one that mentions it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any

from cxinbox.store.records import KbArticleRecord, KbHitRecord, KbRevisionRecord

_ARTICLE_COLUMNS = ("id, slug, title, tags, audience, body, link, source, revision,"
                    " created_at, updated_at, updated_by, retired")
_WEIGHTS = "10.0, 5.0, 1.0"
"""bm25 weights of title, tags and body."""
SNIPPET_TOKENS = 14


def _article(row: tuple[Any, ...]) -> KbArticleRecord:
    (id_, slug, title, tags, audience, body, link, source, revision, created, updated,
     by, retired) = row
    return KbArticleRecord(int(id_), str(slug), str(title), str(tags), str(audience),
                           str(body), str(link), str(source), int(revision),
                           int(created), int(updated), str(by), bool(retired))


def article(conn: sqlite3.Connection, slug: str) -> KbArticleRecord | None:
    row = conn.execute(f"SELECT {_ARTICLE_COLUMNS} FROM kb_articles WHERE slug = ?",
                       (slug,)).fetchone()
    return None if row is None else _article(row)


def articles(conn: sqlite3.Connection, *, retired: bool = False) -> list[KbArticleRecord]:
    """Every live article by title (and the retired ones too when `retired`)."""
    where = "" if retired else " WHERE retired = 0"
    return [_article(r) for r in conn.execute(
        f"SELECT {_ARTICLE_COLUMNS} FROM kb_articles{where} ORDER BY title COLLATE NOCASE, slug")]


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
            hits.append(KbHitRecord(str(r[0]), str(r[1]), str(r[2]), str(r[3]), str(r[4]),
                                    int(r[5]), int(r[6]), str(r[7])))
    return hits


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
            " revision, created_at, updated_at, updated_by) VALUES (?,?,?,?,?,?,?,1,?,?,?)",
            (slug, title, tags, audience, body, link, source, at, at, author))
        article_id, revision = int(cur.lastrowid or 0), 1
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
    return [KbRevisionRecord(int(r[0]), int(r[1]), str(r[2]), str(r[3]), str(r[4]),
                             str(r[5]), str(r[6]), str(r[7]), str(r[8]), str(r[9]))
            for r in rows]
