"""core.config: settings read from the environment, outside the pure domain."""

import pytest

from core.config import AUTO_APPROVE_ENV, auto_approve_from_env


@pytest.mark.parametrize("value", ["true", "TRUE", "True", " 1 ", "yes", "on", "1"])
def test_auto_approve_env_switches_on_with_truthy_words(value: str) -> None:
    """FEATURE_PRD_AUTO_APPROVE_REVIEW=true (or 1/yes/on, any case) turns auto-approve on."""
    assert auto_approve_from_env({AUTO_APPROVE_ENV: value}) is True


@pytest.mark.parametrize("value", ["", "false", "0", "no", "off", "maybe", "truthy"])
def test_auto_approve_env_stays_off_otherwise(value: str) -> None:
    """Any other value of FEATURE_PRD_AUTO_APPROVE_REVIEW leaves human review on."""
    assert auto_approve_from_env({AUTO_APPROVE_ENV: value}) is False


def test_auto_approve_env_is_off_when_unset() -> None:
    """Without FEATURE_PRD_AUTO_APPROVE_REVIEW, tasks go through human review."""
    assert auto_approve_from_env({}) is False
    assert auto_approve_from_env({"OTHER": "true"}) is False


def test_auto_approve_env_reads_the_process_environment_by_default(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """With no mapping given, the switch is read from the real environment."""
    monkeypatch.setenv(AUTO_APPROVE_ENV, "true")
    assert auto_approve_from_env() is True
    monkeypatch.delenv(AUTO_APPROVE_ENV)
    assert auto_approve_from_env() is False
