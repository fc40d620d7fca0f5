"""Layering checked at run time: what each entry point really imports."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def loaded_after(statement: str) -> set[str]:
    code = f"{statement}\nimport sys\nprint('\\n'.join(sorted(sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    return {name.split(".")[0] for name in out.split()}


def test_core_never_imports_the_tui() -> None:
    """Using the engine and the store loads no Textual (the CLI and server stay headless)."""
    roots = loaded_after("import core.engine, core.bootstrap, core.early_board, core.store.engine")
    assert "textual" not in roots
    assert "tui" not in roots


def test_package_root_is_cheap() -> None:
    """`import core` (what `taskyard --version` needs) loads no database or model library."""
    roots = loaded_after("import core")
    assert not roots & {"sqlalchemy", "pydantic", "alembic", "platformdirs", "textual"}


def test_migrations_are_not_imported_on_a_normal_start() -> None:
    """Opening the engine on an up-to-date database does not import alembic."""
    script = (
        "import asyncio, sys, tempfile, os\n"
        "from core.store.engine import SqlTaskEngine\n"
        "d = tempfile.mkdtemp(); url = f'sqlite:///{d}/t.db'\n"
        "async def go():\n"
        "    e = await SqlTaskEngine.open(url); await e.close()\n"
        "asyncio.run(go())\n"
        "for k in [m for m in sys.modules if m.startswith('alembic')]: del sys.modules[k]\n"
        "asyncio.run(go())"
    )
    roots = loaded_after(script)
    assert "alembic" not in roots
