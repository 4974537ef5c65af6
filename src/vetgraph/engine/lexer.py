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
from collections.abc import Iterator, Mapping
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


def after_group(found: list[Token], start: int) -> int:
    """Index of the token after the group whose ``{`` is at ``start`` (``len(found)`` when
    the text ends first)."""
    depth = 0
    for index in range(start, len(found)):
        kind, token, _ = found[index]
        if kind == "open" and token == "{":
            depth += 1
        elif kind == "close" and token == "}":
            depth -= 1
            if depth == 0:
                return index + 1
    return len(found)


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


def _selects(toks: list[Token]) -> dict[int, tuple[int, frozenset[str] | None, bool]]:
    """For each SELECT keyword's index in ``toks`` (no white space): the index of the ``{``
    opening its WHERE group, the variables it projects plainly (``None`` for ``*``), and
    whether it projects an expression ``(... AS ?v)`` too."""
    out: dict[int, tuple[int, frozenset[str] | None, bool]] = {}
    at: int | None = None
    projected: set[str] = set()
    star = expression = False
    depth = 0  # parentheses: (EXISTS { ... } AS ?v) is no WHERE group
    for index, token in enumerate(toks):
        if at is None:
            if token.kind == "word" and token.text.upper() == "SELECT":
                at, projected, star, expression, depth = index, set(), False, False, 0
            continue
        if token.kind == "open" and token.text == "(":
            expression, depth = expression or depth == 0, depth + 1
        elif token.kind == "close" and token.text == ")":
            depth -= 1
        elif depth == 0 and token.kind == "op" and token.text == "*":
            star = True
        elif depth == 0 and token.kind == "var":
            projected.add(token.text[1:])
        elif depth == 0 and token.kind == "open" and token.text == "{":
            out[at] = (index, None if star else frozenset(projected), expression)
            at = None
    return out


@functools.lru_cache(maxsize=256)
def select_groups(text: str) -> tuple[tuple[int, frozenset[str] | None], ...]:
    """Every SELECT of the query, the outer one and subqueries alike: the offset just inside
    its WHERE group, and the variables it projects as plain variables (``None`` for
    ``SELECT *``; a variable only named by ``(... AS ?v)`` is not a plain projection).

    The place to bind a variable early: a subquery that projects ``?v`` meets the rest of the
    query only through its projected variables, so dropping its rows with another ``?v``
    cannot change the answer, and the engine need not compute them. Remembered per text
    (bounded), as it is asked for every request of a named query.
    """
    toks = tokens(text, keep_space=False)
    return tuple(
        (toks[brace].start + 1, projected) for brace, projected, _ in _selects(toks).values()
    )


class _Scope:
    """One SELECT while :func:`inline_terms` reads it: which names are its variables and
    where the reading is (projection, WHERE group, solution modifiers)."""

    def __init__(self, ends_below: int, visible: frozenset[str], brace: int | None) -> None:
        self.ends_below = ends_below  # the enclosing group's depth; the outer scope never ends
        self.visible = visible
        self.brace = brace  # index of the ``{`` opening its WHERE group
        self.phase = "projection" if brace is not None else "body"
        self.body_depth = -1
        self.parens = 0


def inline_terms(text: str, terms: Mapping[str, str]) -> str | None:
    """The query with each variable of ``terms`` (name → a term in SPARQL syntax) written as
    that constant wherever it is that variable: in the outer query and in every subquery that
    projects it (elsewhere a variable of the same name is another variable). The outer
    projection keeps the name, ``(<term> AS ?v)``; a subquery's drops it; after a WHERE group
    (GROUP BY, ORDER BY, HAVING) it is ``(<term>)``. ``None`` when the text does not allow it
    (an outer ``SELECT *``, the variable bound by AS or VALUES, a subquery projecting nothing
    else): bind the values another way then.

    Why: engines plan around constants. An OPTIONAL that joins on the parameter is evaluated
    for every value when the parameter is a variable (bound by VALUES or a substitution), for
    one when it is a constant: training-bases-by-cluster at 1,000 schools 27 ms → 1 ms.
    Remembered per text and terms (bounded), as it is asked for every request.
    """
    return _inline_terms(text, tuple(sorted(terms.items())))


@functools.lru_cache(maxsize=256)
def _inline_terms(text: str, pairs: tuple[tuple[str, str], ...]) -> str | None:
    terms = dict(pairs)
    toks = tokens(text, keep_space=False)
    selects = _selects(toks)
    scopes = [_Scope(-1, frozenset(terms), None)]
    depth = 0
    edits: list[tuple[int, int, str]] = []
    for index, token in enumerate(toks):
        scope = scopes[-1]
        if index in selects:
            brace, projected, expression = selects[index]
            if len(scopes) == 1 and scope.brace is None and depth == 0:
                if projected is None:
                    return None
                scope.brace, scope.phase = brace, "projection"
            else:
                seen = frozenset(n for n in scope.visible if projected is None or n in projected)
                if projected is not None and seen and not (projected - seen or expression):
                    return None
                scopes.append(_Scope(depth, seen, brace))
            continue
        if token.kind == "open" and token.text == "{":
            if index == scope.brace:
                scope.phase, scope.body_depth = "body", depth
            depth += 1
        elif token.kind == "close" and token.text == "}":
            depth -= 1
            if scope.phase == "body" and depth == scope.body_depth:
                scope.phase = "modifiers"
            while len(scopes) > 1 and depth < scopes[-1].ends_below:
                scopes.pop()
        elif scope.phase == "projection" and token.kind in ("open", "close"):
            scope.parens += 1 if token.text == "(" else -1 if token.text == ")" else 0
        elif token.kind == "var" and token.text[1:] in scope.visible:
            if index and toks[index - 1].text.upper() in ("AS", "VALUES"):
                return None
            name, end = token.text[1:], token.start + len(token.text)
            term = terms[name]
            if scope.phase == "projection" and scope.parens == 0:
                edits.append((token.start, end, f"({term} AS ?{name})" if len(scopes) == 1 else ""))
            elif scope.phase == "modifiers":
                edits.append((token.start, end, f"({term})"))
            else:
                edits.append((token.start, end, term))
    return _splice(text, edits)


def insert_at(text: str, inserts: list[tuple[int, str]]) -> str:
    """``text`` with each ``(offset, piece)`` inserted, offsets into the original text."""
    return _splice(text, [(offset, offset, piece) for offset, piece in inserts])


def _splice(text: str, edits: list[tuple[int, int, str]]) -> str:
    """``text`` with each ``(begin, end, piece)`` span replaced (spans of the original text,
    not overlapping)."""
    out, last = [], 0
    for begin, end, piece in sorted(edits, key=lambda edit: edit[0]):
        out += [text[last:begin], piece]
        last = end
    return "".join(out) + text[last:]
