"""CI cannot go green without the PostgreSQL half; a laptop skips it and says why."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow
"""Each starts a pytest session of its own (~7-15 s of a core): `make slow`, which CI runs."""

ROOT = Path(__file__).resolve().parents[1]
PG_TEST = (
    "tests/store/test_event_order.py::test_the_log_is_read_in_seq_order_when_stored_out_of_order"
)


def pytest_run(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if k not in ("CI", "TASKYARD_TEST_PG_URL")}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", "-p", "no:xdist", *args],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_under_ci_the_session_refuses_to_start_without_postgresql() -> None:
    result = pytest_run("--collect-only", PG_TEST, CI="true")
    assert result.returncode == 4, result.stdout + result.stderr  # pytest's usage error
    assert "CI=true but TASKYARD_TEST_PG_URL is not set" in result.stderr


def test_on_a_laptop_the_postgresql_tests_skip_with_the_reason() -> None:
    result = pytest_run("-rs", PG_TEST)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 skipped" in result.stdout
    assert "TASKYARD_TEST_PG_URL is not set" in result.stdout
