"""The planner's faster forms of a regex or a difflib test give what the plain forms give.

Each was written for speed only (docs/performance.md, "PRD import"): the anchors as a letter
tree, the section kinds and the dependency phrases split by first letter, difflib's quick
ratio counted in C.
"""

from __future__ import annotations

import difflib
import re
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from core.prd.plan import classify
from core.prd.plan.lexicon import (
    DEP_ANCHOR,
    DEP_ANCHORS,
    DEP_TRIGGER,
    TRIGGER_KINDS,
    alternatives,
    first_letters,
    trigger_kind,
)
from core.prd.plan.match import _quick_ratio_reaches

_PLAIN_ANCHOR = re.compile("|".join(re.escape(a) for a in sorted(DEP_ANCHORS)))
_PLAIN_KIND = re.compile(
    "|".join(f"(?P<k{n}>{p.pattern})" for n, (_, _, p) in enumerate(classify._KINDS))
)
_KIND_WORDS = sorted(
    {w for _, _, p in classify._KINDS for w in re.findall(r"[^\W\d_]+", p.pattern)}
)
_LITERAL_PHRASES = sorted(
    a
    for _, _, p in classify._KINDS
    for a in alternatives(p.pattern)
    if re.fullmatch(r"[^\W_]+(?: [^\W_]+)*", a)
)

_PLAIN_TRIGGER = re.compile(
    r"(?<![\w-])(?:"
    + "|".join(f"(?P<{name}>(?:{phrases}){after})" for name, phrases, after in TRIGGER_KINDS)
    + r")(?![\w-])\s*:?\s*",
    re.IGNORECASE,
)
_TRIGGER_WORDS = sorted(
    {w for _, p, _ in TRIGGER_KINDS for w in re.findall(r"[^\W\d_]+", p)} | {"A1", "2.1", "X"}
)
_PRDS = Path(__file__).resolve().parents[1] / "fixtures" / "prds"


def _triggers(text: str) -> list[tuple[tuple[int, int], str]]:
    return [(m.span(), trigger_kind(m)) for m in DEP_TRIGGER.finditer(text)]


def _plain_triggers(text: str) -> list[tuple[tuple[int, int], str]]:
    return [(m.span(), m.lastgroup or "") for m in _PLAIN_TRIGGER.finditer(text)]


def _start(m: re.Match[str] | None) -> int | None:
    return None if m is None else m.start()


def _plain_kind(words: str) -> str | None:
    m = _PLAIN_KIND.fullmatch(words)
    return None if m is None else m.lastgroup


def _kind(words: str) -> str | None:
    by_letter = classify._ANY_KIND_BY_LETTER.get(words[0], classify._ANY_KIND_OTHER)
    m = by_letter.fullmatch(words)
    return None if m is None else m.lastgroup


def test_alternatives_rejoin_into_each_kind_pattern() -> None:
    for _, _, pattern in classify._KINDS:
        pieces = alternatives(pattern.pattern)
        assert "(?:" + "|".join(pieces) + ")" == pattern.pattern
        assert all(pieces)


def test_alternatives_rejoin_into_each_trigger_kind() -> None:
    for _, phrases, _ in TRIGGER_KINDS:
        assert "|".join(alternatives(phrases)) == phrases


def test_dependency_phrases_match_as_the_plain_alternation_in_every_document() -> None:
    for path in sorted(_PRDS.rglob("*.md")):
        for paragraph in path.read_text(encoding="utf-8-sig").split("\n\n"):
            flat = paragraph.replace("\n", " ")
            assert _triggers(flat) == _plain_triggers(flat), (path.name, flat)


@settings(max_examples=1000, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.sampled_from(_TRIGGER_WORDS),
            st.sampled_from(_TRIGGER_WORDS).map(str.upper),
            st.sampled_from([" ", " ", ": ", ", ", "-", "'", "’", "ſ", "İ", "K"]),
        ),
        max_size=10,
    ).map(" ".join)
)
def test_dependency_phrases_match_as_the_plain_alternation(text: str) -> None:
    assert _triggers(text) == _plain_triggers(text)


def test_first_letters_know_only_what_every_match_starts_with() -> None:
    assert first_letters("summary") == frozenset({"s"})
    assert first_letters(r"c\w+") == frozenset({"c"})
    assert first_letters("(the )?plan") == frozenset({"t", "p"})
    assert first_letters("(executive |project )?summary") == frozenset({"e", "p", "s"})
    assert first_letters("s?ection") == frozenset({"s", "e"})
    assert first_letters(r"(why|warum) [^\n]{1,60}") == frozenset({"w"})
    for unknown in ("", "[ab]c", r"\d+", "(?=x)a", "a{2}b", "(a|)b", "(a)*", "(?P<n>a)"):
        assert first_letters(unknown) is None


def test_every_literal_phrase_gets_its_kind() -> None:
    for phrase in _LITERAL_PHRASES:
        for words in (phrase, f"the {phrase}", f"{phrase} x"):
            assert _kind(words) == _plain_kind(words), words


@settings(max_examples=1000, deadline=None)
@given(st.lists(st.sampled_from(_KIND_WORDS), min_size=1, max_size=4).map(" ".join))
def test_a_title_gets_the_kind_the_whole_alternation_gives(words: str) -> None:
    assert _kind(words) == _plain_kind(words)


@settings(max_examples=1000, deadline=None)
@given(
    st.lists(
        st.one_of(st.sampled_from(sorted(DEP_ANCHORS)), st.text("abcen ,é:", max_size=3)),
        max_size=6,
    ).map("".join),
    st.integers(0, 4),
)
def test_the_anchor_tree_starts_where_the_first_anchor_does(text: str, pos: int) -> None:
    assert _start(DEP_ANCHOR.search(text, pos)) == _start(_PLAIN_ANCHOR.search(text, pos))


@settings(max_examples=1000, deadline=None)
@given(
    st.text("abcdeéß ü-.İ", max_size=14),
    st.text("abcdeéß ü-.İ", max_size=14),
    st.sampled_from([0.0, 0.5, 0.6, 0.8, 1.0]),
)
def test_quick_ratio_test_is_difflibs(wanted: str, name: str, cutoff: float) -> None:
    expected = difflib.SequenceMatcher(None, name, wanted).quick_ratio() >= cutoff
    assert _quick_ratio_reaches(wanted, cutoff)(name) == expected
