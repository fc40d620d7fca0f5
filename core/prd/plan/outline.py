"""The document's outline as a careful reader sees it, before any rule reads the sections.

Three things the Markdown tree does not say: a **bold line** standing alone at the start of a
paragraph (``**Horaires en temps réel**``, ``**HU-1 · Registro de mascotas** 🔴``, ``**Search
API** (Priya)``) is a heading
one level below its section; a heading whose text is **struck through** (``### ~~Tax…~~``) was
dropped; and a section inside an XML-like tag pair (``<overview>`` … ``</overview>``, as Task
Master templates write) is classified by the tag's name as well as its own title.

The parsed nodes are shared with the parser's chunk cache and never changed: a split paragraph
becomes a new ``Paragraph``, and only the (per-parse) ``Section`` objects are rebuilt.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from core.prd.parse import Block, Document, Paragraph, Section
from core.prd.plan.lexicon import LABEL_WORDS, word_set
from core.prd.plan.vocab import ident_of, numbered_kind

_BOLD_LINE = re.compile(
    r" {0,3}(\*\*|__)(?P<title>(?!\s)(?:(?!\1)[^\n])+?)\1"
    r"(?P<rest>(?:[^\w*_`~\[(]|`[^`\n]{1,24}`|\[[^\[\]\n]{1,24}\])*(?:\([^()]*\)\s*)?)$"
)
"""A bold line, maybe with an emoji, a short tag (``· `P1` ``, ``[P0]``) or an owner in
parentheses: ``**Search API** (Priya)``."""
_BOLD_LEAD_TEXT = re.compile(
    r" {0,3}(\*\*|__)(?P<title>(?!\s)(?:(?!\1)[^\n])+?)\1\s*(?:\([^()]{1,20}\)\s*)?[.:—–-]?\s+\S"
)
"""A bold name leading a paragraph's text: ``**Search API** (P0). Every…``, ``**Export** — …``."""
_TAGS_ONLY = re.compile(r"(?:[\s·|—–-]*(?:`[^`\n]{1,24}`|\[[^\[\]\n]{1,24}\]))+\s*")
"""The tail of a bold line that is only tags: `` · `P1` ``, ``[P0] [Backend]``."""
_PROPERTY_WORDS = word_set(
    "owner|assignee|author|authors|lead|team|date|version|reviewers|status|estimate"
    "|due|responsable|autor|autora|autor:innen|propriétaire|auteur|verantwortlich"
    "|datum|fecha"
)
_STRUCK_HEADING = re.compile(r"#{1,6}\s+(?:[A-Z][A-Z0-9]*-?\d+\s+)?(?:\*\*|__)?~~")
_TAG_LINE = re.compile(r"\s*<(/?)([A-Za-z][\w-]*)>\s*$")
_MAX_WORDS = 12


@dataclass
class Outline:
    """What the pre-pass learned about the sections (keyed by ``id(section)``)."""

    struck: set[int] = field(default_factory=set)
    """Sections whose heading is struck through."""
    tags: dict[int, tuple[str, ...]] = field(default_factory=dict)
    """Names of the tags a section lies inside, innermost last."""
    pseudo: set[int] = field(default_factory=set)
    """Sections made from a bold line."""


def build_outline(doc: Document, known: re.Pattern[str]) -> Outline:
    """Turn bold lines into sections (in place), find struck headings and tag context.

    ``known`` fully matches the normalized titles that are a heading even alone (acceptance,
    informational, tasks…): a single other bold line in a section stays text, as it is more
    often an inline label than a heading.
    """
    outline = Outline()
    lines = doc.lines
    # The title-less start of a document: bold lines there are top-level headings.
    if doc.preamble:
        level = 2 if any(s.level == 1 for s in doc.sections) else 1
        holder = Section(level - 1, "", (), 1, 1, 1, list(doc.preamble), [])
        made = _split(holder, lines, known, outline, level)
        if made:
            doc.preamble[:] = holder.blocks
            doc.sections[:0] = made
    stack = list(doc.sections)
    # Each section's bold-led paragraphs, counted before any sibling is cut at its own, and
    # the most any section beside it holds (the two largest of its group: no pass per section).
    beside: dict[int, int] = {}
    _count_beside(doc.sections, lines, beside)
    while stack:
        section = stack.pop()
        made = _split(section, lines, known, outline, section.level + 1, beside[id(section)])
        if made:
            section.children[:0] = made
        _count_beside(section.children, lines, beside)
        stack.extend(section.children)
        raw = lines[section.line_start - 1] if section.line_start <= len(lines) else ""
        if id(section) not in outline.pseudo and "~~" in raw and _STRUCK_HEADING.match(raw):
            outline.struck.add(id(section))
    _tag_context(doc, outline)
    return outline


def _bold_first_line(
    block: Block, lines: list[str], pattern: re.Pattern[str]
) -> re.Match[str] | None:
    """``pattern`` matched on the source line a paragraph starts on (bold marks kept there)."""
    if not isinstance(block, Paragraph) or block.line_start > len(lines):
        return None
    raw = lines[block.line_start - 1]
    if "**" not in raw and "__" not in raw:
        return None
    if raw.count("**") % 2 and block.line_end > block.line_start:
        # "**B4. Pull the items into a reference\npacket** [Nice] — …": a bold name wrapped
        raw = f"{raw.rstrip()} {lines[block.line_start].strip()}"
    return pattern.match(raw)


def _word_count(title: str) -> int:
    return sum(1 for token in title.split() if _HAS_WORD.search(token))


_HAS_WORD = re.compile(r"[^\W_]")


def _a_name(title: str) -> bool:
    """Whether a bold text can name a section.

    Not a label (``Done when:``, ``Owner``), a sentence (``Note.``) or a line of prose. Dashes
    and quotation marks standing alone (``T-14 — Intégration du DLC « Les Caves »``) are no
    words.
    """
    if title.endswith((":", ".")) or _word_count(title) > _MAX_WORDS:
        return False
    head = " ".join(re.findall(r"[^\W_]+", title.casefold()))
    return head not in LABEL_WORDS and head not in _PROPERTY_WORDS


def _bold_title(block: Block, lines: list[str]) -> str | None:
    """The heading a paragraph's bold first line makes, or ``None``."""
    m = _bold_first_line(block, lines, _BOLD_LINE)
    if m is None or not _a_name(title := m.group("title").strip()):
        return None
    rest = m.group("rest").strip()
    if not rest or _TAGS_ONLY.fullmatch(rest):
        return title  # "**Receipt OCR v2** · `P0`": the tag stays in the body (its priority)
    return f"{title} {rest}"


def _lead_title(block: Block, lines: list[str]) -> str | None:
    """The name a paragraph leads with in bold before its text on the same line.

    ``**R1. Usage event ingestion** (P0). Every metered service…``: a requirement written
    as a paragraph. Only read where a section has several (see ``_split``).
    """
    m = _bold_first_line(block, lines, _BOLD_LEAD_TEXT)
    if m is None:
        return None
    title = m.group("title").strip()
    if title.endswith(".") and (ident_of(title) or numbered_kind(title)) is not None:
        title = title[:-1]  # "**R9. Credits and grants.** P1. …"
    assert isinstance(block, Paragraph)
    # An id-led name may run longer ("**B4. Pull the 2025 items … into a reference packet**").
    # So may a numbered kind's ("**Action 3 – Inventaire du matériel.** Pilote : …").
    named = _a_name(title) or (
        (ident_of(title) is not None or numbered_kind(title) is not None)
        and not title.endswith(":")
        and len(title.split()) <= 24
    )
    return title if named and block.text.replace("\n", " ", 1).startswith(title) else None


def _count_beside(group: list[Section], lines: list[str], beside: dict[int, int]) -> None:
    """For each section of a group, the most bold-led paragraphs another one holds."""
    counts = [_leads(s, lines) for s in group]
    top = [*sorted(counts, reverse=True)[:2], 0, 0]
    for section, count in zip(group, counts, strict=True):
        beside[id(section)] = top[1] if count == top[0] else top[0]


def _leads(section: Section, lines: list[str]) -> int:
    """How many of the section's paragraphs lead with a bold name (``_lead_title``)."""
    return sum(1 for b in section.blocks if _lead_title(b, lines))


def _split(
    section: Section,
    lines: list[str],
    known: re.Pattern[str],
    outline: Outline,
    level: int,
    leads_beside: int = 0,
) -> list[Section]:
    """Cut the section's blocks at its bold-line headings; return the new child sections.

    ``leads_beside``: the most bold-led paragraphs a section beside it holds.
    """
    marks = [(i, t) for i, b in enumerate(section.blocks) if (t := _bold_title(b, lines))]
    if not marks:
        leads = [(i, t) for i, b in enumerate(section.blocks) if (t := _lead_title(b, lines))]
        if len(leads) >= 2 or (
            len(leads) == 1 and ident_of(leads[0][1]) is not None and leads_beside >= 2
        ):
            # One lead names a task only with an id and beside sections of several ("**A13.
            # Entretiens …** Pilote : …"): a stage down to one of its actions still holds it.
            return _cut(section, leads, outline, level, _after_lead)
        return []
    if len(marks) == 1:
        title = marks[0][1]
        words = " ".join(re.findall(r"[^\W_]+", title.casefold()))
        if not known.fullmatch(words) and ident_of(title) is None:
            return []  # one bold line is a heading only with a known title or an id
    return _cut(section, marks, outline, level, _below_bold_line)


def _below_bold_line(first: Paragraph, title: str) -> list[Block]:
    """What a bold line's own paragraph holds under it, and the tags after its title."""
    head, _, rest = first.text.partition("\n")
    tags = head[len(title) :].strip(" ·|—–-") if head.startswith(title) else ""
    text = "\n".join(t for t in (tags, rest) if t)
    if not text:
        return []
    start = first.line_start if tags else first.line_start + 1
    return [Paragraph(text, first.code_spans, start, first.line_end)]


def _after_lead(first: Paragraph, title: str) -> list[Block]:
    """A bold-led paragraph's text after its lead."""
    rest = first.text[len(title) :].lstrip(" *_")
    return [Paragraph(rest, first.code_spans, first.line_start, first.line_end)]


def _cut(
    section: Section,
    marks: list[tuple[int, str]],
    outline: Outline,
    level: int,
    first_body: Callable[[Paragraph, str], list[Block]],
) -> list[Section]:
    """Make each marked paragraph (with the blocks up to the next mark) a child section."""
    blocks = section.blocks
    made: list[Section] = []
    next_start = section.children[0].line_start - 1 if section.children else section.line_end
    for n, (index, title) in enumerate(marks):
        first = blocks[index]
        assert isinstance(first, Paragraph)
        end_index = marks[n + 1][0] if n + 1 < len(marks) else len(blocks)
        own = [*first_body(first, title), *blocks[index + 1 : end_index]]
        if not own:
            continue  # a bold line with nothing under it is emphasis, not a heading
        end = blocks[end_index].line_start - 1 if end_index < len(blocks) else next_start
        child = Section(level, title, (), first.line_start, max(end, first.line_start), 0, own)
        child.body_line_end = max(b.line_end for b in own)
        outline.pseudo.add(id(child))
        made.append(child)
    if made:
        section.blocks = blocks[: marks[0][0]]
        section.body_line_end = max(
            (b.line_end for b in section.blocks), default=section.line_start
        )
    return made


def _tag_context(doc: Document, outline: Outline) -> None:
    """Record, for each section, the XML-like tags open at its heading."""
    events: list[tuple[int, bool, str]] = []
    for number, line in enumerate(doc.lines, start=1):
        if "<" in line and (m := _TAG_LINE.match(line)):
            events.append((number, m.group(1) == "", m.group(2).casefold()))
    if not events:
        return
    open_tags: list[str] = []
    position = 0
    for section in doc.walk():
        while position < len(events) and events[position][0] < section.line_start:
            _, opening, name = events[position]
            if opening:
                open_tags.append(name)
            elif name in open_tags:
                del open_tags[len(open_tags) - 1 - open_tags[::-1].index(name)]
            position += 1
        if open_tags:
            outline.tags[id(section)] = tuple(open_tags)


_OUTLINE_TOP = re.compile(r"(\d{1,2})\.[ \t]+([^\W\d_][^\n]{0,80})")
"""A plain-text chapter line: ``2. Theorie und Forschungsstand``."""
_OUTLINE_SUB = re.compile(r"(\d{1,2})\.\d{1,2}\.?[ \t]+([^\W\d_][^\n]*[^.:\s])")
"""A plain-text sub-chapter line: ``2.1 Systematische Literaturrecherche (P)``."""
_MIN_SUBS = 2


def plain_outline(text: str) -> str:
    """The text with a plain-text outline's numbered lines made headings, else the text.

    Documents written outside Markdown (a Word export, an attachment to an agreement) number
    their chapters ``2.`` and sub-chapters ``2.1`` on lines of their own, with no ``#``. A
    reader sees the outline: so when a document has no heading below a title, and at least two
    sub-chapter lines each start a paragraph under a chapter line of the same number that
    stands alone, each such line becomes a heading (chapter H2, sub-chapter H3) and the
    indented lines right under it its text. Lines keep their numbers.
    """
    if "\n##" in text or text.startswith("##") or "\n1" not in text:
        return text
    lines = text.split("\n")
    tops: dict[int, str] = {}
    subs: list[int] = []
    chapter = ""
    fenced = False
    for n, line in enumerate(lines):
        if line.startswith(("```", "~~~")):
            fenced = not fenced
        if fenced or not line[:1].isdigit() or (n and lines[n - 1].strip()):
            continue
        if (top := _OUTLINE_TOP.fullmatch(line.rstrip())) and not (
            n + 1 < len(lines) and lines[n + 1].strip()
        ):
            tops[n] = chapter = top.group(1)
        elif (sub := _OUTLINE_SUB.fullmatch(line.rstrip())) and sub.group(1) == chapter:
            subs.append(n)
    if len(subs) < _MIN_SUBS:
        return text
    for n in tops:
        lines[n] = "## " + lines[n]
    for n in subs:
        lines[n] = "### " + lines[n]
        below = n + 1
        while below < len(lines) and lines[below][:1] in (" ", "\t") and lines[below].strip():
            lines[below] = lines[below].strip()
            below += 1
    return "\n".join(lines)
