"""The project's ``docs/*.md`` as HTML pages of the site (the Markdown stays available).

Rendered with markdown-it-py (CommonMark plus tables; raw HTML in the Markdown is not passed
through). Links between the pages (``sparql.md#x``) point at the HTML pages (``sparql#x``), and
links to the dataset's own IRIs at this server's pages, as entity pages do.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

#: Page names: a file name in ``docs/`` without its ``.md`` (no folders, no dots).
PAGE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


@dataclass
class DocPage:
    """One rendered page: its name, first heading, HTML body and table of contents."""

    name: str
    title: str
    html: str
    toc: list[tuple[int, str, str]]


@lru_cache(maxsize=1)
def _markdown() -> Any:
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"html": False}).enable("table")


def _slug(text: str, taken: set[str]) -> str:
    """An anchor for a heading (GitHub-like: lowercase, spaces to hyphens, CJK kept)."""
    base = re.sub(r"[^\w\- ]", "", text.strip().lower()).replace(" ", "-") or "section"
    slug, n = base, 1
    while slug in taken:
        n += 1
        slug = f"{base}-{n}"
    taken.add(slug)
    return slug


def page_href(href: str, local: Callable[[str], str]) -> str:
    """Where a link of a docs page should go on this server.

    ``other.md#x`` -> ``other#x`` (the HTML page); a dataset IRI -> its local page (``local``);
    anything else unchanged.
    """
    if _SCHEME.match(href):
        return local(href)
    path, hash_, fragment = href.partition("#")
    if "/" not in path and path.endswith(".md") and PAGE_NAME.match(path[:-3]):
        return path[:-3] + hash_ + fragment
    return href


def render(name: str, text: str, local: Callable[[str], str]) -> DocPage:
    """Markdown text -> a :class:`DocPage` (headings get anchors, links are rewritten)."""
    md = _markdown()
    tokens = md.parse(text)
    taken: set[str] = set()
    toc: list[tuple[int, str, str]] = []
    title = name
    for i, token in enumerate(tokens):
        if token.type == "heading_open":
            inline = tokens[i + 1]
            words = "".join(
                c.content for c in inline.children or [] if c.type in ("text", "code_inline")
            )
            anchor = _slug(words, taken)
            token.attrSet("id", anchor)
            level = int(token.tag[1])
            if level == 1 and title == name:
                title = words
            elif level in (2, 3):
                toc.append((level, anchor, words))
        if token.type == "inline":
            for child in token.children or []:
                if child.type == "link_open":
                    child.attrSet("href", page_href(str(child.attrGet("href") or ""), local))
    html = md.renderer.render(tokens, md.options, {})
    return DocPage(name, title, html, toc)


def pages(folder: Path) -> list[str]:
    """The page names of ``docs/`` in order."""
    if not folder.is_dir():
        return []
    return sorted(p.stem for p in folder.glob("*.md") if PAGE_NAME.match(p.stem))


def first_heading(path: Path) -> str:
    """The ``# title`` of a Markdown file (its name when it has none)."""
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("# "):
            return line[2:].strip()
    return path.stem
