"""A coarse lexer for SPARQL text: enough to look at keywords outside strings, IRIs and comments.

Used before any parser runs (parsers can crash on hostile text) and where parsing would cost
more than the question is worth, e.g. "does this query name its own dataset with FROM?".
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator

_TOKEN = re.compile(
    r'''
    (?P<string>"""(?:[^"\\]|\\.|"(?!""))*"""
      |\'\'\'(?:[^'\\]|\\.|'(?!''))*\'\'\'
      |"(?:[^"\\\n\r]|\\.)*"
      |'(?:[^'\\\n\r]|\\.)*')
    |(?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
    |(?P<comment>\#[^\n\r]*)
    |(?P<open>[({\[])
    |(?P<close>[)}\]])
    |(?P<other>[^"'<#(){}\[\]]+|.)
    ''',
    re.VERBOSE | re.DOTALL,
)

_FROM = re.compile(r"(?<![\w?$:.\-\\])FROM(?![\w:\-])", re.IGNORECASE)
#: The letters alone, matched with the same flags: text without them cannot hold the keyword.
_FROM_LETTERS = re.compile("FROM", re.IGNORECASE)


def scan(text: str) -> Iterator[tuple[str, str]]:
    """Coarse tokens of SPARQL text: (kind, text), kind in string/iri/comment/open/close/other."""
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup or "other"
        yield kind, match.group()


def bare_text(text: str) -> str:
    """The text with strings, IRIs and comments blanked out, so keywords can be searched."""
    kept = ("other", "open", "close")
    return "".join(token if kind in kept else " " for kind, token in scan(text))


@functools.lru_cache(maxsize=256)
def names_dataset(text: str) -> bool:
    """True when the query has a FROM or FROM NAMED clause of its own.

    Asked for every query a store runs; lexing costs ~0.3 ms for a named query, more than some
    queries take. Text without the letters is answered at once, and answers are remembered per
    text (bounded: 256 texts, as many as the guard's verdicts in each query worker).
    """
    if _FROM_LETTERS.search(text) is None:
        return False
    return _FROM.search(bare_text(text)) is not None
