"""Dependencies that name their blocker by a description (``core.prd.plan.describe``).

"once the relay is publishing", "sobald die Stammdaten übernommen sind": no id, number or
title, but words that one task's title holds. One clear winner is an edge that says why; two
close ones are a warning with both; the referring task is never its own blocker.
"""

from __future__ import annotations

from core.prd.models import Granularity, ImportPlan
from tests.prd.plans import codes, pairs, plan_of


def because(plan: ImportPlan) -> dict[tuple[str, str], str]:
    """(blocker title, waiting title) → the edge's explanation."""
    title = {t.key: t.title for t in plan.tasks}
    return {(title[e.blocker_key], title[e.task_key]): e.because for e in plan.edges}


def test_a_description_names_the_one_task_whose_title_holds_its_words() -> None:
    plan = plan_of(
        "## Work plan\n\n### Outbox relay\nTails the outbox table.\n\n"
        "### Delivery workers\nStart once the relay is publishing.\n\n"
        "### Signing key rotation\nIndependent.\n\n"
        "### Shadow cutover\nOnly after the retry scheduler is in and key rotation is done.\n\n"
        "### Retry scheduler\nExponential backoff.\n"
    )
    assert pairs(plan) == {
        ("Outbox relay", "Delivery workers"),
        ("Retry scheduler", "Shadow cutover"),
        ("Signing key rotation", "Shadow cutover"),
    }
    # The preview and --json say why the edge exists.
    assert because(plan)[("Outbox relay", "Delivery workers")] == (
        "“Start once the relay is publishing”: “the relay” matches “Outbox relay” by relay"
    )
    assert "ambiguous_reference" not in codes(plan)


def test_two_tasks_that_fit_a_description_alike_give_a_warning_and_no_edge() -> None:
    plan = plan_of(
        "## Tasks\n\n### Android push client\nFCM.\n\n### iOS push client\nAPNs.\n\n"
        "### Notification settings\nStarts once the push client is merged.\n"
    )
    assert plan.edges == []
    (warning,) = [w for w in plan.warnings if w.code == "ambiguous_reference"]
    assert "“the push client”" in warning.message
    assert "Android push client" in warning.message
    assert "iOS push client" in warning.message
    titles = {t.key: t.title for t in plan.tasks}
    candidates = warning.details["candidates"]
    assert isinstance(candidates, list)
    assert sorted(titles[c[0]] for c in candidates) == ["Android push client", "iOS push client"]


def test_a_description_never_names_the_referring_task() -> None:
    plan = plan_of(
        "## Tasks\n\n### Search index rebuild\nNeeds the search index snapshot first.\n\n"
        "### Ranking tweaks\nSmall.\n"
    )
    assert plan.edges == []


def test_descriptions_are_read_alike_in_german_spanish_and_french() -> None:
    plan = plan_of(
        "## Arbeitspakete\n\n### Mitarbeiterstammdaten übernehmen\nExport aus SAP.\n\n"
        "### Lohnexport\nSobald die Stammdaten übernommen sind.\n\n"
        "## Tareas\n\n### Catálogo de productos\nFichas y fotos.\n\n"
        "### Campaña de lanzamiento\nCuando el catalogo esté cargado.\n\n"
        "## Actions\n\n### Raccordement comptable\nExport des écritures.\n\n"
        "### Pilote\nLe pilote démarre une fois la comptabilité raccordée.\n"
    )
    assert pairs(plan) == {
        ("Mitarbeiterstammdaten übernehmen", "Lohnexport"),  # a compound's part
        ("Catálogo de productos", "Campaña de lanzamiento"),  # accents folded
        ("Raccordement comptable", "Pilote"),  # comptabilité / comptable
    }


def test_a_german_sentence_names_an_english_title() -> None:
    plan = plan_of(
        "## Umsetzung\n\n### Sales dashboard\nPower BI.\n\n"
        "### Schulung\nErst wenn das Dashboard produktiv ist.\n"
    )
    assert pairs(plan) == {("Sales dashboard", "Schulung")}


def test_events_durations_and_bare_nouns_after_a_weak_phrase_name_no_task() -> None:
    plan = plan_of(
        "## Anforderungen\n\n### Booking page\nSlots per branch.\n\n"
        "### Reminder emails\nSent after each booking and two days before the visit.\n\n"
        "### Fahrzeugtypen pflegen\nStammdaten.\n\n"
        "### Buchungsliste\nSortiert nach Zeitraum und Fahrzeugtyp.\n"
    )
    assert plan.edges == []


def test_a_label_that_describes_its_blocker_is_no_dangling_reference() -> None:
    plan = plan_of(
        "## Plan\n\n### Daily batch scoring job\nWrites scores at 05:00.\n\n"
        "### Control-room tile\nDepends on: the scoring job\n"
    )
    assert pairs(plan) == {("Daily batch scoring job", "Control-room tile")}
    assert "dangling_reference" not in codes(plan)


def test_a_step_never_describes_its_own_parent_at_fine_granularity() -> None:
    plan = plan_of(
        "## Tasks\n\n### Billing export\n\n- [ ] Write the exporter\n"
        "- [ ] Load test, once the billing data is exported to staging\n\n"
        "### Invoice emails\nSent once the billing export is live.\n",
        Granularity.FINE,
    )
    title = {t.key: t.title for t in plan.tasks}
    described = {
        (title[e.blocker_key], title[e.task_key]) for e in plan.edges if e.reason != "parent"
    }
    assert described == {("Billing export", "Invoice emails")}
    assert "cycle" not in codes(plan)  # no step → parent edge to break
