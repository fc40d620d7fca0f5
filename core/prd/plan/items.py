"""Work items below the section level: list items, table rows and Mermaid gantt lines.

At balanced granularity a list item is a task of its own when it is one: it carries its own id,
priority, owner or dependency (most items of its list do), or its section is a bucket of work
(``Launch checklist``, ``Week 2``, ``Tareas técnicas``, a milestone's bullet list, a list after
``**Tasks**:``). A requirements table (a column named like *requirement*, *task* or *story*)
gives a task per row, with its id, priority, dependency and milestone columns. A Mermaid
``gantt`` block states dependencies between its lines (``:b, after a``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from core.domain.models import Priority
from core.prd.parse import ListBlock, ListItem, Table
from core.prd.plan.lexicon import (
    DEP_ANCHOR,
    DEP_TRIGGER,
    LABEL_LINE,
    LABEL_WORDS,
    MUST_ANSWERS,
    PRIORITY_INLINE,
    PRIORITY_INLINE_HINT,
    PRIORITY_WORDS,
    trigger_kind,
    word_set,
)
from core.prd.plan.vocab import (
    ID_OR_NUMBER,
    ID_PATTERN,
    IDENT,
    LIST_SEPARATOR,
    RANGE_ARTICLE,
    RANGE_LEAD,
    RANGE_SEPARATOR,
    WBS_NUMBER,
    bracketed_priority,
    ident_of,
    norm_plain,
    priority_in_text,
    priority_of,
    tail_priority,
)

_OWNER = re.compile(r"(?<![\w@])@[A-Za-z][\w.-]*")
_LEAD_TAG = re.compile(r"\[([^\[\]\n]{1,20})\]\s+\S")
_OWNER_LABEL = re.compile(
    r"(?<![\w-])(?:owner|assignee|responsable|verantwortlich|zuständig|propriétaire|dueño"
    r"|encargad[oa])\s*:\s*\S",
    re.IGNORECASE,
)
"""An owner given as a field on an item's first line (``— Owner: Maya Okafor · …``)."""
_SEGMENT = re.compile(r"\s+[—–]\s*|\s+·\s+|\s+\|\s+")
_TRAILING_DASH = re.compile(r"\s*[—–-]+\s*$")
_TRAILING_OWNERS = re.compile(r"(?:\s+@[A-Za-z][\w.-]*)+\s*$")
_PAREN = re.compile(r"\s*\(([^()]*)\)")
_STRUCK_ITEM = re.compile(r"\s*(?:\*\*|__)?~~")
_SENTENCE = re.compile(r"(?<=[^\d\s])\.\s+")
_TIME_CODE = re.compile(
    r"^\s*(?:[JDT][-−]\d+|\d{4}-\d{2}-\d{2}|\d{1,2}[./]\d{1,2}(?:[./]\d{2,4})?"
    r"|(?:week|semaine|semana|woche|day|jour|día|tag|w)\s*\d+)\s*[:—–-]\s+",
    re.IGNORECASE,
)
"""A date or countdown an item starts with (``J-60 —``, ``2025-06-01:``, ``Week 3:``)."""


def schedule_list(block: ListBlock) -> bool:
    """Whether most items of a list start with a date or countdown, then say what to do.

    That is a rétroplanning (``J-60 — Signer le bail``), not a list of milestone names.
    """
    items = [i.text.split("\n", 1)[0] for i in block.items]
    timed = [t for t in items if (m := _TIME_CODE.match(t)) and len(t[m.end() :].split()) >= 2]
    return len(items) >= 2 and len(timed) * 2 > len(items)


def struck(first_line: str) -> bool:
    """Whether an item's text starts struck through (``~~Localized screenshots~~ moved``)."""
    return first_line.startswith("~~") or bool(_STRUCK_ITEM.match(first_line))


_DUE = re.compile(
    r"(?:\bdue|\bfällig(?: am)?|\bdeadline|\bvence(?: el)?|\béchéance|\bà rendre le)\s*:?\s*"
    r"\d{1,2}[./]\d{1,2}(?:[./]\d{2,4})?\b",
    re.IGNORECASE,
)
"""A due date of the item's own (``– fällig 05.10.2027``, ``due 12/3``): something to do by then."""


def marked(text: str) -> bool:
    """Whether an item carries a mark of its own: an id, an owner, a due date or a dependency.

    A priority alone (``- MUST show every open job``) is not one: under a feature's heading
    such items describe the feature (its criteria, and its priority). A priority tag in
    brackets that leads the item (``- [Muss] Tarifwechsel…``, ``- [P1] …``) is: a roadmap
    labels its items so.
    """
    first = text.split("\n", 1)[0]
    if ident_of(first) is not None or _OWNER.search(text) or _OWNER_LABEL.search(first):
        return True
    if _DUE.search(first) is not None:
        return True
    if first.startswith("[") and (tag := _LEAD_TAG.match(first)) is not None:
        return norm_plain(tag.group(1)) in PRIORITY_WORDS
    if DEP_ANCHOR.search(text.casefold()) is None:
        return False  # no DEP_TRIGGER phrase without one of its anchors
    m = DEP_TRIGGER.search(text.replace("\n", " "))
    return m is not None and trigger_kind(m) in ("fs", "rs", "fl")


def backlog_item(text: str) -> bool:
    """Whether an item reads as a backlog entry: ``marked``, or stating its own priority.

    ``- Referral codes + share sheet: one code per member (Priya, mobile) — P0``, or
    ``- **Auswahl des Anbieters** (hoch) – Marktsichtung …``: a list of these under "Scope"
    or a phase is the work, not a description of its boundaries.
    """
    first = text.split("\n", 1)[0]
    return marked(text) or _segment_priority(first) is not None or _named_priority(first)


def mostly(
    items: Sequence[ListItem], test: Callable[[ListItem], bool], *, at_least: int = 2
) -> bool:
    """Whether there are ``at_least`` items or more and more than half of them pass ``test``.

    How a list is judged to be made of one kind of item (backlog entries, owned steps): one
    item of a kind in a list of other things says nothing about the list.
    """
    return len(items) >= at_least and sum(test(i) for i in items) * 2 > len(items)


def owned_item(text: str) -> bool:
    """Whether an item's first line names its owner (``— @marta.ruiz``, ``Owner: Sam``)."""
    first = text.split("\n", 1)[0]
    return bool(_OWNER.search(first) or _OWNER_LABEL.search(first))


_NAME_THEN_PRIORITY = re.compile(r"[^()\n]{2,100}?\s*\((?P<value>[^()\n]{1,24})\)\s*(?:[–—:-]|$)")
"""A name, a priority in parentheses, then a dash or the end: ``Auswahl des Anbieters (hoch) –``."""


def _named_priority(first_line: str) -> bool:
    m = _NAME_THEN_PRIORITY.match(first_line)
    return m is not None and norm_plain(m.group("value")) in PRIORITY_WORDS


_CLAUSE_END = re.compile(r",|\.(?:\s|$)")


def _segment_priority(first_line: str) -> Priority | None:
    """A priority word standing alone after a dash or a dot (``— *Urgent* · blocked by …``)."""
    for segment in _SEGMENT.split(first_line)[1:]:
        # "— must-ship. A GitHub Action pushes …": the priority is the segment's first clause.
        words = norm_plain(_CLAUSE_END.split(segment, maxsplit=1)[0])
        if words in PRIORITY_WORDS:
            return PRIORITY_WORDS[words]
    return None


def segment_term(first_line: str, legend: dict[str, Priority]) -> Priority | None:
    """The level of a legend's term standing alone after a dash (``— important.``), if any.

    The document's own legend ranks its words (**blocker** / **important** / **if time**:
    three levels), which wins over what a word means elsewhere ("important" alone is high).
    """
    for segment in _SEGMENT.split(first_line)[1:]:
        words = norm_plain(_CLAUSE_END.split(segment, maxsplit=1)[0])
        if words in legend:
            return legend[words]
    return None


def paren_term(first_line: str, legend: dict[str, Priority]) -> Priority | None:
    """The level of a legend's term standing alone in parentheses (``… ergänzen (wichtig)``)."""
    for m in _PAREN.finditer(first_line):
        if (level := legend.get(norm_plain(m.group(1)))) is not None:
            return level
    return None


def labelled_term(text: str, legend: dict[str, Priority]) -> Priority | None:
    """The level of a legend's term a priority label names (``(Dringlichkeit A)``), if any.

    "**A** (…, muss …), **B** (…) und **C** (wünschenswert …)": the legend ranks the letters,
    and a priority word followed by one of them states that level.
    """
    if not PRIORITY_INLINE_HINT.search(text):
        return None
    for m in PRIORITY_INLINE.finditer(text):
        if (level := legend.get(norm_plain(m.group("value")))) is not None:
            return level
    return None


def label_term(text: str, legend: dict[str, Priority]) -> Priority | None:
    """The level of a legend's term a ``Word: term.`` label gives whole, if any.

    ``Niveau : impératif.``, ``Carácter: obligatoria.``, ``Stufe: kritisch.``.

    The value runs from the colon to the end of its sentence or line: a label whose value
    goes on (``Pilote : Saveurs du Val, suivi par …``) names no term.
    """
    at = text.find(":")
    while at > 0:
        head = text[max(0, at - 25) : at].rstrip().rsplit(None, 1)[-1:] or [""]
        end = _VALUE_END.search(text, at + 1)
        value = text[at + 1 : end.start() if end else len(text)]
        if head[0].isalpha() and len(value) <= 40:
            level = legend.get(norm_plain(value.strip(" *_")))
            if level is not None and (end is None or end.group(0) in ".;\n"):
                return level
        at = text.find(":", at + 1)
    return None


_VALUE_END = re.compile(r"[.;,\n]")


def item_priority(text: str) -> Priority | None:
    """The priority an item states, if any.

    That is a ``Priority`` word anywhere, a priority standing alone after a dash, a
    ``P0``-``P3`` or a traffic light.
    """
    inline = PRIORITY_INLINE.search(text) if PRIORITY_INLINE_HINT.search(text) else None
    if inline is not None and (found := priority_of(inline.group("value"))) is not None:
        return found
    flat = " ".join(text.split())
    return (
        _segment_priority(flat)
        or priority_in_text(flat)
        or bracketed_priority(text.split("\n", 1)[0])
        or _sentence_priority(flat)
        or tail_priority(flat)
    )


_PRIORITY_SENTENCE = re.compile(r"(?:^|(?<=[.!]\s))\s*([^.!]{3,24})\.(?=\s|$)")
"""A sentence of a few words: ``… (Firmware). Launch-blocking. Move …``."""


def _sentence_priority(flat: str) -> Priority | None:
    """A sentence that is nothing but a priority (``Launch-blocking.``, ``Nice to have.``)."""
    if "." not in flat:
        return None
    for m in _PRIORITY_SENTENCE.finditer(flat):
        words = norm_plain(m.group(1))
        if words in PRIORITY_WORDS:
            return PRIORITY_WORDS[words]
    return None


_SENTENCE_STOP = re.compile(r"(?<=[^.\s])\.$")


_RELATIVE = re.compile(r"(?:qui|which|that|die|der|das|welche[rs]?|que|quien|quienes)\s+", re.I)
"""A relative pronoun before a dependency phrase ends a title too (``…, qui s'appuie sur …``)."""


def item_title(first_line: str) -> str:
    """An item's first line without what marks it.

    Marks are dependency asides, trailing ``— P0`` or ``— after the copy review``, trailing
    ``@owners`` and parentheses of fields (``(Owner: Sam, P1)``).
    """
    title = _TIME_CODE.sub("", first_line, count=1)
    for m in reversed(list(_PAREN.finditer(title))):
        if _aside(m.group(1).strip()):
            title = title[: m.start()] + title[m.end() :]
    sentences = _SENTENCE.split(title)
    for n, sentence in enumerate(sentences[1:], start=1):
        if _is_mark(sentence.rstrip(". ")) or DEP_TRIGGER.search(sentence):
            # "Sellers add a bank account. Priority: P0", "Campagne — Nora. Démarre une fois
            # le formulaire publié.": a later sentence that marks or orders it is its text.
            title = ". ".join(sentences[:n])
            break
    for comma in (", ", "; "):
        clauses = title.split(comma)
        for n, clause in enumerate(clauses[1:], start=1):
            if DEP_TRIGGER.match(_RELATIVE.sub("", clause, count=1)):
                # "Travaux, après la signature du bail"; "Planning, qui s'appuie sur …"
                title = comma.join(clauses[:n])
                break
    parts = _SEGMENT.split(title)
    kept = [parts[0]]
    for part in parts[1:]:
        if _is_mark(part):
            break
        kept.append(part)
    title = " — ".join(p for p in kept if p.strip())
    title = _TRAILING_OWNERS.sub("", _TRAILING_DASH.sub("", title))
    title = _SENTENCE_STOP.sub("", title.strip())  # "Revisar los términos legales."
    return title.strip() or first_line.strip()


def _aside(text: str) -> bool:
    """Whether a parenthesis only marks its item.

    It does when it holds a dependency, labels, an owner, a priority or an estimate
    (``(needs the release branch)``, ``(Owner: Sam, P1)``, ``(@sam)``, ``(3 pts)``).
    """
    if DEP_TRIGGER.match(text) or LABEL_LINE.match(text):
        return True
    parts = [p.strip() for p in re.split(r"[,;·]", text) if p.strip()]
    return bool(parts) and all(_is_mark(p) or _ESTIMATE.fullmatch(p) for p in parts)


_ESTIMATE = re.compile(
    r"\d+(?:[.,]\d+)?\s*(?:pts?|points?|sp|story points?|d|days?|h|hours?|w|weeks?|tage?|días?"
    r"|jours?|j)|(?:xs|s|m|l|xl)",
    re.IGNORECASE,
)


def _is_mark(segment: str) -> bool:
    segment = segment.strip(" *_,")
    if not segment:
        return True
    words = norm_plain(segment)
    head = words.split(",", 1)[0]
    if head in PRIORITY_WORDS or priority_in_text(segment) is not None:
        return True
    if segment.startswith("@") or DEP_TRIGGER.match(segment) or PRIORITY_INLINE.match(segment):
        return True
    label = LABEL_LINE.match(segment)
    if label is not None and label.group("colon") is not None:
        return True
    return bool(_FIELD.match(segment))


_FIELD = re.compile(
    r"(?:owner|assignee|estimate|points|effort|due|status|team|verantwortlich|zuständig"
    r"|aufwand|responsable|estimación|esfuerzo|estado|propriétaire|charge|statut)\s*:",
    re.IGNORECASE,
)


# ---------------------------------------------------------------- tables

_TITLE_COLUMNS = re.compile(
    r"(task|work item|work package|item|requirement|req|story|user story|feature|deliverable|what"
    r"|activity|action|issue|summary|title|epic|step|work ?stream|stream|job|to ?do|aufgabe"
    r"|initiatives?|iniciativas?|initiativen?|vorhaben|chantiers?|proyectos?|projets?|projects?"
    r"|anforderung|arbeitspaket|tätigkeit|ma(ß|ss)nahme|funktion|schritt|was|zusammenfassung"
    # A work step ("| Nr. | Arbeitsschritt |", "| Work step |", "| Paso de trabajo |").
    r"|arbeitsschritt|arbeitsgang|work step|paso de trabajo|étape de travail"
    # A pull request stack's "| PR | What it does |" (was sie tut, qué hace, ce qu'elle fait).
    r"|what it does|what it changes|was (?:es|sie) (?:tut|macht|ändert)|qué hace|qué cambia"
    r"|ce qu (?:il|elle) fait|ce qu (?:il|elle) change"
    r"|titel|tarea|requisito|historia|funcionalidad|entregable|actividad|acción|qué|paso"
    r"|resumen|título|tâche|exigence|besoin|fonctionnalité|livrable|activité|quoi|intitulé"
    r"|libellé|étape|résumé|titre|paquete de trabajo|paquet de travail|lot de travaux"
    # A defect or punch list's item ("| Mangel / Restarbeit |", "| Defect |", "| Réserve |").
    r"|mangel|restarbeit|mangel restarbeit|defect|snag|punch item|defecto|deficiencia"
    r"|defecto pendiente|réserve|défaut"
    # A construction schedule's work item ("| Pos. | Leistung |", "| Partida |", "| Ouvrage |").
    r"|leistung|bauleistung|partida|prestation|ouvrage)s?"
)
_NAME_COLUMNS = re.compile(r"names?|nom|nombre|description|beschreibung|descripción|désignation")
"""Title columns of last resort (a Notion database's ``Name``), when no column says task."""
_ID_COLUMNS = re.compile(
    r"id|key|ref|réf|reference|référence|referencia|referenz|nr|no|n º|n°|número|numéro|code|#"
    r"|clé|clave|schlüssel|issue key|ticket|código|codigo|kennung|kürzel|identifiant"
    r"|identificador|wbs|edt|psp|wbs code|código edt|psp code"
    r"|[^\W\d_]{1,8} (nr|no|id|nummer)|lfd nr|nummer"
    # A bill of quantities' or construction schedule's position number ("| Pos. |").
    r"|pos|pos nr|position|posten|posición|poste"
    # A change's number in a review stack ("| PR |", "| MR |").
    r"|pr|prs|pull request|mr|merge request"
)
"""An id column, also named after its ids (``AP-Nr.``, ``Req ID``)."""
_PRIORITY_WORD = (
    r"(?:priority|prio|priorität|prioridad|priorité|moscow|importance"
    r"|urgency|dringlichkeit|urgencia|urgence|stellenwert|enjeu)"
)
_PRIORITY_COLUMNS = re.compile(rf"{_PRIORITY_WORD}(?: [^\W\d_]+)?|[^\W\d_]+ {_PRIORITY_WORD}")
"""A priority column, also qualified: ``Prioridad MoSCoW``, ``Business priority``."""
_LEVEL_COLUMNS = re.compile(
    r"level|nivel|niveau|stufe|priority level|nivel de prioridad"
    r"|kat|kategorie|category|cat|categoría|catégorie|klasse|class|clase|classe|grade"
)
_TAG_COLUMNS = re.compile(
    r"tags?|labels?|einstufung|etikett|etiketten|etiquetas?|clasificación|étiquettes?"
    r"|importancia|wichtigkeit|classement"
)
"""A column of tags: the priority when every cell is a priority word (``must-ship``)."""
_MUST_COLUMNS = re.compile(
    r"must( land| have| ship| do)?|muss|pflicht|imprescindible|obligatori[oa]|obligatoire"
    r"|indispensable|mandatory|required|erforderlich|requerido"
)
"""A column answering whether the plan can do without the row (``| Must land |``: yes, no)."""
_LEVEL_CELL = re.compile(r"[0-4]|[A-D]|[—–-]?")
"""A level or grade column's cells: a rank (``1``, ``A``), or none."""
DEP_COLUMNS = re.compile(
    r"depends on|dependencies|dependency|deps|blocked by|blocked on|waiting on|waits on"
    r"|benötigt|braucht|necesita|nécessite|requiert"
    r"|blockers?|after|predecessors?|requires|needs|prerequisites?|prereqs?|preconditions?"
    r"|waits for|abhängig von|abhängigkeiten|voraussetzung(?:en)?|vorgänger|nach|blockiert durch"
    r"|vorbedingung(?:en)?|depende de|dependencias|predecesor(?:a|es|as)?|requiere|después de"
    r"|tras|bloquead[oa]s? por|requisitos? previos?|prerrequisitos?|precondici(?:ón|ones)"
    r"|dépend de|dépendances|prédécesseurs?|antériorités|prérequis|préconditions?|après"
    r"|bloqué par|préalables?|conditions? préalables?|erfordert"
    # Only after the rows it names ("| erst nach |", "| only after |", "| seulement après |").
    r"|erst nach|only after|not before|solo después de|sólo después de|seulement après"
    r"|uniquement après|pas avant|nicht vor"
    # A stacked change's base: it cannot merge before its base ("| Base |", "| Stacked on |").
    r"|base|base branch|stacked on|basis|basiert auf|basisbranch|rama base|base de la rama"
    r"|apilad[oa] sobre|branche de base|empilée? sur"
    # Qualified by when (``| Schritt | benötigt vorher |``, ``needs first``).
    r"|(?:benötigt|braucht|erfordert|needs|requires|necesita|requiere|nécessite|requiert)"
    r" (?:vorher|zuvor|first|beforehand|antes|previamente|avant|au préalable)"
    # A handoff column names what a row cannot start without (``| Handoff from |``).
    r"|hand ?offs? from|hand off from|inputs? from|übergaben? von|zulieferung(?:en)? von"
    r"|entregas? de|recibe de|remis par|remise par|reçu de|livré par"
)
SUCCESSOR_COLUMNS = re.compile(
    r"blocks|successors?|followed by|precedes|required for|needed for|prerequisite for"
    r"|before|nachfolger|blockiert|voraussetzung für|nötig für|vor"
    r"|precede a|sucesor(?:a|es|as)?|bloquea|necesari[oa] para|requisito para|antes de"
    r"|précède|successeurs?|bloque|nécessaire (?:pour|à)|prérequis (?:pour|à)|avant"
)
"""A successor column: the rows that cannot start until this one ends (``| Precede a |``)."""
_NOTE_COLUMNS = re.compile(
    r"notes?|comments?|remarks|details|links|issue links|linked issues|relations"
    r"|bemerkung(en)?|hinweise?|anmerkung(en)?|verknüpfungen|notas?|comentarios?|observaci(ón|ones)"
    r"|enlaces|vínculos|remarques|commentaires|liens"
)
_STATUS_COLUMNS = re.compile(r"status|state|estado|statut|état|zustand")
_DONE_STATUS = re.compile(
    r"(?:✅ )?(done|closed|resolved|completed?|shipped|merged|fixed|released|erledigt"
    r"|abgeschlossen|fertig|geschlossen|hecho|terminad[oa]|cerrad[oa]|resuelt[oa]|completad[oa]"
    r"|fait|terminée?|clos|close|résolue?|livrée?)"
)
"""A status cell that says the row's work is done: such a row is no task."""
_MILESTONE_COLUMNS = re.compile(
    r"milestone|phase|week|sprint|release|stage|meilenstein|woche|hito|fase|semana|jalon"
    r"|étape|semaine|lot|iteration|trimestre|quarter|quartal|entrega|release train"
    # Jira's "Fix Version/s", where an issue filter says which release or milestone holds it.
    r"|fix versions?|fix version s|lösungsversion(?:en)?|versión de corrección"
    r"|versiones de corrección"
    r"|version corrective|versions correctives|version de correction|ring|wave|welle|vague|ola"
)


@dataclass(frozen=True, slots=True)
class TaskTable:
    """Which columns of a table hold a task's parts (``None``: no such column)."""

    title: int
    ident: int | None
    priority: int | None
    deps: int | None
    notes: int | None
    milestone: int | None
    status: int | None = None
    blocks: int | None = None
    """A successor column (``| Precede a |``): the rows that wait for this one."""
    tags: int | None = None
    """A column of tags that is not the priority: a legend may rank its tags."""


_NUMBER_SIGN = re.compile(r"\s*n\s*[°º]\s*", re.IGNORECASE)


def _header(text: str) -> str:
    """A column's name to match: ``#`` and ``N°`` (whose sign plain text drops) say number."""
    if text.strip() == "#" or _NUMBER_SIGN.fullmatch(text):
        return "no"
    return norm_plain(text)


def task_table(table: Table) -> TaskTable | None:
    """The column roles of a table whose rows are tasks, or ``None`` for any other table."""
    header = [_header(h) for h in table.header]
    if len(header) < 2 or not table.rows:
        return None

    def column(pattern: re.Pattern[str]) -> int | None:
        return next((i for i, h in enumerate(header) if pattern.fullmatch(h)), None)

    title = column(_TITLE_COLUMNS)
    if title is None:
        title = column(_NAME_COLUMNS)
    ident = column(_ID_COLUMNS)
    priority = column(_PRIORITY_COLUMNS)
    if priority is None and (level := column(_LEVEL_COLUMNS)) is not None:
        # "| Nivel |" over 1, 2, 3, "| Kat. |" over A, B, C: a ranked scale is the priority.
        cells = [r[level].strip() for r in table.rows if level < len(r)]
        if all(_LEVEL_CELL.fullmatch(c) for c in cells):
            priority = level
    tags = column(_TAG_COLUMNS)
    if priority is None and (tag := tags) is not None:
        # "| Tag |" over must-ship, should-ship, could-slip: each row's priority.
        cells = [norm_plain(r[tag]) for r in table.rows if tag < len(r)]
        if any(cells) and all(c in PRIORITY_WORDS for c in cells if c):
            priority = tag
    if priority is None and (must := column(_MUST_COLUMNS)) is not None:
        # "| Must land |" over yes, stretch, blank: each row's answer ranks it.
        cells = [norm_plain(r[must]) for r in table.rows if must < len(r)]
        if any(cells) and all(c in MUST_ANSWERS for c in cells if c):
            priority = must
    deps = column(DEP_COLUMNS)
    blocks = column(SUCCESSOR_COLUMNS)
    notes = column(_NOTE_COLUMNS)
    milestone = column(_MILESTONE_COLUMNS)
    status = column(_STATUS_COLUMNS)
    if title is not None and ident is None and _ids_column(table, title):
        # "| Item | What | Owner |" over "| PAY-901 | Batch payouts endpoint |": the first
        # title-like column holds ids; the titles are in the next one.
        ident = title
        title = next(
            (
                i
                for i, h in enumerate(header)
                if i != ident and (_TITLE_COLUMNS.fullmatch(h) or _NAME_COLUMNS.fullmatch(h))
            ),
            None,
        )
    if title is None and ident is not None and (priority is not None or deps is not None):
        # "| ID | Commitment | Theme | Priority | Owner | Depends on |": rows with ids, a
        # priority or what they wait for are work, whatever the title column is called.
        roles = {ident, priority, deps, notes, milestone, status}
        title = _wordiest_column(table, roles) if _ids_column(table, ident) else None
    if title is None or _lists_ids(table, title) or _counts(table, title):
        return None
    if not _TITLE_COLUMNS.fullmatch(header[title]) and _has_roles(header):
        return None  # "| Initials | Name | Role |": who is on the team, not work
    if _MILESTONE_COLUMNS.fullmatch(header[title]) and any(
        _lists_ids(table, i) for i in range(len(header)) if i != title
    ):
        # "| Étape | Semaines | Actions |" over "| 1 — Production | … | C1, C2, C3 |": a
        # schedule placing tasks listed elsewhere, not tasks.
        return None
    if ident is None and _cites_ids(table, title):
        return None
    if len(table.rows) == 1 and not _one_task_row(table.rows[0], ident):
        return None
    return TaskTable(
        title=title,
        ident=ident,
        priority=priority,
        deps=deps,
        notes=notes,
        milestone=milestone,
        status=status,
        blocks=blocks,
        tags=tags if tags != priority else None,
    )


def _one_task_row(row: Sequence[str], ident: int | None) -> bool:
    """Whether a table's only row is a task: it carries an id (``| REC-1 | Cargar tarifas |``).

    A department's table that is down to one task (the others done, moved or not yet
    written) is still that department's work list; without an id, one row is as likely a
    record of facts about its section.
    """
    return (
        ident is not None and ident < len(row) and IDENT.fullmatch(row[ident].strip()) is not None
    )


_ROLE_COLUMNS = re.compile(
    r"roles?|rolle|rol|rôle|function|funktion|función|fonction|position|poste|puesto|stelle"
    r"|seniority|job title|dienstgrad"
)
"""A column of people's roles: a table named by a ``Name`` column and one of these lists people."""
_COUNT_CELL = re.compile(r"\d+(?:[.,]\d+)?")


def _has_roles(header: list[str]) -> bool:
    return any(_ROLE_COLUMNS.fullmatch(h) for h in header)


def people_table(table: Table) -> bool:
    """Whether a table lists people: a ``Name`` column beside a ``Role`` one, no task column."""
    header = [_header(h) for h in table.header]
    return (
        _has_roles(header)
        and any(_NAME_COLUMNS.fullmatch(h) for h in header)
        and not any(_TITLE_COLUMNS.fullmatch(h) for h in header)
    )


def _counts(table: Table, index: int) -> bool:
    """Whether a title-like column holds only numbers (``| Nombre |`` over ``6``): a count."""
    cells = [r[index].strip() for r in table.rows if index < len(r)]
    return bool(cells) and all(_COUNT_CELL.fullmatch(c) for c in cells)


_ID_LIST_CELL = re.compile(
    rf"{ID_OR_NUMBER}(?:\s*(?:{LIST_SEPARATOR}|{RANGE_SEPARATOR})\s*{ID_OR_NUMBER})*"
    # Numbers of tasks listed elsewhere, two or more (``1, 4, 5, 9``; ``7 à 11``).
    rf"|\d{{1,3}}(?:\s*(?:{LIST_SEPARATOR}|{RANGE_SEPARATOR})\s*\d{{1,3}})+"
)
"""A cell that is nothing but ids (``E-01, E-03, E-04``; ``E-02``) or task numbers."""


_CITED_ID = re.compile(rf"\(\s*{ID_PATTERN}\s*\)")


def _cites_ids(table: Table, index: int) -> bool:
    """Whether each title cell cites a task by its id in parentheses, in a table without ids.

    ``| Biber | Otter | Namespace und Pipelines (BIB-1) | Sprint 3.1 |``: a view of tasks the
    document lists elsewhere (who delivers what to whom), not new ones.
    """
    cells = [r[index] for r in table.rows if index < len(r)]
    return bool(cells) and all(_CITED_ID.search(c) for c in cells)


def _lists_ids(table: Table, index: int) -> bool:
    """Whether most cells of the would-be title column only list ids: a schedule, not tasks.

    ``| Lot 1 — Socle | février → mai | E-01, E-03, E-04 |`` places tasks defined elsewhere.
    """
    cells = [r[index].strip() for r in table.rows if index < len(r)]
    listed = sum(
        1
        for c in cells
        if _ID_LIST_CELL.fullmatch(c) or _NUMBER_LIST.fullmatch(c) or _NUMBER_SPAN.fullmatch(c)
    )
    if listed:  # beside "1, 4, 5", a lone "3" is one task's number too
        listed += sum(1 for c in cells if c.isdigit() and len(c) <= 3)
    return listed * 2 > len(table.rows)


_NUMBER_LIST = re.compile(rf"\d{{1,3}}(?:\s*{LIST_SEPARATOR}\s*\d{{1,3}})+")
"""A cell listing numbered tasks (``1, 4, 5, 7, 8``): two or more plain numbers."""
_NUMBER_SPAN = re.compile(
    rf"{RANGE_LEAD}\d{{1,3}}\s*{RANGE_SEPARATOR}\s*{RANGE_ARTICLE}\d{{1,3}}", re.IGNORECASE
)
"""A cell naming a range of numbered tasks (``de la 7 a la 13``, ``from 3 to 4``)."""


_ID_MARK = re.compile(
    r"\s*(?:(?P<high>!{1,3})|(?P<low>\((?:opt|optional|optionnel|opcional|fakultativ|wahlweise)\.?\)))"
    r"\s*$",
    re.IGNORECASE,
)
"""A mark after a row's number: ``01 !`` (the row that must not slip), ``15 (opt.)``."""


def id_mark(ident: str) -> tuple[str, Priority | None]:
    """A row id without its mark, and the priority the mark states.

    Schedules flag rows beside their number rather than in a column of their own: an
    exclamation mark for what must not slip (high), ``(opt.)`` for what is dropped first (low).
    """
    if not ident or ("!" not in ident and "(" not in ident):
        return ident, None
    m = _ID_MARK.search(ident)
    if m is None or not m.start():
        return ident, None
    return ident[: m.start()], Priority.HIGH if m.group("high") else Priority.LOW


def _ids_column(table: Table, index: int) -> bool:
    """Whether most of the column's cells are an id (``C1``, ``PAY-901``, ``2.1``)."""
    cells = [id_mark(r[index].strip())[0] for r in table.rows if index < len(r)]
    ids = sum(1 for c in cells if IDENT.fullmatch(c) or _ROW_NUMBER.fullmatch(c))
    return ids * 2 > len(table.rows)


_ROW_NUMBER = re.compile(rf"\d{{1,2}}|{WBS_NUMBER}")
"""A row's number in an id column: ``7`` or ``2.1``."""
_LETTERS = re.compile(r"[^\W\d_]{2}")


def _wordiest_column(table: Table, taken: set[int | None]) -> int | None:
    """The column, of those with no other role, with the most words per row: the titles."""
    best: tuple[float, int] | None = None
    for i in range(len(table.header)):
        if i in taken:
            continue
        cells = [r[i] for r in table.rows if i < len(r)]
        if sum(1 for c in cells if _LETTERS.search(c)) * 2 <= len(table.rows):
            continue  # numbers, dates, dashes
        words = sum(len(c.split()) for c in cells) / len(table.rows)
        if best is None or words > best[0]:
            best = (words, i)
    return best[1] if best is not None else None


def row_done(row: tuple[str, ...], spec: TaskTable) -> bool:
    """Whether a task row's status says its work is done (``Done``, ``Erledigt``, ``Terminé``)."""
    return _DONE_STATUS.fullmatch(norm_plain(cell(row, spec.status))) is not None


def cell(row: tuple[str, ...], index: int | None) -> str:
    """The row's cell at ``index`` (empty when there is no such column or cell)."""
    if index is None or index >= len(row):
        return ""
    return row[index].strip()


# ---------------------------------------------------------------- mermaid gantt

_GANTT_TASK = re.compile(r"\s*(?P<label>[^:%]+?)\s*:\s*(?P<spec>.+)$")
_GANTT_KEYWORDS = word_set(
    "title|dateformat|axisformat|tickinterval|excludes|includes|todaymarker|section|weekday"
)
_GANTT_TAGS = frozenset(["crit", "done", "active", "milestone"])


@dataclass(frozen=True, slots=True)
class GanttLine:
    """A gantt task line: its label, its id and the ids it comes after."""

    label: str
    ident: str | None
    after: tuple[str, ...]
    line: int


def gantt_lines(code: str, first_line: int) -> list[GanttLine]:
    """The task lines of a Mermaid ``gantt`` block (empty for any other code)."""
    lines = code.split("\n")
    if not lines or lines[0].strip().casefold() != "gantt":
        return []
    out: list[GanttLine] = []
    for offset, raw in enumerate(lines[1:], start=1):
        stripped = raw.strip()
        if not stripped or stripped.startswith("%%"):
            continue
        if stripped.split(None, 1)[0].casefold() in _GANTT_KEYWORDS:
            continue
        m = _GANTT_TASK.match(stripped)
        if m is None:
            continue
        parts = [p.strip() for p in m.group("spec").split(",")]
        parts = [p for p in parts if p and p.casefold() not in _GANTT_TAGS]
        ident: str | None = None
        after: list[str] = []
        for index, part in enumerate(parts):
            if part.casefold().startswith("after "):
                after.extend(part.split()[1:])
            elif index == 0 and len(parts) >= 3 and re.fullmatch(r"[A-Za-z_][\w-]*", part):
                ident = part
        out.append(GanttLine(m.group("label"), ident, tuple(after), first_line + offset))
    return out


def is_label_item(first_line: str) -> bool:
    """Whether a list item is a label line (``Priority: high``): metadata, not work."""
    m = LABEL_LINE.match(first_line.strip())
    if m is None:
        return False
    word = " ".join(m.group("word").casefold().replace("-", " ").split())
    return word in LABEL_WORDS and m.group("colon") is not None


def open_items(block: ListBlock) -> list[ListItem]:
    """The list's top-level items that are still to do: not checked, not struck through."""
    return [
        item
        for item in block.items
        if item.checked is not True and not struck(item.text.split("\n", 1)[0])
    ]
