"""The words, patterns and limits the planning rules recognise, and helpers that apply them.

They are gathered here so the rules in ``core.prd.plan``'s docstring can be checked against one
place: every heading kind, label word, priority and type word the planner knows is below.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable, Iterator

from core.domain.models import Priority
from core.prd.models import Granularity
from core.prd.parse import Block, ListBlock, ListItem, Quote

TITLE_MAX = 500

TOO_BIG: dict[Granularity, tuple[int | None, int]] = {
    Granularity.COARSE: (30, 2000),
    Granularity.BALANCED: (15, 800),
    Granularity.FINE: (None, 400),
}
"""Per granularity: (max list items or None, max words) before a ``too_big`` warning."""

# ---------------------------------------------------------------- vocabularies

INFO_TITLES = re.compile(
    r"(overview|purpose|scope|background|context|summary|introduction|intro|motivation"
    r"|goals?|non[- ]goals?"
    r"|out of scope|open questions?|risks?|references?|glossary|appendix(?: \w+)?"
    r"|table of contents|toc|problem( statement)?|executive summary)",
)
AC_TITLES = re.compile(
    r"(acceptance criteria|acceptance|done when|definition of done|dod|success criteria)"
)
MILESTONE_LIST_TITLES = re.compile(r"(milestones?|roadmap|timeline|phases|milestones? and \w+)")
MILESTONE_HEADING = re.compile(
    r"(?P<id>m\d+|milestone\s+\d+|phase\s+\d+)\s*(?:[:.\-—–]\s*(?P<name>.*))?$", re.IGNORECASE
)
HEADING_NUMBER = re.compile(r"(\d+(?:\.\d+)*)\.?\s+(.*)$")
ISO_DATE = re.compile(r"\b(\d{4}-\d{2}-\d{2})\b")
LABEL_LINE = re.compile(
    r"(?:\*\*|__)?(depends on|dependencies|depends|blocked by|requires|after|priority|type"
    r"|labels|tags|milestone|acceptance criteria|done when|definition of done)(?:\*\*|__)?"
    r"\s*(:)?(?:\*\*|__)?\s*(.*)$",
    re.IGNORECASE | re.DOTALL,
)
DEP_WORDS = {"depends on", "dependencies", "depends", "blocked by", "requires", "after"}
COLON_REQUIRED = {"requires", "after", "dependencies", "depends"}
AC_WORDS = {"acceptance criteria", "done when", "definition of done"}
PAREN_DEP = re.compile(
    r"\((?:depends on|blocked by|requires|after)\s*:?\s*([^)]*)\)", re.IGNORECASE
)
TAG = re.compile(r"(?<![\w&/#`])#([A-Za-z][\w-]{0,39})")
_P_LEVEL = re.compile(r"\bP([0-3])\b")
_MOSCOW = re.compile(r"\b(MUST|SHOULD|COULD)\b")
_PATH_EXT = re.compile(r"\.[A-Za-z][A-Za-z0-9]{0,7}$")
WORDS = re.compile(r"[a-z0-9]+")
SPLIT_TARGETS = re.compile(r"\s*(?:,|;|\band\b|&)\s*", re.IGNORECASE)
REF_NUMBER = re.compile(r"(?:#|section\s+|§\s*)?(\d+(?:\.\d+)*)\.?$", re.IGNORECASE)

_PRIORITY_WORDS: dict[str, Priority] = {
    "p0": Priority.CRITICAL,
    "critical": Priority.CRITICAL,
    "urgent": Priority.CRITICAL,
    "blocker": Priority.CRITICAL,
    "highest": Priority.CRITICAL,
    "p1": Priority.HIGH,
    "high": Priority.HIGH,
    "must": Priority.HIGH,
    "p2": Priority.MEDIUM,
    "medium": Priority.MEDIUM,
    "normal": Priority.MEDIUM,
    "should": Priority.MEDIUM,
    "p3": Priority.LOW,
    "low": Priority.LOW,
    "minor": Priority.LOW,
    "could": Priority.LOW,
    "may": Priority.LOW,
}
_TYPE_WORDS: dict[str, str] = {}
for _type, _words in {
    "bug": "bug bugs fix fixes defect defects regression crash crashes hotfix broken",
    "docs": "docs doc documentation readme guide guides manual changelog tutorial",
    "test": "test tests testing qa e2e coverage",
    "chore": "chore chores cleanup ci tooling upgrade upgrades bump release housekeeping",
    "refactor": "refactor refactoring rewrite",
    "research": "research spike investigate investigation",
}.items():
    for _word in _words.split():
        _TYPE_WORDS[_word] = _type


# ---------------------------------------------------------------- text helpers


_SLUG_SEPARATORS = re.compile(r"[\W_]+")


def slug(text: str, limit: int = 60) -> str:
    """Lower-case words joined by ``-``, cut at ``limit``: the pieces of keys and labels."""
    joined = _SLUG_SEPARATORS.sub("-", text.casefold()).strip("-")
    return joined[:limit].rstrip("-")


def norm(text: str) -> str:
    """A reference or title, compared: lower case, no Markdown or punctuation, no "the"."""
    return norm_words(WORDS.findall(text.casefold()))


def norm_words(words: list[str]) -> str:
    """``norm`` of a text whose ``WORDS`` (of its casefold) are ``words``."""
    skip = 0
    while skip < len(words) and words[skip] in ("the", "section", "step", "task"):
        skip += 1
    return " ".join(words[skip:])


def clean_title(title: str) -> str:
    """One line, without the dashes, colons and emphasis marks that frame a title."""
    return " ".join(title.split()).strip(" -:—–*_")


def looks_like_path(span: str) -> bool:
    """Whether a code span names a context file: a ``/`` or an extension, no spaces, no URL."""
    span = span.strip()
    if not span or " " in span or "://" in span or span.startswith(("http", "www.", "$", "-")):
        return False
    return "/" in span or bool(_PATH_EXT.search(span) and not span[0].isdigit())


def priority_of(value: str) -> Priority | None:
    """The priority a ``Priority:`` line names: its first priority word."""
    for word in WORDS.findall(value.casefold()):
        if word in _PRIORITY_WORDS:
            return _PRIORITY_WORDS[word]
    if "nice to have" in value.casefold():
        return Priority.LOW
    return None


def strongest(priorities: Iterable[Priority]) -> Priority | None:
    """The most urgent of the priorities (``None`` when there are none)."""
    return min(priorities, key=lambda p: p.rank, default=None)


def priority_in_text(text: str) -> Priority | None:
    """The strongest ``P0``-``P3`` in the text, else the strongest ``MUST``/``SHOULD``/``COULD``."""
    levels = _P_LEVEL.findall(text) if "P" in text else None
    if levels:
        return _PRIORITY_WORDS[f"p{min(levels)}"]  # the lowest digit is the strongest
    for word in ("MUST", "SHOULD", "COULD"):  # strongest first; what _MOSCOW finds, faster
        if _has_word(text, word):
            return _PRIORITY_WORDS[word.lower()]
    return None


def priority_in_title(title: str) -> Priority | None:
    """A title's first ``P0``-``P3``, else the strongest ``MUST``/``SHOULD``/``COULD`` in it."""
    if "P" not in title and "U" not in title:  # P0-P3; MUST, SHOULD and COULD all hold a "U"
        return None
    m = _P_LEVEL.search(title)
    if m:
        return _PRIORITY_WORDS[f"p{m.group(1)}"]
    found = _MOSCOW.findall(title)
    if found:
        return strongest(_PRIORITY_WORDS[w.lower()] for w in found)
    return None


def _has_word(text: str, word: str) -> bool:
    r"""Whether ``\bword\b`` matches: ``word`` not touching a word character (``\w``)."""
    start = text.find(word)
    while start >= 0:
        end = start + len(word)
        before = text[start - 1] if start else " "
        after = text[end] if end < len(text) else " "
        if not (before.isalnum() or before == "_") and not (after.isalnum() or after == "_"):
            return True
        start = text.find(word, start + 1)
    return False


def type_of(title: str) -> str | None:
    """The task type the title's first type word gives (``None`` when it has none)."""
    return type_of_words(WORDS.findall(title.casefold()))


def type_of_words(words: list[str]) -> str | None:
    """``type_of`` of a title whose ``WORDS`` (of its casefold) are ``words``."""
    for word in words:
        if word in _TYPE_WORDS:
            return _TYPE_WORDS[word]
    return None


def strip_number(title: str) -> str:
    """The title without its heading number (``2.1 Build`` → ``Build``)."""
    stripped = title.strip()
    if not stripped[:1].isdigit():  # isdigit() holds for every \d: no number to strip
        return title
    m = HEADING_NUMBER.match(stripped)
    return m.group(2) if m and m.group(2) else title


def source_stem(source: str) -> str:
    """The file name without directory or extension: the fallback document key and title."""
    base = posixpath.basename(source.replace("\\", "/").rstrip("/")) or source
    stem = base.rsplit(".", 1)[0] if "." in base.lstrip(".") else base
    return stem or "prd"


def iter_items(lst: ListBlock) -> Iterator[ListItem]:
    """Every item of the list and of its sub-lists, in document order."""
    for item in lst.items:
        yield item
        for sub in item.lists:
            yield from iter_items(sub)


def flat_blocks(blocks: Iterable[Block]) -> Iterator[Block]:
    """The blocks with each quote replaced by its content: a quoted label line still counts."""
    for block in blocks:
        if isinstance(block, Quote):
            yield from flat_blocks(block.blocks)
        else:
            yield block
