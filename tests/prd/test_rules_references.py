"""Issue 21's dependency rules: phrases anywhere in a sentence, sections, and the matcher."""

from __future__ import annotations

from tests.prd.plans import codes, pairs, plan_of


def test_dependency_phrases_anywhere_in_a_sentence_in_four_languages() -> None:
    plan = plan_of(
        "## Plan\n\n### 1.3 Infrastructure\nVPC.\n\n### Invitations\nInvite by mail.\n\n"
        "### Seats\nBill per seat. Depends on: Invitations\n\n"
        "### Replication\nStreams. Needs the infrastructure (1.3).\n\n"
        "### Anbindung\nErst nach Abschluss der Replication, sonst Rohdaten.\n\n"
        "### Dépôt\nNe peut commencer qu'une fois les seats disponibles.\n\n"
        "### Webhooks\nIt has to be live before the anbindung ships.\n"
    )
    assert pairs(plan) == {
        ("Invitations", "Seats"),
        ("Infrastructure", "Replication"),
        ("Replication", "Anbindung"),
        ("Seats", "Dépôt"),
        ("Webhooks", "Anbindung"),
    }
    reasons = {e.because for e in plan.edges}
    assert "Depends on: Invitations" in reasons


def test_ids_numbers_and_german_wrapped_targets() -> None:
    plan = plan_of(
        "## Anforderungen\n\n### A3 Buchung\nX.\n\n### A4 Erinnerungen\nVoraussetzung: A3.\n\n"
        "### A5 Warteliste\nSetzt die Erinnerungen (A4) voraus.\n\n"
        "### A6 Auswertung\nNécessite A3 et A5.\n"
    )
    assert pairs(plan) == {
        ("A3 Buchung", "A4 Erinnerungen"),
        ("A4 Erinnerungen", "A5 Warteliste"),
        ("A3 Buchung", "A6 Auswertung"),
        ("A5 Warteliste", "A6 Auswertung"),
    }


def test_reverse_links_and_statements_of_no_dependency() -> None:
    plan = plan_of(
        "## Issues\n\n### PAY-1 Validation\n- **Links:** blocks PAY-2\n\n### PAY-2 Buttons\nX.\n\n"
        "### PAY-3 Analytics\n- **Links:** relates to PAY-2\n\n### Routing\n"
        "Independent of PAY-1. Can run in parallel with PAY-2.\n\n"
        "### Setup\nDepends on: none\n\n### Cleanup\nDepends on: nothing; can start right away\n"
    )
    assert pairs(plan) == {("PAY-1 Validation", "PAY-2 Buttons")}
    assert codes(plan) == []


def test_whole_titles_beat_splitting_and_prefixes() -> None:
    plan = plan_of(
        "## Search\nBasic.\n\n## Search and filters\nFacets.\n\n## Roles and permissions\nRBAC.\n\n"
        "## Export\nDepends on: Search and filters, Roles and permissions\n"
    )
    assert pairs(plan) == {("Search and filters", "Export"), ("Roles and permissions", "Export")}


def test_an_ambiguous_reference_is_a_warning_with_candidates_never_an_edge() -> None:
    plan = plan_of(
        "## Work plan\n\n### Writer library (Go)\nGo.\n\n### Writer library (Python)\nPy.\n\n"
        "### Backfill\nDepends on: the writer library.\n\n"
        "### Consumer\nDepends on: Writer library (Go), Writer library (Python)\n"
    )
    assert pairs(plan) == {
        ("Writer library (Go)", "Consumer"),
        ("Writer library (Python)", "Consumer"),
    }
    (warning,) = plan.warnings
    assert warning.code == "ambiguous_reference"
    assert len(warning.details["candidates"]) == 2  # type: ignore[arg-type]


def test_a_label_that_names_nothing_warns_but_prose_does_not() -> None:
    plan = plan_of("## A\nDepends on: Telemetry dashboard\n\n## B\nOnce the weather improves.\n")
    assert pairs(plan) == set()
    assert codes(plan) == ["dangling_reference"]


def test_dependency_sections_gantt_blocks_and_phase_gates() -> None:
    chain = plan_of(
        "## Roadmap\n\n### Phase 1: MVP\n- Recipe import\n- Weekly planner\n\n"
        "### Phase 2: Shopping\n- Shopping list\n\n## Logical Dependency Chain\n"
        "1. Recipe import comes first.\n2. The weekly planner builds on imported recipes.\n"
        "3. The shopping list needs a planned week.\n"
    )
    assert pairs(chain) == {
        ("Recipe import", "Weekly planner"),
        ("Weekly planner", "Shopping list"),
    }
    gantt = plan_of(
        "## Schedule\n\n```mermaid\ngantt\n    Selection :a1, 2025-05-05, 10d\n"
        "    Order :a2, after a1, 20d\n```\n\n## Detail\n\n### Selection\nX.\n\n### Order\nY.\n"
    )
    assert pairs(gantt) == {("Selection", "Order")}
    gate = plan_of(
        "## Plan\n\n### Phase 1: Foundations\n\n#### IDs\nX.\n\n#### Infra\nY.\n\n"
        "### Phase 2: Reads\n\nPhase 2 starts when all of Phase 1 is in production.\n\n"
        "#### Replication\nZ. Needs the Infra.\n"
    )
    assert pairs(gate) == {("IDs", "Replication"), ("Infra", "Replication")}


def test_a_dependency_section_orders_phases_and_leaves_out_implied_order() -> None:
    plan = plan_of(
        "# Roadmap\n\n## Phase 1: Foundation\n- Recipe model\n- Recipe import\n\n"
        "## Phase 2: Planning\n- Weekly planner UI\n\n## Phase 3: Shopping\n- Shopping list\n\n"
        "## Logical Dependency Chain\n- Phase 1 must be complete before Phase 2 starts.\n"
        "- The shopping list needs the weekly planner UI.\n"
    )
    assert pairs(plan) == {
        ("Recipe model", "Weekly planner UI"),
        ("Recipe import", "Weekly planner UI"),
        ("Weekly planner UI", "Shopping list"),
    }


def test_a_title_led_by_a_numbered_part_is_named_by_that_part() -> None:
    plan = plan_of(
        "## Umsetzungsschritte\n\n**Schritt 1 – Kafka bereitstellen**\nDrei Broker.\n\n"
        "**Schritt 2 – Ingest bauen**\nIdempotent.\n\n"
        "**Schritt 3 – Export**\nNach Schritt 2. Braucht Daten aus Schritt 1.\n"
    )
    assert pairs(plan) == {
        ("Schritt 2 – Ingest bauen", "Schritt 3 – Export"),  # a weak "nach", whole
        ("Schritt 1 – Kafka bereitstellen", "Schritt 3 – Export"),  # inside a phrase
    }


def test_numbered_parts_named_together_are_each_named() -> None:
    plan = plan_of(
        "## 7. Umsetzung\n\n**Schritt 1 – Kafka**\nX.\n\n**Schritt 2 – Ingest**\nX.\n\n"
        "**Schritt 3 – Export**\nX.\n\n**Schritt 4 – Umschaltung**\n"
        "Voraussetzungen: Schritte 1, 2 und 3.\n"
    )
    # Not chapter "7." for a bare "7": each "Schritt n" task.
    assert pairs(plan) == {
        ("Schritt 1 – Kafka", "Schritt 4 – Umschaltung"),
        ("Schritt 2 – Ingest", "Schritt 4 – Umschaltung"),
        ("Schritt 3 – Export", "Schritt 4 – Umschaltung"),
    }


def test_sentences_after_a_label_on_its_line_are_read_as_prose() -> None:
    plan = plan_of(
        "## Plan\n\n### Kafka cluster\nPriority: high. Three brokers.\n\n"
        "### Ingest service\nPriorität: hoch. Setzt den Kafka cluster voraus.\n\n"
        "### Export\nPriorité : moyenne. Nécessite le Ingest service.\n"
    )
    assert pairs(plan) == {
        ("Kafka cluster", "Ingest service"),
        ("Ingest service", "Export"),
    }
    assert [t.priority for t in plan.tasks] == ["high", "high", "medium"]


def test_step_n_names_the_numbered_step_even_beside_a_heading_n() -> None:
    plan = plan_of(
        "## 1. Background\n\nContext.\n\n## 2. Data\n\nTables.\n\n## 3. Phases\n\n"
        "### Phase 1\n\n1. **Freeze the labels** — review.\n2. **Baseline model** — LightGBM.\n"
        "3. **Backtest** — by station. Waits for step 2.\n"
    )
    assert ("Baseline model", "Backtest") in pairs(plan)
