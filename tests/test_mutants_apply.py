"""The mutation check still aims at live code: every mutant's line is where it says.

``make mutate`` takes minutes and so runs by hand; when a refactoring moves a line it mutates,
the mutant silently turns into an "error" row there. This test finds that at once.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _mutate_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("taskyard_mutate", ROOT / "scripts/mutate.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while being built
    spec.loader.exec_module(module)
    return module


MUTANTS = _mutate_script().MUTANTS


@pytest.mark.parametrize("mutant", MUTANTS, ids=[m.id for m in MUTANTS])
def test_each_mutant_finds_its_line_exactly_once(mutant: Any) -> None:
    found = (ROOT / mutant.path).read_text().count(mutant.old)
    assert found == 1, f"{mutant.id}: {mutant.old!r} occurs {found} times in {mutant.path}"
