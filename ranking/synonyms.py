"""Synonyms applied at query time (no reindexing): two-way groups and one-way rules, of single
words or multi-word phrases.

Rule syntax, one per line (``#`` starts a comment):

    stainless steel, inox, a2        # two-way: any of them finds all of them
    m8 => m8 metric thread           # one-way: "m8" also finds "m8 metric thread", not back
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import product

from catalog.errors import InvalidInput
from catalog.text import singular, words

Phrase = tuple[str, ...]
MAX_VARIANTS = 8  # a query with many synonyms must not explode into too many searches


@dataclass(frozen=True)
class SynonymSet:
    rules: dict[Phrase, tuple[Phrase, ...]] = field(default_factory=dict)

    @property
    def longest(self) -> int:
        return max((len(k) for k in self.rules), default=0)

    @classmethod
    def parse(cls, lines: Iterable[str], source: str = "synonyms") -> SynonymSet:
        rules: dict[Phrase, list[Phrase]] = {}
        for number, raw in enumerate(lines, start=1):
            line = raw.split("#", 1)[0].strip()
            if not line:
                continue
            one_way = "=>" in line
            if one_way:
                left, _, right = line.partition("=>")
                if "=>" in right:
                    raise InvalidInput(f"{source}:{number}: more than one '=>'", field="synonyms")
                keys = _phrases(left, source, number)
                targets = _phrases(right, source, number)
            else:
                keys = targets = _phrases(line, source, number)
                if len(keys) < 2:
                    raise InvalidInput(f"{source}:{number}: a two-way rule needs at least two "
                                       "terms separated by commas", field="synonyms")
            for key in keys:
                found = rules.setdefault(tuple(singular(w) for w in key), [])
                for target in targets:
                    if target != key and target not in found:  # targets stay as written
                        found.append(target)
        return cls({k: tuple(v) for k, v in rules.items() if v})

    def spans(self, tokens: list[str]) -> list[tuple[int, int, tuple[Phrase, ...]]]:
        """Non-overlapping (start, end, alternatives) in the query's words, longest first."""
        out = []
        i = 0
        longest = self.longest
        while i < len(tokens):
            for size in range(min(longest, len(tokens) - i), 0, -1):
                key = tuple(singular(t) for t in tokens[i : i + size])
                if key in self.rules:
                    out.append((i, i + size, self.rules[key]))
                    i += size
                    break
            else:
                i += 1
        return out

    def variants(self, tokens: list[str]) -> list[list[str]]:
        """The query's words with synonyms put in, at most MAX_VARIANTS, the query itself not
        included."""
        spans = self.spans(tokens)
        if not spans:
            return []
        choices = [[tuple(tokens[s:e])] + list(alts) for s, e, alts in spans]
        out: list[list[str]] = []
        for combo in product(*choices):
            if all(c == tuple(tokens[s:e]) for c, (s, e, _) in zip(combo, spans, strict=True)):
                continue  # the query as typed
            words_out: list[str] = []
            pos = 0
            for (s, e, _), chosen in zip(spans, combo, strict=True):
                words_out += tokens[pos:s] + list(chosen)
                pos = e
            words_out += tokens[pos:]
            out.append(words_out)
            if len(out) >= MAX_VARIANTS:
                break
        return out


def _phrases(text: str, source: str, number: int) -> list[Phrase]:
    out = []
    for part in text.split(","):
        phrase = tuple(words(part))
        if not phrase:
            if part.strip():
                raise InvalidInput(f"{source}:{number}: {part.strip()!r} has no searchable word",
                                   field="synonyms")
            raise InvalidInput(f"{source}:{number}: empty term", field="synonyms")
        out.append(phrase)
    return out
