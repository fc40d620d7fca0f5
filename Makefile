# The two commands of the README's Quick start: `make run` and `make test`.
# Each creates .venv with the pinned stack on first use; nothing else needs to be installed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test slow stress mutate check lint types contracts format clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "taskyard needs Python 3.11 or newer")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

run: $(STAMP)
	$(BIN)/taskyard $(ARGS)

# -n auto: the suite is CPU-bound (Textual, SQLite, subprocesses); two workers halve it on a
# 2-core machine. Every test owns its files, tmux socket and PostgreSQL database.
# Bytecode is cached under .venv even where PYTHONDONTWRITEBYTECODE is set (CI machines set
# it): otherwise every CLI and app process the tests start compiles taskyard again (~70 ms).
# Tests marked slow (stress, fuzzing, the authorization matrix, kill -9 and scale runs) are left
# to `make slow`, which CI runs after this: the suite stays within its 8-minute budget.
# --dist loadgroup: the tests of one server module (grouped in tests/server/conftest.py) run on
# one worker, which starts that module's servers once. docs/testing.md: where the time goes.
test: $(STAMP)
	PYTHONDONTWRITEBYTECODE= PYTHONPYCACHEPREFIX=$(CURDIR)/$(VENV)/pycache \
		$(BIN)/python -m pytest -n auto --dist loadgroup -m "not slow" $(PYTEST_ARGS)

# Every test marked slow, the stress tests included: what `make test` leaves out.
slow: $(STAMP)
	PYTHONDONTWRITEBYTECODE= PYTHONPYCACHEPREFIX=$(CURDIR)/$(VENV)/pycache TASKYARD_STRESS=1 \
		$(BIN)/python -m pytest -n auto --dist loadgroup -m slow $(PYTEST_ARGS)

# The minutes-long stress tests alone (4 worker processes x 4 slots draining 10,000 tasks, on
# SQLite and PostgreSQL, on the database directly and through one server). `make slow`, which
# CI runs, leaves out the remote drain (TASKYARD_STRESS=all brings it back).
stress: $(STAMP)
	TASKYARD_STRESS=all $(BIN)/python -m pytest -n auto -m slow tests/orchestrator/test_no_double_claim.py \
		tests/remote/test_remote_drain.py $(PYTEST_ARGS)

# The mutation check (scripts/mutate.py): one-line breakages of critical rules, each of which
# the named tests must catch. A few minutes; exits 1 when a must-kill mutant survives.
# Set TASKYARD_TEST_PG_URL first (as .ci/run does) so the PostgreSQL tests take part.
mutate: $(STAMP)
	$(BIN)/python scripts/mutate.py $(ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

types: $(STAMP)
	$(BIN)/mypy

contracts: $(STAMP)
	$(BIN)/lint-imports

check: lint types contracts test

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
