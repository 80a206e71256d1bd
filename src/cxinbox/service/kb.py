"""The knowledge base for one acting staff member: read, search, write, and insert.

Who may do what (README, "Knowledge base"): everyone on the roster reads and searches
every article, staff-only ones included, and may ask for the folder to be re-read; adding
and editing from the command line is for the roles in `[kb] editors` (supervisors and
admins unless the config says otherwise), and is refused (and audited) for anyone else.
Articles from `[kb] folder` belong to their files: they change when the file does, never
through the API, so the folder stays the one truth for them.

Only a patient-facing article becomes reply text (`insertion`): a staff-only one is refused
with one line and the refusal is audited, whichever client asked. Every write is an event
(`kb.add`, `kb.edit`, `kb.sync`) in the same transaction as the revision it records.
"""

from __future__ import annotations

import builtins
import logging
import re
from typing import Any, Final

from cxinbox.contract.errors import BadRequest, CannedRefused, Forbidden, NotFound
from cxinbox.contract.kb_types import KbArticle, KbHit, KbInsertion, KbRevision, KbSyncReport
from cxinbox.domain.kb import (
    ArticleText,
    KbFormatError,
    changed_fields,
    check_audience,
    check_body,
    check_link,
    check_slug,
    check_tags,
    check_title,
    fold,
    insertion_text,
    plain_text,
    search_words,
    slug_from_title,
)
from cxinbox.domain.sanitize import clean_line, clean_text
from cxinbox.service import kb_folder
from cxinbox.service.inbox import InboxService
from cxinbox.service.redflags import clear_it_first, handed_hashes, red_flag_open
from cxinbox.store.interface import StoreTx
from cxinbox.store.records import KbArticleRecord, KbHitRecord

log = logging.getLogger(__name__)

FOLDER_ACTOR: Final = "kb:folder"
"""Who a revision read from the folder is by (the file's author is not known)."""
MAX_RESULTS: Final = 200
INSERT_MODES: Final = ("text", "link")



def save_revision(tx: StoreTx, article: ArticleText, *, source: str, author: str, at: int,
                  before: ArticleText | None, note: str) -> int:
    """Write `article` as its next revision (the first if `before` is None) and return the
    revision's number. The one place an article reaches the store, whether it comes from
    the command line, the folder or the demo, so every revision records what changed."""
    return tx.kb_save(slug=article.slug, title=article.title, tags=" ".join(article.tags),
                      audience=article.audience, body=article.body, link=article.link,
                      source=source, author=author, at=at,
                      changed=",".join(changed_fields(before, article)), note=note)

def _text_of(rec: KbArticleRecord) -> ArticleText:
    return ArticleText(slug=rec.slug, title=rec.title, tags=tuple(rec.tags.split()),
                       audience=rec.audience, body=rec.body, link=rec.link)


def _view(rec: KbArticleRecord) -> KbArticle:
    return KbArticle(slug=rec.slug, title=clean_line(rec.title),
                     tags=tuple(clean_line(t) for t in rec.tags.split()),
                     audience=rec.audience, body=clean_text(rec.body),
                     link=clean_line(rec.link), revision=rec.revision,
                     updated_at=rec.updated_at, updated_by=clean_line(rec.updated_by),
                     source=clean_line(rec.source), latest=rec.revision)


_MARKS = re.compile(r"\*\*|__|`|(?:^|(?<=\s))#{1,6}\s")


def _snippet(marked: str) -> tuple[tuple[str, bool], ...]:
    """FTS5's snippet, its \\x02...\\x03 marks turned into (text, matched) pieces, without
    Markdown's emphasis and heading marks (a snippet is read, not rendered)."""
    pieces: list[tuple[str, bool]] = []
    for n, part in enumerate(_MARKS.sub("", marked).replace("\x03", "\x02").split("\x02")):
        text = clean_line(part)
        if not text:
            if part and pieces:
                pieces.append((" ", False))
            continue
        before = " " if part[:1].isspace() and pieces else ""
        after = " " if part[-1:].isspace() else ""
        pieces.append((before + text + after, n % 2 == 1))
    return tuple(pieces)


def _hit(rec: KbHitRecord) -> KbHit:
    return KbHit(slug=rec.slug, title=clean_line(rec.title), tags=tuple(rec.tags.split()),
                 audience=rec.audience, link=clean_line(rec.link), revision=rec.revision,
                 snippet=_snippet(rec.snippet))


class KbService:
    """Knowledge-base use cases for `inbox.actor`."""

    def __init__(self, inbox: InboxService) -> None:
        self.inbox = inbox
        self.store = inbox.store
        self.config = inbox.config

    # -- reading -------------------------------------------------------------------------

    def _fresh(self) -> None:
        """Re-read the folder first when a file in it changed since the last read."""
        folder = self.config.kb.folder
        if folder is not None and kb_folder.changed_since_read(folder):
            self.sync(logging.INFO)  # asked for nothing: the caller is not told

    def _get(self, tx: StoreTx, slug: str) -> KbArticleRecord:
        rec = tx.kb_article(slug.strip().lower())
        if rec is None or rec.retired:
            raise NotFound(f"no knowledge-base article {clean_line(slug, 64)!r}"
                           " (cxinbox kb list shows them)")
        return rec

    def list(self, tag: str | None = None, audience: str | None = None) -> list[KbArticle]:
        self._fresh()
        with self.store.reading() as tx:
            found = tx.kb_articles()
        return [_view(r) for r in found
                if (tag is None or tag in r.tags.split())
                and (audience is None or r.audience == audience)]

    def search(self, text: str, limit: int = 20) -> builtins.list[KbHit]:
        """Articles matching every word (a word is a prefix), best first."""
        self._fresh()
        words = search_words(text)
        if not words:
            return [KbHit(a.slug, a.title, a.tags, a.audience, a.link, a.revision,
                          ((" ".join(plain_text(a.body).split())[:120], False),))
                    for a in self.list()[:limit]]
        with self.store.reading() as tx:
            found = tx.kb_search(words, min(max(limit, 1), MAX_RESULTS))
        # Among the titles that match, the one that starts with what is being typed comes
        # first: "pa" is the parking article, not the one that mentions "patients" most.
        lead = fold(words[0][0])
        found.sort(key=lambda r: not fold(r.title).startswith(lead))
        return [_hit(r) for r in found]

    def show(self, slug: str, revision: int | None = None) -> KbArticle:
        self._fresh()
        with self.store.reading() as tx:
            rec = self._get(tx, slug)
            if revision is None or revision == rec.revision:
                return _view(rec)
            old = next((r for r in tx.kb_revisions(rec.slug) if r.revision == revision), None)
        if old is None:
            raise NotFound(f"{rec.slug} has no revision {revision} (it has 1 to {rec.revision})")
        return KbArticle(slug=rec.slug, title=clean_line(old.title),
                         tags=tuple(old.tags.split()), audience=old.audience,
                         body=clean_text(old.body), link=clean_line(old.link),
                         revision=old.revision, updated_at=old.at,
                         updated_by=clean_line(old.author), source=clean_line(rec.source),
                         latest=rec.revision)

    def history(self, slug: str) -> builtins.list[KbRevision]:
        self._fresh()
        with self.store.reading() as tx:
            rec = self._get(tx, slug)
            found = tx.kb_revisions(rec.slug)
        return [KbRevision(r.revision, r.at, clean_line(r.author),
                           tuple(c for c in r.changed.split(",") if c), clean_line(r.note))
                for r in found]

    # -- writing -------------------------------------------------------------------------

    def _require_editor(self, what: str) -> None:
        self.inbox.require_role(what, frozenset(self.config.kb.editors))

    def add(self, title: str, body: str, audience: str, slug: str | None = None,
            tags: builtins.list[str] | None = None, link: str = "", note: str = "") -> KbArticle:
        self._require_editor("adding a knowledge-base article")
        try:
            article = ArticleText(
                slug=check_slug(slug) if slug else slug_from_title(title),
                title=check_title(title), tags=check_tags(tags or []),
                audience=check_audience(audience), body=check_body(body),
                link=check_link(link))
        except KbFormatError as exc:
            raise BadRequest(str(exc)) from None
        with self.store.writing() as tx:
            if tx.kb_article(article.slug) is not None:
                raise BadRequest(f"an article {article.slug!r} exists already (kb edit"
                                 " changes it; --slug picks another name)")
            self._write(tx, article, "cli", self.inbox.actor, note, None)
            rec = tx.kb_article(article.slug)
        assert rec is not None
        return _view(rec)

    def edit(self, slug: str, title: str | None = None, body: str | None = None,
             audience: str | None = None, tags: builtins.list[str] | None = None,
             link: str | None = None, note: str = "") -> KbArticle:
        self._require_editor("editing a knowledge-base article")
        with self.store.writing() as tx:
            rec = self._get(tx, slug)
            if rec.source.startswith("folder:"):
                name = rec.source.removeprefix("folder:")
                raise BadRequest(f"{rec.slug} comes from the folder ({name}): edit that file"
                                 " instead")
            before = _text_of(rec)
            try:
                after = ArticleText(
                    slug=rec.slug,
                    title=check_title(title) if title is not None else before.title,
                    tags=check_tags(tags) if tags is not None else before.tags,
                    audience=check_audience(audience) if audience is not None
                    else before.audience,
                    body=check_body(body) if body is not None else before.body,
                    link=check_link(link) if link is not None else before.link)
            except KbFormatError as exc:
                raise BadRequest(str(exc)) from None
            if not changed_fields(before, after):
                raise BadRequest(f"nothing to change: {rec.slug} is already like that")
            self._write(tx, after, "cli", self.inbox.actor, note, before)
            new = tx.kb_article(rec.slug)
        assert new is not None
        return _view(new)

    def _write(self, tx: StoreTx, article: ArticleText, source: str, author: str,
               note: str, before: ArticleText | None) -> int:
        changed = changed_fields(before, article)
        revision = save_revision(tx, article, source=source, author=author,
                                 at=self.inbox._now(), before=before,
                                 note=clean_line(note, 300))
        if source == "cli":
            tx.append_event(author, "kb.add" if before is None else "kb.edit",
                            f"kb:{article.slug}", {"slug": article.slug, "revision": revision,
                                                   "changed": list(changed)})
        return revision

    def sync(self, level: int = logging.WARNING) -> KbSyncReport:
        """Re-read `[kb] folder` now: new and changed files become revisions, files that
        are gone retire their articles, and a file that does not parse is skipped with one
        line naming it (its article, if it had one, keeps its last good version)."""
        folder = self.config.kb.folder
        if folder is None:
            raise BadRequest("no [kb] folder is configured; articles come from cxinbox kb add")
        reading = kb_folder.read_folder(folder)
        errors = list(reading.errors)
        added: list[str] = []
        changed: list[str] = []
        retired: list[str] = []
        unchanged = 0
        now = self.inbox._now()
        with self.store.writing() as tx:
            existing = {r.slug: r for r in tx.kb_articles(retired=True)}
            for name, article in reading.articles:
                old = existing.get(article.slug)
                source = f"folder:{name}"
                if old is not None and not old.source.startswith("folder:"):
                    errors.append(f"{reading.label(name)}:1: slug {article.slug!r} is already"
                                  " an article added from the command line; skipped")
                    continue
                if old is not None and old.source != source and not old.retired \
                        and old.source.removeprefix("folder:") in reading.names:
                    errors.append(f"{reading.label(name)}:1: slug {article.slug!r} is also"
                                  f" {old.source.removeprefix('folder:')}'s; skipped")
                    continue
                before = None if old is None else _text_of(old)
                if old is not None and not old.retired and old.source == source \
                        and not changed_fields(before, article):
                    unchanged += 1
                    continue
                revision = save_revision(
                    tx, article, source=source, author=FOLDER_ACTOR, at=now,
                    before=None if old is None or old.retired else before,
                    note=f"from {name}")
                (added if old is None or old.retired else changed).append(
                    f"{article.slug}@{revision}" if revision > 1 else article.slug)
            for slug, old in existing.items():
                name = old.source.removeprefix("folder:")
                if old.source.startswith("folder:") and not old.retired \
                        and name not in reading.names:
                    tx.kb_retire(slug, author=FOLDER_ACTOR, at=now)
                    retired.append(slug)
            if added or changed or retired:
                tx.append_event(self.inbox.actor, "kb.sync", "kb:folder",
                                {"added": added, "changed": changed, "retired": retired,
                                 "errors": len(errors)})
        kb_folder.mark_read(folder, reading.signature)
        for line in errors:  # file names and header words: never patient text
            log.log(level, "kb folder: %s", line)
        return KbSyncReport(folder=str(folder), added=tuple(added), changed=tuple(changed),
                            unchanged=unchanged, retired=tuple(retired),
                            errors=tuple(errors))

    # -- into a reply ----------------------------------------------------------------------

    def insertion(self, slug: str, mode: str = "text",
                  conversation_id: int | None = None) -> KbInsertion:
        """A patient-facing article as reply text; a staff-only one is refused (audited).

        For a conversation with an open red flag it is refused too, as a canned reply is
        (service/replies.py `render_canned`): the patient described an emergency, and an
        article (parking, opening hours) is no answer to that, whatever client asks."""
        if mode not in INSERT_MODES:
            raise BadRequest(f"mode must be one of {', '.join(INSERT_MODES)}")
        self._fresh()
        with self.store.reading() as tx:
            rec = self._get(tx, slug)
            flagged = bool(conversation_id) and red_flag_open(tx, int(conversation_id or 0))
        target = f"conversation:{conversation_id}" if conversation_id else f"kb:{rec.slug}"
        if flagged:
            self.inbox.record_read("kb.refused", target, {"slug": rec.slug,
                                                          "revision": rec.revision,
                                                          "reason": "red flag"})
            then = clear_it_first(self.config, int(conversation_id or 0), self.inbox.actor,
                                  self.inbox.role)
            raise CannedRefused(f"conversation #{conversation_id} has an open red flag: no"
                                " knowledge-base articles while it is open; write your own"
                                f" words, or {then}")
        if rec.audience != "patient-facing":
            self.inbox.record_read("kb.refused", target, {"slug": rec.slug,
                                                          "revision": rec.revision})
            raise Forbidden(f"{rec.slug} is staff-only: it cannot go into a reply to a patient")
        if mode == "link" and not rec.link:
            raise BadRequest(f"{rec.slug} has no link; insert its text instead")
        view = _view(rec)
        text = insertion_text(view.title, view.body, view.link, mode)
        details: dict[str, Any] = {"slug": rec.slug, "revision": rec.revision, "mode": mode}
        if conversation_id:  # what a send checks while a red flag is open (no text kept)
            details["shingles"] = handed_hashes(self.store.text_key(), text)
        self.inbox.record_read("kb.insert", target, details)
        return KbInsertion(slug=rec.slug, title=view.title, revision=rec.revision, mode=mode,
                           text=text)

