"""What the knowledge base hands to clients: articles, search hits, revisions, a folder
reload's outcome, and the text for a reply. Every string is sanitised by the service."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class KbArticle:
    """An article (as it is now, or as it was at `revision`)."""

    slug: str
    title: str
    tags: tuple[str, ...]
    audience: str  # patient-facing | staff-only
    body: str  # Markdown
    link: str
    revision: int
    updated_at: int
    updated_by: str
    source: str  # "cli" or "folder:NAME"
    latest: int = 0
    """The article's newest revision (equals `revision` unless an older one was asked)."""

    @property
    def insertable(self) -> bool:
        return self.audience == "patient-facing"

    def to_dict(self) -> dict[str, Any]:
        return {"slug": self.slug, "title": self.title, "tags": list(self.tags),
                "audience": self.audience, "body": self.body, "link": self.link,
                "revision": self.revision, "latest": self.latest or self.revision,
                "updated_at": self.updated_at, "updated_by": self.updated_by,
                "source": self.source}


@dataclass(frozen=True, slots=True)
class KbHit:
    """One search result; `snippet` is (text, matched) pieces of the body around a match."""

    slug: str
    title: str
    tags: tuple[str, ...]
    audience: str
    link: str
    revision: int
    snippet: tuple[tuple[str, bool], ...]

    @property
    def insertable(self) -> bool:
        return self.audience == "patient-facing"

    @property
    def snippet_text(self) -> str:
        return "".join(text for text, _ in self.snippet)

    def to_dict(self) -> dict[str, Any]:
        return {"slug": self.slug, "title": self.title, "tags": list(self.tags),
                "audience": self.audience, "link": self.link, "revision": self.revision,
                "snippet": self.snippet_text,
                "matched": [text for text, hit in self.snippet if hit]}


@dataclass(frozen=True, slots=True)
class KbRevision:
    """One entry of an article's history."""

    revision: int
    at: int
    author: str
    changed: tuple[str, ...]
    note: str

    def to_dict(self) -> dict[str, Any]:
        return {"revision": self.revision, "at": self.at, "author": self.author,
                "changed": list(self.changed), "note": self.note}


@dataclass(frozen=True, slots=True)
class KbSyncReport:
    """What re-reading `[kb] folder` did; `errors` are one line each ("file:line: why")."""

    folder: str
    added: tuple[str, ...]
    changed: tuple[str, ...]
    unchanged: int
    retired: tuple[str, ...]
    errors: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"folder": self.folder, "added": list(self.added),
                "changed": list(self.changed), "unchanged": self.unchanged,
                "retired": list(self.retired), "errors": list(self.errors)}


@dataclass(frozen=True, slots=True)
class KbInsertion:
    """The plain text of a patient-facing article for a reply, and which version it is."""

    slug: str
    title: str
    revision: int
    mode: str  # text | link
    text: str

    def to_dict(self) -> dict[str, Any]:
        return {"slug": self.slug, "title": self.title, "revision": self.revision,
                "mode": self.mode, "text": self.text}
