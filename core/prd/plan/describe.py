"""Descriptive references: a dependency that names its blocker by what it is, not its name.

Authors point at the work they wait for with a description more often than with an id:
"start once the relay is publishing", "needs the scoring job", "sobald die
Betriebsvereinbarung unterschrieben ist", "después de la pasarela de pago", "une fois l'outil
choisi". When the matcher (``match``) finds no id, number or title in such a phrase (or in one
of its parts: "the retry scheduler is in and signing key rotation is done"), the phrase's words
are compared with every task title:

- **Words** are compared by root, the same in the four languages: case and accents folded,
  stop words dropped and a light suffix stem (``match.content_words``). Two roots are one word
  when they are equal, when they share a long beginning (``comptable`` / ``comptabilité``:
  five letters or more, three quarters of the shorter), or, from six letters, when one starts
  or ends the other (a German compound: ``Stammdaten`` in ``Mitarbeiterstammdaten``).
- **Weight.** A word the phrase shares with a title weighs one over the number of tasks whose
  titles hold it: a word every title says ("API" in an API project) tells little. The
  referring task's own title counts too: a phrase that repeats its own title's words is no
  clear reference to another task.
- **One clear winner.** The task sharing the most weight is the blocker when it holds half of
  the phrase's words, or its first word while no other title holds any of the rest (the name
  comes first, then the state it must reach: "the firmware update lands"); when its weight is
  at least 1 (a word no other title holds, or rarer words together); and when it weighs more
  than twice any other task that holds the phrase's first word too (in "the namespaces exist"
  the verb names nothing). A runner-up that qualifies as well makes the reference ambiguous:
  an ``ambiguous_reference`` warning with the candidates, never an edge. The referring tasks,
  their parents and their steps are never candidates.
- **Not every "after" names work.** Not read: a weak "before" (``avant``, ``vor``, ``antes
  de``), which running text uses for behaviour ("a reminder before the appointment"); a phrase
  led by a quantifier ("after each booking", "nach jeder Buchung", "avant toute diffusion") or
  holding a duration ("after 14 days at 100 %"); an owner's possessive ("Design's
  screenshots"); the rest of a label that named a task already. After a weak phrase without a
  determiner in its first two words ("Buchung nach Zeitraum und Fahrzeugtyp") a title must hold
  two of its words.
- **The clause.** When the target names nothing because it stopped at a verb ("once Maya has
  locked pricing" reads "Maya"), the whole clause is compared, and a title must hold two of its
  words.

Each edge found here says why in ``because``: the phrase, then which title it matches by which
words (“once the relay is publishing”: “the relay” matches “Outbox relay” by relay).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field

from core.prd.plan.lexicon import (
    DETERMINER_LEAD,
    DURATION,
    GENERIC_NOUNS,
    POSSESSIVE,
    QUANTIFIER_LEAD,
)
from core.prd.plan.match import PART_SPLIT, Found, Resolver, content_words
from core.prd.plan.prose import DepRef
from core.prd.plan.units import Unit
from core.prd.plan.vocab import IDENT, WORDS, norm, norm_words, strip_number

_TAGS = re.compile(r"\[[^\[\]]{1,24}\]|(?<![\w-])P[0-3](?![\w-])")
_ASIDES = re.compile(r"\(([^()]*)\)")
_MIN_PREFIX = 5
_MIN_COMPOUND = 6


def roots(text: str) -> list[str]:
    """The text's content words as compared here: stemmed, accents folded, no generic nouns."""
    return [_participle(_fold(w)) for w in content_words(text) if _counts(w)]


_PARTICIPLE = re.compile(
    r"(ab|an|auf|aus|ein|fest|her|hin|mit|nach|um|vor|weg|zu|zuruck)ge([a-z]{3,}?)(?:et|t|en)"
)
"""A German past participle with a separable prefix (``ausgewählt``, ``umgestellt``)."""


def _participle(word: str) -> str:
    """``ausgewahlt`` → ``auswahl``, ``planung`` → ``planen``: as the verb's root.

    "wenn die Software ausgewählt ist" names "Vereinssoftware auswählen", "nach der Planung"
    names "Sommerfest planen" (a German noun in -ung is its verb's action). Other words are
    left as they are.
    """
    if len(word) >= 7 and word.endswith("ung"):
        return word[:-3] + "en"
    if len(word) < 8 or "ge" not in word[2:8]:
        return word
    m = _PARTICIPLE.fullmatch(word)
    return m.group(1) + m.group(2) if m else word


def _counts(word: str) -> bool:
    return word not in GENERIC_NOUNS and not word.isdigit() and len(word) > 1


def _fold(word: str) -> str:
    """``Vérification`` → ``verification``, ``Straße`` → ``strasse``: one spelling per word."""
    if word.isascii():
        return word
    plain = unicodedata.normalize("NFKD", word.replace("ß", "ss"))
    return "".join(c for c in plain if not unicodedata.combining(c))


def same_word(a: str, b: str) -> bool:
    """Whether two roots are one word (see the module doc)."""
    if a == b:
        return True
    short, long_ = (a, b) if len(a) <= len(b) else (b, a)
    if len(short) >= _MIN_COMPOUND and (long_.startswith(short) or long_.endswith(short)):
        return True
    if len(short) < _MIN_PREFIX:
        return False
    common = 0
    for x, y in zip(short, long_, strict=False):
        if x != y:
            break
        common += 1
    return common >= _MIN_PREFIX and common * 4 >= len(short) * 3


@dataclass(frozen=True, slots=True)
class Described:
    """A task a description names, with the words that name it."""

    unit: Unit
    part: str
    words: tuple[str, ...]

    def because(self, phrase: str) -> str:
        """The edge's explanation: the document's phrase, the part read and the words shared."""
        shared = ", ".join(self.words)
        said = f"“{phrase}”: " if phrase and phrase != self.part else ""
        return f"{said}“{self.part}” matches “{self.unit.title}” by {shared}"[:200]


@dataclass
class Describer:
    """The task titles of one plan, by root, for reading descriptions."""

    resolver: Resolver
    titles: list[tuple[Unit, frozenset[str]]] = field(default_factory=list)
    vocabulary: dict[str, list[int]] = field(default_factory=dict)
    """Root → the indexes (in ``titles``) of the tasks whose titles hold it."""
    by_head: dict[str, list[str]] = field(default_factory=dict)
    by_tail: dict[str, list[str]] = field(default_factory=dict)
    """Roots by their first five and last six letters: two roots that are one word share
    one of them (``same_word``), so a phrase's word is compared with those only."""
    related: dict[str, frozenset[int]] = field(default_factory=dict)
    """A phrase root → the tasks holding it or a root that is the same word (cached)."""
    steps: dict[int, list[Unit]] = field(default_factory=dict)
    """A section task (by identity) → its steps, at fine granularity."""

    indexed: bool = False

    def _index(self) -> None:
        """Index the titles of the tasks (the document unit has none), on first use."""
        if self.indexed:
            return
        self.indexed = True
        for unit in self.resolver.builder.units:
            if unit.parent is not None:
                self.steps.setdefault(id(unit.parent), []).append(unit)
            if unit.origin == "document":
                continue
            title = unit.title
            name = self.resolver.names.get(id(unit))
            known = self.resolver.words_of.get(norm(strip_number(title)) if name is None else name)
            if known is None:
                words = frozenset(roots(_TAGS.sub(" ", title)))
            else:  # the matcher's words of the title, and what it leaves out: "(SSO)"
                asides = " ".join(_ASIDES.findall(title)) if "(" in title else ""
                words = frozenset(
                    [*(_fold(w) for w in known if _counts(w)), *roots(_TAGS.sub(" ", asides))]
                )
            if not words:
                continue
            for word in words:
                if word not in self.vocabulary:
                    self.by_head.setdefault(word[:_MIN_PREFIX], []).append(word)
                    if len(word) >= _MIN_COMPOUND:
                        self.by_tail.setdefault(word[-_MIN_COMPOUND:], []).append(word)
                self.vocabulary.setdefault(word, []).append(len(self.titles))
            self.titles.append((unit, words))

    def extra(
        self, dep: DepRef, found: Found, subjects: list[Unit]
    ) -> tuple[list[Described], list[tuple[str, list[Unit]]]]:
        """What the description parts of ``dep`` name that ``found`` does not yet hold.

        Returns the described tasks and the ambiguous parts (with their candidates). The
        referring tasks ``subjects``, their parents and their steps are never named.
        """
        if found.candidates and not found.units and dep.strength != "label":
            return self._clause_decides(dep, found, subjects), []
        if found.none or found.candidates or (dep.reverse and dep.strength == "weak"):
            return [], []
        if found.units and dep.strength == "label":
            return [], []  # a label's other words comment on what it names
        target = dep.target.strip()
        if QUANTIFIER_LEAD.match(_without_article(target)) or DURATION.search(target):
            return [], []
        if IDENT.fullmatch(target):
            return [], []  # "C3" names by id or not at all: a title citing "(C3)" is not it
        # "Buchung nach Zeitraum": without a determiner a weak phrase needs two shared words.
        pairs = 1 if dep.strength != "weak" or _determined(target) or _led_by_article(dep) else 2
        parts = [p.strip() for p in PART_SPLIT.split(target) if p.strip()] or [target]
        if found.units and len(parts) == 1:
            return [], []  # the matcher read the one reference there is
        excluded = self._family(subjects)
        described: list[Described] = []
        ambiguous: list[tuple[str, list[Unit]]] = []
        for part in parts:
            if found.units and self._resolves(part, dep):
                continue  # the matcher read this part already
            if QUANTIFIER_LEAD.match(_without_article(part)):
                continue
            verdict = self.name(part, excluded, pairs)
            if isinstance(verdict, Described):
                if verdict.unit not in found.units:
                    described.append(verdict)
            elif verdict:
                ambiguous.append((part, verdict))
        if not described and not ambiguous and not found.units:
            # "once Maya has locked pricing": the target stops at "has", the work is in the
            # verb phrase. The whole clause names a task by two of its words or not at all.
            clause = _clause(dep)
            verdict = self.name(clause, excluded, 2) if clause else None
            if isinstance(verdict, Described):
                described.append(verdict)
            elif verdict:
                ambiguous.append((clause, verdict))
        return described, ambiguous

    def _clause_decides(self, dep: DepRef, found: Found, subjects: list[Unit]) -> list[Described]:
        """The one candidate of an ambiguous target that the whole clause names, if any.

        "Only after the store has approved 7.0": "the store" fits "Store featuring assets"
        and "Build 7.0 store submission" alike; the clause, by two of its words, names the
        second. Else nothing (the ambiguity is reported as it was).
        """
        clause = _clause(dep)
        if not clause:
            return []
        verdict = self.name(clause, self._family(subjects), 2)
        held = {u for c in found.candidates for u in c}
        return [verdict] if isinstance(verdict, Described) and verdict.unit in held else []

    def _family(self, subjects: list[Unit]) -> set[Unit]:
        """The referring tasks with their parents and their steps (fine granularity)."""
        self._index()
        family = {*subjects}
        for unit in subjects:
            parent = unit.parent
            while parent is not None:
                family.add(parent)
                parent = parent.parent
        for unit in list(family):
            family.update(self.steps.get(id(unit), ()))
        return family

    def _resolves(self, part: str, dep: DepRef) -> bool:
        got = self.resolver.resolve(DepRef(part, dep.line, strength=dep.strength), None)
        return bool(got.units or got.candidates or got.none)

    def name(
        self, text: str, excluded: Collection[Unit], least: int = 1
    ) -> Described | list[Unit] | None:
        """The one task ``text`` describes, the close candidates, or ``None``.

        ``least``: how many of its words the task's title must share.
        """
        phrase = list(dict.fromkeys(roots(POSSESSIVE.sub(" ", text))))
        if not phrase:
            return None
        self._index()
        holders = {word: self._holders(word) for word in phrase}
        score: dict[int, float] = {}
        shared: dict[int, list[str]] = {}
        for word, held in holders.items():
            if not held:
                continue
            weight = 1 / len(held)
            for index in held:
                score[index] = score.get(index, 0.0) + weight
                shared.setdefault(index, []).append(word)
        ranked = sorted(
            (i for i in score if self.titles[i][0] not in excluded),
            key=lambda i: (-score[i], phrase[0] not in shared[i], i),
        )
        if not ranked:
            return None

        def qualifies(i: int) -> bool:
            # Half the phrase's words; or its first, when no other title holds any of the
            # rest: the name comes first, then the state it must reach ("the firmware update
            # lands", "billing working end to end on a dev store").
            named = len(shared[i]) * 2 >= len(phrase) or (
                phrase[0] in shared[i]
                and not any(holders[w] - {i} for w in phrase if w not in shared[i])
            )
            return named and len(shared[i]) >= least and score[i] >= 1.0

        best = ranked[0]
        if not qualifies(best):
            return None
        # A rival has more than half the weight, and the phrase's first word when the best
        # has it: in "the namespaces exist" the verb names no task.
        first = phrase[0] in shared[best]
        rivals = [
            i
            for i in ranked[1:]
            if score[i] * 2 >= score[best] and (phrase[0] in shared[i] or not first)
        ]
        if rivals:
            close = [i for i in rivals if qualifies(i)]
            if not close:
                return None
            return [self.titles[i][0] for i in (best, *close)]
        return Described(self.titles[best][0], text, tuple(_words_of(text, shared[best])))

    def _holders(self, word: str) -> frozenset[int]:
        held = self.related.get(word)
        if held is None:
            found: set[int] = set(self.vocabulary.get(word, ()))
            if len(word) >= _MIN_PREFIX:
                near = self.by_head.get(word[:_MIN_PREFIX], [])
                if len(word) >= _MIN_COMPOUND:
                    near = [*near, *self.by_tail.get(word[-_MIN_COMPOUND:], [])]
                for root in near:
                    if same_word(word, root):
                        found.update(self.vocabulary[root])
            held = self.related[word] = frozenset(found)
        return held


def _clause(dep: DepRef) -> str:
    """The phrase's words from where its target starts (its state verbs kept), or ""."""
    first = dep.target.split(",", 1)[0].strip()
    at = dep.phrase.find(first) if first else -1
    clause = dep.phrase[at:].strip() if at >= 0 else ""
    return clause if clause != dep.target.strip() else ""


def _determined(text: str) -> bool:
    """Whether a determiner is among the text's first two words.

    "the relay", "une fois l'outil choisi", and a participle first: "liberado el pago".
    """
    if DETERMINER_LEAD.match(text):
        return True
    _, _, rest = text.partition(" ")
    return bool(rest) and DETERMINER_LEAD.match(rest) is not None


_BASED_ON = re.compile(
    r"(?:auf (?:der )?(?:basis|grundlage)|sur la base|on the basis|sobre la base|con base)\b",
    re.IGNORECASE,
)


def _led_by_article(dep: DepRef) -> bool:
    """Whether a "based on" phrase ends on a determiner just before its target.

    "auf Basis der Beitragseinnahmen", "sur la base du schéma": the trigger took the article,
    the target still names a thing. ("à partir du numéro d'adhérent" says what from, not
    what after: only the "based on" phrases count.)
    """
    if not _BASED_ON.match(dep.phrase):
        return False
    at = dep.phrase.rfind(dep.target.strip()) if dep.target.strip() else -1
    if at <= 0:
        return False
    words = dep.phrase[:at].split()
    return bool(words) and DETERMINER_LEAD.fullmatch(words[-1] + " ") is not None


def _without_article(text: str) -> str:
    return norm_words(WORDS.findall(text.casefold()))


def _words_of(text: str, wanted: Iterable[str]) -> list[str]:
    """The phrase's own words behind the shared roots, as written (for the explanation)."""
    want = set(wanted)
    out: list[str] = []
    for word in WORDS.findall(text):
        if any(r in want for r in roots(word)) and word not in out:
            out.append(word)
    return out or sorted(want)
