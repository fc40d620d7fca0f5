"""Milestones: the ones a document names, and which tasks each holds.

A document names milestones in a milestones section (``Milestones``, ``Meilensteine``,
``Hitos``, ``Jalons``, ``Timeline``…: its list items, bold lines, table rows and
sub-headings), in headings (``Phase 2: …``, ``Jalon 1 — …``, ``Week 1 — …``, ``Alpha (v0.14)``,
``Launch day``) and in ``Milestone:`` lines. A milestone heading holds the tasks below it; a
heading named like a listed milestone does too; a table's scope column (``Umfang``, ``Scope``)
or a task table's milestone column lists its tasks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from core.prd.models import PlannedMilestone
from core.prd.parse import Block, ListBlock, Paragraph, Section, Table
from core.prd.plan.items import schedule_list, task_table
from core.prd.plan.lexicon import DATE_IN_TITLE, MILESTONE_HEADING, STAGE_HEADING
from core.prd.plan.scan import field_row, label_fields
from core.prd.plan.vocab import (
    ID_OR_NUMBER,
    ID_RANGE,
    IDENT,
    ISO_DATE,
    LIST_SEPARATOR,
    PLURAL_PARTS,
    RANGE_ARTICLE,
    RANGE_LEAD,
    RANGE_SEPARATOR,
    clean_title,
    expand_id_ranges,
    flat_blocks,
    norm,
    norm_plain,
    slug,
    spell_numbers,
    spell_parts,
    spell_range,
)

_SENTENCES = re.compile(r"(?<=[.!?])\s+(?=\S)")
_BOLD_SPAN = re.compile(r"\*\*([^*\n]{2,120})\*\*")
_EU_DATE = re.compile(r"\b(\d{1,2})\.(\d{1,2})\.(\d{4})\b")
_BOLD_LEAD = re.compile(r"\s*(\*\*|__)(?P<name>(?:(?!\1)[^\n])+?)\1")
_MILESTONE_COLUMNS = re.compile(
    r"milestones?|meilensteine?|hitos?|jalons?|phases?|fases?|stages?|etapas?|étapes?|phasen"
    r"|lots?|releases?|waves?|tranches?|horizons?|horizont(e)?|zeithorizont|horizontes?"
    r"|stufen?|etappen?"
    # The period a schedule places its tasks in (``| Période | Actions |``).
    r"|periods?|périodes?|períodos?|zeitraum|zeiträume|quarters?|quartale?|trimestres?"
    r"|semesters?|semestres?|halbjahre?"
    # The deliveries a plan promises someone, each grouping the tasks due that day.
    r"|deliveries|delivery|drops?|entregas?|lieferungen|lieferung|livraisons?"
)
"""A column naming milestones: such a table names them wherever it stands."""
_NAME_COLUMNS = re.compile(rf"{_MILESTONE_COLUMNS.pattern}|name")
_PERIOD_COLUMNS = re.compile(
    r"periods?|périodes?|períodos?|zeitraum|zeiträume|quarters?|quartale?|trimestres?"
    r"|semesters?|semestres?|halbjahre?"
)
"""A column dating the milestones: their name is in a stage column beside it, if any."""
_SCOPE_COLUMNS = re.compile(
    r"(in )?scope|what s in( it)?|included|includes|contains|content|contents|tasks|steps"
    r"|schritte|arbeitspakete|pasos|étapes|work items|work packages|stories|epics"
    r"|subtasks|sub tasks|aufgaben|teilaufgaben|tareas|subtareas|tâches|sous tâches"
    r"|requirements|features|items|deliverables"
    r"|stories|issues|umfang|inhalt|leistungsumfang|anforderungen|alcance|contenido|entregables"
    r"|requisitos|périmètre|contenu|livrables|exigences"
    # What must be done by then (``Tasks that must be complete``, ``Aufgaben bis dahin``).
    r"|(tasks|aufgaben|tareas|tâches|actions|maßnahmen|acciones) [^\d]{3,40}"
    r"|actions|activities|aktionen|maßnahmen|massnahmen|aktivitäten|acciones|actividades"
    r"|activités"
)
_SCOPE_LABEL = re.compile(
    r"(?<![\w-])(?:scope|in scope|includes|contains|umfang|inhalt|alcance|incluye|contenido"
    r"|périmètre|contenu|comprend)\s*:\s*(?P<list>[^.\n]+(?:\.\d[^.\n]*)*)",
    re.IGNORECASE,
)
"""A scope label in a milestone's text and the list after it, to the sentence's end."""
_PREREQUISITE_COLUMNS = re.compile(
    r"(?:prerequisites?|preconditions?|requires|required|voraussetzung(?:en)?|vorbedingung(?:en)?"
    r"|prerrequisitos?|requisitos previos|precondici(?:ó|o)n(?:es)?|prérequis|préalables?"
    r"|préconditions?)\b"
)
"""A milestone table's column of what must be done by it (``Voraussetzung (Pendenzen)``,
``Prerequisites``, ``Prerrequisitos``, ``Prérequis``): it lists the milestone's tasks."""
_DESCRIPTION_COLUMNS = re.compile(
    r"descriptions?|beschreibung|bezeichnung|descripción|descripcion|désignation|intitulé"
    r"|libellé|titles?|titel|título|titulo|titre|nombre|nom"
)
"""The column naming a milestone whose own column holds only its id (``H1``, ``MS1``)."""
_LETTER = re.compile(r"[^\W\d_]")
_ASIDE = re.compile(r"\(([^()]{1,40})\)|\s[—–|·]\s+([^—–|·]{1,40})$")
_ITEM_MARK = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+(?:(?:\[[ xX]\]|[\u2610-\u2612])\s+)?")
_MEMBER_SPLIT = re.compile(r"\s*[,;]\s*|\s+(?:and|und|y|et)\s+")
_SENTENCE_END = re.compile(r"(?<=[^\s.])\.\s+(?=[A-ZÀ-Ý])")
_MEMBER_WORDS = 8
_LONE_MEMBER_WORDS = 5
_ENTRY_END = re.compile(r"\s*\(|\s+[—–|]\s+|\s+-\s+|:\s")


_CELL_MEMBER = re.compile(
    rf"(?<![\w.])(?:(?P<first>{ID_OR_NUMBER})\s*{RANGE_SEPARATOR}\s*(?P<last>{ID_OR_NUMBER})"
    rf"|{ID_OR_NUMBER})(?![\w]|\.\d)"
)
"""An id, a work-package number (``2.1``, not the date ``25.10.2024``) or a range of either
(``AP 1.1 bis 1.4``) inside a cell's words."""
_LEAD_IDS = re.compile(
    rf"\s*[—–:-]?\s*{ID_OR_NUMBER}(?:\s*{LIST_SEPARATOR}\s*{ID_OR_NUMBER})*\s*\.?\s*$"
)
"""What follows a bold milestone name when it is nothing but ids (``**M1 — Foundations** — C1,
C4, C6``)."""


_POSITIONS = re.compile(
    r"\b(?:pos|positions?|positionen|posiciones|posición|postes?)\.?\s*"
    rf"(\d{{1,3}}(?:\s*(?:{LIST_SEPARATOR}|{RANGE_SEPARATOR})\s*\d{{1,3}})*)(?![\w]|\.\d)",
    re.IGNORECASE,
)
"""Position numbers named after their noun (``Pos. 01 bis 03``, ``Positionen 4 und 5``)."""


def _positions(text: str) -> list[str]:
    """The position numbers a cell names, ranges spelled out as written (``01`` … ``03``).

    A schedule of numbered positions names its rows by number alone; the noun before the
    numbers says they are rows, not weeks or amounts.
    """
    out: list[str] = []
    for m in _POSITIONS.finditer(text):
        for piece in re.split(rf"\s*{LIST_SEPARATOR}\s*", m.group(1)):
            ends = re.findall(r"\d+", piece)
            out.extend(spell_range(ends[0], ends[-1]) if len(ends) == 2 else ends)
    return out


def cell_members(text: str) -> list[str]:
    """The ids and numbers a table cell names among its words, ranges spelled out.

    ``AP 2.6 und 3.5 erledigt`` → ``2.6``, ``3.5``; ``RF-04, RF-05 y los pasos 1 a 3`` →
    ``RF-04``, ``RF-05``; ``Pos. 01 bis 03`` → ``01``, ``02``, ``03``. Names that match no
    task drop out when they are resolved.
    """
    if "pos" in text.lower() and (positions := _positions(text)):
        return positions
    out: list[str] = []
    for m in _CELL_MEMBER.finditer(text):
        if m.group("first") is None:
            out.append(m.group(0))
            continue
        out.extend(spell_range(m.group("first"), m.group("last")))
    return out


def _cell_parts(text: str) -> list[str]:
    """What a cell of no scope column names: its ids and numbers, or numbered parts.

    Numbered parts are named at once: ``Schritte 1 bis 3``, ``steps 4 to 9``, ``étapes 10 et 11``.
    """
    if PLURAL_PARTS.search(text):
        return [part for m in PLURAL_PARTS.finditer(text) for part in spell_parts(m)]
    return cell_members(text)


_LISTED_NUMBERS = re.compile(
    r"\s*(?:(?P<noun>deliverables?|items?|requirements?|stories|tasks?|features?|steps?"
    r"|livrables?|entregables?|lieferungen|anforderungen|exigences|requisitos|work ?packages?"
    r"|arbeitspakete?|paquetes? de trabajo|aufgaben|tareas|tâches)\s+)?"
    rf"{RANGE_LEAD}(?P<list>(?:[A-Z][A-Z0-9]{{0,7}}-?)?\d+(?:\.\d+)*"
    rf"(?:\s*(?:{LIST_SEPARATOR}|{RANGE_SEPARATOR}\s*{RANGE_ARTICLE})\s*"
    r"(?:[A-Z][A-Z0-9]{0,7}-?)?\d+(?:\.\d+)*)*)",
    re.IGNORECASE,
)
"""Numbers or ids a bold milestone's line starts by listing (``deliverables 1, 2 and 8``,
``Arbeitspakete 1 bis 3``)."""


def _numbered_noun(text: str) -> tuple[str, str] | None:
    """The noun and plain numbers a list after a colon names (``actions 2, 4 et 5``), if so."""
    listed = _ACTION_NUMBERS.fullmatch(text)
    if listed is None or not _PLAIN_NUMBERS.fullmatch(listed.group("list")):
        return None
    return listed.group("noun"), listed.group("list")


_PLAIN_NUMBERS = re.compile(rf"\d{{1,3}}(?:\s*(?:{LIST_SEPARATOR}|{RANGE_SEPARATOR})\s*\d{{1,3}})*")


_NUMBER_SIGN_HINT = re.compile(r"\b(?:nrn?|nos?|núms?)\b|[°º]", re.IGNORECASE)
_NUMBER_SIGN_RUN = re.compile(
    r"(?<!\w)(?:nrn?\.?|nos?\.|n\s?[°º]s?|núms?\.?)\s*"
    rf"(?P<list>\d{{1,3}}(?:\s*(?:{LIST_SEPARATOR}|{RANGE_SEPARATOR})\s*\d{{1,3}})*)(?!\w|\.\d)",
    re.IGNORECASE,
)
"""Task numbers after a number sign in a milestone's sentence (``wenn Nr. 3, 4 und 6 …``,
``once nos. 2 and 5 are done``, ``con los núm. 1 y 2``, ``quand les n° 4 et 7 …``)."""
_ACTION_NUMBERS = re.compile(
    r"\s*(?P<noun>actions?|acciones|acción|actuaciones|actuación|mesures?|medidas?|measures?"
    r"|maßnahmen?|massnahmen?)\s+(?P<list>[\d\s,;&]+(?:\s*\w{1,3}\s+\d{1,3})?)\s*[.;]?\s*",
    re.IGNORECASE,
)
"""Numbered actions a checkpoint lists after a colon (``actions 1 et 3``, ``Maßnahmen 2, 4``)."""


_NUMBER_SPAN = re.compile(
    rf"{RANGE_LEAD}(\d{{1,3}})\s*{RANGE_SEPARATOR}\s*{RANGE_ARTICLE}(\d{{1,3}})", re.IGNORECASE
)
"""A range of task numbers written out (``de la 7 a la 13``, ``7 bis 13``, ``from 7 to 13``)."""


def _members(text: str) -> list[str]:
    """The tasks a scope cell or entry lists, an id range spelled out (``F1.1 à F1.6``)."""
    parts: list[str] = []
    if PLURAL_PARTS.search(text):  # "Schritte 1 bis 6": Schritt 1, Schritt 2 …
        text = PLURAL_PARTS.sub(lambda m: ", ".join(spell_parts(m)), text)
    for part in _MEMBER_SPLIT.split(text):
        part = part.strip()
        if part and (numbers := _NUMBER_SPAN.fullmatch(part)):
            parts.extend(spell_range(numbers.group(1), numbers.group(2)))  # "de la 7 a la 13"
        elif part and ID_RANGE.fullmatch(part):
            parts.extend(expand_id_ranges(part))
        elif part:
            parts.append(part)
    return parts


def _split_entry(text: str) -> tuple[str, str]:
    """A milestone entry's name (an id prefix such as ``M1:`` kept) and what follows it."""
    m = MILESTONE_HEADING.match(text)
    head = text[: m.start("name")] if m else ""
    body = text[len(head) :]
    end = _ENTRY_END.search(body)
    if end is None:
        return text.strip(" :—–-"), ""
    return (head + body[: end.start()]).strip(" :—–-"), body[end.start() :]


def due_date(text: str) -> str | None:
    """An ISO date in the text (``2026-03-01``, or ``30.05.2026`` written the European way)."""
    m = ISO_DATE.search(text)
    if m:
        return m.group(1)
    eu = _EU_DATE.search(text)
    if eu:
        day, month, year = (int(g) for g in eu.groups())
        if 1 <= day <= 31 and 1 <= month <= 12:
            return f"{year:04d}-{month:02d}-{day:02d}"
    return None


_NUMBER_LED = re.compile(r"(\d{1,2})\s*[—–:.)-]\s*[^\W\d_]")
"""A milestone named by its number first (``1 — Mobilisation``)."""


@dataclass
class Milestones:
    """The plan's milestones, the names that point at them, and their listed members."""

    by_key: dict[str, PlannedMilestone] = field(default_factory=dict)
    known: dict[str, str] = field(default_factory=dict)
    """A milestone's normalized name (whole, and without its id) → its key."""
    members: list[tuple[str, str, int]] = field(default_factory=list)
    """(milestone key, the text naming a task, line) from scope columns."""
    numbered: set[int] = field(default_factory=set)
    """Lines whose members are task numbers after a number sign (``Nr. 3, 4``): they name
    numbered tasks, not a numbered heading."""
    blocks: set[int] = field(default_factory=set)
    """Blocks of other sections that name milestones (``read_block``): not work."""

    def add(self, ident: str, name: str, due: str | None = None) -> str:
        """The key of the milestone ``ident``, created when new; a later due date fills a gap."""
        key = slug(ident) or "milestone"
        existing = self.by_key.get(key)
        if existing is None:
            self.by_key[key] = PlannedMilestone(key=key, name=name[:200] or key, due_date=due)
        elif due and not existing.due_date:
            self.by_key[key] = existing.model_copy(update={"due_date": due})
        for alias in (name, ident):
            if n := norm(alias):
                self.known.setdefault(n, key)
        m = MILESTONE_HEADING.match(name)
        if m and m.group("name") and (n := norm(m.group("name"))):
            self.known.setdefault(n, key)
        return key

    def from_text(self, text: str) -> str:
        """A milestone named by a ``Milestone:`` line or a list entry: find it or create it."""
        due = due_date(text)
        bare = ISO_DATE.sub("", text).replace("()", "")
        bare = clean_title(re.sub(r"\bdue\b", "", bare))
        found = self.known.get(norm(bare))
        if found is not None:
            return found
        m = MILESTONE_HEADING.match(bare)
        if m:
            return self.add(m.group("id"), bare, due)
        return self.add(bare, bare, due)

    def mentioned(self, title: str) -> str | None:
        """The milestone a task's title names in an aside, if any.

        ``Referral links (M1)``, ``Export — Beta``.
        """
        for m in _ASIDE.finditer(title):
            key = self.known.get(norm(m.group(1) or m.group(2)))
            if key is not None:
                return key
        return None

    def from_heading(self, title: str, ident: str | None) -> str:
        """The milestone a heading declares (``Phase 2: …``, ``Alpha (v0.14)``, a listed name)."""
        clean = clean_title(title)
        found = self.known.get(norm(clean))
        if found is not None:
            return found
        due = due_date(title)
        return self.add(ident or clean, clean, due)

    def read_section(self, section: Section, lines: list[str], *, named: bool = False) -> None:
        """Create the milestones a milestones section names.

        Those are list items, bold lines (read from the source ``lines``, as parsing drops
        the emphasis), table rows and sub-headings. Below a sub-heading that is itself a
        milestone (``named``: ``### M1 · SCIM core API``), list items and sub-sections are its
        tasks, not more milestones.
        """
        for block in flat_blocks(section.blocks):
            if isinstance(block, ListBlock) and named:
                continue
            if isinstance(block, ListBlock) and not schedule_list(block):
                # Among bold-led entries, an item without the bold lead is a note on them
                # ("Die Kat.-C-Punkte haben keinen festen Termin."), not a milestone.
                bold = sum(self._bold_led(item.line_start, lines) for item in block.items)
                notes = bold > 1 and bold < len(block.items)
                for item in block.items:
                    if notes and not self._bold_led(item.line_start, lines):
                        continue
                    self._entry(item.text.split("\n", 1)[0], item.line_start, lines)
            elif isinstance(block, Paragraph):
                key: str | None = None
                for number in range(block.line_start, block.line_end + 1):
                    entry = self._entry("", number, lines, bold_only=True)
                    if entry is None and block.line_end > block.line_start:
                        entry = self._plain_entry(number, lines)
                    if entry is not None:
                        key = entry
                    elif key is not None and 0 < number <= len(lines):
                        self._listed_below(key, lines[number - 1], number)
                if key is None:
                    self._sentence_milestones(block, lines)
            elif isinstance(block, Table) and task_table(block) is None:
                self._table(block)
        if named:
            return  # its sub-sections are its tasks
        for child in section.children:
            name = clean_title(child.title)
            key = self.from_text(name)
            milestone = bool(MILESTONE_HEADING.match(name) or STAGE_HEADING.fullmatch(name))
            self._scope_lines(key, child)
            self.read_section(child, lines, named=milestone)

    def _sentence_milestones(self, block: Paragraph, lines: list[str]) -> None:
        """Milestones a paragraph names in bold mid-sentence, each with its numbered steps.

        ``El **Hito A – Staging completo** (cierre de enero) se alcanza con los pasos 1 a 4.
        El **Hito B – …** incluye los pasos 5 a 9.``: a sentence with a bold numbered or
        lettered milestone name and numbered parts (``steps 5 to 9``, ``Schritte 1 bis 3``)
        names the milestone and its tasks.
        """
        raw = " ".join(lines[block.line_start - 1 : block.line_end])
        if raw.count("**") < 2:
            return
        for sentence in _SENTENCES.split(raw):
            bold = _BOLD_SPAN.search(sentence)
            if bold is None:
                continue
            head = MILESTONE_HEADING.match(bold.group(1).strip())
            rest = sentence[bold.end() :]
            if head is None or not head.group("name").strip() or not PLURAL_PARTS.search(rest):
                continue
            key = self.from_text(f"{bold.group(1).strip()} {due_date(rest) or ''}")
            self.members.extend((key, part, block.line_start) for part in _cell_parts(rest))

    def _plain_entry(self, line: int, lines: list[str]) -> str | None:
        """A milestone a plain line of several names by its id, listing its tasks after a colon.

        ``M1  Promotionskolloquium (Juni 2027): 2.1, 2.2, 2.3``: a plan typed without Markdown
        writes its milestones as lines of their own, one per milestone, each led by its id.
        """
        raw = lines[line - 1].strip() if 0 < line <= len(lines) else ""
        if ":" not in raw or not raw[:1].isalpha():
            return None
        head = MILESTONE_HEADING.match(raw)
        if head is None or not head.group("name").strip():
            return None
        return self._entry(raw, line, lines)

    def _scope_lines(self, key: str, section: Section) -> None:
        """The ids a milestone heading's text lists after a scope label.

        ``### Private beta — Oct 14`` over "… behind the flag. Scope: AL-1, AL-2 and AL-6."
        """
        for block in flat_blocks(section.blocks):
            if isinstance(block, Paragraph) and ":" in block.text:
                for m in _SCOPE_LABEL.finditer(block.text):
                    for part in cell_members(m.group("list")):
                        self.members.append((key, part, block.line_start))

    def _listed_below(self, key: str, text: str, line: int) -> None:
        """The tasks a line under a bold milestone lists (``Connection data model, SAML…``).

        Only a list of short names counts (its first sentence), or one name of a few words: a
        line of prose under the milestone says something else.
        """
        first = _SENTENCE_END.split(text.strip(), maxsplit=1)[0]
        parts = [p.strip() for p in _MEMBER_SPLIT.split(first.rstrip(".")) if p.strip()]
        short = _MEMBER_WORDS if len(parts) > 1 else _LONE_MEMBER_WORDS
        if parts and all(len(p.split()) <= short for p in parts):
            self.members.extend((key, part, line) for part in parts)

    def _dated_checkpoints(self, block: ListBlock, lines: list[str]) -> bool:
        """Read a list of dated checkpoints, each listing the task numbers due by it.

        ``- **Betriebsversammlung am 19. Januar:** bis dahin erledigt 1, 2, 3 und 6.``: two
        or more such items name milestones and their tasks; an item without a bold lead
        beside them is a note on them.
        """
        found: list[tuple[int, tuple[str, list[str]]]] = []
        for item in block.items:
            raw = lines[item.line_start - 1] if 0 < item.line_start <= len(lines) else ""
            entry = _checkpoint(raw)
            if entry is not None:
                found.append((item.line_start, entry))
            elif self._bold_led(item.line_start, lines) or item.lists:
                return False
        if len(found) < 2:
            return False
        for line, (name, numbers) in found:
            key = self.from_text(f"{name} {due_date(name) or ''}")
            self.members.extend((key, number, line) for number in numbers)
        return True

    def _sign_numbered(self, key: str, text: str, line: int) -> bool:
        """Read the task numbers a milestone's text names after a number sign, if it does.

        "**MS 1 – Räume abgenommen:** erreicht, wenn Nr. 3, 4, 5 und 6 erledigt sind": the
        tasks numbered 3 to 6 (its first sentence, but "nos. 1 and 2" holds a full stop).
        """
        first = text[:200]
        numbered = _NUMBER_SIGN_RUN.search(first) if _NUMBER_SIGN_HINT.search(first) else None
        if numbered is None:
            return False
        self.members.extend((key, n, line) for n in spell_numbers(numbered.group("list")))
        self.numbered.add(line)
        return True

    @staticmethod
    def _bold_led(line: int, lines: list[str]) -> bool:
        """Whether the source line (a list item's first) starts with a bold name."""
        raw = lines[line - 1] if 0 < line <= len(lines) else ""
        return _BOLD_LEAD.match(_ITEM_MARK.sub("", raw, count=1)) is not None

    def _entry(
        self, text: str, line: int, lines: list[str], *, bold_only: bool = False
    ) -> str | None:
        """A milestone named by a list item or a line.

        ``**Beta** — May 2``, ``M1 – Links and tracking (Jul 15): REF-1, REF-2`` (what
        follows a colon after the name lists its tasks), ``M1: Foundations (2026-03-01)``.
        """
        raw = lines[line - 1] if 0 < line <= len(lines) else text
        bold = _BOLD_LEAD.match(_ITEM_MARK.sub("", raw, count=1))
        if bold_only and bold is None:
            return None
        if bold is None and label_fields(text):
            return None  # "Priority: low" in a milestones list is a setting, not a milestone
        if bold is not None:
            name = bold.group("name").strip(" :")
            rest = _ITEM_MARK.sub("", raw, count=1)[bold.end() :]
        else:
            name, rest = _split_entry(text)
        if not _LETTER.search(name):
            return None
        key = self.from_text(f"{name} {due_date(rest) or ''}")
        members = rest.split(":", 1)[1] if ":" in rest else ""
        if members and self._sign_numbered(key, members, line):
            return key
        if members and (actions := _numbered_noun(members)) is not None:
            # "**COPIL du 16 juin** : actions 1 et 3.": the tasks numbered 1 and 3, not a
            # section named "actions"
            self.members.extend((key, number, line) for number in spell_numbers(actions[1]))
            return key
        if not members and bold is not None and bold.group("name").rstrip().endswith((":", ".")):
            # "**Stage 1 — Private beta:** deliverables 1, 2, 3 and 8, switched on for…"
            listed = _LISTED_NUMBERS.match(rest)
            if (
                listed is not None
                and listed.group("noun")
                and _PLAIN_NUMBERS.fullmatch(listed.group("list"))
            ):
                # "Arbeitspakete 1 bis 3": work package 1, 2 and 3, not chapters 1 to 3.
                noun = listed.group("noun")
                for number in spell_numbers(listed.group("list")):
                    self.members.append((key, f"{noun} {number}", line))
                return key
            members = listed.group("list") if listed is not None else ""
        if not members and bold is not None and _LEAD_IDS.fullmatch(rest):
            members = rest.strip(" —–:-.")  # "**M1 — Foundations** — C1, C4, C6"
            for part in cell_members(members):
                self.members.append((key, part, line))
            return key
        if not members and bold is not None and bold.group("name").rstrip().endswith(":"):
            if self._sign_numbered(key, rest, line):
                return key
            # "**Pilot go/no-go — Fri 10/10:** UPS credentials, return labels … are done"
            self._listed_below(key, rest, line)
            return key
        for part in _members(members):
            self.members.append((key, part, line))
        return key

    def _table(self, table: Table) -> None:
        header = [norm_plain(h) for h in table.header]
        named = [i for i, h in enumerate(header) if _NAME_COLUMNS.fullmatch(h)]
        # "| Stufe | Zeitraum | Maßnahmen |": the stage names the milestone, not its period.
        name_col = next((i for i in named if not _PERIOD_COLUMNS.fullmatch(header[i])), None)
        name_col = name_col if name_col is not None else (named[0] if named else 0)
        scopes = [i for i, h in enumerate(header) if _SCOPE_COLUMNS.fullmatch(h)] or [
            i for i, h in enumerate(header) if i != name_col and _PREREQUISITE_COLUMNS.match(h)
        ]
        # Of several scope columns ("Inhalt" and "Anforderungen"), the one that lists ids.
        scope_col = max(
            scopes,
            key=lambda i: sum(len(IDENT.findall(r[i])) for r in table.rows if i < len(r)),
            default=None,
        )
        loose = scope_col is None
        if loose:  # "Erreicht, wenn: AP 1.1 bis 1.4 erledigt": the column that names work
            scope_col = self._listing_column(table, name_col)
        # "| Hito | Mes | Descripción | Tareas |": an id's name is in its description column.
        described = next(
            (
                i
                for i, h in enumerate(header)
                if i not in (name_col, scope_col) and _DESCRIPTION_COLUMNS.fullmatch(h)
            ),
            None,
        )
        for row in table.rows:
            if name_col >= len(row) or not _LETTER.search(row[name_col]):
                continue
            name = row[name_col].strip()
            following = described if described is not None else name_col + 1
            bare = MILESTONE_HEADING.fullmatch(name)
            if (
                # "M1" (or any id: "H1", "MS2") alone: the next column names it
                ((bare is not None and not bare.group("name").strip()) or IDENT.fullmatch(name))
                and following < len(row)
                and following != scope_col
                and _LETTER.search(row[following])
                and due_date(row[following]) is None
            ):
                name = f"{name}: {row[following].strip()}"
            due = next((d for c in row if (d := due_date(c))), None)
            key = self.from_text(f"{name} {due or ''}")
            if (numbered := _NUMBER_LED.match(name)) and (
                n := norm(f"{header[name_col]} {numbered[1]}")
            ):
                # "| Phase |" over "1 — Mobilisation": a task table's "Phase" 1 names it.
                self.known.setdefault(n, key)
            if scope_col is not None and scope_col < len(row):
                cell = row[scope_col]
                for part in _cell_parts(cell) if loose else _members(cell):
                    self.members.append((key, part, table.line_start))

    @staticmethod
    def _listing_column(table: Table, name_col: int) -> int | None:
        """The column, other than the name, that names the most ids, in most rows (``None``).

        Counting every id, the milestone's own (``M1`` in a ``Nr.`` column) loses to a column
        listing its tasks.
        """
        best: tuple[int, int] | None = None
        for i in range(len(table.header)):
            if i == name_col:
                continue
            counts = [len(_cell_parts(r[i])) for r in table.rows if i < len(r)]
            named = sum(1 for n in counts if n)
            if named * 2 > len(table.rows) and (best is None or sum(counts) > best[0]):
                best = (sum(counts), i)
        return best[1] if best is not None else None

    def read_block(self, block: Block, lines: list[str]) -> bool:
        """Read milestones a block names outside a milestones section; whether it names them.

        A list or a run of lines each led by a bold milestone name (``- **Jalon 1 — …** : A1,
        A2``, ``**M1 — July 31: Foundations** — C1, C4``), or a table with a milestone column
        (``| Hito | Fecha | Incluye |``): wherever it stands, it names milestones and the tasks
        each holds, and its entries are not tasks.
        """
        if isinstance(block, ListBlock):
            if self._dated_checkpoints(block, lines):
                self.blocks.add(id(block))
                return True
            if len(block.items) < 2 or not all(
                not i.lists and names_milestone(lines, i.line_start) for i in block.items
            ):
                return False  # a phase over a list of its tasks is read with them (buckets)
            for item in block.items:
                self._entry(item.text.split("\n", 1)[0], item.line_start, lines)
            self.blocks.add(id(block))
            return True
        if isinstance(block, Paragraph):
            numbers = range(block.line_start, block.line_end + 1)
            if len(numbers) < 2 or not all(names_milestone(lines, n) for n in numbers):
                return False
            for number in numbers:
                self._entry("", number, lines, bold_only=True)
            self.blocks.add(id(block))
            return True
        if isinstance(block, Table) and task_table(block) is None and not field_row(block):
            if not any(_MILESTONE_COLUMNS.fullmatch(norm_plain(h)) for h in block.header):
                return False
            self._table(block)
            self.blocks.add(id(block))
            return True
        return False


_CHECKPOINT = re.compile(
    r"\s*(?:[-*+]|\d+[.)])\s+(\*\*|__)(?P<name>[^*_\n]{3,80}?):?\1:?\s*(?P<rest>[^\n]*)"
)
"""A list item led by a bold name and a colon (``- **Betriebsversammlung am 19. Januar:** …``)."""


def _checkpoint(raw: str) -> tuple[str, list[str]] | None:
    """A dated checkpoint's name and the task numbers its first sentence lists, or ``None``."""
    m = _CHECKPOINT.match(raw)
    if m is None or not DATE_IN_TITLE.search(m.group("name")) or ":" not in m.group(0):
        return None
    sentence = re.split(r"[.;](?:\s|$)", m.group("rest"), maxsplit=1)[0]
    listed = re.search(r"(?<![\w.])" + _PLAIN_NUMBERS.pattern + r"(?![\w.])", sentence)
    if listed is None or not re.search(LIST_SEPARATOR, listed.group(0)):
        return None
    return m.group("name").strip(" :"), spell_numbers(listed.group(0))


def names_milestone(lines: list[str], number: int) -> bool:
    """Whether source line ``number`` starts with a bold milestone name (``**Phase 2 — …**``)."""
    if not 0 < number <= len(lines) or "*" not in lines[number - 1]:
        return False
    bold = _BOLD_LEAD.match(_ITEM_MARK.sub("", lines[number - 1], count=1))
    if bold is None:
        return False
    name = bold.group("name").strip(" :")
    return bool(MILESTONE_HEADING.match(name) or STAGE_HEADING.fullmatch(name))
