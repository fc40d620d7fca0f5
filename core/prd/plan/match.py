"""The reference matcher: which tasks a reference text names, or why it names none.

In order: ids and heading numbers in the text (``EX-01``, ``HU-2 y HU-5``, ``2.1``, ``#3``,
``Phase 1``); a whole task title (exact, or without its id: ``Reservar cita`` is ``HU-2 ·
Reservar cita``); a section title (every task in it); several references split at ``,`` ``;``
and ``and``/``und``/``y``/``et`` (only when the whole text is no title); titles contained in the
text, longest first (``Needs the plan catalogue sync to be finished`` → ``Plan catalogue
sync``); a unique title that starts with the text; the title sharing the most words with it;
a close spelling. Case, punctuation, Markdown, a leading "the"/"section" and anything in
parentheses are ignored. When two tasks fit equally well the reference is *ambiguous*: the
candidates are reported and no edge is drawn. How far the search goes depends on how the
dependency was stated (``DepRef.strength``): a weak phrase ("after", "once", "avant") takes
only ids, heading numbers and whole titles, or a title holding every word it names.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from core.domain.models import Priority
from core.prd.plan.builder import Builder
from core.prd.plan.lexicon import ALL_BUT, NONE_REFERENCE, word_set
from core.prd.plan.prose import DepRef
from core.prd.plan.units import Unit
from core.prd.plan.vocab import (
    ID_RANGE,
    IDENT,
    LIST_SEPARATOR,
    PLURAL_PARTS,
    RANGE_ARTICLE,
    RANGE_SEPARATOR,
    WORDS,
    norm,
    norm_plain,
    priority_of,
    spell_numbers,
    spell_parts,
    spell_range,
    strip_number,
)

PART_SPLIT = re.compile(r"\s*(?:,|;|&|\band\b|\bund\b|\by\b|\bet\b|\be\b|\bsowie\b)\s*", re.I)
"""Splits a reference into the parts it names (``A, B and C``; und, y, e, et, sowie)."""
_LIST_SPLIT = re.compile(r"\s*[,;]\s*")
_ID_LIST_SPLIT = re.compile(r"\s*(?:[,;&/+]|\band\b|\bund\b|\bsowie\b|\bet\b)\s*", re.I)
"""Splits a cell of letter ids; the one-letter conjunctions (``y``, ``e``) may be ids there."""
_NUMBER = re.compile(
    r"(?:#|§\s*|\b(?:section|sección|abschnitt|kapitel|chapitre|paragraphe)\s+)(\d+(?:\.\d+)*)"
    r"|(?<![\w.])(\d+(?:\.\d+)+)(?![\w]|\.\d)",
    re.IGNORECASE,
)
_BARE_NUMBERS = re.compile(r"\d+(?:\.\d+)*\.?(?:\s*(?:,|;|&|and|und|y|et|e)\s*\d+(?:\.\d+)*\.?)*")
_NUMBER_RANGE = re.compile(
    rf"(?<![\w.])(\d+(?:\.\d+)+)\s*{RANGE_SEPARATOR}\s*{RANGE_ARTICLE}(\d+(?:\.\d+)+)(?![\w]|\.\d)"
)
"""A range of heading numbers in a sentence (``4.1 bis 4.4``, ``2.1 to 2.5``, ``de la 2.2 a
la 4.3``)."""
_ITEMS = re.compile(
    r"\b(?P<noun>items?|steps?|points?|pasos?|puntos?|punkte?|schritte?|étapes?|deliverables?"
    r"|livrables?|entregables?|work ?packages?|wps?|arbeitspakete?|aps?|paquetes? de trabajo"
    r"|tasks?|aufgaben?|tareas?|tâches?)\s+"
    rf"(?P<numbers>\d{{1,3}}(?:\s*(?:{LIST_SEPARATOR}|{RANGE_SEPARATOR})\s*\d{{1,3}})*)(?![\w.])",
    re.IGNORECASE,
)
"""Numbered items or rows named as such: ``items 9 and 10``, ``paso 3``, ``Arbeitspakete 1
bis 3`` (a range is every number in it), ``WP 4``, ``tasks 2-5``."""
_ARTICLE_NUMBER = re.compile(
    r"(?:the|der|die|das|el|la|los|las|le|les|l['’])\s*(?:n(?:[º°o.]|úm\.?)\s*)?(\d{1,3})",
    re.IGNORECASE,
)
"""A number after an article, its noun left out: ``después de la 1``, ``après la 3``."""
_STAGE_ID = re.compile(
    r"\b(?:m\d+|(?:milestone|meilenstein|hito|jalon|phase|fase|étape|etapa|stage|stufe|sprint"
    r"|week|woche|semana|semaine|iteration|release|lot|wave|palier)\s*\d+)\b",
    re.IGNORECASE,
)
_STOP = word_set(
    "the|a|an|of|for|to|in|on|at|by|with|and|or|is|are|be|been|being|it|its|this|that"
    "|these|those|from|into|as|first|then|once|when|all|any|some|our|we|they|their"
    "|there|has|have|had|must|should|will|can|only|after|before|both|least|though"
    "|done|finished|live|ready|ship|ships|shipped|der|die|das|den|dem|des|ein|eine"
    "|einen|einem|und|oder|mit|von|zu|zum|zur|für|im|in|am|auf|aus|bei|nach|vor|ist"
    "|sind|wird|werden|erst|el|la|los|las|un|una|unos|unas|de|del|y|o|con|por|para|en"
    "|al|que|se|es|son|está|esté|ser|ya|le|les|une|des|du|et|ou|avec|pour|par|dans|au"
    "|aux|sur|qui|est|sont|être|une|fois|come|comes|go|goes|get|gets|use|uses|need"
    "|needs|build|builds|built|start|starts|happen|happens|everything|else|d|l|s|j|n"
    "|c|qu|complete|completed|terminé|terminés|terminée|terminées|terminado|terminados"
    "|listo|listos|fertig|abgeschlossen|erledigt|available|disponible|disponibles"
    "|completion|fertigstellung|abschluss|umsetzung|finalización|achèvement|finalisation"
    "|production|producción|produktion|prod|esté|estén|sea|sean|soit|soient|sei|seien"
    "|above|below|aforementioned|mentioned|ci|dessus|dessous|susodicho|susodicha|oben|obigen"
    # German states a phrase ends on ("wenn die Umstellung durch ist", "der Bescheid da ist")
    "|durch|da|sein|hat|haben|steht|stehen|vorliegt|vorliegen|vorhanden"
)
_SUFFIXES = ("ions", "ion", "ing", "ed", "es", "s")
_SUFFIX_ENDS = ("s", "n", "g", "d")
"""The last letters of ``_SUFFIXES``: a word ending otherwise has none of them."""
_DIGIT = re.compile(r"\d")
"""What ``IDENT``, ``_NUMBER``, ``_BARE_NUMBERS``, ``_ITEMS`` and ``_STAGE_ID`` all need."""
_LETTERED_AREA = re.compile(
    r"(?:chantier|workstream|work stream|stream|track|lot|axe|axis|achse|eje|línea|frente"
    r"|teilprojekt|volet|bloc|block|bloque|área|area|bereich|domaine)\s+([A-Z])\b",
    re.IGNORECASE,
)
"""A lettered workstream (``Chantier C — Socle technique``): its items go by ``C1``, ``C2``."""
_NUMBERED_PART = re.compile(
    r"(?:scope|part|step|phase|stage|milestone|workstream|track|teil|schritt|phase|parte"
    r"|paso|fase|partie|étape|volet|lot|action|acción|accion|aktion|maßnahme|massnahme|mesure"
    r"|medida|measure|fiche(?:[- ]action)?)\s*(?:n°|nº|no\.|nr\.|núm\.|#)?\s*(?P<n>\d+)[a-z]?"
    r"\s*[:.)—–-]\s*",
    re.IGNORECASE,
)
"""A numbered part before a title (``Scope 2 — Push the rota``, ``Action 3 — Parking``): the
title is also its name."""
_PARENS = re.compile(r"\([^()]*\)")
_TAGS = re.compile(r"\[[^\[\]]{1,24}\]|(?<![\w-])P[0-3](?![\w-])")
"""A priority or status tag in a title (``[P2] Catégorisation…``): no word a reference names."""


_VERSION = re.compile(r"(?<![\w.])(\d{1,2}\.\d{1,2})(?![\w]|\.\d)")
"""A version a milestone is named by (``Release train 6.3``, ``Version 2.1``)."""


def _level(word: str | None) -> Priority | None:
    """The priority a word of a group names (``bloquantes``: a plural too)."""
    if not word:
        return None
    return priority_of(word) or (priority_of(word[:-1]) if word.endswith("s") else None)


_RANKED_GROUP = re.compile(
    r"(?:every|all( the)?|toutes les|tous les|alle|todas las|todos los)\s+"
    r"(?:(?P<lead>\w+)\s+)?(?:tasks?|tickets?|items?|tâches|aufgaben|maßnahmen|tareas)"
    r"(?:\s+(?P<tail>\w+))?(?:\s+(?:of|in|from|de|du|des|der|aus|in der|del)\s+"
    r"(?:the\s+|la\s+|l\s+|el\s+)?(?P<where>.+))?$"
)
"""Every task of a stated priority, maybe in named milestones (norm_plain text)."""
_MILESTONE_LIST = re.compile(
    r"\s+(?:and|et|und|y)\s+(?:(?:of|de|du|des|der|del)\s+)?(?:the\s+|la\s+|l\s+|el\s+)?"
)
_ID_NUMBER = re.compile(r"[A-Za-z][A-Za-z0-9]*-(\d{2,})$")
"""The number an id ends in after its dash (``A11Y-101`` → ``101``)."""
_NAMED_HEAD = re.compile(r"((?:[^\s:]+ ){0,3}[^\s:]+):\s+\S")
"""An item's name before a colon and what it says of it (``Eligibility rules: KYC approved,
$50+ …``): references name the task by it."""


@dataclass(frozen=True, slots=True)
class Found:
    """What a reference names: tasks, or the equally good candidates when it is ambiguous."""

    units: tuple[Unit, ...] = ()
    candidates: tuple[tuple[Unit, ...], ...] = ()
    missing: tuple[str, ...] = ()
    """Ids or numbers the text names that match nothing (reported for labels)."""
    none: bool = False
    """The text says there is no dependency (``none``, ``nothing``, ``—``)."""
    group: bool = False
    """Some tasks came from a section named as a whole (its first or last tasks are enough)."""


_NOUN_NUMBER = re.compile(r"([^\W\d_]{4,}) (\d{1,2}(?: ?(?:,|and|und|y|et|&) ?\d{1,2})*)")
"""A reference that is a noun and its numbers (``kapitel 4``, ``kapitel 4 und 6``)."""


def _stated(raw: str) -> str:
    """The reference without the words that only say a state (``14 abgeschlossen`` → ``14``)."""
    return " ".join(w for w in raw.split() if w.casefold() not in _STOP)


def _stem(word: str) -> str:
    """A light stem: ``imported``/``imports`` → ``import``, ``share``/``sharing`` → ``shar``.

    English-leaning and harmless elsewhere, as both sides of a comparison are stemmed alike.
    """
    for suffix in _SUFFIXES if word.endswith(_SUFFIX_ENDS) else ():
        if word.endswith(suffix) and len(word) - len(suffix) >= (3 if suffix == "s" else 4):
            word = word[: -len(suffix)]
            if suffix in ("ing", "ed") and len(word) >= 4 and word[-1] == word[-2]:
                word = word[:-1]  # "logging" → "log", as "logs"
            if suffix == "s" and word.endswith("ing") and len(word) >= 7:
                return _stem(word)  # "fittings" → "fit", as "the fitting"
            break
    return word[:-1] if word.endswith("e") and len(word) >= 5 else word


def content_words(text: str) -> list[str]:
    """The words that carry meaning, lightly stemmed (no articles, no plural ``s``, no digits).

    A version number is one (``1.9`` in "after the 1.9 upgrade"): it tells two upgrades apart.
    """
    words = [_stem(w) for w in WORDS.findall(text.casefold()) if w not in _STOP and not w.isdigit()]
    if "." in text:
        words.extend(_VERSION.findall(text))
    return words


def named_in_group(found: Found, text: str) -> tuple[Unit, ...]:
    """The tasks a reference names, narrowed to one when it names a section as a whole.

    "contrat traiteur signé" names the section "Traiteur" and, within it, the task "Signer le
    contrat du traiteur" by two more words: the one task whose title shares the most words
    with the reference (two at least) is the one it names, not the whole section.
    """
    if not found.group or len(found.units) < 2:
        return found.units
    phrase = set(content_words(text))
    shared = [len(phrase.intersection(content_words(u.title))) for u in found.units]
    best = max(shared)
    if best < 2 or shared.count(best) > 1:
        return found.units
    return (found.units[shared.index(best)],)


_VERSION = re.compile(r"(?<![\w.])v?\d{1,3}\.\d{1,3}(?:\.\d{1,3})?(?![\w]|\.\d)")
"""A version number in running text (``1.29``, ``v2.1``), not a date or a section path."""


@dataclass
class Resolver:
    """The tasks of one plan, indexed by title, id and words."""

    builder: Builder
    by_title: dict[str, list[Unit]] = field(default_factory=dict)
    by_ident: dict[str, list[Unit]] = field(default_factory=dict)
    by_number: dict[str, list[Unit]] = field(default_factory=dict)
    by_id_number: dict[str, list[Unit]] = field(default_factory=dict)
    by_version: dict[str, list[Unit]] = field(default_factory=dict)
    """A version a milestone's name holds (``6.3`` of ``Release train 6.3``) → its tasks."""
    """An id's number (``101`` of ``A11Y-101``) → the tasks whose ids end in it."""
    by_stage: dict[str, list[Unit]] = field(default_factory=dict)
    """A numbered stage (``phase 2``) → the tasks of the milestone it leads the name of."""
    """A numbered item's number → the items written with it (each list counts from 1)."""
    starts: dict[str, dict[tuple[str, ...], None]] = field(default_factory=dict)
    """First word → the titles (as word tuples) starting with it, for the containment scan."""
    words_of: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Task title → its content words."""
    titles_with: dict[str, set[str]] = field(default_factory=dict)
    """Content word → the task titles holding it."""
    context: dict[str, set[str]] = field(default_factory=dict)
    """Task title → the content words of the section it is listed in (an item's area)."""
    by_initial: dict[str, dict[int, list[str]]] = field(default_factory=dict)
    """Every title by its first letter, then its length (filled on the first close-spelling
    search): the titles of similar length are a few lists, not a scan of the letter's."""
    area_with: dict[str, set[str]] = field(default_factory=dict)
    """Content word → the task titles listed in a section holding it."""
    names: dict[int, str] = field(default_factory=dict)
    """A task (by identity) → its title as references are compared with it (``norm`` of the
    title without its number), worked out once for the matcher and the description rule."""
    repeated_words: set[str] = field(default_factory=set)
    """Titles whose words (``words_of``) hold a word twice: they count it twice."""
    titled: set[tuple[str, int]] = field(default_factory=set)
    """(title, id of a unit) pairs already in ``by_title``."""
    by_prefix: dict[int, tuple[list[Unit], dict[tuple[str, ...], list[Unit]]]] = field(
        default_factory=dict
    )
    """For a long list of same-named tasks (by the list's identity, kept alive here): each
    leading part of their section paths → the tasks under it, in the list's order."""

    @classmethod
    def of(cls, builder: Builder) -> Resolver:
        """Index the builder's tasks (and section titles) for resolving references."""
        resolver = cls(builder)
        areas: dict[str, set[str]] = {}  # a section title's words, read once for its items
        numbered_titles: dict[str, list[Unit]] = {}  # "Action 1 — …" by its number
        for unit in builder.units:
            name = resolver.names[id(unit)] = resolver._add_title(unit.title, unit)
            if unit.origin in ("item", "row") and unit.path:
                area = areas.get(unit.path[-1])
                if area is None:
                    area = areas[unit.path[-1]] = set(content_words(unit.path[-1]))
                resolver.context.setdefault(name, set()).update(area)
                for word in area:
                    resolver.area_with.setdefault(word, set()).add(name)
            if unit.number:
                resolver.by_number.setdefault(unit.number, []).append(unit)
            if unit.ident:
                resolver.by_ident.setdefault(unit.ident.casefold(), []).append(unit)
                if (tail := _ID_NUMBER.search(unit.ident)) is not None:
                    resolver.by_id_number.setdefault(tail.group(1), []).append(unit)
                bare = (
                    unit.title.split(unit.ident, 1)[-1] if unit.title.startswith(unit.ident) else ""
                )
                if bare.strip():
                    resolver._add_title(bare, unit)
            if (numbered := _NUMBERED_PART.match(unit.title)) and unit.title[numbered.end() :]:
                resolver._add_title(unit.title[numbered.end() :], unit)  # "Push the rota"
                # "Schritt 4 – Flink-Job" is also "Schritt 4" ("nach Schritt 4"), whole.
                label = norm(numbered.group(0))
                resolver._add_name(label, unit)
                resolver._index_start(label)  # "Daten aus Schritt 2" holds it
                if not unit.number and numbered.group("n"):
                    numbered_titles.setdefault(numbered.group("n"), []).append(unit)
                for alias in _part_aliases(label):
                    resolver._add_name(alias, unit)  # "Fiche-action n°3" is "fiche n°3" too
            if unit.origin == "item" and (head := _NAMED_HEAD.match(unit.title)):
                # "Attribution: tie link click → …" is named "attribution", whole: its words
                # alone are not scored against other references.
                resolver._add_name(norm(head.group(1)), unit)
            elif (
                unit.origin == "row"
                and unit.ident
                and unit.title.startswith(unit.ident)
                and (head := _NAMED_HEAD.match(unit.title[len(unit.ident) :].lstrip(" -—–:")))
            ):
                # "ONE-43 | Wave C: the remaining 12 services": a row named "Wave C" too.
                resolver._add_name(norm(head.group(1)), unit)
        milestones = builder.milestones.by_key
        for unit in builder.units:
            # "Phase 2" names the tasks a Phase column or heading put in "Phase 2 — …".
            key = unit.milestone or unit.inherited.milestone
            name = unit.meta.milestone or (milestones[key].name if key in milestones else "")
            if name and (stage := _STAGE_ID.match(name)) is not None:
                resolver.by_stage.setdefault(norm(stage.group(0)), []).append(unit)
        versions: dict[str, set[str]] = {}
        for key, milestone in milestones.items():
            for version in _VERSION.findall(milestone.name):
                versions.setdefault(version, set()).add(key)
        for unit in builder.units:
            key = unit.milestone or unit.inherited.milestone
            for version, keys in versions.items():
                # A version the milestones carry (a heading and a table may both name it),
                # and no heading's number.
                if key in keys and version not in builder.numbers:
                    resolver.by_version.setdefault(version, []).append(unit)
        for number, units in numbered_titles.items():
            # "| 1er trimestre | 1, 4, 5 |": a bare number names "Action 1 — …" when no list
            # item has that number.
            resolver.by_number.setdefault(number, units)
        for name in builder.section_titles:
            if name:
                resolver._index_start(name)
        resolver._index_lettered_items()
        return resolver

    def _index_lettered_items(self) -> None:
        """Item 3 of ``Chantier C`` (Workstream C, Track C, Lot C) goes by ``C3``.

        Plans by lettered workstreams cite their numbered items so ("attend les gabarits
        (C3)"), when no task carries that id itself.
        """
        found: dict[str, list[Unit]] = {}
        for unit in self.builder.units:
            if unit.origin != "item" or not unit.number or not unit.path or "." in unit.number:
                continue
            area = _LETTERED_AREA.match(unit.path[-1])
            if area is not None:
                found.setdefault(f"{area.group(1)}{unit.number}".casefold(), []).append(unit)
        for ident, units in found.items():
            if len(units) == 1:
                self.by_ident.setdefault(ident, units)

    def _add_name(self, name: str, unit: Unit) -> None:
        """Another name of the task, matched whole only (its words are not scored)."""
        if name and (name, id(unit)) not in self.titled:
            self.titled.add((name, id(unit)))
            self.by_title.setdefault(name, []).append(unit)

    def _add_title(self, title: str, unit: Unit) -> str:
        """Index the task by ``title``; returns the title as references are compared with it."""
        name = norm(strip_number(title))
        if not name:
            return name
        if (name, id(unit)) not in self.titled:
            self.titled.add((name, id(unit)))
            self.by_title.setdefault(name, []).append(unit)
        self._index_start(name)
        if name not in self.words_of:
            bare = _TAGS.sub(" ", _PARENS.sub(" ", title))
            words = tuple(dict.fromkeys(content_words(bare))) or tuple(content_words(name))
            self.words_of[name] = words
            if len(set(words)) != len(words):
                self.repeated_words.add(name)
            for word in words:
                self.titles_with.setdefault(word, set()).add(name)
        return name

    def _index_start(self, name: str) -> None:
        words = tuple(name.split())
        self.starts.setdefault(words[0], {})[words] = None

    # ------------------------------------------------------------ resolving

    def resolve(self, ref: DepRef, referrer: Unit | None) -> Found:
        """The tasks ``ref`` names, seen from ``referrer`` (whose own section wins a tie).

        Candidates that are the same tasks (one task reached by two of its names: its title
        and its title without its id) are one: a reference naming only them names them.
        """
        found = self._resolve(ref, referrer)
        if len(found.candidates) < 2:
            return found
        distinct = tuple(dict.fromkeys(found.candidates))
        if len(distinct) == 1 and not found.units:
            return replace(found, units=distinct[0], candidates=())
        if len(distinct) < len(found.candidates):
            return replace(found, candidates=distinct)
        return found

    def _resolve(self, ref: DepRef, referrer: Unit | None) -> Found:
        raw = ref.target.strip().strip("\"'`*_“”«»").strip()
        plain = norm_plain(raw)
        if not plain or NONE_REFERENCE.fullmatch(plain) or not raw.strip("-—–. "):
            return Found(none=True)
        if (ranked := _RANKED_GROUP.match(plain)) is not None and (
            by_rank := self._ranked(ranked, referrer)
        ):
            return Found(units=tuple(by_rank), group=len(by_rank) > 1)
        if referrer is not None and (all_but := ALL_BUT.fullmatch(raw.rstrip(". "))):
            return self._all_but(all_but.group("numbers"), referrer)
        if PLURAL_PARTS.search(raw):
            raw = PLURAL_PARTS.sub(self._each_part, raw)
        exact = self._whole(raw, referrer)  # "Writer library (Go)": its parenthesis is a name
        if exact is not None and not exact.candidates:
            return exact
        head = _cut_aside(raw)
        if ref.strength != "weak" and PART_SPLIT.search(unnamed := _without_names(raw, self)):
            whole = self._whole(head, referrer)
            if whole is not None and not whole.candidates:
                return whole
            parts = self._parts(unnamed, referrer)
            found = [self._single(p, _cut_aside(p), ref.strength, referrer) for p in parts]
            if not any(f.units or f.candidates for f in found):
                whole = self._single(raw, head, ref.strength, referrer)
                if _empty(whole) and ref.strength == "label":
                    return Found(missing=tuple(parts))
                return whole
            if any(f.units or f.candidates for f in found):
                lost = [p for p, f in zip(parts, found, strict=True) if _empty(f)]
                return Found(
                    units=tuple(dict.fromkeys(u for f in found for u in f.units)),
                    candidates=tuple(c for f in found for c in f.candidates),
                    group=any(f.group for f in found),
                    missing=(
                        *(m for f in found for m in f.missing),
                        *(lost if ref.strength == "label" else ()),
                    ),
                )
        return self._single(raw, head, ref.strength, referrer)

    def _all_but(self, numbers: str, referrer: Unit) -> Found:
        """The numbered tasks listed beside ``referrer`` but those ``numbers`` name."""
        left_out = set(re.findall(r"\d+", numbers))
        units = tuple(
            u
            for u in self.builder.units
            if u is not referrer
            and u.origin == referrer.origin
            and u.path == referrer.path
            and u.number is not None
            and u.number.rstrip(".") not in left_out
        )
        return Found(units=units)

    def _each_part(self, m: re.Match[str]) -> str:
        """``Schritte 6, 7 und 9`` → ``Schritt 6, Schritt 7, Schritt 9``, or as written.

        Only when tasks go by those names (``Schritt 6 – …``): a bare "7" names chapter 7.
        """
        names = spell_parts(m)
        if all(norm(name) in self.by_title for name in names):
            return ", ".join(names)
        return m.group(0)

    def _parts(self, text: str, referrer: Unit | None) -> list[str]:
        """The references a list names, split at commas and semicolons.

        A piece is split again at "and" (und, y, et…) only when it is not a whole title.
        """
        parts: list[str] = []
        for piece in _LIST_SPLIT.split(text):
            piece = piece.strip()
            if not piece:
                continue
            whole = self._whole(piece, referrer)
            if whole is not None and not whole.candidates:
                parts.append(piece)
            else:
                parts.extend(p.strip() for p in PART_SPLIT.split(piece) if p.strip())
        return parts

    def _single(self, raw: str, head: str, strength: str, referrer: Unit | None) -> Found:
        """One reference: its ids and numbers when it names any, else its words."""
        if (titled := self._noun_number_in_title(raw)) is not None:
            return titled
        found = self._tokens(raw, strength, referrer)
        if found is not None:
            return found
        if head != raw and (exact := self._whole(raw, referrer)) and not exact.candidates:
            return exact
        return self._text(head, strength, referrer)

    def _noun_number_in_title(self, raw: str) -> Found | None:
        """The tasks whose titles hold the noun and numbers the reference is (``Kapitel 4``).

        A thesis plan's packages name the chapters they write (``Kapitel 4 Ergebnisse``,
        ``Literaturrecherche (Kapitel 2)``): "nach Kapitel 4 und 6" then names those packages,
        not the document's own headings 4 and 6. Only a reference that is nothing but a noun
        and its numbers, each held by exactly one task's title.
        """
        if not raw[-1:].isdigit():
            return None
        m = _NOUN_NUMBER.fullmatch(norm(raw))
        if m is None:
            return None
        found: dict[int, Unit] = {}
        for number in re.findall(r"\d+", m.group(2)):
            needle = f"{m.group(1)} {number}"
            pattern = re.compile(rf"(?<![\w.]){re.escape(needle)}(?![\w]|\.\d)")
            holders = {
                id(u): u
                for title, units in self.by_title.items()
                if needle in title and pattern.search(title)  # the plain test first: cheap
                for u in units
            }
            if len(holders) != 1:
                return None
            found.update(holders)
        return Found(units=tuple(found.values()))

    def _whole(self, text: str, referrer: Unit | None) -> Found | None:
        """The task or section whose title is exactly the text (``Roles and permissions``)."""
        wanted = norm(strip_number(text))
        if wanted in self.by_title:
            return self._one_of(self.by_title[wanted], referrer)
        return self._section(wanted)

    def _p_level(self, ident: str) -> bool:
        """Whether ``P2`` is a priority level, not the id of a task that goes by it."""
        return _p_level(ident) and ident.casefold() not in self.by_ident

    def _bare_idents(self, raw: str) -> list[str]:
        """A table cell of ids with no digits (``C, D``), when every one is a row's id.

        Plans keyed by letters (a Gantt table's ``A`` … ``I``) name their predecessors and a
        milestone's rows that way. Only a cell (a label) is read so, and only when each part
        is an id of the document: a word in a sentence is never taken for one.
        """
        parts = [p for p in _ID_LIST_SPLIT.split(raw.strip()) if p]
        if parts and all(p.casefold() in self.by_ident for p in parts):
            return parts
        return []

    def _tokens(self, raw: str, strength: str, referrer: Unit | None) -> Found | None:
        """Ids, heading numbers and milestone ids in the text, or ``None`` when it has none."""
        if strength != "label" and _DIGIT.search(raw) is None:
            return None  # every id, number and stage id holds a digit; only a label has others
        named: list[str] = [
            m.group(1) for m in IDENT.finditer(raw) if not self._p_level(m.group(1))
        ]
        if len(named) > 1 and (ranges := list(ID_RANGE.finditer(raw))):
            # "V1 bis V6", "T2.1 a T2.5": the ids between the two ends, where tasks have them.
            inner = [
                i
                for m in ranges
                for i in spell_range(m.group("first"), m.group("last"))[1:-1]
                if i.casefold() in self.by_ident and not self._p_level(i)
            ]
            named = list(dict.fromkeys([*named, *inner]))
        if strength == "label" and not named:
            named = self._bare_idents(raw)
        numbers = [m.group(1) or m.group(2) for m in _NUMBER.finditer(raw)]
        if len(numbers) > 1 and (spans := list(_NUMBER_RANGE.finditer(raw))):
            # "wenn 4.1 bis 4.4 abgenommen sind": the headings numbered in between too.
            inner = [
                i
                for m in spans
                for i in (
                    spell_range(m.group(1), m.group(2))[1:-1]
                    or self._numbers_between(m.group(1), m.group(2))
                )
                if i in self.builder.numbers or i in self.by_ident
            ]
            numbers = list(dict.fromkeys([*numbers, *inner]))
        # Numbers that may name a numbered item: "Needs: 3, 4", "(needs 5)", "items 9 and 10".
        items: list[str] = []
        if strength != "weak" and (
            _BARE_NUMBERS.fullmatch(raw.strip()) or _BARE_NUMBERS.fullmatch(_stated(raw))
        ):
            # "erst wenn 14 abgeschlossen ist": the number with only its state around it.
            numbers = re.findall(r"\d+(?:\.\d+)*", raw)
            items = numbers
        if not items and (elided := _ARTICLE_NUMBER.fullmatch(raw.strip())) is not None:
            items = [elided.group(1)]  # "Después de la 1": "la (tarea) 1", the noun left out
        named_items: set[str] = set()
        nouns: dict[str, str] = {}
        for listed in _ITEMS.finditer(raw):
            spelled = spell_numbers(listed.group("numbers"))
            named_items.update(spelled)
            items = [*items, *spelled]
            nouns.update(dict.fromkeys(spelled, listed.group("noun")))
        stages = [m.group(0) for m in _STAGE_ID.finditer(raw)]
        units: list[Unit] = []
        missing: list[str] = []
        candidates: list[tuple[Unit, ...]] = []
        group = False
        for ident in named:
            got = self.by_ident.get(ident.casefold())
            titled = None if got else self._section(norm(ident))
            if got:
                one = self._one_of(got, referrer)
                units.extend(one.units)
                candidates.extend(one.candidates)
            elif titled is not None:
                units.extend(titled.units)
                candidates.extend(titled.candidates)
                group = group or titled.group
            elif strength == "label":
                missing.append(ident if len(named) > 1 else raw)
        for number in numbers:
            numbered = self.builder.numbers.get(number.rstrip("."))
            rows = self.by_ident.get(number.rstrip(".")) or self.by_ident.get(f"#{number}")
            own = (
                [r for r in rows if r.holder is referrer.holder]
                if rows and referrer is not None and referrer.origin == "row"
                else []
            )
            if own:
                units.extend(own)  # "| 7 | … | erst nach | 4, 5 |": rows of its own table
            elif rows and numbered is None:
                units.extend(rows)  # a table's "#" column: "Predecessors: 2, 3"
            elif numbered is not None:
                inside = self.builder.section_units.get(id(numbered), [])
                units.extend(inside)
                group = group or len(inside) > 1
            elif strength != "label" and (released := self.by_version.get(number)) is not None:
                # "after the 6.3 fixes" under "Release train 6.3 (…)": that milestone's tasks
                # (a label's number names a heading or a row, as it always did)
                units.extend(released)
                group = group or len(released) > 1
            elif strength == "label" and not units:
                missing.append(number if len(numbers) > 1 else raw)
        for number in items:
            listed_as = self.by_number.get(number)
            # "step 4" names the fourth step even beside a heading "4."; a bare "4" names it.
            heading = number in self.builder.numbers and number not in named_items
            if listed_as and not heading and number not in self.by_ident:
                # Several lists numbered alike are told apart by the referrer's section.
                one = self._one_of(listed_as, referrer)
                units.extend(one.units)
                candidates.extend(one.candidates)
                missing = [m for m in missing if m not in (number, raw)]
            elif number in named_items and not listed_as and (rows := self.by_ident.get(number)):
                # "Arbeitspaket 3" with no list item 3: the row numbered 3 in a "Nr." column.
                units.extend(rows)
                missing = [m for m in missing if m not in (number, raw)]
            elif (
                not listed_as
                and number not in named_items
                and len(by_id := self.by_id_number.get(number, ())) == 1
            ):
                # "(101, 103, 104, 106)" among tickets A11Y-101 …: the one id ending so.
                units.extend(by_id)
                missing = [m for m in missing if m not in (number, raw)]
            elif (
                number in named_items
                and not listed_as
                and number not in numbers
                and not self._titled_part(nouns[number], number)
                and (section := self.builder.numbers.get(number)) is not None
            ):
                # "items 1–5" in a plan whose work is headings "1. …" to "5. …" (but
                # "Schritt 4" names the task titled so, not chapter 4).
                inside = self.builder.section_units.get(id(section), [])
                units.extend(inside)
                group = group or len(inside) > 1
                missing = [m for m in missing if m not in (number, raw)]
        for stage in stages:
            if (found := self._section(norm(stage))) is not None:
                units.extend(found.units)
                candidates.extend(found.candidates)
                group = group or found.group
            elif strength != "label" and (staged := self.by_stage.get(norm(stage))):
                units.extend(staged)  # "Phase 2" of a Phase column, in a sentence: its rows
                group = group or len(staged) > 1
        if not units and not candidates:
            return None  # nothing the tokens name exists: read the words instead
        missing = [m for m in missing if m != raw]
        return Found(
            units=tuple(dict.fromkeys(units)),
            candidates=tuple(candidates),
            missing=tuple(missing),
            group=group,
        )

    def _ranked(self, ranked: re.Match[str], referrer: Unit | None) -> list[Unit]:
        """The tasks of one stated priority in the milestones named, the referrer left out.

        ``toutes les tâches bloquantes de l'alpha et de la bêta``: none unless a milestone is
        named and each name (its first word) starts the milestone of one such task.
        """
        level = _level(ranked.group("lead")) or _level(ranked.group("tail"))
        names = [
            n.split()[0] for n in _MILESTONE_LIST.split(ranked.group("where") or "") if n.split()
        ]
        if level is None or not names:
            return []
        wanted = set(names)
        by_key = self.builder.milestones.by_key
        found: list[Unit] = []
        held: set[str] = set()
        for u in self.builder.units:
            if u is referrer or u.meta.priority is not level:
                continue
            said = [u.meta.milestone or ""]
            said += [by_key[k].name for k in (u.milestone, u.inherited.milestone) if k in by_key]
            firsts = {w[0] for n in said if (w := norm_plain(n).split())}
            if firsts & wanted:
                found.append(u)
                held |= firsts & wanted
        return found if held == wanted else []

    def _titled_part(self, noun: str, number: str) -> bool:
        """Whether a task goes by ``noun number`` (``Schritt 4 – …`` for "Schritte 4")."""
        stems = {noun, noun[:-1]} if noun[-1:] in "se" else {noun}
        return any(norm(f"{stem} {number}") in self.by_title for stem in stems)

    def _section(self, name: str) -> Found | None:
        """The tasks of the section titled ``name``, or ``None``.

        Several unrelated sections carrying the name are candidates (``Writer library (Go)``
        and ``(Python)`` for "Writer library").
        """
        groups: list[list[Unit]] = []
        for section in self.builder.section_titles.get(name, []):
            targets = self.builder.section_units.get(id(section))
            if targets and targets not in groups:
                groups.append(targets)
        if not groups:
            return None
        largest = max(groups, key=len)
        if all(set(map(id, g)) <= set(map(id, largest)) for g in groups):
            return Found(units=tuple(largest), group=len(largest) > 1)
        return Found(candidates=tuple(tuple(g) for g in groups), group=True)

    def _text(self, text: str, strength: str, referrer: Unit | None) -> Found:
        wanted = norm(strip_number(text))
        if not wanted:
            return Found()
        whole = self._whole(text, referrer)
        if whole is not None:
            return whole
        starting: list[str] = []
        if strength != "weak" and len(wanted) >= 4:
            starting = [n for n in self._names_starting(wanted) if n != wanted]
            if len(starting) == 1 and " " in wanted:
                # "Sign venue contract" names the one title it starts ("Sign venue contract —
                # Priya — Jun 13") before any shorter title inside it (the section "Venue").
                return self._named(starting[0], referrer)
        contained = self._contained(wanted.split(), strength)
        if contained is not None:
            return contained
        if starting:
            if len(starting) == 1 and " " not in wanted:
                # One word names the title it starts only if no other title holds it: "las
                # fotos" may be "Fotos de las tiendas" or "Sesión de fotos de producto".
                holding = self.titles_with.get(_stem(wanted), set()) - set(starting)
                starting += sorted(n for n in holding if self._targets(n))
            if len(starting) == 1:
                return self._named(starting[0], referrer)
            if len(starting) > 1:
                return Found(candidates=tuple(tuple(self._targets(n)) for n in starting))
        return self._by_words(text, strength, referrer)

    def _numbers_between(self, first: str, last: str) -> list[str]:
        """The outline numbers the document uses strictly between ``first`` and ``last``.

        ``de la 2.2 a la 4.3`` crosses chapters: 2.3, 3.1 … 4.2 are the numbers written in
        between (the outline's own, not every number one could count).
        """
        low, high = _outline_key(first), _outline_key(last)
        if low is None or high is None or not low < high:
            return []
        known = [*self.builder.numbers, *(i for i in self.by_ident if i[:1].isdigit())]
        return [
            n
            for n in dict.fromkeys(known)
            if (k := _outline_key(n)) and len(k) == len(low) and low < k < high
        ]

    def _one_of(self, units: list[Unit], referrer: Unit | None) -> Found:
        """One of several tasks of the same name: the one nearest the referrer.

        Nearest is the longest section path in common; a tie makes the reference ambiguous.
        """
        if len(units) == 1:
            return Found(units=(units[0],))
        if referrer is not None:
            near, best = self._nearest(units, referrer.path)
            if len(near) == 1 and best > 0:
                return Found(units=(near[0],))
        return Found(candidates=tuple((u,) for u in units))

    def _nearest(self, units: list[Unit], path: list[str]) -> tuple[list[Unit], int]:
        """The units sharing the longest leading section path with ``path``, and its length.

        A long list (a sub-heading every feature repeats: "Backend", "Tests") is indexed by
        path prefix once, so each reference to it costs its path's length, not the list's.
        """
        if len(units) < 8:
            shared = [_common(u.path, path) for u in units]
            best = max(shared)
            return [u for u, n in zip(units, shared, strict=True) if n == best], best
        held = self.by_prefix.get(id(units))
        if held is None or held[0] is not units:
            index: dict[tuple[str, ...], list[Unit]] = {}
            for unit in units:
                for size in range(1, len(unit.path) + 1):
                    index.setdefault(tuple(unit.path[:size]), []).append(unit)
            held = self.by_prefix[id(units)] = (units, index)
        for size in range(len(path), 0, -1):
            near = held[1].get(tuple(path[:size]))
            if near is not None:
                return near, size
        return units, 0

    def _named(self, name: str, referrer: Unit | None) -> Found:
        if name in self.by_title:
            return self._one_of(self.by_title[name], referrer)
        return self._section(name) or Found()

    def _targets(self, name: str) -> list[Unit]:
        if name in self.by_title:
            return self.by_title[name]
        found = self._section(name)
        if found is None:
            return []
        return list(found.units) or [u for c in found.candidates for u in c]

    def _names_starting(self, wanted: str) -> list[str]:
        first = wanted.split(" ", 1)[0]
        return [
            " ".join(words)
            for words in self.starts.get(first, [])
            if " ".join(words).startswith(wanted) and self._targets(" ".join(words))
        ]

    def _contained(self, words: list[str], strength: str) -> Found | None:
        """The titles whose words appear in order inside ``words``, longest first."""
        spans: list[tuple[int, int, str]] = []
        for start, word in enumerate(words):
            for title in self.starts.get(word, ()):
                size = len(title)
                if tuple(words[start : start + size]) == title:
                    if (
                        strength == "weak"
                        and size < 2
                        and content_words(" ".join(words)) != [_stem(title[0])]
                    ):
                        continue  # "after launch" names "Launch" only when that is all it says
                    spans.append((start, size, " ".join(title)))
        if not spans:
            return None
        spans.sort(key=lambda s: (-s[1], s[0]))
        taken: set[int] = set()
        units: list[Unit] = []
        candidates: list[tuple[Unit, ...]] = []
        group = False
        for start, size, name in spans:
            cover = set(range(start, start + size))
            if cover & taken:
                continue
            found = self._named(name, None)
            if not found.units and not found.candidates:
                continue
            taken |= cover
            units.extend(found.units)
            candidates.extend(found.candidates)
            group = group or found.group
        if not units and not candidates:
            return None
        return Found(units=tuple(dict.fromkeys(units)), candidates=tuple(candidates), group=group)

    def _by_words(self, text: str, strength: str, referrer: Unit | None) -> Found:
        """The title sharing the most words with the text (see ``_close_enough``)."""
        phrase = set(content_words(text))
        if not phrase:
            return Found()
        capitals = {w.casefold() for w in re.findall(r"\b[A-Z][A-Z0-9]+\b", text)}
        for names in self._by_shared_count(phrase):
            scores: dict[str, tuple[int, float]] = {}
            for name in names:
                if referrer is not None and self.by_title.get(name) == [referrer]:
                    continue
                title = self.words_of[name]
                shared = [w for w in title if w in phrase]
                area = [w for w in self.context.get(name, ()) if w in phrase and w not in title]
                if self._close_enough(title, shared, phrase, strength, capitals) or (
                    len(shared) >= 2 and len(shared) + len(area) == len(phrase)
                ):
                    scores[name] = (len(shared), len(shared) / len(title))
            if scores:
                best = max(scores.values())
                top = sorted(n for n, s in scores.items() if s == best)
                if len(top) == 1:
                    return self._named(top[0], referrer)
                return Found(candidates=tuple(tuple(self._targets(n)) for n in top))
        return self._spelling(text) if strength == "label" else Found()

    def _by_shared_count(self, phrase: set[str]) -> list[list[str]]:
        """The titles holding words of ``phrase``, grouped by how many, most first.

        A title's score starts with that count, so the first group with an accepted title
        holds the best one: the many titles that share only a common word or two with a
        reference are counted (in C, through ``Counter``) and never judged one by one. A title
        sharing no word is never accepted, so the titles of an item's area are not read here.
        """
        counts: Counter[str] = Counter()
        for word in phrase:
            counts.update(self.titles_with.get(word, ()))
        groups: dict[int, list[str]] = {}
        for name, count in counts.items():
            title = self.words_of.get(name)
            if not title:
                continue
            if name in self.repeated_words:
                count = sum(1 for w in title if w in phrase)
            groups.setdefault(count, []).append(name)
        return [groups[count] for count in sorted(groups, reverse=True)]

    def _close_enough(
        self,
        title: tuple[str, ...],
        shared: list[str],
        phrase: set[str],
        strength: str,
        capitals: set[str],
    ) -> bool:
        """Whether the shared words make the title the one the text names.

        Two shared words must cover half the title or every word of the text; one is enough
        when it is the title's first word (or last, not after a weak phrase), distinctive
        (long or an acronym, in no other title) and the title has at most three words (after
        a weak phrase, only when it is the one word the phrase names).
        """
        if len(shared) >= 2 and (len(shared) * 2 >= len(title) or len(shared) == len(phrase)):
            return strength != "weak" or len(shared) == len(phrase)
        # One word names a short title by its first word, or (not after a weak phrase) by
        # its last, its head noun in English: "the harness" names "Offline eval harness".
        heads = (title[0],) if strength == "weak" else (title[0], title[-1])
        if (
            strength == "strong"
            and len(shared) == 1
            and len(phrase) == 1
            and len(shared[0]) >= 7
            and len(self._tasks_with(shared[0])) == 1
        ):
            return True  # "needs the templates": the one task whose title says templates
        if len(shared) != 1 or len(title) > 3 or shared[0] not in heads:
            return False
        if strength == "weak" and len(phrase) != 1:
            return False  # "une fois les travaux terminés" names "Travaux d'aménagement"
        word = shared[0]
        # The text's only word ("after the push") may be shorter: it names nothing else.
        distinctive = len(word) >= (4 if len(phrase) == 1 else 6) or word in capitals
        # One task may go by two names ("Scope 2 — Push the rota", "Push the rota").
        return distinctive and len(self._tasks_with(word)) == 1

    def _tasks_with(self, word: str) -> set[int]:
        """The tasks (by identity) whose titles hold ``word``."""
        return {id(u) for n in self.titles_with.get(word, ()) for u in self.by_title.get(n, ())}

    def _spelling(self, text: str) -> Found:
        """A title spelled almost like the text: a typo, not a different name.

        difflib ratio ≥ 0.8, among titles of similar length that start with the same letter.
        """
        wanted = norm(strip_number(text))
        if not self.by_initial:
            for name in {*self.by_title, *self.builder.section_titles}:
                if name:
                    self.by_initial.setdefault(name[0], {}).setdefault(len(name), []).append(name)
        by_length = self.by_initial.get(wanted[:1], {})
        slack = max(3, len(wanted) // 4)
        close_enough = _quick_ratio_reaches(wanted, 0.8)
        pool = [
            n
            for size in range(len(wanted) - slack, len(wanted) + slack + 1)
            for n in by_length.get(size, ())
            if close_enough(n)
        ]
        # The pool's order does not matter: the best two (score, title) pairs are kept.
        close = difflib.get_close_matches(wanted, pool, n=2, cutoff=0.8)
        if len(close) == 2 and difflib.SequenceMatcher(None, wanted, close[0]).ratio() == (
            difflib.SequenceMatcher(None, wanted, close[1]).ratio()
        ):
            return Found(
                candidates=(tuple(self._targets(close[0])), tuple(self._targets(close[1])))
            )
        return Found(units=tuple(self._targets(close[0]))) if close else Found()


def _quick_ratio_reaches(wanted: str, cutoff: float) -> Callable[[str], bool]:
    """Whether ``SequenceMatcher(None, name, wanted).quick_ratio() >= cutoff``, counted in C.

    The quick ratio counts the characters both hold, each as often as the rarer side holds
    it, over both lengths: the bound ``get_close_matches`` tests before its costly ``ratio``.
    Nearly every title of similar length fails it, and difflib's own count (a dict update per
    character of each title) cost more than the rest of a close-spelling search. A title's
    characters that ``wanted`` lacks match nothing: dropping them (one ``translate``) bounds
    the count from above and rules out most titles before it is taken.
    """
    chars = tuple(set(wanted))
    counts = tuple(map(wanted.count, chars))
    held: dict[int, None] = dict.fromkeys(map(ord, chars))  # deleted by translate

    def reaches(name: str) -> bool:
        length = len(wanted) + len(name)
        if not length:
            return cutoff <= 1.0
        if 2.0 * (len(name) - len(name.translate(held))) / length < cutoff:
            return False
        return 2.0 * sum(map(min, counts, map(name.count, chars))) / length >= cutoff

    return reaches


def _common(a: list[str], b: list[str]) -> int:
    """How many leading section titles two paths share."""
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


def _cut_aside(text: str) -> str:
    """The reference without a parenthesis that explains it (``A (for the seats)``)."""
    return text.split("(", 1)[0].strip() or text


def _without_names(raw: str, resolver: Resolver) -> str:
    """``raw`` for splitting: a parenthesis that belongs to a title stays, others go."""
    out: list[str] = []
    for part in re.split(r"(\([^()]*\))", raw):
        if part.startswith("(") and not _names_with(out, part, resolver):
            continue
        out.append(part)
    return "".join(out)


def _names_with(before: list[str], paren: str, resolver: Resolver) -> bool:
    words = norm("".join(before) + paren).split()
    for size in range(1, min(len(words), 8) + 1):
        if " ".join(words[-size:]) in resolver.by_title:
            return True
    return False


def _empty(found: Found) -> bool:
    return not (found.units or found.candidates or found.none or found.missing)


def _p_level(ident: str) -> bool:
    return len(ident) == 2 and ident[0] == "P" and ident[1] in "0123"


def _outline_key(number: str) -> tuple[int, ...] | None:
    """``4.3`` → ``(4, 3)``, to order outline numbers; ``None`` for anything else."""
    parts = number.rstrip(".").split(".")
    return tuple(int(p) for p in parts) if all(p.isdigit() for p in parts) else None


def _part_aliases(label: str) -> list[str]:
    """Other ways to write a numbered part's name.

    ``fiche action n 3`` (``Fiche-action n°3``) → ``fiche action 3``, ``fiche n 3``,
    ``fiche 3``, ``action n 3``, ``action 3``: a plan cites its fiches all these ways.
    """
    if " n " not in label and not label.startswith("fiche action"):
        return []
    forms = [label]
    if label.startswith("fiche action "):
        rest = label[len("fiche action ") :]
        forms = [label, f"fiche {rest}", f"action {rest}"]
    out = [*forms, *(f.replace(" n ", " ") for f in forms if " n " in f)]
    return [f for f in dict.fromkeys(out) if f != label]
