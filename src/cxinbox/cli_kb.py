"""`cxinbox kb`: the clinic's knowledge base from the command line.

Presentation only: the server checks every field, decides who may write (service/kb.py)
and keeps each revision. `add` and `edit` take the article from flags, from a file (the
folder's own format: a front-matter header, then Markdown; '-' reads stdin) or from
$EDITOR, which opens the same format. Every command takes --json.
"""

from __future__ import annotations

import contextlib
import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Final

import typer

from cxinbox.cli_input import read_text_input

if TYPE_CHECKING:
    from cxinbox.api.transport import SyncAPI
    from cxinbox.config import Config
    from cxinbox.contract.kb_types import KbArticle, KbHit
    from cxinbox.domain.kb import ArticleText

ConfigOpt = Annotated[str | None, typer.Option("--config", "-c", envvar="CXINBOX_CONFIG",
                                              help="Path to config.toml.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Machine-readable output.")]
EXIT_USAGE: Final = 2
MAX_FILE_BYTES: Final = 256 * 1024
AUDIENCE_HELP: Final = "patient-facing (may go into replies) or staff-only."
Title = Annotated[str | None, typer.Option("--title", help="The article's title.")]
Audience = Annotated[str | None, typer.Option("--audience", help=AUDIENCE_HELP)]
Tags = Annotated[list[str] | None, typer.Option(
    "--tags", "--tag", help="Tags, comma-separated (repeatable).")]
Link = Annotated[str | None, typer.Option("--link", help="An https:// address for it.")]
Body = Annotated[str | None, typer.Option("--body", help="The text, in Markdown.")]
File = Annotated[str | None, typer.Option(
    "--file", "-f", help="Read it from FILE ('-' = stdin): Markdown, with or without the"
                         " folder's front-matter header.")]
Editor = Annotated[bool, typer.Option("--editor", "-e", help="Write it in $EDITOR.")]
Note = Annotated[str, typer.Option("--note", "-m", help="Why (kept in the history).")]



def _fail(message: str, code: int = EXIT_USAGE) -> typer.Exit:
    typer.echo(f"cxinbox: {message}", err=True)
    return typer.Exit(code)


def _echo_json(data: Any) -> None:
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2))


def _parse(text: str, where: str, default_slug: str) -> ArticleText:
    from cxinbox.domain.kb import KbFormatError, parse_file

    try:
        return parse_file(text, default_slug)
    except KbFormatError as exc:
        raise _fail(f"{where}:{exc.line}: {exc}") from None


def _editor_argv(cfg: Config) -> list[str]:
    if cfg.compose.editor:
        return list(cfg.compose.editor)
    for var in ("VISUAL", "EDITOR"):
        value = os.environ.get(var, "").strip()
        if value:
            try:
                return shlex.split(value)
            except ValueError:
                return [value]
    if shutil.which("vi"):
        return ["vi"]
    raise _fail("no editor: set $EDITOR (or [compose] editor), or give --body/--file")


def _edit_in_editor(cfg: Config, start: str, slug: str) -> ArticleText:
    """The article opened in the person's editor; parsed when they close it. A mistake
    keeps their text in a file they are told about, so nothing typed is lost."""
    folder = tempfile.mkdtemp(prefix="cxinbox-kb-")
    path = Path(folder) / f"{slug}.md"
    path.write_text(start, encoding="utf-8")
    try:
        subprocess.run([*_editor_argv(cfg), str(path)], check=False)
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise _fail(f"the editor did not run: {exc.strerror}") from None
    if text == start:
        with contextlib.suppress(OSError):
            path.unlink()
            os.rmdir(folder)
        raise _fail("nothing changed in the editor; nothing saved", 1)
    from cxinbox.domain.kb import KbFormatError, parse_file

    try:
        article = parse_file(text, slug)
    except KbFormatError as exc:
        raise _fail(f"{path}:{exc.line}: {exc} (your text is kept there)") from None
    with contextlib.suppress(OSError):
        path.unlink()
        os.rmdir(folder)
    return article


def _when(epoch: int, cfg: Config) -> str:
    return datetime.fromtimestamp(epoch, UTC).astimezone(cfg.clinic.tzinfo).strftime(
        "%Y-%m-%d %H:%M")


def _article_lines(a: KbArticle, cfg: Config) -> list[str]:
    version = f"revision {a.revision}" + (f" of {a.latest}" if a.latest != a.revision else "")
    lines = [a.title, (f"{a.slug} · {a.audience} · {version} · {_when(a.updated_at, cfg)}"
             f" by {a.updated_by}")]
    if a.tags:
        lines.append("tags: " + ", ".join(a.tags))
    if a.link:
        lines.append("link: " + a.link)
    if a.source != "cli":
        lines.append("from: " + a.source.removeprefix("folder:") + " in [kb] folder")
    return [*lines, "", a.body.rstrip()]


def _hit_line(h: KbHit, width: int = 80) -> list[str]:
    staff = "  [staff-only]" if not h.insertable else ""
    snippet = "".join(f"[{t}]" if hit else t for t, hit in h.snippet).strip()
    room = width - 4
    return [f"{h.slug}  {h.title}{staff}",
            f"    {snippet[:room - 1] + '…' if len(snippet) > room else snippet}"]


def _tags(values: list[str] | None) -> list[str] | None:
    if values is None:
        return None
    return [t.strip() for v in values for t in v.split(",") if t.strip()]


def register(app: typer.Typer, open_api: Callable[..., SyncAPI],
             load_config: Callable[[str | None], Config]) -> None:
    """Add the `kb` group to `app`. `open_api(cfg, create=True)`: the articles added or
    read in from [kb] folder may be a new desk's first content, before any sync made the
    cache; every other kb command needs the cache there."""
    kb = typer.Typer(no_args_is_help=True, add_completion=False,
                     help="The knowledge base: articles the desk searches and inserts into"
                          " replies.")
    app.add_typer(kb, name="kb")

    def _from_file(path: str, slug: str) -> tuple[ArticleText | None, str]:
        text = read_text_input(path, MAX_FILE_BYTES)
        if text.lstrip().startswith("---"):
            return _parse(text, path, slug), ""
        return None, text

    @kb.command("add")
    def add(title: Title = None, audience: Audience = None, tags: Tags = None,
            link: Link = None, body: Body = None, file: File = None, editor: Editor = False,
            slug: Annotated[str | None, typer.Option(
                "--slug", help="Its short name (default: made from the title).")] = None,
            note: Note = "", as_json: JsonOpt = False, config: ConfigOpt = None) -> None:
        """Add an article (supervisors and admins unless [kb] editors says otherwise)."""
        if sum(x is not None for x in (body, file, editor or None)) > 1:
            raise _fail("give the text once: --body, --file or --editor")
        cfg = load_config(config)
        parsed: ArticleText | None = None
        if file is not None:
            from cxinbox.domain.kb import slug_from_title

            named = slug_from_title(Path(file).stem) if file != "-" else "new-article"
            parsed, body = _from_file(file, slug or named)
        elif editor or body is None:
            if not sys.stdin.isatty() and not editor:
                raise _fail("no text: give --body TEXT, --file FILE or --editor")
            from cxinbox.domain.kb import ArticleText, render_file

            start = render_file(ArticleText(
                slug=slug or "new-article", title=title or "Title",
                tags=tuple(_tags(tags) or ()), audience=audience or "patient-facing",
                body="Write the article here, in Markdown.\n", link=link or ""))
            parsed = _edit_in_editor(cfg, start, slug or "new-article")
        fields: dict[str, Any] = {"title": title, "audience": audience, "tags": _tags(tags),
                                  "link": link, "slug": slug}
        if parsed is not None:
            fields = {"title": title or parsed.title, "audience": audience or parsed.audience,
                      "tags": _tags(tags) if tags is not None else list(parsed.tags),
                      "link": link if link is not None else parsed.link,
                      "slug": slug or (parsed.slug if parsed.slug != "new-article" else None)}
            body = parsed.body
        if not fields["title"]:
            raise _fail("an article needs --title")
        if not fields["audience"]:
            raise _fail("say who it is for: --audience patient-facing or --audience staff-only")
        with open_api(cfg, create=True) as api:
            article = api.kb_add(fields["title"], body or "", _audience(fields["audience"]),
                                 fields["slug"], fields["tags"], fields["link"] or "", note)
        _print_article(article, cfg, as_json, f"added {article.slug} (revision 1)")

    @kb.command("edit")
    def edit(slug: Annotated[str, typer.Argument(metavar="SLUG")],
             title: Title = None, audience: Audience = None, tags: Tags = None,
             link: Link = None, body: Body = None, file: File = None, editor: Editor = False,
             note: Note = "", as_json: JsonOpt = False, config: ConfigOpt = None) -> None:
        """Change an article: a new revision (the earlier ones stay readable)."""
        if sum(x is not None for x in (body, file, editor or None)) > 1:
            raise _fail("give the text once: --body, --file or --editor")
        cfg = load_config(config)
        flags = (title, audience, tags, link, body, file)
        with open_api(cfg) as api:
            changes: dict[str, Any] = {"title": title, "audience": _audience(audience),
                                       "tags": _tags(tags), "link": link, "body": body}
            if file is not None:
                parsed, text = _from_file(file, slug)
                if parsed is None:
                    changes["body"] = text
                else:
                    changes.update(title=title or parsed.title,
                                   audience=_audience(audience) or parsed.audience,
                                   tags=_tags(tags) if tags is not None else list(parsed.tags),
                                   link=link if link is not None else parsed.link,
                                   body=parsed.body)
            elif editor or all(f is None for f in flags):
                if not sys.stdin.isatty() and not editor:
                    raise _fail("nothing to change: give --title, --body, --file, --tags,"
                                " --audience, --link or --editor")
                from cxinbox.domain.kb import ArticleText, render_file

                now = api.kb_show(slug)
                start = render_file(ArticleText(slug=now.slug, title=now.title,
                                                tags=now.tags, audience=now.audience,
                                                body=now.body, link=now.link))
                parsed = _edit_in_editor(cfg, start, now.slug)
                if parsed.slug != now.slug:
                    raise _fail("the slug cannot change in an edit (add a new article)")
                changes.update(title=parsed.title, audience=parsed.audience,
                               tags=list(parsed.tags), link=parsed.link, body=parsed.body)
            article = api.kb_edit(slug, changes["title"], changes["body"],
                                  changes["audience"], changes["tags"], changes["link"], note)
        _print_article(article, cfg, as_json, f"saved {article.slug} as revision"
                                              f" {article.revision}")

    @kb.command("list")
    def list_cmd(tag: Annotated[str | None, typer.Option("--tag", help="Only this tag.")] = None,
                 audience: Audience = None, as_json: JsonOpt = False,
                 config: ConfigOpt = None) -> None:
        """Every article, by title."""
        cfg = load_config(config)
        with open_api(cfg) as api:
            found = api.kb_list(tag.strip().lower() if tag else None, _audience(audience))
        if as_json:
            _echo_json([{k: v for k, v in a.to_dict().items() if k != "body"} for a in found])
            return
        width = min(28, max((len(a.slug) for a in found), default=4))
        for a in found:
            staff = "  [staff-only]" if a.audience == "staff-only" else ""
            typer.echo(f"{a.slug:<{width}}  {a.title}{staff}")
        typer.echo(f"{len(found)} article(s)", err=True)

    @kb.command("search")
    def search(words: Annotated[list[str], typer.Argument(
                   metavar="WORDS...", help='Words (prefixes) to find; "quoted phrase".')],
               limit: Annotated[int, typer.Option("--limit", min=1, max=200)] = 20,
               as_json: JsonOpt = False, config: ConfigOpt = None) -> None:
        """Find articles: every word must match (accents and case do not matter)."""
        cfg = load_config(config)
        with open_api(cfg) as api:
            hits = api.kb_search(" ".join(words), limit)
        if as_json:
            _echo_json([h.to_dict() for h in hits])
            return
        for h in hits:
            for line in _hit_line(h):
                typer.echo(line)
        typer.echo(f"{len(hits)} article(s)", err=True)

    @kb.command("show")
    def show(slug: Annotated[str, typer.Argument(metavar="SLUG")],
             revision: Annotated[int | None, typer.Option(
                 "--revision", "-r", min=1, help="An earlier revision (see kb history).")] = None,
             as_json: JsonOpt = False, config: ConfigOpt = None) -> None:
        """One article (as it is now, or at --revision N)."""
        cfg = load_config(config)
        with open_api(cfg) as api:
            article = api.kb_show(slug.strip().lower(), revision)
        _print_article(article, cfg, as_json, None)

    @kb.command("history")
    def history(slug: Annotated[str, typer.Argument(metavar="SLUG")],
                as_json: JsonOpt = False, config: ConfigOpt = None) -> None:
        """Who changed an article, when, and what (kb show SLUG -r N reads one)."""
        cfg = load_config(config)
        with open_api(cfg) as api:
            found = api.kb_history(slug.strip().lower())
        if as_json:
            _echo_json([r.to_dict() for r in found])
            return
        for r in found:
            note = f"  - {r.note}" if r.note else ""
            typer.echo(f"{r.revision:>4}  {_when(r.at, cfg)}  {r.author:<14} "
                       f"{', '.join(r.changed)}{note}")

    @kb.command("sync")
    def sync(as_json: JsonOpt = False, config: ConfigOpt = None) -> None:
        """Re-read [kb] folder now (the server also does when a file changes)."""
        cfg = load_config(config)
        with open_api(cfg, create=True) as api:
            report = api.kb_sync()
        if as_json:
            _echo_json(report.to_dict())
        else:
            typer.echo(f"{report.folder}: {len(report.added)} added, {len(report.changed)}"
                       f" changed, {report.unchanged} unchanged, {len(report.retired)} retired")
            for line in report.errors:
                typer.echo(f"cxinbox: {line}", err=True)
        if report.errors:
            raise typer.Exit(1)

    def _print_article(article: KbArticle, cfg: Config, as_json: bool,
                       done: str | None) -> None:
        if as_json:
            _echo_json(article.to_dict())
            return
        for line in _article_lines(article, cfg):
            typer.echo(line)
        if done:
            typer.echo(done, err=True)


def _audience(value: str | None) -> str | None:
    """The audience as the API spells it ("patient" and "staff" are accepted here)."""
    if value is None:
        return None
    from cxinbox.domain.kb import KbFormatError, check_audience

    try:
        return check_audience(value)
    except KbFormatError as exc:
        raise _fail(str(exc)) from None
