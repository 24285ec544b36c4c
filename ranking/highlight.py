"""Highlights and match explanations computed from the plan, so every backend agrees."""

from __future__ import annotations

import html
import re

from catalog.text import fold, singular
from indexer.plan import TermClause

_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)


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


def highlight(text: str, terms: list[TermClause], pre: str = "<em>", post: str = "</em>",
              escape: bool = True) -> tuple[str, dict[str, str]]:
    """HTML-escaped ``text`` with matched words in ``<em>``, and {query word: how it matched}.
    ``pre``/``post`` replace the tags; ``escape=False`` leaves the text as it is (clients that
    escape it themselves, like InstantSearch, would otherwise show ``&amp;``)."""
    quote = html.escape if escape else _same
    out: list[str] = []
    matched: dict[str, str] = {}
    pos = 0
    for m in _TOKEN.finditer(text):
        token = fold(m.group())
        kind = None
        for term in terms:
            kind = match_kind(token, term)
            if kind:
                matched.setdefault(term.text, kind)
                break
        out.append(quote(text[pos : m.start()]))
        word = quote(m.group())
        out.append(f"{pre}{word}{post}" if kind else word)
        pos = m.end()
    out.append(quote(text[pos:]))
    return "".join(out), matched


def _same(text: str) -> str:
    return text
