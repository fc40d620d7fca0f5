"""Which new tasks of a re-import are stored tasks under a new name.

A task's key follows the document's headings and titles, so renaming a section or rewording an
item changes its key: matched by key alone, the task would look removed and a new one created
beside it, and its ref, history and runs would stay behind on the old one. Matched by what the
two say (their title and description words), the stored task is kept and shown as renamed.

A pair is taken only when it is clearly the best for both sides: two equally good candidates
leave both unmatched (a removed and a new task, as without this rule), never a wrong pairing.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

MIN_SIMILARITY = 0.5
"""Shared words over all words of the two (Jaccard): half the words in common at least."""

_WORD = re.compile(r"[^\W_]+")


@dataclass(frozen=True, slots=True)
class Wording:
    """A task's words as the matcher reads them: its key, title and description."""

    key: str
    title: str
    description: str

    def words(self) -> frozenset[str]:
        """The distinct words of the title and description, in lower case."""
        return frozenset(_WORD.findall(f"{self.title} {self.description}".casefold()))


def match_renames(new: Sequence[Wording], gone: Sequence[Wording]) -> dict[str, str]:
    """``new key -> stored key`` for each new task that is a stored one renamed."""
    if not new or not gone:
        return {}
    gone_words = {g.key: g.words() for g in gone}
    index: defaultdict[str, list[str]] = defaultdict(list)
    for key, words in gone_words.items():
        for word in words:
            index[word].append(key)
    pairs: list[tuple[float, str, str]] = []
    for task in new:
        words = task.words()
        shared = Counter(key for word in words for key in index.get(word, ()))
        for key, count in shared.items():
            score = count / (len(words) + len(gone_words[key]) - count)
            if score >= MIN_SIMILARITY:
                pairs.append((score, task.key, key))
    return _clear_best(pairs)


def _clear_best(pairs: list[tuple[float, str, str]]) -> dict[str, str]:
    """Pair off the best scores first; a tie for either side's best pairs neither."""
    best_new: dict[str, list[float]] = defaultdict(list)
    best_gone: dict[str, list[float]] = defaultdict(list)
    for score, new_key, gone_key in pairs:
        best_new[new_key].append(score)
        best_gone[gone_key].append(score)
    taken: dict[str, str] = {}
    used: set[str] = set()
    for score, new_key, gone_key in sorted(pairs, key=lambda p: (-p[0], p[1], p[2])):
        if new_key in taken or gone_key in used:
            continue
        if best_new[new_key].count(score) > 1 or best_gone[gone_key].count(score) > 1:
            continue  # two equally good candidates: no guess
        taken[new_key] = gone_key
        used.add(gone_key)
    return taken
