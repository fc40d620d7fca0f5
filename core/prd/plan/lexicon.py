"""The words the planner reads, in English, German, Spanish and French.

Everything language-specific lives here, so a reader can check what a rule recognises in one
place and a new language is one edit: what marks a section as informational (and the reason the
preview gives), a work plan, a bucket of work items, a milestone heading or list; label words
(``Depends on``, ``Abhängig von``, ``Depende de``, ``Dépend de``…); priority words; and the
phrases that state a dependency or an order inside a sentence.

Section titles are compared in their ``norm`` form (``core.prd.plan.vocab.norm``): case-folded
words (any script) joined by one space, so ``"TL;DR"`` is ``"tl dr"`` and ``"Won't do"`` is
``"won t do"``; the phrases below are written that way.
"""

from __future__ import annotations

import re

from core.domain.models import Priority


def word_set(spec: str) -> frozenset[str]:
    """The words (or phrases) of a ``"a|b|c"`` spec: how the word lists below are written."""
    return frozenset(spec.split("|"))


def starts_pattern(words: frozenset[str]) -> str:
    """A pattern that matches exactly where one of ``words`` starts, as a letter tree.

    ``a|b|c`` over many words tries every word at every position; branching on one letter
    at a time rejects a position after a letter or two. Only where a match starts is the
    same: a word ending where a longer one goes on (``need``/``needs``) ends the match there.
    """
    if "" in words:
        return ""
    rests: dict[str, set[str]] = {}
    for word in words:
        rests.setdefault(word[0], set()).add(word[1:])
    branches = [re.escape(c) + starts_pattern(frozenset(r)) for c, r in sorted(rests.items())]
    return branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"


def alternatives(source: str) -> list[str]:
    """The top-level alternatives of a pattern's source (``a|(b|c)d`` → ``a``, ``(b|c)d``).

    A source that is one group (``(?:a|b)``, as ``_phrases`` writes them) gives the
    alternatives inside it. Escapes and character classes are skipped whole.
    """
    pieces: list[str] = []
    depth = start = 0
    closed_at_end = True  # no group closes before the end, at depth 0
    i = 0
    while i < len(source):
        ch = source[i]
        if ch == "\\":
            i += 2
            continue
        if ch == "[":
            i = _class_end(source, i)
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0 and i != len(source) - 1:
                closed_at_end = False
        elif ch == "|" and depth == 0:
            pieces.append(source[start:i])
            start = i + 1
        i += 1
    pieces.append(source[start:])
    if len(pieces) == 1 and source.startswith("(?:") and source.endswith(")") and closed_at_end:
        return alternatives(source[3:-1])
    return pieces


def _class_end(source: str, start: int) -> int:
    """Where the character class opened at ``start`` closes (a leading ``]`` or ``^]`` is in it)."""
    i = start + 1
    if source.startswith("^", i):
        i += 1
    if source.startswith("]", i):
        i += 1
    while i < len(source) and source[i] != "]":
        i += 2 if source[i] == "\\" else 1
    return i


def first_letters(alternative: str) -> frozenset[str] | None:
    r"""The characters a match of ``alternative`` can start with, or ``None`` if unknown.

    Read from a plain letter or digit first (``summary``, ``c\w+``), or a group of such
    alternatives (``(open|pending) items``); a group or letter made optional
    (``(the )?plan``, ``s?ection``) adds what follows it. Anything else first (a class, an
    escape, a look-around, a count) is unknown, and so is a match that may be empty.
    """
    if not alternative:
        return None
    if alternative[0] == "(":
        close = _group_end(alternative, 0)
        inner = alternative[1:close]
        if inner.startswith("?:"):
            inner = inner[2:]
        elif inner.startswith("?"):
            return None
        found: set[str] = set()
        for branch in alternatives(inner):
            letters = first_letters(branch)
            if letters is None:
                return None
            found |= letters
        rest = close + 1
    elif alternative[0].isalnum():
        found, rest = {alternative[0]}, 1
    else:
        return None
    quantifier = alternative[rest : rest + 1]
    if quantifier == "{":
        return None
    if quantifier in ("?", "*"):
        following = first_letters(alternative[rest + 1 :].lstrip("?+"))
        return None if following is None else frozenset(found | following)
    return frozenset(found)


def _group_end(source: str, start: int) -> int:
    """Where the group opened at ``start`` closes."""
    depth = 0
    i = start
    while i < len(source):
        ch = source[i]
        if ch == "\\":
            i += 1
        elif ch == "[":
            i = _class_end(source, i)
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return len(source)


def _phrases(*parts: str) -> re.Pattern[str]:
    """A pattern that fully matches any of the phrase patterns (on a normalized title)."""
    return re.compile("(?:" + "|".join(parts) + ")")


# ---------------------------------------------------------------- sections that are not work

INFO_CATEGORIES: dict[str, tuple[str, re.Pattern[str]]] = {
    "summary": (
        "a summary, not work",
        _phrases(
            r"(executive |project |product )?summary|overview|tl dr|tldr|abstract|synopsis",
            r"press release|pr ?faq|working backwards|how to read (this|the) (document|doc|page)?",
            r"how to read this|reading guide|legend|about this (document|doc|page|board|list)",
            r"legende|leyenda|légende|comment lire ce (plan|document)|lesehilfe",
            r"cómo leer este (plan|documento)|worum es geht|de qué se trata|de quoi s agit il",
            r"cómo leer (este|esta) (roadmap|hoja de ruta|tablero)|how to read this (roadmap|plan)",
            r"comment lire (cette|ce) (feuille de route|roadmap)",
            r"wie (diese|dieser) (roadmap|plan) zu lesen (ist)?",
            r"(the )?bet|(the )?pitch|appetite|la apuesta|le pari|die wette",
            r"how (we|to) use this (list|board|document|doc|page|checklist)",
            # How to read or use the table or plan below (``Lecture du plan d'actions``,
            # ``How to use the tracker``, ``How to read the marks``).
            r"how to (read|use) (the|this|our) [^ ]+( [^ ]+)?|reading the [^ ]+( [^ ]+)?",
            r"lecture (du|de la|des|de l) [^ ]+( [^ ]+){0,2}",
            r"comment (lire|utiliser) [^ ]+( [^ ]+){0,3}",
            r"cómo (leer|usar) (el|la|los|las|este|esta) [^ ]+( [^ ]+)?",
            r"(so|wie) (liest|lesen|nutzt|nutzen) (man|sie|wir) [^ ]+( [^ ]+){0,3}",
            r"description|beschreibung|descripción|descriptif",
            r"intro(duction)?|at a glance|in (short|brief)|about( this document)?",
            r"überblick|übersicht|(management )?zusammenfassung|kurzfassung|kurzbeschreibung",
            r"einleitung|einführung|resumen( ejecutivo)?|visión general|introducción",
            r"en (breve|resumen)|résumé|aperçu|vue d ensemble|synthèse|en bref|présentation",
            r"[^ ]+ overview|how to read (this|the) [^ ]+( [^ ]+)?|cómo leer (el|la|los|las) [^ ]+",
            r"comment lire (le|la|les) [^ ]+|wie (die|der|das) [^ ]+ zu lesen (ist|sind)",
            # A reading guide to the plan's tables (``Lecture des tableaux``).
            r"reading (the|this|these) (tables?|plan|list)|lecture (des tableaux|du tableau"
            r"|du plan)|lectura de (las tablas|la tabla|este plan)|lesehilfe (zu den|zur) [^ ]+",
            r"visión general (del|de la) [^ ]+|vue d ensemble (du|de la|des) [^ ]+",
            r"how (this|the) (plan|board|list|document|doc|page|checklist) works",
            r"so (lesen|nutzen|verwenden) wir (das|den|die|diese[nrs]?) [^ ]+",
            r"so funktioniert (dieser|diese|dieses|der|die|das) [^ ]+",
            r"cómo funciona (este|esta|el|la) [^ ]+|comment fonctionne (ce|cette|le|la) [^ ]+",
            r"how (this|the) [^ ]+ is (organi[sz]ed|structured)",
            r"cómo se organiza (este|esta) [^ ]+|wie (dieser|diese|dieses) [^ ]+ aufgebaut ist",
            r"comment (ce|cette) [^ ]+ est organisée?",
            r"[^ ]+ summary|(board|system|hardware) (summary|overview)",
            # A preamble, and a legend of the marks the plan uses (``Kennzeichnung``).
            r"preamble|préambule|präambel|preámbulo|vorwort|avant propos|foreword",
            r"kennzeichnung(en)?|zeichenerklärung|markierungen|lecture (des|du|de la|de l) [^ ]+",
        ),
    ),
    "background": (
        "background or context, not work",
        _phrases(
            r"background|context|(the )?problem( statement| to solve)?|motivation",
            r"why( now| this| we re (building|doing) this)?|purpose|rationale",
            r"(why|warum|wieso|weshalb|por qué|por que|pourquoi) [^\n]{1,60}",
            r"current (state|situation|process)|where we are( today)?|status quo",
            # The building or site a works plan is about (``Objekt``, ``Objektbeschreibung``).
            r"objekt(beschreibung|daten)?|bauvorhaben|baubeschreibung|(the )?(site|property)",
            r"descripción del (inmueble|edificio|objeto)|description (de l ouvrage|du bâtiment)",
            r"ist analyse|istanalyse|ist aufnahme|what (v?\d+( \d+)* |this release |it )?means",
            r"root causes?( analysis)?|contributing factors|impact|customer impact|detection",
            r"what went (well|wrong|badly)( what (didn t|did not) go well| what went wrong)?",
            r"what went well (and )?what didn t|lessons learn(ed|t)|ursachen?( analyse)?",
            r"auswirkungen|(technical |technische )?(constraints|einschränkungen)",
            r"contraintes (techniques|technologiques)|restricciones técnicas",
            r"technische rahmenbedingungen|modalités de (réponse|remise)|réponse attendue",
            r"(hotfix|release|support|branching|on call|versioning) polic(y|ies)",
            r"causas? (raíz|raiz)|impacto|lecciones aprendidas|causes? (racines?|profondes?)",
            r"enseignements|retour d expérience|leçons apprises|lessons",
            r"où (on en est|en sommes nous|nous en sommes)|état des lieux|wo wir stehen",
            # "What the slice is", "Hipótesis de beneficio": what the work is and why
            r"what (the|this) [^ ]+ is|was (der|die|das) [^ ]+ ist|qué es (el|la) [^ ]+",
            r"ce qu est (le|la|l) [^ ]+|(benefit|nutzen|business) hypothes[ie]s",
            r"hipótesis de (beneficio|negocio)|nutzenhypothese|hypothèse de (bénéfice|valeur)",
            r"dónde estamos|estado actual",
            # The frame and the diagnosis a plan starts from; what last year taught.
            r"rahmen|diagnostic( en bref)?|diagnóstico( en breve)?|diagnosis|bestandsaufnahme",
            r"[^\n]{0,40}(del año pasado|de l année (dernière|passée)|from last year"
            r"|aus dem (letzten|vorigen|vergangenen) jahr|des letzten jahres)",
            # What the plan covers, as its subject (``What we're covering``).
            r"what (we re|we are|this plan is) covering|was wir abdecken|worüber wir berichten",
            r"lo que cubrimos|de qué informamos|ce que nous couvrons|ce que l on couvre",
            r"(what we (learned|learnt)|lo que aprendimos|ce que nous avons appris)( [^ ]+){0,6}",
            r"was wir( [^ ]+){0,4} gelernt haben",
            r"(ethical|ethics) considerations( and [^ ]+( [^ ]+){0,3})?",
            r"consideraciones éticas( y [^ ]+( [^ ]+){0,3})?",
            r"considérations éthiques( et [^ ]+( [^ ]+){0,3})?",
            r"ethische (aspekte|überlegungen)( und [^ ]+( [^ ]+){0,2})?",
            r"assumptions|constraints|prior art|hintergrund|kontext|ausgangs(lage|situation)",
            # Why the plan exists (``Anlass``, ``Motivo``, ``Motif``).
            r"anlass|motivo|motif|raison d être",
            r"problem(stellung|beschreibung)?|warum|zweck|ist zustand|annahmen",
            r"rahmenbedingungen|contexto|antecedentes|(el )?problema|motivación|por qué",
            r"propósito|situación actual|supuestos|restricciones|contexte|problème",
            r"problématique|pourquoi|objet|situation actuelle|existant|hypothèses|contraintes",
            r"enjeux|opportunity|hypothes[ie]s|(design |guiding )?principles|tenets",
            r"(user |market )?research( findings)?|insights|customer feedback|evidence",
            r"competitive (analysis|landscape)|competitors|competition|market( analysis)?",
            r"limitations|known limitations|caveats|regulatory (context|requirements)",
            r"(legal|regulatory) framework|compliance requirements|marco (legal|regulatorio)",
            r"normativa|regulación|rechtliche? (rahmen|anforderungen)|wettbewerb|marktanalyse",
            r"cadre (réglementaire|légal)|réglementation|concurrence|competencia|mercado",
            r"properties|eigenschaften|propiedades|propriétés|document (info|information)",
            r"geltungsbereich|zweck des dokuments|objet du document|alcance del documento",
            r"produkteinsatz|produktumgebung|produktübersicht|einsatzumgebung|anwendungsbereiche",
            r"(test )?environments?|entornos?( de prueba)?|testumgebung(en)?|umgebungen",
            r"environnements?( de test)?|scope and methodology|methodology|metodología",
            r"méthodologie",
            r"methodik|vorgehensweise der prüfung|decision drivers|entscheidungstreiber",
            r"factores de decisión|critères de décision|consequences|konsequenzen|consecuencias",
            r"conséquences|positive|negative|neutral|findings( summary)?|informational findings",
            r"hallazgos|constats|befunde|feststellungen",
            r"begründung|justificación|justification|objeto( del (documento|proyecto))?",
            r"affected (services|systems|components)|betroffene (services|systeme|dienste)",
            r"servicios afectados|sistemas afectados|services (impactés|concernés)",
            r"systèmes (impactés|concernés)",
            r"positioning( statement| in (one|a) (paragraph|sentence))?|positionierung",
            r"posicionamiento|positionnement",
            r"what( s| is)? already [^\n]{1,40}|was (schon|bereits) [^\n]{1,40}",
            r"lo que ya [^\n]{1,40}|ce qui (est )?déjà [^\n]{1,40}",
        ),
    ),
    "goals": (
        "goals, not work",
        _phrases(
            r"(business |product |project |key )?goals?( \d{4}| for \d{4})?|objectives?|aims",
            r"non goals?|(ziele|objetivos|objectifs) \d{4}|(?!stretch )[^ ]+ goals",
            r"(?!stretch )[^ ]+ objectives|objetivos (de|del) [^ ]+|objectifs (d|de) [^ ]+",
            r"objetivos (del|de la) [^ ]+|objectifs (du|de la|de l) [^ ]+",
            r"nongoals?|ziele?|zielsetzung|zielbestimmung(en)?|nicht ziele|nichtziele|objetivos?",
            r"no objetivos",
            r"metas|objectifs?|non objectifs|buts|okrs?|key results|projektziele",
            r"(sprint|iteration|release) goals?|sprintziel|objetivo del sprint|objectif du sprint",
            r"what (is|s) not changing|what (isn t|is not|won t|will not) change",
            r"was sich nicht ändert|was gleich bleibt|lo que no cambia|ce qui ne change pas",
            r"learning (objectives|goals|outcomes)|lernziele|objectifs pédagogiques",
            r"objetivos (de aprendizaje|pedagógicos|didácticos)",
            r"(pi|program|programme|team|quarterly|release|iteration) objectives?",
            r"(pi|programm|quartals|team) ziele|objetivos del (pi|programa|trimestre|equipo)",
            r"objectifs (du pi|du programme|du trimestre|de l équipe)",
            r"(strategic |investment |quarterly )?themes|thèmes|temas|themen|schwerpunkte",
            # What the plan wants, and what it does not (``Qué queremos y qué no``).
            r"what we want( and (what we )?(don t|do not))?|was wir wollen( und was nicht)?",
            r"(lo )?qué queremos( y qué no)?|lo que queremos( y lo que no)?",
            r"ce que nous voulons( et ce que nous ne voulons pas)?",
        ),
    ),
    "users": (
        "who the users are, not work",
        _phrases(
            r"(target )?users?|user (personas?|groups?|segments?)|personas?|audience",
            r"target (audience|groups?|customers|users)|who (it s|is it) for|stakeholders",
            r"customers|zielgruppen?|nutzer(gruppen)?|benutzer|anwender|stakeholder",
            r"team|people|members|contacts|owners|roles and responsibilities|raci( matrix| chart)?",
            r"(matriz|matrice|matrix) raci|verantwortlichkeiten|responsabilidades|responsabilités",
            r"beteiligte|ansprechpartner(innen)?|rollen|equipo|contactos|responsables",
            # A production's people (``Crew and contacts``, ``Cast and crew``, ``Besetzung``).
            r"crew|cast( and crew)?|crew and cast|besetzung|team und kontakte|reparto",
            r"equipo técnico|équipe technique",
            r"(the|l|el|das) (team|équipe|equipo)",
            r"équipe|acteurs|gouvernance|organisation( du projet)?|pilotage",
            r"usuarios?( objetivo)?|público objetivo|destinatarios|utilisateurs?( cibles?)?",
            r"cibles?|public cible|parties prenantes",
            r"(targets?|audiences?) and messag(es|ing)|zielgruppen? und botschaften",
            r"(público objetivo|audiencia) y mensajes|cibles? et messages",
            r"teams|organización( del proyecto)?|projektorganisation|project organi[sz]ation",
            r"organi[sz]ation|capacity( planning)?|kapazität(en)?|kapazitätsplanung",
            r"capacidad(es)?|capacité(s)?",
            r"(participating|involved) teams|teilnehmende teams|beteiligte teams",
            r"equipos (participantes|implicados)|équipes (participantes|impliquées)",
            r"publics?( concernés| visés)?|público (afectado|destinatario)|betroffene zielgruppen",
            r"(lab|labor|laboratorio|laboratoire)( and equipment| und ausstattung| y equipos"
            r"| et équipements?)?|(test )?equipment|ausstattung|equipamiento|équipements?",
        ),
    ),
    "metrics": (
        "how success is measured, not work",
        _phrases(
            r"(success |key |product |business )?metrics|kpis?|success measures",
            r"what (does )?success (looks? like|means)|(definition of|defining) success",
            r"woran (wir )?(den )?erfolg (messen|erkennen)|so sieht erfolg aus",
            r"(cómo|como) (se ve|es) el éxito|qué es el éxito",
            r"à quoi ressemble (le succès|la réussite)",
            r"measur(es|ing) (of )?success|how we( ll| will)? measure (success|it)",
            r"wie wir (den )?erfolg messen|cómo (lo )?mediremos( el éxito)?",
            r"comment (nous )?mesurer(ons)? (le succès|la réussite)",
            r"north star( metric)?|kennzahlen|metriken|erfolgs(messung|kennzahlen|kriterien)",
            r"métricas( de éxito)?|indicadores( de éxito)?|indicateurs( de (succès|réussite))?",
            r"métriques|mesures? de (succès|réussite)",
            r"(suivi|monitoring|seguimiento) (and|et|y|und) (evaluation|évaluation|evaluación"
            r"|evaluierung)|erfolgskontrolle",
            # The numbers watched while the plan runs (``Indicadores que miramos …``).
            r"(metrics|kpis|indicators) (we|to) (watch|track|monitor)( [^ ]+){0,5}",
            r"(indicadores|métricas) que (miramos|seguimos|vigilamos|monitoreamos)( [^ ]+){0,5}",
            r"(indicateurs|métriques) (que nous (suivons|surveillons)|à suivre)( [^ ]+){0,5}",
            r"(kennzahlen|metriken) die wir (beobachten|verfolgen)( [^ ]+){0,5}",
        ),
    ),
    "alternatives": (
        "alternatives considered, not work",
        _phrases(
            r"alternatives?( considered| rejected)?|(considered|rejected) alternatives",
            r"options considered|other options|drawbacks|trade ?offs|alternativen",
            r"(betrachtete|verworfene) alternativen|nachteile",
            r"alternativas( consideradas| descartadas)?|opciones (consideradas|descartadas)",
            r"desventajas|alternatives (envisagées|écartées|étudiées)|options écartées",
            r"inconvénients",
            r"considered options|options|optionen|opciones|decision outcome",
            # "Levers we looked at and are not pursuing"
            r"([^ ]+ ){1,5}(are |we re )?not pursu(ing|ed)|([^ ]+ ){1,4}nicht weiterverfolg(t|en)",
            r"([^ ]+ ){1,4}(descartad[oa]s|que no seguimos)|([^ ]+ ){1,4}(écartée?s|non retenue?s)",
        ),
    ),
    "risks": (
        "risks, not work",
        _phrases(
            r"((technical|key|main|open|known|project) )?risks?( and (mitigations?|issues))?",
            r"mitigations?|concerns|risiken|riesgos|risques|atténuations?|parades",
            # What worries the writer (``Was mir Sorgen macht``, ``What worries me``).
            r"(what|was) (worries|concerns|mir sorgen macht|mich beunruhigt) ?(me|us)?",
            r"sorgen|bedenken|preocupaciones|lo que me preocupa|inquiétudes|ce qui m inquiète",
            # The slack kept against them (``Risiken und Puffer``, ``Buffers``).
            r"puffer(zeiten)?|buffers?|contingenc(y|ies)|holguras?|márgenes|marges?( de sécurité)?",
            r"rabbit holes?|pitfalls|gotchas|stolpersteine|escollos|écueils",
            r"mitigaci(ón|ones)|gegenma(ß|ss)nahmen|risiques? (techniques|projet)",
            r"mesures d atténuation|medidas de mitigación",
            r"riesgos (técnicos|del proyecto)|(technische |projekt)?risiken",
            r"risks? (and|/) blockers|blockers|risques et (blocages|points de blocage)",
            r"riesgos y (bloqueos|contingencias)|risiken und (blocker|hindernisse)",
            r"accepted risks?|risk acceptance|riesgos aceptados|risques acceptés",
            r"akzeptierte risiken|accepted without (remediation|a fix|mitigation)",
            r"akzeptiert ohne (behebung|maßnahme|massnahme)",
            r"(known )?errata|known (issues|bugs|problems|defects)",
            r"bekannte (fehler|probleme|mängel)",
            r"errores conocidos|problemas conocidos|erratas?( conocidas)?|problèmes connus",
            r"anomalies connues|roam( liste| list| board| tabelle| table)?|roam risiken",
            r"aceptad[oa]s sin (corrección|remediación)",
            r"risks? (to|for) the (schedule|timeline|plan)|riesgos (para|del) (el )?calendario",
            r"risiken für den zeitplan|risques (pour le|sur le) (calendrier|planning)",
            r"points? d attention|points? de vigilance|watch ?points|caveats|puntos de atención",
            r"worauf (wir )?achten|zu beachten",
            r"acceptée?s? sans (correction|remédiation)",
        ),
    ),
    "questions": (
        "open questions, not work",
        _phrases(
            r"(open |unresolved )?questions|open (issues|points|items)|faq|q a|tbd|unknowns",
            r"(pending|open) decisions|decisions (needed|pending|to make)|decisiones pendientes",
            r"offene entscheidungen|décisions (en attente|à prendre)",
            r"open q ?s|open qs|questions ouvertes",
            r"((customer|internal|external) )?faqs?|frequently asked questions",
            r"preguntas frecuentes|foire aux questions|häufige fragen|häufig gestellte fragen",
            r"offene (fragen|punkte)|fragen|preguntas( abiertas| en suspenso| pendientes)?",
            r"noch offen|still open|aún pendiente|todavía abierto|encore ouvert|en suspens",
            r"cuestiones (abiertas|pendientes)|puntos (abiertos|pendientes)",
            r"questions (ouvertes|en suspens)",
            r"dudas( (abiertas|pendientes))?|(dudas|preguntas) para (el |la |los |las )?[^ ]+",
            r"(open )?questions for (the )?[^ ]+|fragen an (den |die |das )?[^ ]+",
            r"questions pour (le |la |les |l )?[^ ]+",
            r"points (ouverts|en suspens)",
            r"(pendiente|pendientes|por|to be|noch zu|reste à|à) (de )?(decidir|decided|entscheiden"
            r"|décider)",
            r"(pendientes|puntos|temas|cosas) por decidir|(points|questions) à trancher",
        ),
    ),
    "notes": (
        "notes, decisions or links, not work",
        _phrases(
            r"notes?|meeting notes|comments|discussion|((weekly|project|latest|status) )?updates",
            r"retro( notes)?|retrospective|retrospektive|rétrospective|retrospectiva",
            r"retro notizen|notas de (la )?retro|notes de rétro",
            r"definition of ready|dor|ready criteria|definición de listo|définition de prêt",
            r"communication plan|kommunikation(splan)?|plan de comunicación|plan de communication",
            r"changelog|status|acknowledg(e)?ments|further reading|sources|decision record",
            # Safety rules for the people on site: how to behave, not work to plan.
            r"(safety|health and safety|site safety|security) (notes|rules|briefing)",
            r"sicherheitshinweise|sicherheitsregeln|notas de seguridad|normas de seguridad",
            r"consignes de sécurité|règles de sécurité",
            # Preliminary remarks before the plan (``Vorbemerkung``, ``Remarques préliminaires``).
            r"vorbemerkung(en)?|preliminary (remarks|notes)|observaciones preliminares",
            r"notas? preliminar(es)?|remarques? préliminaires?|préambule|preamble",
            r"change log|(revision |document |implementation |version )?history",
            r"decisions?( log| so far| made)?|decided|links|references|resources|see also",
            r"related( documents| links| work)?|attachments|notizen|anmerkungen|hinweise",
            r"kommentare|(änderungs|versions)?historie|entscheidungen|referenzen|quellen",
            r"notas|comentarios|actualizaciones|historial( de cambios)?|decisiones|decidido",
            r"enlaces|referencias|remarques|commentaires|historique|décisions|décidé|liens",
            r"références|ressources",
            r"(décisions|decisiones) (prises|tomadas)|decisions (taken|made)",
            r"getroffene entscheidungen",
            r"next meeting|(attendees|participants)|nächste(s)? (besprechung|treffen|termin)",
            r"next [^ ]+ meeting|nächste(s)? [^ ]*(sitzung|besprechung|treffen)",
            r"próxima reunión( de(l)? [^ ]+)?|prochaine réunion( du| de la)? [^ ]+",
            r"rückblick \d{4}|(review|bilan|balance) (of )?\d{4}",
            r"teilnehmer(innen)?|próxima reunión|asistentes|prochaine réunion|participants",
            r"meeting agenda|agenda items|tagesordnung|orden del día|ordre du jour",
            r"questions diverses",
            r"verschiedenes|varios|ruegos y preguntas|any other business|aob",
            r"varia|sonstiges|miscellaneous|misc|divers",
            # A meeting's agenda items (Swiss "Traktanden"), whatever meeting they name.
            r"(traktanden|traktandenliste|tagesordnung|meeting agenda|agenda items) [^\n]{1,40}",
            r"traktanden|traktandenliste|(orden del día|ordre du jour) [^\n]{1,40}",
            r"message board|hill chart|cool ?down|review log|dokument(en)?historie",
            r"(q[1-4]|h[12]|\d{4}|last (quarter|year|sprint|cycle|half)|(the )?(quarter|year|half))"
            r" in review|looking back|rückblick( auf .+)?|retour sur (le|la|l) .+|mirando atrás",
            r"historique du document|historial del documento|document history",
            r"definition of done|dod|definición de (hecho|terminado)|définition de (fini|terminé)",
            r"definition of done \(dod\)|gestión de defectos|defect management|fehlermanagement",
            r"gestion des (défauts|anomalies)",
        ),
    ),
    "appendix": (
        "reference material (glossary, appendix), not work",
        _phrases(
            r"append(ix|ices)( [^ ]+)?|glossary|terminology|definitions|table of contents",
            r"contents|toc|anhang|glossar|begriffe|begriffsdefinitionen|inhaltsverzeichnis",
            r"anexos?|apéndices?|glosario|índice|annexes?|glossaire|sommaire",
            r"table des matières|lexique",
            # A list of abbreviations (Abkürzungen, Abreviaturas, Siglas, Abréviations, Sigles).
            r"abbreviations|acronyms|abkürzungen|abkürzungsverzeichnis|abreviaturas|siglas",
            r"abréviations|sigles|acronymes",
            r"anlagen|attachments|adjuntos|pièces jointes",
            r"(working|business) days? calendar|calendario de días hábiles",
            r"arbeitstagekalender|calendrier des jours ouvrés",
        ),
    ),
    "rollback": (
        "a rollback plan, not planned work",
        _phrases(
            r"roll ?back( plan| runbook| strategy| procedure)?|fallback( plan)?",
            r"back ?out plan|contingency( plan)?|disaster recovery|rückfall(plan|ebene)?",
            r"notfallplan|plan de (vuelta atrás|reversión|contingencia)|vuelta atrás",
            r"marcha atrás|plan de (retour arrière|repli|secours)|retour (en )?arrière",
            r"if (something|anything|it|things) goes? wrong|when things go wrong",
            r"wenn (etwas|es) schief ?geht",
            r"si algo (sale|va) mal|en cas de (problème|pépin|souci)|incident response",
        ),
    ),
    "budget": (
        "budget or cost, not work",
        _phrases(
            r"aufwandsübersicht|aufwandsschätzung|effort summary|resumen de esfuerzo",
            r"synthèse des charges",
            r"financement|financing|funding|finanzierung|financiación|financiamiento",
            r"budget|costs?|cost estimates?|pricing|resourcing|staffing",
            r"capacity|kapazität(en)?|capacidad|capacité|velocity|velocität|velocidad|vélocité",
            r"kosten|aufwand(sschätzung)?|presupuesto|costes|costos|coûts?|chiffrage",
            # The means a plan is given (``Moyens``, ``Ressourcen``, ``Medios``).
            r"moyens( humains| financiers| humains et financiers)?|ressources|resources",
            r"ressourcen|medios|recursos",
            # A construction plan's cost frame, given for information (``Kostenrahmen``).
            r"kosten(rahmen|plan|schätzung|berechnung|aufstellung)( nachrichtlich)?",
            r"(budget|costs?|presupuesto|coûts?)( for information| a título informativo"
            r"| pour information| à titre indicatif)",
            r"(budget|presupuesto|costs?|cost breakdown|kosten|coûts?|costes)"
            r" (orientativo|indicativo|estimado|aproximado|previsto|estimate|estimated|indicative"
            r"|resumido|summary|resumen|récapitulatif|zusammenfassung"
            r"|rough|overview|breakdown|estimé|indicatif|prévisionnel|übersicht|schätzung)",
            r"where the money goes( today| now)?|wohin das geld (fließt|geht)( heute)?",
            r"en qué se (va|gasta) el dinero( hoy)?|où va l argent( aujourd hui)?",
        ),
    ),
    "nfr": (
        "non-functional requirements that constrain all the work",
        _phrases(
            r"non functional requirements|nfrs?|quality (attributes|requirements)",
            r"nicht ?funktionale anforderungen|requisitos no funcionales|mengengerüst",
            r"non requirements|nichtanforderungen",
            r"exigences non fonctionnelles|produktdaten|produktleistungen|qualitätsanforderungen",
            r"qualitätszielbestimmungen|leistungsanforderungen",
        ),
    ),
    "later": (
        "future or won't-do items, not planned now",
        _phrases(
            r"ausschlüsse|exclusions|exclusiones|nicht im umfang|fuera de(l)? alcance",
            r"hors (du )?périmètre|not this (quarter|sprint|release|cycle)",
            r"out of scope|not in scope|non scope|(won t|wont|will not) (do|have|build)( .*)?",
            r"not doing|(future|later)( work| enhancements?| ideas| improvements)?",
            # Not this time (``Not doing this year``, ``Dieses Jahr nicht``).
            r"not doing (this|in) (year|quarter|cycle|release|round|season|edition)",
            r"(dieses|in diesem) (jahr|quartal) nicht|nicht (dieses|in diesem) (jahr|quartal)",
            r"(lo que )?no (haremos|hacemos) este (año|trimestre)",
            # What is left out, said plainly (``Lo que NO entra este año``, ``What's not in``).
            r"(what s|what is) not (in|included)( [^ ]+){0,3}",
            r"lo que no (entra|incluye)( [^ ]+){0,3}|ce qui n (entre|est) pas( [^ ]+){0,3}",
            r"was nicht (dazu ?gehört|enthalten ist)( [^ ]+){0,3}",
            r"(ce que nous ne ferons pas|pas) cette (année|fois)|pas ce trimestre",
            r"no ?gos?|nogos|out of bounds|tabu|tabús|hors limites",
            r"future (considerations|iterations|phases|versions)|v ?next|nice to have later",
            r"later|ideas for later|parking lot|icebox|deferred",
            r"some ?day(( and)? maybe)?|maybe later|vielleicht (später|irgendwann)|algún día",
            r"(ausblick|vorschau)( (auf )?(den |das )?(nächsten? )?(sprint|release|version)"
            r"( \d+)?)?",
            r"not (in )?(this|the first|v\d+|release|version|now)( [^ ]+)?",
            r"nicht (in|im) (release|version|umfang|scope)( [^ ]+)?|später|zukünftig",
            r"ausblick|fuera (de|del) alcance|ideas para más adelante|más adelante|futuro",
            r"no (haremos|incluido)|hors (périmètre|scope|champ|trimestre|lot|version)",
            r"plus tard|pour plus tard|not this (quarter|release|time)",
            r"(ideen|ideas|idées) (für später|para después|pour plus tard)|backlog (futur|futuro)",
            # A section that says it holds no tasks (``Idées en vrac (pas des tâches)``).
            r"([^ ]+ ){0,4}(not|no|pas des?|keine|no son|ce ne sont pas des) (tasks|to ?dos"
            r"|work items|tâches|aufgaben|tareas)( [^ ]+)?",
            r"abgrenzungskriterien|abgrenzungen",
            # "Ce que ce plan ne couvre pas", "Cut list": what the plan leaves out
            r"what (this|the) (plan|document|doc|page) (does not|doesn t) cover",
            r"was (dieser|der) plan nicht abdeckt|lo que (este|el) plan no cubre",
            r"ce que (ce|le) plan ne couvre pas|cut list|streichliste|lista de recortes",
            r"liste des coupes",
            r"(évolutions|pistes) futures|perspectives",
            r"(deferred|postponed|zurückgestellt|aplazad[oa]s?|reporté(e)?s?)( (items|punkte"
            r"|puntos|points|by|to|until|vom|von|bis|hasta|por|à|au|par)( [^ ]+){0,4})?",
            r"(by the|vom|von der|por el|por la|par le|par la) [^ ]+ (deferred|postponed"
            r"|zurückgestellt|aplazad[oa]s?|reporté(e)?s?)( [^ ]+){0,4}",
        ),
    ),
    "done": (
        "work already done",
        _phrases(
            r"(already )?(done|shipped|completed|finished|released)( already| so far)?",
            r"(bereits )?(erledigt|abgeschlossen)|(ya )?hecho|déjà (fait|livré|réalisé)",
            # Done and dropped together ("Erledigt / gestrichen", "Done and cut").
            r"(done|erledigt|hecho|fait) (and|und|y|et) (dropped|cut|cancelled|gestrichen"
            r"|verworfen|descartado|cancelado|abandonné|annulé)",
            r"completado|terminado|terminé|fait|réalisé|livré",
            # "Erledigte Pendenzen", "Completed items", "Tareas cerradas", "Points réglés"
            r"(erledigte|abgeschlossene) [^ ]+",
            r"(done|completed|closed|finished) (items|tasks|actions)",
            r"(tareas|puntos|acciones|pendientes)"
            r" (completad[oa]s|cerrad[oa]s|hech[oa]s|terminad[oa]s)",
            r"(tâches|actions|points) (terminée?s|réalisée?s|clos|closes|réglée?s)",
            # A review of the previous plan (``Bilan du plan 2026``, ``Review of the 2026 plan``).
            r"bilan (du|de la|de l|des) [^ ]+( [^ ]+){0,3}|rückblick( auf [^ ]+( [^ ]+){0,3})?",
            r"review of (the |last year s )?[^ ]+( [^ ]+){0,2} plan|last year s (plan|actions)",
            r"balance del (plan|año|ejercicio)( [^ ]+){0,2}",
        ),
    ),
    "signoff": (
        "a sign-off checklist, not work",
        _phrases(
            r"(release )?sign ?off( checklist)?|approvals?|approvers|reviewers|freigaben?",
            r"aprobaciones",
            # The signature lines closing an agreement (``Unterschriften``, ``Firmas``).
            r"unterschriften?|firmas|signatures des parties|signature lines",
        ),
    ),
}
"""Category → (the reason the preview gives, the titles that mark it)."""

CONDITIONAL_CATEGORIES: dict[str, tuple[str, re.Pattern[str]]] = {
    "stretch": (
        "stretch goals, not committed",
        _phrases(
            r"stretch( goals?| items?| work)?|(if|when) (there s|we have) time|bonus",
            r"zusatzziele|optionale ziele|objetivos (adicionales|opcionales)|si (hay|sobra) tiempo",
            r"objectifs (bonus|optionnels)|si (on a|nous avons) le temps",
        ),
    ),
    "scope": (
        "scope, not work",
        _phrases(
            r"(in )?scope|umfang|abgrenzung|alcance|périmètre|portée",
            r"scope of (this|the) [^ ]+|umfang (dieser|dieses|des|der) [^ ]+",
            r"alcance (de|del) (esta|este|la|el) [^ ]+|périmètre (de|du) (cette|ce|la|le) [^ ]+",
            # What is in and out (``Ce qui est dans le périmètre, et ce qui ne l'est pas``).
            r"what (is|s) in scope( and what (is|s) not| and what isn t)?",
            r"ce qui est (dans le|hors du) périmètre( et ce qui ne l est pas)?",
            r"lo que (entra|está) en (el )?alcance( y lo que no)?",
            r"was im umfang ist( und was nicht)?",
        ),
    ),
    "stories": (
        "user stories written as context",
        _phrases(
            r"(user )?stories|use cases?|scenarios|user journeys?|jobs to be done|jtbd",
            r"anwendungsfälle|szenarien|historias( de usuario)?|casos de uso|escenarios",
            r"histoires utilisateurs?|récits utilisateurs?|cas d (usage|utilisation)|scénarios",
            r"parcours( utilisateurs?| client)?|recorridos? del usuario|customer journeys?",
            r"nutzerreisen?|user flows?|jobs",
        ),
    ),
    "design": (
        "design narrative, not work: the work plan implements it",
        _phrases(
            r"((detailed|proposed|technical|system|high level|overall) )?(design|architecture)"
            r"( overview| details| notes| decisions)?",
            r"proposal|proposed (solution|approach|change)|solution( design| overview)?",
            r"(technical )?approach|how it works|implementation details|data model",
            r"api( design)?|interfaces|components|capability tree",
            r"(functional|structural) decomposition|repository structure|module definitions",
            r"test(ing)? (strategy|plan|pyramid)|testing|critical test scenarios",
            r"capacity( planning)?|monitoring|observability|compliance|privacy",
            r"security( and (compliance|privacy))?|cross cutting concerns|ux( notes)?",
            r"ui( notes)?|rollout( plan| strategy)?|operational readiness|(lösungs)?entwurf",
            r"soll konzept|sollkonzept|soll zustand|zielbild|lösungskonzept|fachkonzept",
            r"mockups?|wireframes?|designs|figma|user flows?|flows|screens|prototype",
            r"architektur|technischer ansatz|technisches konzept|lösung|konzept|datenmodell",
            r"schnittstellen|test(strategie|konzept)|sicherheit|datenschutz",
            r"diseño( propuesto| técnico| detallado)?|arquitectura|enfoque técnico",
            r"solución( propuesta)?|propuesta|modelo de datos|aspectos transversales",
            r"estrategia de pruebas|seguridad|privacidad|conception( détaillée| technique)?",
            r"approche technique|solution (proposée|technique)|proposition|modèle de données",
            r"stratégie de test|aspects transverses|sécurité|confidentialité",
            r"(core|key|main|product) features|feature overview|user experience|ux design",
            r"schema|storage( layout)?|data flow|sequence diagrams?|diagrams?|infrastructure",
            r"performance( considerations)?|scalability|reliability|availability|edge cases",
            r"(tech(nical)?|technology) stack|stack( technique| tecnológico)?|technologies",
            r"composants|componentes|komponenten|données|datos|modèles? de données|daten",
            r"cas limites|casos límite|randfälle|sonderfälle|technologie|tecnología",
            r"cumplimiento( normativo)?|protección de datos|conformité|rgpd|gdpr|dsgvo",
            r"architecture technique|arquitectura técnica|technische architektur",
            r"[^ ]+( [^ ]+)? considerations|considérations( [^ ]+)+|consideraciones( [^ ]+)+",
            r"[^ ]+ überlegungen|[^ ]+aspekte",
            r"user interface|kernfunktionen|hauptfunktionen|benutzererfahrung",
            r"funcionalidades (principales|clave)|experiencia de usuario",
            r"fonctionnalités (principales|clés)|expérience utilisateur",
        ),
    ),
}
"""Titles that are not work only in some documents: *scope* unless it lists steps, *stories*
unless they carry ids, priorities or dependencies, *design* when the document has a work plan
that implements it."""

ACCEPTANCE_TITLES = _phrases(
    r"acceptance criteria|acceptance|done when|definition of done|dod|success criteria",
    r"(release|launch|exit) criteria|abnahme|critères de (sortie|lancement)",
    r"akzeptanzkriterien|abnahmekriterien|criterios( de aceptación)?",
    r"critères( d acceptation| de réussite)?",
)
MILESTONE_LIST_TITLES = _phrases(
    r"([^ ]+ )?milestones?( and [^ ]+)?|roadmap|(timeline|schedule)( and [^ ]+( [^ ]+)?)?",
    r"([^ ]+ )?phases|release plan",
    r"gantt( chart)?",
    r"calendar|key dates|dates|deadlines|meilensteine|zeitplan|terminplan|phasen|zeitleiste",
    r"(wichtige )?termine|fechas( clave| importantes)?|dates clés|échéances",
    r"hitos|cronograma",
    # A calendar of one thing (``Calendario de justificación``, ``Schedule of payments``).
    # Not a schedule of the work itself (``Cronograma de tareas``: the task table).
    r"(calendar|schedule|timeline) of (?!tasks|work)[^ ]+|calendario de (?!tareas|trabajos)[^ ]+",
    r"(calendrier|échéancier) (de|des|d) (?!tâches|travaux)[^ ]+",
    # When the plan is carried out (``Calendrier de mise en œuvre``, ``Implementation schedule``).
    r"calendrier de (mise en œuvre|réalisation)|(implementation|delivery) (schedule|timeline)",
    r"calendario de (implantación|ejecución|implementación)",
    r"umsetzungszeitplan|zeitplan der umsetzung",
    r"[a-zäöüß]+(zeitplan|kalender)",
    r"calendario|fases|planificación|jalons|calendrier|planning|rétroplanning|échéancier",
    r"étapes clés|phasage|phasing|phase plan|meilensteinplan|plan de jalons|plan de fases",
    r"meilensteinplanung|milestone planning|planificación de hitos|planification des jalons",
    r"sprints|sprint plan|sprintplan|iterations|iteraciones|itérations|releases",
    r"([^ ]+ )?checkpoints|([^ ]+ )?gates|([^ ]+ )?beats|kontrollpunkte|prüfpunkte|quality gates",
    r"puntos de control",
    # Key meetings a plan is reviewed at (``Rendez-vous clés``, ``Key meetings``).
    r"key (meetings|reviews|appointments)|rendez vous clés|réunions clés|reuniones clave",
    r"citas clave|schlüsseltermine",
    r"points de contrôle|points d étape",
    # The deliveries promised to a partner, each grouping the tasks due that day.
    r"deliveries|delivery dates|lieferungen|liefertermine|entregas|fechas de entrega",
    r"livraisons|dates de livraison",
    # When a stack of changes lands (``Landing plan``, ``Merge plan``, ``Merge-Plan``).
    r"landing plan|merge plan|merge order|merge reihenfolge|plan de fusión",
    r"orden de fusión|plan de fusion|ordre de fusion",
)
MILESTONE_ENTRY_TITLES = _phrases(
    # Waves and tranches a plan ships or books in (``Release waves``, ``Savings tranches``).
    r"([^ ]+ )?(waves|tranches)|(rollout |release |einführungs)?wellen|tranchen",
    r"oleadas( de [^ ]+)?|tramos( de [^ ]+)?|vagues( de [^ ]+)?|tranches( de [^ ]+)?",
    # Go/no-go reviews between stages: each is a milestone.
    r"(go (and )?no go|gate|phase|stage|milestone) reviews|(phasen|meilenstein|gate)reviews",
    r"revisiones (de (fase|hito|paso)|go (and )?no go)",
    r"revues (de passage|de jalon|de phase|go (and )?no go)",
    # A German compound of dates or milestones (``Gremientermine``, ``Projektmeilensteine``).
    r"[a-zäöüß]+(termine|meilensteine)",
)
"""Titles of a section that lists milestones in its own text (bold lines, a list, a table):
waves, tranches, go/no-go reviews. Over sub-headings (``### Vague 0 — …``) such a title is a
work plan whose sub-sections are milestones, and its own text holds their rules."""
ALL_BUT = re.compile(
    r"(?:all|every|alle|sämtliche|todas|todos|toutes|tous)\s+(?:(?:the|die|las|los|les)\s+)?"
    r"(?:(?:other|others|anderen|übrigen|demás|otras|otros|autres)\s+)?"
    r"(?:items?|tasks?|points?|steps?|punkte|schritte|aufgaben|maßnahmen|massnahmen|tareas"
    r"|puntos|pasos|tâches|actions|étapes)\s+"
    r"(?:except|except for|but|other than|außer|ausser|ausgenommen|excepto|salvo|menos"
    r"|sauf|hormis|excepté)\s+"
    r"(?P<numbers>\d{1,3}(?:\s*(?:,|and|und|y|et|&)\s*\d{1,3})*)",
    re.IGNORECASE,
)
"""Every other task of the list but the numbers named (``alle Punkte außer 8``, ``all items
except 3 and 5``, ``todas las tareas excepto 4``, ``toutes les actions sauf 2``)."""
NOTED_TASK_TITLE = re.compile(
    r"\(\s*(?:nrn?\.?|nos?\.|n\s?[°º]|núms?\.?|zu|re|sobre|à propos de)\s*"
    r"(?P<ref>\d{1,3})\s*\)\s*$",
    re.IGNORECASE,
)
"""A title naming in parentheses the numbered task it remarks on (``Ablauf am Umzugstag (Nr.
11)``, ``Moving-day timeline (no. 11)``, ``Desarrollo (núm. 11)``, ``Déroulé (n° 11)``)."""
NOTE_LEAD = re.compile(
    r"\s*(?:(?:zu|zum|zur|re|to|on|about|note on|note to|ad|sobre|acerca de|à propos de"
    r"|au sujet de|pour|concernant|quant à)\s+)?"
    r"(?:(?:punkt|schritt|nr\.?|step|item|row|pr|paso|punto|fila|étape|point|ligne|action)\s*)?"
    r"(?P<ref>#?\d{1,5}(?:\.\d{1,3})*|[A-Z][A-Z0-9]{0,7}-\d{1,5})"
    r"(?:\s*[—–-]\s*[^.:\n]{1,40}|\s+[^\W\d_][^.:\n]{0,39})?\s*[:.](?=\s)",
    re.IGNORECASE,
)
"""A note's bold lead naming the task it remarks on (``**Zu 14:**``, ``**Re step 3:**``,
``**#2206 — dual-run diff.**``, ``**#238 Workflows.**`` (a short name after the id, no dash),
``**Sobre 4:**``, ``**À propos de 2 :**``)."""
DEPENDENCY_TITLES = _phrases(
    r"(logical )?dependency (chain|graph|order|map)|(external )?dependencies|sequencing",
    r"(cross team|inter team|team|program|programme) dependencies|(program|programme|pi) board",
    r"(teamübergreifende|externe) abhängigkeiten|dependencias (entre equipos|externas)",
    r"dépendances (entre équipes|externes)|tablero del programa|tableau du programme",
    r"(notas|notes|anmerkungen|hinweise|remarques|comentarios) (por|sobre|de la|del|on|per|about"
    r"|to|zu|zum|zur|sur|pour|par) [^ ]+( [^ ]+){0,3}",
    r"erläuterungen( zu [^ ]+( [^ ]+){0,3})?|notes on (the )?(requirements|rows|items|stories)",
    r"précisions sur (les )?(exigences|fonctionnalités)|aclaraciones( sobre [^ ]+( [^ ]+){0,3})?",
    r"chaîne (logique )?de dépendances( logique)?|cadena (lógica )?de dependencias( lógica)?",
    r"(logische )?abhängigkeitskette|graphe de dépendances|grafo de dependencias",
    r"order of (work|delivery|implementation)|build order|critical path|abhängigkeiten",
    r"reihenfolge|dependencias|cadena de dependencias|orden de (trabajo|implementación)",
    r"dépendances|enchaînements?|ordonnancement",
    r"(sequencing|scheduling|ordering|dependency) notes",
    # Dependencies at a glance, the order of the works (``Abhängigkeiten im Überblick``).
    r"(dependencies|abhängigkeiten|dependencias|dépendances) (at a glance|in brief|im überblick"
    r"|auf einen blick|en resumen|de un vistazo|en bref|d un coup d œil|en un coup d œil)",
    r"order of (the )?(works?|tasks|steps)|orden de (los|las) (trabajos|tareas|actuaciones|pasos)",
    r"reihenfolge der (arbeiten|schritte|aufgaben|maßnahmen)|ordre des (travaux|tâches|actions"
    r"|étapes)",
    r"notas de (secuenciación|orden|dependencias)",
    r"(hinweise|anmerkungen) zur reihenfolge|notes (de séquencement|d['’ ]ordonnancement)",
    # What one task hands over to another ("Interdependencies between tasks").
    r"interdependenc(y|ies)( between (the )?(tasks|work packages|activities))?",
    r"hand ?overs between (the )?(tasks|work packages|teams)",
    r"(abhängigkeiten|übergaben) zwischen (den )?(aufgaben|arbeitspaketen|maßnahmen|teams)",
    r"interdependencias( entre (las )?(tareas|actividades|paquetes de trabajo))?",
    r"entregas entre (las )?(tareas|actividades|equipos)",
    r"interdépendances( entre (les )?(tâches|actions|lots))?",
    r"passations entre (les )?(tâches|actions|lots|équipes)",
    # What runs after what, as a section of its own ("Secuencia de las tareas").
    r"(task|work|step) sequence|sequence of (the )?(tasks|work|steps|activities|actions)",
    r"(abfolge|reihenfolge) der (aufgaben|arbeiten|schritte|maßnahmen|massnahmen)|abfolge",
    r"secuencia( de (las )?(tareas|actividades|acciones|pasos))?",
    r"(séquence|ordre|enchaînement) des (tâches|actions|activités|étapes)|séquencement",
)
WORK_TITLES = _phrases(
    r"((functional|product|feature|key|core) )?requirements|features?( list)?|functionality",
    r"(implementation|work|execution|delivery|development|project|release|launch|build"
    r"|remediation|deployment|test) plan",
    r"plan de (lanzamiento|despliegue|pruebas|lancement|déploiement|tests?)",
    r"(einführungs|test|maßnahmen|massnahmen)plan",
    r"(development )?roadmap|feuille de route( de développement)?|hoja de ruta( de desarrollo)?",
    r"(entwicklungs|umsetzungs)?fahrplan|plan de (desarrollo|développement)|entwicklungsplan",
    r"plan of (work|record)|implementation( roadmap)?|development (phases|roadmap)",
    r"roadmap|milestones|phases|tasks?( list| breakdown)?|work( items| breakdown| packages)?",
    r"work ?streams|deliverables|backlog|epics|stories|issues|child issues|sub ?tasks",
    r"(the |our |action |project )?plan|plan of attack|now|next|this (week|sprint|month)",
    r"next (week|sprint|month)|today|up next|in progress|doing",
    r"next steps|action items|to ?dos?|(launch )?checklist|steps|graduation criteria",
    r"(funktionale )?anforderungen|umsetzung(splan)?|arbeitsplan|arbeitspakete|aufgaben",
    r"vorgehen|ma(ß|ss)nahmen|requisitos( funcionales)?|funcionalidades",
    r"plan de (trabajo|implementación|acción)|tareas( técnicas)?|entregables|pasos",
    r"acciones( pendientes| acordadas)?|próximos pasos|nächste schritte|prochaines étapes",
    r"(exigences|besoins)( fonctionnel(le)?s)?|fonctionnalités",
    r"plan (de travail|de mise en œuvre|d action)|tâches|livrables|chantiers|lots|actions",
)
"""Sections that hold the work: with one of them, design narrative elsewhere is not work."""

BUCKET_TITLES = _phrases(
    r"((launch|release|pre launch|go live) )?check ?list|tasks?( list)?|technical tasks",
    r"to ?dos?|action items|next steps|steps|work items|chores|(in )?parallel( work| tracks?)?",
    r"aufgaben|schritte|checkliste|arbeitspakete|tareas( técnicas| pendientes)?|pasos",
    r"pendientes|lista de (tareas|verificación|comprobación)|en paralelo",
    r"acciones( pendientes| acordadas)?|próximos pasos|nächste schritte|offene aufgaben",
    r"actions (à mener|à faire)|prochaines étapes|follow ups?|action points",
    r"tâches( techniques)?|étapes|actions|à faire|liste de (contrôle|vérification|tâches)",
    r"en parallèle",
    # The work, said plainly (``Lo que hay que hacer``, ``What needs to be done``).
    r"what (needs|has|have) to (be done|happen)|what (we need )?to do|what needs doing",
    r"(lo )?que hay que hacer|qué (hay que|tenemos que) hacer|lo que tenemos que hacer",
    r"was (zu tun ist|ist zu tun|wir tun müssen|noch zu tun ist)",
    r"ce qu il (faut|reste à) faire|ce qui (est|reste) à faire|ce que nous devons faire",
    r"(chantier|workstream|work stream|stream|track|arbeitspaket|teilprojekt|línea|frente)"
    r" ([a-z]|\d+)( .*)?",
)
"""Sections whose list items are each a task (a bucket, not a feature): also a lettered or
numbered workstream (``Chantier A — Contenus``, ``Workstream 2: Billing``)."""

TIME_BOX = re.compile(
    r"(?:week|woche|semana|semaine|sprint|day|tag|día|dia|jour|iteration|iteración"
    r"|itération|month|monat|mes|mois|q[1-4])\s*\d*\b"
    r"|(?:launch|release|go live) day|jour j|d day"
    r"|(?:before|after|pre|post|vor dem|nach dem|antes del?|después del?|avant l[ae]?|après l[ae]?)"
    r" ?(?:launch|go live|release|lanzamiento|lancement|start|livraison|mise en (?:service|ligne))",
)
"""A time box at the start of a normalized title: its list items are tasks, it is a milestone."""

PERIOD_HEADING = re.compile(
    r"(?:(?:\d{1,2}(?:\.|st|nd|rd|th|er|re|e|ème|º|°|o|a)?|first|second|third|fourth|erstes"
    r"|zweites|drittes|viertes|premier|deuxième|troisième|quatrième|primer|segundo|tercer|cuarto)"
    r"\s*(?:quarter|quartal|trimester|trimestre|halbjahr|semester|semestre)"
    r"|(?:quarter|quartal|trimester|trimestre|halbjahr|semester|semestre)\s*\d{1,2})\b",
    re.IGNORECASE,
)
"""A numbered period of the year at the start of a title (``1. Quartal (Januar – März)``,
``2nd quarter``, ``primer trimestre``, ``Trimestre 3``): a time box, like ``Q1``."""

DATE_IN_TITLE = re.compile(
    r"\b\d{4}-\d{2}-\d{2}\b|\b\d{1,2}[./]\d{1,2}(?:[./]\d{2,4})?\b"
    r"|\b\d{1,2}\.? (?:de )?(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|mär|mai|okt|dez"
    r"|ene|abr|ago|dic|janv|févr|fév|mars|avr|juin|juil|août|sept|déc|enero|febrero|marzo"
    r"|abril|mayo|junio|julio|agosto|septiembre|octubre|noviembre|diciembre|januar|februar"
    r"|märz|april|juni|juli|august|september|oktober|november|dezember|janvier|février"
    r"|avril|juillet|septembre|octobre|novembre|décembre)[a-zé]*\b",
    re.IGNORECASE,
)
"""A calendar date in a heading (``31 Mar``, ``30 de junio``, ``30.05.2025``): a time box."""

QUARTER_IN_TITLE = re.compile(
    r"\((?:q|t|k)[1-4] (?:\d{4}|\d{2})\)|\([1-4]\.? (?:quarter|quartal|trimestre) \d{4}\)",
    re.IGNORECASE,
)
"""A quarter with its year in a heading's parentheses (``Mittelfristig (Q1 2027)``, ``(T2
2027)``, ``(1. Quartal 2027)``): like a date, it dates a phase of work over a list."""

_MONTH_WORD = (
    r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|mär|mai|okt|dez|ene|abr|ago|dic|janv"
    r"|févr|fév|avr|juin|juil|août|déc)[a-zéûä]*"
)
_MONTH_NAME = (
    r"(?:january|february|march|april|may|june|july|august|september|october|november"
    r"|december|januar|jänner|februar|märz|mai|juni|juli|oktober|dezember|enero|febrero|marzo"
    r"|abril|mayo|junio|julio|agosto|septiembre|setiembre|octubre|noviembre|diciembre|janvier"
    r"|février|mars|avril|juin|juillet|août|septembre|octobre|novembre|décembre)"
)
MONTH_HEADING = re.compile(
    rf"{_MONTH_NAME}(?: \d{{4}})?(?: (?:to |bis |a |al |à |au |hasta |until )?{_MONTH_NAME}"
    r"(?: \d{4})?)?"
)
"""A title that is a month, or a span of months (``Januar``, ``Februar – März``, ``April
2027``, ``de enero a marzo`` without its article): a time box, fully matched on the
normalized title."""
DAY_DATE = re.compile(
    r"\b(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|montag|dienstag|mittwoch"
    r"|donnerstag|freitag|samstag|sonntag|lunes|martes|miércoles|miercoles|jueves|viernes"
    r"|sábado|sabado|domingo|lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche"
    # Their short forms (``Tue 4 March``, ``Mo 17 Februar``, ``jeu 6 mars``, ``mar 4 de
    # marzo``), always with the day and month after them ("mar" is a month too, but not
    # before a day and a month).
    r"|mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun|lun|mié|mie|jue|vie|sáb|sab|dom|mer|jeu"
    r"|ven|sam|dim|mo|di|mi|do|fr|sa|so|mar)"
    rf" (?:the |der |den )?(?:\d{{1,2}}(?:st|nd|rd|th)? (?:de )?{_MONTH_WORD}"
    rf"|{_MONTH_WORD} \d{{1,2}})\b"
    # A span of days in one month (``8 to 14 april``, ``del 8 al 14 de abril``).
    rf"|\b\d{{1,2}} (?:to |bis |al |au |a )?\d{{1,2}} (?:de )?{_MONTH_WORD}\b"
)
"""A weekday with its calendar date in a normalized heading (``by friday 5 march``, ``election
night tuesday 16 march``, ``viernes 30 de mayo``, ``dienstag 16 märz``): a day the plan is
scheduled by, so a time box."""

MILESTONE_HEADING = re.compile(
    r"(?P<id>m\d+|j\d+|h[1-4](?=\s*[:.\-—–)·])|ms\d+|q[1-4](?: \d{4})?|t ?[-+−] ?\d+"
    r"|(?:milestone|meilenstein|hito|jalon)\s+(?:ms|m|h|j)\d+"
    r"|(?:milestone|meilenstein|hito"
    r"|jalon|phase|fase|étape|etapa|stage|stufe|entrega|livraison|lieferung|delivery|drop|tranche"
    r"|sprint|week|woche|semana|semaine|iteration|iteración|itération|release|lot|wave|welle"
    r"|ola|vague|ring|anillo|anneau|increment|inkrement|incremento|incrément|gate|beat"
    r"|palier|tramo)\s*\d+(?:\.\d+)?[a-z]?"
    r"|(?:phase|fase|stufe|etapa|étape|stage|lot|gate|milestone|meilenstein|hito|jalon)"
    r"\s+(?-i:[A-H])(?=\s*[:.)·]|\s+[-—–]|\s*$))\b"
    r"\s*(?:[:.\-—–)·]\s*)?(?P<name>.*)$",
    re.IGNORECASE,
)
"""A numbered milestone at the start of a title (``M1: …``, ``Phase 2 — …``, ``Jalon 1 …``,
``Phase B – …`` lettered, ``J1 — …`` as French roadmaps shorten it, ``Meilenstein M2``,
``Gate A``, ``Beat 2``, ``Palier 1 — …``, ``H1 · …`` for a half
or a hito, ``Entrega 2``, a countdown such as ``T-14``)."""

MILESTONE_LABEL = re.compile(
    r"(?:milestone|meilenstein|hito|jalon)\s*[:—–]\s*(?=\S)",
    re.IGNORECASE,
)
"""A title that says it is a milestone before naming it (``Milestone: Beta launch``,
``Meilenstein: Pilotbetrieb``, ``Hito — Piloto``, ``Jalon : Recette``)."""

LABELLED_MILESTONE = re.compile(r"(?P<id>(?P<name>.+))$")
"""The name after ``MILESTONE_LABEL`` when it has no id of its own: it is the milestone's id
too (two labelled milestones differ by their names)."""

STAGE_HEADING = re.compile(
    r"(?:alpha|beta|ga|general availability|mvp|rc\d*|release candidate"
    r"|(?:private |public )?preview|v\d+(?:\.\d+)*|\d+\.\d+(?:\.\d+)?(?=\s*(?:[(:—–-]|$)))"
    r"(?:\s*[(:—–-].*)?$",
    re.IGNORECASE,
)
"""A release stage as a whole title (``Alpha (v0.14)``, ``GA``, ``MVP``, a bare version such
as ``0.9`` or ``1.0 — stable``): a milestone."""

# ---------------------------------------------------------------- labels

LABEL_WORDS: dict[str, str] = {}
"""A label word (lower case, one space between words) → the field it sets."""
for _field, _words in {
    "depends": (
        "depends on|dependencies|dependency|depends|blocked by|requires|required|needs"
        "|prerequisites|prerequisite|prereqs|prereq|after|waits for|waiting on|blocked on"
        "|dependent on|depending on|waits on|waiting for|blockers|predecessors|predecessor"
        "|precondition|preconditions|precondición|precondiciones|vorbedingung|vorbedingungen"
        "|précondition|préconditions|pré condition|requisito previo"
        "|abhängig von|abhängigkeiten"
        "|abhängigkeit|voraussetzungen|voraussetzung|benötigt|blockiert durch|blockiert von"
        "|nach|wartet auf|depende de|dependencias|dependencia|requiere|requisitos previos"
        "|prerrequisitos|prerrequisito|necesita|bloqueado por|bloqueada por|después de|tras"
        "|dépend de|dépendances|dépendance|nécessite|requiert|prérequis|pré requis|bloqué par"
        "|bloquée par|après|préalable|préalables|prealable"
    ),
    "blocks": "blocks|blockiert|bloquea|bloque|is blocking|unblocks|blocking",
    "priority": (
        "priority|prio|priorität|prioridad|priorité|importance|moscow"
        "|criticality|kritikalität|criticidad|criticité"
        "|urgency|dringlichkeit|urgencia|urgence"
    ),
    "must": (
        "must land|must have|must ship|must do|pflicht|imprescindible|obligatorio"
        "|obligatoire|indispensable"
    ),
    "severity": "severity|schweregrad|severidad|sévérité|gravité",
    "type": "type|typ|tipo|issue type",
    "labels": "labels|tags|etiquetas|étiquettes|schlagwörter|schlagworte",
    "milestone": "milestone|meilenstein|hito|jalon|horizon|horizonte|zeithorizont",
    "acceptance": (
        "acceptance criteria|done when|definition of done|akzeptanzkriterien"
        "|abnahmekriterien|criterios de aceptación|criterios|critères d acceptation|critères"
    ),
    "status": "status|estado|statut",
}.items():
    for _word in _words.split("|"):
        LABEL_WORDS[_word] = _field

LABEL_SAYS = re.compile(
    r"(?:(?:is|are|ist|sind|es|son|est|sont)\s+)?(?:"
    r"(?P<high>(?:has|have) to|must|needs? to|muss|müssen|debe|deben|tiene que|tienen que|doit"
    r"|doivent)"
    r"|(?P<medium>should|ought to|sollte|sollten|debería|deberían|devrait|devraient)"
    r"|(?P<low>can|could|may|fine|optional|kann|können|darf|dürfen|puede|pueden|peut|peuvent"
    r"|optionnel(?:le)?|opcional|optional))\b",
    re.IGNORECASE,
)
"""What a label's definition says of it (```release-blocker` has to be in the cut``,
```needs-4.0` should be``, ```can-slip` is fine in a patch``; muss/sollte/kann, debe/debería/
puede, doit/devrait/peut): high, medium, low."""
TRUNK_BRANCH = re.compile(r"main|master|trunk|develop|default branch|default")
"""A base column's trunk (``main``): the change stacks on nothing of the plan."""

MUST_ANSWERS: dict[str, Priority] = {
    **dict.fromkeys(("yes", "y", "ja", "sí", "si", "oui", "x", "✓", "✔", "✅"), Priority.HIGH),
    **dict.fromkeys(
        (
            *("no", "n", "nein", "non", "stretch", "optional", "optionnel", "opcional"),
            *("nice to have", "if time", "wenn zeit", "si da tiempo", "si possible"),
        ),
        Priority.LOW,
    ),
}
"""The answers a "Must land" / "Pflicht" / "Imprescindible" field gives: yes is a task the plan
cannot do without (high), no or stretch one it drops first (low)."""

COLON_OPTIONAL = word_set(
    "depends on|blocked by|abhängig von|blockiert durch|depende de|bloqueado por"
    "|dépend de|bloqué par|requires|needs|nécessite|requiere|necesita|benötigt|blocks"
)
"""Label words that read as a label without a colon (``Depends on X``, ``Nécessite EX-01``)."""

LABEL_LINE = re.compile(
    r"(?:\*\*|__)?(?P<word>"
    + "|".join(sorted((re.escape(w).replace(r"\ ", r"[ -]") for w in LABEL_WORDS), key=len)[::-1])
    + r")(?:\*\*|__)?\s*(?P<colon>:)?(?:\*\*|__)?\s*(?P<value>.*)$",
    re.IGNORECASE | re.DOTALL,
)
"""A label at the start of a line: ``Depends on: …``, ``**Priorität:** hoch``."""

FIELD_SEPARATOR = re.compile(r"\s+[·|•]\s+")
LEADING_FIELD = re.compile(r"(?:\*\*|__)?[^\W\d_][\w ]{0,24}(?:\*\*|__)?\s*:(?:\*\*|__)?\s+\S")
"""A field of any name before a line's labels (``Responsable: Marta · Criticidad: alta``)."""
"""Between fields on one line (``Type: Story · Priority: High · Status: To Do``)."""

WONT_STATUS = re.compile(
    r"won t (do|fix|have)|wont (do|fix)|cancel+ed|dropped|rejected|descartad[oa]|cancelad[oa]"
    r"|no se hará|abgelehnt|verworfen|gestrichen|wird nicht (umgesetzt|gemacht)|abandonné"
    r"|annulé|rejeté|ne sera pas (fait|traité)"
)
"""A ``Status:`` value (normalized) that says the item will not be done."""

NONE_REFERENCE = re.compile(
    r"(none|nothing|n a|na|no|nobody|keine|nichts|ninguna|ninguno|nada|aucune?|rien|néant)\b.*"
    r"|can start (right away|immediately|now).*|[-—–]+",
)
"""A dependency value (normalized, or its raw dashes) that names no task: no edge, no warning."""

# ---------------------------------------------------------------- priorities

PRIORITY_WORDS: dict[str, Priority] = {}
"""A priority word or phrase (normalized) → its level. Longer phrases are tried first."""
for _level, _words in {
    Priority.CRITICAL: (
        "p0|critical|critique|kritisch|crítica|crítico|critica|critico|urgent|urgente|dringend"
        "|blocker|bloquant|bloquante|bloqueante|highest|höchste|máxima|maxima|sehr hoch|muy alta"
        "|muy alto|very high"
        "|très haute|très élevée|la plus haute|plus haute|showstopper|launch blocking"
        "|launch blocker|release blocker|release blocking|show stopper"
    ),
    Priority.HIGH: (
        "p1|high|hoch|hohe|alta|alto|haute|haut|élevée|élevé|must|must have|muss|imprescindible"
        "|indispensable|obligatoire|obligatorio|hi|forte|zwingend|must ship|must do"
        "|prioritaire|prioritaria|prioritario|prioritär|vorrangig|major|majeur|majeure"
        "|pflicht|mandatory|obligatorisch|verpflichtend|important|importante|obligatoria"
        "|impératif|impérative|imperativo|imperativa"
    ),
    Priority.MEDIUM: (
        "p2|medium|normal|normale|mittel|mittlere|media|medio|moyenne|moyen|should|should have|soll"
        "|sollte|deseable|souhaitable|recomendable|med|wichtig|conveniente|should ship|should do"
        "|recommended|empfohlen|recomendado|recomendada|conseillé|conseillée|recommandé|recommandée"
    ),
    Priority.LOW: (
        "p3|low|lowest|niedrig|niedrige|niedrigste|gering|baja|bajo|mínima|minima|basse|bas|faible"
        "|plus basse|la plus basse|très basse|minor|mineure|mineur|very low|sehr niedrig|muy baja"
        "|muy bajo"
        "|could|could have|kann|opcional|optionnel|optionnelle|optional|nice to have|nice|may"
        "|wünschenswert|lo|tief|si da tiempo|could slip|can slip|could do|si possible"
        "|if possible|wenn möglich|falls möglich|si es posible|si hay tiempo|si le temps le permet"
        "|aplazable|postergable|deferrable|verschiebbar|bonus|kür|cuttable|droppable|streichbar"
        "|verzichtbar|prescindible|recortable|sacrificable|supprimable|facultatif|facultative"
        "|facultativo|facultativa|fakultativ|can wait|kann warten|puede esperar|peut attendre"
    ),
}.items():
    for _word in _words.split("|"):
        PRIORITY_WORDS[_word] = _level

NO_PRIORITY = re.compile(r"no priority|sin prioridad|keine priorität|aucune priorité|none")

PRIORITY_EMOJI: dict[str, Priority] = {
    "🔴": Priority.CRITICAL,
    "🟠": Priority.HIGH,
    "🟡": Priority.MEDIUM,
    "🟢": Priority.LOW,
    "⚪": Priority.LOW,
}
"""Traffic-light priorities (a legend may restate them; these are the common reading)."""

MOSCOW_LEAD = re.compile(
    r"(?:\*\*|__)?(must|should|could|must have|should have|could have|muss|soll|kann"
    r"|imprescindible|deseable|opcional|indispensable|souhaitable|optionnel(?:le)?)"
    r"(?:\*\*|__)?\s*[.:!—–-](?:\*\*|__)?\s",
    re.IGNORECASE,
)
"""A MoSCoW word leading a paragraph or item (``**Imprescindible.** El …``, ``- MUST: …``)."""

PRIORITY_AFTER_DASH = re.compile(r"\s*[—–]\s*(?P<words>[^,.;:\n]{2,30}?)\s*(?:[,.;]|$)")
"""A bold name's text led by a dash and a priority (``**L-6 …** — must-ship. A GitHub …``):
the first clause, read as a priority when it is nothing but one."""

PRIORITY_INLINE = re.compile(
    r"\b(?:priorität|prioridad|priorité|priority|prio|urgency|dringlichkeit|urgencia|urgence"
    r"|importance|importancia|wichtigkeit|einstufung|stellenwert|enjeu)"
    r"(?![\w-])\s*:{0,2}\s*\**\s*"
    # "Prioridad: lo antes posible": "lo" begins a phrase there, not a Hi/Med/Lo level.
    r"(?!(?:lo|hi|med)\s+[^\W\d_])"
    r"(?P<value>(?:sehr |muy |très |very )?[^\W\d_]+|p[0-3])",
    re.IGNORECASE,
)
"""A priority stated mid-sentence (``— prioridad alta, …``, ``Priorité : basse.``), or as a
scoped label (GitLab's ``~prioridad::alta``, ``~priority::high``)."""
PRIORITY_INLINE_HINT = re.compile(
    "prio|dringlich|urgen|importan|wichtigkeit|einstufung|stellenwert|enjeu", re.IGNORECASE
)
"""What every ``PRIORITY_INLINE`` match holds, under the same flags: a literal scan that rules
out most text ~7x faster than the full pattern."""

# ---------------------------------------------------------------- dependencies in sentences

_FORWARD_STRONG = (
    r"depends? on|dependent on|is blocked by|blocked (by|until)|requires|needs"
    r"|waits? for|waits? until|waiting (on|for|until)|can only (start|begin) (after|once|when)"
    r"|only (after|once)"
    r"|(don['’]t|do not|won['’]t|will not) (start|begin) the [^\W\d_][^,.;]{0,30}? until"
    r"|can ?not (start|begin) (until|before)|can['’ ]t (start|begin) (until|before)|builds on"
    r"|blocked on|gated (on|by)|prereqs?|baut auf|a la espera de|en attente d[eu]"
    r"|(has a |a )?dependency on|depends upon|relies on|rely on|bloquead[oa] hasta( que)?"
    r"|voraussetzung (ist|dafür ist|sind)|setzt voraus, dass|es necesario que|requisito previo"
    r"|waits on|unblocked by|contingent (on|upon)|conditional on|(on hold|paused) until"
    r"|aufbauend auf|blockiert bis|condicionad[oa]s? (a|al)|conditionné(e)? (par|à)"
    r"|bloqué(e)? tant que"
    r"|abhängig von|hängt von|hängt( selbst)? an|hängen( selbst)? an|hängt ab von"
    r"|benötigt|braucht|erst,? (nach|nachdem|wenn|sobald|mit)|wartet auf"
    r"|blockiert( auch)? (durch|von)|depende de|requiere|necesita|hace falta( que)?"
    r"|il faut (d.abord )?que"
    # "Suppose le prêt accordé, la société immatriculée …": French presupposes (a French
    # article must follow, so English "Suppose the …" is no trigger).
    r"|(pré)?suppos(e|ent)(?= (le|la|les|l['’]|que|qu['’]|un|une|des|d['’]abord)\b)"
    r"|(also )?blocked (also )?by|erst( [a-zäöüß]+){1,4},? (wenn|nachdem|sobald)"
    r"|solo puede (empezar|comenzar) (cuando|después de|tras)|no puede (empezar|comenzar) hasta"
    r"|bloquead[oa]s?( también)? por|espera a|dépend de|nécessite|requiert|a besoin d(?:e|u|['’])"
    r"|bloqué(e)?s?( aussi| également)? par"
    r"|ne peut (commencer|démarrer) qu['’ ]\s*(après|une fois|à partir)|bloqué(e)? par"
    r"|dépend(ent)? d(?:u|es|['’])|a besoin des|(do not|don['’]t|not|never) (start|begin) until"
    r"|not until|no (se )?(empieza|empezar|comienza|comenzar|arranca|arrancar) hasta( que| tener)?"
    r"|ne (commence|démarre) pas avant|nicht vor|sits behind|gated behind"
    r"|no (se )?(podrá|podrán|puede|pueden) (realizar(se)?|hacer(se)?|ejecutar(se)?|iniciar(se)?"
    r"|empezar|comenzar|arrancar) hasta( que)?"
    r"|(can ?not|can['’]t|may not|will not|won['’]t) be (done|carried out|performed|started|run)"
    r" until"
    # Any participle: "Cannot be drafted until", "no puede ser redactado hasta", "ne peut être
    # rédigé qu'après".
    r"|(can ?not|can['’]t|may not|will not|won['’]t|must not) be [a-z]{3,20}(ed|en|wn|t) until"
    r"|can only be [a-z]{3,20}(ed|en|wn|t)( on| off| up| out)? (after|once|when)"
    r"|solo (puede|pueden|podrá|podrán) ser [a-záéíóú]{3,20}(ad|id)[oa]s? (cuando|después de|tras)"
    r"|no (puede|pueden|podrá|podrán) ser [a-záéíóú]{3,20}(ad|id)[oa]s? hasta( que)?"
    r"|ne (peut|peuvent|pourra|pourront) être [a-zéèêàâîôûç]{3,20}ée?s? qu['’ ]\s*(après|une fois"
    r"|lorsque|quand)|ne (pourra|pourront|peut|peuvent) (être (réalisée?s?|effectuée?s?|lancée?s?)"
    r"|commencer|démarrer) qu['’ ]\s*(après|une fois|lorsque|quand)"
    r"|(kann|können|darf|dürfen) erst (nach|nachdem|wenn|sobald)"
    r"|(is |are )?only (started|starts?|begins?|begun|proceeds?|goes ahead|go ahead)"
    r" (when|once|after|if)|(starts?|begins?|can start|can begin) only (when|once|after|if)"
    r"|(empieza|empiezan|comienza|comienzan|arranca|arrancan) (solo|sólo|únicamente)"
    r" (cuando|una vez|después de|tras)"
    r"|(wird|werden) nur (gestartet|begonnen|durchgeführt),? (wenn|nachdem"
    r"|sobald)|(startet|starten|beginnt|beginnen) nur,? (wenn|nachdem|sobald)"
    r"|s[oó]lo se (empieza|comienza|arranca|inicia)( a [^\W\d_]+)? con"
    r"|ne (commence|commencent|démarre|démarrent) qu['’]\s*avec"
    r"|solo (se inicia|se inician|empieza|empiezan|comienza|comienzan|arranca|arrancan)"
    r" (cuando|si|una vez|después de|tras)|ne (démarre|démarrent|commence|commencent|débute"
    r"|débutent) qu(e|['’])\s*(lorsque|quand|si|une fois|après)"
    r"|(must|should|may|can|does|do) not (start|begin)( [\w-]+){0,4}? (before|until)"
    r"|(can ?not|can['’]t|won['’]t|will not|doesn['’]t|does not|don['’]t)"
    r" (ship|launch|go out|go live|land|merge|release|roll out"
    r"|be (released|shipped|merged|enabled|turned on))"
    r"( [\w-]+){0,3}? until"
    r"|attend(ent)?( donc)?( aussi| également)?(?= (la|le|les|l['’]|que|qu['’]|la fin))"
    # "there is no point starting until …" in the four languages
    r"|(there is |there['’]s )?no point (in )?(starting|beginning)( [\w-]+){0,2}? (until|before)"
    r"|no tiene sentido (empezar|comenzar|arrancar)( [\w-]+){0,2}? (hasta( que| tener)?|antes de)"
    r"|(es )?(hat|macht) keinen sinn,? (vor|bevor|vorher)"
    r"|(inutile|pas la peine) de (commencer|démarrer)( [\w-]+){0,2}? (avant|tant que)"
    r"|presupposes|presupone( que)?|présuppose( que| qu['’])?|suppose que|suppose qu['’]"
    # plural subjects: "Las dos instrumentaciones necesitan …", "Fotos brauchen die Karte"
    r"|necesitan|requieren|dependen de|brauchen|benötigen|hängen von|nécessitent|requièrent"
    r"|ont besoin d(?:e|u|['’])"
    # "only makes sense with …" in the four languages
    r"|only makes? sense (with|once|after)|(ergibt|ergeben|macht|machen) (erst|nur) sinn,? (mit"
    r"|nach|wenn|sobald)|(sólo|solo) tiene(n)? sentido (con|cuando|una vez|después de|tras)"
    r"|n['’]ont? de sens qu['’]\s*(avec|après|une fois|lorsque|quand)"
    # "is built on …", "no se apaga hasta que …": what it is built on, what it waits for
    r"|(is|are) built on( top of)?|se construyen? sobre|(est|sont) construite?s? sur"
    r"|no se [a-záéíóúñ]+ hasta( que)?"
    # "Die Bauabnahme findet statt, wenn …": it takes place once the others are done
    r"|findet (erst )?statt,? (wenn|sobald|nachdem)|takes place (only )?(once|when|after)"
    # "Nur möglich mit den Daten aus der Kooperation": what makes it possible at all
    r"|(nur|erst) möglich (mit|nach|wenn|sobald)|only possible (with|after|once|when)"
    r"|(solo|sólo|únicamente) (es )?posible (con|después de|tras|cuando|una vez)"
    r"|(seulement|uniquement) possible (avec|après|une fois|lorsque|quand)"
    r"|tiene lugar (cuando|una vez|después de)|a lieu (quand|lorsque|une fois|après)"
    # "Commence le lendemain de la journée d'accueil": the day after it, so after it
    r"|(commence|démarre|débute|a lieu) le lendemain d(?:e|u|es)|starts? the day after"
    r"|(beginnt|startet|folgt) am tag nach|(empieza|comienza|arranca) al día siguiente d(?:e|el)"
    # "la commission ne passe que quand les vitrines sont montées": only when
    r"|ne [^\W\d_]+ qu(?:e\s+|['’]\s*)(quand|lorsque|une fois)"
    r"|n['’]a lieu qu(?:e\s+|['’]\s*)(si|lorsque|quand|une fois|après)"
    r"|takes place only (if|when|once|after)"
    r"|only takes place (if|when|once|after)|s[oó]lo tiene lugar (si|cuando|una vez|después de)"
)
_FORWARD_WEAK = (
    r"after|once|starts? (when|after|once)|following|(?:it|this|which|that) follows|comes after"
    r"|va(n)? detrás de|viene(n)? detrás de|on the heels of|a continuación de"
    r"|dans la foulée (de|du|des|d['’])"
    # "Das Belegreifheizen folgt also auf den Heizestrich"
    r"|folg(t|en)( also| dann| direkt| erst)? auf|fait suite à|font suite à|sigue(n)? (a|al)"
    r"|(?<![Aa]s )follows(?= (?:items? |steps? |[A-Z][A-Z0-9]*-?\d))"
    r"|nach|sobald|después de|después(?= del )|tras|on top of"
    r"|as soon as|en cuanto|im anschluss an|à la suite d[eu]|suite à"
    r"|una vez|cuando|après|une fois|dès que|quand"
    # "À lancer dès la signature du compromis": as soon as what it names is done
    r"|dès(?= (?:la|le|les|l['’]|réception|validation|signature|obtention)\b)"
    # "Written when the permit is granted": a state the work waits for
    r"|(?<=\w )when(?= (?:the|our|its|their|all|both) [\w-]+(?: [\w-]+){0,3} (?:is|are|has been"
    r"|have been) [a-z]+(?:ed|en|t)\b)"
    r"|(beginnt|beginnen|startet|starten),? (wenn|sobald|nachdem)"
    r"|based on|on the basis of|auf (der )?(basis|grundlage) (von|der|des|dem)"
    r"|sobre la base del?|con base en"
    r"|(?:sur la base|à partir) (?:du|des|de la|de l(?=['’])|d(?=['’]))"
    # "a partir del inventario", "s'appuie sur la charte": the work it starts from
    r"|a partir (?:del|de la|de los|de las)(?= [^\d\s])"
    r"|s['’]appuie(nt)? sur|se base(nt)? sur|repose(nt)? sur|se apoya(n)? en|se basa(n)? en"
    r"|se cale(nt)? sur|s['’]appuyer sur|s['’]enchaîne(nt)? (sur|avec)"
    # "L'intégration des polices demande l'interface adaptée (T-06)": it requires it
    r"|demande(nt)?(?= (l['’]|la |le |les ))"
    # "Se fait sur la version Unity 6": the work it is done on
    r"|se (fait|font) sur|se hacen? sobre(?= (el|la|los|las) )"
    r"|se (configuran?|montan?|arman?) sobre(?= (el|la|los|las) )"
    r"|se (configurent|configure|montent|monte) sur(?= (le|la|les|l['’]))"
    r"|(is|are) (configured|set up|built) on(?= (the|our) )"
    # "Suit la passe de conformité", "Schließt an M6 an": it comes right after
    r"|suit(?= (la|le|les|l['’]) )|suivent(?= (la|le|les|l['’]) )"
    r"|schließt (sich )?(direkt |unmittelbar )?an(?= (den|die|das|dem|der|[A-Z][A-Z0-9]*-?\d))"
    # "Sale de los muestreos", "ergibt sich aus der Content-Inventur": what it is drawn from
    r"|(ergibt|ergeben) sich aus|sale(n)? de(?= (?:los|las|la|el) )|sale(n)? del|resulta(n)? de"
    r"|se deduce(n)? de|se dédui(t|sent) d(?:e|u|es)|découle(nt)? d(?:e|u|es)|results? from"
    r"|is drawn from|are drawn from"
    r"|stützt sich auf|stützen sich auf"
    # "won't even look at the application without our insurance certificate"
    r"|(won['’]t|will not|can['’]t|cannot|can not|doesn['’]t|does not|don['’]t)"
    r"( [\w'’-]+){0,6}? without"
    r"|(nicht|keine?n?)( [\w-]+){0,6}? ohne"
    # "ne … pas … sans": "ne" a word of its own (or "n'" before one), else every word led by
    # "ne" (never, network) was split into pieces in every way before failing.
    r"|(ne |n['’])[\w'’-]+( [\w'’-]+){0,5}? pas( [\w'’-]+){0,4}? sans"
    r"|no( [\w-]+){0,6}? sin(?= (el|la|los|las|nuestr[oa]s?|su|sus) )"
)
_REVERSE_STRONG = (
    r"blocks|is blocking|needed (for|by)|required (for|by)|prerequisite (for|of)|unblocks"
    r"|(has|have|needs?) to be (\w+ )?(live|done|ready|finished|in place|merged|shipped) before"
    r"|(has|have|needs?) to (land|ship|merge|go out|go live|be published) before"
    r"|must (land|ship|merge|go out|go live|be published) before"
    r"|must be (\w+ )?(live|done|ready|finished|in place|merged|shipped) before"
    # "the cue must be cleared before the final mix": a state it must reach first.
    r"|must be ([\w-]+ )?[a-z]+(ed|en) before"
    r"|(debe|deben|tiene que|tienen que) (estar|quedar) ([\w-]+ )?[a-záéíóúñ]+(ad|id)[oa]s?"
    r" antes de"
    r"|(doit|doivent) être ([\w-]+ )?[a-zéèêàâîôûç]+(é|ée|és|ées|i|ie|is|ies) avant"
    r"|bloque(?=\s+[A-Z][A-Z0-9]*-?\d)"
    r"|voraussetzung für|nötig für|blockiert|necesari[oa]s? para|requisito para|bloquea"
    r"|imprescindible para|nécessaire (pour|à)|prérequis (pour|à)|indispensable (pour|à)"
    r"|conditionne(nt)?(?= (la|le|les|l['’]))|condiciona(n)?(?= (el|la|los|las))"
)
_REVERSE_WEAK = (
    r"before|must (happen|be done|ship|land) before|prior to|vor|antes de|antes(?= del )"
    r"|previo a|avant|préalable à"
)

_READY_STATE = (
    r"(?:fertig|abgeschlossen|erledigt|bereit|done|ready|finished|complete|completed|listo"
    r"|lista|listos|listas|terminado|terminada|acabado|prêt|prête|prêts|prêtes|terminé|terminée"
    r"|achevé|achevée|wirksam|in kraft|in place|in force|effective|vigente|en vigor|en vigueur)"
)
READY_TAIL = re.compile(
    rf"\s+{_READY_STATE}(?:\s+(?:sein|werden|haben|ist|sind))?\s*$", re.IGNORECASE
)
"""The state a "before" phrase ends on in German word order ("vor der Mitgliederversammlung
fertig sein"): the work must be done before what it names, a dependency."""
READY_LEAD = re.compile(
    rf"\b(?:must|muss|müssen|debe|deben|tiene que|doit|doivent|has to|have to|needs to)\b"
    rf"[^.;:]{{0,40}}\b{_READY_STATE}\b[^.;:]{{0,30}}$",
    re.IGNORECASE,
)
"""The state a "before" phrase follows ("must be ready two weeks before", "debe estar listo
antes de", "doit être prêt avant"): the work must be done before what it names."""

_LABEL_NOUNS = (
    r"gate|depends|deps|needs|requires|blocked by|after|dependencies|dependency|prerequisites?"
    r"|voraussetzung(?:en)?|abhängigkeit(?:en)?"
    r"|dependencias?|requisitos? previos?|prerrequisitos?|dépendances?|pré-?requis"
)
TRIGGER_KINDS: tuple[tuple[str, str, str], ...] = (
    ("fl", _LABEL_NOUNS, r"(?=\s*:)"),
    ("fs", _FORWARD_STRONG, ""),
    ("rs", _REVERSE_STRONG, ""),
    ("fw", _FORWARD_WEAK, ""),
    ("rw", _REVERSE_WEAK, ""),
)
"""The kinds of ``DEP_TRIGGER`` phrase, in the order they are tried: name, phrases, and what
must follow a phrase of that kind."""


def _triggers_starting(letter: str | None, tag: int) -> str:
    """Every kind's phrases that a phrase led by ``letter`` (any case) can be, in order.

    Each kind is a group named ``<kind>_<tag>`` (a name appears once in a pattern). A phrase
    whose first letters are unknown is kept for every letter (``None``: only those).
    """
    groups = []
    for name, phrases, after in TRIGGER_KINDS:
        kept = [
            a
            for a in alternatives(phrases)
            if (letters := first_letters(a)) is None
            or (letter is not None and any(_same_letter(c, letter) for c in letters))
        ]
        if kept:
            body = "|".join(kept)
            groups.append(f"(?P<{name}_{tag}>" + (f"(?:{body}){after}" if after else body) + ")")
    return "|".join(groups)


def _same_letter(a: str, b: str) -> bool:
    """Whether the regex engine matches ``a`` and ``b`` alike under IGNORECASE."""
    return re.fullmatch(re.escape(a), b, re.IGNORECASE) is not None


_TRIGGER_LETTERS = sorted(
    {
        c.lower()
        for _, phrases, _ in TRIGGER_KINDS
        for a in alternatives(phrases)
        for c in first_letters(a) or ()
    }
)
DEP_TRIGGER = re.compile(
    r"(?<![\w-])(?:"
    + "|".join(
        f"(?={re.escape(letter)})(?:{_triggers_starting(letter, n)})"
        for n, letter in enumerate(_TRIGGER_LETTERS)
    )
    + f"|{_triggers_starting(None, len(_TRIGGER_LETTERS))}"
    + r")(?![\w-])\s*:?\s*",
    re.IGNORECASE,
)
"""A phrase that states a dependency in a sentence; ``trigger_kind`` says which kind.
``fl``: a label noun with its colon (``… Voraussetzung: A3.``); ``fs``/``fw``: the text's
task waits for what follows (strong/weak); ``rs``/``rw``: what follows waits for the text's
task. A weak phrase ("after", "once", "avant") only counts with a reference a reader cannot
misread: an id, a heading number or a whole task title.

The kinds' phrases are laid out by first letter: where a word starts with "d", only the
phrases that can start with a "d" are tried (a look-ahead picks them), not all ~150. A
phrase left out of a letter's group cannot match there, and the kinds and phrases keep
their order, so each match (its span and its kind) is the one the plain alternation of
``TRIGGER_KINDS`` gives."""


def trigger_kind(m: re.Match[str]) -> str:
    """The kind (``TRIGGER_KINDS``) of a ``DEP_TRIGGER`` match: ``fs`` for ``fs_3``."""
    return (m.lastgroup or "fw").split("_", 1)[0]


DEP_ANCHORS = word_set(
    "depend|dépend|bloc|bloq|requi|need|prereq|wait|start|begin|builds on|gated|gate:|baut|espera"
    "|relies on|rely on|necesario|unblock|contingent|conditional|on hold|paused|aufbauend"
    "|follows|comes after|behind|hasta|until|pas avant|detrás|no point|keinen sinn|inutile"
    "|pas la peine|suppos|presup|présup|heels|continuación|foulée|condiciona"
    "|condicionad|conditionn|tant que|anschluss|suite|prior|previo|préalable"
    "|attente|abhängig|hängt|benötig|braucht|erst |erst,|wartet|neces|nécess|falta|puede"
    "|besoin|peut|suppos|after|attend|ne démarr|ne commenc|ne début|only proceed|only go|nur begonn"
    "|nur durchgef|based on|on the basis|basis|grundlage|sobre la base|con base en|sur la base"
    "|lendemain|day after|se cale|sich aus|sale de|sale del|salen de|resulta|se dedu|déduit"
    "|découl|drawn from|tag nach|día siguiente|à partir d|se empieza|se comienza"
    "|se arranca|se inicia|qu'avec|qu’avec|il faut"
    "|once|following|nach|sobald|despu|tras|on top of|as soon as|cuanto|una vez|cuando|après"
    "|fois|dès|quand|before|vor|antes|avant|voraus|nötig|imprescindible|indispensable"
    "|sense|sinn|sentido|sens qu|built on|construy|construit|brauchen|hängen"
    "|without|ohne |sans | sin | when |findet|takes place|tiene lugar|a lieu|folgt|folgen|sigue"
    "|möglich|possible|posible|a partir|appuie|se base|repose|apoya|se basa|stützt|stützen"
    "|appuyer|enchaîne|se fait|se font|se hace|suit |suivent|schlie|lorsque|demande"
    "|se configur|se mont|se arma|configured on|set up on"
)
"""Lower-case pieces of which every ``DEP_TRIGGER`` phrase holds one: text without any of
them states no dependency, and skips the (slower) regex."""
DEP_ANCHOR = re.compile(starts_pattern(DEP_ANCHORS))
"""Any of ``DEP_ANCHORS`` (search case-folded text): its leftmost match is where the first of
them starts, in one scan instead of a ``str.find`` per anchor (only its start means anything,
``starts_pattern``)."""

USES_FROM = re.compile(
    r"\b(?i:uses?|using|builds? on the|nutzt|verwendet|benutzt|usa|usan|utiliza|utilizan"
    r"|utilise|utilisent|reprend)\b[^.;:!?]{0,80}?\b(?i:from|aus|von|de|del|du|des|de la)\s+"
    r"(?P<target>[A-Z][A-Z0-9]{0,7}[-.]?\d+(?:\.\d+)*)(?![\w-])"
)
"""Work that uses what a task by id makes (``Uses the participant list from A1``, ``nutzt die
Liste aus A1``, ``usa la lista de A1``, ``utilise la liste de A1``): it waits for that task."""
GERMAN_VORAUS = re.compile(r"\bsetz(?:t|en)\s+(?P<target>.+?)\s+voraus\b", re.IGNORECASE)
"""German wraps the target: ``Setzt den Ingest-Dienst voraus``."""
WITH_READY = re.compile(
    r"(?:^|(?<=[.;] ))(?:con|with|avec|mit) (?P<target>[^.;:\n]{3,80}?) (?:ya )?"
    r"(?:andando|funcionando|list[oa]s?|hech[oa]s?|terminad[oa]s?|en producción|in place|done"
    r"|ready|running|working|live|prêt(?:e|s|es)?|terminée?s?|en place|fertig|bereit|in betrieb)"
    r"(?=\s*(?:[.;]|$))",
    re.IGNORECASE,
)
"""A sentence that is only what must be ready: ``Con el checkout nuevo y los webhooks
andando.``, ``With the API and the cache in place.``, ``Mit dem WLAN in Betrieb.``"""

# ---------------------------------------------------------------- descriptions (``describe``)

QUANTIFIER_LEAD = re.compile(
    r"^(?:each|every|any|all|jede[rsmn]?|alle[nms]?|cada|tod[oa]s?|chaque|tou(?:te)?s?|tout)\b",
    re.IGNORECASE,
)
"""A phrase led by one speaks of events ("after each booking"), not of a task."""
DURATION = re.compile(
    r"\b(?:\d+|one|two|three|four|few|several|ein(?:e|en)?|zwei|drei|un[oa]?|dos|tres|deux"
    r"|trois|quelques)\s*(?:minutes?|min|hours?|h|days?|weeks?|months?|sprints?|stunden?"
    r"|tagen?|wochen?|monate?n?|horas?|días?|semanas?|mes(?:es)?|heures?|jours?|semaines?"
    r"|mois)\b",
    re.IGNORECASE,
)
"""A duration in the phrase ("two weeks after the cutover"): a wait, not a task."""
GENERIC_NOUNS = word_set(
    "work|task|tasks|item|items|thing|things|part|stuff|bit|one|ones|arbeit|arbeiten|aufgabe"
    "|aufgaben|teil|trabajo|trabajos|tarea|tareas|parte|travail|travaux|tâche|tâches|partie"
    "|chose"
)
"""Nouns that stand for any task ("the co-op work"): no word of a title."""
DETERMINER_LEAD = re.compile(
    r"(?:both\s+|beide[ns]?\s+)?(?:the|this|that|these|those|its|their|our|der|die|das|den|dem"
    r"|des|diese[rsmn]?|deren|dessen|el|la|los|las|al|del|este|esta|estos|estas|su|sus|le|les"
    r"|l['’]|du|au|aux|ce|cet|cette|ces|son|sa|ses|leurs?)(?:\s+|(?<=['’]))",
    re.IGNORECASE,
)
"""A weak phrase describes a task only when a determiner leads the description ("once the
relay is publishing", "nach der Vertragsunterzeichnung", "une fois l'outil choisi"): without
one, "after" and "nach" as often say how or by what ("Buchung nach Zeitraum")."""
POSSESSIVE = re.compile(r"\b[^\W\d_]+['’]s\b")
"""An owner ("Design's store screenshots", "Priya's copy"): not the work's name."""

NO_DEPENDENCY = re.compile(
    r"(?<![\w-])(?:independent (of|from)|(in )?parallel (with|to)|unabhängig von|parallel zu"
    r"|independiente de|en paralelo (con|a)|indépendant(e)? de|en parallèle (de|avec))(?![\w-])",
    re.IGNORECASE,
)
"""Phrases that state there is no dependency: nothing after them is read as one."""

SEQUENTIAL = re.compile(
    r"(?<![\w-])(?:in (this |that |the following |the given )?order(?! to)|one after (the )?"
    r"(other|another)|sequential(ly)?|in sequence|strictly in order"
    r"|each (step|phase|stage|one|milestone) (starts|begins|waits|can start|only starts|builds on"
    r"|depends on|requires|follows)\b[^.]*\b(previous|prior|preceding|one before|last)"
    r"|(phases|steps|stages|milestones) (are|run|happen|ship) (sequential(ly)?|in order|one after"
    r" (the )?(other|another))|in the order (below|listed|given|shown)|(from )?top to bottom"
    r"|von oben nach unten|de arriba abajo|de haut en bas|der reihe nach"
    r"|nacheinander|aufeinander aufbauend|(die |welche )?aufeinander aufbauen|bauen aufeinander auf"
    r"|baut auf (der|dem) vorherigen"
    r"|in (dieser|der angegebenen) reihenfolge|jede[rs]? (schritt|phase)\b[^.]*\b(vorherige|davor)"
    r"|en (este )?orden|un[oa]s? (tras|después de|detrás de) otr[oa]s?"
    r"|secuencial(es|mente)?|sequen[zt]iell"
    r"|cada (paso|fase|etapa)\b[^.]*\banterior|dans (cet |l['’ ])?ordre"
    r"|l['’ ]une après l['’ ]autre|les uns après les autres|séquentiel(le)?s?(ment)?"
    r"|s['’ ]enchaînent|se suceden|folgen aufeinander|follow (one another|each other)"
    r"|chaque (étape|phase)\b[^.]*\bprécédente?"
    # "die folgende Stufe beginnt erst nach dem Beschluss über den Abschluss der vorherigen"
    r"|the (next|following) (step|phase|stage|wave|ring)\b[^.]*\b(previous|prior|preceding) one"
    r"|(folgende|nächste) (stufe|phase|etappe|welle)\b[^.]*\bvorherigen"
    r"|(siguiente|próxima) (fase|etapa|ola)\b[^.]*\banterior"
    r"|(phase|étape|vague) suivante\b[^.]*\bprécédente)(?![\w-])",
    re.IGNORECASE,
)
"""A statement that the numbered steps (or the sub-sections) of a section run in order."""

OVERLAP = re.compile(
    r"(?<![\w-])(?:overlaps?|overlapping|(starts?|begins?) (during|while|before the end of)"
    r"|überlapp\w*|überschneiden sich|(beginnt|startet) (während|noch vor (dem )?ende)"
    r"|se (solapan?|superponen?)|solapad[oa]s?|(empieza|comienza|arranca) (durante|mientras)"
    r"|(se )?chevauch\w*|(commence|démarre|débute) (pendant|avant la fin))(?![\w-])",
    re.IGNORECASE,
)
"""A statement that steps or stages overlap: an order said with it is only their numbering."""

NOTES_LABEL = re.compile(
    r"(?:\*\*|__)?(?:notes?|notas?|anmerkungen|hinweise|bemerkungen|remarques?|observaciones"
    r"|comentarios|commentaires)\b[^:\n]{0,40}:(?:\*\*|__)?\s*$",
    re.IGNORECASE,
)
"""A line that announces the list after it as notes (``Notas de la fase 2:``), not tasks."""
TASKS_LABEL = re.compile(
    r"(?:\*\*|__)?(tasks|to ?do|to dos|work items|aufgaben|tareas|tâches)(?:\*\*|__)?\s*:?"
    r"(?:\*\*|__)?\s*$",
    re.IGNORECASE,
)
"""A line that announces the list after it as tasks (``**Tasks**:``)."""
