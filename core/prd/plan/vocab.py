"""The words, patterns and limits the planning rules recognise, and helpers that apply them.

They are gathered here so the rules in ``core.prd.plan``'s docstring can be checked against one
place: every heading kind, label word, priority and type word the planner knows is below.
"""

from __future__ import annotations

import itertools
import posixpath
import re
import unicodedata
from collections.abc import Iterable, Iterator

from core.domain.models import Priority
from core.prd.models import Granularity
from core.prd.parse import Block, ListBlock, ListItem, Quote
from core.prd.plan.lexicon import (
    LABEL_SAYS,
    MUST_ANSWERS,
    NO_PRIORITY,
    PRIORITY_EMOJI,
    PRIORITY_WORDS,
    word_set,
)

TITLE_MAX = 500

TOO_BIG: dict[Granularity, tuple[int | None, int]] = {
    Granularity.COARSE: (30, 2000),
    Granularity.BALANCED: (15, 800),
    Granularity.FINE: (None, 400),
}
"""Per granularity: (max list items or None, max words) before a ``too_big`` warning."""

# ---------------------------------------------------------------- vocabularies

HEADING_NUMBER = re.compile(r"(\d+(?:\.\d+)*)\.?\s+(.*)$")
ISO_DATE = re.compile(r"\b(\d{4}-\d{2}-\d{2})\b")
TAG = re.compile(r"(?<![\w&/#`])#([A-Za-z][\w-]{0,39})")
_P_LEVEL = re.compile(r"\bP([0-3])\b")
_MOSCOW = re.compile(r"\b(MUST|SHOULD|COULD)\b")
_PATH_EXT = re.compile(r"\.[A-Za-z][A-Za-z0-9]{0,7}$")
WORDS = re.compile(r"[^\W_]+")
"""Words of any script (case-folded text in, so ``Priorität`` is one word)."""
REF_NUMBER = re.compile(r"(?:#|section\s+|§\s*)?(\d+(?:\.\d+)*)\.?$", re.IGNORECASE)
IDENT = re.compile(r"(?<![\w-])([A-Z][A-Z0-9]{0,7}[-.]?\d+(?:\.\d+)*[a-z]?)(?![\w-]|\.\d)")
"""An item id as written in a title or a reference (``A1``, ``EX-01``, ``PAY-101``, ``HU-3``,
``F1.2``, a lettered number ``A.2``)."""
_DOTTED_NUMBER = re.compile(r"(\d+(?:\.\d+)+)\.?\s+\S")
ISSUE_NUMBER = re.compile(r"#\d+(?![\w.-])")
"""An issue number as trackers write it: ``#405``."""
_P_ONLY = re.compile(r"P[0-3]|[QH][1-4]")
"""A priority level, a quarter or a half: not the id of a task (``Q2 in review``)."""
_EMOJI = re.compile("[" + "".join(PRIORITY_EMOJI) + "]")


ID_PATTERN = r"[A-Z][A-Z0-9]{0,7}[-.]?\d+(?:\.\d+)*"
"""An id as ``IDENT`` reads it, for patterns that list several."""
WBS_NUMBER = r"\d{1,2}(?:\.\d{1,2}){1,2}"
"""A work-package number (``2.1``, ``1.4.2``), never a date (``25.10.2024``)."""
ID_OR_NUMBER = rf"(?:{ID_PATTERN}|{WBS_NUMBER})"
"""What names a listed task: an id or a work-package number."""
LIST_SEPARATOR = r"(?:,|;|&|\band\b|\bund\b|\by\b|\bet\b|\be\b)"
"""What separates the entries of a list of ids, in the four languages."""
RANGE_SEPARATOR = r"(?:\bbis\b|\bto\b|\bthrough\b|\bà\b|\ba\b|–|-)"
"""What joins the two ends of a range of ids (``LH-01 bis LH-05``, ``1.1 à 1.4``)."""
RANGE_ARTICLE = r"(?:(?:la|las|los|el|le|les|the|zu[mr]?)\s+)?"
"""An article a written-out range may put before its last end (``de la 2.2 a la 4.3``)."""
RANGE_LEAD = r"(?:(?:from|von|vom|de|desde|del|du|des)\s+(?:(?:la|las|los|el|l')\s*)?)?"
"""What a written-out range may open with (``from 2.2 to 4.3``, ``de la 2.2 a la 4.3``)."""
ID_RANGE = re.compile(rf"(?P<first>{ID_PATTERN})\s*{RANGE_SEPARATOR}\s*(?P<last>{ID_PATTERN})")
_ID_PARTS = re.compile(r"(?P<prefix>.*?)(?P<number>\d+)$")


def expand_id_ranges(text: str) -> list[str]:
    """The ids a list names, ranges spelled out: ``LH-01 bis LH-03, LH-08`` → four ids.

    A range is spelled out only between two ids of one prefix and at most 100 apart.
    """
    out: list[str] = []
    rest = text
    while (m := ID_RANGE.search(rest)) is not None:
        out.extend(re.findall(ID_PATTERN, rest[: m.start()]))
        out.extend(spell_range(m.group("first"), m.group("last")))
        rest = rest[m.end() :]
    out.extend(re.findall(ID_PATTERN, rest))
    return out


PLURAL_PARTS = re.compile(
    r"\b(schritte|steps|pasos|étapes|phases|fases|stages|parts|teile|partes|parties)\s+"
    rf"(\d{{1,3}}(?:\s*(?:{LIST_SEPARATOR}|{RANGE_SEPARATOR})\s*\d{{1,3}})+)(?![\w]|\.\d)",
    re.IGNORECASE,
)
"""Several numbered parts named at once (``Schritte 6, 7 und 9``, ``steps 2 to 4``)."""


def spell_parts(m: re.Match[str]) -> list[str]:
    """The parts a ``PLURAL_PARTS`` match names: ``Schritte 1 bis 3`` → ``Schritt 1`` … ``3``."""
    noun = m.group(1)[:-1]
    numbers: list[str] = []
    for piece in re.split(rf"\s*{LIST_SEPARATOR}\s*", m.group(2)):
        ends = re.findall(r"\d+", piece)
        numbers.extend(spell_range(ends[0], ends[-1]) if len(ends) == 2 else ends)
    return [f"{noun} {n}" for n in numbers]


_NUMBER_RANGE = re.compile(rf"(\d{{1,3}})\s*{RANGE_SEPARATOR}\s*(\d{{1,3}})")


def spell_numbers(listed: str) -> list[str]:
    """The numbers a list names, ranges spelled out: ``1 bis 3 und 7`` → 1, 2, 3, 7.

    A range more than 100 wide gives its two ends only.
    """
    out: list[str] = []
    rest = listed
    while (m := _NUMBER_RANGE.search(rest)) is not None:
        out.extend(re.findall(r"\d+", rest[: m.start()]))
        low, high = int(m.group(1)), int(m.group(2))
        ends = range(low, high + 1) if 0 < high - low <= 100 else (low, high)
        out.extend(str(n) for n in ends)
        rest = rest[m.end() :]
    out.extend(re.findall(r"\d+", rest))
    return out


def spell_range(first: str, last: str) -> list[str]:
    """Every id from ``first`` to ``last`` (``LH-01``…``LH-03``, work packages ``1.1``…``1.4``).

    Only between two ids of one prefix and at most 100 apart; else just the two ends.
    """
    low = _ID_PARTS.match(first)
    high = _ID_PARTS.match(last)
    if (
        low is None
        or high is None
        or low.group("prefix") != high.group("prefix")
        or not 0 <= int(high.group("number")) - int(low.group("number")) <= 100
    ):
        return [first, last]
    width = len(low.group("number"))
    prefix = low.group("prefix")
    return [
        f"{prefix}{n:0{width}d}"
        for n in range(int(low.group("number")), int(high.group("number")) + 1)
    ]


def _by_word(groups: dict[str, str], sep: str | None) -> dict[str, str]:
    """Each word of each group's ``sep``-separated list, mapped to the group's name."""
    return {word: name for name, words in groups.items() for word in words.split(sep)}


_TYPE_WORDS = _by_word(
    {
        "bug": "bug bugs fix fixes defect defects regression crash crashes hotfix broken",
        "docs": "docs doc documentation readme guide guides manual changelog tutorial",
        "test": "test tests testing qa e2e coverage",
        "chore": "chore chores cleanup ci tooling upgrade upgrades bump release housekeeping",
        "refactor": "refactor refactoring rewrite",
        "research": "research spike investigate investigation",
    },
    None,
)
_TYPE_NAMES = _by_word(
    {
        "epic": "epic|épopée|epopee|épica|epica",
        "story": "story|user story|historia|historia de usuario|histoire|récit|user-story",
        "task": "task|tâche|tache|aufgabe|tarea",
        "subtask": "subtask|sub-task|sous-tâche|sous-tache|unteraufgabe|subtarea",
        "bug": "bug|bogue|fehler|error|defect|anomalie",
        "improvement": "improvement|amélioration|verbesserung|mejora",
    },
    "|",
)
_TYPE_NAME = re.compile(r"[a-z][a-z0-9_-]{0,39}")


def type_name(value: str) -> str | None:
    """A ``Type:`` label's value as a task type name (``Épopée`` → ``epic``), or ``None``.

    Type names are lowercase ASCII words; a tracker's words in other languages map to the
    usual ones, and any other word is kept without its accents when that makes it one.
    """
    text = " ".join(WORDS.findall(value.casefold()))
    if not text:
        return None
    if text in _TYPE_NAMES:
        return _TYPE_NAMES[text]
    first = text.split()[0]
    if first in _TYPE_NAMES:
        return _TYPE_NAMES[first]
    plain = unicodedata.normalize("NFKD", first).encode("ascii", "ignore").decode()
    return plain if _TYPE_NAME.fullmatch(plain) else None


# ---------------------------------------------------------------- text helpers


_SLUG_SEPARATORS = re.compile(r"[\W_]+")


def slug(text: str, limit: int = 60) -> str:
    """Lower-case words joined by ``-``, cut at ``limit``: the pieces of keys and labels."""
    joined = _SLUG_SEPARATORS.sub("-", text.casefold()).strip("-")
    return joined[:limit].rstrip("-")


def norm(text: str) -> str:
    """A reference or title, compared: lower case, no Markdown or punctuation, no "the"."""
    return norm_words(WORDS.findall(text.casefold()))


def norm_plain(text: str) -> str:
    """The text's case-folded words joined by one space (``norm`` keeps every word)."""
    return " ".join(WORDS.findall(text.casefold()))


def ident_of(title: str) -> str | None:
    """The id a title starts with (``EX-01 Coordonnées`` → ``EX-01``), if any.

    An issue number (``#405 Semantic tokens``, as GitHub and GitLab task lists write them) is
    one too: ``#405`` elsewhere in the document names that task.
    """
    issue = ISSUE_NUMBER.match(title.lstrip(" *_[(`"))
    if issue is not None:
        return issue.group(0)
    dotted = _DOTTED_NUMBER.match(title.lstrip(" *_[(`"))
    if dotted is not None:  # "1.2 Admin API — P0 (after 1.1)": a checklist item's number
        return dotted.group(1)
    lead = title.lstrip(" *_#[(`/")
    m = IDENT.match(lead)
    if m is None and (kind := _KIND_NOUN.match(lead)) is not None:
        m = IDENT.match(lead, kind.end())  # "Exigence E-01 — Authentification"
    if m is None or _P_ONLY.fullmatch(m.group(1)):
        return None
    return m.group(1)


_KIND_NOUN = re.compile(
    r"(?:requirement|req|exigence|anforderung|requisito|story|user story|historia|histoire"
    r"|epic|épica|épique|feature|ticket|issue|item|work package|arbeitspaket|paquete"
    r"|maßnahme|massnahme|action|acción|measure|medida|mesure|finding|befund)\s+",
    re.IGNORECASE,
)
"""A noun that may name what an id is before the id itself (``Exigence E-01``, ``Story
US-12``): the id still names the task."""

_NUMBERED_KIND = re.compile(_KIND_NOUN.pattern + r"(\d{1,3})\s*[–—:.-]\s+\w", re.IGNORECASE)


def numbered_kind(title: str) -> str | None:
    """The number of a title led by a kind noun and a plain number, if any.

    ``Action 3 – Visite…``, ``Maßnahme 2: …``, ``Acción 4. …``.
    """
    m = _NUMBERED_KIND.match(title.lstrip(" *_"))
    return m.group(1) if m else None


_LEADING = word_set(
    "the|section|step|task|el|la|los|las|lo|le|les|l|der|die|das|den|dem|des|du|del|al|au|aux"
    "|un|una|une|ein|eine|einen"
)
"""Words that lead a reference without naming anything (articles in the four languages)."""


def norm_words(words: list[str]) -> str:
    """``norm`` of a text whose ``WORDS`` (of its casefold) are ``words``."""
    skip = 0
    while skip < len(words) - 1 and words[skip] in _LEADING:
        skip += 1
    return " ".join(words[skip:])


def clean_title(title: str) -> str:
    """One line, without the dashes, colons and emphasis marks that frame a title."""
    return " ".join(title.split()).strip(" -:—–*_")


def looks_like_path(span: str) -> bool:
    """Whether a code span names a context file.

    A path has a ``/`` (but is no URL and no host name such as ``tandem.app/press``) or ends
    in a file extension people put in repositories (``invoice.paid`` is an event, not a file).
    """
    span = span.strip()
    if not span or " " in span or "://" in span or span.startswith(("http", "www.", "$", "-")):
        return False
    if "/" in span:
        host = span.split("/", 1)[0]
        return not (_HOST.fullmatch(host) and not host.startswith("."))
    m = _PATH_EXT.search(span)
    return bool(m and not span[0].isdigit() and m.group(0)[1:].casefold() in _FILE_EXTENSIONS)


_HOST = re.compile(r"[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
_FILE_EXTENSIONS = word_set(
    "py|pyi|js|mjs|cjs|ts|tsx|jsx|go|rs|rb|java|kt|kts|swift|m|mm|c|h|cc|cpp|hpp|cs|fs"
    "|php|ex|exs|erl|dart|scala|clj|lua|pl|r|jl|sh|bash|zsh|fish|ps1|bat|sql|md|rst|txt"
    "|adoc|json|jsonl|yaml|yml|toml|ini|cfg|conf|env|lock|xml|html|htm|css|scss|sass|less"
    "|tcss|vue|svelte|proto|graphql|gql|tf|tfvars|hcl|csv|tsv|ipynb|dockerfile|makefile"
    "|gradle|pom|sbt|cabal|nix|mod|sum|gitignore|editorconfig|plist|storyboard|xib"
    "|gemspec|podspec"
)


def item_line(text: str) -> str:
    """A list item's first paragraph on one line: a criterion wrapped over lines stays whole."""
    return clean_title(" ".join(text.split("\n\n", 1)[0].split()))


def tags_in(text: str) -> list[str]:
    """The ``#tags`` of a text that are labels, not chat channels.

    ``Slack: #billing-v2`` and ``ask legal in #legal`` name channels.
    """
    found: list[str] = []
    for m in TAG.finditer(text):
        before = text[max(0, m.start() - 40) : m.start()].casefold()
        if _CHANNEL.search(before):
            continue
        found.append(m.group(1))
    return found


_CHANNEL = re.compile(
    r"(?:slack|channel|canal|kanal|chat|teams|discord|mattermost)\b[^#]*$"
    r"|\b(?:in|on|to|into|via|pages|ping|post|ask|en|dans|sur|im|auf|an|ins)\s+$"
)


_SHORT_FORMS = frozenset({"hi", "med", "lo"})
"""Abbreviated levels that are also common words (Spanish "lo", as in "lo antes posible"):
a level only in a value made of levels alone (``Lo``, ``Hi / Med / Lo``)."""


def priority_of(value: str) -> Priority | None:
    """The priority a ``Priority:`` value names: its first priority word, in any language."""
    words = norm_plain(value).split()
    if NO_PRIORITY.match(" ".join(words)):
        return None
    levels_only = all(w in PRIORITY_WORDS for w in words)
    for index in range(len(words)):
        for size in (3, 2, 1):
            phrase = " ".join(words[index : index + size])
            found = PRIORITY_WORDS.get(phrase)
            if found is not None and (levels_only or phrase not in _SHORT_FORMS):
                return found
    return None


_STARS = re.compile(r"★+☆*")
_LEVEL_NUMBER = re.compile(r"[0-4]")
_GRADE = re.compile(r"[A-D]")
_RANKED = (Priority.CRITICAL, Priority.HIGH, Priority.MEDIUM, Priority.LOW, Priority.LOW)


def cell_priority(value: str) -> Priority | None:
    """The priority a priority column's cell states: a word, a star rating or a level number.

    Stars rate importance (``★★★`` high, ``★★`` medium, ``★`` low, four or more critical); a
    level number ranks urgency from the top (``1`` high, ``2`` medium, ``3`` low, ``0``
    critical), as a "Nivel" / "Level" / "Stufe" column holds it; a grade likewise (``A`` high,
    ``B`` medium, ``C`` low), as a "Kat." / "Category" column holds it; a must column's
    answer likewise (``yes`` high, ``stretch`` or ``no`` low); a traffic light
    (``🟠 Important``) when the cell's words name no level.
    """
    text = value.strip()
    if _STARS.fullmatch(text):
        return _RANKED[max(0, 4 - text.count("★"))]
    if _LEVEL_NUMBER.fullmatch(text):
        return _RANKED[int(text)]
    if _GRADE.fullmatch(text):
        return _RANKED["ABCD".index(text) + 1]
    said = priority_of(text) or MUST_ANSWERS.get(norm_plain(text))
    if said is None and not text.isascii():
        # "🟠 Important" in a Notion select: the traffic light when its words name no level.
        said = next((level for mark, level in PRIORITY_EMOJI.items() if mark in text), None)
    return said


def strongest(priorities: Iterable[Priority]) -> Priority | None:
    """The most urgent of the priorities (``None`` when there are none)."""
    return min(priorities, key=lambda p: p.rank, default=None)


_PRIORITY_PHRASE = re.compile(
    r"\b(?:(highest|high|top|critical|medium|normal|low|lowest)[ -]priority"
    r"|(höchste|hohe|mittlere|niedrige) priorität|prioridad (máxima|alta|media|baja)"
    r"|priorité (maximale|haute|élevée|moyenne|basse))\b",
    re.IGNORECASE,
)
"""A priority said in words inside a sentence: "High priority.", "prioridad alta"."""
_PRIORITY_HINT = re.compile("priorit", re.IGNORECASE)
"""What every ``_PRIORITY_PHRASE`` holds, under the same flags: most text has none, and this
literal scan is ~7x cheaper than the phrase's."""
_PHRASE_LEVELS = {
    **dict.fromkeys(("highest", "top", "critical", "höchste", "máxima", "maximale"), "critical"),
    **dict.fromkeys(("high", "hohe", "alta", "haute", "élevée"), "high"),
    **dict.fromkeys(("medium", "normal", "mittlere", "media", "moyenne"), "medium"),
    **dict.fromkeys(("low", "lowest", "niedrige", "baja", "basse"), "low"),
}


def priority_in_text(text: str) -> Priority | None:
    """The strongest priority the text marks, if any.

    ``P0``-``P3`` and traffic-light emoji first, then a phrase ("High priority"), else
    upper-case ``MUST``/``SHOULD``/``COULD``.
    """
    found: list[Priority] = []
    if "P" in text and ("P0" in text or "P1" in text or "P2" in text or "P3" in text):
        found.extend(PRIORITY_WORDS[f"p{d}"] for d in _P_LEVEL.findall(text))
    if not text.isascii() and _EMOJI.search(text):
        found.extend(level for mark, level in PRIORITY_EMOJI.items() if mark in text)
    if found:
        return strongest(found)
    if _PRIORITY_HINT.search(text) and (said := _PRIORITY_PHRASE.search(text)) is not None:
        return Priority(_PHRASE_LEVELS[next(w for w in said.groups() if w).casefold()])
    if "U" in text:  # MUST, SHOULD and COULD all hold a "U"
        for word in ("MUST", "SHOULD", "COULD"):  # strongest first
            if _has_word(text, word):
                return PRIORITY_WORDS[word.lower()]
    return None


_LEGEND = re.compile(
    r"^[\s>*_#|-]*(?:[\w ]{0,20}\b)?(?:legend|legende|leyenda|légende)\b[^\n]*"
    r"(?:\n[ \t]*[-*|][^\n]*)*",
    re.IGNORECASE | re.MULTILINE,
)
"""A legend line (``Legend: 🔥 must-have · ⭐ should-have``, ``**Leyenda de prioridad:** …``,
``Légende :``) with the list or table lines right below it."""
_LEGEND_WORD = re.compile(r"l[eé][gy]end", re.IGNORECASE)
_LEGEND_ENTRY = re.compile(r"([^\w\s.,;:·|*_()\[\]=—–-]+)\s*(?:[=:—–-]\s*)?([^·|;\n🏁-🫿☀-➿⬀-⯿]*)")


def emoji_legend(text: str) -> dict[str, Priority]:
    """The priority each emoji of a legend stands for (``🔥 must-have · 💤 nice-to-have``).

    A legend names a mark's level with a priority word (``must-have``, ``alta``, ``Soll``,
    ``basse``); a mark whose words name none (``🟠 important``) keeps its common reading.
    """
    legend: dict[str, Priority] = {}
    for hint in _LEGEND_WORD.finditer(text):
        start = text.rfind("\n", 0, hint.start()) + 1
        block = _LEGEND.match(text, start)
        if block is None:
            continue
        for m in _LEGEND_ENTRY.finditer(block.group(0)):
            mark = m.group(1).replace("\ufe0f", "").strip()
            if not mark or not all(unicodedata.category(c) == "So" for c in mark):
                continue
            words = norm_plain(m.group(2)).split()
            for n in (3, 2, 1):
                level = PRIORITY_WORDS.get(" ".join(words[:n])) if len(words) >= n else None
                if level is not None:
                    legend[mark] = level
                    break
    return legend


_TAG_LEGEND = re.compile(
    r"^[\s>*_]*(?:tags|labels|legend|legende|leyenda|légende|etiquetas|étiquettes|marker"
    r"|markierungen)\s*(?:\*\*|__)?\s*:\s*(?:\*\*|__)?(?P<body>[^\n]*(?:\n(?![ \t]*\n)[^\n]*)*)",
    re.IGNORECASE | re.MULTILINE,
)
"""A legend line that names its tags (``Tags: **[slice]** — …; **[polish]** — …``)."""
_TAG_ENTRY = re.compile(
    r"(?:\*\*|__)?\[(?P<name>[^\]\n]{1,24})\](?:\*\*|__)?\s*[—–:=-]\s*(?P<says>[^;·\n]*(?:\n[^;·\n]*)?)"
)
_MUST_SAYS = re.compile(
    r"\bwithout (it|them|which)\b|\bfails?\b|\bmust\b|\bblocks?\b|\bohne (sie|ihn|es|das)\b"
    r"|\bscheitert\b|\bsin (ella|él|ello|esto)\b|\bfracasa\b|\bsans (elle|lui|cela|quoi)\b"
    r"|\béchoue\b|\bmuss\b|\bdebe\b|\bdoit\b"
    r"|\brequired for\b|\berforderlich für\b|\bnecesari[oa] para\b"
    r"|\b(requis|nécessaire) pour\b",
    re.IGNORECASE,
)
"""A legend's words for work that everything hangs on (``the showcase fails without it``)."""
_MAY_SAYS = re.compile(
    r"\b(first|erste[sr]?|primer[oa]?|premi[eè]re?) (thing |to |lo |à )?(we |que )?"
    r"(go|cut|drop|fallen|streichen|en caer|recortar|sauter|couper)"
    r"|\bif (the schedule|time|we) slips?\b|\bnice to have\b|\bonly if (there is )?time\b"
    r"|\boptional\b|\boptionnel|\bopcional\b|\bwenn zeit\b|\bsi (da|hay|sobra|queda) tiempo\b"
    r"|\bsi le temps\b|\bs'il reste du temps\b|\bif time (allows|permits|is left)\b"
    r"|\bdesirable\b|\bwünschenswert\b|\bdeseable\b|\bsouhaitable\b"
    r"|\bif there is time\b|\bwenn (noch )?zeit (ist|bleibt)\b|\bs'il y a (du|le) temps\b",
    re.IGNORECASE,
)
"""A legend's words for work that goes first when time runs short."""
_MARK_EQUALS = " = "
_MARK_SAYS_END = re.compile(r"[.;\n]")


_SCALE_LINE = re.compile(
    r"^[ \t]*(?:[-*+][ \t]+)?(?P<mark>([^\w\s\[\](){}<>|*_`#~!?.,;:'\"=+\\/&%$@^-])\2{0,3})"
    r"[ \t]*(?:[=:—–-][ \t]*)?(?P<says>[^\W\d_][^\n]{0,200})$",
    re.MULTILINE,
)
"""A line led by a symbol repeated up to four times, then what it means (``- ★★ conseillé``)."""


def scale_legend(text: str) -> dict[str, Priority]:
    """The priority each step of a symbol scale stands for (``★★★`` / ``★★`` / ``★``).

    A run of two to four lines (list items or not), each led by the same symbol repeated a
    different number of times and followed by words, is a legend: its words' priority word
    gives a step its level, else more symbols rank higher. The longest mark comes first, so
    that ``★`` does not claim a title marked ``★★★``.
    """
    runs: list[list[tuple[str, str]]] = []
    last_end = -2
    for m in _SCALE_LINE.finditer(text):
        mark = m.group("mark")
        if unicodedata.category(mark[0]) != "So":
            continue
        entry = (mark, m.group("says"))
        if runs and m.start() == last_end + 1 and runs[-1][0][0][0] == mark[0]:
            runs[-1].append(entry)
        else:
            runs.append([entry])
        last_end = m.end()
    legend: dict[str, Priority] = {}
    for run in runs:
        if not 2 <= len(run) <= 4 or len({mark for mark, _ in run}) != len(run):
            continue
        ranked = sorted(run, key=lambda entry: -len(entry[0]))
        for (mark, says), rank in zip(ranked, _RANKS[len(run)], strict=True):
            words = norm_plain(says).split()
            level = next(
                (
                    found
                    for n in (3, 2, 1)
                    if len(words) >= n
                    and (found := PRIORITY_WORDS.get(" ".join(words[:n]))) is not None
                ),
                rank,
            )
            legend.setdefault(mark, level)
    return legend


_SPAN_SAYS = re.compile(r"`(?P<name>[^`\n]{1,40})`\s+(?P<says>[^;.\n`]{1,80})")


def label_legend(text: str) -> dict[str, Priority]:
    """The priority a sentence defines for each label in code (```can-slip` is fine in …``).

    A label written as code and followed by a modal (has to / must, should, can / is fine, and
    their German, Spanish and French words) is ranked by it; the rows of a labels column
    carrying it take that level.
    """
    legend: dict[str, Priority] = {}
    for m in _SPAN_SAYS.finditer(text):
        said = LABEL_SAYS.match(m.group("says"))
        if said is not None and said.lastgroup is not None:
            legend.setdefault(norm_plain(m.group("name")), Priority(said.lastgroup))
    return legend


def symbol_legend(text: str) -> dict[str, Priority]:
    """The priority each symbol of a legend written ``★ = …`` stands for.

    ``★ = no shoot without it. ○ = first thing we drop if the money runs short.``: a schedule
    marks its titles with symbols and says once what each means. A symbol's meaning is a
    priority word (``● = must have``), else words for what everything fails without (high)
    or what goes first when time runs short (low). Only the few `` = `` in the text are read.
    """
    legend: dict[str, Priority] = {}
    at = text.find(_MARK_EQUALS)
    while at != -1:
        start = at
        while start > 0 and not text[start - 1].isspace() and at - start < 3:
            start -= 1
        mark = text[start:at].strip("*_")
        if mark and all(unicodedata.category(c) == "So" for c in mark):
            rest = text[at + len(_MARK_EQUALS) : at + 200]
            end = _MARK_SAYS_END.search(rest)
            if (level := _says_level(rest[: end.start()] if end else rest)) is not None:
                legend.setdefault(mark, level)
        at = text.find(_MARK_EQUALS, at + len(_MARK_EQUALS))
    return legend


def _says_level(says: str) -> Priority | None:
    """The level a legend's words give a mark: a priority word, else what they say of it."""
    words = norm_plain(says).split()
    for n in (3, 2, 1):
        if len(words) >= n and (level := PRIORITY_WORDS.get(" ".join(words[:n]))) is not None:
            return level
    if _MUST_SAYS.search(says):
        return Priority.HIGH
    if _MAY_SAYS.search(says):
        return Priority.LOW
    return None


_LADDER = (Priority.CRITICAL, Priority.HIGH, Priority.MEDIUM, Priority.LOW)
_RANKS = {
    2: (Priority.HIGH, Priority.LOW),
    3: (Priority.HIGH, Priority.MEDIUM, Priority.LOW),
    4: (Priority.CRITICAL, Priority.HIGH, Priority.MEDIUM, Priority.LOW),
}


_TAG_LIST_LINE = re.compile(
    r"^[ \t]*[-*+][ \t]+(?:\*\*|__)?\[(?P<name>[^\]\n]{1,24})\](?:\*\*|__)?[ \t]*"
    r"(?:[—–:=-][ \t]*)?(?P<says>[^\W\d_][^\n]{0,200})$",
    re.MULTILINE,
)
"""A list item that is a ``[tag]`` and what it means (``- **[Nice]** do it if there is time``)."""


def _tag_list_runs(text: str) -> list[list[tuple[str, str]]]:
    """Runs of consecutive list items each led by a ``[tag]`` and its meaning."""
    runs: list[list[tuple[str, str]]] = []
    last_end = -2
    for m in _TAG_LIST_LINE.finditer(text):
        entry = (m.group("name"), m.group("says"))
        if runs and m.start() == last_end + 1:
            runs[-1].append(entry)
        else:
            runs.append([entry])
        last_end = m.end()
    return runs


def tag_legend(text: str) -> dict[str, Priority]:
    """The priority each bracketed tag of a legend stands for (``[slice]`` → high).

    A legend (``Tags:``, ``Legend:``, ``Légende :``) that names two to four ``[tags]``, each
    with what it means, ranks them in the order written when its words say so: the first is
    what the work fails without, or the last is the first thing cut. A tag that is itself a
    priority word (``[must]``) keeps its level.
    """
    legend: dict[str, Priority] = {}
    runs = [
        [(e.group("name"), e.group("says")) for e in _TAG_ENTRY.finditer(m.group("body"))]
        for m in _TAG_LEGEND.finditer(text)
    ]
    for entries in [*runs, *_tag_list_runs(text)]:
        if not 2 <= len(entries) <= 4:
            continue
        ranked = bool(_MUST_SAYS.search(entries[0][1]) or _MAY_SAYS.search(entries[-1][1]))
        for (name, _), rank in zip(entries, _RANKS[len(entries)], strict=True):
            level = tag_priority(name) or (rank if ranked else None)
            if level is not None:
                legend.setdefault(norm_plain(name), level)
    return legend


_MARK_ENTRY = re.compile(
    r"(?:\*\*|__)?(?P<mark>[(\[]?[^\w\s()\[\]*_=·;,.:|-]{1,4}[)\]]?"
    r"|\([^\W\d_]{2,12}(?: [^\W\d_]{1,12}){0,2}\))"
    r"(?:\*\*|__)?\s*=\s*"
    r"(?P<says>[^·;|\n=]+)"
)
"""A legend entry that says what a mark means: ``**(!!)** = dringend``, ``+++ = must``,
``(später) = nur wenn Zeit …`` (a word in parentheses)."""


def mark_legend(text: str) -> dict[str, Priority]:
    """The priority each mark of an ``=`` legend stands for (``(!!) = dringend · (!) = wichtig``).

    A line defining two or more marks made of signs alone, each with ``=`` and its meaning,
    is a legend: a meaning that names a priority word gives its level, one that says the
    work waits for spare time (``nur wenn Zeit``) is low. Read from lines holding " = " only.
    """
    legend: dict[str, Priority] = {}
    at = text.find(" = ")
    while at >= 0:
        start = text.rfind("\n", 0, at) + 1
        end = text.find("\n", at)
        end = len(text) if end < 0 else end
        line = text[start:end]
        at = text.find(" = ", end)
        entries = [(m.group("mark"), m.group("says")) for m in _MARK_ENTRY.finditer(line)]
        if len(entries) < 2:
            continue
        for mark, says in entries:
            level = priority_of(says)
            if level is None and _MAY_SAYS.search(says):
                level = Priority.LOW
            elif level is None and _MUST_SAYS.search(says):
                level = Priority.HIGH
            if level is not None:
                legend.setdefault(mark, level)
    return legend


def marked_level(line: str, legend: dict[str, Priority]) -> Priority | None:
    """The level of the legend's longest mark the line carries, if any."""
    found = [mark for mark in legend if mark in line]
    return legend[max(found, key=len)] if found else None


_BOLD_TERM = re.compile(r"(\*\*|__)(?P<name>[^*_\n]{1,24}?)\1(?P<says>[^*\n]*)")
_ITALIC_WORD = re.compile(r"(?<![*\w])\*(?P<word>[^*\n]{2,24})\*(?![*\w])")


def _legend_paragraphs(text: str) -> Iterator[str]:
    """The paragraphs that may define bold terms: two or more of them."""
    for paragraph in text.split("\n\n"):
        if paragraph.count("**") + paragraph.count("__") >= 4:
            yield paragraph


def term_legend(text: str) -> dict[str, Priority]:
    """The priority each bold term of a legend paragraph stands for (``**Core**`` → medium).

    "**Red-flag** items have to be covered first. **Core** items belong in the full report.
    **Optional** items we only do if the fee cap allows.": a paragraph that says what two to
    four bold terms mean, one after the other, ranks them in the order written when the first
    is a high level or the last a low one (or their words say so), as a ``[tag]`` legend does.
    A priority column's cells then name them.
    """
    legend: dict[str, Priority] = {}
    for paragraph in _legend_paragraphs(text):
        entries = [
            (e.group("name").strip(" :"), e.group("says")) for e in _BOLD_TERM.finditer(paragraph)
        ]
        if len(entries) > 2 and entries[0][1].rstrip().endswith(":"):
            entries = entries[1:]  # "Column **Call** is how much it matters:": its subject
        if not 2 <= len(entries) <= 4 or any(not says.strip(" :") for _, says in entries):
            continue
        first, last = tag_priority(entries[0][0]), tag_priority(entries[-1][0])
        ranked = (
            first in (Priority.CRITICAL, Priority.HIGH)
            or last is Priority.LOW
            or bool(_MUST_SAYS.search(entries[0][1]) or _MAY_SAYS.search(entries[-1][1]))
        )
        if not ranked:
            continue
        said = [tag_priority(name) for name, _ in entries]
        own = [level for level in said if level is not None]
        # "**blocker** … **important** … **if time**": the order ranks them, whatever
        # "important" means alone; "**P0** … **P1** … **P2**" keep their own levels.
        if len(own) == len(said) and _falling(own):
            levels = own
        else:
            # "**SS** = show-stopper; **PRV** = …; **if time** = …": a first definition that
            # is a level word sets the top of the ladder (critical, high … low).
            top = _leading_level(entries[0][1])
            levels = list(_RANKS[len(entries)])
            if top is not None and top.rank + len(entries) - 2 < len(_LADDER):
                levels = [*_LADDER[top.rank : top.rank + len(entries) - 1], Priority.LOW]
        for (name, _), level in zip(entries, levels, strict=True):
            legend.setdefault(norm_plain(name), level)
    return legend


def _leading_level(says: str) -> Priority | None:
    """The level word a legend's definition starts with (``= show-stopper, we …``), if any."""
    words = norm_plain(says.lstrip(" =:—–-")[:40]).split()
    for n in (2, 1):
        if len(words) >= n and (level := PRIORITY_WORDS.get(" ".join(words[:n]))) is not None:
            return level
    return None


_LISTED_TERMS = re.compile(
    r"\*\*[^*\n]{2,24}\*\*(?:\s*,\s*\*\*[^*\n]{2,24}\*\*){1,2}"
    r",?\s+(?:or|oder|o|ou|and|und|y|et)\s+\*\*[^*\n]{2,24}\*\*"
)
_BOLD_WORD = re.compile(r"\*\*([^*\n]{2,24})\*\*")


def listed_legend(text: str) -> dict[str, Priority]:
    """The levels a bare list of three or four bold priority words ranks, in the order written.

    "Die Dringlichkeit steht in Klammern: **dringend**, **wichtig**, **normal** oder
    **niedrig**" (also ``**urgent**, **important**, **normal** or **low**``): when the first
    is a high level and the last a low one, the list is the document's scale, from the top:
    "wichtig" is its second level (high), whatever it means alone.
    """
    legend: dict[str, Priority] = {}
    for run in _LISTED_TERMS.finditer(text):
        names = [norm_plain(m.group(1)) for m in _BOLD_WORD.finditer(run.group(0))]
        if not 3 <= len(names) <= 4 or any(n not in PRIORITY_WORDS for n in names):
            continue
        own = [PRIORITY_WORDS[n] for n in names]
        if own[0] not in (Priority.CRITICAL, Priority.HIGH) or own[-1] is not Priority.LOW:
            continue
        levels = own if _falling(own) else list(_RANKS[len(names)])
        for name, level in zip(names, levels, strict=True):
            legend.setdefault(name, level)
    return legend


def _falling(levels: list[Priority]) -> bool:
    """Whether the levels go strictly from the most urgent down."""
    return all(a.rank < b.rank for a, b in itertools.pairwise(levels))


def priority_terms(text: str) -> frozenset[str]:
    """The words a legend defines as a priority scale: a task's ``Word: value`` states one.

    "Son **caractère** dit si on peut s'en passer : *obligatoire* (…), *conseillé* (…),
    *facultatif* (…)": a bold term followed, in its paragraph, by two or more emphasized
    priority words is what the document calls its priority.
    """
    terms: set[str] = set()
    for paragraph in text.split("\n\n"):
        if "**" not in paragraph or paragraph.count("*") < 8:
            continue
        for m in _BOLD_TERM.finditer(paragraph):
            values = [w.group("word") for w in _ITALIC_WORD.finditer(paragraph, m.end())][:4]
            if len(values) >= 2 and all(norm_plain(v) in PRIORITY_WORDS for v in values):
                terms.add(norm_plain(m.group("name")))
                break
    return frozenset(terms)


def stated_priority(text: str, terms: frozenset[str]) -> Priority | None:
    """The level a ``Word: value`` of the document's own priority word states, if any.

    ``Caractère : obligatoire`` when the legend made "caractère" the priority.
    """
    lowered = text.casefold()
    for term in terms:
        at = lowered.find(term)
        while at >= 0:
            m = _TERM_VALUE.match(lowered, at + len(term))
            if m is not None and (level := priority_of(m.group(1).split()[0])) is not None:
                return level
            at = lowered.find(term, at + 1)
    return None


_TERM_VALUE = re.compile(r"\s*:\s*\**\s*([^\W\d_]+)")


def legend_tag(text: str, legend: dict[str, Priority]) -> Priority | None:
    """The level of the legend's tag a title or a cell carries (``[slice]``), if any."""
    if "[" not in text:
        return None
    for m in _LEGEND_TAG.finditer(text):
        if (level := legend.get(norm_plain(m.group(1)))) is not None:
            return level
    return None


_LEGEND_TAG = re.compile(r"\[([^\]\n]{1,24})\]")

_ABBREVIATION_ENTRY = re.compile(
    r"\((?P<abbr>[^\W\d_]{1,4}\.?)\)\s*(?:=|:|[—–])\s*(?P<words>[^\W\d_][^\W\d_ ]*(?: [^\W\d_]+)?)"
)
"""A legend's entry for a letter in parentheses: ``(P) = Pflicht``, ``(K): Kür``."""


def abbreviation_legend(text: str) -> dict[str, Priority]:
    """The priority each parenthesised letter of a legend stands for (``(P) = Pflicht``).

    Plans written outside a tracker abbreviate their levels to a letter after the title
    (``2.1 Literaturrecherche (P)``) and say once what each letter means; the letter counts
    only when its meaning is a priority word. Two such entries make a legend.
    """
    legend: dict[str, Priority] = {}
    for m in _ABBREVIATION_ENTRY.finditer(text):
        words = norm_plain(m.group("words")).split()
        for n in (2, 1):
            if len(words) >= n and (level := PRIORITY_WORDS.get(" ".join(words[:n]))):
                legend[f"({m.group('abbr')})"] = level
                break
    return legend if len(legend) >= 2 else {}


def abbreviation_mark(title: str, legend: dict[str, Priority]) -> tuple[str, Priority | None]:
    """The title without a legend's letter ending it (``… (P)``), and the level it stands for."""
    if not title.endswith(")"):
        return title, None
    for mark, level in legend.items():
        if title.endswith(mark) and len(title) > len(mark):
            return title[: -len(mark)].rstrip(" -—–·:"), level
    return title, None


def legend_mark(title: str, legend: dict[str, Priority]) -> tuple[str, Priority | None]:
    """The title without a legend's mark, and the level that mark stands for."""
    for mark, level in legend.items():
        if mark in title:
            cleaned = " ".join(title.replace("\ufe0f", "").replace(mark, " ").split())
            return cleaned.strip(" -—–·:") or title, level
    return title, None


_BRACKETED_WORDS = re.compile(r"[(\[]\s*([^\W\d_]+(?:[ :-]+[^\W\d_]+){0,2}(?: [0-3])?)\s*[)\]]")
_PRIORITY_NOUNS = frozenset(
    (
        *("priority", "prio", "priorität", "prioridad", "priorité"),
        *("urgency", "dringlichkeit", "urgencia", "urgence"),
        # An audit's impact or severity on the people affected: ``(impact : majeur)``.
        *("impact", "impacto", "auswirkung", "severity", "severidad", "sévérité", "gravité"),
        *("schweregrad",),
    )
)
_CRITICAL_TAIL = frozenset(
    (
        *("critical", "kritisch", "crítico", "crítica", "critico", "critica", "critique"),
        *("blocking", "blocker", "bloquant", "bloquante", "bloqueante"),
    )
)
"""The last word of a compound that says what the work is critical for (``Release-kritisch``,
``launch-critical``, ``business critical``, ``crítico para el cierre``)."""
_GATING = frozenset(("gate", "gating", "blocking", "blockierend", "bloqueante", "bloquant"))
"""A tag that says the work gates what follows (``[gate]``): only as a whole tag."""
_NOT = frozenset(("non", "not", "no", "nicht", "kein", "keine", "sin", "pas", "un", "ohne"))
_MODAL_LEVELS = frozenset(
    (
        *("must", "should", "could", "muss", "soll", "sollte", "kann"),
        *("imprescindible", "deseable", "opcional", "indispensable", "souhaitable"),
        *("optionnel", "optionnelle", "obligatoire", "obligatorio"),
    )
)
"""A level word a tag may qualify with when the work is due (``(Muss vor Eröffnung)``)."""
_WHEN_WORDS = frozenset(
    (
        *("before", "by", "for", "after", "later", "now", "vor", "bis", "für", "zur", "zum"),
        *("nach", "später", "spaeter", "sofort", "antes", "para", "después", "despues", "luego"),
        *("ya", "avant", "pour", "après", "apres", "plus", "tard", "ensuite"),
    )
)
"""Words that say when a level applies: ``before launch``, ``später``, ``plus tard``."""
_TIERS = frozenset(
    (
        *("tier", "priority tier", "priority level", "prioritätsstufe", "priostufe"),
        *("nivel de prioridad", "niveau de priorité", "niveau de priorite"),
    )
)
"""A ranked scale's name before its number (``(Tier 1)``, ``(Prioritätsstufe 2)``)."""


def tag_priority(tag: str) -> Priority | None:
    """The level a bracketed tag names, if any.

    A level word (``Muss``, ``alta``), or one with the word priority on either side
    (``priorité haute``, ``prioridad alta``, ``Priorität: hoch``, ``high priority``), or what
    the work is critical for (``Release-kritisch``, ``launch-critical``: critical), or a
    modal level word with when it applies (``Muss vor Eröffnung``, ``Kann später``, ``must
    before launch``, ``optionnel plus tard``): the level; a ranked tier (``Tier 1`` high,
    ``Tier 2`` medium, ``Tier 3`` low, ``Tier 0`` critical).
    """
    words = norm_plain(tag).split()
    if len(words) == 2 and (words[0] in _PRIORITY_NOUNS or words[1] in _PRIORITY_NOUNS):
        words = [w for w in words if w not in _PRIORITY_NOUNS] or words
    if len(words) == 2 and words[1] in _CRITICAL_TAIL and words[0] not in _NOT:
        return Priority.CRITICAL  # "Release-kritisch", "launch critical"
    if len(words) == 1 and words[0] in _GATING:
        return Priority.CRITICAL  # "[gate]": what the next stage cannot start without
    if len(words) >= 2 and words[-1] in ("0", "1", "2", "3") and " ".join(words[:-1]) in _TIERS:
        return _RANKED[int(words[-1])]  # "(Tier 1)": a ranked scale, 1 first
    if 2 <= len(words) <= 3 and words[0] in _MODAL_LEVELS and words[1] in _WHEN_WORDS:
        return PRIORITY_WORDS[words[0]]  # "Muss vor Eröffnung", "Could later", "Kann später"
    return PRIORITY_WORDS.get(" ".join(words))


def bracketed_priority(line: str) -> Priority | None:
    """A priority word alone in parentheses or brackets on a line.

    ``/F40/ Wareneingang buchen (Muss)``, ``Subir las fichas — Javier (alta)``,
    ``[must] **Click logging**``, ``1.1 Mise en place [priorité haute]``; ``(high traffic)``
    is no priority.
    """
    if "(" not in line and "[" not in line:
        return None
    for m in _BRACKETED_WORDS.finditer(line):
        if (level := tag_priority(m.group(1))) is not None:
            return level
    return None


_EDGE_TAG = re.compile(
    r"^\s*[(\[]\s*([^()\[\]]{1,24}?)\s*[)\]]\s*|\s*[(\[]\s*([^()\[\]]{1,24}?)\s*[)\]]\s*$"
)
"""A tag in parentheses or brackets at either end of a title (``[P0] …``, ``… (Muss)``)."""


def without_priority_marks(title: str) -> str:
    """The title without the marks that state its priority, which the task carries anyway.

    Traffic lights anywhere (``🔴 Sign the venue contract``), and a ``P0``-``P3`` or priority
    word in parentheses or brackets at either end (``Outbox table (P0)``, ``[Muss] Tarif-API
    v2``). Anything else in brackets stays: ``Cache (Redis)``, ``[API] Rate limits``.
    """
    text = _EMOJI.sub("", title) if _EMOJI.search(title) else title
    while (m := _EDGE_TAG.search(text)) is not None:
        if tag_priority(m.group(1) or m.group(2) or "") is None:
            break
        text = text[: m.start()] + " " + text[m.end() :]
    cleaned = " ".join(text.split()).strip(" -—–·:")
    return cleaned or title


_MONTHS = (
    r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec|mär|mai|okt|dez|ene|abr|ago|dic"
    r"|janv|févr|fév|avr|juin|juil|août|déc)[a-zéû]*\.?"
)
_DATE_SEGMENT = re.compile(
    r"(?:(?:due|by|until|bis|fällig|hasta|antes del?|avant le|pour le)\s+)?"
    rf"(?:{_MONTHS}\s+\d{{1,2}}(?:,?\s+\d{{4}})?|\d{{1,2}}\.?\s+(?:de\s+)?{_MONTHS}(?:\s+\d{{4}})?"
    r"|\d{4}-\d{2}-\d{2}|\d{1,2}[./]\d{1,2}(?:[./]\d{2,4})?\.?"
    r"|no due date|sin fecha|kein termin|pas d.échéance)",
    re.IGNORECASE,
)
"""A segment that is only a due date: ``Jun 13``, ``due Sep 19``, ``15/05``, ``No due date``."""
_OWNER_SEGMENT = re.compile(
    r"@[\w.-]+|unassigned|sin asignar|nicht zugewiesen|non assigné"
    r"|[A-ZÁÉÍÓÚÑÄÖÜ][\w'’-]+(?: [A-ZÁÉÍÓÚÑÄÖÜ][\w'’-]+){0,2}"
)
"""A segment that is only an owner: ``Priya Nair``, ``@carla``, ``Unassigned``."""
_BOARD_SEGMENTS = re.compile(r"\s+[—–]\s+")


def without_board_tail(title: str) -> str:
    """An exported card's title without its due date and owner.

    ``Sign venue contract — Priya Nair — Jun 13`` → ``Sign venue contract``. Only a date ends
    such a tail (a board export writes the owner, then the date); the owner before it goes
    with it. ``Export — Android`` keeps its second part: no date follows it.
    """
    parts = _BOARD_SEGMENTS.split(title)
    if len(parts) < 2 or not _DATE_SEGMENT.fullmatch(parts[-1].strip()):
        return title
    parts.pop()
    if len(parts) > 1 and _OWNER_SEGMENT.fullmatch(parts[-1].strip()):
        parts.pop()
    return " — ".join(parts)


def priority_in_title(title: str) -> Priority | None:
    """A title's first ``P0``-``P3`` or traffic light, else its strongest MoSCoW word."""
    m = _P_LEVEL.search(title) if "P" in title else None
    if m:
        return PRIORITY_WORDS[f"p{m.group(1)}"]
    for mark, level in PRIORITY_EMOJI.items():
        if mark in title:
            return level
    if (said := bracketed_priority(title)) is not None:
        return said
    if "U" not in title:
        return None
    found = _MOSCOW.findall(title)
    if found:
        return strongest(PRIORITY_WORDS[w.lower()] for w in found)
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


_TAIL_PRIORITY = re.compile(
    r"(?:^|(?<=[.!?;)])\s+)(?P<em>\*\*|__|\*|_)?(?P<word>[^\W\d_]+(?:[ -][^\W\d_]+){0,3})"
    r"(?:[.!]\s*(?P=em)|(?P=em)\s*[.!]?|[.!])\s*$"
)
"""A paragraph's last sentence: a few words, bold or italic or alone after a full stop
(``… validé par la DRH. *Indispensable.*``, ``**(Release-kritisch)**``, ``Nice to have.``)."""
_WEAK_ALONE = frozenset(
    (
        *("may", "kann", "soll", "muss", "nice", "bas", "haut", "normal", "minor", "media"),
        *("medio", "moyen"),
    )
)
"""Priority words that, not emphasized, end a paragraph as words of its own (``… if it may.``)."""


def tail_priority(text: str) -> Priority | None:
    """The priority a paragraph or item ends with, as a sentence of its own.

    ``*Indispensable.*``, ``**Souhaitable.**``, ``_Wünschenswert_``, ``Nice to have.``,
    ``Imprescindible.``: a careful planner reads them as the work's priority.
    """
    end = text.rstrip()[-48:]
    if not end.endswith((".", "!", "*", "_")):
        return None
    m = _TAIL_PRIORITY.search(end)
    if m is None:
        return None
    words = norm_plain(m.group("word"))
    if m.group("em") is None and (
        words in _WEAK_ALONE or (m.start() == 0 and len(end) < len(text.rstrip()))
    ):
        return None
    level = PRIORITY_WORDS.get(words)
    if level is None and m.group("em") is not None:
        level = tag_priority(m.group("word"))
    return level
