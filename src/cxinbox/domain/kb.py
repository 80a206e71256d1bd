"""Knowledge-base articles as text: the file format, the checks on every field, and the
plain text that goes into a reply.

Pure, so the server's folder reader, the CLI's `kb add --file` and the tests all agree on
what an article is. A file is a small front-matter header between `---` lines, then the
body in Markdown:

    ---
    title: Parking and directions
    tags: parking, directions
    audience: patient-facing
    link: https://clinic.example/parking
    ---
    Free parking behind the building ...

`slug` may be given in the header; otherwise it is the file's name without `.md`. A file
that does not parse raises `KbFormatError` with the 1-based line it stopped at, so the
reader can say "kb/parking.md:3: ..." and load the rest.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from cxinbox.domain.sanitize import clean_line, clean_text

AUDIENCES: Final = ("patient-facing", "staff-only")
"""Who an article is for. Only a patient-facing article may go into a reply."""
MAX_TITLE: Final = 200
MAX_BODY: Final = 100_000
MAX_LINK: Final = 2000
MAX_TAGS: Final = 20
MAX_TAG: Final = 40
MAX_NOTE: Final = 300
FIELDS: Final = ("title", "tags", "audience", "body", "link")
"""What a revision can change, in the order a history names them."""

_SLUG = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?")
_TAG = re.compile(r"[a-z0-9][a-z0-9_-]*")
_LINK = re.compile(r"https?://[^\s<>\"']+")
_HEADER_KEYS: Final = frozenset({"title", "slug", "tags", "audience", "link"})


def is_slug(value: str) -> bool:
    """Whether `value` has a slug's form: lowercase letters, digits and inner hyphens."""
    return _SLUG.fullmatch(value) is not None


class KbFormatError(ValueError):
    """An article that cannot be taken: `line` is 1-based within its file (0: the whole)."""

    def __init__(self, message: str, line: int = 0) -> None:
        super().__init__(message)
        self.line = line


@dataclass(frozen=True, slots=True)
class ArticleText:
    """An article's fields, checked and sanitised (not yet stored)."""

    slug: str
    title: str
    tags: tuple[str, ...]
    audience: str
    body: str
    link: str = ""


def check_slug(value: str) -> str:
    slug = value.strip().lower()
    if not _SLUG.fullmatch(slug):
        raise KbFormatError(f"slug {clean_line(value, 40)!r} must be 1-64 lower-case letters,"
                            " digits and dashes (e.g. parking)")
    return slug


def fold(text: str) -> str:
    """Lower case without accents ("Sábado" -> "sabado"), as the search index folds."""
    if text.isascii():  # nothing to decompose: most words (a snippet folds every one)
        return text.lower()
    import unicodedata

    folded = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in folded if not unicodedata.combining(ch)).casefold()


def slug_from_title(title: str) -> str:
    """A slug people can type, made from a title: "Fasting before blood work" ->
    "fasting-before-blood-work" (accents dropped)."""
    import unicodedata

    folded = unicodedata.normalize("NFKD", title)
    plain = "".join(ch for ch in folded if not unicodedata.combining(ch)).lower()
    slug = re.sub(r"[^a-z0-9]+", "-", plain).strip("-")[:64].strip("-")
    return slug or "article"


def check_title(value: str) -> str:
    title = clean_line(value)
    if not title:
        raise KbFormatError("the title is empty")
    if len(title) > MAX_TITLE:
        raise KbFormatError(f"the title is longer than {MAX_TITLE} characters")
    return title


def check_tags(values: list[str] | tuple[str, ...] | str) -> tuple[str, ...]:
    """Tags from a list or a comma-separated line: lower-case words, each once."""
    items = values.split(",") if isinstance(values, str) else list(values)
    out: list[str] = []
    for item in items:
        tag = item.strip().lower()
        if not tag:
            continue
        if len(tag) > MAX_TAG or not _TAG.fullmatch(tag):
            raise KbFormatError(f"tag {clean_line(item, 40)!r} must be one word of letters,"
                                " digits, - or _")
        if tag not in out:
            out.append(tag)
    if len(out) > MAX_TAGS:
        raise KbFormatError(f"at most {MAX_TAGS} tags")
    return tuple(out)


def check_audience(value: str) -> str:
    audience = value.strip().lower()
    aliases = {"patient": "patient-facing", "patients": "patient-facing",
               "staff": "staff-only", "internal": "staff-only"}
    audience = aliases.get(audience, audience)
    if audience not in AUDIENCES:
        raise KbFormatError(f"audience must be {' or '.join(AUDIENCES)},"
                            f" not {clean_line(value, 40)!r}")
    return audience


def check_link(value: str) -> str:
    link = value.strip()
    if not link:
        return ""
    if len(link) > MAX_LINK or not _LINK.fullmatch(link) or clean_line(link) != link:
        raise KbFormatError("the link must be one http:// or https:// address")
    return link


def check_body(value: str) -> str:
    body = clean_text(value).strip("\n")
    if not body.strip():
        raise KbFormatError("the body is empty")
    if len(body) > MAX_BODY:
        raise KbFormatError(f"the body is longer than {MAX_BODY} characters")
    return body + "\n"


def parse_file(text: str, default_slug: str) -> ArticleText:
    """One article file (front matter, then Markdown); KbFormatError with its line."""
    lines = text.replace("\r\n", "\n").split("\n")
    if not lines or lines[0].strip() != "---":
        raise KbFormatError("expected a front-matter header starting with '---'", 1)
    header: dict[str, tuple[str, int]] = {}
    end = None
    for number, line in enumerate(lines[1:], start=2):
        if line.strip() == "---":
            end = number
            break
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        key, sep, value = line.partition(":")
        key = key.strip().lower()
        if not sep:
            raise KbFormatError(f"expected 'key: value', got {clean_line(line, 40)!r}", number)
        if key not in _HEADER_KEYS:
            raise KbFormatError(f"unknown key {clean_line(key, 30)!r} (known: "
                                f"{', '.join(sorted(_HEADER_KEYS))})", number)
        if key in header:
            raise KbFormatError(f"{key} given twice", number)
        header[key] = (value.strip(), number)
    if end is None:
        raise KbFormatError("the front-matter header has no closing '---'", len(lines))

    def field(key: str) -> str:
        return header[key][0] if key in header else ""

    try:
        title = check_title(field("title")) if "title" in header else None
    except KbFormatError as exc:
        raise KbFormatError(str(exc), header["title"][1]) from None
    if title is None:
        raise KbFormatError("missing 'title:' in the header", end)
    if "audience" not in header:
        raise KbFormatError("missing 'audience: patient-facing' or 'audience: staff-only'",
                            end)
    checks = {"slug": check_slug, "audience": check_audience, "link": check_link}
    values: dict[str, str] = {}
    for key, check in checks.items():
        if key in header:
            try:
                values[key] = check(header[key][0])
            except KbFormatError as exc:
                raise KbFormatError(str(exc), header[key][1]) from None
    try:
        tags = check_tags(field("tags"))
    except KbFormatError as exc:
        raise KbFormatError(str(exc), header["tags"][1]) from None
    try:
        slug = values.get("slug") or check_slug(default_slug)
    except KbFormatError as exc:
        raise KbFormatError(f"{exc} (or give 'slug:' in the header)", 1) from None
    try:
        body = check_body("\n".join(lines[end:]))
    except KbFormatError as exc:
        raise KbFormatError(str(exc), end + 1) from None
    return ArticleText(slug=slug, title=title, tags=tags, audience=values["audience"],
                       body=body, link=values.get("link", ""))


def render_file(article: ArticleText) -> str:
    """An article in the file format (what `kb edit` opens in $EDITOR)."""
    head = ["---", f"title: {article.title}", f"slug: {article.slug}",
            f"tags: {', '.join(article.tags)}", f"audience: {article.audience}"]
    if article.link:
        head.append(f"link: {article.link}")
    return "\n".join([*head, "---", article.body.rstrip("\n"), ""])


def changed_fields(before: ArticleText | None, after: ArticleText) -> tuple[str, ...]:
    """Which fields a revision changes (every one for a new article)."""
    if before is None:
        return FIELDS
    return tuple(f for f in FIELDS if getattr(before, f) != getattr(after, f))


# -- what goes into a reply ----------------------------------------------------------------

_MD_LINK = re.compile(r"\[([^\]\n]+)\]\((\S+?)\)")
_EMPHASIS = re.compile(r"(\*\*|__)(.+?)\1|(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?!\w)")
_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+")
_BULLET = re.compile(r"^(\s*)[*+]\s+")


def plain_text(markdown: str) -> str:
    """Markdown as a patient reads it in a plain-text reply or a text message: headings
    and emphasis lose their marks, `[words](url)` becomes "words (url)", bullets become
    "- ", code fences go; paragraphs and line breaks stay as written."""
    out: list[str] = []
    for line in markdown.split("\n"):
        if line.strip().startswith("```"):
            continue
        line = _HEADING.sub("", line)
        line = _BULLET.sub(r"\1- ", line)
        line = _MD_LINK.sub(lambda m: m.group(1) if m.group(1) == m.group(2)
                            else f"{m.group(1)} ({m.group(2)})", line)
        line = _EMPHASIS.sub(lambda m: m.group(2) or m.group(3) or "", line)
        line = line.replace("`", "")
        out.append(line.rstrip())
    text = "\n".join(out)
    return re.sub(r"\n{3,}", "\n\n", text).strip("\n")


def insertion_text(title: str, body: str, link: str, mode: str) -> str:
    """The text put into a reply: the article ("text") or just its address ("link")."""
    if mode == "link":
        return f"{title}: {link}"
    text = plain_text(body)
    return f"{text}\n\n{link}" if link and link not in text else text


def search_words(text: str) -> list[tuple[str, bool]]:
    """A search box's words: (word, is_phrase). "quoted words" are one phrase; everything
    else is split on spaces. Nothing here is syntax: the store quotes each one."""
    out: list[tuple[str, bool]] = []
    for match in re.finditer(r'"([^"]*)"|(\S+)', text):
        if match.group(1) is not None:
            if match.group(1).strip():
                out.append((match.group(1).strip(), True))
        else:
            out.append((match.group(2), False))
    return out[:20]
