"""Highlights and match explanations computed from the plan, so every backend agrees."""

from __future__ import annotations

import html
import re

from catalog.text import fold, singular
from indexer.plan import TermClause

_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)
_SPECIAL = re.compile(r"[&<>\"']")  # what html.escape changes: a text without any is kept as is


def edit_distance(a: str, b: str, limit: int) -> int:
    """Optimal-string-alignment distance (a swap costs one), stopping early past ``limit``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        if min(cur) > limit:
            return limit + 1
        prev2, prev = prev, cur
    return prev[-1]


def match_kind(token: str, term: TermClause) -> str | None:
    """How a folded document word matches a query word: exact, prefix, typo, part or None."""
    if token == term.text or singular(token) == singular(term.text):
        return "exact"
    if term.prefix and token.startswith(term.text):
        return "prefix"
    if term.code_parts and token in term.code_parts:
        return "part"
    if term.fuzzy:
        if term.prefix and len(token) > len(term.text):
            if edit_distance(token[: len(term.text)], term.text, term.fuzzy) <= term.fuzzy:
                return "typo"
        if edit_distance(token, term.text, term.fuzzy) <= term.fuzzy:
            return "typo"
    return None


class Matcher:
    """The query words of one request, matched against document words with a memo: the same
    words recur across the hits of a page (names, descriptions), and a fuzzy comparison costs
    an edit distance per query word."""

    __slots__ = ("terms", "_memo")

    def __init__(self, terms: list[TermClause]) -> None:
        self.terms = terms
        self._memo: dict[str, tuple[str, str] | None] = {}

    def __call__(self, word: str) -> tuple[str, str] | None:
        """(query word, how it matched) for a word as written in a document, or None."""
        try:
            return self._memo[word]
        except KeyError:
            pass
        token = fold(word)
        found = None
        for term in self.terms:
            kind = match_kind(token, term)
            if kind:
                found = (term.text, kind)
                break
        self._memo[word] = found
        return found


def highlight(text: str, terms: list[TermClause] | Matcher, pre: str = "<em>",
              post: str = "</em>", escape: bool = True) -> tuple[str, dict[str, str]]:
    """HTML-escaped ``text`` with matched words in ``<em>``, and {query word: how it matched}.
    ``pre``/``post`` replace the tags; ``escape=False`` leaves the text as it is (clients that
    escape it themselves, like InstantSearch, would otherwise show ``&amp;``). Pass one
    :class:`Matcher` for all the texts of a response."""
    quote = html.escape if escape and _SPECIAL.search(text) else _same
    matcher = terms if isinstance(terms, Matcher) else Matcher(terms)
    out: list[str] = []
    matched: dict[str, str] = {}
    pos = 0
    for m in _TOKEN.finditer(text):
        word = m.group()
        found = matcher(word)
        out.append(quote(text[pos : m.start()]))
        if found:
            matched.setdefault(found[0], found[1])
            out.append(f"{pre}{quote(word)}{post}")
        else:
            out.append(quote(word))
        pos = m.end()
    out.append(quote(text[pos:]))
    return "".join(out), matched


def _same(text: str) -> str:
    return text
