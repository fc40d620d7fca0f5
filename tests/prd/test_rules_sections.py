"""Issue 21's planning rules on small documents: what is a task, its priority, its milestone."""

from __future__ import annotations

from core.prd.models import ImportPlan
from tests.prd.plans import pairs, plan_of, titles


def reasons(plan: ImportPlan) -> dict[str, str]:
    return {" > ".join(n.section_path): n.reason for n in plan.not_tasks}


def priorities(plan: ImportPlan) -> dict[str, str]:
    return {t.title: t.priority.value for t in plan.tasks}


def milestones(plan: ImportPlan) -> dict[str, str | None]:
    names = {m.key: m.name for m in plan.milestones}
    return {t.title: names.get(t.milestone_key or "") for t in plan.tasks}


def test_informational_sections_in_four_languages_are_not_tasks_and_say_why() -> None:
    plan = plan_of(
        "# PRD\n\n## TL;DR\nShort.\n\n## Ausgangslage\nHeute.\n\n## Objetivos y no objetivos\n"
        "- más\n\n## Questions en suspens\n- qui ?\n\n## Risks & mitigations\n- x\n\n"
        "## Notizen aus dem Refinement\n- y\n\n## Status (updated Apr 3)\nOk.\n\n"
        "## Export\nDo it.\n"
    )
    assert titles(plan) == ["Export"]
    assert reasons(plan) == {
        "TL;DR": "a summary, not work",
        "Ausgangslage": "background or context, not work",
        "Objetivos y no objetivos": "goals, not work",
        "Questions en suspens": "open questions, not work",
        "Risks & mitigations": "risks, not work",
        "Notizen aus dem Refinement": "notes, decisions or links, not work",
        "Status (updated Apr 3)": "notes, decisions or links, not work",
    }


def test_design_narrative_is_no_task_when_a_work_plan_implements_it() -> None:
    design = "## Detailed design\n\n### Storage\nClickHouse.\n\n### API\nREST.\n\n"
    with_plan = plan_of(
        f"# Doc\n\n{design}## Work plan\n\n### Writer\nEmit.\n\n### Consumer\nStore.\n"
    )
    assert titles(with_plan) == ["Writer", "Consumer"]
    assert reasons(with_plan)["Detailed design"].startswith("design narrative")
    alone = plan_of(f"# Doc\n\n{design}")
    assert titles(alone) == ["Storage", "API"]


def test_struck_won_t_do_and_future_sections_are_dropped() -> None:
    plan = plan_of(
        "# Epic\n\n## Issues\n\n### PAY-1 Wallet buttons\nRender them.\n\n"
        "### PAY-2 ~~Samsung Pay~~\nDropped.\n\n### PAY-3 Export\n- **Status:** Won't Do\n\n"
        "## Ideas para más adelante\n- tienda\n"
    )
    assert titles(plan) == ["PAY-1 Wallet buttons"]
    assert set(reasons(plan).values()) == {
        "struck through: dropped",
        "marked won't do",
        "future or won't-do items, not planned now",
    }


def test_user_stories_are_context_unless_they_carry_ids() -> None:
    context = plan_of("## User stories\n- As a user, I want X.\n\n## Build X\nDo.\n")
    assert titles(context) == ["Build X"]
    backlog = plan_of(
        "## Historias\n\n**HU-1 · Registro** 🔴\nComo dueño…\n\n**HU-2 · Cita** 🟢\nX.\n"
    )
    assert priorities(backlog) == {"HU-1 · Registro": "critical", "HU-2 · Cita": "low"}


def test_checklist_weeks_give_a_task_per_open_item_in_a_milestone_per_week() -> None:
    plan = plan_of(
        "# Launch\n\n## Week 1 — freeze (31 Mar)\n- [ ] Cut the branch @omar\n"
        "- [ ] Fix the crash @omar — P0\n- [x] Sign the agreement\n\n## After launch\n"
        "- [ ] ~~Localized screenshots~~ moved\n- [ ] Retro with everyone\n"
    )
    assert milestones(plan) == {
        "Cut the branch": "Week 1 — freeze (31 Mar)",
        "Fix the crash": "Week 1 — freeze (31 Mar)",
        "Retro with everyone": "After launch",
    }
    assert priorities(plan)["Fix the crash"] == "critical"
    assert {t.source.kind for t in plan.tasks} == {"item"}


def test_a_feature_s_bullets_are_its_criteria_and_priority_but_marked_items_are_tasks() -> None:
    feature = plan_of("## Job list\nShow jobs.\n\n- MUST show every job\n- COULD sort them\n")
    (job,) = feature.tasks
    assert (job.title, job.priority.value) == ("Job list", "high")
    assert job.acceptance_criteria == ["MUST show every job", "COULD sort them"]
    issues = plan_of(
        "## Foundations\n\n- **MOB-1** Register tokens — *Urgent*\n"
        "- **MOB-2** Token cleanup — *High* · blocked by MOB-1\n"
    )
    assert priorities(issues) == {
        "MOB-1 Register tokens": "critical",
        "MOB-2 Token cleanup": "high",
    }
    assert len(issues.edges) == 1


def test_requirements_table_rows_are_tasks_with_priority_and_dependencies() -> None:
    plan = plan_of(
        "## Requirements\n\n| ID | Requirement | Priority | Notes |\n|---|---|---|---|\n"
        "| R1 | Local store | P0 | Foundation |\n| R2 | Download | P1 | Needs R1 |\n"
    )
    assert priorities(plan) == {"R1 Local store": "critical", "R2 Download": "high"}
    (edge,) = plan.edges
    assert (edge.blocker_key, edge.task_key) == (plan.tasks[0].key, plan.tasks[1].key)
    assert {t.source.kind for t in plan.tasks} == {"row"}


def test_bold_lines_are_headings_and_done_when_gives_criteria() -> None:
    plan = plan_of(
        "## Chantiers\n\n**Horaires en temps réel**\nProchains passages. Priorité : haute.\n\n"
        "**Calcul d'itinéraire**\nVia OTP. Dépend de : Horaires en temps réel.\n\n"
        "## Search\nReplace LIKE.\n\n**Done when**\n- p95 under 150 ms\n"
    )
    assert titles(plan) == ["Horaires en temps réel", "Calcul d'itinéraire", "Search"]
    assert plan.tasks[0].priority.value == "high"
    assert plan.tasks[2].acceptance_criteria == ["p95 under 150 ms"]
    assert len(plan.edges) == 1


def test_numbered_steps_said_to_run_in_order_are_tasks_in_a_chain() -> None:
    plan = plan_of(
        "## Pasos\n\nVan en orden: cada paso empieza cuando el anterior está terminado.\n\n"
        "1. Alta de la cuenta\n2. Integrar el SDK\n3. Probar en test\n"
    )
    assert titles(plan) == ["Alta de la cuenta", "Integrar el SDK", "Probar en test"]
    chain = {(e.blocker_key.rsplit("/", 1)[1], e.task_key.rsplit("/", 1)[1]) for e in plan.edges}
    assert chain == {
        ("alta-de-la-cuenta", "integrar-el-sdk"),
        ("integrar-el-sdk", "probar-en-test"),
    }
    assert {e.reason for e in plan.edges} == {"order"}


def test_milestone_headings_tables_and_lists_attach_their_tasks() -> None:
    jalon = plan_of("## Jalon 1 — Référencement (31 mars)\n\n### EX-01 Compte\nX.\n")
    assert milestones(jalon) == {"EX-01 Compte": "Jalon 1 — Référencement (31 mars)"}
    table = plan_of(
        "## 5. Anforderungen\n\n### A1 Kalender\nX.\n\n### A2 Erinnerungen\nY.\n\n"
        "## 6. Meilensteine\n\n| Meilenstein | Termin | Umfang |\n|---|---|---|\n"
        "| M1 Pilot | 30.05.2025 | A1 |\n| M2 Rollout | 31.08.2025 | A2 |\n"
    )
    assert milestones(table) == {"A1 Kalender": "M1 Pilot", "A2 Erinnerungen": "M2 Rollout"}
    assert [m.due_date for m in table.milestones] == ["2025-05-30", "2025-08-31"]
    listed = plan_of(
        "## Milestones\n\n**Foundations** — May 2\n**Delivery** — May 16\n\n## Issues\n\n"
        "### Foundations\n- **MOB-1** Tokens\n- **MOB-2** Table\n\n### Delivery\n"
        "- **MOB-3** Sender · blocked by MOB-1\n- **MOB-4** Fan-out · blocked by MOB-3\n"
    )
    assert set(milestones(listed).values()) == {"Foundations", "Delivery"}


def test_a_heading_labelled_milestone_heads_its_tasks_in_four_languages() -> None:
    """``Milestone: NAME`` is a milestone named NAME, with or without an id of its own; two
    labelled milestones stay two. Their sub-sections are its tasks."""
    plan = plan_of(
        "# Wiki search\n\n## Milestone: M1 Indexing\n\n### Crawl the pages\nFetch.\n\n"
        "### Build the index\nIndex.\n\n## Meilenstein: Suchmaske\n\n### Suchfeld\nX.\n\n"
        "## Hito — Piloto\n\n### Invitar equipos\nY.\n\n## **Jalon : Recette**\n\n"
        "### Tests de charge\nZ.\n"
    )
    assert milestones(plan) == {
        "Crawl the pages": "M1 Indexing",
        "Build the index": "M1 Indexing",
        "Suchfeld": "Suchmaske",
        "Invitar equipos": "Piloto",
        "Tests de charge": "Recette",
    }
    assert [m.key for m in plan.milestones] == ["m1", "suchmaske", "piloto", "recette"]


def test_a_bold_name_keeps_the_underscores_of_its_code() -> None:
    """``**Dual write behind `attachments.dual_write`.**`` names its item: an underscore
    inside a bold name (a code span, snake_case) does not end it; only the delimiter does."""
    plan = plan_of(
        "# Plan\n\n1. **Introduce the `blob_store` module.** Put the call sites behind it.\n"
        "2. **Dual write behind `attachments.dual_write`.** New uploads go to both. Starts "
        "only once item 1 is merged.\n3. **Fix user_id lookup** — the index is missing.\n"
    )
    assert titles(plan) == [
        "Introduce the `blob_store` module",
        "Dual write behind `attachments.dual_write`",
        "Fix user_id lookup",
    ]
    assert [e.blocker_key for e in plan.edges] == [plan.tasks[0].key]
    headed = plan_of(
        "# Plan\n\n## Work\n\nIntro.\n\n**Rename __init__ hooks**\n\nThe hooks move.\n\n"
        "**Drop the old_api shim**\n\nNobody calls it.\n"
    )
    assert titles(headed) == ["Rename __init__ hooks", "Drop the old_api shim"]


def test_work_packages_by_number_name_the_rows_of_a_numbered_table() -> None:
    """``Arbeitspakete 1 bis 2`` and ``Arbeitspaket 3`` name the rows numbered so in a "Nr."
    column, not the chapters numbered so; in a milestone line and in a dependency."""
    plan = plan_of(
        "# Konzept\n\n## 1. Ausgangslage\n\nText.\n\n## 2. Arbeitspakete\n\n"
        "| Nr. | Arbeitspaket | Priorität |\n|---|---|---|\n| 1 | Datenbereinigung | hoch |\n"
        "| 2 | Einrichtung VereinsPilot | hoch |\n| 3 | Schulung | mittel |\n\n"
        "## 3. Abhängigkeiten\n\n- Arbeitspaket 3 setzt Arbeitspaket 2 voraus.\n\n"
        "## 4. Meilensteine\n\n- **Meilenstein 1 – Daten (Ende Januar):** Arbeitspakete 1 bis 2.\n"
        "- **Meilenstein 2 – Start:** Arbeitspaket 3.\n"
    )
    assert milestones(plan) == {
        "Datenbereinigung": "Meilenstein 1 – Daten (Ende Januar)",
        "Einrichtung VereinsPilot": "Meilenstein 1 – Daten (Ende Januar)",
        "Schulung": "Meilenstein 2 – Start",
    }
    title = {t.key: t.title for t in plan.tasks}
    assert [(title[e.task_key], title[e.blocker_key]) for e in plan.edges] == [
        ("Schulung", "Einrichtung VereinsPilot")
    ]


def test_items_by_number_name_numbered_headings_when_no_list_or_row_has_them() -> None:
    """``items 1–2`` in a milestone line, in a plan whose work is headings ``1.`` and ``2.``."""
    plan = plan_of(
        "# Design\n\n## Work plan\n\n### 1. Outbox table (P0)\nX.\n\n### 2. Relay (P0)\nY.\n\n"
        "### 3. Cutover (P1)\nZ.\n\n## Milestones\n\n- **M1 — Shadow (Dec 18):** items 1–2.\n"
        "- **M2 — Cutover (Jan 29):** item 3.\n"
    )
    assert milestones(plan) == {
        "Outbox table": "M1 — Shadow (Dec 18)",
        "Relay": "M1 — Shadow (Dec 18)",
        "Cutover": "M2 — Cutover (Jan 29)",
    }


def test_a_lettered_phase_heads_its_items_and_named_items_with_a_priority_are_tasks() -> None:
    """``Phase A – …`` is a milestone like ``Phase 1 — …``; items led by a name and a priority
    in parentheses (``**Auswahl** (hoch) – …``) are its tasks, not criteria of the phase."""
    plan = plan_of(
        "# Projektauftrag\n\n## Arbeitspakete\n\n### Phase A – Vorbereitung\n\n"
        "- **Anforderungsaufnahme** (hoch) – zwei Workshops.\n"
        "- **Auswahl des Anbieters** (mittel) – Marktsichtung und Teststellungen.\n\n"
        "### Phase B – Einführung\n\n- **Schulung** (niedrig) – zwei Termine.\n"
        "- **Umstellung** (hoch) – ab dem Folgemonat.\n\n### Phase E-Mail-Versand\n\nText.\n"
    )
    assert milestones(plan) == {
        "Anforderungsaufnahme": "Phase A – Vorbereitung",
        "Auswahl des Anbieters": "Phase A – Vorbereitung",
        "Schulung": "Phase B – Einführung",
        "Umstellung": "Phase B – Einführung",
        "Phase E-Mail-Versand": None,
    }
    assert priorities(plan)["Auswahl des Anbieters"] == "medium"


def test_a_title_does_not_repeat_the_priority_its_task_carries() -> None:
    """Traffic lights and a bracketed priority at either end leave the title; the task keeps
    the priority, and its key the title as written (re-imports match on it)."""
    plan = plan_of(
        "# Summit\n\n## Venue\n\n- [ ] 🔴 Sign the venue contract — @carla — due Feb 6\n"
        "- [ ] 🟡 Reserve a dinner venue — @carla\n\n## Features\n\n### [Muss] Tarif-API v2\nX.\n\n"
        "### Outbox table (P0)\nY.\n\n### Cache (Redis)\nZ.\n"
    )
    assert priorities(plan) == {
        "Sign the venue contract": "critical",
        "Reserve a dinner venue": "medium",
        "Tarif-API v2": "high",
        "Outbox table": "critical",
        "Cache (Redis)": "medium",
    }
    assert [t.key.rsplit("/", 1)[-1] for t in plan.tasks][2:4] == [
        "muss-tarif-api-v2",
        "outbox-table-p0",
    ]


def test_an_exported_card_is_titled_without_its_owner_and_due_date() -> None:
    """``Sign venue contract — Priya Nair — Jun 13``: a board export's owner and date leave the
    title for the task's text; a second part with no date after it stays."""
    plan = plan_of(
        "# Conference\n\n## Venue\n\n- [ ] Sign venue contract — Priya Nair — Jun 13\n"
        "- [ ] Post-event survey — Unassigned — No due date\n\n## App\n\n"
        "- [ ] Ship the app — 2026-06-01\n- [ ] Export — Android\n"
    )
    assert titles(plan) == [
        "Sign venue contract",
        "Post-event survey",
        "Ship the app",
        "Export — Android",
    ]
    assert "Priya Nair — Jun 13" in plan.tasks[0].description


def test_why_and_what_success_looks_like_are_context_in_four_languages() -> None:
    plan = plan_of(
        "# Summit\n\n## Why a summit this year\nChurn went up.\n\n## Warum jetzt\nText.\n\n"
        "## Pourquoi ce projet\nTexte.\n\n## What success looks like\n\n- 250 registered\n"
        "- NPS ≥ 50\n\n## Book the venue\nDo it.\n"
    )
    assert titles(plan) == ["Book the venue"]
    assert reasons(plan)["What success looks like"] == "how success is measured, not work"
    assert reasons(plan)["Warum jetzt"] == "background or context, not work"


def test_a_task_table_under_a_heading_with_a_notes_sub_section_is_still_the_work() -> None:
    """``Cronograma de tareas`` over its task table and a ``Notas`` sub-section: the rows are the
    tasks; notes led by a row's id are notes on it."""
    plan = plan_of(
        "# Cronograma\n\n## 4. Cronograma de tareas\n\n"
        "| ID | Tarea | Prioridad | S1 | S2 | Depende de |\n"
        "|---|---|---|---|---|---|\n| T1 | Actualizar Gesden | Alta | ██ | | — |\n"
        "| T2 | Conector con la API | Alta | | ██ | T1 |\n| T3 | Diseño UX | Media | ██ | | — |\n\n"
        "### Notas al cronograma\n\n- T1 lo hace el equipo de IT del cliente.\n"
    )
    assert titles(plan) == ["T1 Actualizar Gesden", "T2 Conector con la API", "T3 Diseño UX"]
    assert pairs(plan) == {("T1 Actualizar Gesden", "T2 Conector con la API")}


def test_priorities_from_every_form_and_the_own_beats_the_inherited() -> None:
    plan = plan_of(
        "# Epic\n\nPriority: High\n\n## A\nPriorität: niedrig\n\n## B\n"
        "**Imprescindible.** El cliente paga.\n\n## C\nTexto. Priorité : basse.\n\n"
        "## D\n- **Type:** Story · **Priority:** Highest\n\n## E\nNothing stated.\n"
    )
    assert priorities(plan) == {
        "A": "low",
        "B": "high",
        "C": "low",
        "D": "critical",
        "E": "high",
    }


def test_a_heading_that_names_a_priority_is_a_bucket_of_that_priority() -> None:
    plan = plan_of(
        "# Backlog\n\n## Must have\n- Book a room\n- Cancel a booking\n\n"
        "## Nice to have\n- Recurring bookings\n\n## Won't have\n- Catering\n"
    )
    assert priorities(plan) == {
        "Book a room": "high",
        "Cancel a booking": "high",
        "Recurring bookings": "low",
    }


def test_wrapped_criteria_stay_whole_and_channels_hosts_and_events_are_left_out() -> None:
    plan = plan_of(
        "## Catalogue sync\nSlack: #billing-v2, ask legal in #legal. #backend\n\n"
        "Done when:\n- every active plan has a Price\n  with our plan code\n"
        "- the drift job pages #billing-v2 on mismatch\n\n"
        "Uses `core/sync.py`, `tandem.app/press`, `invoice.paid` and `config.yaml`.\n"
    )
    (task,) = plan.tasks
    assert task.acceptance_criteria == [
        "every active plan has a Price with our plan code",
        "the drift job pages #billing-v2 on mismatch",
    ]
    assert task.labels == ["backend"]
    assert task.context_files == ["core/sync.py", "config.yaml"]


def test_a_dated_schedule_list_is_work_and_item_titles_lose_their_marks() -> None:
    retro = plan_of(
        "# Boutique\n\n## Rétroplanning\n\n- **J-60** — Signer le bail du local\n"
        "- **J-45** — Travaux d'aménagement, après le bail\n"
        "- **J-15** — Installation de la caisse, une fois les travaux terminés\n"
    )
    assert titles(retro) == [
        "Signer le bail du local",
        "Travaux d'aménagement",
        "Installation de la caisse",
    ]
    assert pairs(retro) == {
        ("Signer le bail du local", "Travaux d'aménagement"),  # "après le bail", described
        ("Travaux d'aménagement", "Installation de la caisse"),
    }
    requirements = plan_of(
        "## Functional requirements\n\n- **FR-1** Sellers add a bank account. Priority: P0\n"
        "- **FR-2** Weekly payout run. Depends on FR-1.\n"
    )
    assert priorities(requirements) == {
        "FR-1 Sellers add a bank account": "critical",
        "FR-2 Weekly payout run": "medium",
    }
