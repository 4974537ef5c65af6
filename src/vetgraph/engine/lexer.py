"""A SPARQL lexer: the terminals of SPARQL 1.1 (§19.8) as Oxigraph reads them.

Used before any parser runs (parsers can crash on hostile text, or take seconds) and where
parsing would cost more than the question is worth, e.g. "does this query name its own dataset
with FROM?". The query guard decides its refusals on these tokens, so they must be the tokens
the engine reads: tests compare them with pyoxigraph's own reading (tests/web/test_sparql_lexer).

Where engines disagree, :func:`readings` gives each reading: Oxigraph ends a ``#`` comment at
``\\r`` or ``\\n`` and reads ``\\u`` escapes only inside strings and IRIs; rdflib ends a comment
at ``\\n`` only and expands every ``\\u`` escape before it parses.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from typing import NamedTuple

_PN_CHARS_BASE = (
    "A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02ff\u0370-\u037d\u037f-\u1fff\u200c-\u200d"
    "\u2070-\u218f\u2c00-\u2fef\u3001-\ud7ff\uf900-\ufdcf\ufdf0-\ufffd\U00010000-\U000effff"
)
_PN_CHARS_U = _PN_CHARS_BASE + "_"
_PN_CHARS = _PN_CHARS_U + r"\-0-9\u00b7\u0300-\u036f\u203f-\u2040"
_PLX = r"%[0-9A-Fa-f]{2}|\\[_~.\-!$&'()*+,;=/?#@%]"
_HEX4, _HEX8 = "[0-9A-Fa-f]{4}", "[0-9A-Fa-f]{8}"
_UCHAR = rf"\\u{_HEX4}|\\U{_HEX8}"
_ECHAR = r"\\[tbnrf\\\"']"
#: Oxigraph's PN_LOCAL (spargebra's grammar, a PEG: repetitions never give back): at most one
#: group of dots inside, so ``ex:o.a.SERVICE`` is ``ex:o.a``, ``.`` and the keyword SERVICE.
_PN_LOCAL = (
    rf"(?:[{_PN_CHARS_U}:0-9]|{_PLX})(?:[{_PN_CHARS}:]|{_PLX})*+"
    rf"(?:\.++(?:[{_PN_CHARS}:]|{_PLX})++)?"
)
_EXPONENT = r"[eE][+-]?[0-9]+"
#: A name run that may be a prefix: a letter, then name characters and dots (no backtracking).
_PN_PREFIX_RUN = rf"[{_PN_CHARS_BASE}][{_PN_CHARS}.]*+"

_TERMINALS = rf"""
    (?P<ws>[\x20\t\r\n]+)
    |(?P<comment>\#COMMENT_BODY)
    |(?P<iri><(?:[^<>"{{}}|^`\\\x00-\x20]|{_UCHAR})*+>)
    |(?P<pname>(?>{_PN_PREFIX_RUN})(?<!\.):(?:{_PN_LOCAL})?|:(?:{_PN_LOCAL})?)
    |(?P<run>{_PN_PREFIX_RUN})
    |(?P<bnode>_:[{_PN_CHARS_U}0-9][{_PN_CHARS}]*+(?:\.++[{_PN_CHARS}]++)*+)
    |(?P<var>[?$][{_PN_CHARS_U}0-9][{_PN_CHARS_U}0-9\u00b7\u0300-\u036f\u203f-\u2040]*+)
    |(?P<string>\"\"\"(?:(?:"|"")?(?:[^"\\]|{_ECHAR}|{_UCHAR}))*+\"\"\"
      |'''(?:(?:'|'')?(?:[^'\\]|{_ECHAR}|{_UCHAR}))*+'''
      |"(?:[^"\\\n\r]|{_ECHAR}|{_UCHAR})*+"
      |'(?:[^'\\\n\r]|{_ECHAR}|{_UCHAR})*+')
    |(?P<number>[+-]?(?:[0-9]+\.[0-9]*{_EXPONENT}|\.[0-9]+{_EXPONENT}|[0-9]+{_EXPONENT}
      |[0-9]*\.[0-9]+|[0-9]+))
    |(?P<langtag>@[a-zA-Z]+(?:-[a-zA-Z0-9]+)*(?:--[a-zA-Z]+)?)
    |(?P<word>_[A-Za-z0-9_]*)
    |(?P<open>[({{\[])
    |(?P<close>[)}}\]])
    |(?P<op>\^\^|\|\||&&|!=|<=|>=|<<|>>|[|^/*+\-!=<>?~])
    |(?P<punct>[.,;@$])
    |(?P<error>["'].*|.)
"""


def _lexer(comment_body: str) -> re.Pattern[str]:
    return re.compile(_TERMINALS.replace("COMMENT_BODY", comment_body), re.VERBOSE | re.DOTALL)


#: Oxigraph ends a comment at CR or LF; rdflib at LF only.
_OXIGRAPH = _lexer(r"[^\r\n]*")
_RDFLIB = _lexer(r"[^\n]*")
#: The pieces of a name run that is no prefixed name: keywords, numbers, dots and the rest.
_RUN_PIECES = re.compile(
    r"(?P<word>[A-Za-z_][A-Za-z0-9_]*)|(?P<number>[0-9]+)|(?P<punct>\.)|(?P<error>.)", re.DOTALL
)


class Token(NamedTuple):
    """One terminal: its kind (a group name of ``_TERMINALS``), text and offset in the text."""

    kind: str
    text: str
    start: int


def tokens(
    text: str, *, comments_end_at_cr: bool = True, keep_space: bool = True
) -> list[Token]:
    """The terminals of ``text`` in order, white space and comments included; linear time.

    Oxigraph's reading by default; ``comments_end_at_cr=False`` gives rdflib's comments.
    A name run that is no prefixed name (``true.SERVICE``, ``a.b``) is split into keywords and
    dots, as a PEG parser reads it. Characters that start no terminal come out one by one as
    ``error`` tokens and lexing goes on after them; a quote that opens no string makes one
    ``error`` token of the rest of the text (every engine refuses such text).
    ``keep_space=False`` leaves white space and comments out (faster, for the guard).
    """
    lexer = _OXIGRAPH if comments_end_at_cr else _RDFLIB
    out: list[Token] = []
    append = out.append
    for match in lexer.finditer(text):
        kind = match.lastgroup or "error"
        if not keep_space and (kind == "ws" or kind == "comment"):
            continue
        if kind == "run":
            value = match.group()
            if value.isascii() and value.isalpha():
                append(Token("word", value, match.start()))
                continue
            base = match.start()
            for piece in _RUN_PIECES.finditer(value):
                append(Token(piece.lastgroup or "error", piece.group(), base + piece.start()))
            continue
        append(Token(kind, match.group(), match.start()))
    return out


def expand_unicode_escapes(text: str) -> str:
    """The text as rdflib parses it: every ``\\uXXXX`` / ``\\UXXXXXXXX`` expanded first.

    rdflib's own function; text it cannot expand is returned as it is (rdflib refuses it).
    """
    from rdflib.plugins.sparql.parser import expandUnicodeEscapes

    try:
        return expandUnicodeEscapes(text)
    except ValueError:
        return text


def readings(text: str) -> list[list[Token]]:
    """The token streams (no white space, no comments) of every engine behind the endpoint:
    Oxigraph's, then rdflib's when it differs (only text with a CR or a ``\\u`` / ``\\U``
    can be read differently)."""
    out = [tokens(text, keep_space=False)]
    if "\r" in text or "\\u" in text or "\\U" in text:
        rdflib = expand_unicode_escapes(text)
        out.append(tokens(rdflib, comments_end_at_cr=False, keep_space=False))
    return out


_COARSE = {"string": "string", "iri": "iri", "comment": "comment", "open": "open", "close": "close"}


def scan(text: str) -> Iterator[tuple[str, str]]:
    """Coarse tokens of SPARQL text: (kind, text), kind in string/iri/comment/open/close/other.

    Runs of every other terminal (names, variables, white space, operators) come out joined as
    one ``other`` token.
    """
    pending: list[str] = []
    for token in tokens(text):
        kind = _COARSE.get(token.kind)
        if kind is None:
            pending.append(token.text)
            continue
        if pending:
            yield "other", "".join(pending)
            pending = []
        yield kind, token.text
    if pending:
        yield "other", "".join(pending)


def bare_text(text: str) -> str:
    """The text with strings, IRIs and comments blanked out, so keywords can be searched."""
    kept = ("other", "open", "close")
    return "".join(token if kind in kept else " " for kind, token in scan(text))


_FROM = re.compile(r"(?<![\w?$:.\-\\])FROM(?![\w:\-])", re.IGNORECASE)
#: The letters alone, matched with the same flags: text without them cannot hold the keyword.
_FROM_LETTERS = re.compile("FROM", re.IGNORECASE)


@functools.lru_cache(maxsize=256)
def names_dataset(text: str) -> bool:
    """True when the query has a FROM or FROM NAMED clause of its own.

    Asked for every query a store runs; lexing costs ~0.3 ms for a named query, more than some
    queries take. Text without the letters is answered at once, and answers are remembered per
    text (bounded: 256 texts, as many as the guard's verdicts in each query worker).
    """
    if _FROM_LETTERS.search(text) is None:
        return False
    return any(t.kind == "word" and t.text.upper() == "FROM" for t in tokens(text))
