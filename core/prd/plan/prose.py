"""Dependencies stated in sentences, and the reference tokens inside them.

A label at the start of a line (``Depends on: A1``) is read by the meta scan; this module finds
the same statements anywhere in a sentence (``…per seat. Depends on: Invitations``, ``Needs the
us-east-1 infrastructure (1.3).``, ``Solo puede empezar cuando la API esté desplegada``, ``Setzt
den Ingest-Dienst voraus``) and cuts out the text that names the other task. Which task that
text names is the matcher's business (``core.prd.plan.match``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from core.prd.plan.lexicon import (
    DEP_ANCHOR,
    DEP_TRIGGER,
    GERMAN_VORAUS,
    NO_DEPENDENCY,
    OVERLAP,
    READY_LEAD,
    READY_TAIL,
    SEQUENTIAL,
    USES_FROM,
    WITH_READY,
    trigger_kind,
)
from core.prd.plan.vocab import (
    ID_OR_NUMBER,
    ID_PATTERN,
    LIST_SEPARATOR,
    RANGE_SEPARATOR,
    WORDS,
    spell_range,
)

Strength = Literal["label", "strong", "weak"]


@dataclass(frozen=True, slots=True)
class DepRef:
    """A dependency a text states: what it names, where, and which way it points.

    ``strength`` decides how hard the matcher may look and whether a miss is reported:
    ``label`` (``Depends on: X``: any match, a miss is a warning), ``strong`` (``needs X``,
    ``can only start after X``: also a close match of words, a miss is silent), ``weak``
    (``after X``, ``once X``, ``before X``: only an id, a heading number or a whole title).
    """

    target: str
    line: int
    reverse: bool = False
    """The named task waits for this text's task (``blocks X``, ``before X``)."""
    strength: Strength = "label"
    subject: str = ""
    """The words before the phrase in the same clause (``X depends on Y``: ``X``)."""
    order_key: str = ""
    """For an edge from the document's order (``order``), the key of the previous step."""
    phrase: str = ""
    """The words that state it (``Depends on: A1``, ``can only start after Alpha``)."""


_BOUNDARY = re.compile(
    r"\.(?=\s|$)|[;()\[\]]|\s[—–]\s|\s-\s|[!?](?=\s|$)"
    # A quotation ends after the number it names: "der Eintrag „erst nach 10“, bitte …"
    r"|(?<=\d)[“”\"»](?=[\s,.;:]|$)"
    r"|,\s+(?=(?:but|otherwise|because|so|since|which|as|though|sonst|weil|da|denn|aber"
    r"|porque|pero|sino|que|sinon|car|mais|parce|puisque"
    # A purpose clause says why, not what it waits for ("…, damit das Parkett sauber bleibt").
    r"|damit|so that|para que|pour que|afin que|afin de)\b)",
    re.IGNORECASE,
)
"""Where a target ends: the end of its sentence or clause, or a parenthesis."""
_WEAK_BOUNDARY = re.compile(r",\s|:\s")
_LEADING_NUMBER = re.compile(r"\s*\d+(?:\.\d+)*\.(?=\s+\S)")
_REF = r"(?:[A-Z][A-Z0-9]*-?\d+(?:\.\d+)*|\d+(?:\.\d+)+)"
_PAREN_REFS = re.compile(
    rf"\(\s*({_REF}(?:\s*(?:,|and|y|und|et|&|–|—|\bto\b|\bbis\b|\bà\b)\s*{_REF})*)\s*\)"
)
_STATE_BEFORE_PAREN = re.compile(r"(?:[^\W\d_]+\s+){1,4}(?=\()")
"""A few words of state between a description and its ids (``items are all closed (D1–D3)``)."""
_PAREN_POSITIONS = re.compile(
    r"\(\s*(?:pos\.?|positions?|positionen|posiciones|items?|punkte?|puntos?|points?|actions?"
    r"|acci(?:ón|ones)|ma(?:ß|ss)nahmen?|measures?|mesures?|tasks?|tareas?|aufgaben?|tâches?"
    r"|steps?|pasos?|schritte?|étapes?|rows?|filas?|zeilen?|lignes?)\s*"
    rf"(\d{{1,3}}(?:\s*(?:,|and|y|und|et|&|{RANGE_SEPARATOR})\s*\d{{1,3}})*)\s*\)",
    re.IGNORECASE,
)
"""Numbered rows in parentheses after a description (``alle Innengewerke (Pos. 11 bis 14)``)."""
_LATER_NUMBERS = re.compile(r"\((\d{2,4}(?:\s*(?:,|and|y|und|et|&)\s*\d{2,4})+)\)", re.IGNORECASE)
"""Two or more bare numbers in parentheses (``(101, 103, 104, 106)``): tickets by number."""
_AND_LEAD = re.compile(r"\s+(?:and|und|y|e|et)\s+", re.IGNORECASE)
_PAREN_DESCRIPTION = re.compile(
    r"\(((?:the|der|die|das|el|la|los|las|le|les|l['’])\s*[^()\d]{3,60}?)\)", re.IGNORECASE
)
"""A parenthesis after what a task waits for that says it again with an article."""
_LEAD_SPAN = 40
_NEGATION = re.compile(
    r"(?<![\w-])(?:not|n['’]t|never|no|nothing|none|nobody|nicht|nichts|kein\w*|nie|nunca|nada"
    r"|ningún|ninguna|pas|jamais|rien)(?![\w-])",
    re.IGNORECASE,
)
"""A negation in the few words before a phrase: ``does not wait for``, ``can't move before``."""
_NEGATION_SPAN = 4
_NEGATION_STOP = re.compile(r"[.;:!?·|*_()\[\]—–]|\s-\s")
"""What ends the clause a negation must be in (``*No priority* · blocked by …`` is no
negated "blocked by")."""
_COPULA = re.compile(
    r"\s(?:is|are|was|were|has|have|had|gets|got|will|would|est|sont|soit|soient|sera|seront"
    r"|ait|es|está|están|esté|estén|sea|sean|será|haya|hayan|ist|sind|sei|seien|wird|werden"
    r"|hat)\s",
    re.IGNORECASE,
)
"""Where a sentence's target stops naming a task and says what state it must be in:
``once receipt OCR is live``, ``quand la catégorisation est en recette``."""
_RESTATED = re.compile(
    r"(?:\bi\.\s?e\.|\bthat is|\bd\.\s?h\.|\bdas heißt|\bes decir|\bo sea|\bc['’]est[- ]à[- ]dire"
    r"|\bsoit),?\s*$",
    re.IGNORECASE,
)
"""An apposition's lead (``i.e.``, ``d. h.``, ``es decir``, ``c'est-à-dire``) ending right before
a phrase: it says the dependency before it again."""
_MODAL = re.compile(
    r"\s(?:must|should|has to|have to|needs to|need to|doit|doivent|devra|devront|muss|müssen"
    r"|soll|sollen|debe|deben|deberá|tiene que|tienen que|ha de|han de"
    # "Die Redaktionsschulung findet auf dem Testsystem statt": where it happens, then when
    r"|findet|finden|erfolgt|erfolgen|takes place|take place|tiene lugar|tienen lugar|a lieu"
    r"|ont lieu"
    # "X and Y both happen after Z", "No wave starts before …": the subject ends there.
    r"|both|beide|ambos|ambas|tous (les )?deux|toutes (les )?deux"
    r"|starts|begins|beginnt|beginnen|empieza|empiezan|arranca|arrancan|commence|commencent"
    r"|démarre|démarrent)\s",
    re.IGNORECASE,
)
"""Where a subject's verb starts: ``X must be live before Y``."""
_CONJUNCTION = re.compile(r"\s(?:and|y|e|und|et)\s", re.IGNORECASE)
"""Where a target names a second thing after the first one's verb (``… is a go and …``)."""
_FOCUS = re.compile(
    r"^(?:(?:ebenfalls|auch|nur|lediglich|also|too|only|just|even|también|solo|sólo|únicamente"
    r"|aussi|seulement|uniquement|également|même)\s+)+",
    re.IGNORECASE,
)
"""Focus words leading a target ("brauchen ebenfalls nur die Grundinstallation"): not its name."""
_TRAILING = re.compile(
    r"\s+(ab|voraus|first|zuerst|primero|d abord|d'abord"
    # "une fois Unity 6 en place": the state it must be in, not part of its name
    r"|en place|in place|in betrieb|en marcha|en producción|en production|in production)$",
    re.IGNORECASE,
)
_ID_THEN_CLAUSE = re.compile(
    rf"(?P<id>{ID_PATTERN}),\s+(?P<rest>(?:the|der|die|das|el|la|los|las|le|les|l['’])\s[^,;]*)$"
)
"""An id, a comma and a clause about something else (``needs EH-102, the boss is fought with
the lantern``): the id alone is named. A list of names goes on with ids or "and"."""
_LISTS_ON = re.compile(rf"{LIST_SEPARATOR}|\bor\b|\boder\b|\bo\b|\bou\b|{ID_PATTERN}")


_RELATIVE_LEAD = re.compile(
    r"(?:dem|der|denen|which|whom|el cual|la cual|lo cual|los cuales|las cuales|lequel|laquelle"
    r"|lesquels|lesquelles)\s+(?:der|die|das|den|ein|eine|man|sie|er|es|wir|the|a|an|we|they"
    r"|el|la|los|las|se|le|les|l['’]|on|nous|il|elle)\b",
    re.IGNORECASE,
)
"""A weak phrase's target that opens a relative clause ("nach dem das Fundament ausgelegt
wird", "after which the team", "tras el cual se", "après lequel on"): it says by or after what
something else happens, not what the subject waits for."""


def _with_ready(text: str, folded: str, line: int) -> list[DepRef]:
    """``Con el checkout nuevo y los webhooks andando.``: a sentence naming what must be ready."""
    if not any(folded.startswith(w) or f". {w}" in folded for w in _WITH_LEADS):
        return []
    return _each_match(text, line, WITH_READY, "strong", with_subject=False)


def _each_match(
    text: str, line: int, pattern: re.Pattern[str], strength: Strength, *, with_subject: bool
) -> list[DepRef]:
    """Each match of ``pattern`` (its ``target`` group) as what the text's task waits for."""
    flat = text.replace("\n", " ")
    return [
        DepRef(
            m.group("target"),
            line + text.count("\n", 0, m.start()),
            False,
            strength,
            _subject(flat, m.start()) if with_subject else "",
            phrase=m.group(0),
        )
        for m in pattern.finditer(flat)
    ]


_WITH_LEADS = ("con ", "with ", "avec ", "mit ")


def find_dependencies(text: str, line: int) -> list[DepRef]:
    """The dependencies stated anywhere in ``text``, each with the line it is on.

    ``text`` is a paragraph or an item (its line breaks read as spaces); ``line`` is its
    first line.
    """
    folded = text.casefold()
    used = _uses_from(text, line)
    anchor = DEP_ANCHOR.search(folded)
    with_ready = _with_ready(text, folded, line)
    if anchor is None:
        return [*with_ready, *used]
    first = anchor.start()
    flat = text.replace("\n", " ")
    found: list[DepRef] = with_ready
    previous = 0  # where the last phrase found starts
    blocked = [m.span() for m in NO_DEPENDENCY.finditer(flat)] if _maybe_none(flat) else []
    # A phrase starts at most a few words before its anchor ("can only start after").
    for m in DEP_TRIGGER.finditer(flat, max(0, first - _LEAD_SPAN)):
        start = m.start()
        if any(a <= start and _same_clause(flat, a, start) for a, _ in blocked):
            continue
        kind = trigger_kind(m)
        if kind != "fl" and _negated(flat, start):
            if kind != "rw":
                continue  # "does not wait for OCR": no dependency
            kind = "fw"  # "can't move before OCR v2 ships": it waits for OCR v2
        elif kind == "rw" and _led_by_none(flat, start):
            kind = "fw"  # "nothing goes to press before every Stage 1 job is done"
        strength: Strength = "weak" if kind in ("fw", "rw") else "strong"
        if kind == "fl" or m.group(0).rstrip().endswith(":"):  # "(after: Build)" is a label
            strength = "label"
        rest = flat[m.end() :]
        if rest.startswith("["):  # Task Master: "Depends on [a, b]"
            close = rest.find("]")
            raw = rest[1 : close if close > 0 else len(rest)]
        else:
            raw = _cut(rest, strength)
            if ", " in raw and (joined := _next_clause(raw)) is not None:
                raw = raw[:joined]  # "…, und Stufe 3 erst nach …": the next clause has its own
        at = line + text.count("\n", 0, start)
        subject = _subject(flat, start)
        reverse = kind in ("rs", "rw")
        if (
            found
            and (restated := _RESTATED.search(flat, max(0, start - 24), start)) is not None
            and ". " not in flat[previous : restated.start()]
        ):
            # "No wave starts before Gate 2 has passed, i.e. before everything in …": the same
            # dependency said again, with the first one's subject and direction.
            subject, reverse = found[-1].subject, found[-1].reverse
        named = raw if strength == "label" or rest.startswith("[") else _before_verbs(raw)
        target = _FOCUS.sub("", _TRAILING.sub("", named.strip()))
        if strength == "weak" and _PRONOUN.match(target):
            # "se fait sur le nouveau gabarit, une fois celui-ci livré": what it stands for
            target = _antecedent(flat[:start])
        clause = _ID_THEN_CLAUSE.match(target) if "," in target else None
        if clause is not None and not _LISTS_ON.search(clause.group("rest")):
            target = clause.group("id")
        if target and strength == "weak" and _RELATIVE_LEAD.match(target):
            target = ""  # "das Gutachten, nach dem das Fundament ausgelegt wird": by which
        if target and kind == "rw" and (ready := _must_be_ready(flat, start, target)):
            # "Muss vier Wochen vor der Mitgliederversammlung fertig sein": done before it.
            strength, target = "strong", ready
        if target:
            phrase = flat[start : m.end() + len(raw)].strip()
            # "après les corrections du gabarit, des formulaires et des PDF": each thing listed
            # is a description of its own.
            listed = _listed(target) if strength == "weak" and ", " in target else [target]
            for one in listed:
                found.append(DepRef(one, at, reverse, strength, subject, phrase=phrase))
            previous = start
        after = rest[len(raw) :].lstrip() if not rest.startswith("[") else ""
        if target and (state := _STATE_BEFORE_PAREN.match(after)) is not None:
            # "Only after the final planning meeting items are all closed (D1–D3)."
            after = after[state.end() :]
        paren = _PAREN_REFS.match(after) if after.startswith("(") else None
        if paren is None and after.startswith("(") and (rows := _PAREN_POSITIONS.match(after)):
            # "wenn alle Innengewerke (Pos. 11 bis 14) fertig sind": those rows, each
            numbers = ", ".join(_spelled(rows.group(1)))
            found.append(DepRef(numbers, at, reverse, "label", subject))
            # "… lista (tareas 1 a 5), la cuadrilla dada de alta y las cajas preparadas": the
            # list of things it waits for goes on past the parenthesis.
            for one in _listed_after(after[rows.end() :]):
                found.append(DepRef(one, at, reverse, "weak", subject, phrase=one))
        elif (
            paren is None
            and "(" in after
            and (later := _LATER_NUMBERS.search(after)) is not None
            and ". " not in after[: later.start()]
        ):
            # "Not before every Blocker ticket above has shipped … (101, 103, 104, 106) and
            # the captions work is in": the numbers of the tickets it means, then the rest.
            found.append(DepRef(later.group(1), at, reverse, "strong", subject))
            tail = after[later.end() :]
            conj = _AND_LEAD.match(tail)
            extra = (
                [_before_verbs(_SENTENCE_STOP.split(tail[conj.end() :], 1)[0]).strip()]
                if conj is not None
                else _listed_after(tail)
            )
            for one in extra:
                if one:
                    found.append(DepRef(one, at, reverse, "weak", subject, phrase=one))
        elif (
            paren is None
            and strength == "weak"
            and (aside := _PAREN_DESCRIPTION.match(after)) is not None
        ):
            # "after the call-control labels (the icon button ticket) are in": the aside
            # describes the same work in other words, a description of its own.
            found.append(
                DepRef(aside.group(1), at, reverse, "weak", subject, phrase=aside.group(1))
            )
        if paren is not None:  # "Needs the us-east-1 infrastructure (1.3)"
            found.append(DepRef(paren.group(1), at, reverse, "label", subject))
            for more in _joined_parens(after[paren.end() :]):
                found.append(DepRef(more, at, reverse, "label", subject))
    if "voraus" in flat.casefold():
        for m in GERMAN_VORAUS.finditer(flat):
            at = line + text.count("\n", 0, m.start())
            subject = _subject(flat, m.start())
            found.append(DepRef(m.group("target"), at, False, "strong", subject, phrase=m.group(0)))
    return [*found, *used]


def _uses_from(text: str, line: int) -> list[DepRef]:
    """What the text uses from a task named by id (``the participant list from A1``)."""
    if not _USES_HINT.search(text):
        return []
    return _each_match(text, line, USES_FROM, "label", with_subject=True)


_USES_HINT = re.compile(
    r"\b(?:uses?|using|builds?|nutzt|verwendet|benutzt|usan?|utiliza|utilizan|utilise|utilisent"
    r"|reprend)\b",
    re.IGNORECASE,
)


_SENTENCE_STOP = re.compile(r"\.(?=\s|$)|;|[!?](?=\s|$)")
_JOINED_REF = re.compile(r"(?<![\w-])(?:and|und|sowie|y|e|et|as well as)(?![\w-])", re.I)
_JOINED_WORDS = 12


_PRONOUN = re.compile(
    r"(?:celui-ci|celle-ci|ceux-ci|celles-ci|celui-là|celle-là|this one|that one|éste|ésta"
    r"|éstos|éstas|ése|ésa)(?:\s|$)",
    re.IGNORECASE,
)
"""A demonstrative standing for the thing just named (``une fois celui-ci livré``)."""
_DETERMINER = re.compile(
    r"(?<![\w'’])(?:le|la|les|l['’]|the|der|die|das|den|dem|el|los|las)(?=[\s'’])", re.IGNORECASE
)
_ANTECEDENT_CHARS = 60


def _antecedent(before: str) -> str:
    """The noun phrase a demonstrative stands for: the last one before its comma, or ""."""
    text = before.rstrip(" ,")
    last = max(_DETERMINER.finditer(text), key=lambda m: m.start(), default=None)
    if last is None:
        return ""
    phrase = text[last.start() :]
    if len(phrase) > _ANTECEDENT_CHARS or any(c in phrase for c in ",.;:()"):
        return ""
    return phrase


def _spelled(listed: str) -> list[str]:
    """The numbers a list names, ranges spelled out as written (``01 bis 03`` → 01, 02, 03)."""
    out: list[str] = []
    for piece in re.split(rf"\s*(?:{LIST_SEPARATOR}|&)\s*", listed):
        ends = re.findall(r"\d+", piece)
        out.extend(spell_range(ends[0], ends[-1]) if len(ends) == 2 else ends)
    return out


def _joined_parens(tail: str) -> list[str]:
    """More ids in parentheses the same sentence joins to a phrase's first one.

    "Not before the regression pass (I3) is signed off and the screenshots (I4) are
    uploaded", "Wait for the load test (PRR-04) …, and for the halt runbook (PRR-06)": each
    joined by and/und/y/et within a few words, no other dependency phrase between.
    """
    stop = _SENTENCE_STOP.search(tail)
    if stop is not None:
        tail = tail[: stop.start()]
    out: list[str] = []
    pos = 0
    for more in _PAREN_REFS.finditer(tail):
        between = tail[pos : more.start()]
        if (
            _JOINED_REF.search(between) is None
            or len(between.split()) > _JOINED_WORDS
            or DEP_TRIGGER.search(between) is not None
        ):
            break
        out.append(more.group(1))
        pos = more.end()
    return out


def _maybe_none(flat: str) -> bool:
    lowered = flat.casefold()
    return any(
        w in lowered for w in ("independ", "parallel", "unabhängig", "paralelo", "parallèle")
    )


def _negated(flat: str, start: int) -> bool:
    """Whether one of the few words before ``start``, in its clause, is a negation."""
    head = flat[max(0, start - 60) : start]
    stops = [m.end() for m in _NEGATION_STOP.finditer(head)]
    if stops:
        head = head[stops[-1] :]
    words = head.replace("n't", " not").replace("n’t", " not").split()[-_NEGATION_SPAN:]
    return any(_NEGATION.fullmatch(w.strip(",")) for w in words)


_NONE_LEAD = re.compile(
    r"(?:nothing|nobody|no one|none|nichts|niemand|keine?r?s?|nada|nadie|ningún|ninguna|rien"
    r"|personne|aucune?)\b",
    re.IGNORECASE,
)
"""A clause led by "nothing" (nichts, nada, rien…): "nothing goes out before X" means all of
it waits for X, whatever number of words stands between."""
_CLAUSE_CHARS = 160


def _led_by_none(flat: str, start: int) -> bool:
    """Whether the clause that holds ``start`` opens with "nothing" or its kin."""
    head = flat[max(0, start - _CLAUSE_CHARS) : start]
    stops = [m.end() for m in _NEGATION_STOP.finditer(head)]
    clause = head[stops[-1] :] if stops else head
    return _NONE_LEAD.match(clause.lstrip(" *_")) is not None


def _same_clause(text: str, a: int, b: int) -> bool:
    return _BOUNDARY.search(text, a, b) is None


def subject_name(subject: str) -> str:
    """What a sentence's subject names: its last clause, before its verb.

    ``l'ajout de bénéficiaire doit donc être en production`` → ``l'ajout de bénéficiaire``.
    """
    clause = subject.rsplit(": ", 1)[-1].strip() or subject
    cut = _MODAL.search(f" {clause} ")
    if cut is not None and cut.start() > 0:
        clause = clause[: cut.start()]
    return _before_verbs(clause)


_VERB_FIRST = re.compile(
    r"\b(?:se\s+)?(?:haya|hayan|ha|han|esté|estén|sea|sean)\s+"
    r"(?P<participle>[a-záéíóúñ]+(?:ad[oa]s?|id[oa]s?|cho|cha|to|ta))\b\s*",
    re.IGNORECASE,
)
"""A Spanish verb put before its subject: ``haya llegado el pedido``, ``se haya hecho la
sesión``, ``esté publicado el formulario``."""
_VERB_FIRST_PARTS = re.compile(r"(,\s|\s(?:y|e)\s)")


def _verb_last(target: str) -> str:
    """Each part's verb put after its subject (``estén cambiados los neumáticos``).

    ``los neumáticos cambiados``: the subject is what names the task; the participle may name
    it too ("cambiados" for "Cambio de neumáticos" beside "Pedido de neumáticos"), so it is
    kept, after the name.
    """
    pieces = _VERB_FIRST_PARTS.split(target)
    for n in range(0, len(pieces), 2):
        m = _VERB_FIRST.search(pieces[n])
        if m is not None and pieces[n][m.end() :].strip():
            rest = pieces[n][: m.start()] + pieces[n][m.end() :]
            pieces[n] = f"{rest.rstrip()} {m.group('participle')}"
    return "".join(pieces)


def _before_verbs(target: str) -> str:
    """What a sentence's target names, without the state it must reach.

    ``receipt OCR is live`` → ``receipt OCR``; ``the readout is a go and items 9 and 10 are
    done`` → ``the readout, items 9 and 10``; ``haya llegado el pedido y se haya hecho la
    sesión`` → ``el pedido llegado y la sesión hecho``. Text without such a verb is kept whole.
    """
    if _VERB_FIRST.search(target):
        target = _verb_last(target)
    named: list[str] = []
    rest = target
    while (verb := _COPULA.search(rest)) is not None and rest[: verb.start()].strip():
        named.append(rest[: verb.start()].strip())
        more = _CONJUNCTION.search(rest, verb.end())
        if more is None:
            return ", ".join(named)
        rest = rest[more.end() :]
    if not named:
        return target
    if not _COPULA.match(f" {rest.strip()} "):  # "… and is tested": nothing more is named
        named.append(rest.strip())
    return ", ".join(named)


def _cut(rest: str, strength: Strength) -> str:
    """The target: the text up to the end of its clause (and, for a weak phrase, a comma).

    A heading number that starts it keeps its period (``1. Delta``).
    """
    end = len(rest)
    number = _LEADING_NUMBER.match(rest)
    m = _BOUNDARY.search(rest, number.end() if number else 0)
    if m:
        end = m.start()
    colon = rest.find(" : ", 0, end)
    if colon > 0 and rest[:colon].strip():
        end = colon  # "… et les comptes ouverts : personne ne doit …": what follows explains
    elif ": " in rest[:end] and (clause := _COLON_CLAUSE.search(rest, 0, end)) is not None:
        end = clause.start()  # "… y a las paqueterías: el simulacro tiene que …": a new clause
    if strength == "weak":
        w = _WEAK_BOUNDARY.search(rest, 0, end)
        if w and not (w.group(0).startswith(",") and _list_goes_on(rest[w.end() : end])):
            end = w.start()
    return rest[:end]


_COLON_CLAUSE = re.compile(
    r"(?<=\w):\s+(?:the|der|die|das|el|la|los|las|le|les)\s+\w+\s+\w+", re.IGNORECASE
)
"""A colon that starts a clause of its own (``…: el simulacro tiene que correr``)."""
_LIST_END = re.compile(r"\s(?:and|y|e|und|et|sowie)\s", re.IGNORECASE)
_CLAUSE_LEAD = re.compile(
    r"(?:we|they|it|you|i|this|that|which|wir|sie|es|er|man|das|nosotros|ellos|ello|esto|que"
    r"|nous|ils|elles|on|il|elle|cela|ce|qui|then|dann|luego|puis|so|also|donc|entonces)\b",
    re.IGNORECASE,
)
_LIST_PARTS = 3
_LIST_WORDS = 10


def _listed(target: str) -> list[str]:
    """The things a weak target lists (``a, b et c`` → a, b, c), or the target alone."""
    head, _, after = target.partition(", ")
    if not _list_goes_on(after):
        return [target]
    parts = [head, *(p.strip() for p in after.split(","))]
    last = _LIST_END.split(parts.pop(), maxsplit=1)
    return [p for p in (*parts, *last) if p.strip()]


def _listed_after(tail: str) -> list[str]:
    """The things a list goes on naming after a parenthesis, to the sentence's end (or none)."""
    if not tail.startswith(", "):
        return []
    rest = _SENTENCE_STOP.split(tail[2:], 1)[0]
    if not _list_goes_on(rest):
        return []
    parts = [p.strip() for p in rest.split(",")]
    return [p for part in parts for p in _LIST_END.split(part, maxsplit=1) if p.strip()]


def _list_goes_on(after: str) -> bool:
    """Whether the text after a weak phrase's comma continues its list of things.

    "après les corrections du gabarit, des formulaires et des PDF", "cuando estén cambiados
    los neumáticos, pasadas las ITV y reparado el frío del 12": a few short parts to the
    clause's end, the last joined by "and", none opening a clause of its own ("…, we ship").
    """
    if not _LIST_END.search(after):
        return False
    parts = [p.strip() for p in after.split(",")]
    return len(parts) <= _LIST_PARTS and all(
        p and len(p.split()) <= _LIST_WORDS and not _CLAUSE_LEAD.match(p) for p in parts
    )


def _subject(flat: str, start: int) -> str:
    """The clause's words before ``start`` (what a dependency section says depends)."""
    head = flat[:start]
    cut = max(head.rfind(". "), head.rfind("; "), head.rfind(" — "), head.rfind(" · "))
    subject = head[cut + 2 :] if cut >= 0 else head
    if ", " in subject:
        joined = list(_JOINED_CLAUSE.finditer(subject))
        if joined:  # "…, und Stufe 3 erst nach …": the joined clause's own subject
            own = subject[joined[-1].end() :]
            if own.strip() or (first := DEP_TRIGGER.search(subject)) is None:
                subject = own
            else:  # "X can begin once …, and must be finished before Y": X's, shared
                subject = subject[: first.start()]
    return subject.strip(" :-—–*")


_JOINED_CLAUSE = re.compile(r",\s+(?:and|und|y|e|et|sowie)\s+", re.IGNORECASE)
"""A comma and a conjunction that start a clause of their own."""


def _next_clause(raw: str) -> int | None:
    """Where a target's text starts a joined clause that states a dependency of its own.

    "wenn Stufe 1 abgenommen ist, und Stufe 3 erst nach …": the target ends before ", und".
    """
    for m in _JOINED_CLAUSE.finditer(raw):
        for t in DEP_TRIGGER.finditer(raw, m.end()):
            if trigger_kind(t) in ("fs", "rs", "fl"):
                return m.start()
    return None


def states_sequence(text: str) -> bool:
    """Whether the text says its section's steps (or sub-sections) run one after the other.

    Not when it also says they overlap ("numérotés dans l'ordre de démarrage, mais le lot 3
    commence pendant la recette du lot 2"): then the order is only their numbering.
    """
    flat = text.replace("\n", " ")
    return SEQUENTIAL.search(flat) is not None and OVERLAP.search(flat) is None


def sequence_subject(text: str) -> list[str]:
    """The words before the verb of the sentence saying items run in order (``The waves``).

    "The waves go one after the other" orders the waves of a table, not every row of it.
    """
    flat = text.replace("\n", " ")
    m = SEQUENTIAL.search(flat)
    if m is None:
        return []
    start = max(flat.rfind(". ", 0, m.start()), flat.rfind("; ", 0, m.start())) + 1
    return [w for w in WORDS.findall(flat[start : m.start()].casefold()) if len(w) >= 4]


_PHASE_NOUNS = re.compile(
    r"(?<![\w-])(?:phases|phasen|fases|stages|stufen|étapes|etapas|rings|ringe|anillos|anneaux"
    r"|waves|wellen|olas|vagues)(?![\w-])",
    re.IGNORECASE,
)
"""The phases of a plan, named in the plural: a statement about them all."""
PHASE_HEADING = re.compile(
    r"(?:phase|fase|stage|stufe|étape|etapa|ring|anillo|anneau|wave|welle|ola|vague)"
    r"\s+(?:\d+[a-z]?|(?-i:[A-H]))\b",
    re.IGNORECASE,
)
"""A heading that is one phase of a plan (``Phase 1 — Initialisation``, ``Stufe B``,
``Ring 2`` of a rollout)."""


def says_phases_in_order(text: str) -> bool:
    """Whether a sentence of the text says the plan's phases run one after the other.

    A governance chapter may say it for the plan's phase headings elsewhere: "Les phases
    s'enchaînent strictement", "The phases are strictly sequential", "Die Phasen laufen
    nacheinander", "Las fases son secuenciales".
    """
    for m in _PHASE_NOUNS.finditer(text):
        start = max(text.rfind(". ", 0, m.start()), text.rfind("\n\n", 0, m.start())) + 1
        end = text.find(". ", m.end())
        if states_sequence(text[start : len(text) if end < 0 else end]):
            return True
    # "die folgende Stufe beginnt erst nach … der vorherigen": one phase said of the next,
    # read only in the sentences that name the previous one (a literal test first: cheap).
    folded = text.casefold()
    if not any(word in folded for word in _PREVIOUS_WORDS):
        return False
    for m in _PREVIOUS.finditer(text):
        start = max(text.rfind(". ", 0, m.start()), text.rfind("\n\n", 0, m.start())) + 1
        said = SEQUENTIAL.search(text[start : m.end() + 5])
        if (
            said is not None
            and _PHASE_NOUN.search(said.group(0))
            and not OVERLAP.search(said.group(0))
        ):
            return True
    return False


_PREVIOUS_WORDS = ("previous", "prior", "preceding", "vorherigen", "anterior", "précédent")
_PREVIOUS = re.compile(r"(?i)\b(?:previous|prior|preceding|vorherigen|anterior|précédente?)\b")


_PHASE_NOUN = re.compile(
    r"(?<![\w-])(?:phase|fase|stage|stufe|étape|etapa|ring|anillo|anneau|wave|welle|ola|vague)"
    r"(?![\w-])",
    re.IGNORECASE,
)
"""One phase of a plan, named in the singular."""


_PHASE_EXCEPTION = re.compile(
    r"(?<![\w-])(?P<phase>(?:phase|fase|stage|stufe|étape|etapa)\s+(?:\d+[a-z]?|(?-i:[A-H])))\b"
    r"[^.\n]{0,60}?(?<![\w-])(?:can (?:already )?(?:begin|start)|may (?:begin|start)"
    r"|does(?:n['’]t| not) (?:have|need) to wait|kann (?:schon |bereits )?(?:beginnen|starten)"
    r"|muss nicht warten|puede (?:empezar|comenzar|arrancar)|no (?:tiene que|necesita) esperar"
    r"|peut (?:déjà )?(?:commencer|démarrer|débuter)|n['’]a pas à attendre)(?![\w-])",
    re.IGNORECASE,
)
"""A phase the document lets start early (``Phase 3 can begin as soon as …``)."""


def phase_exceptions(text: str) -> frozenset[str]:
    """The phases (normalized, ``phase 3``) the text lets start before the one before ends.

    "Phases run in order … One exception — Phase 3 can begin as soon as the first staging
    deploy is done": Phase 3 waits for what the sentence names, not for Phase 2.
    """
    if not _PHASE_NOUNS.search(text):
        return frozenset()
    return frozenset(
        " ".join(m.group("phase").casefold().split()) for m in _PHASE_EXCEPTION.finditer(text)
    )


_EXEMPT_LEAD = re.compile(
    r"(?<![\w-])(?:ausgenommen|außer|ausser|mit ausnahme (?:von|der|des)|except(?:ing| for)?"
    r"|apart from|other than|excepto|salvo|a excepción de|menos|sauf|excepté|hormis"
    r"|à l['’]exception (?:de|des|du))(?![\w-])",
    re.IGNORECASE,
)
"""What leads the tasks a statement about the phases' order leaves out."""
_EXEMPT_NAME = re.compile(rf"(?<![\w.-])({ID_OR_NUMBER})(?![\w-]|\.\d)")


def phase_order_exempt(text: str) -> frozenset[str]:
    """The tasks (by id or number) that a statement of the phases' order leaves out.

    "Die Phasen bauen aufeinander auf … Ausgenommen sind die Kasse (2.2) und Social Media
    (3.3): sie beginnen sofort", "Phases run in order, except for 2.2 and 3.3": the named
    tasks wait for no phase and hold none up. Only the sentence that says the phases run in
    order and the two after it are read.
    """
    names: set[str] = set()
    for m in _PHASE_NOUNS.finditer(text):
        start = max(text.rfind(". ", 0, m.start()), text.rfind("\n\n", 0, m.start())) + 1
        first = text.find(". ", m.end())
        if not states_sequence(text[start : len(text) if first < 0 else first]):
            continue
        # The statement ``says_phases_in_order`` read (the first), to the end of its
        # paragraph's next two sentences: "… nacheinander. Ausgenommen sind … (2.2) …".
        stop = text.find("\n\n", first) if first >= 0 else -1
        stop = len(text) if stop < 0 else stop
        end = first
        for _ in range(2):
            nxt = text.find(". ", end + 2, stop) if end >= 0 else -1
            end = nxt if nxt >= 0 else stop
        part = text[start:end]
        for lead in _EXEMPT_LEAD.finditer(part):
            close = part.find(". ", lead.end())
            names.update(_EXEMPT_NAME.findall(part[lead.end() : len(part) if close < 0 else close]))
        break
    return frozenset(names)


def _must_be_ready(flat: str, start: int, target: str) -> str:
    """The target of a "before" phrase that says the work must be done by then, else "".

    A weak "before" often speaks of behaviour ("a reminder before the appointment"); said of
    the work being done or ready ("must be ready before", "vor der Versammlung fertig sein",
    "debe estar listo antes de"), it orders two tasks.
    """
    tail = READY_TAIL.search(target)
    if tail is not None:
        return target[: tail.start()].strip()
    return target if READY_LEAD.search(flat[max(0, start - 80) : start]) else ""
