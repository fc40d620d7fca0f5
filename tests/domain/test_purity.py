"""Import hygiene: the pure domain layer loads no database, UI or HTTP library."""

import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]

PROBE = (
    "import core.domain.models, core.domain.states, core.domain.graph, core.domain.commands, "
    "core.domain.views, core.domain.identifiers; import sys; "
    "print(sorted(m for m in sys.modules if m.split('.')[0] in "
    "{'sqlalchemy','textual','httpx','alembic','aiosqlite','asyncpg','platformdirs'}))"
)


def test_domain_imports_no_io_library() -> None:
    """Importing the whole domain layer in a fresh interpreter loads none of the I/O libraries."""
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
