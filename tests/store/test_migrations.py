"""Schema migrations: new databases reach head, existing ones keep their data, newer ones are
refused untouched, and a SQLite file is copied aside before it is upgraded."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, create_engine, event, inspect, text
from sqlalchemy.engine import Engine
from sqlalchemy.ext.asyncio import create_async_engine

from core.domain.commands import MilestoneCreate, ProjectCreate, SortField, TaskCreate, TaskQuery
from core.domain.models import TaskStatus
from core.errors import StorageError
from core.store import migrate
from core.store.engine import SqlTaskEngine
from core.store.tables import metadata
from tests.fixtures.pg import create_database, drop_database, pg_execute

PG_ENV = "TASKYARD_TEST_PG_URL"
ROOT = Path(__file__).resolve().parents[2]


# ------------------------------------------------------------------------------ helpers
def sqlite_revision(path: Path) -> list[str]:
    conn = sqlite3.connect(path)
    try:
        return [r[0] for r in conn.execute("SELECT version_num FROM alembic_version")]
    finally:
        conn.close()


def sqlite_exec(path: Path, sql: str) -> None:
    conn = sqlite3.connect(path)
    try:
        conn.execute(sql)
        conn.commit()
    finally:
        conn.close()


def sqlite_count(path: Path, table: str) -> int:
    conn = sqlite3.connect(path)
    try:
        return int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
    finally:
        conn.close()


def backups(folder: Path) -> list[str]:
    """The backup copies taskyard made in ``folder``."""
    return sorted(p.name for p in folder.iterdir() if ".before-" in p.name)


def file_state(path: Path) -> tuple[bytes, int]:
    return path.read_bytes(), path.stat().st_mtime_ns


async def seed(url: str) -> list[str]:
    """Open (creating the schema), add a project, a milestone and two tasks; return the refs."""
    engine = await SqlTaskEngine.open(url, actor="tester")
    try:
        await engine.create_project(ProjectCreate(name="Web App"))
        await engine.create_milestone(MilestoneCreate(project="web-app", name="M1"))
        a = await engine.create_task(TaskCreate(title="A", project="web-app", milestone="M1"))
        b = await engine.create_task(TaskCreate(title="B", project="web-app", blocked_by=["WA-1"]))
        return [a.task.ref, b.task.ref]
    finally:
        await engine.close()


@pytest.fixture
def fresh_pg_url() -> Iterator[str]:
    """A brand-new, empty PostgreSQL database (no schema at all), dropped afterwards."""
    base = os.environ.get(PG_ENV)
    if not base:
        pytest.skip(f"{PG_ENV} is not set: PostgreSQL tests need a server")
    name, url = create_database(base, "ty_mig")
    yield url
    drop_database(base, name)


def schema_drift(conn: Connection) -> list[object]:
    return list(compare_metadata(MigrationContext.configure(conn), metadata))


# ------------------------------------------------------------------------------ head
def test_head_revision_matches_the_migration_scripts() -> None:
    """The revision taskyard expects is the newest migration script, and it knows every one."""
    scripts = ScriptDirectory(str(migrate.MIGRATIONS_DIR))
    assert scripts.get_current_head() == migrate.HEAD_REVISION
    assert {s.revision for s in scripts.walk_revisions()} == set(migrate.KNOWN_REVISIONS)


async def test_new_sqlite_file_is_created_at_head(tmp_path: Path) -> None:
    """Opening a file that does not exist yet creates it with the newest schema, and no backup."""
    path = tmp_path / "sub" / "new.db"
    engine = await SqlTaskEngine.open(f"sqlite:///{path}")
    await engine.close()
    assert sqlite_revision(path) == [migrate.HEAD_REVISION]
    assert backups(path.parent) == []
    engine_sync = create_engine(f"sqlite:///{path}")
    with engine_sync.connect() as conn:
        assert schema_drift(conn) == []
    engine_sync.dispose()


async def test_empty_sqlite_file_is_migrated_to_head(tmp_path: Path) -> None:
    """An existing but empty file gets the schema, without a pointless backup copy."""
    path = tmp_path / "empty.db"
    path.touch()
    engine = await SqlTaskEngine.open(f"sqlite+aiosqlite:///{path}")
    await engine.close()
    assert sqlite_revision(path) == [migrate.HEAD_REVISION]
    assert backups(tmp_path) == []


@pytest.mark.postgres
async def test_empty_postgres_database_is_migrated_to_head(fresh_pg_url: str) -> None:
    """A brand-new PostgreSQL database gets the newest schema, matching the code's tables."""
    engine = await SqlTaskEngine.open(fresh_pg_url)
    await engine.close()
    rows = await pg_execute(fresh_pg_url, "SELECT version_num FROM alembic_version")
    assert rows == [(migrate.HEAD_REVISION,)]
    async_engine = create_async_engine(fresh_pg_url)
    async with async_engine.connect() as conn:
        assert await conn.run_sync(schema_drift) == []
    await async_engine.dispose()


@pytest.mark.postgres
async def test_clients_opening_a_new_postgres_database_together_migrate_it_once(
    fresh_pg_url: str,
) -> None:
    """Five clients starting at once on an empty database all open it; the schema is made once."""
    engines = await asyncio.gather(*(SqlTaskEngine.open(fresh_pg_url) for _ in range(5)))
    for engine in engines:
        await engine.close()
    rows = await pg_execute(fresh_pg_url, "SELECT version_num FROM alembic_version")
    assert rows == [(migrate.HEAD_REVISION,)]


async def test_clients_opening_a_new_sqlite_file_together_migrate_it_once(
    tmp_path: Path,
) -> None:
    """Clients starting at once on a new SQLite file all open it; the schema is made once."""
    for round_ in range(10):
        path = tmp_path / f"race{round_}.db"
        engines = await asyncio.gather(
            *(SqlTaskEngine.open(f"sqlite:///{path}") for _ in range(6)), return_exceptions=True
        )
        for engine in engines:
            if isinstance(engine, SqlTaskEngine):
                await engine.close()
        assert [e for e in engines if isinstance(e, BaseException)] == [], round_
        assert sqlite_revision(path) == [migrate.HEAD_REVISION]


@pytest.mark.parametrize("driver", ["sqlite", "sqlite+aiosqlite"])
async def test_opening_a_new_file_another_program_is_still_creating_waits_for_it(
    tmp_path: Path, driver: str
) -> None:
    """A client opening a new file while another holds it mid-creation waits, then opens it.

    Switching a file to WAL needs it to itself, and SQLite refuses at once (no busy wait) while
    another connection is writing it in the old journal mode.
    """
    path = tmp_path / "busy.db"
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    other.execute("CREATE TABLE other_program (x INTEGER)")
    loop = asyncio.get_running_loop()
    loop.call_later(0.3, other.execute, "COMMIT")
    try:
        engine = await SqlTaskEngine.open(f"{driver}:///{path}")
    finally:
        other.close()
    try:
        assert (await engine.create_task(TaskCreate(title="A"))).task.ref == "TY-1"
    finally:
        await engine.close()
    assert sqlite_revision(path) == [migrate.HEAD_REVISION]
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    finally:
        conn.close()


# ------------------------------------------------------------------------------ reopen
async def test_reopening_keeps_the_data(tmp_path: Path) -> None:
    """Reopening a database at head keeps every task and creates or copies nothing."""
    path = tmp_path / "keep.db"
    refs = await seed(f"sqlite:///{path}")
    events_before = sqlite_count(path, "events")
    engine = await SqlTaskEngine.open(f"sqlite:///{path}")
    try:
        b = await engine.get_task(refs[1])
        assert [x.ref for x in b.blocked_by] == [refs[0]]
        assert len(await engine.list_projects()) == 1
        assert len(await engine.list_milestones()) == 1
        assert len(await engine.events()) == events_before
        assert (await engine.create_task(TaskCreate(title="C", project="WA"))).task.ref == "WA-3"
    finally:
        await engine.close()
    assert backups(tmp_path) == []


@pytest.mark.postgres
async def test_reopening_postgres_keeps_the_data(fresh_pg_url: str) -> None:
    """Reopening a PostgreSQL database at head keeps every task and event."""
    refs = await seed(fresh_pg_url)
    engine = await SqlTaskEngine.open(fresh_pg_url)
    try:
        assert [t.ref for t in [await engine.get_task(r) for r in refs]] == refs
        assert [e.type for e in await engine.events()].count("project.created") == 1
    finally:
        await engine.close()


# ------------------------------------------------------------------------------ 0001 -> 0002
CARD_INDEXES_0001 = {
    "ix_tasks_status_priority_rank_created_at_id",
    "ix_tasks_project_id_status_priority_rank_created_at_id",
}
CARD_INDEXES_0002 = {
    "ix_tasks_status_priority_rank_created_at_number_id",
    "ix_tasks_project_id_status_priority_rank_created_at_number_id",
}


def alembic_to(conn: Connection, revision: str, *, down: bool) -> None:
    """Run alembic to ``revision`` on ``conn`` (in its transaction), as store/migrate.py does."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(migrate.MIGRATIONS_DIR))
    config.attributes["connection"] = conn
    (command.downgrade if down else command.upgrade)(config, revision)


def task_indexes(conn: Connection) -> set[str]:
    from sqlalchemy import inspect

    return {str(ix["name"]) for ix in inspect(conn).get_indexes("tasks")}


async def test_a_0001_file_is_upgraded_to_card_order_indexes(tmp_path: Path) -> None:
    """A file at 0001 (indexes ending in ``created_at, id``) is copied aside and upgraded to
    indexes in ``CARD_ORDER``; the schema then equals a fresh one, the data is kept, and the
    migration goes back down to exactly the 0001 indexes."""
    path = tmp_path / "old.db"
    refs = await seed(f"sqlite:///{path}")
    sync = create_engine(f"sqlite:///{path}")
    try:
        with sync.begin() as conn:
            alembic_to(conn, "0001", down=True)
            assert task_indexes(conn) >= CARD_INDEXES_0001
            assert not CARD_INDEXES_0002 & task_indexes(conn)
        assert sqlite_revision(path) == ["0001"]
        engine = await SqlTaskEngine.open(f"sqlite:///{path}")
        try:
            assert [(await engine.get_task(r)).ref for r in refs] == refs
        finally:
            await engine.close()
        assert sqlite_revision(path) == [migrate.HEAD_REVISION]
        copies = [n for n in backups(tmp_path) if not n.endswith(("-wal", "-shm"))]
        assert [n.split(".before-")[1].split("-20")[0] for n in copies] == [
            f"{migrate.HEAD_REVISION}-from-0001"
        ]
        with sync.connect() as conn:
            assert task_indexes(conn) >= CARD_INDEXES_0002
            assert not CARD_INDEXES_0001 & task_indexes(conn)
            assert schema_drift(conn) == []
    finally:
        sync.dispose()


@pytest.mark.postgres
async def test_a_0001_postgres_database_is_upgraded_to_card_order_indexes(
    fresh_pg_url: str,
) -> None:
    """The same upgrade and downgrade on PostgreSQL, in one transaction each."""
    refs = await seed(fresh_pg_url)
    async_engine = create_async_engine(fresh_pg_url)
    try:
        async with async_engine.begin() as conn:
            await conn.run_sync(alembic_to, "0001", down=True)
            assert await conn.run_sync(task_indexes) >= CARD_INDEXES_0001
        engine = await SqlTaskEngine.open(fresh_pg_url)
        try:
            assert [(await engine.get_task(r)).ref for r in refs] == refs
        finally:
            await engine.close()
        rows = await pg_execute(fresh_pg_url, "SELECT version_num FROM alembic_version")
        assert rows == [(migrate.HEAD_REVISION,)]
        async with async_engine.connect() as conn:
            indexes = await conn.run_sync(task_indexes)
            assert indexes >= CARD_INDEXES_0002
            assert not CARD_INDEXES_0001 & indexes
            assert await conn.run_sync(schema_drift) == []
    finally:
        await async_engine.dispose()


# ------------------------------------------------------------------------------ newer
async def test_database_from_a_newer_taskyard_is_refused_untouched(tmp_path: Path) -> None:
    """A file whose schema is newer than this taskyard is refused and left byte for byte as is."""
    path = tmp_path / "newer.db"
    await seed(f"sqlite:///{path}")
    sqlite_exec(path, "UPDATE alembic_version SET version_num = '9999'")
    before = file_state(path)
    with pytest.raises(StorageError) as err:
        await SqlTaskEngine.open(f"sqlite:///{path}")
    assert "newer taskyard" in err.value.message
    assert "9999" in err.value.message
    assert err.value.hint is not None
    assert "not changed" in err.value.hint
    assert file_state(path) == before
    assert sqlite_revision(path) == ["9999"]
    assert sqlite_count(path, "tasks") == 2
    assert backups(tmp_path) == []


def open_handles(path: Path) -> list[str]:
    """This process's open file descriptors on ``path`` or its -wal/-shm files (Linux)."""
    fds = Path("/proc/self/fd")
    names = {str(path), f"{path}-wal", f"{path}-shm"}
    found = []
    for fd in fds.iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target in names:
            found.append(target)
    return found


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc (Linux)")
@pytest.mark.parametrize("driver", ["sqlite", "sqlite+aiosqlite"])
async def test_a_refused_database_is_let_go(tmp_path: Path, driver: str) -> None:
    """When taskyard refuses a database it keeps no connection, file handle or thread on it."""
    path = tmp_path / "newer.db"
    await seed(f"sqlite:///{path}")
    sqlite_exec(path, "UPDATE alembic_version SET version_num = '9999'")
    threads_before = {t.name for t in threading.enumerate()}
    with pytest.raises(StorageError):
        await SqlTaskEngine.open(f"{driver}:///{path}")
    assert open_handles(path) == []
    left = {t.name for t in threading.enumerate()} - threads_before
    assert [n for n in left if n.startswith("taskyard-")] == []


@pytest.mark.postgres
async def test_postgres_database_from_a_newer_taskyard_is_refused(fresh_pg_url: str) -> None:
    """A PostgreSQL database with a newer schema revision is refused and not changed."""
    await seed(fresh_pg_url)
    await pg_execute(fresh_pg_url, "UPDATE alembic_version SET version_num = '9999'")
    with pytest.raises(StorageError) as err:
        await SqlTaskEngine.open(fresh_pg_url)
    assert "newer taskyard" in err.value.message
    assert await pg_execute(fresh_pg_url, "SELECT version_num FROM alembic_version") == [("9999",)]
    assert await pg_execute(fresh_pg_url, "SELECT count(*) FROM tasks") == [(2,)]


# ------------------------------------------------------------------------------ failed upgrade
async def test_failed_upgrade_leaves_the_data_as_it_was(tmp_path: Path) -> None:
    """When an upgrade fails half-way, the whole upgrade is rolled back and the data survives."""
    path = tmp_path / "broken.db"
    await seed(f"sqlite:///{path}")
    # Lose the revision: taskyard now thinks the file is empty and tries to create every table,
    # which fails on the first table that already exists.
    sqlite_exec(path, "DELETE FROM alembic_version")
    with pytest.raises(StorageError) as err:
        await SqlTaskEngine.open(f"sqlite:///{path}")
    assert "failed" in err.value.message
    assert sqlite_count(path, "tasks") == 2
    assert sqlite_revision(path) == []
    sqlite_exec(path, f"INSERT INTO alembic_version VALUES ('{migrate.HEAD_REVISION}')")
    engine = await SqlTaskEngine.open(f"sqlite:///{path}")
    try:
        assert len((await engine.get_task("WA-2")).blocked_by) == 1
    finally:
        await engine.close()


@pytest.mark.postgres
async def test_failed_postgres_upgrade_leaves_the_data_as_it_was(fresh_pg_url: str) -> None:
    """A PostgreSQL upgrade that fails half-way is rolled back completely."""
    await seed(fresh_pg_url)
    await pg_execute(fresh_pg_url, "DELETE FROM alembic_version")
    with pytest.raises(StorageError):
        await SqlTaskEngine.open(fresh_pg_url)
    assert await pg_execute(fresh_pg_url, "SELECT count(*) FROM tasks") == [(2,)]
    assert await pg_execute(fresh_pg_url, "SELECT count(*) FROM alembic_version") == [(0,)]


# ------------------------------------------------------------------------------ backup
def sqlite_file(path: Path) -> Path:
    """A small WAL-mode SQLite file with one table and one row."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("CREATE TABLE notes (text TEXT)")
        conn.execute("INSERT INTO notes VALUES ('in the file')")
    finally:
        conn.close()
    return path


def notes_in_alone(copy: Path, tmp_path: Path) -> list[str]:
    """The rows of a backup copied by itself into an empty folder (no sidecar can help)."""
    alone = tmp_path / "restored" / "user.db"
    alone.parent.mkdir()
    alone.write_bytes(copy.read_bytes())
    return [str(r[0]) for r in sqlite3.connect(alone).execute("SELECT text FROM notes")]


def test_backup_is_one_file_holding_the_commits_still_in_the_wal(tmp_path: Path) -> None:
    """While another program has the database open, its latest commits are only in the -wal;
    the backup is still one self-contained file with them, and no sidecar or partial file."""
    path = sqlite_file(tmp_path / "user.db")
    other = sqlite3.connect(path, isolation_level=None)
    try:
        other.execute("PRAGMA wal_autocheckpoint=0")
        other.execute("INSERT INTO notes VALUES ('only in the wal')")
        assert path.with_name("user.db-wal").stat().st_size > 0
        copy = migrate.backup_sqlite(path, "0000")
    finally:
        other.close()
    assert copy is not None
    assert copy.parent == tmp_path
    assert copy.name.startswith(f"user.db.before-{migrate.HEAD_REVISION}-from-0000-")
    assert backups(tmp_path) == [copy.name]
    assert notes_in_alone(copy, tmp_path) == ["in the file", "only in the wal"]


def test_a_failed_copy_leaves_no_file_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A copy that fails half-way (the disk fills up) leaves neither a partial file nor a
    truncated file under a backup's name, and the database is untouched."""
    path = sqlite_file(tmp_path / "user.db")
    before = path.read_bytes()

    def half_then_full(source: Path, target: Path) -> None:
        target.write_bytes(source.read_bytes()[: len(before) // 2])
        raise OSError(28, "No space left on device", str(target))

    monkeypatch.setattr(migrate, "_copy_database", half_then_full)
    with pytest.raises(OSError, match="No space left"):
        migrate.backup_sqlite(path, "0000")
    assert backups(tmp_path) == []
    assert path.read_bytes() == before


def test_a_killed_copy_leaves_no_file_under_a_backup_name(tmp_path: Path) -> None:
    """kill -9 in the middle of the copy leaves only a ``.partial`` file, never a truncated
    file under a backup's name; the next backup removes it and makes a complete copy."""
    path = sqlite_file(tmp_path / "user.db")
    script = (
        "import os, signal, sys\n"
        "from pathlib import Path\n"
        "from core.store import migrate\n"
        "def half_then_killed(source, target):\n"
        "    target.write_bytes(source.read_bytes()[:1000])\n"
        "    os.kill(os.getpid(), signal.SIGKILL)\n"
        "migrate._copy_database = half_then_killed\n"
        "migrate.backup_sqlite(Path(sys.argv[1]), '0000')\n"
    )
    done = subprocess.run([sys.executable, "-c", script, str(path)], cwd=ROOT, timeout=60)
    assert done.returncode == -signal.SIGKILL
    left = backups(tmp_path)
    assert len(left) == 1
    assert left[0].endswith(".partial")
    copy = migrate.backup_sqlite(path, "0000")
    assert copy is not None
    assert backups(tmp_path) == [copy.name]
    assert notes_in_alone(copy, tmp_path) == ["in the file"]


def test_a_backup_of_the_same_revision_is_used_again_until_the_file_changes(
    tmp_path: Path,
) -> None:
    """Attempts that fail after the copy do not pile up copies: a complete backup of the same
    revision is used again, as long as the database has not been written since. Once it has,
    that backup is stale and a new one is made."""
    path = sqlite_file(tmp_path / "user.db")
    first = migrate.backup_sqlite(path, "0000")
    assert first is not None
    assert migrate.backup_sqlite(path, "0000") == first
    assert migrate.backup_sqlite(path, "0001") != first  # another revision: another copy
    os.utime(first, ns=(first.stat().st_atime_ns, path.stat().st_mtime_ns - 10**9))
    sqlite_exec(path, "INSERT INTO notes VALUES ('later')")
    fresh = migrate.backup_sqlite(path, "0000")  # the same name within the same second
    assert fresh is not None
    assert notes_in_alone(fresh, tmp_path) == ["in the file", "later"]


def test_a_truncated_backup_is_not_used_again(tmp_path: Path) -> None:
    """A backup cut short (as older releases left behind) is never taken for a complete one."""
    path = sqlite_file(tmp_path / "user.db")
    old = path.with_name(f"user.db.before-{migrate.HEAD_REVISION}-from-0000-20260101T000000Z")
    old.write_bytes(path.read_bytes()[:1500])
    copy = migrate.backup_sqlite(path, "0000")
    assert copy not in (None, old)
    assert notes_in_alone(copy, tmp_path) == ["in the file"]


def test_no_backup_is_started_without_room_for_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without room for the copy, the upgrade is refused before copying, with the space it
    needs and the space there is."""
    path = sqlite_file(tmp_path / "user.db")
    usage = shutil.disk_usage(tmp_path)
    monkeypatch.setattr(shutil, "disk_usage", lambda _p: usage._replace(free=1000))
    with pytest.raises(StorageError) as err:
        migrate.backup_sqlite(path, "0000")
    assert re.search(
        rf"The upgrade needs a backup copy of [0-9.]+ MB; only 0.0 MB are free in {tmp_path}\.",
        err.value.message,
    )
    assert "Free space or move the database" in str(err.value)
    assert backups(tmp_path) == []


def test_backup_is_skipped_for_new_databases(tmp_path: Path) -> None:
    """Nothing is copied for a database without a revision, or a file that does not exist."""
    path = tmp_path / "user.db"
    path.write_bytes(b"x")
    assert migrate.backup_sqlite(path, None) is None
    assert migrate.backup_sqlite(tmp_path / "missing.db", "0000") is None
    assert sorted(p.name for p in tmp_path.iterdir()) == ["user.db"]


def test_needs_upgrade_reads_the_recorded_revision(tmp_path: Path) -> None:
    """An empty database needs the schema, one at head does not, a newer one is refused."""
    path = tmp_path / "r.db"
    engine = create_engine(f"sqlite:///{path}")
    try:
        with engine.begin() as conn:
            assert migrate.current_revision(conn) is None
            assert migrate.needs_upgrade(conn) is True
            conn.execute(text("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)"))
            conn.execute(text(f"INSERT INTO alembic_version VALUES ('{migrate.HEAD_REVISION}')"))
            assert migrate.current_revision(conn) == migrate.HEAD_REVISION
            assert migrate.needs_upgrade(conn) is False
            conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
            with pytest.raises(StorageError):
                migrate.needs_upgrade(conn)
    finally:
        engine.dispose()


# ------------------------------------------------------------------------------ 0002 import_jobs
def _alembic(conn: Connection, action: str, target: str) -> None:
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(migrate.MIGRATIONS_DIR))
    config.attributes["connection"] = conn
    getattr(command, action)(config, target)


@contextmanager
def downgraded(path: Path, revision: str) -> Iterator[Connection]:
    """Take the file at ``path`` back to ``revision``; a connection to inspect what is left."""
    sync = create_engine(f"sqlite:///{path}")
    try:
        with sync.begin() as conn:
            _alembic(conn, "downgrade", revision)
        assert sqlite_revision(path) == [revision]
        with sync.connect() as conn:
            yield conn
    finally:
        sync.dispose()


async def test_import_jobs_migration_is_reversible_and_upgrades_existing_data(
    tmp_path: Path,
) -> None:
    """0002 can be taken back to 0001 and forward again; a 0001 file keeps its tasks."""
    path = tmp_path / "old.db"
    refs = await seed(f"sqlite:///{path}")
    with downgraded(path, "0001") as conn:
        assert not conn.dialect.has_table(conn, "import_jobs")
    engine = await SqlTaskEngine.open(f"sqlite:///{path}")
    try:
        assert [(await engine.get_task(r)).ref for r in refs] == refs
        assert await engine.list_imports() == []
    finally:
        await engine.close()
    assert sqlite_revision(path) == [migrate.HEAD_REVISION]
    assert [b for b in backups(tmp_path) if not b.endswith(("-wal", "-shm"))] != []
    sync = create_engine(f"sqlite:///{path}")
    try:
        with sync.connect() as conn:
            assert schema_drift(conn) == []
    finally:
        sync.dispose()


# ------------------------------------------------------------------------------ 0004 runs
async def test_runs_migration_is_reversible_and_upgrades_existing_data(tmp_path: Path) -> None:
    """0004 can be taken back to 0003 and forward again; tasks survive, the schema matches."""
    path = tmp_path / "old.db"
    refs = await seed(f"sqlite:///{path}")
    with downgraded(path, "0003_card_order_indexes") as conn:
        assert not conn.dialect.has_table(conn, "runs")
        assert not conn.dialect.has_table(conn, "workers")
        columns = {c["name"] for c in inspect(conn).get_columns("tasks")}
        assert "not_before" not in columns
    assert sqlite_count(path, "task_dependencies") == 1  # no cascade fired on the way down
    engine = await SqlTaskEngine.open(f"sqlite:///{path}")
    try:
        assert [(await engine.get_task(r)).ref for r in refs] == refs
        assert await engine.runs_of(refs[0]) == []
    finally:
        await engine.close()
    assert sqlite_revision(path) == [migrate.HEAD_REVISION]
    sync = create_engine(f"sqlite:///{path}")
    try:
        with sync.connect() as conn:
            assert schema_drift(conn) == []
            indexes = {i["name"]: i for i in inspect(conn).get_indexes("runs")}
            assert indexes["uq_runs_task_id_active"]["unique"]
    finally:
        sync.dispose()


async def pg_round_trip(url: str, revision: str) -> None:
    """Seed, downgrade to ``revision``, upgrade to head: the schema matches and no task is lost."""
    await seed(url)
    async_engine = create_async_engine(url)
    try:
        async with async_engine.begin() as conn:
            await conn.run_sync(_alembic, "downgrade", revision)
        async with async_engine.begin() as conn:
            await conn.run_sync(_alembic, "upgrade", "head")
        async with async_engine.connect() as conn:
            assert await conn.run_sync(schema_drift) == []
    finally:
        await async_engine.dispose()
    assert await pg_execute(url, "SELECT count(*) FROM tasks") == [(2,)]


@pytest.mark.postgres
async def test_runs_migration_round_trip_on_postgres(fresh_pg_url: str) -> None:
    """On PostgreSQL too: down to 0002 and up again leaves the schema the code declares."""
    await pg_round_trip(fresh_pg_url, "0003_card_order_indexes")


# ------------------------------------------------------------------------------ 0005 orchestration
async def test_orchestration_migration_is_reversible_and_keeps_runs(tmp_path: Path) -> None:
    """0005 can be taken back to 0004 and forward again; runs survive, the schema matches."""
    path = tmp_path / "old.db"
    refs = await seed(f"sqlite:///{path}")
    engine = await SqlTaskEngine.open(f"sqlite:///{path}", actor="tester")
    try:
        run = await engine.run_now(refs[0])
    finally:
        await engine.close()
    with downgraded(path, "0004_runs") as conn:
        for table in ("run_steps", "log_chunks", "quick_runs"):
            assert not conn.dialect.has_table(conn, table)
        columns = {c["name"] for c in inspect(conn).get_columns("runs")}
        assert {"step_index", "step_count"}.isdisjoint(columns)
    assert sqlite_count(path, "runs") == 1  # no cascade fired on the way down
    engine = await SqlTaskEngine.open(f"sqlite:///{path}")
    try:
        [again] = await engine.runs_of(refs[0])
        assert (again.id, again.step_index, again.step_count) == (run.id, None, None)
        assert await engine.run_steps(run.id) == []
        assert await engine.list_quick_runs() == []
    finally:
        await engine.close()
    assert sqlite_revision(path) == [migrate.HEAD_REVISION]
    sync = create_engine(f"sqlite:///{path}")
    try:
        with sync.connect() as conn:
            assert schema_drift(conn) == []
    finally:
        sync.dispose()


@pytest.mark.postgres
async def test_orchestration_migration_round_trip_on_postgres(fresh_pg_url: str) -> None:
    """On PostgreSQL too: down to 0004 and up again leaves the schema the code declares."""
    await pg_round_trip(fresh_pg_url, "0004_runs")


# ------------------------------------------------------------------------------ 0006 sparse indexes
SPARSE_LOOKUPS = {
    "ix_tasks_parent_id": "SELECT id FROM tasks WHERE parent_id = 'x'",
    "ix_tasks_milestone_id": "SELECT id FROM tasks WHERE milestone_id = 'x'",
    "ix_tasks_assignee": "SELECT id FROM tasks WHERE assignee = 'x'",
    "ix_runs_finished_at": "SELECT id FROM runs WHERE finished_at >= '2026-01-01'",
}


async def test_sparse_index_migration_is_reversible_and_lookups_keep_their_index(
    tmp_path: Path,
) -> None:
    """0006 can be taken back to 0005 and forward again; tasks survive, and every lookup
    on a sparse column is still served by its (now partial) index."""
    path = tmp_path / "old.db"
    refs = await seed(f"sqlite:///{path}")
    with downgraded(path, "0005_orchestration") as conn:
        ddl = conn.exec_driver_sql(
            "SELECT sql FROM sqlite_master WHERE name = 'ix_tasks_parent_id'"
        ).scalar_one()
        assert "WHERE" not in ddl
    engine = await SqlTaskEngine.open(f"sqlite:///{path}")  # upgrades to head again
    try:
        assert [(await engine.get_task(ref)).ref for ref in refs] == refs
    finally:
        await engine.close()
    assert sqlite_revision(path) == [migrate.HEAD_REVISION]
    sync = create_engine(f"sqlite:///{path}")
    try:
        with sync.connect() as conn:
            assert schema_drift(conn) == []
            for index, query in SPARSE_LOOKUPS.items():
                ddl = conn.exec_driver_sql(
                    f"SELECT sql FROM sqlite_master WHERE name = '{index}'"
                ).scalar_one()
                assert "IS NOT NULL" in ddl, ddl
                plan = " ".join(
                    str(row[-1]) for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + query)
                )
                assert index in plan, (query, plan)
    finally:
        sync.dispose()


@pytest.mark.postgres
async def test_sparse_index_migration_round_trip_on_postgres(fresh_pg_url: str) -> None:
    """On PostgreSQL too: down to 0005 and up again leaves the schema the code declares."""
    await pg_round_trip(fresh_pg_url, "0005_orchestration")


# ------------------------------------------------------------------------------ 0008 active runs
ACTIVE_RUN_INDEXES = ("ix_runs_worker_id_active", "ix_runs_lease_expires_at_active")


async def _run_lookups(url: str) -> list[tuple[str, Any]]:
    """The runs lookups the heartbeat, the lease sweep, the monitor and Run Now adoption
    send, captured as the engine runs them (statement, parameters)."""
    captured: list[tuple[str, Any]] = []

    def capture(_c: object, _cur: object, sql: str, params: object, *_: object) -> None:
        if sql.lstrip().startswith(("SELECT", "UPDATE")) and "status IN ('queued'" in sql:
            captured.append((sql, params))

    event.listen(Engine, "before_cursor_execute", capture)
    engine = await SqlTaskEngine.open(url)
    try:
        await engine.register_worker("w1", host="h", pid=1, slots=1)
        await engine.create_task(TaskCreate(title="t", status=TaskStatus.READY))
        await engine.claim_tasks("w1", limit=1)
        await engine.heartbeat("w1")
        await engine.expire_leases()
        await engine.execution_overview()
        await engine.adopt_forced_runs("w1", limit=1)
    finally:
        event.remove(Engine, "before_cursor_execute", capture)
        await engine.close()
    assert len(captured) >= 4, captured
    return captured


async def test_active_run_index_migration_is_reversible_and_lookups_use_the_indexes(
    tmp_path: Path,
) -> None:
    """0008 can be taken back to 0007 and forward again; the runs' worker and lease lookups,
    as the engine sends them, are served by the partial indexes of active runs."""
    path = tmp_path / "old.db"
    refs = await seed(f"sqlite:///{path}")
    with downgraded(path, "0007_event_seq_after_xid") as conn:
        names = {i["name"] for i in inspect(conn).get_indexes("runs")}
        assert "ix_runs_status_lease_expires_at" in names
        assert not names & set(ACTIVE_RUN_INDEXES)
    lookups = await _run_lookups(f"sqlite:///{path}")  # upgrades to head again
    engine = await SqlTaskEngine.open(f"sqlite:///{path}")
    try:
        assert [(await engine.get_task(ref)).ref for ref in refs] == refs
    finally:
        await engine.close()
    with sqlite3.connect(path) as db:
        for sql, params in lookups:
            plan = " ".join(r[-1] for r in db.execute("EXPLAIN QUERY PLAN " + sql, params))
            assert any(index in plan for index in ACTIVE_RUN_INDEXES) or "(id=?)" in plan, (
                sql,
                plan,
            )


@pytest.mark.postgres
async def test_active_run_indexes_on_postgres(fresh_pg_url: str) -> None:
    """On PostgreSQL: the round trip leaves the declared schema, and the lookups the engine
    sends can use the partial indexes (sequential scans off: the tables are tiny)."""
    await pg_round_trip(fresh_pg_url, "0007_event_seq_after_xid")
    lookups = await _run_lookups(fresh_pg_url)
    conn = await asyncpg.connect(fresh_pg_url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        await conn.execute("SET enable_seqscan = off")
        for sql, params in lookups:
            for n in range(len(params), 0, -1):
                value = await conn.fetchval("SELECT quote_nullable($1::text)", str(params[n - 1]))
                sql = sql.replace(f"${n}", value)
            plan = " ".join(r[0] for r in await conn.fetch("EXPLAIN " + sql))
            assert any(i in plan for i in ACTIVE_RUN_INDEXES) or "pk_runs" in plan, (sql, plan)
    finally:
        await conn.close()


# ------------------------------------------------------------------------------ 0010 commands
@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def upgrade_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty database of the parameter's kind."""
    if request.param == "postgres":
        return str(request.getfixturevalue("fresh_pg_url"))
    return f"sqlite:///{tmp_path / 'old.db'}"


async def _downgrade(url: str, revision: str) -> None:
    if url.startswith("sqlite"):
        with downgraded(Path(url.split(":///", 1)[1]), revision):
            return
    async_engine = create_async_engine(url)
    try:
        async with async_engine.begin() as conn:
            await conn.run_sync(_alembic, "downgrade", revision)
    finally:
        await async_engine.dispose()


async def test_a_0009_database_keeps_its_commands_approved_by_their_creators(
    upgrade_url: str, tmp_path: Path
) -> None:
    """Existing users' tasks keep working after the upgrade: ``metadata.command`` tasks, and
    open tasks whose description held the ```sh block the old worker ran (copied into
    ``metadata.command``), are approved by whoever created them (``migration`` when the
    audit trail lost that), at their creation time. Finished tasks, other languages' blocks
    and plain tasks get no command. A real worker then runs exactly those commands."""
    ran = {name: tmp_path / name for name in ("meta", "fenced", "orphan", "done", "python")}
    refs: dict[str, str] = {}
    for actor, items in (
        ("carol", {"meta": {"metadata": {"command": f"echo ran >> {ran['meta']}"}}}),
        (
            "dave",
            {
                "fenced": {"description": f"First:\n\n```bash\necho ran >> {ran['fenced']}\n```"},
                "done": {"description": f"```sh\necho ran >> {ran['done']}\n```"},
                "python": {"description": f"```python\nopen('{ran['python']}', 'w')\n```"},
                "orphan": {"metadata": {"command": [f"echo ran >> {ran['orphan']}"]}},
                "plain": {"description": "Just words."},
            },
        ),
    ):
        engine = await SqlTaskEngine.open(upgrade_url, actor=actor)
        try:
            for key, fields in items.items():
                task = (
                    await engine.create_task(
                        TaskCreate(title=key, status=TaskStatus.READY, **fields)  # type: ignore[arg-type]
                    )
                ).task
                refs[key] = task.ref
                if key == "done":
                    await engine.transition_task(task.ref, TaskStatus.CANCELLED)
                if key == "orphan":
                    orphan_id = task.id
        finally:
            await engine.close()
    await _downgrade(upgrade_url, "0009_interruptions_lost_output")
    if upgrade_url.startswith("sqlite"):
        sqlite_exec(
            Path(upgrade_url.split(":///", 1)[1]),
            f"DELETE FROM events WHERE task_id = '{orphan_id}'",
        )
    else:
        await pg_execute(upgrade_url, f"DELETE FROM events WHERE task_id = '{orphan_id}'")

    engine = await SqlTaskEngine.open(upgrade_url, actor="someone-else")  # upgrades to head
    try:
        tasks = {key: await engine.get_task(ref) for key, ref in refs.items()}
        for key, creator in (("meta", "carol"), ("fenced", "dave"), ("orphan", "migration")):
            info = tasks[key].command
            assert info is not None, key
            assert (info.approved, info.approved_by, info.set_by) == (True, creator, creator)
            assert info.approved_at == info.set_at == tasks[key].created_at
        assert tasks["fenced"].metadata["command"] == f"echo ran >> {ran['fenced']}"
        assert tasks["fenced"].description.startswith("First:")  # the text is kept as it was
        for key in ("done", "python", "plain"):
            assert tasks[key].command is None, key
            assert "command" not in tasks[key].metadata
    finally:
        await engine.close()

    config = tmp_path / "taskyard.toml"
    config.write_text("[orchestrator]\npoll_seconds = 0.1\nheartbeat_seconds = 0.5\n")
    done = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "core.cli", "--db", upgrade_url, "worker", "--once"],
        cwd=ROOT,
        env={**os.environ, "TASKYARD_CONFIG": str(config)},
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert {k: p.exists() for k, p in ran.items()} == {
        "meta": True, "fenced": True, "orphan": True, "done": False, "python": False,
    }  # fmt: skip
    if upgrade_url.startswith("sqlite"):
        sync = create_engine(upgrade_url)
        try:
            with sync.connect() as conn:
                assert schema_drift(conn) == []
        finally:
            sync.dispose()
    else:
        async_engine = create_async_engine(upgrade_url)
        try:
            async with async_engine.connect() as conn:
                assert await conn.run_sync(schema_drift) == []
        finally:
            await async_engine.dispose()


# ------------------------------------------------------------------------------ 0012 list sorts
LIST_SORT_INDEXES = {
    "ix_tasks_updated_at_created_at_number_id",
    "ix_tasks_title_key_created_at_number_id",
    "ix_tasks_due_date_created_at_number_id",
}


async def seed_titles(url: str) -> None:
    engine = await SqlTaskEngine.open(url, actor="tester")
    try:
        for title in ("Zed", "Über", "apple"):
            await engine.create_task(TaskCreate(title=title))
    finally:
        await engine.close()


async def titles_by_title(url: str) -> list[str]:
    engine = await SqlTaskEngine.open(url, actor="tester")
    try:
        page = await engine.list_tasks_keyset(TaskQuery(sort=SortField.TITLE, descending=False))
        return [t.title for t in page.items]
    finally:
        await engine.close()


async def test_list_sort_migration_is_reversible_and_folds_existing_titles(
    tmp_path: Path,
) -> None:
    """0012 down to 0011 and up again: the indexes come back, old titles get their folded key."""
    path = tmp_path / "old.db"
    url = f"sqlite:///{path}"
    await seed_titles(url)
    with downgraded(path, "0011_api_tokens") as conn:
        assert "title_key" not in {c["name"] for c in inspect(conn).get_columns("tasks")}
        assert LIST_SORT_INDEXES.isdisjoint(i["name"] for i in inspect(conn).get_indexes("tasks"))
    assert await titles_by_title(url) == ["apple", "Zed", "Über"]  # upgraded on open
    sync = create_engine(url)
    try:
        with sync.connect() as conn:
            assert schema_drift(conn) == []
            names = {i["name"] for i in inspect(conn).get_indexes("tasks")}
            assert names >= LIST_SORT_INDEXES
            keys = sorted(r[0] for r in conn.execute(text("SELECT title_key FROM tasks")))
            assert keys == ["apple", "zed", "über"]
    finally:
        sync.dispose()


@pytest.mark.postgres
async def test_list_sort_migration_round_trip_on_postgres(fresh_pg_url: str) -> None:
    """On PostgreSQL too: down to 0011 and up again; existing titles get their folded key."""
    await pg_round_trip(fresh_pg_url, "0011_api_tokens")
    rows = await pg_execute(fresh_pg_url, "SELECT title, title_key FROM tasks ORDER BY title")
    assert rows == [("A", "a"), ("B", "b")]


# ------------------------------------------------------------------------------ 0013 orchestrators
async def test_orchestrators_migration_is_reversible(tmp_path: Path) -> None:
    """0013 down to 0012 and up again: the table goes and comes back, the schema matches."""
    path = tmp_path / "old.db"
    url = f"sqlite:///{path}"
    await seed_titles(url)
    with downgraded(path, "0012_list_sort_indexes") as conn:
        assert not inspect(conn).has_table("orchestrators")
    assert len(await titles_by_title(url)) == 3  # upgraded on open
    sync = create_engine(url)
    try:
        with sync.connect() as conn:
            assert schema_drift(conn) == []
            assert inspect(conn).has_table("orchestrators")
    finally:
        sync.dispose()


@pytest.mark.postgres
async def test_orchestrators_migration_round_trip_on_postgres(fresh_pg_url: str) -> None:
    """On PostgreSQL too: down to 0012 and up again, with the schema as the tables say."""
    await pg_round_trip(fresh_pg_url, "0012_list_sort_indexes")


# ------------------------------------------------------------------------------ 0014 newest first
NEWEST_FIRST_PAGE = (
    "SELECT id FROM tasks WHERE status NOT IN ('done', 'cancelled') "
    "ORDER BY created_at DESC, number DESC, id LIMIT 20 OFFSET 40"
)


async def test_newest_first_index_migration_is_reversible_and_serves_the_offset_list(
    tmp_path: Path,
) -> None:
    """0014 down to 0013 and up again: the index goes and comes back in the list's order,
    and a page of open tasks, newest first, is read from it without a sort."""
    path = tmp_path / "old.db"
    url = f"sqlite:///{path}"
    await seed_titles(url)
    with downgraded(path, "0013_orchestrators") as conn:
        assert "ix_tasks_newest_first" not in {
            i["name"] for i in inspect(conn).get_indexes("tasks")
        }
    assert len(await titles_by_title(url)) == 3  # upgraded on open
    sync = create_engine(url)
    try:
        with sync.connect() as conn:
            assert schema_drift(conn) == []
            ddl = conn.exec_driver_sql(
                "SELECT sql FROM sqlite_master WHERE name = 'ix_tasks_newest_first'"
            ).scalar_one()
            assert "created_at DESC, number DESC, id, status, priority_rank" in ddl, ddl
            plan = [r[-1] for r in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + NEWEST_FIRST_PAGE)]
            assert plan == ["SCAN tasks USING COVERING INDEX ix_tasks_newest_first"], plan
    finally:
        sync.dispose()


@pytest.mark.postgres
async def test_newest_first_index_migration_round_trip_on_postgres(fresh_pg_url: str) -> None:
    """On PostgreSQL too: down to 0013 and up again, the index in the list's order."""
    await pg_round_trip(fresh_pg_url, "0013_orchestrators")
    rows = await pg_execute(
        fresh_pg_url,
        "SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_tasks_newest_first'",
    )
    assert "(created_at DESC, number DESC, id, status, priority_rank)" in rows[0][0], rows


# ------------------------------------------------------------------------------ 0015 worker lease
async def test_worker_lease_migration_keeps_workers_and_judges_old_rows_by_the_readers_lease(
    tmp_path: Path,
) -> None:
    """0015 down to 0014 and up again: a worker registered before it keeps its row, with no
    lease of its own (the reader's lease judges it), and the schema matches the tables."""
    path = tmp_path / "old.db"
    url = f"sqlite:///{path}"
    engine = await SqlTaskEngine.open(url)
    try:
        await engine.register_worker("w1", host="h", pid=1, slots=2, lease_seconds=120)
    finally:
        await engine.close()
    with downgraded(path, "0014_newest_first_index") as conn:
        assert "lease_seconds" not in {c["name"] for c in inspect(conn).get_columns("workers")}
    engine = await SqlTaskEngine.open(url)  # upgraded on open
    try:
        [worker] = await engine.list_workers()
        assert (worker.id, worker.slots, worker.lease_seconds) == ("w1", 2, None)
    finally:
        await engine.close()
    sync = create_engine(url)
    try:
        with sync.connect() as conn:
            assert schema_drift(conn) == []
    finally:
        sync.dispose()


@pytest.mark.postgres
async def test_worker_lease_migration_round_trip_on_postgres(fresh_pg_url: str) -> None:
    """On PostgreSQL too: down to 0014 and up again, the schema as the tables say."""
    await pg_round_trip(fresh_pg_url, "0014_newest_first_index")
