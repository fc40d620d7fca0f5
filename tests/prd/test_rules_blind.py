"""The rules that documents written blind showed missing (corpus README, issue 21's note).

Each test is a few lines in the shape such a document had, with what a careful planner reads
from them: the corpus keeps the overall scores, these keep each rule.
"""

from __future__ import annotations

from core.domain.models import Priority
from core.prd.models import ImportPlan
from core.prd.plan.outline import plain_outline
from tests.prd.plans import codes, pairs, plan_of, titles


def members(plan: ImportPlan) -> dict[str, set[str]]:
    """Milestone name → the titles of its tasks."""
    names = {m.key: m.name for m in plan.milestones}
    out: dict[str, set[str]] = {}
    for task in plan.tasks:
        if task.milestone_key:
            out.setdefault(names[task.milestone_key], set()).add(task.title)
    return out


def test_issue_numbers_and_dotted_ids_name_their_tasks() -> None:
    plan = plan_of(
        "## Tasks\n\n- [ ] #405 Semantic tokens\n- [ ] #406 Theme provider — blocked by #405\n"
        "- [ ] Migration guide (#150), needs #406\n\n"
        "## Lot 1\n\n### F1.1 — Login\nX.\n\n### F1.2 — Connecteur\nX.\n\n"
        "### F1.3 — Tableau de bord\nElle nécessite la F1.1 et la F1.2.\n"
    )
    assert pairs(plan) == {
        ("#405 Semantic tokens", "#406 Theme provider"),
        ("#406 Theme provider", "Migration guide (#150)"),
        ("F1.1 — Login", "F1.3 — Tableau de bord"),
        ("F1.2 — Connecteur", "F1.3 — Tableau de bord"),
    }


def test_a_target_ends_at_its_verb_and_a_negation_drops_or_turns_a_phrase() -> None:
    plan = plan_of(
        "## Now\n\n**Receipt OCR v2** · `P0`\nExtraction on the server.\n\n"
        "**Card matching** · `P0`\nThis can only ship once receipt OCR is live.\n\n"
        "**Offline queue** · `P1`\nThis deliberately does not wait for OCR.\n\n"
        "**Multi-currency** · `P2`\nThis can't move before OCR v2 ships.\n"
    )
    assert pairs(plan) == {
        ("Receipt OCR v2", "Card matching"),
        ("Receipt OCR v2", "Multi-currency"),
    }
    # The tag after a bold title is its priority, not part of its name.
    assert [t.priority for t in plan.tasks] == [
        Priority.CRITICAL,
        Priority.CRITICAL,
        Priority.HIGH,
        Priority.MEDIUM,
    ]


def test_numbered_items_are_named_by_their_numbers() -> None:
    plan = plan_of(
        "## Execution plan\n\n1. **Schedule engine** — Priya. Launch-blocking.\n"
        "2. **Occupancy pipeline** — Tomás. Nice to have.\n"
        "3. **Suggestion model** — Dana. Launch-blocking. (needs 1, 2)\n"
    )
    assert pairs(plan) == {
        ("Schedule engine", "Suggestion model"),
        ("Occupancy pipeline", "Suggestion model"),
    }
    priority = {t.title: t.priority for t in plan.tasks}
    assert priority["Schedule engine"] is Priority.CRITICAL
    assert priority["Occupancy pipeline"] is Priority.LOW


def test_requirements_written_as_bold_led_paragraphs_are_tasks() -> None:
    plan = plan_of(
        "## Requirements\n\n**R1. Usage ingestion** (P0). Every service emits events.\n\n"
        "**R2. Hourly rollups** (P0). Depends on R1.\n\n"
        "**R3. Usage page** — P1. Needs R2.\n"
    )
    assert titles(plan) == ["R1. Usage ingestion", "R2. Hourly rollups", "R3. Usage page"]
    assert pairs(plan) == {
        ("R1. Usage ingestion", "R2. Hourly rollups"),
        ("R2. Hourly rollups", "R3. Usage page"),
    }


def test_a_dependency_sections_table_draws_its_edges() -> None:
    plan = plan_of(
        "## Anforderungen\n\n- [A-01] Dienstplan anlegen (Priorität: hoch)\n"
        "- [A-02] Schichten tauschen (Priorität: mittel)\n- [A-03] Export (Priorität: niedrig)\n\n"
        "## Abhängigkeiten\n\n| Anforderung | benötigt |\n|---|---|\n| A-02 | A-01 |\n"
        "| A-03 | A-01, A-02 |\n"
    )
    by_id = {t.title.split("]")[0].strip("[") for t in plan.tasks}
    assert by_id == {"A-01", "A-02", "A-03"}
    assert {(b[:5], w[:5]) for b, w in pairs(plan)} == {
        ("[A-01", "[A-02"),
        ("[A-01", "[A-03"),
        ("[A-02", "[A-03"),
    }


def test_phases_list_their_tasks_by_id_range_or_after_includes() -> None:
    plan = plan_of(
        "## Anforderungen\n\n| ID | Anforderung | Priorität |\n|---|---|---|\n"
        "| LH-01 | Stellen anlegen | hoch |\n| LH-02 | Bewerbungen | hoch |\n"
        "| LH-03 | Termine | mittel |\n| LH-04 | Absagen | niedrig |\n\n"
        "## Projektphasen\n\n### Phase 1 – Grundfunktionen\n\nLH-01 bis LH-03.\n\n"
        "### Phase 2 – Ausbau\n\nDanach. Incluye LH-04.\n"
    )
    got = members(plan)
    assert got["Phase 1 – Grundfunktionen"] == {
        "LH-01 Stellen anlegen",
        "LH-02 Bewerbungen",
        "LH-03 Termine",
    }
    assert got["Phase 2 – Ausbau"] == {"LH-04 Absagen"}


def test_phase_bullets_hold_their_tasks_and_bracketed_priorities_mark_items() -> None:
    plan = plan_of(
        "## Work breakdown\n\n- **Phase 1 — Measurement (weeks 1–3)**\n"
        "  - [must] **Click logging** — Priya, 5d.\n"
        "  - [nice] **Health dashboard** — Aiko, 3d. Blocked until the click logs land.\n"
    )
    assert titles(plan) == ["Click logging", "Health dashboard"]
    assert members(plan) == {"Phase 1 — Measurement (weeks 1–3)": set(titles(plan))}
    assert pairs(plan) == {("Click logging", "Health dashboard")}
    assert [t.priority for t in plan.tasks] == [Priority.HIGH, Priority.LOW]


def test_notes_below_a_task_table_describe_its_rows() -> None:
    plan = plan_of(
        "## Workstreams\n\n| Workstream | Owner | Depends on |\n|---|---|---|\n"
        "| Connection data model | Priya | — |\n| SAML service provider | Priya |"
        " Connection data model |\n\n"
        "- **SAML service provider** — metadata and ACS endpoints, replay cache in Redis.\n"
    )
    assert titles(plan) == ["Connection data model", "SAML service provider"]
    saml = plan.tasks[1]
    assert "replay cache in Redis" in saml.description
    assert pairs(plan) == {("Connection data model", "SAML service provider")}


def test_a_one_word_reference_that_several_titles_hold_draws_no_edge() -> None:
    plan = plan_of(
        "## Fase 1\n\n- [ ] Sesión de fotos de producto — Luis (alta)\n"
        "- [ ] Fotos de las tiendas — Luis (baja)\n- [ ] Preparar la campaña — Luis\n"
        "  Depende de: las fotos\n"
    )
    assert pairs(plan) == set()
    assert "ambiguous_reference" in codes(plan)
    priority = {t.title: t.priority for t in plan.tasks}
    assert priority["Sesión de fotos de producto — Luis"] is Priority.HIGH


def test_sections_that_are_not_work_in_the_blind_documents() -> None:
    plan = plan_of(
        "## Press release\n\nToday we launch.\n\n## Root cause\n\nA timeout.\n\n"
        "## Matriz RACI\n\n| Tarea | R |\n|---|---|\n| Carga | Ana |\n\n"
        "## If something goes wrong\n\nRoll back.\n\n## Legende\n\n🔴 Muss\n\n"
        "## Build\n\nShip the thing.\n"
    )
    assert titles(plan) == ["Build"]
    assert {n.section_path[-1] for n in plan.not_tasks} >= {
        "Press release",
        "Root cause",
        "Matriz RACI",
        "If something goes wrong",
        "Legende",
    }


def test_milestones_named_in_a_block_anywhere_hold_the_ids_they_list() -> None:
    plan = plan_of(
        "## Plan d'action\n\n| N° | Action | Priorité |\n|---|---|---|\n"
        "| A1 | Signer l'avenant | Haute |\n| A2 | Commander les valideurs | Haute |\n"
        "| A3 | Former les agents | Basse |\n\n"
        "- **Jalon 1 — Valideurs certifiés (12 mars)** : A1, A2\n"
        "- **Jalon 2 — Ouverture au public (12 avril)** : A3\n\n"
        "## Calendar\n\n| Milestone | Date | Done when |\n|---|---|---|\n"
        "| M1 | 25.10.2024 | AP 1.1 bis 1.2 erledigt |\n| M2 | 29.11.2024 | AP 2.1 erledigt |\n\n"
        "## Work packages\n\n| No. | Work package | Predecessor |\n|---|---|---|\n"
        "| 1.1 | Survey | – |\n| 1.2 | Mapping | 1.1 |\n| 2.1 | Cutover | 1.2 |\n"
    )
    assert titles(plan) == [
        "A1 Signer l'avenant",
        "A2 Commander les valideurs",
        "A3 Former les agents",
        "1.1 Survey",
        "1.2 Mapping",
        "2.1 Cutover",
    ]
    assert members(plan) == {
        "Jalon 1 — Valideurs certifiés (12 mars)": {
            "A1 Signer l'avenant",
            "A2 Commander les valideurs",
        },
        "Jalon 2 — Ouverture au public (12 avril)": {"A3 Former les agents"},
        "M1": {"1.1 Survey", "1.2 Mapping"},
        "M2": {"2.1 Cutover"},
    }


def test_a_table_with_ids_and_priorities_is_work_and_items_led_by_its_ids_are_notes() -> None:
    plan = plan_of(
        "## Commitments\n\n| ID | Commitment | Priority | Depends on |\n|---|---|---|---|\n"
        "| C1 | Move CI to Buildkite | P0 | — |\n| C2 | Remote build cache | P1 | C1 |\n"
        "| C3 | Preview environments | P1 | — |\n\n"
        "Notes:\n\n- **C1** includes the cutover of 212 jobs.\n"
        "- **C3**: needs the build cache, so it waits for C2.\n"
    )
    assert titles(plan) == [
        "C1 Move CI to Buildkite",
        "C2 Remote build cache",
        "C3 Preview environments",
    ]
    assert [t.priority for t in plan.tasks] == [Priority.CRITICAL, Priority.HIGH, Priority.HIGH]
    assert pairs(plan) == {
        ("C1 Move CI to Buildkite", "C2 Remote build cache"),
        ("C2 Remote build cache", "C3 Preview environments"),
    }


def test_sections_around_a_work_plan_are_context_unless_they_carry_task_parts() -> None:
    plan = plan_of(
        "# ADR 12: attachments on S3\n\n## Storage today\n\n- NFS on two filers\n- 4 TB\n\n"
        "## Vendors we looked at\n\n1. NetApp\n2. S3\n\n"
        "## Implementation plan\n\n1. Storage interface\n2. S3 backend\n\n"
        "## Search index\n\nPriority: P1\n\nReindex the attachments.\n\n"
        "## Verification\n\n### V1. Retest\nX.\n"
    )
    assert titles(plan) == ["Storage interface", "S3 backend", "Search index", "V1. Retest"]
    skipped = {s.section_path[-1]: s.reason for s in plan.not_tasks}
    assert skipped["Storage today"].startswith("context around the work plan")
    assert skipped["Vendors we looked at"].startswith("context around the work plan")


def test_gates_follows_and_must_not_start_before_state_dependencies() -> None:
    plan = plan_of(
        "## Implementation plan\n\n"
        "1. **Buckets.** Terraform.\n"
        "2. **Dual write.** Writes go to both.\n"
        "3. **Backfill.** It must not start in a region before dual write (item 2) is on.\n"
        "4. **Switch reads.** Gate: item 3.\n"
        "5. **Stop NFS writes.** Follows item 4.\n\n"
        "## Actividades\n\nLas fases son secuenciales.\n\n### Fase 1\n\n- PR-01 Entorno\n\n"
        "### Fase 2\n\n- PR-02 Ejecución\n"
    )
    assert {
        ("Dual write", "Backfill"),
        ("Backfill", "Switch reads"),
        ("Switch reads", "Stop NFS writes"),
        ("PR-01 Entorno", "PR-02 Ejecución"),
    } <= pairs(plan)


def test_a_scope_list_of_prioritised_entries_is_the_work_and_adr_and_minutes_words_are_not() -> (
    None
):
    plan = plan_of(
        "## Bet\n\nIf we pay $20 to both sides, referrals grow.\n\n"
        "## Scope\n\n- Referral codes: one per member (Priya, mobile) — P0\n"
        "- Reward payouts: $20 credit to both accounts (Tomás) — P0\n"
        "- Your referrals screen (Priya) — P1\n\n"
        "## Considered options\n\n- Cash bonus\n- Gift cards\n\n"
        "## Ordre du jour\n\n1. Bilan du pilote\n2. Calendrier\n"
    )
    names = [t.split(":")[0].split(" (")[0] for t in titles(plan)]
    assert names == ["Referral codes", "Reward payouts", "Your referrals screen"]
    assert [t.priority for t in plan.tasks] == [Priority.CRITICAL, Priority.CRITICAL, Priority.HIGH]
    assert {s.section_path[-1] for s in plan.not_tasks} == {
        "Bet",
        "Considered options",
        "Ordre du jour",
    }


def test_a_half_or_hito_heading_is_a_milestone_over_its_epics() -> None:
    plan = plan_of(
        "## H1 · Acceso e identidad (enero – marzo)\n\n"
        "- **SSO con Google Workspace** [Alta] — SAML 2.0 y OIDC.\n"
        "- **Registro de actividad xAPI** [Alta] — cada evento.\n\n"
        "## H2 · Campus en el bolsillo (abril – junio)\n\n"
        "- **App de alumnos** [Alta] (requiere el SSO) — React Native.\n"
    )
    assert members(plan) == {
        "H1 · Acceso e identidad (enero – marzo)": {
            "SSO con Google Workspace",
            "Registro de actividad xAPI",
        },
        "H2 · Campus en el bolsillo (abril – junio)": {"App de alumnos"},
    }


def test_an_id_listed_again_under_a_release_is_the_same_task_in_that_milestone() -> None:
    plan = plan_of(
        "## Backlog\n\n| ID | Historia | Prioridad MoSCoW | Bloqueada por |\n|---|---|---|---|\n"
        "| TAP-01 | Registro con SMS | Must | — |\n| TAP-02 | Direcciones | Should | TAP-01 |\n"
        "| TAP-03 | Carrito | Could | TAP-02 |\n\n"
        "## Releases\n\n### R1 — Piloto (objetivo: 17 de abril)\n\n- TAP-01 Registro con SMS\n"
        "- TAP-02 Direcciones de entrega\n\n### R2 — Toda Sevilla\n\n- TAP-03 Carrito\n"
    )
    assert titles(plan) == ["TAP-01 Registro con SMS", "TAP-02 Direcciones", "TAP-03 Carrito"]
    assert [t.priority for t in plan.tasks] == [Priority.HIGH, Priority.MEDIUM, Priority.LOW]
    assert pairs(plan) == {
        ("TAP-01 Registro con SMS", "TAP-02 Direcciones"),
        ("TAP-02 Direcciones", "TAP-03 Carrito"),
    }
    assert members(plan) == {
        "R1 — Piloto (objetivo: 17 de abril)": {"TAP-01 Registro con SMS", "TAP-02 Direcciones"},
        "R2 — Toda Sevilla": {"TAP-03 Carrito"},
    }


def test_a_schedule_table_of_ids_places_tasks_named_with_a_kind_noun() -> None:
    plan = plan_of(
        "## Module 1\n\n### Exigence E-01 — Authentification\nX.\n\n"
        "### Exigence E-02 — Profil\nY.\n\n### Exigence E-03 — Signalement\nZ.\n\n"
        "## Planning prévisionnel\n\n| Lot | Période | Exigences |\n|---|---|---|\n"
        "| Lot 1 — Socle | février → mai | E-01, E-03 |\n| Lot 2 — Démarches | juin | E-02 |\n\n"
        "Le lot 2 démarre après le lot 1.\n"
    )
    assert titles(plan) == [
        "Exigence E-01 — Authentification",
        "Exigence E-02 — Profil",
        "Exigence E-03 — Signalement",
    ]
    assert members(plan) == {
        "Lot 1 — Socle": {"Exigence E-01 — Authentification", "Exigence E-03 — Signalement"},
        "Lot 2 — Démarches": {"Exigence E-02 — Profil"},
    }
    assert "lists milestones" in {s.reason for s in plan.not_tasks}


def test_stretch_goals_with_ids_are_low_work_and_a_quarter_in_review_is_not() -> None:
    plan = plan_of(
        "## Q2 in review\n\n- Shipped: the module registry\n- Missed: the Buildkite pilot\n\n"
        "## Stretch goals\n\n- **S1 — Graviton node pools.** Needs the new clusters.\n"
        "- **S2 — Cost dashboards.** Independent.\n\n"
        "## Bonus\n\n- a Teams version\n- templates\n"
    )
    assert [(t.title, t.priority) for t in plan.tasks] == [
        ("S1 — Graviton node pools", Priority.LOW),
        ("S2 — Cost dashboards", Priority.LOW),
    ]
    assert {s.section_path[-1] for s in plan.not_tasks} == {"Q2 in review", "Bonus"}


def test_remarks_naming_a_row_by_its_id_in_parentheses_are_notes_on_it() -> None:
    plan = plan_of(
        "## Plan d'action\n\n| N° | Action | Priorité |\n|---|---|---|\n"
        "| A1 | Signer l'avenant | Haute |\n| A5 | Recette du plafonnement | Moyenne |\n\n"
        "Remarques :\n\n"
        "- La recette du plafonnement (A5) attend donc aussi la signature de l'avenant (A1).\n"
    )
    assert titles(plan) == ["A1 Signer l'avenant", "A5 Recette du plafonnement"]
    assert pairs(plan) == {("A1 Signer l'avenant", "A5 Recette du plafonnement")}


def test_an_item_is_named_whole_by_its_head_before_a_colon() -> None:
    plan = plan_of(
        "## Scope\n\n- Attribution: tie link click to signup, on top of Branch (Marco) — P0\n"
        "- Attribution dashboard: referrals by channel (Ana) — P2\n"
        "- Eligibility rules: KYC approved, first deposit (Dana) — P0\n\n"
        "## Sequencing\n\nEligibility rules depends on attribution.\n"
    )
    heads = {(a.split(":")[0], b.split(":")[0]) for a, b in pairs(plan)}
    assert heads == {("Attribution", "Eligibility rules")}


def test_a_bracketed_depends_label_with_item_numbers_states_dependencies() -> None:
    plan = plan_of(
        "## Work items\n\n1. **Connector** — deploy the config. M [no deps]\n"
        "2. **Event schema** — in the registry. S [no deps]\n"
        "3. **Doc builder** — consumer group, enrichment. L [depends: 1, 2]\n"
    )
    assert pairs(plan) == {("Connector", "Doc builder"), ("Event schema", "Doc builder")}


def test_an_item_column_of_ids_is_the_id_and_a_list_of_ided_sends_stays_work() -> None:
    plan = plan_of(
        "## Work items\n\n| Item | What | Priority | Blocked by |\n|---|---|---|---|\n"
        "| PAY-901 | Batch payouts endpoint | P0 | — |\n"
        "| PAY-904 | Migration guide | P1 | PAY-901 |\n\n"
        "## Customer communications\n\nThe sends go out in this order.\n\n"
        "1. **C1 Announcement** (1 Mar): cannot go out before the migration guide (PAY-904).\n"
        "2. **C2 Usage reminder** (3 May): per-account email.\n"
    )
    assert titles(plan)[:2] == ["PAY-901 Batch payouts endpoint", "PAY-904 Migration guide"]
    assert [t.priority for t in plan.tasks][:2] == [Priority.CRITICAL, Priority.HIGH]
    assert len(plan.tasks) == 4
    assert ("PAY-901 Batch payouts endpoint", "PAY-904 Migration guide") in pairs(plan)


def test_a_section_whose_parts_a_milestone_table_lists_is_work() -> None:
    plan = plan_of(
        "## 4 Anforderungen\n\n### 4.1 Buchung (Muss)\nX.\n\n### 4.2 Aufruf (Muss)\nY.\n\n"
        "## 5 Leistungen des Auftragnehmers\n\n### 5.1 Testsystem\nA.\n\n### 5.2 Schulung\nB.\n\n"
        "## 6 Terminplan\n\n| Meilenstein | Termin | Inhalt |\n|---|---|---|\n"
        "| M1 Testsystem | 27.03.2026 | 5.1, 4.1 |\n| M2 Aufruf | 08.05.2026 | 4.2, 5.2 |\n"
    )
    assert titles(plan) == ["Buchung", "Aufruf", "Testsystem", "Schulung"]
    assert members(plan) == {
        "M1 Testsystem": {"Testsystem", "Buchung"},
        "M2 Aufruf": {"Aufruf", "Schulung"},
    }


def test_cant_ship_until_and_has_to_land_before_state_dependencies() -> None:
    plan = plan_of(
        "## To-dos\n\n- [ ] **Batch endpoint** — Tomasz\n"
        "- [ ] **Reassign tray** — Noor. Built against a stub, but it can't ship until the "
        "batch endpoint is done.\n"
        "- [ ] **Fix Android push token refresh** — Efua. This has to land before the push "
        "to the receiving tech.\n"
        "- [ ] **Push to the receiving tech** — Efua\n"
    )
    assert pairs(plan) == {
        ("Batch endpoint", "Reassign tray"),
        ("Fix Android push token refresh", "Push to the receiving tech"),
    }


def test_versions_and_nominalised_verbs_name_their_task() -> None:
    plan = plan_of(
        "# Terraform\n- [ ] Upgrade Terraform 1.5 → 1.9 across all workspaces\n"
        "- [ ] Move state to one bucket per environment (after the 1.9 upgrade)\n\n"
        "# Kubernetes\n- [ ] Upgrade EKS 1.27 → 1.29\n\n"
        "# CI\n- [ ] Migrate the 14 remaining Jenkins jobs to GitHub Actions\n"
        "- [ ] Shut down the Jenkins VM (blocked by the job migration)\n"
    )
    assert pairs(plan) == {
        (
            "Upgrade Terraform 1.5 → 1.9 across all workspaces",
            "Move state to one bucket per environment",
        ),
        ("Migrate the 14 remaining Jenkins jobs to GitHub Actions", "Shut down the Jenkins VM"),
    }


def test_one_distinctive_word_names_the_one_task_whose_title_holds_it() -> None:
    plan = plan_of(
        "## To do\n\n- **Build page templates in WordPress** — Leo\n"
        "- **Build pages & move content over** — Leo\n"
        "  - Blocked: needs the templates, the copy and the photos before anything goes in.\n"
        "- **Photo shoot at tutoring night** — Rosa\n"
        "- **Accessibility check** — Leo. Run it once the photos are in.\n"
    )
    # "the photos" is short for the matcher, but the one title holding it is the photo
    # shoot: the descriptive rule (test_rules_descriptions) names it.
    assert pairs(plan) == {
        ("Build page templates in WordPress", "Build pages & move content over"),
        ("Photo shoot at tutoring night", "Build pages & move content over"),
        ("Photo shoot at tutoring night", "Accessibility check"),
    }


def test_an_id_reused_in_the_same_list_under_another_name_is_another_task() -> None:
    plan = plan_of(
        "## Work plan\n\n- W1 Thumbnail worker with libvips\n- W1 Export the audit report\n"
        "- W2 Backfill script\n"
    )
    assert titles(plan) == [
        "W1 Thumbnail worker with libvips",
        "W1 Export the audit report",
        "W2 Backfill script",
    ]


def test_tasks_under_a_milestone_sub_heading_are_not_milestones_themselves() -> None:
    plan = plan_of(
        "## Milestones\n\n### M1 · SCIM core API — Aug 8\n\nEndpoints behind a flag.\n\n"
        "- **ENG-2140** Workspace SCIM tokens — *Urgent* — @hana\n"
        "- **ENG-2141** `/Users` endpoints — *High* — @dmitri\n\n"
        "### M2 · Mapping & safety — Aug 29\n\n- **ENG-2150** Map IdP groups to roles — @lucas\n"
    )
    assert [m.name for m in plan.milestones] == [
        "M1 · SCIM core API — Aug 8",
        "M2 · Mapping & safety — Aug 29",
    ]
    assert members(plan) == {
        "M1 · SCIM core API — Aug 8": {
            "ENG-2140 Workspace SCIM tokens",
            "ENG-2141 /Users endpoints",
        },
        "M2 · Mapping & safety — Aug 29": {"ENG-2150 Map IdP groups to roles"},
    }


def test_a_timeline_titled_with_more_words_still_lists_milestones() -> None:
    plan = plan_of(
        "## Work items\n\n| Item | What |\n|---|---|\n| PAY-1 | Batch endpoint |\n"
        "| PAY-2 | Usage report |\n| PAY-3 | Turn off v1 |\n\n"
        "## Timeline and sunset dates\n\n"
        "**Phase 1 — Get ready (11 Jan – 26 Feb):** PAY-1, PAY-2.\n\n"
        "**Phase 2 — Sunset (31 Aug):** PAY-3.\n\n"
        "| Date | Window |\n|---|---|\n| 15 Jun | 14:00 |\n"
    )
    assert members(plan) == {
        "Phase 1 — Get ready (11 Jan – 26 Feb)": {"PAY-1 Batch endpoint", "PAY-2 Usage report"},
        "Phase 2 — Sunset (31 Aug)": {"PAY-3 Turn off v1"},
    }


def test_a_milestone_lists_numbered_parts_by_range_and_by_list() -> None:
    plan = plan_of(
        "## Umsetzung\n\n**Schritt 1 – Kafka**\nX.\n\n**Schritt 2 – Ingest**\nX.\n\n"
        "**Schritt 3 – Export**\nX.\n\n**Schritt 4 – Trino**\nX.\n\n"
        "**Schritt 5 – Umschaltung**\nX.\n\n"
        "### Meilensteine\n\n- **M1 – Schattenbetrieb** (Ziel: 27.03.): Schritte 1 bis 3.\n"
        "- **M2 – Produktivbetrieb** (Ziel: 29.05.): Schritte 4 und 5.\n"
    )
    assert members(plan) == {
        "M1 – Schattenbetrieb": {"Schritt 1 – Kafka", "Schritt 2 – Ingest", "Schritt 3 – Export"},
        "M2 – Produktivbetrieb": {"Schritt 4 – Trino", "Schritt 5 – Umschaltung"},
    }


def test_a_french_ref_column_holds_the_ids_other_rows_name() -> None:
    plan = plan_of(
        "## Vague 0\n\n| Réf. | Action | Priorité | Prérequis |\n|---|---|---|---|\n"
        "| PR-01 | Landing zone AWS | Critique | — |\n"
        "| PR-02 | Liaison Direct Connect | Critique | PR-01 |\n"
    )
    assert pairs(plan) == {("PR-01 Landing zone AWS", "PR-02 Liaison Direct Connect")}


def test_a_milestone_heading_lists_its_tasks_after_a_scope_label() -> None:
    plan = plan_of(
        "## Requirements\n\n| ID | Requirement |\n|---|---|\n| AL-1 | Capture events |\n"
        "| AL-2 | Event schema |\n| AL-3 | Audit log page |\n\n"
        "## Release plan\n\n### Private beta — Oct 14\n\n"
        "Ten design partners, behind a flag. Scope: AL-1 and AL-2.\n\n"
        "### GA — Nov 18\n\nScope: AL-3. Announced in the release notes.\n"
    )
    assert members(plan) == {
        "Private beta — Oct 14": {"AL-1 Capture events", "AL-2 Event schema"},
        "GA — Nov 18": {"AL-3 Audit log page"},
    }


def test_a_legend_gives_its_marks_their_priority_and_they_leave_the_titles() -> None:
    for legend, marks in (
        ("Legend: 🔥 must-have · ⭐ should-have · 💤 nice-to-have", "🔥⭐💤"),
        ("**Legende:** 🚀 Muss · 🙂 Soll · 💭 Kann", "🚀🙂💭"),
        ("Leyenda: 🔥 imprescindible · ⭐ deseable · 💤 opcional", "🔥⭐💤"),
        ("Légende :\n- 🔥 indispensable\n- ⭐ souhaitable\n- 💤 optionnel", "🔥⭐💤"),
    ):
        first, second, third = marks[0], marks[1], marks[2]
        plan = plan_of(
            f"## Action items\n\n{legend}\n\n- [ ] {first} **Get credentials** — @Priya\n"
            f"- [ ] {second} **Write the policy** — @Lena\n- [ ] {third} **Exchanges** — @Tom\n"
        )
        assert titles(plan) == ["Get credentials", "Write the policy", "Exchanges"], legend
        assert [t.priority for t in plan.tasks] == [Priority.HIGH, Priority.MEDIUM, Priority.LOW]


def test_a_prerequisites_column_names_its_rows_by_id() -> None:
    for column in ("Voraussetzung", "Prerequisites", "Prerrequisitos", "Préconditions"):
        plan = plan_of(
            f"## Vorbereitung\n\n| Nr. | Tätigkeit | {column} |\n|---|---|---|\n"
            "| V1 | FortiGates einbauen | – |\n| V2 | Regelwerk migrieren | – |\n"
            "| V3 | Regelwerk-Review | V2 |\n"
        )
        assert pairs(plan) == {("V2 Regelwerk migrieren", "V3 Regelwerk-Review")}, column


def test_a_step_table_declared_sequential_runs_in_order_after_a_range() -> None:
    for said in (
        "The window only starts when V1 to V3 are done. The steps run strictly in order.",
        "Das Fenster wird nur gestartet, wenn V1 bis V3 abgeschlossen sind. Die Schritte werden "
        "streng nacheinander ausgeführt.",
        "La ventana solo se inicia cuando V1 a V3 estén listos. Los pasos se ejecutan en orden.",
        "La fenêtre ne démarre que lorsque V1 à V3 sont terminés. Les étapes se suivent dans "
        "l'ordre.",
    ):
        plan = plan_of(
            "## Prep\n\n| Nr. | Task |\n|---|---|\n| V1 | Install | \n| V2 | Migrate |\n"
            "| V3 | Review |\n| V4 | Inform |\n\n"
            f"## Window\n\n{said}\n\n| Step | Task |\n|---|---|\n| D1 | Back up |\n"
            "| D2 | Switch |\n| D3 | Test |\n"
        )
        assert pairs(plan) >= {
            ("V1 Install", "D1 Back up"),
            ("V2 Migrate", "D1 Back up"),
            ("V3 Review", "D1 Back up"),
            ("D1 Back up", "D2 Switch"),
            ("D2 Switch", "D3 Test"),
        }, said
        assert not any("V4" in a for a, _ in pairs(plan)), said


def test_a_code_column_holds_the_ids_its_dependency_column_names() -> None:
    for ident, deps in (("Código", "Depende de"), ("Kennung", "Abhängig von"), ("Code", "Needs")):
        plan = plan_of(
            f"## Fase 0\n\n| {ident} | Actividad | {deps} |\n|---|---|---|\n"
            "| 0.1 | Firma del contrato | — |\n| 0.2 | Inventario del hardware | — |\n"
            "| 0.3 | Compra del hardware | 0.2 |\n"
        )
        assert pairs(plan) == {("0.2 Inventario del hardware", "0.3 Compra del hardware")}, ident


def test_a_milestone_table_names_an_id_by_its_description_and_lists_id_ranges() -> None:
    plan = plan_of(
        "## Plan\n\n**T1.1 Levantamiento** (M1). X.\n\n**T1.2 Modelo de datos** (M2). X.\n\n"
        "**T1.3 Diseño de la API** (M3). X.\n\n**T2.1 API de lotes** (M4). X.\n\n"
        "## Hitos\n\n| Hito | Mes | Descripción | Tareas |\n|---|---|---|---|\n"
        "| H1 | M3 | Diseño cerrado | T1.1 a T1.3 |\n| H2 | M8 | Plataforma desarrollada | T2.1 |\n"
    )
    assert members(plan) == {
        "H1: Diseño cerrado": {
            "T1.1 Levantamiento",
            "T1.2 Modelo de datos",
            "T1.3 Diseño de la API",
        },
        "H2: Plataforma desarrollada": {"T2.1 API de lotes"},
    }


def test_rationale_affected_services_organisation_capacity_and_pi_objectives_are_context() -> None:
    for heading in (
        "Beschreibung und Begründung",
        "Betroffene Services und Auswirkungen",
        "Affected services",
        "Objeto",
        "Organización",
        "Project organization",
        "PI objectives",
        "Objectifs du PI",
        "Teams and capacity",
        "Program board: cross-team dependencies",
    ):
        plan = plan_of(f"## {heading}\n\nSome text about it.\n\n## Build the page\n\nWork.\n")
        assert titles(plan) == ["Build the page"], heading


def test_stages_said_to_overlap_are_not_ordered_by_their_numbers() -> None:
    for said in (
        "The lots are numbered in order, but lot 3 starts during the acceptance of lot 2.",
        "Die Lose sind nacheinander nummeriert, aber Los 3 beginnt während der Abnahme von Los 2.",
        "Los lotes se numeran en orden, pero el lote 3 empieza durante la recepción del lote 2.",
        "Les lots sont numérotés dans l'ordre, mais le lot 3 commence pendant la recette du lot 2.",
    ):
        plan = plan_of(
            f"## Plan\n\n{said}\n\n### Lot 1\n\n#### C1 — Cluster\nX.\n\n"
            "### Lot 2\n\n#### C2 — Logs\nX.\n\n### Lot 3\n\n#### C3 — Alerts\nX.\n"
        )
        assert ("C2 — Logs", "C3 — Alerts") not in pairs(plan), said


def test_stages_that_build_on_each_other_and_a_joined_clause_with_its_own_dependency() -> None:
    for said in (
        "Die Umsetzung erfolgt in drei Stufen, die aufeinander aufbauen: Stufe 2 beginnt erst, "
        "wenn Stufe 1 abgenommen ist, und Stufe 3 erst nach Abschluss der Digitalisierung.",
        "The rollout has three stages that run in order: stage 2 can only start after stage 1 "
        "is accepted, and stage 3 only after the digitisation is complete.",
    ):
        plan = plan_of(
            f"## Plan\n\n{said}\n\n### Stufe 1 – Grundlagen\n\n- **Aktenplan** (Muss) – x\n"
            "- **Rechtekonzept** (Muss) – y\n\n### Stufe 2 – Digitalisierung\n\n"
            "- **Scannen** (Muss) – x\n- **Stichprobe** (Soll) – y\n\n"
            "### Stufe 3 – Einführung\n\n- **Schulung** (Muss) – x\n- **Freischalten** (Soll) – y\n"
        )
        got = pairs(plan)
        assert ("Scannen", "Schulung") in got or ("Stichprobe", "Schulung") in got, said
        assert not any(a in ("Schulung", "Freischalten") for a, _ in got), said


def test_checkpoints_name_their_tasks_after_a_bold_name_with_a_colon() -> None:
    for heading in ("Checkpoints", "Kontrollpunkte", "Puntos de control", "Points de contrôle"):
        plan = plan_of(
            "## Action items\n\n- [ ] **Get UPS credentials** — @Priya\n"
            "- [ ] **Generate return labels** — @Tom\n- [ ] **Run the staff pilot** — @Marco\n\n"
            f"## {heading}\n\n- **Pilot go — Fri 10/10:** UPS credentials and return labels are "
            "done.\n- **Pilot review — Fri 10/24:** the staff pilot has run.\n"
        )
        assert members(plan) == {
            "Pilot go — Fri 10/10": {"Get UPS credentials", "Generate return labels"},
            "Pilot review — Fri 10/24": {"Run the staff pilot"},
        }, heading


def test_a_bracketed_priority_tag_ends_a_heading_in_each_language() -> None:
    plan = plan_of(
        "## Plan\n\n### 1.1 Mise en place des équipes [priorité haute]\nX.\n\n"
        "### 1.2 Migrar el catálogo [prioridad baja]\nX.\n\n"
        "### 1.3 Datenübernahme [Priorität: kritisch]\nX.\n\n"
        "### 1.4 Write the runbook [high priority]\nX.\n\n"
        "### 1.5 Cache warm-up [high traffic]\nX.\n"
    )
    assert [(t.title, t.priority) for t in plan.tasks] == [
        ("Mise en place des équipes", Priority.HIGH),
        ("Migrar el catálogo", Priority.LOW),
        ("Datenübernahme", Priority.CRITICAL),
        ("Write the runbook", Priority.HIGH),
        ("Cache warm-up [high traffic]", Priority.MEDIUM),
    ]


def test_a_findings_severity_is_its_priority_unless_a_priority_is_stated() -> None:
    plan = plan_of(
        "## Remediation\n\n### F-01 — Restore the backup\n\nSeverity: Critical. Nobody tried.\n\n"
        "### F-02 — Rotate the keys\n\nSchweregrad: niedrig. Die Schlüssel sind alt.\n\n"
        "### F-03 — Cifrar los discos\n\nSeveridad: alta. Los discos no están cifrados.\n\n"
        "### F-04 — Journaliser les accès\n\nGravité : moyenne. Priorité : haute.\n"
    )
    assert [t.priority for t in plan.tasks] == [
        Priority.CRITICAL,
        Priority.LOW,
        Priority.HIGH,
        Priority.HIGH,
    ]


def test_a_bold_gate_or_beat_lead_lists_its_tasks_after_an_aside() -> None:
    work = (
        "## Work\n\n### F-01 — Restore the backup\nX.\n\n### F-02 — Page on stuck batches\nX.\n\n"
        "### F-03 — Load test\nX.\n\n"
    )
    for lead_a, lead_b, section in (
        ("Gate A — dark launch", "Gate B — real payouts", "Launch gates"),
        ("Beat 1 — Ready", "Beat 2 — Launch week", "Launch beats"),
        ("Meilenstein M1 — Dunkelstart", "Meilenstein M2 — Echtbetrieb", "Freigaben"),
        ("Hito 1 — arranque oculto", "Hito 2 — pagos reales", "Puertas"),
        ("Jalon J1 — lancement discret", "Jalon J2 — paiements réels", "Portes"),
    ):
        plan = plan_of(
            f"{work}## {section}\n\n**{lead_a}** (nothing is released yet): F-01,\nF-02 closed."
            f"\n\n**{lead_b}**: F-03 closed, plus everything in the first one.\n"
        )
        assert {k.split(" — ")[0]: v for k, v in members(plan).items()} == {
            lead_a.split(" — ")[0]: {"F-01 — Restore the backup", "F-02 — Page on stuck batches"},
            lead_b.split(" — ")[0]: {"F-03 — Load test"},
        }, section
        assert len(plan.tasks) == 3, section
    plan = plan_of(
        f"{work}## Launch beats\n\n- **Beat 1 — Ready (L-35 to L-10):** F-01, F-02.\n"
        "- **Beat 2 — Launch week (L-9 to L+0):** F-03.\n"
    )
    assert members(plan) == {
        "Beat 1 — Ready (L-35 to L-10)": {
            "F-01 — Restore the backup",
            "F-02 — Page on stuck batches",
        },
        "Beat 2 — Launch week (L-9 to L+0)": {"F-03 — Load test"},
    }


def test_a_milestone_planning_table_lists_its_subtasks_column() -> None:
    work = (
        "## Arbeitsplan\n\n- **T1.1 Analyse** (M1–M4): X.\n- **T1.2 Konzept** (M3–M6): Y.\n"
        "- **T2.1 Datensatz** (M5–M10): Z.\n\n"
    )
    for section, milestone, when, column in (
        ("4 Meilensteinplanung", "Meilenstein", "Monat", "Teilaufgaben"),
        ("4 Milestone planning", "Milestone", "Month", "Subtasks"),
        ("4 Planificación de hitos", "Hito", "Mes", "Tareas"),
        ("4 Planification des jalons", "Jalon", "Mois", "Tâches"),
    ):
        plan = plan_of(
            f"{work}## {section}\n\n| Nr. | {milestone} | {when} | {column} |\n|---|---|---|---|\n"
            "| M1 | Spezifikation | M6 | T1.1, T1.2 |\n| M2 | Labor | M16 | T2.1 |\n"
        )
        assert members(plan) == {
            "Spezifikation": {"T1.1 Analyse", "T1.2 Konzept"},
            "Labor": {"T2.1 Datensatz"},
        }, section


def test_a_handoff_column_names_what_a_row_cannot_start_without() -> None:
    for handoff in ("Handoff from", "Hand-off from", "Übergabe von", "Entrega de", "Remis par"):
        plan = plan_of(
            f"## Lane\n\n| ID | Deliverable | Due | {handoff} |\n|---|---|---|---|\n"
            "| PMM-1 | Messaging doc | L-35 | — |\n| PMM-2 | Battlecard | L-20 | PMM-1 |\n"
            "| WEB-1 | Feature page | L-10 | PMM-1, PMM-2 |\n"
        )
        assert pairs(plan) == {
            ("PMM-1 Messaging doc", "PMM-2 Battlecard"),
            ("PMM-1 Messaging doc", "WEB-1 Feature page"),
            ("PMM-2 Battlecard", "WEB-1 Feature page"),
        }, handoff


def test_phases_said_sequential_in_another_chapter_are_ordered() -> None:
    for said in (
        "Les phases s'enchaînent strictement : aucune ne démarre avant la validation.",
        "The phases are strictly sequential: none starts before the previous one is signed off.",
        "Die Phasen laufen strikt nacheinander.",
        "Las fases son estrictamente secuenciales.",
    ):
        plan = plan_of(
            f"## Gouvernance\n\nUn comité valide chaque passage. {said}\n\n## Plan\n\n"
            "### Phase 1 — Initialisation\n\n#### Équipes\nX.\n\n#### Accès\nY.\n\n"
            "### Phase 2 — Transfert\n\n#### Ateliers\nZ.\n"
        )
        got = pairs(plan)
        assert ("Équipes", "Ateliers") in got, said
        assert ("Accès", "Ateliers") in got, said
    plan = plan_of(
        "## Gouvernance\n\nUn comité valide chaque passage.\n\n## Plan\n\n"
        "### Phase 1 — Initialisation\n\n#### Équipes\nX.\n\n### Phase 2 — Transfert\n\n"
        "#### Ateliers\nZ.\n"
    )
    assert pairs(plan) == set()


def test_a_dotted_id_in_parentheses_after_a_phrase_names_the_task() -> None:
    plan = plan_of(
        "## Trabajos\n\n**L1.1 Plataforma.** X.\n\n**L1.2 Migración del catálogo.** Y.\n\n"
        "**L1.5 Catálogo público.** Solo se publicará tras la carga definitiva del catálogo "
        "(L1.2).\n\n**L2.1 Equipamiento.** Z.\n\n**L2.2 Etiquetado.** Necesita las estaciones "
        "de etiquetado (L2.1).\n"
    )
    assert pairs(plan) == {
        ("L1.2 Migración del catálogo", "L1.5 Catálogo público"),
        ("L2.1 Equipamiento", "L2.2 Etiquetado"),
    }


def test_a_negated_cannot_be_done_until_is_a_dependency_in_each_language() -> None:
    for said in (
        "No podrá realizarse hasta que la migración (C-2) esté validada.",
        "It cannot be carried out until the migration (C-2) is validated.",
        "Il ne pourra être réalisé qu'après la migration (C-2).",
        "Der Start darf erst nach der Migration (C-2) erfolgen.",
    ):
        plan = plan_of(
            f"## Work\n\n### C-1 Platform\nX.\n\n### C-2 Migration\nY.\n\n### C-3 Go-live\n{said}\n"
        )
        assert pairs(plan) == {("C-2 Migration", "C-3 Go-live")}, said


def test_an_introduction_heading_over_prioritized_subsections_is_a_rollout_plan() -> None:
    for heading, tags in (
        ("6 Einführung", ("(Muss)", "(Soll)")),
        ("6 Introduction", ("(must)", "[high priority]")),
        ("6 Introducción", ("(alta)", "(media)")),
        ("6 Présentation", ("[priorité haute]", "(basse)")),
    ):
        plan = plan_of(
            f"## 4 Anforderungen\n\n### 4.1 Dienstplan (Muss)\nX.\n\n### 4.2 Tausch (Soll)\nX.\n\n"
            f"## {heading}\n\n### 6.1 Datenübernahme {tags[0]}\nStammdaten aus der Personalakte.\n"
            f"\n### 6.2 Schulung {tags[1]}\nZwei Termine für die Teamleitungen.\n\n"
            "## 7 Meilensteine\n\n| Meilenstein | Termin | Umfang |\n|---|---|---|\n"
            "| MS 1 – Grundlagen | 31.03.2027 | 4.1, 6.1 |\n"
            "| MS 2 – Pilot | 31.05.2027 | 4.2, 6.2 |\n"
        )
        assert titles(plan) == ["Dienstplan", "Tausch", "Datenübernahme", "Schulung"], heading
    plan = plan_of("## Einführung\n\n### Zweck\nX.\n\n### Leserkreis\nY.\n\n## Umsetzung\n\nZ.\n")
    assert titles(plan) == ["Umsetzung"]


def test_a_range_of_heading_numbers_in_a_sentence_names_every_heading_in_it() -> None:
    for said in (
        "Die Schulung findet erst statt, wenn 4.1 bis 4.3 abgenommen sind.",
        "Training can only start after 4.1 to 4.3 are accepted.",
        "La formación solo empieza cuando 4.1 a 4.3 estén aceptados.",
        "La formation ne commence qu'après la recette de 4.1 à 4.3.",
    ):
        plan = plan_of(
            "## 4 Anforderungen\n\n### 4.1 Dienstplan\nX.\n\n### 4.2 Ruhezeiten\nX.\n\n"
            f"### 4.3 Qualifikation\nX.\n\n### 4.4 Schulung\n{said}\n"
        )
        assert pairs(plan) == {
            ("Dienstplan", "Schulung"),
            ("Ruhezeiten", "Schulung"),
            ("Qualifikation", "Schulung"),
        }, said


def test_overviews_reading_guides_goals_and_accepted_findings_are_context() -> None:
    for heading in (
        "Service overview",
        "How to read the swimlanes",
        "Cómo leer las tablas",
        "Comment lire les couloirs",
        "Wie die Tabellen zu lesen sind",
        "Launch goals",
        "Objetivos del lanzamiento",
        "Objectifs du lancement",
        "Positioning in one paragraph",
        "What already meets the bar",
        "Was bereits erfüllt ist",
        "Lo que ya cumple",
        "Ce qui est déjà en place",
        "Scope of this review",
        "Umfang dieser Prüfung",
        "Alcance de esta revisión",
        "Périmètre de cette revue",
        "Accepted without remediation",
        "Akzeptiert ohne Behebung",
        "Aceptados sin corrección",
        "Acceptés sans correction",
    ):
        plan = plan_of(f"## {heading}\n\nSome text about it.\n\n## Build the page\n\nWork.\n")
        assert titles(plan) == ["Build the page"], heading


def test_ids_in_parentheses_joined_to_a_phrase_name_more_blockers() -> None:
    for said in (
        "Not before the regression pass (C-1) is signed off and the screenshots (C-2) are up.",
        "Erst nach dem Regressionstest (C-1) und den Screenshots (C-2).",
        "Solo después de la regresión (C-1) y de las capturas (C-2).",
        "Pas avant la recette (C-1) et les captures (C-2).",
    ):
        plan = plan_of(
            "## Work\n\n### C-1 Regression\nX.\n\n### C-2 Screenshots\nY.\n\n"
            f"### C-3 Submit\n{said}\n"
        )
        assert pairs(plan) == {("C-1 Regression", "C-3 Submit"), ("C-2 Screenshots", "C-3 Submit")}
    plan = plan_of(
        "## Work\n\n### C-1 Regression\nX.\n\n### C-2 Screenshots\nY.\n\n### C-3 Submit\n"
        "It needs the regression pass (C-1); the screenshots (C-2) and the notes are optional.\n"
    )
    assert pairs(plan) == {("C-1 Regression", "C-3 Submit")}


def test_work_based_on_another_tasks_output_or_starting_when_it_delivers_waits_for_it() -> None:
    for said in (
        "Restore a backup taken by the new jobs, based on the backup policy (T1.3).",
        "Ebenfalls auf Basis der Spezifikation aus T1.3.",
        "Beginnt, wenn die Spezifikation aus T1.3 erste Ergebnisse liefert.",
        "Se construye sobre la base de la especificación (T1.3).",
        "Restauration à partir d'une sauvegarde prise par les nouveaux travaux (T1.3).",
    ):
        plan = plan_of(
            "## Plan\n\n### T1.3 Spezifikation\nX.\n\n### T3.1 Werkzeug\nY.\n\n"
            f"### T3.2 Trennwerkzeug\n{said}\n"
        )
        assert pairs(plan) == {("T1.3 Spezifikation", "T3.2 Trennwerkzeug")}, said


def test_criticality_is_a_priority_even_after_a_field_the_planner_does_not_read() -> None:
    for said, level in (
        ("Owner: Jordi · Criticality: critical · Depends on: —", Priority.CRITICAL),
        ("Verantwortlich: Jordi · Kritikalität: sehr hoch", Priority.CRITICAL),
        ("Responsable: Jordi Llorens (Sistemas) · Criticidad: baja · Depende de: —", Priority.LOW),
        ("Responsable : Jordi · Criticité : haute", Priority.HIGH),
    ):
        plan = plan_of(f"## Actions\n\n### Build the link\n\n{said}\n\nSome text.\n")
        assert [t.priority for t in plan.tasks] == [level], said


def test_a_lettered_number_names_its_section() -> None:
    plan = plan_of(
        "## Acciones\n\n### Línea A\n\n#### A.1 Enlace\n\nX.\n\n#### A.2 Réplica\n\n"
        "Responsable: Jordi · Depende de: A.1\n\n### Cierre\n\n#### D.1 Simulacro\n\n"
        "Responsable: Marta · Depende de: A.2\n\n"
        "## Hitos\n\n| Hito | Fecha | Acciones incluidas |\n|---|---|---|\n"
        "| Hito 1 — Infraestructura | 30 de junio | A.1, A.2 |\n"
        "| Hito 2 — Verificado | 30 de julio | D.1 |\n"
    )
    assert pairs(plan) == {("A.1 Enlace", "A.2 Réplica"), ("A.2 Réplica", "D.1 Simulacro")}
    assert members(plan) == {
        "Hito 1 — Infraestructura": {"A.1 Enlace", "A.2 Réplica"},
        "Hito 2 — Verificado": {"D.1 Simulacro"},
    }


def test_a_priority_sentence_ending_a_paragraph_or_item_is_its_priority() -> None:
    for said, level in (
        ("Step by step, approved by HR. *Must have.*", Priority.HIGH),
        ("Von der Personalabteilung geprüft. **Wünschenswert.**", Priority.LOW),
        ("Paso a paso, validado por RR. HH. Imprescindible.", Priority.HIGH),
        ("Pas-à-pas illustré, validé par la DRH. *Indispensable.*", Priority.HIGH),
        ("Centré sur les tableaux de bord. *Souhaitable.*", Priority.MEDIUM),
        ("Only if the budget allows. Nice to have.", Priority.LOW),
    ):
        plan = plan_of(f"## Preparation\n\n### Write the guide\n\n{said}\n\n### Book rooms\n\nX.\n")
        assert [t.priority for t in plan.tasks] == [level, Priority.MEDIUM], said
    plan = plan_of("## Preparation\n\n### Write the guide\n\nWe do it when we may.\n")
    assert [t.priority for t in plan.tasks] == [Priority.MEDIUM]


def test_what_work_is_critical_for_in_brackets_and_very_high_are_critical() -> None:
    plan = plan_of(
        "## Board\n\n- [ ] BIB-1 Namespace and pipelines **(Release-kritisch)**\n"
        "- [ ] OTT-1 Tariff model (launch-critical) – needs BIB-1\n"
        "- [ ] OTT-2 Docs (non-critical) – needs OTT-1\n"
        "- [ ] OTT-3 Endpoint, priority: very high – needs OTT-1\n"
    )
    assert [t.priority for t in plan.tasks] == [
        Priority.CRITICAL,
        Priority.CRITICAL,
        Priority.MEDIUM,
        Priority.CRITICAL,
    ]


def test_a_dotted_sprint_number_names_its_own_milestone() -> None:
    plan = plan_of(
        "## Board\n\n- [ ] BIB-1 Namespace\n- [ ] BIB-2 Flags\n- [ ] OTT-1 Model\n\n"
        "## Sprints\n\n- **Sprint 3.1** (29.04.–10.05.): BIB-1, OTT-1\n"
        "- **Sprint 3.2** (13.05.–24.05.): BIB-2\n"
    )
    assert members(plan) == {
        "Sprint 3.1": {"BIB-1 Namespace", "OTT-1 Model"},
        "Sprint 3.2": {"BIB-2 Flags"},
    }


def test_a_runbook_table_of_steps_with_ids_outside_the_work_plan_is_work() -> None:
    plan = plan_of(
        "## 5 Arbeitspakete\n\n### 5.1 Daten bereinigen\nX.\n\n### 5.2 Testmigration\nY.\n\n"
        "## 7 Cutover-Drehbuch\n\nDie Schritte laufen nacheinander.\n\n"
        "| Schritt | Was | Wann | Wer |\n|---|---|---|---|\n"
        "| C1 | Sage für Buchungen sperren | Fr 31.10. | IT |\n"
        "| C2 | Finale Datenextraktion | Fr 31.10. | IT |\n\n"
        "## 8 Meilensteine\n\n- **MS 1 – Daten** (KW 36): AP 5.1 und 5.2\n"
        "- **MS 2 – Go-Live** (03.11.): Cutover-Schritte C1 bis C2\n"
    )
    assert {"C1 Sage für Buchungen sperren", "C2 Finale Datenextraktion"} <= set(titles(plan))


def test_a_table_citing_listed_tasks_by_id_in_parentheses_adds_no_task() -> None:
    plan = plan_of(
        "## Team Biber\n\n- [ ] BIB-1 Namespace und Pipelines\n- [ ] BIB-2 Flag-Service\n\n"
        "## Lieferungen zwischen den Teams\n\n"
        "| Liefert | An | Was | fällig in |\n|---|---|---|---|\n"
        "| Biber | Otter | Namespace und Pipelines (BIB-1) | Sprint 3.1 |\n"
        "| Biber | Falke | Flag-Service (BIB-2) | Sprint 3.2 |\n"
    )
    assert not any("(BIB-" in t for t in titles(plan))


def test_a_people_or_team_section_listing_items_with_ids_is_a_workstream() -> None:
    for heading in ("People — Lena", "Personal — Lena", "Personas — Lena", "Équipe — Lena"):
        plan = plan_of(
            f"## Facilities — Rui\n\n- **FAC-1 Sign the lease.** By 9 January.\n\n## {heading}\n\n"
            "- **PPL-1 Seating plan by team.** Draft with team leads.\n"
            "- **PPL-2 Housewarming evening (nice to have).** After the move.\n"
        )
        assert "PPL-1 Seating plan by team" in titles(plan), heading
        assert [t.priority for t in plan.tasks][-1] == Priority.LOW, heading


def test_stages_in_order_chain_beside_other_sections_except_one_let_start_early() -> None:
    for said in (
        "Stages run in order: a stage starts only when every item of the previous one passed.",
        "Die Stufen laufen nacheinander.",
        "Las etapas son secuenciales.",
        "Les étapes s'enchaînent.",
    ):
        plan = plan_of(
            f"# Plan\n\n## Overview\n\nBoards arrive Monday.\n\n## How to read\n\n{said}\n\n"
            "## Stage 1 — Smoke\n\n- [ ] Power on\n\n"
            "## Stage 2 — Boot\n\n- [ ] Flash bootloader\n\n"
            "## Glossary\n\n- **EVT** — first build.\n"
        )
        assert pairs(plan) == {("Power on", "Flash bootloader")}, said
    plan = plan_of(
        "# Plan\n\n## How to use\n\nPhases run in order. One exception: Phase 2 can begin as "
        "soon as the first deploy is done.\n\n## Phase 0 — Intake\n\n- [ ] Register\n\n"
        "## Phase 1 — Build\n\n- [ ] Pipeline\n\n## Phase 2 — Observe\n\n- [ ] Dashboards\n\n"
        "## Phase 3 — Cutover\n\n- [ ] Switch traffic\n\n## Rollback\n\nSet the weight back.\n"
    )
    assert pairs(plan) == {
        ("Register", "Pipeline"),
        ("Pipeline", "Switch traffic"),
        ("Dashboards", "Switch traffic"),
    }


def test_a_table_with_a_prerequisites_column_is_not_chained_by_an_order_sentence() -> None:
    plan = plan_of(
        "## Sessions\n\nLes sessions de la vague 1 et de la vague 2 s'enchaînent.\n\n"
        "| Réf. | Session | Dates | Prérequis |\n|---|---|---|---|\n"
        "| S1 | Session pilote | 22 septembre | — |\n| S2 | Vague 1 | 1 octobre | S1 |\n"
        "| S3 | Vague 2 | 20 octobre | S2 |\n| S4 | Sessions encadrants | 13 octobre | S1 |\n"
    )
    assert pairs(plan) == {
        ("S1 Session pilote", "S2 Vague 1"),
        ("S2 Vague 1", "S3 Vague 2"),
        ("S1 Session pilote", "S4 Sessions encadrants"),
    }


def test_reading_guides_unchanged_things_errata_teams_and_learning_goals_are_not_work() -> None:
    for heading in (
        "How this plan works",
        "So lesen wir das Board",
        "Cómo funciona este plan",
        "Comment fonctionne ce plan",
        "What is not changing",
        "Was sich nicht ändert",
        "Lo que no cambia",
        "Ce qui ne change pas",
        "Known errata",
        "Bekannte Fehler",
        "Problemas conocidos",
        "Problèmes connus",
        "ROAM-Liste",
        "Board summary",
        "Lab and equipment",
        "Teilnehmende Teams",
        "Equipos participantes",
        "Publics concernés",
        "Learning objectives",
        "Objectifs pédagogiques",
    ):
        plan = plan_of(f"## {heading}\n\nSome text about it.\n\n## Build the page\n\nWork.\n")
        assert titles(plan) == ["Build the page"], heading


def test_a_successor_column_names_the_rows_that_wait() -> None:
    for column in ("Precede a", "Blocks", "Nachfolger", "Précède"):
        plan = plan_of(
            f"## Plan\n\n| Código | Tarea | {column} |\n|---|---|---|\n"
            "| CX-01 | Inventario | CX-03 |\n| CX-02 | Conciliación | CX-03 |\n"
            "| CX-03 | Asientos de ajuste | — |\n"
        )
        assert pairs(plan) == {
            ("CX-01 Inventario", "CX-03 Asientos de ajuste"),
            ("CX-02 Conciliación", "CX-03 Asientos de ajuste"),
        }, column


def test_a_sequence_section_of_arrow_chains_orders_each_chain_alone() -> None:
    for title in ("Enchaînements", "Task sequence", "Secuencia de las tareas", "Abfolge"):
        plan = plan_of(
            "## Plan\n\n| Ref | Action |\n|---|---|\n| C1 | Key visual |\n| C2 | Shooting |\n"
            "| D1 | Règlement |\n| D2 | Landing page |\n| P2 | Dégustations |\n\n"
            f"## {title}\n\n- C1 → C2 → P2\n- D1 → D2\n"
        )
        assert pairs(plan) == {
            ("C1 Key visual", "C2 Shooting"),
            ("C2 Shooting", "P2 Dégustations"),
            ("D1 Règlement", "D2 Landing page"),
        }, title


def test_urgency_is_a_priority_label_and_column() -> None:
    plan = plan_of(
        "## Maßnahmen\n\n| ID | Maßnahme | Dringlichkeit |\n|---|---|---|\n"
        "| MA-01 | Leitlinie verabschieden | sehr hoch |\n| MA-02 | Inventar | niedrig |\n\n"
        "**MA-03 Schulung** – Dringlichkeit: mittel. Für alle.\n\n"
        "**MA-04 Backup test** – Urgency: high. On the TMS.\n\n"
        "**MA-05 Auditoría** – Urgencia: baja. Externa.\n\n"
        "**MA-06 Revue** – Urgence : haute. Direction.\n"
    )
    assert [t.priority for t in plan.tasks] == [
        Priority.CRITICAL,
        Priority.LOW,
        Priority.MEDIUM,
        Priority.HIGH,
        Priority.LOW,
        Priority.HIGH,
    ]


def test_star_ratings_level_numbers_and_gate_tags_are_priorities() -> None:
    stars = plan_of(
        "## Plan\n\n| Réf. | Action | Importance |\n|---|---|---|\n"
        "| C1 | Key visual | ★★★ |\n| C2 | Film | ★★ |\n| C3 | Box | ★ |\n"
    )
    assert [t.priority for t in stars.tasks] == [Priority.HIGH, Priority.MEDIUM, Priority.LOW]
    for column in ("Nivel", "Level", "Stufe", "Niveau"):
        levels = plan_of(
            f"## Plan\n\n| Código | Tarea | {column} |\n|---|---|---|\n"
            "| CX-01 | Inventario | 1 |\n| CX-02 | Conciliación | 2 |\n| CX-03 | Retro | 3 |\n"
        )
        assert [t.priority for t in levels.tasks] == [
            Priority.HIGH,
            Priority.MEDIUM,
            Priority.LOW,
        ], column
    gates = plan_of(
        "## Stage 1\n\n- [ ] **L-01 Freeze the snapshot** [gate] — @mk.\n"
        "- [ ] **L-02 Fairness review** [should] — @mk.\n- [ ] **L-03 Blog post** [nice] — @mk.\n"
        "- [ ] **L-04 Checklist** [bloquant] — @mk.\n"
    )
    assert [t.priority for t in gates.tasks] == [
        Priority.CRITICAL,
        Priority.MEDIUM,
        Priority.LOW,
        Priority.CRITICAL,
    ]
    assert gates.tasks[0].title == "L-01 Freeze the snapshot"


def test_a_hand_over_table_between_tasks_orders_receiver_after_giver() -> None:
    for title, head in (
        ("Interdependencies between tasks", "| From | To | What |"),
        ("Abhängigkeiten zwischen den Arbeitspaketen", "| Von | An | Was |"),
        ("Interdependencias entre tareas", "| Desde | Hacia | Qué |"),
        ("Interdépendances entre les tâches", "| De | Vers | Quoi |"),
    ):
        plan = plan_of(
            "## Tasks\n\n- **T1.1 Probe v1.** Build it.\n- **T1.2 Library.** Samples.\n"
            "- **T1.3 Trial.** In the field.\n\n"
            f"## {title}\n\n{head}\n|---|---|---|\n| T1.1 | T1.3 | probes |\n"
            "| T1.2 | T1.3 | values |\n"
        )
        assert pairs(plan) == {
            ("T1.1 Probe v1", "T1.3 Trial"),
            ("T1.2 Library", "T1.3 Trial"),
        }, title


def test_a_stage_table_listing_actions_by_reference_names_milestones_not_tasks() -> None:
    for stage, actions in (("Étape", "Actions"), ("Stage", "Actions"), ("Etapa", "Acciones")):
        plan = plan_of(
            "## Plan\n\n| Ref | Action |\n|---|---|\n| C1 | Key visual |\n| C2 | Shooting |\n"
            "| D1 | Landing page |\n\n"
            f"## Calendar\n\n| {stage} | Weeks | {actions} |\n|---|---|---|\n"
            "| 1 — Production | S-12 | C1, C2 |\n| 2 — Teasing | S-5 | D1 |\n"
        )
        assert titles(plan) == ["C1 Key visual", "C2 Shooting", "D1 Landing page"], stage
        assert members(plan) == {
            "1 — Production": {"C1 Key visual", "C2 Shooting"},
            "2 — Teasing": {"D1 Landing page"},
        }, stage


def test_defect_tables_by_trade_are_work_and_a_grade_column_ranks_them() -> None:
    for title, grade in (
        ("Mangel / Restarbeit", "Kat."),
        ("Defect", "Category"),
        ("Defecto", "Categoría"),
        ("Réserve", "Catégorie"),
    ):
        plan = plan_of(
            "## Mängel nach Gewerken\n\n### Elektro\n\n"
            f"| Nr. | Ort | {title} | Firma | {grade} |\n|---|---|---|---|---|\n"
            "| M-01 | Flur | Tür schließt nicht | Rieger | A |\n"
            "| M-02 | Technik | BMA-Aufschaltung fehlt | Haas | B |\n"
            "| M-03 | Flur | Anstrich nachbessern | Wendt | C |\n"
        )
        assert titles(plan) == [
            "M-01 Tür schließt nicht",
            "M-02 BMA-Aufschaltung fehlt",
            "M-03 Anstrich nachbessern",
        ], title
        assert [t.priority for t in plan.tasks] == [
            Priority.HIGH,
            Priority.MEDIUM,
            Priority.LOW,
        ], title


def test_a_dates_section_of_bold_dated_bullets_names_milestones() -> None:
    for title in ("Termine", "Fechas clave", "Échéances"):
        plan = plan_of(
            "## Punkte\n\n| Nr. | Mangel | Kat. |\n|---|---|---|\n| M-01 | Tür | A |\n"
            "| M-02 | Steckdosen | A |\n| M-03 | Estrich | B |\n\n"
            f"## {title}\n\n- **Abnahme am 22.01.2027:** M-01 und M-02.\n"
            "- **Übergabe am 01.03.2027:** M-03.\n"
        )
        assert titles(plan) == ["M-01 Tür", "M-02 Steckdosen", "M-03 Estrich"], title
        assert members(plan) == {
            "Abnahme am 22.01.2027": {"M-01 Tür", "M-02 Steckdosen"},
            "Übergabe am 01.03.2027": {"M-03 Estrich"},
        }, title


def test_lessons_audiences_watch_points_attachments_and_deferred_items_are_not_work() -> None:
    for title in (
        "Lo que aprendimos en el cierre de 2025",
        "What we learned from last year's close",
        "Cibles et messages",
        "Points d'attention",
        "Riesgos para el calendario",
        "Anlagen",
        "Calendario de días hábiles",
        "Vom Bauherrn zurückgestellt – keine Mängel",
        "Consideraciones éticas y protección de datos",
    ):
        plan = plan_of(
            "## Plan\n\n- [ ] A1 Inventory\n- [ ] A2 Reconciliation\n\n"
            f"## {title}\n\n- Banks answered late.\n- Count was wrong.\n"
        )
        assert titles(plan) == ["A1 Inventory", "A2 Reconciliation"], title
        alone = plan_of(f"# Close\n\n## Inventory\n\nCount it.\n\n## {title}\n\nBanks were late.\n")
        assert titles(alone) == ["Inventory"], title


def test_a_deliverables_table_the_tasks_cite_is_not_work() -> None:
    for column in ("Deliverable", "Lieferobjekt", "Entregable", "Livrable"):
        plan = plan_of(
            "## Work plan\n\n- **T1.1 Data plan.** A FAIR plan (D1.1).\n"
            "- **T1.2 Probe.** Sixty units.\n\n"
            "## Milestones\n\n| No. | Milestone | Tasks concluded | Verification |\n"
            "|---|---|---|---|\n| MS1 | Ready | T1.1, T1.2 | D1.1, D1.2 accepted |\n"
            "| MS2 | Done | T1.2 | D1.2 |\n\n"
            f"## Outputs\n\n| No. | {column} | Due |\n|---|---|---|\n"
            "| D1.1 | Data management plan | M6 |\n| D1.2 | Prototype probe | M10 |\n"
        )
        assert titles(plan) == ["T1.1 Data plan", "T1.2 Probe"], column
    # Deliverables planned with a priority or prerequisites stay the work.
    planned = plan_of(
        "## Lanes\n\n| ID | Deliverable | Priority | Handoff from |\n|---|---|---|---|\n"
        "| S1 | Pricing page | Must | — |\n| S2 | Launch email (S1) | Should | S1 |\n"
    )
    assert len(planned.tasks) == 2


def test_waves_tranches_reviews_and_compound_dates_sections_list_milestones() -> None:
    work = "## Work\n\n- [ ] AB-1 Extract strings\n- [ ] AB-2 Translate\n- [ ] AB-3 Review\n\n"
    for title, first, second in (
        ("Release waves", "Wave 1 — core (26 Jan):", "Wave 2 — rest (9 Mar):"),
        ("Savings tranches", "Tranche A — quick wins:", "Tranche B — structural:"),
        ("Go/no-go reviews", "G1 — Ready (week 6)", "G2 — Live (week 9)"),
        ("Rollout-Wellen", "Welle 1 — Kern:", "Welle 2 — Rest:"),
        ("Oleadas de despliegue", "Oleada 1 — núcleo:", "Oleada 2 — resto:"),
        ("Revues de passage", "RP1 — Site prêt (semaine 6)", "RP2 — Robots prêts (semaine 9)"),
    ):
        plan = plan_of(
            f"{work}## {title}\n\nEach one is reviewed by the board.\n\n"
            f"**{first}** AB-1, AB-2\n**{second}** : AB-3\n"
        )
        assert titles(plan) == ["AB-1 Extract strings", "AB-2 Translate", "AB-3 Review"], title
        got = members(plan)
        assert sorted(len(v) for v in got.values()) == [1, 2], (title, got)
    table = plan_of(
        "## 3 Aufgaben\n\n### 3.1 Profil festlegen\nX.\n\n### 3.2 Handbuch erstellen\nY.\n\n"
        "## 4 Gremientermine\n\nDie Sitzungen sind die Meilensteine.\n\n"
        "| Meilenstein | Termin | Beschlussreif |\n|---|---|---|\n"
        "| Fakultätsrat | 20.01.2027 | 3.1 |\n| Senat | 17.02.2027 | 3.2 |\n"
    )
    assert members(table) == {
        "Fakultätsrat": {"Profil festlegen"},
        "Senat": {"Handbuch erstellen"},
    }
    # Over sub-headings, a waves section is the work plan and its headings the milestones.
    nested = plan_of(
        "## Vagues de migration\n\n### Vague 1 — Socle\n\n- [ ] Créer le compte\n\n"
        "### Vague 2 — Bascule\n\n- [ ] Basculer le DNS\n"
    )
    assert titles(nested) == ["Créer le compte", "Basculer le DNS"]


def test_a_milestone_tables_prerequisites_column_lists_its_tasks_by_number() -> None:
    for column, first, second in (
        ("Voraussetzung (Pendenzen)", "Technik bereit", "Go-Live"),
        ("Prerequisites", "Tech ready", "Go-live"),
        ("Prerrequisitos", "Técnica lista", "Arranque"),
        ("Prérequis", "Technique prête", "Démarrage"),
    ):
        plan = plan_of(
            "## Tasks\n\n| Nr. | Task | Owner |\n|---|---|---|\n"
            "| 14 | Measure the WLAN | Ops |\n| 17 | Buy six carts | Purchasing |\n"
            "| 22 | Test the interface | IT |\n\n"
            f"## Milestones\n\n| Milestone | Date | {column} |\n|---|---|---|\n"
            f"| {first} | 18.12.2026 | 14, 17 |\n| {second} | 01.02.2027 | 22 |\n"
        )
        assert members(plan) == {
            first: {"Measure the WLAN", "Buy six carts"},
            second: {"Test the interface"},
        }, column


def test_short_scales_importance_labels_and_tags_state_priorities() -> None:
    high, medium, low = Priority.HIGH, Priority.MEDIUM, Priority.LOW
    table = plan_of(
        "## Register\n\n| # | Initiative | Priority |\n|---|---|---|\n"
        "| S1 | Enforce tags | Hi |\n| S2 | Dashboards | Med |\n| S3 | Alerts | Lo |\n"
    )
    assert [t.priority for t in table.tasks] == [high, medium, low]
    tags = plan_of(
        "## Work\n\n| ID | Item | Tag |\n|---|---|---|\n| L-1 | Externalize | must-ship |\n"
        "| L-2 | Formatting | should-ship |\n| L-3 | RTL layout | could-slip |\n"
    )
    assert [t.priority for t in tags.tasks] == [high, medium, low]
    bold = plan_of(
        "## Content\n\n**L-6 Connect the TMS** — must-ship. An action pushes keys.\n\n"
        "**L-7 Glossary** — should-ship. Reviewers sign off.\n\n"
        "**L-8 Help articles** — could-slip. Support owns it.\n"
    )
    assert [t.priority for t in bold.tasks] == [high, medium, low]
    for label, words in (
        ("Importance :", ("forte", "moyenne", "faible")),
        ("Einstufung:", ("zwingend", "wichtig", "wünschenswert")),
        ("Importancia:", ("alta", "media", "baja")),
    ):
        plan = plan_of(
            "## Chantiers\n\n"
            + "".join(
                f"- **A{n} — Item {n}.** {label} {word}. Responsable : X.\n"
                for n, word in enumerate(words, 1)
            )
        )
        assert [t.priority for t in plan.tasks] == [high, medium, low], label
    spanish = plan_of(
        "## Tareas\n\n- **PAT-1 Cerrar patrocinios (imprescindible)** — Ana.\n"
        "- **PAT-2 Rifa (conveniente)** — Luis.\n- **PAT-3 Photocall (si da tiempo)** — Eva.\n"
    )
    assert [t.priority for t in spanish.tasks] == [high, medium, low]


def test_a_sequencing_list_that_says_what_runs_in_parallel_is_not_a_chain() -> None:
    register = (
        "## Register\n\n- [ ] S1 Enforce tags\n- [ ] S3 Delete volumes\n- [ ] S4 Dashboards\n"
        "- [ ] S5 Lifecycle rules\n\n"
    )
    for title, items in (
        (
            "Sequencing",
            "- S1 has to be in place before S4.\n- S3 can start on day one, in parallel with S1.\n"
            "- S5 runs on its own.\n",
        ),
        (
            "Reihenfolge",
            "- S4 erst nach S1.\n- S3 läuft parallel zu S1.\n- S5 ist Sache des Data-Teams.\n",
        ),
        (
            "Secuencia",
            "- S4 después de S1.\n- S3 va en paralelo con S1.\n- S5 lo lleva Datos.\n",
        ),
        (
            "Enchaînements",
            "- S4 après S1.\n- S3 se fait en parallèle de S1.\n- S5 est à part.\n",
        ),
    ):
        plan = plan_of(f"{register}## {title}\n\n{items}")
        assert pairs(plan) == {("S1 Enforce tags", "S4 Dashboards")}, title


def test_one_task_reached_by_two_of_its_names_is_no_ambiguity() -> None:
    plan = plan_of(
        "## Content\n\n**L-8 Wave 1 string freeze and first translation pass** — must-ship. "
        "Freeze the strings.\n\n"
        "**L-9 Linguistic QA on staging** — must-ship. Starts the Monday after the first "
        "translation pass is back.\n"
    )
    assert pairs(plan) == {
        (
            "L-8 Wave 1 string freeze and first translation pass",
            "L-9 Linguistic QA on staging",
        )
    }
    assert "ambiguous_reference" not in codes(plan)
    german = plan_of(
        "## Aufgaben\n\n**P-3 Rollenkonzept und Berechtigungsrollen einrichten** — hoch. "
        "Im KIS.\n\n"
        "**P-4 Schnittstelle testen** — mittel. Erst wenn die Berechtigungsrollen eingerichtet "
        "sind.\n"
    )
    assert pairs(german) == {
        ("P-3 Rollenkonzept und Berechtigungsrollen einrichten", "P-4 Schnittstelle testen")
    }


def test_no_point_starting_until_and_goes_behind_state_dependencies() -> None:
    for second in (
        "There is no point starting until LOG-1 is signed.",
        "No tiene sentido empezar hasta que LOG-1 esté firmado.",
        "Es hat keinen Sinn, vor LOG-1 anzufangen.",
        "Inutile de commencer avant LOG-1.",
        "Va detrás de LOG-1.",
    ):
        plan = plan_of(
            "## Logística\n\n- **LOG-1 Sign the venue contract** (must). The president signs.\n"
            f"- **LOG-2 Choose the caterer** (must). {second}\n"
        )
        assert pairs(plan) == {("LOG-1 Sign the venue contract", "LOG-2 Choose the caterer")}, (
            second
        )


def test_agendas_done_items_misc_reading_guides_budgets_and_dropped_levers_are_not_work() -> None:
    for title in (
        "Traktanden der Sitzung Nr. 7",
        "Orden del día de la reunión",
        "Erledigte Pendenzen (seit Sitzung Nr. 6)",
        "Completed items",
        "Tareas cerradas",
        "Points réglés",
        "Varia",
        "Sonstiges",
        "Cómo se organiza este plan",
        "How this tracker is organized",
        "Presupuesto orientativo",
        "Budget estimate",
        "Where the money goes today",
        "Dudas para el patronato",
        "Questions for the board",
        "Fragen an die Fakultätsleitung",
        "Levers we looked at and are not pursuing",
        "Options écartées pour ce pilote",
    ):
        plan = plan_of(
            "## Plan\n\n- [ ] A1 Inventory\n- [ ] A2 Reconciliation\n\n"
            f"## {title}\n\n- Banks answered late.\n- Count was wrong.\n"
        )
        assert titles(plan) == ["A1 Inventory", "A2 Reconciliation"], title


def test_conditions_presupposes_and_in_the_wake_of_state_dependencies() -> None:
    tasks = (
        "## Chantiers\n\n- **B1 — Cartographie de la zone.** X.\n"
        "- **B4 — Mise en service des robots.** Y.\n- **C3 — Formation des préparateurs.** Z.\n"
    )
    expected = {("B1 — Cartographie de la zone", "B4 — Mise en service des robots")}
    for sentence in (
        "La cartographie (B1) conditionne la mise en service des robots (B4).",
        "La cartografía (B1) condiciona la puesta en servicio (B4).",
        "La mise en service (B4) suppose que la cartographie B1 soit livrée.",
        "The commissioning (B4) presupposes B1.",
        "La mise en service (B4) se fait dans la foulée de B1.",
        "La puesta en servicio (B4) va a continuación de B1.",
        "Commissioning (B4) comes on the heels of B1.",
    ):
        plan = plan_of(f"{tasks}\n## Enchaînements\n\n{sentence}\n")
        assert pairs(plan) == expected, sentence


def test_a_row_number_with_only_its_state_around_it_names_the_row() -> None:
    for note in (
        "erst wenn 14 abgeschlossen ist",
        "only once 14 is done",
        "solo puede empezar cuando 14 esté terminado",
        "ne peut commencer qu'après 14 terminé",
    ):
        plan = plan_of(
            "## Offene Pendenzen\n\n| Nr. | Aufgabe | Bemerkung |\n|---|---|---|\n"
            "| 14 | WLAN ausleuchten | Offerte liegt vor |\n"
            f"| 33 | Laptops ins WLAN einbinden | {note} |\n"
        )
        assert pairs(plan) == {("WLAN ausleuchten", "Laptops ins WLAN einbinden")}, note


def test_a_modal_level_with_when_it_applies_is_a_priority_tag() -> None:
    for tag, level in (
        ("(Muss vor Umzug)", Priority.HIGH),
        ("(Kann später)", Priority.LOW),
        ("(must before launch)", Priority.HIGH),
        ("(could later)", Priority.LOW),
        ("(opcional después)", Priority.LOW),
        ("(optionnel plus tard)", Priority.LOW),
    ):
        plan = plan_of(f"## Plan\n\n### Regale aufbauen {tag}\n\nText.\n\n### Zweites\n\nText.\n")
        assert plan.tasks[0].title == "Regale aufbauen", tag
        assert plan.tasks[0].priority == level, tag
    plan = plan_of("## Plan\n\n### Cache (high traffic)\n\nText.\n\n### Other\n\nText.\n")
    assert plan.tasks[0].title == "Cache (high traffic)"


def test_tasks_a_phase_order_statement_excepts_wait_for_no_phase() -> None:
    phases = (
        "## Phase 1 – Build\n\n**1.1 Pour the slab**\nConcrete.\n\n"
        "**1.2 Raise the walls**\nBricks.\n\n"
        "## Phase 2 – Fit-out\n\n**2.1 Install the kitchen**\nOvens.\n\n"
        "**2.2 Set up the till**\nPOS.\n\n"
    )
    for sentence in (
        "The phases run in order. Except for the till (2.2): it starts right away.",
        "Die Phasen bauen aufeinander auf. Ausgenommen ist die Kasse (2.2): sie beginnt sofort.",
        "Las fases son secuenciales, salvo la caja (2.2), que empieza ya.",
        "Les phases s'enchaînent, sauf la caisse (2.2) qui démarre tout de suite.",
    ):
        plan = plan_of(f"# Opening\n\n{phases}## Order of phases\n\n{sentence}\n")
        got = pairs(plan)
        assert ("Raise the walls", "Install the kitchen") in got, sentence
        assert not any("till" in a or "till" in b for a, b in got), sentence


def test_a_plain_note_among_bold_milestone_entries_is_no_milestone() -> None:
    for note in (
        "- Die Punkte ohne Kategorie haben keinen festen Termin.",
        "- Row 14 lands after launch and is in no key date.",
    ):
        plan = plan_of(
            "## Aufgaben\n\n- [ ] M-01 Tür\n- [ ] M-02 Fenster\n\n## Termine\n\n"
            "- **Abnahme am 22.01.2027:** M-01\n- **Übergabe am 01.03.2027:** M-02\n"
            f"{note}\n"
        )
        assert len(plan.milestones) == 2, note


def test_plural_and_only_makes_sense_with_phrases_state_dependencies() -> None:
    tasks = (
        "## Tareas\n\n- [ ] T1 Desplegar el collector\n- [ ] T2 Instrumentar la pasarela\n"
        "- [ ] T3 Backend de trazas\n- [ ] T4 Muestreo por cola\n"
    )
    for sentence, expected in (
        ("La pasarela (T2) necesita el collector ya desplegado.", ("T1", "T2")),
        ("Las instrumentaciones (T2) necesitan el collector (T1).", ("T1", "T2")),
        (
            "El muestreo por cola (T4) sólo tiene sentido con el backend de trazas (T3).",
            ("T3", "T4"),
        ),
        ("Sampling (T4) only makes sense with the trace backend (T3).", ("T3", "T4")),
        ("Das Sampling (T4) ergibt nur Sinn mit dem Backend (T3).", ("T3", "T4")),
        ("T4 no se activa hasta que T3 esté en producción.", ("T3", "T4")),
    ):
        plan = plan_of(f"{tasks}\n## Dependencias\n\n{sentence}\n")
        got = {(a[:2], b[:2]) for a, b in pairs(plan)}
        assert got == {expected}, sentence


def test_a_dependency_paragraph_wrapped_over_lines_is_read_whole() -> None:
    tasks = "## Tasks\n\n- [ ] T1 Deploy the collector\n- [ ] T2 Instrument the gateway\n"
    for text in (
        "The gateway work (T2) needs the collector already deployed in\nstaging (T1).",
        "Die Instrumentierung (T2) braucht den Collector, der schon in\nStaging läuft (T1).",
    ):
        plan = plan_of(f"{tasks}\n## Dependencies\n\n{text}\n")
        assert {(a[:2], b[:2]) for a, b in pairs(plan)} == {("T1", "T2")}, text


def test_a_prealable_column_and_if_possible_priority() -> None:
    plan = plan_of(
        "## Actions\n\n| N° | Action | Priorité | Préalable |\n|---|---|---|---|\n"
        "| A1 | Recueillir l'avis | indispensable | — |\n"
        "| A2 | Introduire le dossier | si possible | A1 |\n"
    )
    assert pairs(plan) == {("A1 Recueillir l'avis", "A2 Introduire le dossier")}
    assert plan.tasks[1].priority == Priority.LOW


def test_items_led_by_the_ids_of_tasks_above_are_notes_on_them() -> None:
    table = (
        "## Actions\n\n| N° | Action |\n|---|---|\n| A1 | Submit the file |\n"
        "| A2 | Hire the teacher |\n| A3 | Plan the lessons |\n\n"
    )
    for notes in (
        "- **A2** : we hire only after the file (A1) is accepted.\n"
        "- **A3** needs the teacher (A2).\n- The rest is independent.\n",
        "- A2: erst nach A1.\n- A3: braucht A2.\n",
    ):
        plan = plan_of(f"{table}### Details on some actions\n\n{notes}")
        assert [t.title[:2] for t in plan.tasks] == ["A1", "A2", "A3"], notes
        assert {(a[:2], b[:2]) for a, b in pairs(plan)} == {("A1", "A2"), ("A2", "A3")}, notes


def test_a_legend_that_ranks_its_tags_gives_priorities() -> None:
    rows = (
        "| Key | Work item | Tag |\n|---|---|---|\n| K-1 | Boss fight | [core] |\n"
        "| K-2 | Water shader | [extra] |\n| K-3 | Photo mode | [maybe] |\n"
    )
    for legend in (
        "Tags: **[core]** — the demo fails without it; **[extra]** — we want it in; "
        "**[maybe]** — first thing to go if the schedule slips.",
        "Legende: **[core]** — ohne sie scheitert die Demo; **[extra]** — gewünscht; "
        "**[maybe]** — optional.",
    ):
        plan = plan_of(f"## Backlog\n\n{legend}\n\n{rows}")
        assert [t.priority for t in plan.tasks] == [
            Priority.HIGH,
            Priority.MEDIUM,
            Priority.LOW,
        ], legend
    plan = plan_of(
        "## Backlog\n\nTags: **[core]** — server work; **[extra]** — screens; "
        f"**[maybe]** — docs.\n\n{rows}"
    )
    assert {t.priority for t in plan.tasks} == {Priority.MEDIUM}


def test_sequencing_notes_below_a_backlog_table_are_read_for_dependencies() -> None:
    for title, sentence in (
        ("Sequencing notes", "The lighting pass can't begin until the art pass (K-1) is in."),
        ("Hinweise zur Reihenfolge", "Die Beleuchtung (K-2) wartet auf den Kunstdurchgang (K-1)."),
    ):
        plan = plan_of(
            "## Backlog\n\n| Key | Work item |\n|---|---|\n| K-1 | Final art pass |\n"
            f"| K-2 | Lighting pass |\n\n### {title}\n\n{sentence}\n"
        )
        assert pairs(plan) == {("K-1 Final art pass", "K-2 Lighting pass")}, title
        assert len(plan.tasks) == 2, title


def test_an_id_then_a_clause_about_something_else_names_the_id() -> None:
    for note in ("needs K-1, the boss is fought with it", "braucht K-1, die Karte ist neu"):
        plan = plan_of(
            "## Backlog\n\n| Key | Work item | Notes |\n|---|---|---|\n"
            "| K-1 | Lantern mechanic | |\n| K-2 | Boss fight | "
            f"{note} |\n| K-3 | Boss animation | |\n"
        )
        assert pairs(plan) == {("K-1 Lantern mechanic", "K-2 Boss fight")}, note


def test_what_the_work_is_what_the_plan_leaves_out_and_hypotheses_are_not_work() -> None:
    for title in (
        "What the slice is",
        "Was das Produkt ist",
        "Hipótesis de beneficio",
        "Benefit hypothesis",
        "Ce que ce plan ne couvre pas",
        "What this plan does not cover",
        "Cut list",
        "Lo que este plan no cubre",
    ):
        plan = plan_of(
            "## Plan\n\n- [ ] A1 Inventory\n- [ ] A2 Reconciliation\n\n"
            f"## {title}\n\nSome prose about it.\n"
        )
        assert titles(plan) == ["A1 Inventory", "A2 Reconciliation"], title


def test_priority_words_for_precedence_deferral_stakes_and_standing_are_levels() -> None:
    plan = plan_of(
        "## Tâches\n\n- [ ] **Réserver la salle** — prioritaire. Acompte versé.\n"
        "- [ ] **Photomaton** — bonus.\n\n"
        "## Tareas\n\n**T-1 Inventario (prioritaria).** Revisión.\n\n"
        "**T-2 Exposición virtual (aplazable).** Más tarde.\n"
    )
    assert [t.priority for t in plan.tasks] == [
        Priority.HIGH,
        Priority.LOW,
        Priority.HIGH,
        Priority.LOW,
    ]
    table = plan_of(
        "## Actions\n\n| Réf. | Action | Enjeu |\n|---|---|---|\n"
        "| A-1 | Extraction | majeur |\n| A-2 | Export | faible |\n"
    )
    assert [t.priority for t in table.tasks] == [Priority.HIGH, Priority.LOW]
    steps = plan_of(
        "## Schritte\n\n### 1 Raum vorbereiten\n\n"
        "Zuständig: Bau · Stellenwert: hoch · Termin: KW 2\n\n"
        "### 2 Schulung\n\nZuständig: Team · Stellenwert: niedrig · Termin: KW 9\n"
    )
    assert [t.priority for t in steps.tasks] == [Priority.HIGH, Priority.LOW]


def test_a_ranked_tier_in_parentheses_is_a_priority() -> None:
    plan = plan_of(
        "## Work\n\n- [ ] **E1 Results ingest** (Tier 1) — Ken. Poll often.\n"
        "- [ ] **E2 Social cards** (Tier 3) — Marco.\n"
        "- [ ] **E3 Plan de salle** (Niveau de priorité 2) — Inès.\n"
        "- [ ] **E4 Lager räumen** (Prioritätsstufe 1) — Jens.\n"
    )
    assert [t.priority for t in plan.tasks] == [
        Priority.HIGH,
        Priority.LOW,
        Priority.MEDIUM,
        Priority.HIGH,
    ]


def test_a_calendar_of_one_thing_lists_milestones_by_the_ids_it_names() -> None:
    for heading, entry in (
        ("Calendario de justificación", "Primera justificación — 30 de junio de 2027"),
        ("Schedule of payments", "First instalment — 30 June 2027"),
        ("Calendrier des livraisons", "Première livraison — 30 juin 2027"),
    ):
        plan = plan_of(
            "## Work\n\n**K-1 Inventory.** Count the books.\n\n"
            "**K-2 Scanning.** Scan them after K-1.\n\n"
            f"## {heading}\n\n1. **{entry}:** K-1 y K-2.\n"
        )
        assert len(plan.milestones) == 1, heading
        assert all(t.milestone_key for t in plan.tasks), heading


def test_a_heading_with_a_weekday_and_its_date_is_a_time_box_milestone() -> None:
    for first, second in (
        ("By Friday 5 March — tools built", "Launch night, Tuesday 16 March"),
        ("Bis Freitag, 5. März", "Wahlabend, Dienstag 16. März"),
        ("Antes del viernes 5 de marzo", "Noche electoral, martes 16 de marzo"),
        ("Avant le vendredi 5 mars", "Soirée électorale, mardi 16 mars"),
    ):
        plan = plan_of(
            f"## Build list\n\n### {first}\n\n- [ ] Results widget\n- [ ] Precinct map\n\n"
            f"### {second}\n\n- [ ] Publish the winner story\n"
        )
        assert len(plan.milestones) == 2, first
        assert len(members(plan)) == 2, first


def test_key_meetings_are_milestones_and_a_phrase_naming_a_section_and_its_task_is_the_task() -> (
    None
):
    for heading, section, first, second, entry in (
        (
            "Rendez-vous clés",
            "Traiteur",
            "Signer le contrat du traiteur",
            "Dégustation du menu",
            "**Visite du domaine, samedi 13 février** : contrat traiteur signé, DJ choisi.",
        ),
        (
            "Key meetings",
            "Caterer",
            "Sign the caterer contract",
            "Menu tasting",
            "**Venue visit, Saturday 13 February**: caterer contract signed, DJ chosen.",
        ),
    ):
        plan = plan_of(
            f"## Vendors\n\n### {section}\n\n- [ ] **{first}** — now.\n"
            f"- [ ] **{second}** — later.\n\n### DJ\n\n- [ ] **Choose the DJ** — soon.\n\n"
            f"## {heading}\n\n- {entry}\n"
        )
        assert len(plan.milestones) == 1, heading
        assert members(plan) == {plan.milestones[0].name: {first, "Choose the DJ"}}, heading


def test_a_section_saying_it_holds_no_tasks_and_a_reading_guide_are_not_work() -> None:
    for title in (
        "Ideas (not tasks)",
        "Ideen (keine Aufgaben)",
        "Ideas sueltas (no son tareas)",
        "Idées en vrac (pas des tâches)",
        "Reading the tables",
        "Lesehilfe zu den Tabellen",
        "Lectura de las tablas",
        "Lecture des tableaux",
        "Not doing this year",
        "Dieses Jahr nicht",
        "Lo que no haremos este año",
        "Pas cette année",
        "What we're covering",
        "Was wir abdecken",
        "Lo que cubrimos",
        "Ce que nous couvrons",
    ):
        plan = plan_of(
            "## Plan\n\n- [ ] A1 Inventory\n- [ ] A2 Reconciliation\n\n"
            f"## {title}\n\n- A photobooth?\n- Lanterns at midnight.\n"
        )
        assert titles(plan) == ["A1 Inventory", "A2 Reconciliation"], title


def test_dependencies_at_a_glance_is_a_dependency_table_and_a_relative_clause_is_none() -> None:
    for heading, column, note in (
        ("Abhängigkeiten im Überblick", "benötigt vorher", "nach dem das Fundament gebaut wird"),
        ("Dependencies at a glance", "needs first", "after which the foundation is poured"),
        ("Orden de los trabajos", "necesita antes", "tras el cual se hace el fundamento"),
        ("Ordre des travaux", "nécessite avant", "après lequel on coule la fondation"),
    ):
        plan = plan_of(
            "## Raum\n\n### 2.1 Messung\n\nGutachten, "
            f"{note}.\n\n### 2.2 Fundament\n\nBeton.\n\n### 2.3 Anlieferung\n\nLkw.\n\n"
            f"## {heading}\n\n| Schritt | {column} |\n|---|---|\n| 2.2 Fundament | 2.1 |\n"
            "| 2.3 Anlieferung | 2.2 |\n"
        )
        assert titles(plan) == ["Messung", "Fundament", "Anlieferung"], heading
        assert pairs(plan) == {
            ("Messung", "Fundament"),
            ("Fundament", "Anlieferung"),
        }, heading


def test_a_numbered_acceptance_step_a_milestone_lists_in_a_range_is_a_task() -> None:
    for step, chapter, label in (
        ("Abnahme (Site Acceptance Test)", "Installation", "Meilensteine"),
        ("Acceptance", "Installation", "Milestones"),
    ):
        plan = plan_of(
            f"## 3 {chapter}\n\n### 3.1 Delivery\n\nTruck.\n\n### 3.2 Mounting\n\nBolts.\n\n"
            f"### 3.3 {step}\n\nThe vendor demonstrates the specified resolution.\n\n"
            f"## 5 {label}\n\n- **M2 Ready (KW 15):** 3.1 bis 3.3\n"
        )
        assert len(plan.tasks) == 3, step
        assert all(t.milestone_key for t in plan.tasks), step


def test_a_schedule_area_of_prioritised_entries_in_a_work_list_is_work() -> None:
    for area, level in (("Schedule", "High"), ("Zeitplan", "hoch"), ("Calendrier", "haute")):
        plan = plan_of(
            f"## Work list\n\n### Review\n\n- **REV-1 · Blind review** — {level}. Owner: Ana.\n"
            f"- **REV-2 · Selection meeting** — {level}. Owner: Ben.\n\n### {area}\n\n"
            f"- **SCH-1 · Build the grid** — {level}. Owner: Ana.\n"
            f"- **SCH-2 · Publish the pages** — {level}. Needs SCH-1.\n\n"
            "## Timeline\n\n| Milestone | Date | Done means |\n|---|---|---|\n"
            "| Lineup | 19 Mar | REV-1, REV-2 |\n| Live | 9 Apr | SCH-1, SCH-2 |\n"
        )
        assert len(plan.tasks) == 4, area
        assert [m.name for m in plan.milestones] == ["Lineup", "Live"], area
        assert all(t.milestone_key for t in plan.tasks), area


def test_short_level_words_count_only_where_the_value_is_levels_alone() -> None:
    """ "Lo" is a level in a ``Hi / Med / Lo`` scale, and a Spanish article elsewhere:
    "Prioridad: lo antes posible" (as soon as possible) must not read as low."""
    plan = plan_of(
        "# Plan\n\n## Tareas\n\n"
        "### Migrar la base de datos\nPrioridad: lo antes posible.\n\n"
        "### Revisar los informes\nPrioridad: Lo\n\n"
        "### Limpiar los logs\nPriority: Hi / Med / Lo\n"
    )
    levels = {t.title: t.priority for t in plan.tasks}
    assert levels["Migrar la base de datos"] != Priority.LOW
    assert levels["Revisar los informes"] == Priority.LOW
    assert levels["Limpiar los logs"] == Priority.HIGH


def test_what_needs_to_be_done_is_a_bucket_and_what_is_not_in_is_not_work() -> None:
    for title, later in (
        ("What needs to be done", "What's not in this year"),
        ("Lo que hay que hacer", "Lo que NO entra este año"),
        ("Was zu tun ist", "Was nicht dazugehört"),
        ("Ce qu'il faut faire", "Ce qui n'entre pas cette année"),
    ):
        plan = plan_of(
            f"**{title}**\n\n1) **Order the tyres** — Lucy. Three weeks.\n\n"
            "2) **Fit the tyres** — workshop. Once the order arrives.\n\n"
            f"**{later}**\n\n- Replace truck 1: next year.\n- The new depot.\n"
        )
        assert titles(plan) == ["Order the tyres", "Fit the tyres"], title


def test_a_position_table_is_a_task_table_and_marks_by_the_number_are_priorities() -> None:
    plan = plan_of(
        "## Objekt\n\nEin Haus.\n\n## Ablauf\n\n"
        "| Pos. | Leistung | Gewerk | Vorgänger |\n|---|---|---|---|\n"
        "| 01 ! | Gutachten | Statik | – |\n| 02 | Abbruch | Rückbau | 01 |\n"
        "| 03 (opt.) | Terrasse | Garten | 02 |\n\n"
        "## Kostenrahmen (nachrichtlich)\n\n| Gruppe | Betrag |\n|---|---|\n| A | 1 € |\n"
        "| B | 2 € |\n"
    )
    assert titles(plan) == ["Gutachten", "Abbruch", "Terrasse"]
    assert [t.priority for t in plan.tasks] == [Priority.HIGH, Priority.MEDIUM, Priority.LOW]
    assert pairs(plan) == {("Gutachten", "Abbruch"), ("Abbruch", "Terrasse")}


def test_a_milestone_cell_naming_positions_by_number_lists_those_rows() -> None:
    plan = plan_of(
        "## Ablauf\n\n| Pos. | Leistung |\n|---|---|\n| 01 | Gutachten |\n| 02 | Abbruch |\n"
        "| 03 | Dach |\n| 04 | Fenster |\n\n"
        "## Meilensteine\n\n| Meilenstein | KW | erreicht, wenn |\n|---|---|---|\n"
        "| MS 1 Rohbau | 12 | Pos. 01 bis 02 abgeschlossen |\n"
        "| MS 2 Haus dicht | 16 | Pos. 03 und 04 abgeschlossen |\n"
    )
    assert members(plan) == {
        "MS 1 Rohbau": {"Gutachten", "Abbruch"},
        "MS 2 Haus dicht": {"Dach", "Fenster"},
    }


def test_notes_on_the_sequence_are_read_for_dependencies() -> None:
    plan = plan_of(
        "## Aufgaben\n\n- [ ] Elektro-Rohinstallation\n- [ ] Innenputz\n\n"
        "## Hinweise zum Ablauf\n\n"
        "Der Innenputz kommt erst nach der Elektro-Rohinstallation.\n"
    )
    assert pairs(plan) == {("Elektro-Rohinstallation", "Innenputz")}


_PLAIN_PLAN = (
    "# Arbeitsplan\n\nStand: 2027\n\n\n1. Vorbemerkung\n\n"
    "Kennzeichnung: (P) = Pflicht, ohne das geht es nicht. (K) = Kür, nur wenn Zeit ist.\n\n\n"
    "2. Theorie\n\n2.1 Literaturrecherche (P)\n    Scoping Review, ca. 120 Quellen.\n\n"
    "2.2 Theorierahmen\n    Auf Basis von 2.1.\n\n\n3. Empirie\n\n3.1 Interviews (K)\n"
    "    Setzt 2.2 voraus.\n\n\n4. Meilensteine\n\n"
    "M1  Kolloquium (Juni 2027): 2.1, 2.2\nM2  Feldphase (Oktober 2027): 3.1\n\n"
    "3.1 gehört zu keinem Meilenstein.\n\n\n5. Risiken und Puffer\n\n- Verzögerung.\n\n\n"
    "6. Unterschriften\n\nDoktorandin ______\n"
)


def test_a_plain_text_outline_of_numbered_lines_is_read_as_headings() -> None:
    plan = plan_of(_PLAIN_PLAN)
    assert titles(plan) == ["Literaturrecherche", "Theorierahmen", "Interviews"]
    assert pairs(plan) == {("Literaturrecherche", "Theorierahmen"), ("Theorierahmen", "Interviews")}
    assert members(plan) == {
        "M1 Kolloquium": {"Literaturrecherche", "Theorierahmen"},
        "M2 Feldphase": {"Interviews"},
    }


def test_a_legend_of_letters_in_parentheses_gives_the_priorities_they_stand_for() -> None:
    plan = plan_of(_PLAIN_PLAN)
    assert [t.priority for t in plan.tasks] == [Priority.HIGH, Priority.MEDIUM, Priority.LOW]
    plan = plan_of("## Tasks\n\n- [ ] Review (P)\n- [ ] Survey (K)\n")
    assert titles(plan) == ["Review (P)", "Survey (K)"]  # no legend: the letters are no level


def test_a_numbered_list_without_sub_numbers_stays_a_list() -> None:
    text = "# Plan\n\n1. Order the tyres\n\n2. Fit the tyres\n\n3. Check the trucks\n"
    assert plain_outline(text) == text
    text = "# Plan\n\n## 1. Prep\n\n1.1 Order the tyres\n\n1.2 Fit the tyres\n"
    assert plain_outline(text) == text  # a Markdown outline already


def test_a_chapter_a_task_writes_is_named_by_its_noun_and_number() -> None:
    plan = plan_of(
        "## 4. Schreiben\n\n### 4.1 Konferenzbeitrag\nX.\n\n"
        "### 4.2 Kapitel 4 Ergebnisse und Kapitel 6 Diskussion\nX.\n\n"
        "### 4.3 Einleitung und Schluss\nWerden zuletzt geschrieben, nach Kapitel 4 und 6.\n"
    )
    assert pairs(plan) == {
        ("Kapitel 4 Ergebnisse und Kapitel 6 Diskussion", "Einleitung und Schluss")
    }


def test_a_dated_phase_heading_is_the_milestone_of_its_tasks_and_days() -> None:
    plan = plan_of(
        "## Prep (week of 11 January)\n\n- **Lock the locations** — Joe.\n"
        "- **Cast the lead** — Tuesday.\n\n"
        "## Shoot (18–20 January)\n\n### Day 1 — Thu 18 Jan — beach\nScenes 1, 4.\n\n"
        "### Day 2 — Fri 19 Jan — hut\nScenes 2, 3.\n\n"
        "## Delivery (by 26 February)\n\nExport the DCP and the subtitles.\n"
    )
    assert members(plan) == {
        "Prep (week of 11 January)": {"Lock the locations", "Cast the lead"},
        "Shoot (18–20 January)": {"Day 1 — Thu 18 Jan — beach", "Day 2 — Fri 19 Jan — hut"},
    }


def test_a_legend_of_symbols_ranks_the_titles_marked_with_them() -> None:
    plan = plan_of(
        "## Crew and contacts\n\n| Role | Name | Phone |\n|---|---|---|\n"
        "| Producer | Hannah | 0770 |\n| 1st AD | Priya | 0771 |\n\n"
        "## How to read the marks\n\n★ = no shoot without it. ○ = first thing we drop if the "
        "money runs short.\n\n"
        "## Prep (week of 11 January)\n\n- **Lock the locations** ★ — Joe, Monday.\n"
        "- **Table read** ○ — Zoom.\n"
        "- **Camera hire** — Sam.\n\n## Safety notes\n\nNobody below the tide line after 14:30.\n"
    )
    assert titles(plan) == ["Lock the locations", "Table read", "Camera hire"]
    assert [t.priority for t in plan.tasks] == [Priority.HIGH, Priority.LOW, Priority.MEDIUM]


def test_an_audit_impact_in_parentheses_is_the_priority() -> None:
    plan = plan_of(
        "## Plan d'actions\n\n**Action 1 — Corriger le gabarit** (impact : bloquant)\nX.\n\n"
        "**Action 2 — Former les contributeurs** (impact : majeur)\nY.\n\n"
        "**Action 3 — Sous-titrer les vidéos** (impact : mineur)\nZ.\n"
    )
    assert [t.priority for t in plan.tasks] == [Priority.CRITICAL, Priority.HIGH, Priority.LOW]
    assert titles(plan)[1] == "Action 2 — Former les contributeurs"


def test_a_period_table_of_action_numbers_places_the_numbered_actions() -> None:
    plan = plan_of(
        "## Lecture du plan d'actions\n\nChaque action porte un niveau.\n\n"
        "## Plan d'actions\n\n**Action 1 — Corriger le gabarit**\nX.\n\n"
        "**Action 2 — Former les contributeurs**\nY.\n\n"
        "**Action 3 — Publier la déclaration**\nZ.\n\n"
        "## Calendrier de mise en œuvre\n\n| Période | Actions |\n|---|---|\n"
        "| 1er trimestre 2027 | 1, 2 |\n| 2e semestre 2027 | 3 |\n\n"
        "## Moyens\n\nBudget : 18 500 €.\n\n## Bilan du plan 2026\n\n- [x] Audit initial\n"
    )
    assert titles(plan) == [
        "Action 1 — Corriger le gabarit",
        "Action 2 — Former les contributeurs",
        "Action 3 — Publier la déclaration",
    ]
    assert members(plan) == {
        "1er trimestre 2027": {
            "Action 1 — Corriger le gabarit",
            "Action 2 — Former les contributeurs",
        },
        "2e semestre 2027": {"Action 3 — Publier la déclaration"},
    }


def test_a_notion_relation_cell_names_each_row_before_its_page_path() -> None:
    plan = plan_of(
        "## Tracker\n\n| Name | Priority | Phase | Blocked by |\n|---|---|---|---|\n"
        "| Write the policy | 🔴 Audit blocker | Phase 1 — Policies | |\n"
        "| Access review | 🟠 Important | Phase 2 — Controls | |\n"
        "| Readiness assessment | ⚪ Low | Phase 2 — Controls | Write the policy "
        "(Write%20the%20policy%204f1a2c.md), Access review (Access%20review%20e04b7a.md) |\n\n"
        "## Phases\n\n| Name | Window | Exit |\n|---|---|---|\n"
        "| Phase 1 — Policies | Dec 7 – Jan 15 | every policy approved |\n"
        "| Phase 2 — Controls | Jan 4 – Feb 26 | every row done |\n"
    )
    assert titles(plan) == ["Write the policy", "Access review", "Readiness assessment"]
    assert [t.priority for t in plan.tasks] == [Priority.CRITICAL, Priority.HIGH, Priority.LOW]
    assert pairs(plan) == {
        ("Write the policy", "Readiness assessment"),
        ("Access review", "Readiness assessment"),
    }


def test_a_described_blocker_list_names_each_thing_listed() -> None:
    plan = plan_of(
        "## Actions\n\n### Corriger le gabarit\nX.\n\n### Corriger les formulaires\nX.\n\n"
        "### Baliser les PDF\nX.\n\n### Audit intermédiaire\n"
        "Par un prestataire, après les corrections du gabarit, des formulaires et des PDF.\n"
    )
    assert pairs(plan) == {
        ("Corriger le gabarit", "Audit intermédiaire"),
        ("Corriger les formulaires", "Audit intermédiaire"),
        ("Baliser les PDF", "Audit intermédiaire"),
    }
    plan = plan_of(
        "## Steps\n\n### Relay\nX.\n\n### Ship the docs\nX.\n\n### Rollout\n"
        "Once the relay is publishing, we ship the docs and the SDK.\n"
    )
    assert pairs(plan) == {("Relay", "Rollout")}  # a clause after the comma is no list


def test_a_name_begun_in_bold_runs_to_its_dash() -> None:
    plan = plan_of(
        "## To do\n\n1) **Order the tyres** — Lucy. Booked for May.\n\n"
        "2) **Pending services** of trucks 2 and 5 — at the Lorca garage. Order booked.\n\n"
        "3) **Fit the tyres** — garage. As soon as the order arrives, not before.\n"
    )
    assert titles(plan) == [
        "Order the tyres",
        "Pending services of trucks 2 and 5",
        "Fit the tyres",
    ]
    assert pairs(plan) == {("Order the tyres", "Fit the tyres")}


def test_wont_without_and_must_be_done_before_state_dependencies() -> None:
    plan = plan_of(
        "## Prep\n\n### Production insurance\nX.\n\n### Filming permit\n"
        "The Trust won't even look at the application without our insurance certificate.\n\n"
        "### Music licensing\nPaperwork, but the cue must be cleared before the final mix.\n\n"
        "### Sound mix\nTwo days.\n"
    )
    assert pairs(plan) == {
        ("Production insurance", "Filming permit"),
        ("Music licensing", "Sound mix"),
    }


def test_follows_on_takes_place_when_and_rows_in_parentheses_state_dependencies() -> None:
    plan = plan_of(
        "## Ablauf\n\n| Pos. | Leistung |\n|---|---|\n| 09 | Heizestrich |\n"
        "| 10 | Belegreifheizen |\n| 11 | Fliesen |\n| 12 | Malerarbeiten |\n"
        "| 13 | Parkett |\n| 14 | Bauabnahme |\n\n## Hinweise zum Ablauf\n\n"
        "Das Belegreifheizen folgt also auf den Heizestrich.\n\n"
        "Das Parkett kommt erst nach den Malerarbeiten, damit es nicht verkleckert wird.\n\n"
        "Die Bauabnahme findet statt, wenn alle Innengewerke (Pos. 11 bis 13) fertig sind.\n"
    )
    assert pairs(plan) == {
        ("Heizestrich", "Belegreifheizen"),
        ("Malerarbeiten", "Parkett"),
        ("Fliesen", "Bauabnahme"),
        ("Malerarbeiten", "Bauabnahme"),
        ("Parkett", "Bauabnahme"),
    }


def test_relies_on_only_possible_with_and_from_state_dependencies() -> None:
    plan = plan_of(
        "## Actions\n\n**Action 1 — Rédiger la charte**\nX.\n\n"
        "**Action 2 — Former les contributeurs**\n"
        "La formation s'appuie sur la charte (action 1).\n\n"
        "**Action 3 — Kooperation mit den Stadtwerken**\nX.\n\n"
        "**Action 4 — Sekundäranalyse**\nNur möglich mit den Daten aus der Kooperation.\n\n"
        "**Action 5 — Plan de mantenimiento**\nYo mismo, a partir del inventario.\n\n"
        "**Action 6 — Inventario de vehículos**\nX.\n"
    )
    assert pairs(plan) == {
        ("Action 1 — Rédiger la charte", "Action 2 — Former les contributeurs"),
        ("Action 3 — Kooperation mit den Stadtwerken", "Action 4 — Sekundäranalyse"),
        ("Action 6 — Inventario de vehículos", "Action 5 — Plan de mantenimiento"),
    }


def test_a_description_naming_a_lot_and_one_of_its_tasks_names_that_task() -> None:
    plan = plan_of(
        "## Lot 2\n\n- Demandes de congés avec validation\n- Export mensuel vers la paie\n"
        "- Planning d'équipe des absences\n\n## Lot 3\n\n"
        "- Version mobile, à engager une fois le parcours de demande de congés du lot 2 "
        "stabilisé\n- Notes de frais\n"
    )
    assert {a for a, b in pairs(plan) if b.startswith("Version mobile")} == {
        "Demandes de congés avec validation"
    }


def test_a_plural_gerund_title_is_named_by_its_singular() -> None:
    plan = plan_of(
        "## Prep\n\n### Costume fittings\nThursday.\n\n### Day 1\n"
        "Needs the costume signed off after the fitting.\n"
    )
    assert pairs(plan) == {("Costume fittings", "Day 1")}


def test_a_demonstrative_after_once_stands_for_the_thing_just_named() -> None:
    plan = plan_of(
        "## Actions\n\n### Corriger le gabarit du site\nX.\n\n### Former les contributeurs\n"
        "La formation se fait sur le nouveau gabarit, une fois celui-ci livré.\n"
    )
    assert pairs(plan) == {("Corriger le gabarit du site", "Former les contributeurs")}


def test_a_phases_section_orders_the_phases_a_column_names() -> None:
    plan = plan_of(
        "## Tracker\n\n| Name | Phase |\n|---|---|\n| Write the policy | Phase 1 — Policies |\n"
        "| Enforce MFA | Phase 2 — Controls |\n| Readiness assessment | Phase 3 — Audit |\n"
        "| Type I fieldwork | Phase 3 — Audit |\n\n"
        "## Phases\n\n| Name | Window |\n|---|---|\n| Phase 1 — Policies | Dec |\n"
        "| Phase 2 — Controls | Jan |\n| Phase 3 — Audit | Mar |\n\n"
        "Phase 2 overlaps Phase 1 on purpose. Phase 3 starts only when Phase 2 is closed.\n"
    )
    assert pairs(plan) == {
        ("Enforce MFA", "Readiness assessment"),
        ("Enforce MFA", "Type I fieldwork"),
    }


def test_when_the_thing_is_done_states_a_dependency_but_when_alone_does_not() -> None:
    plan = plan_of(
        "## Prep\n\n### Filming permit\nJoe.\n\n### Call sheets\n"
        "Written when the permit is granted.\n\n### Table read\n"
        "Cast reads when they have time; the permit office is closed then.\n"
    )
    assert pairs(plan) == {("Filming permit", "Call sheets")}


# Batch 20


def test_a_one_row_table_of_fields_under_a_heading_is_that_tasks_fields() -> None:
    for owner, waits, stone in (
        ("Owner", "Waits for", "Milestone"),
        ("Verantwortlich", "Abhängig von", "Meilenstein"),
        ("Responsable", "Depende de", "Hito"),
    ):
        plan = plan_of(
            "## Work\n\n### 1.1 Create the account\n\n"
            f"| {owner} | {waits} | {stone} |\n|---|---|---|\n| Ana | — | M1 |\n\nSSO too.\n\n"
            f"### 1.2 Write the Terraform\n\n| {owner} | {waits} | {stone} |\n|---|---|---|\n"
            "| Ben | 1.1 | M1 |\n"
        )
        assert titles(plan) == ["Create the account", "Write the Terraform"], owner
        assert pairs(plan) == {("Create the account", "Write the Terraform")}, owner
        assert all(t.milestone_key for t in plan.tasks), owner


def test_numbered_lines_under_an_outline_item_are_its_tasks() -> None:
    for area, head in (
        ("Work plan", "Outreach"),
        ("Arbeitsplan", "Werbung"),
        ("Plan de trabajo", "Captación"),
    ):
        plan = plan_of(
            f"## {area}\n\n1. **{head}**\n   1.1. Put the form online — Ana. (high)\n"
            "   1.2. Radio spots — Ben.\n\n2. **Shops**\n   2.1. Confirm the shops — Eva.\n"
            "   2.2. Name a captain per shop — Ana.\n"
        )
        assert len(plan.tasks) == 4, area
        assert [t.title[:4] for t in plan.tasks] == ["1.1.", "1.2.", "2.1.", "2.2."], area


def test_a_numbered_outline_as_a_real_sub_list_gives_its_entries_as_tasks() -> None:
    plan = plan_of(
        "## Work plan\n\n1. **Outreach**\n   - 1.1. Put the form online — Ana.\n"
        "   - 1.2. Radio spots — Ben.\n   - [x] 1.3. Old flyer — done.\n\n"
        "2. **Shops**\n   - 2.1. Confirm the shops — Eva.\n   - 2.2. Name a captain — Ana.\n"
    )
    assert [t.title[:4] for t in plan.tasks] == ["1.1.", "1.2.", "2.1.", "2.2."]


def test_a_range_across_chapters_holds_every_number_written_between() -> None:
    for line in ("from 1.2 to 2.2", "de la 1.2 a la 2.2", "von 1.2 bis 2.2", "de la 1.2 à la 2.2"):
        plan = plan_of(
            "## Plan\n\n1. **A**\n   1.1. One thing\n   1.2. Two things\n\n"
            "2. **B**\n   2.1. Three things\n   2.2. Four things\n   2.3. Five things\n\n"
            f"## Dates\n\n- **Phase one (May):** 1.1.\n- **Phase two (June):** {line}.\n"
        )
        got = members(plan)
        assert got["Phase two (June)"] == {
            "1.2. Two things",
            "2.1. Three things",
            "2.2. Four things",
        }, line


def test_listed_phases_run_in_order_when_the_document_says_so() -> None:
    for said in (
        "The phases run one after the other.",
        "Las fases van una detrás de otra.",
        "Die Phasen laufen nacheinander.",
        "Les phases s'enchaînent.",
    ):
        plan = plan_of(
            "## Plan\n\n- Build the form\n- Print the posters\n- Send the thanks\n\n"
            "## Dates\n\n- **Phase of outreach (May):** build the form\n"
            "- **Phase of follow-up (June):** send the thanks\n\n" + said + "\n"
        )
        assert ("Build the form", "Send the thanks") in pairs(plan), said


def test_numbered_quarters_are_time_boxes_and_the_section_over_them_plans() -> None:
    for plan_title, first, second in (
        ("Projects by quarter", "1st quarter (Jan – Mar)", "2nd quarter (Apr – Jun)"),
        ("Vorhaben nach Quartal", "1. Quartal (Januar – März)", "2. Quartal (April – Juni)"),
        ("Proyectos", "Primer trimestre", "Segundo trimestre"),
        ("Projets", "1er trimestre", "2e trimestre"),
    ):
        plan = plan_of(
            "# Year plan\n\n## Framework\n\nThe board meets monthly.\n\n"
            f"## {plan_title}\n\n### {first}\n\n- **Write the fee rules** (Jens)\n"
            "- **Apply for the grant** (Stefan)\n\n"
            f"### {second}\n\n- **Collect the fees** (Jens)\n\n"
            "## Next board meeting\n\nTuesday, 19:30.\n"
        )
        assert titles(plan) == [
            "Write the fee rules",
            "Apply for the grant",
            "Collect the fees",
        ], plan_title
        assert len(members(plan)) == 2, plan_title


def test_a_priority_label_reads_a_star_rating_or_a_level_number() -> None:
    for label in ("Priority", "Priorität", "Prioridad", "Priorité"):
        plan = plan_of(
            f"## Actions\n\n### Action 1 — Study\n\n- {label} : ★★★\n\nCounts.\n\n"
            f"### Action 2 — Bike racks\n\n- {label} : ★\n\nRacks.\n\n"
            f"### Action 3 — Signs\n\n- {label}: 2\n\nSigns.\n"
        )
        levels = [t.priority for t in plan.tasks]
        assert levels == [Priority.HIGH, Priority.LOW, Priority.MEDIUM], label


def test_a_must_field_answered_yes_or_stretch_ranks_the_task() -> None:
    for must, yes, no in (
        ("Must land", "yes", "stretch"),
        ("Pflicht", "ja", "nein"),
        ("Imprescindible", "sí", "no"),
        ("Obligatoire", "oui", "non"),
    ):
        plan = plan_of(
            f"## Work\n\n### Load the history\n\n| Owner | {must} | Waits for |\n|---|---|---|\n"
            f"| Ines | {yes} | — |\n\n### Move the syncs\n\n| Owner | {must} | Waits for |\n"
            f"|---|---|---|\n| Grace | {no} | — |\n\n### Set up notebooks\n\n"
            f"| Owner | {must} | Waits for |\n|---|---|---|\n| Kemi |  | — |\n"
        )
        levels = [t.priority for t in plan.tasks]
        assert levels == [Priority.HIGH, Priority.LOW, Priority.MEDIUM], must


def test_a_prealable_field_names_what_the_action_waits_for() -> None:
    plan = plan_of(
        "## Actions\n\n### Action 1 — Étude de circulation\n\n- Pilote : voirie\n\nComptages.\n\n"
        "### Action 2 — Zone de rencontre\n\n- Pilote : voirie\n- Préalable : action 1\n"
    )
    assert pairs(plan) == {("Action 1 — Étude de circulation", "Action 2 — Zone de rencontre")}


def test_action_n_names_that_action_not_action_n0() -> None:
    body = "".join(
        f"### Action {n} — Thing {n}\n\n- Pilote : voirie\n\nText.\n\n" for n in range(1, 12)
    )
    plan = plan_of(f"## Actions\n\n{body}### Action 12 — Last\n\n- Préalable : action 1\n")
    assert pairs(plan) == {("Action 1 — Thing 1", "Action 12 — Last")}
    assert "ambiguous_reference" not in codes(plan)


def test_preambles_legends_frames_financing_and_next_meetings_are_not_work() -> None:
    for context in (
        "Préambule",
        "Kennzeichnung",
        "Lecture des fiches",
        "Rahmen",
        "Diagnostic en bref",
        "Lo que sabemos del año pasado",
        "Financement",
        "Suivi et évaluation",
        "Nächste Vorstandssitzung",
        "Rückblick 2026",
        "Erledigt / gestrichen",
        "Pendiente de decidir",
    ):
        plan = plan_of(
            f"## {context}\n\nSome words about it.\n\n## Tasks\n\n- Build the form\n- Print it\n"
        )
        assert titles(plan) == ["Build the form", "Print it"], context


def test_an_horizon_field_and_a_table_of_horizons_place_the_actions() -> None:
    for label, short, long in (
        ("Horizon", "Court terme", "Long terme"),
        ("Horizon", "Short term", "Long term"),
        ("Horizonte", "Corto plazo", "Largo plazo"),
        ("Zeithorizont", "Kurzfristig", "Langfristig"),
    ):
        plan = plan_of(
            f"## Actions\n\n### Action 1 — Study\n\n- {label} : {short.lower()}\n\nCounts.\n\n"
            f"### Action 2 — Parking\n\n- {label} : {long.lower()}\n\nPlaces.\n\n"
            f"## Calendar\n\n| {label} | Period | Actions |\n|---|---|---|\n"
            f"| {short} | 2027 | 1, 3 |\n| {long} | 2030 | 2, 4 |\n"
        )
        assert titles(plan) == ["Action 1 — Study", "Action 2 — Parking"], label
        assert members(plan) == {
            short: {"Action 1 — Study"},
            long: {"Action 2 — Parking"},
        }, label


def test_a_reading_guide_names_the_milestones_tasks_give_by_id() -> None:
    for guide in (
        "How to read this plan",
        "Cómo leer el plan",
        "Lesehilfe",
        "Comment lire ce plan",
    ):
        plan = plan_of(
            f"## {guide}\n\nEach task has a table.\n\n"
            "- **M1 Snowflake usable** – 29 January\n- **M2 Data at parity** – 5 March\n\n"
            "## Work\n\n### Create the account\n\n| Owner | Waits for | Milestone |\n"
            "|---|---|---|\n| Ana | — | M1 |\n\n### Load the history\n\n"
            "| Owner | Waits for | Milestone |\n|---|---|---|\n| Ben | the account | M2 |\n"
        )
        assert members(plan) == {
            "M1 Snowflake usable": {"Create the account"},
            "M2 Data at parity": {"Load the history"},
        }, guide


def test_headings_dated_by_a_short_weekday_or_a_span_of_days_are_time_boxes() -> None:
    for first, second in (
        ("Before submission — by Mon 17 February", "Last week — 8 to 14 April"),
        ("Vor der Abgabe — bis Mo 17 Februar", "Letzte Woche — 8 bis 14 April"),
        ("Antes del envío — lun 17 febrero", "Última semana — del 8 al 14 de abril"),
        ("Lanzamiento — mar 4 de marzo", "Última semana — del 8 al 14 de abril"),
        ("Avant la soumission — jeu 17 février", "Dernière semaine — du 8 au 14 avril"),
    ):
        plan = plan_of(
            f"## Plan\n\n### {first}\n\n- [ ] Reward table — Mei\n- [ ] Tier art — Lina\n\n"
            f"### {second}\n\n- [ ] Recap dashboard — data team\n"
        )
        assert len(plan.tasks) == 3, first
        assert len(members(plan)) == 2, first


def test_a_legend_of_signs_with_equals_ranks_the_items_that_carry_them() -> None:
    for urgent, important, spare in (
        ("urgent", "important", "(later)** = only if time"),
        ("dringend", "wichtig", "(später)** = nur wenn Zeit"),
        ("urgente", "importante", "(luego)** = si hay tiempo"),
        ("urgente", "importante", "(más adelante)** = solo si sobra tiempo"),
        ("urgent", "importante", "(après)** = si possible"),
    ):
        mark = spare.split("**")[0]
        plan = plan_of(
            f"## Legend\n\n**(!!)** = {urgent} · **(!)** = {important} · **{spare}\n\n"
            f"## Plan\n\n- **Fees** (Jens) (!!) — new rates.\n- **Camp** (Tobias) {mark} — if"
            " money is left.\n- **Party** (Anja) — in June.\n"
        )
        levels = {t.title: t.priority for t in plan.tasks}
        assert levels["Fees"] == Priority.CRITICAL, urgent
        assert levels["Camp"] == Priority.LOW, urgent
        assert levels["Party"] == Priority.MEDIUM, urgent


def test_cuttable_is_a_low_priority_word() -> None:
    for word in ("cuttable", "streichbar", "prescindible", "facultatif"):
        plan = plan_of(
            f"## Plan\n\n- [ ] **LO-1 Preview build** — Aoife. — {word}\n"
            "- [ ] **LO-2 Flag** — Pavel.\n"
        )
        assert plan.tasks[0].priority == Priority.LOW, word


def test_work_that_must_be_ready_before_another_task_is_its_blocker() -> None:
    for first, second, said in (
        ("Fee rules", "General meeting", "Must be ready two weeks before the general meeting."),
        (
            "Beitragsordnung",
            "Mitgliederversammlung",
            "Muss vier Wochen vor der Mitgliederversammlung fertig sein.",
        ),
        (
            "Reglamento de cuotas",
            "Asamblea general",
            "Debe estar listo dos semanas antes de la asamblea general.",
        ),
        (
            "Règlement des cotisations",
            "Assemblée générale",
            "Doit être prêt deux semaines avant l'assemblée générale.",
        ),
    ):
        plan = plan_of(
            f"## Plan\n\n- **{first}** (Jens) — {said}\n- **{second}** (Martina) — invite.\n"
        )
        assert pairs(plan) == {(first, second)}, said


def test_a_state_word_is_no_word_of_a_title() -> None:
    plan = plan_of(
        "## Plan\n\n- **Umstieg auf die Vereinssoftware** (Laura)\n"
        "- **Sommerfest durchführen** (alle)\n"
        "- **Weihnachtsfeier** (Martina) — erst, wenn die Umstellung durch ist.\n"
    )
    assert ("Sommerfest durchführen", "Weihnachtsfeier") not in pairs(plan)


def test_a_german_participle_names_the_task_of_its_verb() -> None:
    plan = plan_of(
        "## Plan\n\n- **Vereinssoftware auswählen** (Jens)\n- **Sommerfest planen** (Stefan)\n"
        "- **Umstieg auf die neue Vereinssoftware** (Laura) — Geht erst los, wenn die Software "
        "ausgewählt ist.\n"
    )
    assert pairs(plan) == {("Vereinssoftware auswählen", "Umstieg auf die neue Vereinssoftware")}


def test_a_spanish_verb_before_its_subject_and_despues_del_name_tasks() -> None:
    plan = plan_of(
        "## Plan\n\n- Pedido de petos y carteles — Andrés.\n- Sesión para capitanes — Lucía.\n"
        "- Cuadrante de turnos — Marcos.\n"
        "- Reparto de material — Pablo. Cuando haya llegado el pedido y se haya hecho la "
        "sesión de capitanes.\n- Envío de la guía — Marcos. Después del cuadrante.\n"
    )
    assert pairs(plan) == {
        ("Pedido de petos y carteles — Andrés", "Reparto de material — Pablo"),
        ("Sesión para capitanes — Lucía", "Reparto de material — Pablo"),
        ("Cuadrante de turnos — Marcos", "Envío de la guía — Marcos"),
    }


def test_a_list_announced_as_notes_below_a_task_table_holds_no_task() -> None:
    for lead in (
        "Notes on phase 2:",
        "Notas de la fase 2:",
        "Anmerkungen zu Phase 2:",
        "Remarques :",
    ):
        plan = plan_of(
            "## Plan\n\n### Phase 2 — Materials\n\n| Nº | Action | Owner |\n|---|---|---|\n"
            "| 5 | Notebooks in R | Ana |\n| 6 | Short videos | Elena |\n\n"
            f"{lead}\n\n- The videos are recorded while the notebooks are written.\n"
            "- The question bank waits for nothing.\n"
        )
        assert titles(plan) == ["Notebooks in R", "Short videos"], lead


def test_the_whole_clause_decides_a_target_that_fits_two_tasks() -> None:
    plan = plan_of(
        "## Plan\n\n- [ ] **LO-315 Build 7.0 store submission** — Jonah.\n"
        "- [ ] **LO-322 Store featuring assets** — Lina.\n"
        "- [ ] **LO-323 Creator preview build** — Aoife. Only after the store has approved 7.0.\n"
    )
    assert pairs(plan) == {
        ("LO-315 Build 7.0 store submission", "LO-323 Creator preview build"),
    }
    assert "ambiguous_reference" not in codes(plan)


def test_a_german_noun_in_ung_names_the_task_of_its_verb() -> None:
    plan = plan_of(
        "## Plan\n\n- **Sommerfest planen** (Stefan)\n- **Haushaltsplan aufstellen** (Jens)\n"
        "- **Sommerfest durchführen** (alle) — nach der Planung aus dem Frühjahr.\n"
    )
    assert pairs(plan) == {("Sommerfest planen", "Sommerfest durchführen")}


def test_a_based_on_phrase_that_took_the_article_still_describes_a_task() -> None:
    for done, later, said in (
        ("Collect the 2027 fees", "Draw up the 2028 budget", "on the basis of the fee income"),
        ("Beitragseinzug 2027", "Haushaltsplan 2028 aufstellen", "auf Basis der Beitragseinnahmen"),
        ("Cobro de cuotas 2027", "Presupuesto 2028", "sobre la base del cobro de las cuotas"),
    ):
        plan = plan_of(f"## Plan\n\n- **{done}** (Jens)\n- **{later}** (Jens) — {said}.\n")
        assert pairs(plan) == {(done, later)}, said


def test_items_of_a_lettered_workstream_go_by_letter_and_number() -> None:
    for area in ("Chantier", "Workstream", "Track", "Lot"):
        plan = plan_of(
            f"## {area} A — Structure\n\n1. **Audit** — stats.\n"
            "2. **Target tree** — eight entries.\n\n"
            f"## {area} B — Content\n\n1. **Inventory** — each page sorted.\n"
            "2. **Migration** — page by page. Elle attend la livraison de l'arbre (A2).\n"
        )
        assert ("Target tree", "Migration") in pairs(plan), area


def test_il_faut_que_states_what_a_task_needs() -> None:
    plan = plan_of(
        "## Chantier A\n\n1. **Charte éditoriale** — rôles.\n\n## Chantier D\n\n"
        "1. **Formation des contributeurs** — huit sessions. Il faut que la charte éditoriale "
        "(A1) soit livrée.\n"
    )
    assert pairs(plan) == {("Charte éditoriale", "Formation des contributeurs")}


def test_a_later_sentence_that_orders_an_item_is_its_text_not_its_title() -> None:
    plan = plan_of(
        "## Plan de travail\n\n1. **Recrutement**\n   1.1. Mettre le formulaire en ligne — Marc.\n"
        "   1.2. Campagne sur les réseaux — Nora. Démarre une fois le formulaire publié.\n"
    )
    assert [t.title for t in plan.tasks] == [
        "1.1. Mettre le formulaire en ligne — Marc",
        "1.2. Campagne sur les réseaux — Nora",
    ]
    assert len(pairs(plan)) == 1


def test_an_id_that_names_no_task_is_no_description() -> None:
    plan = plan_of(
        "## Plan\n\n- Train the editors — they need the charter (X9) delivered first.\n"
        "- Migrate the pages — waits for X9.\n"
    )
    assert not any(b.startswith("Train") for b, _ in pairs(plan))


def test_a_fiche_action_numbered_with_n_degree_is_named_every_usual_way() -> None:
    body = "".join(
        f"### Fiche-action n°{n} — Sujet {n}\n\n- Pilote : voirie\n\nTexte.\n\n"
        for n in range(1, 11)
    )
    plan = plan_of(
        f"## Axe 1\n\n{body}### Fiche-action n°11 — Parking\n\n- Préalable : fiche n°1\n\n"
        "### Fiche-action n°12 — Navette\n\n- Préalable : action 2\n"
    )
    assert pairs(plan) == {
        ("Fiche-action n°1 — Sujet 1", "Fiche-action n°11 — Parking"),
        ("Fiche-action n°2 — Sujet 2", "Fiche-action n°12 — Navette"),
    }


def test_a_must_column_answered_yes_or_stretch_ranks_the_rows() -> None:
    for must, yes, no in (
        ("Must land", "yes", "stretch"),
        ("Pflicht", "ja", "nein"),
        ("Imprescindible", "sí", "no"),
        ("Obligatoire", "oui", "non"),
    ):
        plan = plan_of(
            f"## Work items\n\n| ID | Task | {must} |\n|---|---|---|\n| W1 | Create the account |"
            f" {yes} |\n| W2 | Move the syncs | {no} |\n| W3 | Notebooks |  |\n"
        )
        levels = [t.priority for t in plan.tasks]
        assert levels == [Priority.HIGH, Priority.LOW, Priority.MEDIUM], must


def test_month_headings_are_time_boxes() -> None:
    for plan_title, first, second in (
        ("Projects by month", "January", "February – March"),
        ("Vorhaben nach Monat", "Januar", "April 2027"),
        ("Proyectos por mes", "Enero", "Febrero – marzo"),
        ("Projets par mois", "Janvier", "Février à mars"),
    ):
        plan = plan_of(
            f"## {plan_title}\n\n### {first}\n\n- **Write the fee rules** (Jens)\n"
            "- **Apply for the grant** (Stefan)\n\n"
            f"### {second}\n\n- **Collect the fees** (Jens)\n\n## Nächste Sitzung\n\nDienstag.\n"
        )
        assert len(plan.tasks) == 3, first
        assert len(members(plan)) == 2, first


def test_a_work_breakdown_outline_and_its_schedule_table_are_one_set_of_tasks() -> None:
    for wbs, package, after, notes in (
        ("WBS", "Work package", "Predecessors", "**Notes on the schedule**"),
        ("PSP", "Arbeitspaket", "Vorgänger", "**Anmerkungen zum Zeitplan**"),
        ("EDT", "Paquete de trabajo", "Predecesoras", "**Notas al cronograma**"),
    ):
        plan = plan_of(
            "## Breakdown of the work\n\n- **1 Phase 1 — Design**\n  - 1.1 Process analysis\n"
            "  - 1.2 Functional design\n- **2 Phase 2 — Build**\n  - 2.1 Configuration\n"
            f"  - 2.2 ERP interface\n\n## Budget summary\n\n| Item | Amount |\n|---|---|\n"
            f"| Licences | 68,000 € |\n\n## Schedule\n\n| {wbs} | {package} | Days | {after} |\n"
            "|---|---|---|---|\n| 1.1 | Process analysis | 15 | — |\n"
            "| 1.2 | Functional design | 10 | 1.1 |\n| 2.1 | Configuration | 20 | 1.2 |\n"
            f"| 2.2 | ERP interface | 25 | 1.2 |\n\n{notes}\n\n"
            "- The configuration (2.1) starts on the approved design, whatever the calendar says"
            " about the holidays and the freeze of the warehouse in December.\n"
            "- Nothing is installed in the warehouse during the freeze.\n"
        )
        assert [t.title for t in plan.tasks] == [
            "1.1 Process analysis",
            "1.2 Functional design",
            "2.1 Configuration",
            "2.2 ERP interface",
        ], wbs
        assert ("1.2 Functional design", "2.2 ERP interface") in pairs(plan), wbs


def test_a_schedule_row_whose_task_the_breakdown_dropped_is_no_new_task() -> None:
    plan = plan_of(
        "## Breakdown of the work\n\n- **1 Phase 1 — Design**\n  - 1.1 Process analysis\n"
        "  - Revised functional design\n  - 1.3 Layout\n\n"
        "## Schedule\n\n| WBS | Work package | Predecessors |\n|---|---|---|\n"
        "| 1.1 | Process analysis | — |\n| 1.3 | Layout | 1.1 |\n| 1.4 | Hypercare | 1.3 |\n"
    )
    assert [t.title for t in plan.tasks] == [
        "1.1 Process analysis",
        "Revised functional design",
        "1.3 Layout",
    ]
    assert ("1.1 Process analysis", "1.3 Layout") in pairs(plan)


# Merging batches 19 and 20


def test_a_weak_phrase_ends_at_a_colon_even_when_a_list_follows() -> None:
    plan = plan_of(
        "## Plan\n\n1. **Cuadrante de turnos** — Marcos.\n"
        "2. **Envío de la guía** — Marcos. Después del cuadrante: cada persona recibe su tienda"
        " y su hora.\n3. **Compra de chalecos** — Ana.\n"
    )
    assert ("Cuadrante de turnos", "Envío de la guía") in pairs(plan)


def test_a_spanish_verb_before_its_subject_keeps_the_participle_that_names_the_task() -> None:
    plan = plan_of(
        "## Lo que hay que hacer\n\n1) **Pedido de neumáticos** — Paco.\n"
        "2) **Cambio de neumáticos** — taller. En cuanto llegue el pedido.\n"
        "3) **Revisión de salida** — todos. Solo cuando estén cambiados los neumáticos.\n"
    )
    assert ("Cambio de neumáticos", "Revisión de salida") in pairs(plan)
    assert ("Pedido de neumáticos", "Revisión de salida") not in pairs(plan)


def test_a_task_table_down_to_one_row_with_an_id_is_still_a_task_table() -> None:
    plan = plan_of(
        "## Recepción\n\n| Id | Tarea | Responsable | Urgencia |\n|---|---|---|---|\n"
        "| REC-1 | Cargar tarifas en el PMS | Laura | alta |\n\n"
        "## Contexto\n\n| Dato | Valor |\n|---|---|\n| Habitaciones | 84 |\n"
    )
    assert titles(plan) == ["REC-1 Cargar tarifas en el PMS"]


def test_a_section_down_to_one_entry_beside_sections_listing_entries_keeps_it_a_task() -> None:
    plan = plan_of(
        "## Herbst\n\n- **Bachbegehung** – Pflicht. Mit der Försterin.\n"
        "- **Forscherecke einrichten** – Kür. Regal und Lupen.\n\n"
        "## Sommer\n\n- **Ausstellung im Flur** – Pflicht. Fotos aus dem ganzen Jahr.\n"
    )
    assert titles(plan) == ["Bachbegehung", "Forscherecke einrichten", "Ausstellung im Flur"]


def test_an_outline_chapter_down_to_one_entry_still_gives_the_entry() -> None:
    plan = plan_of(
        "## Plan de trabajo\n\n1. **Captación**\n   1.1. Pasar el formulario a la web — Marcos.\n"
        "   1.2. Campaña en redes — Nerea.\n2. **Después de la recogida**\n"
        "   2.1. Encuesta a voluntarios nuevos — Nerea.\n"
    )
    assert titles(plan) == [
        "1.1. Pasar el formulario a la web — Marcos",
        "1.2. Campaña en redes — Nerea",
        "2.1. Encuesta a voluntarios nuevos — Nerea",
    ]


# Batch 21


def _priorities(plan: ImportPlan) -> dict[str, Priority]:
    return {t.title: t.priority for t in plan.tasks}


def test_a_list_of_yaml_like_records_is_a_table_of_tasks() -> None:
    plan = plan_of(
        "## Suivi\n\nChamps : `prio` (1 = bloquant, 3 = confort).\n\n"
        "- id: T-01\n  tâche: Arrêter la liste des œuvres\n  resp: Claire\n  prio: 1\n"
        "  après: []\n  jalon: J1\n"
        "- id: T-02\n  tâche: Envoyer les demandes de prêt\n  resp: Mathis\n"
        "  après: [T-01]\n  jalon: J2\n"
    )
    assert titles(plan) == ["T-01 Arrêter la liste des œuvres", "T-02 Envoyer les demandes de prêt"]
    assert pairs(plan) == {
        ("T-01 Arrêter la liste des œuvres", "T-02 Envoyer les demandes de prêt")
    }
    assert set(members(plan)) == {"J1", "J2"}
    # Each task's source is its whole record (the preview shows it; a re-import finds it).
    assert [(t.source.line_start, t.source.line_end) for t in plan.tasks] == [(5, 10), (11, 15)]


def test_a_list_of_ordinary_items_with_a_colon_stays_one_list() -> None:
    plan = plan_of("## Login page\n\n- Owner: Ana\n- Due: Friday\n")
    assert titles(plan) == ["Login page"]


def test_numbering_that_runs_on_across_area_headings_makes_each_item_a_task() -> None:
    plan = plan_of(
        "## Tareas\n\n### Bodega\n\n1. **Limpiar los depósitos** — Chema.\n"
        "2. **Revisar la prensa** — Chema.\n\n### Viña\n\n3. **Muestreos** — Luis.\n"
        "4. **Poner a punto el frío** — Chema. Después de la 1.\n"
    )
    assert titles(plan) == [
        "Limpiar los depósitos",
        "Revisar la prensa",
        "Muestreos",
        "Poner a punto el frío",
    ]
    assert pairs(plan) == {("Limpiar los depósitos", "Poner a punto el frío")}


def test_numbered_steps_restarting_in_each_section_stay_that_sections_criteria() -> None:
    plan = plan_of("## Work\n\n### Login\n\n1. Form\n2. Errors\n\n### Export\n\n1. CSV\n2. PDF\n")
    assert titles(plan) == ["Login", "Export"]


def test_recommended_optional_and_can_wait_are_priorities() -> None:
    plan = plan_of(
        "## Tasks\n\n| Task | Priority |\n|---|---|\n| A | conseillé |\n| B | facultatif |\n"
        "| C | puede esperar |\n| D | importante |\n"
    )
    assert _priorities(plan) == {
        "A": Priority.MEDIUM,
        "B": Priority.LOW,
        "C": Priority.LOW,
        "D": Priority.HIGH,
    }


def test_a_milestone_tables_numbered_names_answer_to_its_column_and_number() -> None:
    plan = plan_of(
        "## Phases\n\nPhase 2 does not start until every Phase 1 memo is in.\n\n"
        "| Phase | Window |\n|---|---|\n| 1 — Mobilisation | May |\n| 2 — Reporting | June |\n\n"
        "## Work\n\n| # | Task | Phase |\n|---|---|---|\n| 1 | Engagement letter | 1 |\n"
        "| 2 | Request list | 1 |\n| 3 | Report | 2 |\n"
    )
    assert members(plan) == {
        "1 — Mobilisation": {"Engagement letter", "Request list"},
        "2 — Reporting": {"Report"},
    }
    assert pairs(plan) == {("Engagement letter", "Report"), ("Request list", "Report")}


def test_a_legend_of_bold_terms_ranks_the_priority_column() -> None:
    plan = plan_of(
        "## How to read\n\nPriority is the client's call. **Red-flag** items come first. "
        "**Core** items belong in the report. **Optional** items only if the budget allows.\n\n"
        "## Work\n\n| Task | Priority |\n|---|---|\n| A | Red-flag |\n| B | Core |\n"
        "| C | Optional |\n| D | |\n"
    )
    assert _priorities(plan) == {
        "A": Priority.HIGH,
        "B": Priority.MEDIUM,
        "C": Priority.LOW,
        "D": Priority.MEDIUM,
    }


def test_a_word_the_legend_defines_as_the_priority_states_it() -> None:
    plan = plan_of(
        "## Comment lire\n\nSon **caractère** dit si on peut s'en passer : *obligatoire* (légal), "
        "*conseillé* (recommandé), *facultatif* (si le temps le permet).\n\n"
        "## Actions\n\n### A1. Contrats\nPilote : Élodie. Caractère : obligatoire.\n\n"
        "### A2. Livret\nPilote : Élodie. Caractère : facultatif.\n\n### A3. Parrains\nX.\n"
    )
    assert _priorities(plan) == {
        "A1. Contrats": Priority.HIGH,
        "A2. Livret": Priority.LOW,
        "A3. Parrains": Priority.MEDIUM,
    }


def test_rollout_rings_are_stages_and_said_sequential_they_are_ordered() -> None:
    plan = plan_of(
        "# Round-ups v2\n\n## How the rings work\n\nThe rings are strictly sequential: "
        "we widen only after every step is done.\n\n"
        "## Ring 0 — Staff\n\n| Step | What |\n|---|---|\n"
        "| R0.1 | Ship the writer |\n| R0.2 | Enable the flag |\n\n"
        "## Ring 1 — 1% of customers\n\n| Step | What |\n|---|---|\n| R1.1 | Risk sign-off |\n"
        "| R1.2 | Open the flag |\n"
    )
    assert titles(plan) == [
        "R0.1 Ship the writer",
        "R0.2 Enable the flag",
        "R1.1 Risk sign-off",
        "R1.2 Open the flag",
    ]
    assert set(members(plan)) == {"Ring 0 — Staff", "Ring 1 — 1% of customers"}
    assert ("R0.2 Enable the flag", "R1.1 Risk sign-off") in pairs(plan)


def test_a_table_of_people_or_of_counts_is_no_work() -> None:
    plan = plan_of(
        "## Team\n\n| Initials | Name | Role |\n|---|---|---|\n| HA | Helen | Partner |\n"
        "| OP | Owen | Associate |\n\n"
        "## Équipe\n\n| Poste | Nombre | Contrat |\n|---|---|---|\n| Responsable | 1 | CDI |\n"
        "| Conseiller | 6 | CDI |\n\n## Tasks\n\n- [ ] Write the letter\n"
    )
    assert titles(plan) == ["Write the letter"]
    assert "a table of people, not work" in {s.reason for s in plan.not_tasks}


def test_despues_del_states_a_dependency() -> None:
    plan = plan_of(
        "## Tareas\n\n### Primer corte\nTodos.\n\n### Jornada con los socios\n"
        "El segundo sábado, o sea después del primer corte.\n"
    )
    assert pairs(plan) == {("Primer corte", "Jornada con los socios")}


def test_a_jira_fix_version_column_names_each_issues_milestone() -> None:
    plan = plan_of(
        "## Meilensteine\n\n| Meilenstein | Termin |\n|---|---|\n"
        "| M1 Konzept abgenommen | 30.04. |\n"
        "| M2 Templates fertig | 30.06. |\n\n## Vorgänge\n\n"
        "| Schlüssel | Zusammenfassung | Lösungsversion |\n|---|---|---|\n"
        "| WEB-1 | Navigationskonzept | M1 Konzept |\n"
        "| WEB-2 | Templates umsetzen | M2 Templates |\n"
    )
    assert members(plan) == {
        "M1 Konzept abgenommen": {"WEB-1 Navigationskonzept"},
        "M2 Templates fertig": {"WEB-2 Templates umsetzen"},
    }


def test_setzen_voraus_states_a_dependency_as_setzt_voraus_does() -> None:
    plan = plan_of(
        "## Arbeiten\n\n### Grundinstallation\nIT.\n\n### Templates\n"
        "Die Templates setzen die Grundinstallation voraus.\n"
    )
    assert pairs(plan) == {("Grundinstallation", "Templates")}


def test_only_starting_with_the_numbered_tasks_in_parentheses_waits_for_them() -> None:
    plan = plan_of(
        "## Tareas\n\n1. **Limpiar los depósitos** — Chema.\n2. **Revisar la prensa** — Chema.\n"
        "3. **Primer corte** — todos. Sólo se empieza a cortar con la bodega lista "
        "(tareas 1 a 2).\n"
    )
    assert pairs(plan) == {
        ("Limpiar los depósitos", "Primer corte"),
        ("Revisar la prensa", "Primer corte"),
    }


def test_antes_del_states_an_order_as_antes_de_does() -> None:
    plan = plan_of(
        "## Tareas\n\n### Tratamiento fitosanitario\nComo muy tarde 21 días antes del primer "
        "corte.\n\n### Primer corte\nTodos.\n"
    )
    assert pairs(plan) == {("Tratamiento fitosanitario", "Primer corte")}


def test_n_a_lieu_que_si_states_a_dependency() -> None:
    plan = plan_of(
        "## Actions\n\n### Installer les postes de travail\nRomain.\n\n### Journée d'accueil\n"
        "Elle n'a lieu que si les postes sont installés.\n"
    )
    assert pairs(plan) == {("Installer les postes de travail", "Journée d'accueil")}


def test_waiting_until_or_starting_the_day_after_states_a_dependency() -> None:
    plan = plan_of(
        "## Steps\n\n### Migrate the cohort\nArjun.\n\n### Push notification\n"
        "The push waits until the cohort has been migrated.\n\n"
        "### Journée d'accueil\nKarim.\n\n### Formation produit\n"
        "Commence le lendemain de la journée d'accueil.\n"
    )
    assert pairs(plan) == {
        ("Migrate the cohort", "Push notification"),
        ("Journée d'accueil", "Formation produit"),
    }


def test_se_caler_sur_and_ne_que_quand_state_dependencies() -> None:
    plan = plan_of(
        "## Actions\n\n### Rédiger le programme scénographique\nClaire.\n\n"
        "### Concevoir l'éclairage\nSe cale sur les plans du programme scénographique.\n\n"
        "### Monter les cimaises\nAtelier.\n\n### Commission de sécurité\n"
        "La commission ne passe que quand les cimaises sont montées.\n"
    )
    assert pairs(plan) == {
        ("Rédiger le programme scénographique", "Concevoir l'éclairage"),
        ("Monter les cimaises", "Commission de sécurité"),
    }


def test_a_list_of_things_waited_for_goes_on_past_a_parenthesis_of_numbers() -> None:
    plan = plan_of(
        "## Tareas\n\n1. **Limpiar los depósitos** — Chema.\n2. **Preparar las cajas** — Luis.\n"
        "3. **Alta de la cuadrilla** — Marta.\n4. **Primer corte** — todos. Sólo se empieza con "
        "la bodega lista (tarea 1), la cuadrilla dada de alta y las cajas preparadas.\n"
    )
    assert pairs(plan) == {
        ("Limpiar los depósitos", "Primer corte"),
        ("Preparar las cajas", "Primer corte"),
        ("Alta de la cuadrilla", "Primer corte"),
    }


def test_focus_words_leading_a_target_are_not_its_name() -> None:
    plan = plan_of(
        "## Arbeiten\n\n### Grundinstallation im Rechenzentrum\nIT.\n\n"
        "### Import Veranstaltungskalender\nX.\n\n## Abhängigkeiten\n\n"
        "Der Kalender-Import braucht ebenfalls nur die Grundinstallation.\n"
    )
    assert pairs(plan) == {("Grundinstallation im Rechenzentrum", "Import Veranstaltungskalender")}


def test_a_sentence_of_a_dependency_paragraph_with_an_arrow_leaves_the_others_alone() -> None:
    plan = plan_of(
        "## Arbeiten\n\n### TYPO3-Grundinstallation\nIT.\n\n### Redaktionsschulung\nX.\n\n"
        "### Weiterleitungen\nX.\n\n## Abhängigkeiten\n\n"
        "Die Redaktionsschulung findet auf dem Testsystem statt, also nach der "
        "TYPO3-Grundinstallation. Die Weiterleitungen brauchen die Zuordnung alt → neu.\n"
    )
    assert pairs(plan) == {("TYPO3-Grundinstallation", "Redaktionsschulung")}


def test_what_a_task_is_drawn_from_is_what_it_waits_for() -> None:
    plan = plan_of(
        "## Tareas\n\n### Muestreos de maduración\nLuis.\n\n### Fecha de corte\n"
        "Sale de los muestreos de maduración.\n\n### Content-Inventur\nX.\n\n"
        "### Seitenauswahl\nSie ergibt sich aus der Content-Inventur.\n"
    )
    assert pairs(plan) == {
        ("Muestreos de maduración", "Fecha de corte"),
        ("Content-Inventur", "Seitenauswahl"),
    }


def test_a_spaced_colon_ends_what_a_task_waits_for() -> None:
    plan = plan_of(
        "## Actions\n\n### Créer les comptes\nRomain.\n\n### Journée d'accueil\n"
        "Elle n'a lieu que si les comptes sont créés : personne ne doit attendre.\n"
    )
    assert pairs(plan) == {("Créer les comptes", "Journée d'accueil")}


def test_a_stage_down_to_one_numbered_bold_action_beside_stages_of_several_keeps_it() -> None:
    plan = plan_of(
        "## Étape 1 — Accueil\n\n**A1. Finaliser les contrats.** Pilote : Élodie.\n\n"
        "**A2. Commander les postes.** Pilote : Romain.\n\n"
        "## Étape 2 — Fin de période d'essai\n\n"
        "**A3. Entretiens de fin de période d'essai.** Pilote : Camille.\n"
    )
    assert titles(plan) == [
        "A1. Finaliser les contrats",
        "A2. Commander les postes",
        "A3. Entretiens de fin de période d'essai",
    ]


def test_an_open_item_with_its_own_due_date_is_a_task() -> None:
    plan = plan_of(
        "## Aufgaben ohne Jira-Vorgang\n\n"
        "- [ ] @Tim Berger Impressum aktualisieren – fällig 05.10.2027\n"
        "- [ ] Pressemitteilung vorbereiten – fällig 08.10.2027\n"
    )
    assert len(plan.tasks) == 2


def test_a_legend_of_bold_terms_ranks_an_items_trailing_word_over_its_usual_level() -> None:
    plan = plan_of(
        "## How to read this\n\nEach item ends with how much it matters: **blocker** (we do not"
        " launch without it), **important** (we want it), **if time** (first to go).\n\n"
        "## Launch\n\n- [ ] **Capsule art** (Jun) — blocker. All sizes.\n"
        "- [ ] **Store copy** (Sam) — important. Short description.\n"
        "- [ ] **Discord server** (Ola) — if time. Roles and channels.\n"
    )
    assert {t.title: t.priority for t in plan.tasks} == {
        "Capsule art": Priority.HIGH,
        "Store copy": Priority.MEDIUM,
        "Discord server": Priority.LOW,
    }


def test_a_clause_led_by_nothing_makes_before_a_wait_not_an_order_the_other_way() -> None:
    plan = plan_of(
        "## The plan\n\nNothing goes to press or to the stores before the mastering is done.\n\n"
        "### Mastering\nJonas.\n\n### Press campaign\nRuth.\n"
    )
    assert ("Press campaign", "Mastering") not in pairs(plan)


# Batch 25


def test_a_lettered_part_number_before_a_known_title_is_a_heading_number() -> None:
    plan = plan_of(
        "## Part C: Delivery\n\n### C.1 Background\nWe have old laptops.\n\n"
        "### C.2 Work\n\n- [ ] Buy laptops\n- [ ] Set up MDM\n\n"
        "### C.3 Risks\n\n- Delivery times are long.\n\n"
        "### C.4 Glossary\n\n- MDM: device management.\n"
    )
    assert titles(plan) == ["Buy laptops", "Set up MDM"]
    german = plan_of(
        "## Teil B: Umsetzung\n\n### B.1 Ausgangslage\nAlt.\n\n"
        "### B.2 Maßnahmen\n\n- [ ] Router tauschen\n\n### B.3 Offene Punkte\n\n- Wer zahlt?\n"
    )
    assert titles(german) == ["Router tauschen"]


def test_a_lettered_id_before_a_plain_title_stays_the_items_id() -> None:
    plan = plan_of(
        "## Línea A — Sistemas\n\n### A.1 Contratar un enlace\nX.\n\n"
        "### A.2 Replicar el ERP\nDespués de A.1.\n\n### A.3 Copias inmutables\nX.\n"
    )
    assert ("A.1 Contratar un enlace", "A.2 Replicar el ERP") in pairs(plan)


def test_what_we_want_whom_the_team_holds_and_decisions_taken_are_not_work() -> None:
    plan = plan_of(
        "## Qué queremos y qué no\n\nVender más.\n\n"
        "## Tareas\n\n- [ ] Escalar la base\n\n"
        "## Indicadores que miramos durante el evento\n\n- Sesiones simultáneas\n\n"
        "## Pendientes por decidir\n\n- ¿Quién firma?\n"
    )
    assert titles(plan) == ["Escalar la base"]
    french = plan_of(
        "## Ce qui est dans le périmètre, et ce qui ne l'est pas\n\nLe portage seulement.\n\n"
        "## L'équipe\n\nJeanne, Paul.\n\n## Les tâches\n\n### Moteur\nMise à jour.\n\n"
        "## Décisions prises\n\n- On garde Unity.\n"
    )
    assert titles(french) == ["Moteur"]


def test_a_section_wanting_something_of_its_own_is_still_work() -> None:
    plan = plan_of("## Tareas\n\n### Queremos un checkout nuevo\nX.\n\n### Webhooks\nY.\n")
    assert titles(plan) == ["Queremos un checkout nuevo", "Webhooks"]


def test_a_stage_column_names_the_milestone_beside_its_period_column() -> None:
    plan = plan_of(
        "## Maßnahmen\n\n**M1 – Router** (A)\nX.\n\n**M2 – Tablets**\nY.\n\n"
        "## Zeitplan\n\n| Stufe | Zeitraum | Maßnahmen |\n|---|---|---|\n"
        "| Stufe 1 – Grundlagen | 2. Halbjahr 2026/27 | M1 |\n"
        "| Stufe 2 – Ausstattung | 1. Halbjahr 2027/28 | M2 |\n"
    )
    assert members(plan) == {
        "Stufe 1 – Grundlagen": {"M1 – Router (A)"},
        "Stufe 2 – Ausstattung": {"M2 – Tablets"},
    }
    english = plan_of(
        "## Work\n\n- [ ] A1 Router\n- [ ] A2 Tablets\n\n"
        "## Schedule\n\n| Stage | Period | Tasks |\n|---|---|---|\n"
        "| Foundations | H1 2027 | A1 |\n| Rollout | H2 2027 | A2 |\n"
    )
    assert set(members(english)) == {"Foundations", "Rollout"}


def test_a_period_column_alone_still_names_the_milestones() -> None:
    plan = plan_of(
        "## Work\n\n- [ ] A1 Router\n- [ ] A2 Tablets\n\n"
        "## Schedule\n\n| Period | Tasks |\n|---|---|\n| H1 2027 | A1 |\n| H2 2027 | A2 |\n"
    )
    assert set(members(plan)) == {"H1 2027", "H2 2027"}


def test_a_priority_label_names_a_bold_letter_a_legend_ranked() -> None:
    plan = plan_of(
        "## Maßnahmen\n\nDie Dringlichkeit ist mit **A** (muss umgesetzt werden), **B** (wichtig)"
        " und **C** (wünschenswert, wenn Zeit bleibt) angegeben.\n\n"
        "**M1 – Router tauschen** (Dringlichkeit A)\nX.\n\n"
        "**M2 – Tablets kaufen** (Dringlichkeit C)\nY.\n\n**M3 – Schulung**\nZ.\n"
    )
    assert {t.title.split(" (")[0]: t.priority for t in plan.tasks} == {
        "M1 – Router tauschen": Priority.HIGH,
        "M2 – Tablets kaufen": Priority.LOW,
        "M3 – Schulung": Priority.MEDIUM,
    }
    english = plan_of(
        "## Work\n\nUrgency is **A** (must ship), **B** (should ship) or **C** (desirable).\n\n"
        "- [ ] Swap routers (urgency: C)\n- [ ] Buy tablets (urgency: A)\n"
    )
    assert {t.title.split(" (")[0]: t.priority for t in english.tasks} == {
        "Swap routers": Priority.LOW,
        "Buy tablets": Priority.HIGH,
    }


def test_bold_letters_that_rank_nothing_give_no_priority() -> None:
    plan = plan_of(
        "## Work\n\nRooms are **A** (ground floor), **B** (first floor) and **C** (attic).\n\n"
        "- [ ] Paint room (priority A)\n- [ ] Fix the door\n"
    )
    assert {t.priority for t in plan.tasks} == {Priority.MEDIUM}


_GATE = (
    "## Gate 2\n\n| Key | Work item |\n|---|---|\n| K-1 | Build cache |\n"
    "| K-2 | Version policy |\n\n"
    "## Gate 3\n\n| Key | Work item |\n|---|---|\n"
    "| K-11 | Wave A: checkout services |\n| K-12 | Wave B: catalog services |\n"
    "| K-13 | Wave C: remaining services |\n| K-14 | Consolidate shared libraries |\n"
    "| K-15 | Archive old repos |\n| K-16 | Turn off Jenkins jobs |\n\n"
)


def test_a_sequence_said_of_a_noun_chains_only_the_rows_it_names() -> None:
    plan = plan_of(_GATE + "The waves go one after the other because support is thin.\n")
    assert pairs(plan) == {
        ("K-11 Wave A: checkout services", "K-12 Wave B: catalog services"),
        ("K-12 Wave B: catalog services", "K-13 Wave C: remaining services"),
    }
    german = plan_of(
        "## Umzug\n\n| Nr. | Aufgabe |\n|---|---|\n| U-1 | Welle 1: Kasse |\n"
        "| U-2 | Welle 2: Lager |\n| U-3 | Altsysteme abschalten |\n\n"
        "Die Wellen laufen nacheinander.\n"
    )
    assert pairs(german) == {("U-1 Welle 1: Kasse", "U-2 Welle 2: Lager")}


def test_a_sentence_names_its_rows_by_their_words_and_shares_its_subject() -> None:
    plan = plan_of(
        _GATE + "Library consolidation can begin as soon as the version policy is agreed, and must"
        " be finished before Wave C. Archiving the repos and turning off their Jenkins jobs both"
        " happen after Wave C. No wave starts before Gate 2 has passed, i.e. before everything"
        " in the Gate 2 table is done.\n"
    )
    found = pairs(plan)
    assert ("K-2 Version policy", "K-14 Consolidate shared libraries") in found
    assert ("K-14 Consolidate shared libraries", "K-13 Wave C: remaining services") in found
    assert ("K-13 Wave C: remaining services", "K-15 Archive old repos") in found
    assert ("K-13 Wave C: remaining services", "K-16 Turn off Jenkins jobs") in found
    assert ("K-1 Build cache", "K-11 Wave A: checkout services") in found
    assert not any(
        b.startswith("K-1 ") and w.startswith(("K-14", "K-15", "K-16")) for b, w in found
    )
    assert not any(w.startswith(("K-1 ", "K-2 ")) for _, w in found)


def test_a_prepositional_phrase_before_the_verb_names_no_subject() -> None:
    plan = plan_of(
        "## Salles\n\n### Concevoir l'éclairage des salles\nX.\n\n### Cartels de salle\nY.\n\n"
        "### Installer les œuvres\nZ.\n\n### Former les agents\nDans les salles, une fois les"
        " œuvres installées.\n"
    )
    assert ("Installer les œuvres", "Concevoir l'éclairage des salles") not in pairs(plan)


def test_the_next_stage_starting_after_the_previous_one_orders_a_tables_stages() -> None:
    body = (
        "## Maßnahmen\n\n**M1 – Router**\nX.\n\n**M2 – Tablets**\nY.\n\n"
        "## Zeitplan\n\n{}\n\n| Stufe | Maßnahmen |\n|---|---|\n"
        "| Stufe 1 – Netz | M1 |\n| Stufe 2 – Geräte | M2 |\n"
    )
    plan = plan_of(
        body.format("Die folgende Stufe beginnt erst nach dem Abschluss der vorherigen.")
    )
    assert pairs(plan) == {("M1 – Router", "M2 – Tablets")}
    english = plan_of(
        body.format("The next stage only starts once the board has signed off the previous one.")
    )
    assert pairs(english) == {("M1 – Router", "M2 – Tablets")}


def test_a_stage_said_to_be_finished_orders_nothing() -> None:
    plan = plan_of(
        "## Maßnahmen\n\n**M1 – Router**\nX.\n\n**M2 – Tablets**\nY.\n\n"
        "## Zeitplan\n\nEine Stufe gilt als abgeschlossen, wenn ihre Maßnahmen umgesetzt sind.\n\n"
        "| Stufe | Maßnahmen |\n|---|---|\n| Stufe 1 – Netz | M1 |\n| Stufe 2 – Geräte | M2 |\n"
    )
    assert pairs(plan) == set()


def test_dashes_and_quotation_marks_are_no_words_of_a_bold_heading() -> None:
    plan = plan_of(
        "## Contenu\n\n**T-14 — Intégration du DLC « Les Caves » dans la build console**\n"
        "Après la mise à jour du moteur.\n\n**T-15 — Mixage audio**\nLou.\n"
    )
    assert titles(plan) == [
        "T-14 — Intégration du DLC « Les Caves » dans la build console",
        "T-15 — Mixage audio",
    ]


def test_a_bold_line_of_more_than_twelve_words_is_prose_not_a_heading() -> None:
    plan = plan_of(
        "## Work\n\n**We will ship the console build with every level and all of the cut"
        " content restored**\nDetails.\n\n**We will also ship the handheld build with every"
        " level and all of the cut content**\nMore.\n"
    )
    assert titles(plan) == ["Work"]


def test_french_phrases_for_work_done_on_or_right_after_another() -> None:
    plan = plan_of(
        "## Tâches\n\n**T-01 — Mise à jour du moteur**\nKarim.\n\n"
        "**T-02 — Profilage mémoire**\nSe fait sur la mise à jour du moteur.\n\n"
        "**T-03 — Chargement asynchrone**\nS'enchaîne sur le profilage mémoire.\n\n"
        "**T-04 — Sauvegarde plateforme**\nKarim.\n\n"
        "**T-05 — Sélection de compte**\nDoit s'appuyer sur la sauvegarde plateforme (T-04).\n\n"
        "**T-06 — Passe de conformité**\nTestLab.\n\n"
        "**T-07 — Correction des retours**\nSuit la passe de conformité.\n\n"
        "**T-08 — Soumission**\nOn ne soumet que lorsque la correction des retours est faite.\n"
    )
    assert pairs(plan) == {
        ("T-01 — Mise à jour du moteur", "T-02 — Profilage mémoire"),
        ("T-02 — Profilage mémoire", "T-03 — Chargement asynchrone"),
        ("T-04 — Sauvegarde plateforme", "T-05 — Sélection de compte"),
        ("T-06 — Passe de conformité", "T-07 — Correction des retours"),
        ("T-07 — Correction des retours", "T-08 — Soumission"),
    }


def test_german_and_spanish_phrases_for_what_follows_or_conditions_a_task() -> None:
    german = plan_of(
        "## Maßnahmen\n\n**M6 – Pilotklassen**\nX.\n\n**M7 – Auswertung**\nSchließt an M6 an.\n\n"
        "**M9 – Ausgabe Welle 1**\nY.\n\n"
        "**M11 – Supportvertrag**\nDer Vertrag muss vor der Ausgabe Welle 1 wirksam sein.\n"
    )
    assert pairs(german) == {
        ("M6 – Pilotklassen", "M7 – Auswertung"),
        ("M11 – Supportvertrag", "M9 – Ausgabe Welle 1"),
    }
    spanish = plan_of(
        "## Logística\n\n- [ ] **LOG-1 Segundo turno en el CEDIS** — Julio\n"
        "- [ ] **LOG-3 Simulacro de surtido** — Julio. Condicionado al segundo turno.\n"
    )
    assert pairs(spanish) == {("LOG-1 Segundo turno en el CEDIS", "LOG-3 Simulacro de surtido")}


def test_a_thing_that_follows_its_course_or_is_merely_effective_waits_for_nothing() -> None:
    plan = plan_of(
        "## Tâches\n\n### Dossier de presse\nLe dossier suit son cours.\n\n"
        "### Contrat\nDer Vertrag muss wirksam sein.\n"
    )
    assert pairs(plan) == set()


def test_a_sentence_of_what_must_be_ready_names_what_a_task_waits_for() -> None:
    plan = plan_of(
        "## Tareas\n\n1. **Webhooks idempotentes** — Nico.\n2. **Checkout nuevo** — Lucía.\n"
        "3. **Beta con empleados** — Vale. Con el checkout nuevo y los webhooks andando.\n"
    )
    assert pairs(plan) == {
        ("Webhooks idempotentes", "Beta con empleados"),
        ("Checkout nuevo", "Beta con empleados"),
    }
    english = plan_of(
        "## Tasks\n\n### Remote cache\nX.\n\n### Merge queue\nY.\n\n"
        "### Developer guide\nWith the merge queue in place.\n"
    )
    assert pairs(english) == {("Merge queue", "Developer guide")}


def test_with_a_person_or_a_thing_not_said_ready_is_no_dependency() -> None:
    plan = plan_of(
        "## Tasks\n\n### Merge queue\nY.\n\n### Developer guide\nWith the merge queue team.\n\n"
        "### Beta\nCon Ana y el equipo.\n"
    )
    assert pairs(plan) == set()


def test_bare_numbers_in_parentheses_later_in_a_clause_name_tickets_by_their_number() -> None:
    plan = plan_of(
        "## Work\n\n**APP-101 Design tokens**\nX.\n\n**APP-103 Slot grid**\nY.\n\n"
        "**APP-107 Captions in video consult**\nZ.\n\n"
        "**APP-111 Re-test**\nNot before every Blocker ticket has shipped to the release"
        " candidate (101, 103) and the captions work is in.\n"
    )
    assert pairs(plan) == {
        ("APP-101 Design tokens", "APP-111 Re-test"),
        ("APP-103 Slot grid", "APP-111 Re-test"),
        ("APP-107 Captions in video consult", "APP-111 Re-test"),
    }
    spanish = plan_of(
        "## Trabajo\n\n**TK-201 Base de datos**\nX.\n\n**TK-202 Colas**\nY.\n\n"
        "**TK-210 Prueba de carga**\nSolo después de que todo esté en producción (201, 202).\n"
    )
    assert pairs(spanish) == {
        ("TK-201 Base de datos", "TK-210 Prueba de carga"),
        ("TK-202 Colas", "TK-210 Prueba de carga"),
    }


def test_numbers_in_parentheses_without_a_dependency_phrase_name_nothing() -> None:
    plan = plan_of(
        "## Work\n\n**APP-101 Design tokens**\nX.\n\n**APP-103 Slot grid**\nY.\n\n"
        "**APP-111 Re-test**\nCovers the screens of the audit (101, 103).\n"
    )
    assert pairs(plan) == set()


def test_a_required_thing_and_a_state_it_must_be_in_name_their_task() -> None:
    plan = plan_of(
        "## Tâches\n\n**T-01 — Mise à jour vers Unity 6**\nKarim.\n\n"
        "**T-05 — Mode 60 i/s**\nPeut se faire en même temps que le reste, une fois Unity 6 en"
        " place.\n\n**T-06 — Interface adaptée**\nSofia.\n\n"
        "**T-16 — Polices CJK**\nL'intégration des polices demande l'interface adaptée (T-06).\n"
    )
    assert pairs(plan) == {
        ("T-01 — Mise à jour vers Unity 6", "T-05 — Mode 60 i/s"),
        ("T-06 — Interface adaptée", "T-16 — Polices CJK"),
    }
    english = plan_of(
        "## Tasks\n\n### Remote cache\nX.\n\n### Affected CI\nOnce the remote cache in place.\n"
    )
    assert pairs(english) == {("Remote cache", "Affected CI")}


def test_a_request_as_a_noun_is_no_dependency() -> None:
    plan = plan_of(
        "## Tâches\n\n### Interface adaptée\nSofia.\n\n"
        "### Support\nLa demande de l'éditeur porte sur la traduction.\n"
    )
    assert pairs(plan) == set()


def test_a_colon_opening_a_clause_ends_what_a_task_waits_for() -> None:
    plan = plan_of(
        "## Logística\n\n- [ ] **LOG-1 Segundo turno en el CEDIS** — Julio\n"
        "- [ ] **LOG-2 Acuerdo con dos paqueterías** — Julio\n"
        "- [ ] **LOG-3 Simulacro de surtido** — Julio. Condicionado al segundo turno y a las"
        " paqueterías: el simulacro tiene que correr con la operación real.\n"
    )
    assert pairs(plan) == {
        ("LOG-1 Segundo turno en el CEDIS", "LOG-3 Simulacro de surtido"),
        ("LOG-2 Acuerdo con dos paqueterías", "LOG-3 Simulacro de surtido"),
    }
    english = plan_of(
        "## Work\n\n### Payment API\nX.\n\n### Checkout\nNeeds the payment API: the form posts"
        " to it.\n"
    )
    assert pairs(english) == {("Payment API", "Checkout")}


def test_a_colon_inside_a_name_does_not_end_it() -> None:
    plan = plan_of(
        "## Work\n\n### Wave C: remaining services\nX.\n\n### Archive repos\nNeeds Wave C:"
        " remaining services.\n"
    )
    assert pairs(plan) == {("Wave C: remaining services", "Archive repos")}


def test_work_configured_on_another_waits_for_it() -> None:
    plan = plan_of(
        "## Catálogo\n\n- [ ] **CAT-1 Carga del catálogo de temporada** — Mariana\n"
        "- [ ] **CAT-2 Reglas de promoción** — Mariana. Se configuran sobre el catálogo de"
        " temporada.\n"
    )
    assert pairs(plan) == {("CAT-1 Carga del catálogo de temporada", "CAT-2 Reglas de promoción")}
    english = plan_of(
        "## Work\n\n### Season catalogue load\nX.\n\n### Promotion rules\nThey are configured"
        " on the season catalogue load.\n"
    )
    assert pairs(english) == {("Season catalogue load", "Promotion rules")}


def test_something_set_up_on_a_thing_that_is_no_task_waits_for_nothing() -> None:
    plan = plan_of(
        "## Work\n\n### Catalogue load\nX.\n\n### Promotion rules\nThey are configured on the"
        " admin panel.\n"
    )
    assert pairs(plan) == set()


def test_an_aside_that_describes_the_awaited_work_again_names_it() -> None:
    plan = plan_of(
        "## Work\n\n**APP-102 Label every icon-only button**\nX.\n\n"
        "**APP-107 Captions in video consult**\nThe toggle lives in the call controls, so it"
        " comes after the call-control labels (the icon button ticket) are in.\n"
    )
    assert pairs(plan) == {
        ("APP-102 Label every icon-only button", "APP-107 Captions in video consult")
    }
    french = plan_of(
        "## Tâches\n\n### Sauvegarde plateforme\nX.\n\n### Sélection de compte\nVient après le"
        " choix du fichier (la sauvegarde plateforme).\n"
    )
    assert pairs(french) == {("Sauvegarde plateforme", "Sélection de compte")}


def test_an_aside_without_an_article_is_no_description() -> None:
    plan = plan_of(
        "## Work\n\n### Icon button labels\nX.\n\n### Captions\nComes after the call controls"
        " (icon button labels, maybe) are in.\n"
    )
    assert pairs(plan) == set()


def test_a_version_names_the_tasks_of_the_milestone_it_names() -> None:
    plan = plan_of(
        "## Work\n\n### Release train 6.3 (code freeze 24 Nov)\n\n**APP-1 Tokens**\nX.\n\n"
        "**APP-2 Labels**\nY.\n\n### Release train 6.4 (code freeze 15 Dec)\n\n"
        "**APP-3 CI checks**\nIt should go in after the 6.3 fixes.\n\n**APP-4 Script**\nZ.\n"
    )
    assert pairs(plan) == {("APP-1 Tokens", "APP-3 CI checks"), ("APP-2 Labels", "APP-3 CI checks")}
    german = plan_of(
        "## Arbeit\n\n### Version 2.1\n\n- [ ] Export\n- [ ] Import\n\n### Version 2.2\n\n"
        "- [ ] Archiv — erst nach den Korrekturen aus 2.1\n"
    )
    assert pairs(german) == {("Export", "Archiv"), ("Import", "Archiv")}


def test_a_heading_number_wins_over_a_milestones_version() -> None:
    plan = plan_of(
        "## 6. Work\n\n### 6.3 Release train 6.3\n\nX.\n\n### 6.4 CI checks\nAfter 6.3.\n"
    )
    assert pairs(plan) == {("Release train 6.3", "CI checks")}


_PORT = (
    "## Tâches\n\n**T-01 — Moteur**\nImportance : bloquante · Jalon : Alpha\n\n"
    "**T-02 — Menus**\nImportance : normale · Jalon : Alpha\n\n"
    "**T-03 — Sauvegardes**\nImportance : bloquante · Jalon : Bêta\n\n"
    "**T-04 — Soumission**\nImportance : bloquante · Jalon : Soumission\n\n"
    "**T-05 — Conformité**\nImportance : bloquante · Jalon : Soumission\n{}\n\n"
    "## Jalons\n\n1. **Alpha — 18 décembre.** T-01, T-02.\n2. **Bêta — 5 février.** T-03.\n"
    "3. **Soumission — 19 février.** T-04, T-05.\n"
)


def test_every_task_of_a_priority_in_named_milestones_is_what_a_task_waits_for() -> None:
    plan = plan_of(
        _PORT.format(
            "N'a de sens qu'une fois toutes les tâches bloquantes de l'alpha et de la bêta"
            " terminées."
        )
    )
    assert pairs(plan) == {
        ("T-01 — Moteur", "T-05 — Conformité"),
        ("T-03 — Sauvegardes", "T-05 — Conformité"),
    }
    english = plan_of(
        _PORT.replace("Importance : bloquante", "Priority: blocker").format(
            "Only once all blocker tasks of the alpha and the bêta are done."
        )
    )
    assert ("T-01 — Moteur", "T-05 — Conformité") in pairs(english)
    assert ("T-04 — Soumission", "T-05 — Conformité") not in pairs(english)


def test_every_task_of_a_priority_without_a_milestone_names_nothing() -> None:
    plan = plan_of(_PORT.format("Une fois toutes les tâches bloquantes terminées."))
    assert pairs(plan) == set()


# Batch 24


def test_a_ballot_box_glyph_is_a_checkbox_and_its_bold_lead_the_title() -> None:
    plan = plan_of(
        "## Feuille de route\n\n- ☐ **Signer le bail** — Anne. Avant la fin du mois.\n"
        "- ☐ **Commander le four** — Yves.\n- ☑ **Ouvrir le compte** — fait.\n"
    )
    assert titles(plan) == ["Signer le bail", "Commander le four"]


def test_a_ballot_box_glyph_in_prose_is_no_checkbox() -> None:
    plan = plan_of("## Form\n\nTick ☐ when the form is signed, then send it back.\n")
    assert len(plan.tasks) == 1
    assert "☐" in plan.tasks[0].description


def test_a_scale_of_one_symbol_repeated_is_a_priority_legend() -> None:
    plan = plan_of(
        "## How to read this\n\n- ◆◆◆ we do not open without it\n- ◆◆ strongly advised\n"
        "- ◆ if we have the time\n\n## Work\n\n- [ ] **Sign the lease** ◆◆◆ — Ann.\n"
        "- [ ] **Hire a baker** ◆◆ — Ben.\n- [ ] **New sign** ◆ — Cy.\n"
    )
    assert {t.title: t.priority for t in plan.tasks} == {
        "Sign the lease": Priority.HIGH,
        "Hire a baker": Priority.MEDIUM,
        "New sign": Priority.LOW,
    }


def test_a_scale_legend_in_german_takes_its_priority_words() -> None:
    plan = plan_of(
        "## Lesehilfe\n\n★★ = hoch\n★ = niedrig\n\n## Aufgaben\n\n"
        "- [ ] **Vertrag prüfen** ★★ — Jan.\n- [ ] **Flyer drucken** ★ — Eva.\n"
    )
    assert {t.title: t.priority for t in plan.tasks} == {
        "Vertrag prüfen": Priority.HIGH,
        "Flyer drucken": Priority.LOW,
    }


def test_lines_led_by_different_symbols_are_no_scale() -> None:
    plan = plan_of(
        "## Status\n\n- ✅ shipped the login page\n- 🚧 building the search\n\n"
        "## Work\n\n- [ ] **Search** 🚧 — Ann.\n- [ ] **Export** — Ben.\n"
    )
    assert {t.priority for t in plan.tasks} == {Priority.MEDIUM}


def test_a_work_step_table_with_an_only_after_column_names_rows_of_its_own_table() -> None:
    plan = plan_of(
        "## 1. Lage\n\nDas Dach ist undicht.\n\n## 2. Arbeitsschritte\n\n"
        "| Nr. | Arbeitsschritt | Zuständig | erst nach |\n|---|---|---|---|\n"
        "| 1 | Angebote einholen | Kämmerei | |\n| 2 | Auftrag vergeben | Rat | 1 |\n"
        "| 3 | Dach decken | Firma | 1, 2 |\n"
    )
    assert titles(plan)[-3:] == ["Angebote einholen", "Auftrag vergeben", "Dach decken"]
    assert pairs(plan) == {
        ("Angebote einholen", "Auftrag vergeben"),
        ("Angebote einholen", "Dach decken"),
        ("Auftrag vergeben", "Dach decken"),
    }


def test_an_only_after_column_in_english_reads_row_numbers() -> None:
    plan = plan_of(
        "## Work steps\n\n| No. | Work step | Owner | Only after |\n|---|---|---|---|\n"
        "| 1 | Get quotes | Ann | |\n| 2 | Sign the contract | Ben | 1 |\n"
    )
    assert pairs(plan) == {("Get quotes", "Sign the contract")}


def test_a_label_outside_the_table_still_names_the_heading_of_its_number() -> None:
    plan = plan_of(
        "## 1. Survey\n\nMeasure the roof.\n\n## 2. Work steps\n\n"
        "| No. | Work step | Owner |\n|---|---|---|\n| 1 | Get quotes | Ann |\n"
        "| 2 | Sign the contract | Ben |\n\n## 3. Handover\n\nDepends on: 1\n"
    )
    assert ("Survey", "Handover") in pairs(plan)  # only a row's own column prefers its rows


def test_a_milestone_table_column_of_numbered_steps_named_at_once_holds_them() -> None:
    plan = plan_of(
        "## Meilensteine\n\n| Meilenstein | Was bis dahin fertig sein muss |\n|---|---|\n"
        "| M1 Beschluss | Schritte 1 bis 2 |\n| M2 Auftrag | Schritte 3 und 4 |\n\n"
        "## Arbeitsschritte\n\n| Nr. | Arbeitsschritt |\n|---|---|\n| 1 | Angebote einholen |\n"
        "| 2 | Vorlage schreiben |\n| 3 | Auftrag vergeben |\n| 4 | Förderstelle informieren |\n"
    )
    names = {m.key: m.name for m in plan.milestones}
    assert {t.title: names[t.milestone_key] for t in plan.tasks if t.milestone_key} == {
        "Angebote einholen": "M1 Beschluss",
        "Vorlage schreiben": "M1 Beschluss",
        "Auftrag vergeben": "M2 Auftrag",
        "Förderstelle informieren": "M2 Auftrag",
    }


def test_a_list_of_abbreviations_is_no_task() -> None:
    plan = plan_of(
        "## Aufgaben\n\n- [ ] Antrag stellen\n- [ ] Angebot prüfen\n\n"
        "## Abkürzungen\n\n- **GR** – Gemeinderat\n- **AG** – Arbeitsgruppe\n"
    )
    assert titles(plan) == ["Antrag stellen", "Angebot prüfen"]


def test_a_pr_stack_table_reads_its_base_column_as_the_blocker_and_main_as_none() -> None:
    plan = plan_of(
        "## The stack\n\n| PR | What it does | Base |\n|---|---|---|\n"
        "| #11 | Add the schema | `main` |\n| #12 | Write the rows | #11 |\n"
        "| #13 | Publish the rows | #12 |\n"
    )
    assert titles(plan) == ["#11 Add the schema", "#12 Write the rows", "#13 Publish the rows"]
    assert pairs(plan) == {
        ("#11 Add the schema", "#12 Write the rows"),
        ("#12 Write the rows", "#13 Publish the rows"),
    }
    assert codes(plan) == []


def test_a_pr_stack_table_in_spanish() -> None:
    plan = plan_of(
        "## La pila\n\n| PR | Qué hace | Rama base |\n|---|---|---|\n"
        "| #21 | Crear la tabla | `main` |\n| #22 | Escribir las filas | #21 |\n"
    )
    assert pairs(plan) == {("#21 Crear la tabla", "#22 Escribir las filas")}


def test_labels_a_sentence_defines_rank_a_labels_column() -> None:
    plan = plan_of(
        "## Stack\n\n| PR | What it does | Labels |\n|---|---|---|\n"
        "| #1 | Schema | `in-cut` |\n| #2 | Relay | `nice-one` |\n| #3 | Cleanup | `later` |\n\n"
        "`in-cut` has to be in the branch cut; `nice-one` should be in it; `later` can wait.\n"
    )
    assert {t.title: t.priority for t in plan.tasks} == {
        "#1 Schema": Priority.HIGH,
        "#2 Relay": Priority.MEDIUM,
        "#3 Cleanup": Priority.LOW,
    }


def test_labels_a_german_sentence_defines_rank_a_labels_column() -> None:
    plan = plan_of(
        "## Stapel\n\n| PR | Was sie tut | Labels |\n|---|---|---|\n"
        "| #1 | Schema | `zum-start` |\n| #2 | Aufräumen | `danach` |\n\n"
        "`zum-start` muss in den Release; `danach` kann warten.\n"
    )
    assert {t.title: t.priority for t in plan.tasks} == {
        "#1 Schema": Priority.HIGH,
        "#2 Aufräumen": Priority.LOW,
    }


def test_a_code_span_followed_by_can_ranks_no_title() -> None:
    plan = plan_of(
        "## Tasks\n\n- [ ] Run `later` on staging\n- [ ] Ship it\n\n`later` can take a while.\n"
    )
    assert {t.priority for t in plan.tasks} == {Priority.MEDIUM}


def test_a_list_of_tags_and_their_meaning_ranks_the_tags_a_bold_heading_line_carries() -> None:
    plan = plan_of(
        "## How to read this\n\n- **[Grant]** required for the grant report\n"
        "- **[Should]** expected but not a condition\n- **[Extra]** do it if there is time\n\n"
        "## Plan\n\n**A1. Book the hall** [Grant] — Lead: Ann.\nBoth dates.\n\n"
        "**A2. Print the forms** [Should] — Lead: Ben.\nTwo hundred.\n\n"
        "**A3. Order badges** [Extra] — Lead: Cy.\nIf the budget allows.\n"
    )
    assert {t.title: t.priority for t in plan.tasks} == {
        "A1. Book the hall": Priority.HIGH,
        "A2. Print the forms": Priority.MEDIUM,
        "A3. Order badges": Priority.LOW,
    }


def test_a_list_of_tags_in_french_ranks_them() -> None:
    plan = plan_of(
        "## Lecture\n\n- [Socle] nécessaire pour l'ouverture\n- [Bonus] s'il y a le temps\n\n"
        "## Tâches\n\n- [ ] Signer le bail [Socle]\n- [ ] Décorer la vitrine [Bonus]\n"
    )
    assert [t.priority for t in plan.tasks] == [Priority.HIGH, Priority.LOW]


def test_a_list_of_tags_without_ranking_words_ranks_nothing() -> None:
    plan = plan_of(
        "## Areas\n\n- [Web] the public site\n- [App] the phone app\n\n"
        "## Tasks\n\n- [ ] Login page [Web]\n- [ ] Push alerts [App]\n"
    )
    assert {t.priority for t in plan.tasks} == {Priority.MEDIUM}


def test_a_deliveries_table_places_the_numbered_checklist_items_it_lists() -> None:
    plan = plan_of(
        "## Entregas\n\n| Entrega | Fecha | Tareas |\n|---|---|---|\n"
        "| Entrega 1 — Alta | 15 enero | 1 y 2 |\n"
        "| Entrega 2 — Imprenta | 5 marzo | de la 3 a la 4 |\n\n"
        "## Tareas\n\n- [ ] **1. Diseño de cubierta** — Estudio.\n"
        "- [ ] **2. Ficha técnica** — Lucía.\n"
        "- [ ] **3. Maquetación** — Estudio.\n- [ ] **4. Pruebas** — Marta.\n"
    )
    names = {m.key: m.name for m in plan.milestones}
    assert [names.get(t.milestone_key or "") for t in plan.tasks] == [
        "Entrega 1 — Alta",
        "Entrega 1 — Alta",
        "Entrega 2 — Imprenta",
        "Entrega 2 — Imprenta",
    ]


def test_a_deliveries_section_in_english_names_milestones_not_tasks() -> None:
    plan = plan_of(
        "## Deliveries\n\n| Delivery | Date | Tasks |\n|---|---|---|\n"
        "| Drop 1 — Files | 5 March | from 1 to 2 |\n\n"
        "## Tasks\n\n- [ ] **1. Layout** — Ann.\n- [ ] **2. Proofs** — Ben.\n"
    )
    assert titles(plan) == ["1. Layout", "2. Proofs"]
    assert {m.name for m in plan.milestones} == {"Drop 1 — Files"}
    assert all(t.milestone_key for t in plan.tasks)


def test_a_bold_title_starting_with_a_number_but_no_dot_is_no_item_number() -> None:
    plan = plan_of(
        "## Tasks\n\n- [ ] **3 month review** — Ann.\n- [ ] **Hire** — Ben. Depends on 3.\n"
    )
    assert pairs(plan) == set()


def test_a_bold_item_name_wrapped_onto_the_next_line_is_the_whole_title() -> None:
    plan = plan_of(
        "## Maßnahmen\n\n1. **Betriebsvereinbarung verhandeln und\n   unterschreiben** *(dringend)*"
        " – Personal. Entwurf liegt beim BR.\n"
        "2. **Schichtplan festlegen** *(dringend)* – Kellner.\n"
    )
    assert {t.title: t.priority for t in plan.tasks} == {
        "Betriebsvereinbarung verhandeln und unterschreiben": Priority.CRITICAL,
        "Schichtplan festlegen": Priority.CRITICAL,
    }


def test_a_wrapped_bold_item_name_in_english() -> None:
    plan = plan_of(
        "## Tasks\n\n- [ ] **Negotiate the works agreement and get it\n  signed** — HR.\n"
        "- [ ] **Publish the rota** — Ops.\n"
    )
    assert titles(plan) == ["Negotiate the works agreement and get it signed", "Publish the rota"]


def test_concerns_and_still_open_sections_are_no_tasks() -> None:
    plan = plan_of(
        "## Tasks\n\n- [ ] Publish the rota\n- [ ] Hire two fitters\n\n"
        "**Was mir Sorgen macht**\n\nDer Arbeitsmarkt ist knapp.\n\n"
        "**Noch offen**\n\n- Nachtzuschlag 25 % oder 30 %?\n"
    )
    assert titles(plan) == ["Publish the rota", "Hire two fitters"]


def test_a_bold_name_closed_on_its_own_line_takes_nothing_from_the_next() -> None:
    plan = plan_of(
        "## Tasks\n\n- [ ] **Publish the rota** — Ops.\n  Then **tell** the team.\n"
        "- [ ] **Hire two fitters** — HR.\n"
    )
    assert titles(plan) == ["Publish the rota", "Hire two fitters"]


def test_a_note_led_by_a_row_number_states_that_rows_dependencies() -> None:
    plan = plan_of(
        "## Arbeitsschritte\n\n| Nr. | Arbeitsschritt | Zuständig |\n|---|---|---|\n"
        "| 1 | Stellplatz umbauen | Bauamt |\n| 2 | Fahrzeug abnehmen | Kdt. |\n\n"
        "### Anmerkungen zu einzelnen Schritten\n\n"
        "**Zu 2:** Abnahme erst, wenn der Stellplatz fertig umgebaut ist.\n"
    )
    assert pairs(plan) == {("Stellplatz umbauen", "Fahrzeug abnehmen")}


def test_a_note_led_by_an_id_in_english() -> None:
    plan = plan_of(
        "## Stack\n\n| PR | What it does |\n|---|---|\n| #11 | Relay worker |\n"
        "| #12 | Lag alerts |\n\n### Notes per PR\n\n"
        "**#12 — alerts.** Paging rules. It can only start after #11 is merged.\n"
    )
    assert pairs(plan) == {("#11 Relay worker", "#12 Lag alerts")}


def test_a_note_whose_sentence_names_its_own_subject_keeps_it() -> None:
    plan = plan_of(
        "## Work steps\n\n| No. | Work step |\n|---|---|\n| 1 | Survey |\n| 2 | Quote |\n"
        "| 3 | Build |\n\n### Notes on the steps\n\n"
        "**On 1:** Nothing to add. Build needs Quote.\n"
    )
    assert pairs(plan) == {("Quote", "Build")}


def test_a_landing_plan_of_bold_lines_listing_ids_names_milestones() -> None:
    plan = plan_of(
        "## The stack\n\n| PR | What it does | Base |\n|---|---|---|\n| #11 | Schema | `main` |\n"
        "| #12 | Writer | #11 |\n| #13 | Cleanup | #12 |\n\n## Landing plan\n\n"
        "**Before the branch cut (20 Nov):** #11, #12.\n**After the cut:** #13.\n"
    )
    names = {m.key: m.name for m in plan.milestones}
    assert [names[t.milestone_key or ""] for t in plan.tasks] == [
        "Before the branch cut (20 Nov)",
        "Before the branch cut (20 Nov)",
        "After the cut",
    ]


def test_a_merge_plan_in_spanish_names_milestones_not_tasks() -> None:
    plan = plan_of(
        "## La pila\n\n| PR | Qué hace | Rama base |\n|---|---|---|\n| #21 | Tabla | `main` |\n"
        "| #22 | Filas | #21 |\n\n## Plan de fusión\n\n**Antes del corte:** #21.\n"
        "**Después del corte:** #22.\n"
    )
    assert titles(plan) == ["#21 Tabla", "#22 Filas"]
    assert len(plan.milestones) == 2


def test_a_landing_section_without_bold_milestones_holds_no_milestone() -> None:
    plan = plan_of(
        "## Tasks\n\n- [ ] Schema\n- [ ] Writer\n\n## Landing plan\n\nWe land them in order.\n"
    )
    assert plan.milestones == []


def test_all_items_but_the_numbers_named_are_the_blockers() -> None:
    plan = plan_of(
        "## Maßnahmen\n\n1. **Vertrag** – Personal.\n2. **Kantine** – Facility.\n"
        "3. **Schulung** – Meister.\n4. **Umstellung** – alle. Voraussetzung sind alle Punkte"
        " außer 2.\n"
    )
    assert pairs(plan) == {("Vertrag", "Umstellung"), ("Schulung", "Umstellung")}


def test_all_other_items_except_in_english() -> None:
    plan = plan_of(
        "## Steps\n\n1. **Contract** — HR.\n2. **Canteen** — Facility.\n"
        "3. **Go live** — all. Requires all other items except 2.\n"
    )
    assert pairs(plan) == {("Contract", "Go live")}


def test_all_items_without_an_exception_is_not_read_as_all_but() -> None:
    plan = plan_of(
        "## Steps\n\n1. **Contract** — HR.\n2. **Canteen** — Facility.\n"
        "3. **Go live** — all. Requires all items 8.\n"
    )
    assert ("Canteen", "Go live") not in pairs(plan)


def test_des_la_names_what_a_french_task_starts_as_soon_as() -> None:
    plan = plan_of(
        "## Actions\n\n- [ ] **Rédiger le compromis de vente** — Me Corre.\n"
        "- [ ] **Obtenir l'agrément du bailleur** — Me Corre. À lancer dès la signature du"
        " compromis.\n"
    )
    assert pairs(plan) == {("Rédiger le compromis de vente", "Obtenir l'agrément du bailleur")}


def test_des_maintenant_names_nothing() -> None:
    plan = plan_of(
        "## Actions\n\n- [ ] **Préparer la nouvelle enseigne** — Gwen. Dès maintenant.\n"
        "- [ ] **Maintenant la vitrine** — Yann.\n"
    )
    assert pairs(plan) == set()


def test_ids_in_parentheses_after_a_few_words_of_state_name_the_blockers() -> None:
    plan = plan_of(
        "## Tasks\n\n**D1. Print the manual** — Amira.\nTwo hundred copies.\n\n"
        "**D2. Brief the evaluators** — Renée.\nThirty minutes.\n\n"
        "**E1. Run the exercise** — Renée.\nOnly after the final meeting items are all closed"
        " (D1–D2).\n"
    )
    assert pairs(plan) == {
        ("D1. Print the manual", "E1. Run the exercise"),
        ("D2. Brief the evaluators", "E1. Run the exercise"),
    }


def test_ids_in_parentheses_after_state_words_in_german() -> None:
    plan = plan_of(
        "## Plan\n\n**A1. Vertrag prüfen** — Jan.\nZwei Tage.\n\n"
        "**A2. Auftrag vergeben** — Eva.\nErst wenn die Prüfung abgeschlossen ist (A1).\n"
    )
    assert pairs(plan) == {("A1. Vertrag prüfen", "A2. Auftrag vergeben")}


def test_a_parenthesis_of_words_after_state_words_names_nothing() -> None:
    plan = plan_of(
        "## Plan\n\n**A1. Check the contract** — Jan.\nTwo days.\n\n"
        "**A2. Award the job** — Eva.\nOnly after the board is happy (see the minutes).\n"
    )
    assert pairs(plan) == set()
    assert "dangling_reference" not in codes(plan)


def test_cannot_be_done_until_takes_any_participle() -> None:
    plan = plan_of(
        "## Tasks\n\n- [ ] **Approve the budget** — Ann.\n"
        "- [ ] **Scenario narrative** — Josh. Cannot be drafted until the budget is approved.\n"
    )
    assert pairs(plan) == {("Approve the budget", "Scenario narrative")}


def test_no_puede_ser_participle_hasta_in_spanish() -> None:
    plan = plan_of(
        "## Tareas\n\n- [ ] **Aprobar el guion** — Ana.\n"
        "- [ ] **Grabar el vídeo** — Luis. No puede ser grabado hasta que el guion esté"
        " aprobado.\n"
    )
    assert pairs(plan) == {("Aprobar el guion", "Grabar el vídeo")}


def test_cannot_be_participle_without_until_states_nothing() -> None:
    plan = plan_of(
        "## Tasks\n\n- [ ] **Approve the budget** — Ann.\n"
        "- [ ] **Scenario narrative** — Josh. Cannot be drafted by the budget team.\n"
    )
    assert pairs(plan) == set()


def test_a_section_of_named_objectives_is_no_task() -> None:
    plan = plan_of(
        "## Exercise objectives (draft)\n\n1. Assess the evacuation order.\n"
        "2. Validate the warning sequence.\n\n## Tasks\n\n- [ ] Book the hall\n- [ ] Print forms\n"
    )
    assert titles(plan) == ["Book the hall", "Print forms"]


def test_a_section_of_named_objectives_in_spanish_is_no_task() -> None:
    plan = plan_of(
        "## Objetivos de la campaña\n\nLlegar a 40 toneladas.\n\n"
        "## Tareas\n\n- [ ] Reservar el almacén\n- [ ] Imprimir carteles\n"
    )
    assert titles(plan) == ["Reservar el almacén", "Imprimir carteles"]


def test_work_named_after_objectives_stays_work() -> None:
    plan = plan_of(
        "## Align on objectives\n\nWorkshop with the leads.\n\n"
        "## Draft the objectives\n\nFirst version by Friday.\n"
    )
    assert titles(plan) == ["Align on objectives", "Draft the objectives"]


def test_a_bold_lead_wrapped_onto_the_next_line_heads_its_paragraph() -> None:
    plan = plan_of(
        "## Tasks\n\n**B3. Recruit evaluators** — Lead: Renée.\nEight of them.\n\n"
        "**B4. Pull the 2025 improvement items and the annex changes into a reference\n"
        "packet** — Lead: Amira.\nOne binder.\n"
    )
    assert titles(plan) == [
        "B3. Recruit evaluators",
        "B4. Pull the 2025 improvement items and the annex changes into a reference packet",
    ]


def test_a_wrapped_bold_lead_in_german() -> None:
    plan = plan_of(
        "## Aufgaben\n\n**A1. Vertrag prüfen** — Jan.\nZwei Tage.\n\n"
        "**A2. Angebote der drei Hersteller einholen und\nvergleichen** — Eva.\nBis Freitag.\n"
    )
    assert titles(plan)[-1] == "A2. Angebote der drei Hersteller einholen und vergleichen"


def test_a_long_bold_lead_without_an_id_is_no_heading() -> None:
    plan = plan_of(
        "## Notes\n\n**We will not be able to start any of this before the new budget year"
        " begins in the spring** — sadly.\nMore text.\n\n**Another very long sentence in bold"
        " that is clearly prose and not a name at all here** — yes.\n"
    )
    assert len(plan.tasks) <= 1


def test_a_lettered_milestone_heading_holds_its_bold_tasks() -> None:
    plan = plan_of(
        "## Timeline\n\n### Milestone A — Kickoff (14 January)\n\n"
        "**A1. Confirm the scope** — Lead: Ann.\nLetters to the agencies.\n\n"
        "**A2. Draft the objectives** — Lead: Ben.\nFour of them.\n\n"
        "### Milestone B — Planning (11 February)\n\n"
        "**B1. Write the scenario** — Lead: Ben.\nAfter the kickoff.\n\n"
        "**B2. Recruit evaluators** — Lead: Ann.\nEight.\n"
    )
    names = {m.key: m.name for m in plan.milestones}
    assert len(names) == 2
    assert [names[t.milestone_key or ""][:11] for t in plan.tasks] == [
        "Milestone A",
        "Milestone A",
        "Milestone B",
        "Milestone B",
    ]


def test_a_lettered_milestone_heading_in_german() -> None:
    plan = plan_of(
        "## Zeitplan\n\n### Meilenstein A – Auftakt\n\n**A1. Umfang klären** — Jan.\nBriefe.\n\n"
        "**A2. Ziele entwerfen** — Eva.\nVier.\n"
    )
    assert len(plan.milestones) == 1
    assert all(t.milestone_key for t in plan.tasks)


def test_a_milestone_word_before_a_lowercase_word_is_no_lettered_milestone() -> None:
    plan = plan_of("## Work\n\n### Milestone review\n\nWalk the board.\n\n### Ship\n\nGo.\n")
    assert titles(plan) == ["Milestone review", "Ship"]
    assert plan.milestones == []


def test_a_quoted_dependency_ends_after_the_number_it_names() -> None:
    plan = plan_of(
        "## Arbeitsschritte\n\n| Nr. | Arbeitsschritt |\n|---|---|\n| 1 | Aufträge erteilen |\n"
        "| 2 | Förderstelle informieren |\n\n### Anmerkungen zu einzelnen Schritten\n\n"
        "**Zu 2:** In der Tabelle fehlt der Eintrag „erst nach 1“, bitte ergänzen.\n"
    )
    assert pairs(plan) == {("Aufträge erteilen", "Förderstelle informieren")}


def test_a_quoted_dependency_in_english() -> None:
    plan = plan_of(
        "## Work steps\n\n| No. | Work step |\n|---|---|\n| 1 | Award the contract |\n"
        "| 2 | Tell the funder |\n\n### Notes on the steps\n\n"
        '**Re 2:** The table misses "only after 1", please add it.\n'
    )
    assert pairs(plan) == {("Award the contract", "Tell the funder")}


def test_a_quoted_title_is_not_cut_at_a_quote_after_words() -> None:
    plan = plan_of(
        "## Tasks\n\n- [ ] **Design review 2**\n- [ ] **Build** — needs “Design review 2”.\n"
    )
    assert pairs(plan) == {("Design review 2", "Build")}


def test_can_only_be_participle_when_states_a_dependency() -> None:
    plan = plan_of(
        "## Tasks\n\n- [ ] **Relay worker** — Ann.\n"
        "- [ ] **Dual-run diff** — Ben. Can only be turned on when the relay worker is live.\n"
    )
    assert pairs(plan) == {("Relay worker", "Dual-run diff")}


def test_solo_puede_ser_participle_cuando_in_spanish() -> None:
    plan = plan_of(
        "## Tareas\n\n- [ ] **Aprobar el presupuesto** — Ana.\n"
        "- [ ] **Contratar la imprenta** — Luis. Solo puede ser firmado cuando el presupuesto"
        " esté aprobado.\n"
    )
    assert pairs(plan) == {("Aprobar el presupuesto", "Contratar la imprenta")}


def test_can_only_be_participle_without_when_states_nothing() -> None:
    plan = plan_of(
        "## Tasks\n\n- [ ] **Relay worker** — Ann.\n"
        "- [ ] **Dual-run diff** — Ben. Can only be turned on by the relay team.\n"
    )
    assert pairs(plan) == set()


def test_notes_cut_into_sections_by_their_bold_leads_speak_for_their_tasks() -> None:
    plan = plan_of(
        "## Stack\n\n| PR | What it does |\n|---|---|\n| #11 | Relay worker |\n"
        "| #12 | Lag alerts |\n| #13 | Diff job |\n\n### Notes per PR\n\n"
        "**#11 — relay.** Publishes in batches of 500.\n\n"
        "**#13 — diff.** Runs nightly. Can only be turned on when the relay worker is live.\n"
    )
    assert pairs(plan) == {("#11 Relay worker", "#13 Diff job")}


def test_haengt_an_names_what_a_german_task_hinges_on() -> None:
    plan = plan_of(
        "## Maßnahmen\n\n1. **Schichtgruppen festlegen** – Kellner.\n"
        "2. **Zeiterfassung umstellen** – IT. Das Anlegen der Modelle hängt an Punkt 1.\n"
    )
    assert pairs(plan) == {("Schichtgruppen festlegen", "Zeiterfassung umstellen")}


def test_haengt_an_naming_no_task_states_nothing() -> None:
    plan = plan_of(
        "## Maßnahmen\n\n1. **Plakat drucken** – Eva.\n"
        "2. **Plakat aufhängen** – Jan. Es hängt an der Wand im Flur.\n"
    )
    assert pairs(plan) == set()
    assert "dangling_reference" not in codes(plan)


def test_a_section_titled_as_a_summary_of_something_is_no_task() -> None:
    plan = plan_of(
        "## Fahrzeugkonzept (Kurzfassung)\n\n- Allrad, 16 t\n- Tank 2.000 l\n\n"
        "## Aufgaben\n\n- [ ] Angebote einholen\n- [ ] Antrag stellen\n"
    )
    assert titles(plan) == ["Angebote einholen", "Antrag stellen"]


def test_a_section_titled_as_an_overview_of_something_in_english_is_no_task() -> None:
    plan = plan_of(
        "## Architecture (overview)\n\nThree services.\n\n"
        "## Tasks\n\n- [ ] Build the relay\n- [ ] Add alerts\n"
    )
    assert titles(plan) == ["Build the relay", "Add alerts"]


def test_a_parenthesis_that_names_no_summary_keeps_the_task() -> None:
    plan = plan_of("## Work\n\n### Build the relay (draft)\n\nGo.\n\n### Add alerts\n\nGo.\n")
    assert titles(plan) == ["Build the relay (draft)", "Add alerts"]


def test_a_list_of_dated_checkpoints_naming_task_numbers_names_milestones() -> None:
    plan = plan_of(
        "## Maßnahmen\n\n1. **Vertrag** – Personal.\n2. **Schichtplan** – Kellner.\n"
        "3. **Zeiterfassung** – IT.\n4. **Probelauf** – alle.\n\n"
        "**Wie das zeitlich zusammenhängt**\n\n"
        "- **Betriebsversammlung am 19. Januar:** bis dahin erledigt 1 und 2.\n"
        "- **Freigabe Probelauf am 5. Februar:** bis dahin 3 und 4.\n"
        "- Alles andere läuft nebenher.\n"
    )
    names = {m.key: m.name for m in plan.milestones}
    assert titles(plan) == ["Vertrag", "Schichtplan", "Zeiterfassung", "Probelauf"]
    assert [names[t.milestone_key or ""] for t in plan.tasks] == [
        "Betriebsversammlung am 19. Januar",
        "Betriebsversammlung am 19. Januar",
        "Freigabe Probelauf am 5. Februar",
        "Freigabe Probelauf am 5. Februar",
    ]


def test_dated_checkpoints_in_english() -> None:
    plan = plan_of(
        "## Steps\n\n1. **Contract** — HR.\n2. **Rota** — Ops.\n3. **Pilot** — all.\n\n"
        "**How it fits together**\n\n- **All-hands on 19 January:** by then 1 and 2 are done.\n"
        "- **Pilot sign-off on 5 February:** by then 3, 1 and 2.\n"
    )
    assert len(plan.milestones) == 2
    assert all(t.milestone_key for t in plan.tasks)


def test_one_dated_bold_item_is_no_checkpoint_list() -> None:
    plan = plan_of(
        "## Tasks\n\n- [ ] **Book the hall on 19 January:** rooms 1 and 2.\n- [ ] Print the forms\n"
    )
    assert plan.milestones == []
    assert len(plan.tasks) == 2


def test_a_legend_of_marks_in_parentheses_states_no_dependency() -> None:
    plan = plan_of(
        "## Maßnahmen\n\nIch habe markiert: *(dringend)* heißt, es hängt alles daran;"
        " *(wichtig)* muss vor der Umstellung fertig sein; *(kann warten)* darf danach kommen.\n\n"
        "1. **Kantine anpassen** *(kann warten)* – Facility.\n"
        "2. **Umstellung** *(dringend)* – alle.\n"
    )
    assert pairs(plan) == set()


def test_a_legend_of_marks_in_english_states_no_dependency() -> None:
    plan = plan_of(
        "## Tasks\n\nMarks: (urgent) blocks the launch; (low) can wait until after the launch.\n\n"
        "- [ ] **Launch** (urgent) — all.\n- [ ] **Stickers** (low) — Ann.\n"
    )
    assert pairs(plan) == set()


def test_a_sentence_with_one_priority_in_parentheses_still_states_its_dependency() -> None:
    plan = plan_of(
        "## Tasks\n\n### Relay\n\nBuild it.\n\n### Alerts\n\n"
        "This one (urgent) can only start after Relay.\n"
    )
    assert pairs(plan) == {("Relay", "Alerts")}


def test_work_that_uses_something_from_a_task_by_id_waits_for_it() -> None:
    plan = plan_of(
        "## Timeline\n\n### Milestone A — Kickoff\n\n**A1. Confirm the agencies** — Ann.\n"
        "Letters out.\n\n**A2. Book the hall** — Ben.\nBoth dates.\n\n### Milestone B — Plan\n\n"
        "**B1. Draft the plan** — Amira.\nUses the participant list from A1.\n\n"
        "**B2. Print badges** — Cy.\nFifty.\n"
    )
    assert pairs(plan) == {("A1. Confirm the agencies", "B1. Draft the plan")}


def test_uses_from_an_id_in_german() -> None:
    plan = plan_of(
        "## Aufgaben\n\n- [ ] **A1** Teilnehmerliste erstellen — Jan.\n"
        "- [ ] **A2** Plan entwerfen — Eva. Nutzt die Liste aus A1.\n"
    )
    assert len(plan.edges) == 1


def test_uses_from_a_word_is_no_dependency() -> None:
    plan = plan_of(
        "## Tasks\n\n- [ ] **Draft the plan** — Amira. Uses the template from Marketing.\n"
        "- [ ] **Marketing kit** — Ben.\n"
    )
    assert pairs(plan) == set()


def test_french_suppose_names_what_a_task_presupposes() -> None:
    plan = plan_of(
        "## Actions\n\n- [ ] **Obtenir l'agrément du bailleur** — Me Corre.\n"
        "- [ ] **Signer l'acte de cession** — Me Corre. Suppose l'agrément du bailleur.\n"
    )
    assert pairs(plan) == {("Obtenir l'agrément du bailleur", "Signer l'acte de cession")}


def test_english_suppose_is_no_dependency() -> None:
    plan = plan_of(
        "## Tasks\n\n- [ ] **Relay worker** — Ann.\n"
        "- [ ] **Runbook** — Ben. Suppose the relay worker is down: write what to do.\n"
    )
    assert pairs(plan) == set()


# Batch 26


def _levels(plan: ImportPlan) -> dict[str, Priority]:
    return {t.title: t.priority for t in plan.tasks}


def test_bold_numbered_action_paragraphs_are_tasks_in_french() -> None:
    plan = plan_of(
        "## Actions\n\n**Action 1 – Réserver la salle.** Pilote : accueil. Avant le 3 mai.\n\n"
        "**Action 2 – Envoyer les invitations.** Pilote : communication. Après la réservation.\n"
    )
    assert titles(plan) == ["Action 1 – Réserver la salle", "Action 2 – Envoyer les invitations"]


def test_bold_numbered_measure_paragraphs_are_tasks_in_german() -> None:
    plan = plan_of(
        "## Maßnahmen\n\n**Maßnahme 1: Räume ausmessen.** Verantwortlich: Technik.\n\n"
        "**Maßnahme 2: Möbel bestellen.** Verantwortlich: Einkauf.\n"
    )
    assert len(plan.tasks) == 2


def test_one_bold_sentence_without_a_number_stays_text() -> None:
    plan = plan_of("## Actions\n\n**Note importante.** Tout le monde est concerné.\n")
    assert len(plan.tasks) == 1


def test_checkpoints_listing_actions_by_number_hold_those_actions() -> None:
    plan = plan_of(
        "## Actions\n\n**Action 1 – Réserver la salle.** Pilote : accueil.\n\n"
        "**Action 2 – Envoyer les invitations.** Pilote : communication.\n\n"
        "**Action 3 – Imprimer les badges.** Pilote : accueil.\n\n"
        "## Points d'étape\n\n- **Réunion du 4 juin** : actions 1 et 3.\n"
        "- **Bilan de rentrée** : action 2.\n"
    )
    assert members(plan) == {
        "Réunion du 4 juin": {"Action 1 – Réserver la salle", "Action 3 – Imprimer les badges"},
        "Bilan de rentrée": {"Action 2 – Envoyer les invitations"},
    }


def test_a_checkpoint_listing_a_noun_that_names_no_numbered_task_holds_nothing() -> None:
    plan = plan_of(
        "## Tasks\n\n### Book the hall\n\nCall them.\n\n### Print badges\n\nFifty.\n\n"
        "## Checkpoints\n\n- **Review on June 4** : actions 7 and 9.\n"
    )
    assert all(t.milestone_key is None for t in plan.tasks)


def test_a_label_naming_a_legend_term_in_french_states_its_rank() -> None:
    plan = plan_of(
        "Chaque action a un niveau : **impératif** (rien ne se fait sans), **important** (on "
        "peut attendre un peu), **souhaitable**.\n\n## Actions\n\n"
        "**Action 1 – Réserver la salle.** Pilote : accueil. Niveau : impératif.\n\n"
        "**Action 2 – Imprimer les badges.** Pilote : accueil. Niveau : souhaitable.\n"
    )
    assert _levels(plan) == {
        "Action 1 – Réserver la salle": Priority.HIGH,
        "Action 2 – Imprimer les badges": Priority.LOW,
    }


def test_a_label_naming_a_legend_term_in_spanish_states_its_rank() -> None:
    plan = plan_of(
        "Cada actuación lleva su carácter: **obligatoria** (sin ella no hay piloto) o "
        "**conveniente** (podría recortarse).\n\n## Actuaciones\n\n"
        "**A1. Conteo previo.** Carácter: obligatoria. Dos semanas.\n\n"
        "**A2. Encuesta.** Carácter: conveniente. Un mes.\n"
    )
    assert _levels(plan) == {
        "A1. Conteo previo": Priority.HIGH,
        "A2. Encuesta": Priority.MEDIUM,
    }


def test_a_label_whose_value_runs_on_names_no_legend_term() -> None:
    plan = plan_of(
        "Levels: **Acme** (must ship, nothing works without it), **Later** (if time).\n\n"
        "## Tasks\n\n**T1. Book the hall.** Vendor: Acme, with Ben. Soon.\n\n"
        "**T2. Print badges.** Vendor: Acme, with Cy.\n"
    )
    assert set(_levels(plan).values()) == {Priority.MEDIUM}


def test_a_column_of_legend_terms_ranks_its_rows() -> None:
    plan = plan_of(
        "## How to read the table\n\nColumn **Call** is our shorthand:\n"
        "**SS** = show-stopper, we do not open "
        "without it; **PRV** = needed by first preview; **if time** = lovely.\n\n"
        "## Block A\n\n| # | Item | Call |\n|---|---|---|\n| A1 | Build the set | SS |\n"
        "| A2 | Paint the set | PRV |\n| A3 | Spare props | if time |\n"
    )
    assert _levels(plan) == {
        "A1 Build the set": Priority.CRITICAL,
        "A2 Paint the set": Priority.HIGH,
        "A3 Spare props": Priority.LOW,
    }


def test_a_column_of_words_no_legend_defines_ranks_nothing() -> None:
    plan = plan_of(
        "## Key\n\n**SS** = show-stopper, we do not open without it; **PRV** = needed by first "
        "preview.\n\n## Block A\n\n| # | Item | Crew |\n|---|---|---|\n"
        "| A1 | Build the set | Tom |\n| A2 | Paint the set | Ana |\n"
    )
    assert set(_levels(plan).values()) == {Priority.MEDIUM}


def test_a_checkpoints_table_listing_tasks_that_must_be_complete_holds_them() -> None:
    plan = plan_of(
        "## Background\n\nWe keep survey data for ten years.\n\n## Work plan\n\n"
        "### Task list\n\n- [ ] **TK-01 Name the files** — owner Ann\n  One convention.\n"
        "- [ ] **TK-02 Write the template** — owner Ben\n  Built on the convention.\n"
        "- [ ] **TK-03 Train the team** — owner Cy\n  Half a day.\n\n"
        "### Reporting checkpoints\n\n| Checkpoint | Due | Tasks that must be complete |\n"
        "|---|---|---|\n| R1 — First report | Month 12 | TK-01 to TK-02 |\n"
        "| R2 — Final report | Month 24 | TK-03 |\n"
    )
    assert members(plan) == {
        "R1 — First report": {"TK-01 Name the files", "TK-02 Write the template"},
        "R2 — Final report": {"TK-03 Train the team"},
    }


def test_a_german_checkpoints_table_with_tasks_due_by_then_holds_them() -> None:
    plan = plan_of(
        "## Arbeitsplan\n\n### Aufgaben\n\n- [ ] **A-1 Räume messen** — Jan\n"
        "- [ ] **A-2 Möbel bestellen** — Eva\n\n### Prüfpunkte\n\n"
        "| Prüfpunkt | Termin | Aufgaben bis dahin erledigt |\n|---|---|---|\n"
        "| P1 Bauabnahme | KW 9 | A-1 |\n| P2 Bezug | KW 12 | A-2 |\n"
    )
    assert members(plan) == {
        "P1 Bauabnahme": {"A-1 Räume messen"},
        "P2 Bezug": {"A-2 Möbel bestellen"},
    }


def test_a_table_of_tasks_that_are_risks_is_no_checkpoint_list() -> None:
    plan = plan_of(
        "## Tasks\n\n- [ ] **T-01 Name the files** — Ann\n- [ ] **T-02 Write it** — Ben\n\n"
        "## Risks\n\n| Risk | Tasks that suffer |\n|---|---|\n| Storage full | T-01 |\n"
    )
    assert members(plan) == {}


_NUMBERED_TABLE = (
    "## 1. Maßnahmen\n\n| Nr. | Maßnahme | Termin |\n|---|---|---|\n"
    "| 1 | Räume ausmessen | KW 2 |\n| 2 | Möbel bestellen | KW 3 |\n| 3 | Umzug | KW 5 |\n\n"
)


def test_milestone_lines_naming_task_numbers_after_a_number_sign_hold_them() -> None:
    plan = plan_of(
        _NUMBERED_TABLE + "## 2. Meilensteine\n\n"
        "**MS 1 – Räume bereit:** erreicht, wenn Nr. 1 und 2 erledigt sind.\n\n"
        "**MS 2 – Umzug vollzogen:** erreicht mit Nr. 3.\n"
    )
    assert members(plan) == {
        "MS 1 – Räume bereit": {"Räume ausmessen", "Möbel bestellen"},
        "MS 2 – Umzug vollzogen": {"Umzug"},
    }


def test_milestone_lines_naming_task_numbers_in_english() -> None:
    plan = plan_of(
        "## 1. Tasks\n\n| No. | Task | Due |\n|---|---|---|\n| 1 | Measure rooms | W2 |\n"
        "| 2 | Order desks | W3 |\n| 3 | Move | W5 |\n\n## 2. Milestones\n\n"
        "**M1 – Rooms ready:** reached once nos. 1 and 2 are done.\n\n"
        "**M2 – Moved:** reached with no. 3.\n"
    )
    assert members(plan) == {
        "M1 – Rooms ready": {"Measure rooms", "Order desks"},
        "M2 – Moved": {"Move"},
    }


def test_milestone_line_with_a_bare_heading_number_does_not_narrow() -> None:
    plan = plan_of(_NUMBERED_TABLE + "## 2. Meilensteine\n\n**MS 1 – Bereit:** Kapitel 1 fertig.\n")
    assert "MS 1 – Bereit" not in members(plan) or len(members(plan)["MS 1 – Bereit"]) != 1


def test_an_anlass_section_in_german_is_context() -> None:
    plan = plan_of(
        "## 1. Anlass\n\nDie Station zieht um.\n\n## 2. Maßnahmen\n\n- [ ] Räume messen\n"
        "- [ ] Möbel bestellen\n"
    )
    assert "Anlass" not in titles(plan)


def test_cuestiones_pendientes_in_spanish_are_open_questions() -> None:
    plan = plan_of(
        "## Actuaciones\n\n- [ ] Pintar el carril\n- [ ] Poner balizas\n\n"
        "## Cuestiones pendientes\n\n- ¿Quién paga las balizas?\n"
    )
    assert "Cuestiones pendientes" not in titles(plan)


def test_a_section_on_pending_payments_is_still_work() -> None:
    plan = plan_of(
        "## Tasks\n\n### Pending payments\n\nChase the three invoices.\n\n"
        "### Reminders\n\nSend them.\n"
    )
    assert "Pending payments" in titles(plan)


_MOVE_TABLE = (
    "## 1. Maßnahmen\n\n| Nr. | Maßnahme | Bemerkung |\n|---|---|---|\n"
    "| 1 | Abnahme Lichtruf | Technik. |\n| 2 | Patienten verlegen | Siehe unten. |\n\n"
)


def test_a_section_titled_for_a_numbered_task_is_its_notes_in_german() -> None:
    plan = plan_of(
        _MOVE_TABLE + "## 2. Ablauf am Umzugstag (Nr. 2)\n\n"
        "Die Verlegung beginnt erst, wenn die Abnahme Lichtruf vorliegt.\n\n"
        "| Uhrzeit | Was |\n|---|---|\n| 06:30 | Übergabe |\n| 07:30 | Start |\n"
    )
    assert titles(plan) == ["Abnahme Lichtruf", "Patienten verlegen"]
    assert pairs(plan) == {("Abnahme Lichtruf", "Patienten verlegen")}


def test_a_section_titled_for_a_numbered_task_in_english() -> None:
    plan = plan_of(
        "## 1. Tasks\n\n| No. | Task | Notes |\n|---|---|---|\n| 1 | Sign off the alarms | - |\n"
        "| 2 | Move the patients | - |\n\n## 2. Moving-day timeline (no. 2)\n\n"
        "The move starts only after the alarms are signed off.\n\n"
        "- 06:30 handover\n- 07:30 first transport\n"
    )
    assert titles(plan) == ["Sign off the alarms", "Move the patients"]


def test_a_title_with_a_plain_number_in_parentheses_is_still_work() -> None:
    plan = plan_of(_MOVE_TABLE + "## 2. Nachbereitung (2)\n\nFragebogen verschicken.\n")
    assert all("numbered task" not in n.reason for n in plan.not_tasks)


_CREW_TABLE = "## Tech\n\n| # | Item | Notes |\n|---|---|---|\n| C1 | Focus the rig | Monday. |\n"


def test_we_dont_start_the_work_until_names_what_it_waits_for() -> None:
    plan = plan_of(
        _CREW_TABLE + "| C2 | Cue-to-cue run | We don't start the cue-to-cue until the rig "
        "focus is done. |\n"
    )
    assert pairs(plan) == {("C1 Focus the rig", "C2 Cue-to-cue run")}


def test_follows_the_inside_a_sentence_is_no_dependency() -> None:
    plan = plan_of(
        _CREW_TABLE + "| C2 | Dress rehearsal | The team follows the rig focus sheet loosely. |\n"
    )
    assert pairs(plan) == set()


# Batch 27


def test_lettered_paragraphs_are_a_list_of_tasks() -> None:
    plan = plan_of(
        "## Plan\n\n### Stage 1\n\na) **Build the index** (high priority) — Ann.\n\n"
        "b) **Tune the ranking** — Ben. Relies on the index.\n\n"
        "### Stage 2\n\nc) **Ship the dashboard** — Cy.\n\nd) **Write the runbook** — Di.\n"
    )
    assert titles(plan) == [
        "Build the index",
        "Tune the ranking",
        "Ship the dashboard",
        "Write the runbook",
    ]


def test_lettered_paragraphs_in_french() -> None:
    plan = plan_of(
        "## Tâches\n\n(a) **Jeu de jugements** (priorité forte) — Inès.\n\n"
        "(b) **Tableau de bord** — Paul. S'appuie sur le jeu de jugements.\n"
    )
    assert titles(plan) == ["Jeu de jugements", "Tableau de bord"]
    assert plan.tasks[0].priority == Priority.HIGH


def test_one_lettered_paragraph_or_letters_out_of_order_are_prose() -> None:
    plan = plan_of(
        "## Cleanup\n\na) drop the old index.\n\nc) drop the old ranking.\n\n"
        "## Search\n\na) only one point here.\n"
    )
    assert titles(plan) == ["Cleanup", "Search"]


def test_palier_headings_are_milestones_over_their_tasks() -> None:
    plan = plan_of(
        "## Plan\n\n### Palier 1 — Mesurer\n\n- [ ] Jeu de jugements\n- [ ] Tableau de bord\n\n"
        "### Palier 2 — Lexical\n\n- [ ] Synonymes\n"
    )
    assert [m.name for m in plan.milestones] == ["Palier 1 — Mesurer", "Palier 2 — Lexical"]
    assert titles(plan) == ["Jeu de jugements", "Tableau de bord", "Synonymes"]


def test_tramo_headings_in_spanish_and_a_plain_palier_word_is_no_milestone() -> None:
    plan = plan_of("## Tramo 1 — Staging\n\n- [ ] Modelos de SAP\n- [ ] Modelos de Stripe\n")
    assert [m.name for m in plan.milestones] == ["Tramo 1 — Staging"]
    plan = plan_of("## Palier de service\n\nLe palier actuel suffit.\n")
    assert plan.milestones == []


def test_an_order_of_work_whose_steps_name_owners_is_the_plan() -> None:
    plan = plan_of(
        "## Setup\n\n- Python 3.11\n\n## Refactor\n\n### Why\n\nThe old models are slow.\n\n"
        "### Order of work\n\n1. **Staging models** — @ana.\n2. **Ledger** — @ben. Once the "
        "staging models are merged.\n3. **Dashboards** — @cy.\n"
    )
    assert titles(plan) == ["Staging models", "Ledger", "Dashboards"]
    assert pairs(plan) == {("Staging models", "Ledger")}


def test_an_order_of_work_with_owners_in_spanish() -> None:
    plan = plan_of(
        "## Orden de trabajo\n\n1. **Modelos de staging** — @marta.\n"
        "2. **Libro mayor** — @diego. Requiere los modelos de staging.\n"
        "3. **Dimensión de clientes** — @alba.\n"
    )
    assert titles(plan) == ["Modelos de staging", "Libro mayor", "Dimensión de clientes"]


def test_an_order_of_work_without_owners_only_states_dependencies() -> None:
    plan = plan_of(
        "## Ledger\n\nOne ledger.\n\n## Staging\n\nModels.\n\n## Dashboards\n\nLooker.\n\n"
        "## Order of work\n\n1. Staging first.\n2. Ledger after staging.\n3. Dashboards last.\n"
    )
    assert titles(plan) == ["Ledger", "Staging", "Dashboards"]


def test_a_scoped_priority_label_in_code_gives_the_priority_and_leaves_the_title() -> None:
    plan = plan_of(
        "## Tasks\n\n- **Staging models** `~priority::high` — @ana.\n"
        "- **Freeze legacy** `~prioridad::baja` — @ben.\n- **Ledger** — @cy.\n"
    )
    assert titles(plan) == ["Staging models", "Freeze legacy", "Ledger"]
    assert [t.priority for t in plan.tasks][:2] == [Priority.HIGH, Priority.LOW]


def test_a_scoped_label_that_is_no_priority_sets_none() -> None:
    plan = plan_of("## Tasks\n\n- **Staging models** `~team::data` — @ana.\n- **Ledger** — @cy.\n")
    assert titles(plan) == ["Staging models", "Ledger"]
    assert [t.priority for t in plan.tasks] == [Priority.MEDIUM, Priority.MEDIUM]


_STEPS_B27 = (
    "## Steps\n\n1. First — @ana.\n2. Second — @ben.\n3. Third — @cy.\n4. Fourth — @di.\n\n"
)


def test_bold_milestones_mid_sentence_hold_their_numbered_steps() -> None:
    plan = plan_of(
        _STEPS_B27 + "## Milestones\n\nThe **Milestone A – Staging** (January) is reached with "
        "steps 1 to 3. The **Milestone B – Cleanup** holds step 4 and steps 4 and 4.\n"
    )
    assert [m.name for m in plan.milestones] == ["Milestone A – Staging", "Milestone B – Cleanup"]
    names = {m.key: m.name for m in plan.milestones}
    held = [names.get(t.milestone_key or "") for t in plan.tasks]
    assert held[:3] == ["Milestone A – Staging"] * 3


def test_bold_milestones_mid_sentence_in_spanish() -> None:
    plan = plan_of(
        _STEPS_B27 + "## Hitos\n\nEl **Hito A – Staging** se alcanza con los pasos 1 a 2. "
        "El **Hito B – Marts** incluye los pasos 3 y 4.\n"
    )
    assert [m.name for m in plan.milestones] == ["Hito A – Staging", "Hito B – Marts"]


def test_a_bold_word_mid_sentence_without_steps_names_no_milestone() -> None:
    plan = plan_of(_STEPS_B27 + "## Milestones\n\nThe **Phase 2 – Pilot** is still open.\n")
    assert "Phase 2 – Pilot" not in [m.name for m in plan.milestones]


_BOARD_B27 = (
    "## Board\n\n| # | Title | Owner |\n|---|---|---|\n| #11 | Base image | @kaya |\n"
    "| #12 | Service template | @tr |\n| #13 | Pilot with two teams | @tr |\n\n"
)


def test_a_note_led_by_an_id_and_a_short_name_speaks_for_that_task() -> None:
    plan = plan_of(
        _BOARD_B27 + "## Notes on the open items\n\n**#12 Template.** Needs the base image.\n\n"
        "**#13 Pilot.** Starts once the template is done.\n"
    )
    assert pairs(plan) == {
        ("#11 Base image", "#12 Service template"),
        ("#12 Service template", "#13 Pilot with two teams"),
    }


def test_a_note_led_by_an_id_and_a_short_name_in_german() -> None:
    plan = plan_of(
        _BOARD_B27 + "## Erläuterungen zu den Einträgen\n\n**#13 Pilot.** Startet, sobald das "
        "Service template fertig ist.\n"
    )
    assert pairs(plan) == {("#12 Service template", "#13 Pilot with two teams")}


def test_a_note_led_by_an_id_and_a_long_sentence_speaks_for_nothing() -> None:
    plan = plan_of(
        _BOARD_B27 + "## Notes on the open items\n\n**#13 was reopened by the two pilot teams "
        "last week because of the quota.** Starts once the template is done.\n"
    )
    assert pairs(plan) == set()


def test_a_heading_dated_by_a_quarter_is_a_phase_over_its_list() -> None:
    plan = plan_of(
        "## Actions\n\n### Short term (due 2027-01-29)\n\n- [ ] Circuit breaker\n\n"
        "### Medium term (Q1 2027)\n\n- [ ] Game day\n- [ ] SLO\n"
    )
    assert [m.name for m in plan.milestones][1:] == ["Medium term (Q1 2027)"]


def test_a_heading_dated_by_a_quarter_in_german() -> None:
    plan = plan_of(
        "## Maßnahmen\n\n### Mittelfristig (1. Quartal 2027)\n\n- [ ] Übung\n- [ ] SLO\n"
    )
    assert [m.name for m in plan.milestones] == ["Mittelfristig (1. Quartal 2027)"]


def test_a_quarter_outside_parentheses_dates_no_phase() -> None:
    plan = plan_of("## Maßnahmen\n\n### Ziele für Q1 2027\n\n- [ ] Übung\n- [ ] SLO\n")
    assert plan.milestones == []


def test_a_bare_list_of_bold_priority_words_ranks_them_in_order() -> None:
    plan = plan_of(
        "## Maßnahmen\n\nDie Dringlichkeit steht in Klammern: **dringend**, **wichtig**, "
        "**normal** oder **niedrig**.\n\n- [ ] M1 – Konfiguration korrigieren (dringend)\n"
        "- [ ] M2 – Runbook ergänzen (wichtig)\n- [ ] M3 – Bereitschaftsplan (normal)\n"
    )
    assert [t.priority for t in plan.tasks] == [Priority.CRITICAL, Priority.HIGH, Priority.MEDIUM]


def test_a_bare_list_of_bold_priority_words_in_english() -> None:
    plan = plan_of(
        "## Actions\n\nUrgency is in brackets: **urgent**, **important**, **normal** or "
        "**low**.\n\n- [ ] A1 – Fix the config (important)\n- [ ] A2 – Runbook (low)\n"
    )
    assert [t.priority for t in plan.tasks] == [Priority.HIGH, Priority.LOW]


def test_bold_words_that_do_not_run_from_high_to_low_rank_nothing() -> None:
    plan = plan_of(
        "## Maßnahmen\n\nStufen: **normal**, **wichtig** oder **dringend**.\n\n"
        "- [ ] M1 – Runbook ergänzen (wichtig)\n- [ ] M2 – Plan (normal)\n"
    )
    assert [t.priority for t in plan.tasks] == [Priority.MEDIUM, Priority.MEDIUM]


def test_a_lettered_point_inserted_under_its_neighbours_letter_is_a_task_too() -> None:
    plan = plan_of(
        "## Tasks\n\na) **Build the index** — Ann.\n\nb) **Tune the ranking** — Ben.\n"
        "b) **Export the report** — Cy.\n\nc) **Write the runbook** — Di.\n"
    )
    assert titles(plan) == [
        "Build the index",
        "Tune the ranking",
        "Export the report",
        "Write the runbook",
    ]


_GUIDE_B27 = (
    "## Part A — Upgrading\n\n### Step by step\n\n1. Bump the dependency.\n2. Rename the class.\n\n"
)


def test_stage_headings_over_open_checklists_make_the_plan() -> None:
    plan = plan_of(
        _GUIDE_B27 + "## Part B — Shipping it\n\n### Stage 0 — API freeze (target 9 Jan)\n\n"
        "- [ ] **Rename the class** — @ines.\n- [ ] **Suspend API** — @kwame.\n\n"
        "### Stage 1 — Beta\n\n- [ ] **Port the sample** — @ines.\n- [ ] **Docs** — @li.\n"
    )
    assert titles(plan) == ["Rename the class", "Suspend API", "Port the sample", "Docs"]


def test_etapa_headings_over_open_checklists_in_spanish() -> None:
    plan = plan_of(
        "## Guía\n\n### Paso a paso\n\n1. Subir la versión.\n2. Renombrar.\n\n"
        "## Plan interno\n\n### Etapa 0 — Congelación\n\n- [ ] **Renombrar** — @ines.\n"
        "- [ ] **API** — @kwame.\n"
    )
    assert titles(plan) == ["Renombrar", "API"]


def test_stage_headings_under_a_known_title_keep_the_context_as_work() -> None:
    plan = plan_of(
        _GUIDE_B27 + "## Rollout plan\n\n### Phase 1 — Core\n\n- [ ] Schema\n- [ ] Admin API\n"
    )
    assert "Step by step" in titles(plan)
