"""SQLite failures caused by the machine are said as such: another process holding the write
lock (waited out, then "busy"), a full disk, a read-only file or folder, a corrupt file; and a
database in a folder taskyard cannot write can still be read."""

from __future__ import annotations

import errno
import os
import shutil
import sqlite3
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from core.domain.commands import BoardQuery, TaskCreate, TaskQuery
from core.errors import DatabaseBusyError, StorageError
from core.store.dialects import sqlite as sqlite_dialect
from core.store.engine import SqlTaskEngine
from tests.fixtures.databases import copy_migrated_sqlite

DRIVERS = [pytest.param("sqlite", id="sqlite"), pytest.param("sqlite+aiosqlite", id="aiosqlite")]


@contextmanager
def write_lock_held(path: Path, seconds: float) -> Iterator[None]:
    """Another connection holds ``BEGIN IMMEDIATE`` on ``path`` for ``seconds`` (or until exit)."""
    held = threading.Event()
    release = threading.Event()

    def hold() -> None:
        conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        try:
            conn.execute("BEGIN IMMEDIATE")
            held.set()
            release.wait(seconds)
            conn.execute("ROLLBACK")
        finally:
            conn.close()

    thread = threading.Thread(target=hold, daemon=True)
    thread.start()
    assert held.wait(10)
    try:
        yield
    finally:
        release.set()
        thread.join(10)


@pytest.fixture
def db(tmp_path: Path, sqlite_template: Path) -> Path:
    """A migrated SQLite file nobody has open."""
    path = tmp_path / "data" / "taskyard.db"
    path.parent.mkdir()
    copy_migrated_sqlite(sqlite_template, path)
    return path


async def open_engine(path: Path, driver: str = "sqlite") -> SqlTaskEngine:
    return await SqlTaskEngine.open(f"{driver}:///{path}", actor="tester")


def sqlite_rows(path: Path, sql: str) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


@contextmanager
def immutable(path: Path) -> Iterator[None]:
    """``chattr +i`` on a file or folder (even root cannot write it), undone on exit."""
    done = subprocess.run(["chattr", "+i", str(path)], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"chattr +i is not available here: {done.stderr.strip()}")
    try:
        yield
    finally:
        subprocess.run(["chattr", "-i", str(path)], check=True)


@contextmanager
def small_disk(folder: Path, size: str) -> Iterator[Path]:
    """A tmpfs of ``size`` mounted on ``folder`` (root only), unmounted on exit."""
    folder.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {done.stderr.strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=True)


def fill_disk(folder: Path) -> Path:
    """Write a file in ``folder`` until the disk is full; returns it."""
    ballast = folder / "ballast.bin"
    with ballast.open("wb", buffering=0) as f:
        try:
            while True:
                f.write(b"\0" * 65536)
        except OSError as exc:
            if exc.errno != errno.ENOSPC:
                raise
    return ballast


async def write_until_refused(engine: SqlTaskEngine) -> StorageError:
    """Add tasks until the store refuses one; returns the refusal."""
    for i in range(500):
        try:
            await engine.create_task(TaskCreate(title=f"filler {i}", description="x" * 4000))
        except StorageError as exc:
            return exc
    raise AssertionError("the disk never filled up")


def replace_with_noise(path: Path) -> None:
    path.write_bytes(os.urandom(8192))


def scribble_on_pages(path: Path) -> None:
    """Overwrite the start of every page after the first (the header stays intact)."""
    data = bytearray(path.read_bytes())
    page = int.from_bytes(data[16:18], "big")
    for n in range(2, len(data) // page):
        data[n * page : n * page + 200] = os.urandom(200)
    path.write_bytes(bytes(data))


async def open_and_list(path: Path) -> None:
    engine = await open_engine(path)
    try:
        await engine.list_tasks(TaskQuery(limit=500))
    finally:
        await engine.close()


# ------------------------------------------------------------------------------ write lock
@pytest.mark.parametrize("driver", DRIVERS)
async def test_a_write_waits_for_a_lock_held_longer_than_the_busy_timeout(
    db: Path, driver: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another process holding the write lock past one busy timeout only delays a write:
    BEGIN IMMEDIATE is tried again until the lock wait is used up."""
    monkeypatch.setenv(sqlite_dialect.LOCK_WAIT_ENV, "6")  # busy timeout: 1 s per attempt
    engine = await open_engine(db, driver)
    try:
        start = time.monotonic()
        with write_lock_held(db, 2.5):
            created = await engine.create_task(TaskCreate(title="after the lock"))
        assert time.monotonic() - start >= 2
        assert (await engine.get_task(created.task.ref)).title == "after the lock"
    finally:
        await engine.close()


@pytest.mark.parametrize("driver", DRIVERS)
async def test_a_write_that_outwaits_the_lock_wait_fails_as_busy(
    db: Path, driver: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past the lock wait the write fails with a storage error that says the database is busy
    and why (not a raw driver error, which the CLI reports as a bug and which killed workers)."""
    monkeypatch.setenv(sqlite_dialect.LOCK_WAIT_ENV, "0.6")
    engine = await open_engine(db, driver)
    try:
        start = time.monotonic()
        with write_lock_held(db, 30), pytest.raises(DatabaseBusyError) as err:
            await engine.create_task(TaskCreate(title="never written"))
        assert time.monotonic() - start < 6
        assert isinstance(err.value, StorageError)
        assert err.value.exit_code == 6
        assert "The database is busy (another process holds its write lock" in err.value.message
        assert "import or a worker" in err.value.message
        assert "bug" not in str(err.value).lower()
        assert (await engine.list_tasks(TaskQuery())).items == []
    finally:
        await engine.close()


def test_the_lock_wait_setting() -> None:
    """``TASKYARD_LOCK_WAIT`` sets the wait; nonsense falls back to the default of a minute."""
    assert sqlite_dialect.lock_wait_seconds({}) == 60
    assert sqlite_dialect.lock_wait_seconds({"TASKYARD_LOCK_WAIT": "2.5"}) == 2.5
    assert sqlite_dialect.lock_wait_seconds({"TASKYARD_LOCK_WAIT": "soon"}) == 60
    assert sqlite_dialect.lock_wait_seconds({"TASKYARD_LOCK_WAIT": "-1"}) == 60
    assert sqlite_dialect.busy_timeout_ms(60) == 10_000
    assert sqlite_dialect.busy_timeout_ms(0.01) == 50


# ------------------------------------------------------------------------------ disk full
async def test_a_full_disk_is_named_with_the_folder_and_its_free_space(tmp_path: Path) -> None:
    """Out of space, a write says "disk full" with the folder and the free space, and the
    database keeps working once space is freed."""
    with small_disk(tmp_path / "small", "3m") as folder:
        path = folder / "t.db"
        engine = await open_engine(path)
        try:
            await engine.create_task(TaskCreate(title="before"))
            ballast = fill_disk(folder)
            message = str(await write_until_refused(engine))
            assert f"The disk is full: free space in {folder}" in message
            assert "MB free" in message
            assert "server" not in message
            assert "URL" not in message
            ballast.unlink()
            await engine.create_task(TaskCreate(title="after freeing space"))
            titles = [t.title for t in (await engine.list_tasks(TaskQuery(limit=500))).items]
            assert "before" in titles
            assert "after freeing space" in titles
        finally:
            await engine.close()


# ------------------------------------------------------------------------------ read-only
async def test_a_read_only_file_reads_and_refuses_writes_with_the_reason(db: Path) -> None:
    """A database file nobody may write still lists and shows tasks; a write says there is no
    write permission on the file (not a server or URL problem)."""
    engine = await open_engine(db)
    ref = (await engine.create_task(TaskCreate(title="kept"))).task.ref
    await engine.close()
    with immutable(db):
        engine = await open_engine(db)
        try:
            assert (await engine.get_task(ref)).title == "kept"
            with pytest.raises(StorageError) as err:
                await engine.create_task(TaskCreate(title="refused"))
            assert f"No write permission on {db}" in err.value.message
            assert "server" not in str(err.value)
            assert "URL" not in str(err.value)
        finally:
            await engine.close()
    assert [r[0] for r in sqlite_rows(db, "SELECT title FROM tasks")] == ["kept"]


@pytest.mark.parametrize("driver", DRIVERS)
async def test_a_database_in_a_read_only_folder_can_still_be_read(db: Path, driver: str) -> None:
    """SQLite must create FILE-wal and FILE-shm next to a WAL database even to read it; in a
    folder it cannot write, taskyard opens the file read-only instead, so listing and showing
    work, and a write names the folder as the reason."""
    engine = await open_engine(db)
    ref = (await engine.create_task(TaskCreate(title="readable"))).task.ref
    await engine.close()
    assert not db.with_name(db.name + "-shm").exists()
    with immutable(db.parent):
        engine = await open_engine(db, driver)
        try:
            assert (await engine.get_task(ref)).title == "readable"
            assert [t.ref for t in (await engine.list_tasks(TaskQuery())).items] == [ref]
            await engine.board(BoardQuery())
            with pytest.raises(StorageError) as err:
                await engine.create_task(TaskCreate(title="refused"))
            message = str(err.value)
            assert f"The folder {db.parent} is read-only" in message
            assert "taskyard.db-wal and taskyard.db-shm" in message
            assert "URL" not in message
        finally:
            await engine.close()
    assert sorted(p.name for p in db.parent.iterdir()) == ["taskyard.db"]


async def test_a_read_only_folder_with_changes_only_in_the_wal_is_refused_clearly(
    db: Path,
) -> None:
    """A -wal with commits the file lacks cannot be read without its -shm: reading the file
    alone would show old data, so taskyard refuses and says how to fix it."""
    keep = sqlite3.connect(db, isolation_level=None)
    keep.execute("PRAGMA wal_autocheckpoint=0")
    keep.execute("CREATE TABLE scratch (note TEXT)")
    keep.execute("INSERT INTO scratch VALUES ('only in the wal')")
    # Leave the -wal behind as a crash would: copy it aside, close, put it back.
    wal = db.with_name(db.name + "-wal").read_bytes()
    keep.close()
    db.with_name(db.name + "-wal").write_bytes(wal)
    db.with_name(db.name + "-shm").unlink(missing_ok=True)
    assert len(wal) > 0
    with immutable(db.parent), pytest.raises(StorageError) as err:
        await open_engine(db)
    message = str(err.value)
    assert f"the folder {db.parent} is read-only" in message
    assert "taskyard.db-wal holds changes not yet in the file" in message
    assert "URL" not in message


# ------------------------------------------------------------------------------ corrupt
async def test_a_corrupt_file_is_said_to_be_corrupt_with_the_way_out(db: Path) -> None:
    """Garbage in the file: the error says it is corrupt and points to the newest backup and to
    ``sqlite3 FILE .recover``."""
    backup = db.with_name(db.name + ".before-0009-from-0008-20260101T000000Z")
    shutil.copyfile(db, backup)
    replace_with_noise(db)
    with pytest.raises(StorageError) as err:
        await open_engine(db)
    message = str(err.value)
    assert f"The database file {db} is corrupt" in message
    assert str(backup) in message
    assert f"sqlite3 {db} .recover" in message
    assert "bug" not in message.lower()
    assert "URL" not in message


async def test_damaged_pages_are_said_to_be_corrupt(db: Path) -> None:
    """Pages overwritten in the middle of the file (the header intact) read as "corrupt"."""
    engine = await open_engine(db)
    for i in range(300):
        await engine.create_task(TaskCreate(title=f"task {i}", description="d" * 500))
    await engine.close()
    scribble_on_pages(db)
    with pytest.raises(StorageError) as err:
        await open_and_list(db)
    assert "is corrupt" in str(err.value)
    assert ".recover" in str(err.value)


# ------------------------------------------------------------------------------ upgrades
def downgrade(path: Path, revision: str) -> None:
    """Take a SQLite file's schema back to ``revision``, as an older taskyard left it."""
    from alembic import command
    from alembic.config import Config
    from sqlalchemy import create_engine

    from core.store import migrate

    sync = create_engine(f"sqlite:///{path}")
    try:
        with sync.begin() as conn:
            config = Config()
            config.set_main_option("script_location", str(migrate.MIGRATIONS_DIR))
            config.attributes["connection"] = conn
            command.downgrade(config, revision)
    finally:
        sync.dispose()


def backups_of(path: Path) -> list[str]:
    return sorted(p.name for p in path.parent.iterdir() if ".before-" in p.name)


async def test_an_upgrade_of_a_read_only_file_says_so_and_copies_it_once(db: Path) -> None:
    """An old-schema file that cannot be written: the upgrade fails naming the permission
    (not "report a bug"), keeps its one good backup, and later attempts add no copies."""
    engine = await open_engine(db)
    await engine.create_task(TaskCreate(title="old data"))
    await engine.close()
    downgrade(db, "0008_active_run_indexes")
    with immutable(db):
        for _ in range(3):
            with pytest.raises(StorageError) as err:
                await open_engine(db)
            message = str(err.value)
            assert "the database was not changed" in message
            assert f"No write permission on {db}" in message
            assert "bug" not in message.lower()
        [copy] = backups_of(db)
        assert "-from-0008_active_run_indexes-" in copy
    engine = await open_engine(db)
    try:
        assert [t.title for t in (await engine.list_tasks(TaskQuery())).items] == ["old data"]
    finally:
        await engine.close()
    assert backups_of(db) == [copy]


async def test_an_upgrade_without_room_for_its_backup_is_refused_before_copying(
    tmp_path: Path, sqlite_template: Path
) -> None:
    """On a full disk the upgrade says how much room the backup needs and how much is free,
    leaves no partial copy eating the space, and goes through once space is freed."""
    with small_disk(tmp_path / "small", "3m") as folder:
        path = folder / "t.db"
        copy_migrated_sqlite(sqlite_template, path)
        engine = await open_engine(path)
        for i in range(20):
            await engine.create_task(TaskCreate(title=f"task {i}", description="d" * 8000))
        await engine.close()
        downgrade(path, "0008_active_run_indexes")
        ballast = folder / "ballast.bin"
        room = os.statvfs(folder).f_bavail * os.statvfs(folder).f_frsize
        ballast.write_bytes(b"\0" * max(0, room - path.stat().st_size // 2))
        for _ in range(2):
            with pytest.raises(StorageError) as err:
                await open_engine(path)
            message = str(err.value)
            assert "The upgrade needs a backup copy of" in message
            assert f"MB are free in {folder}" in message
            assert "server" not in message
            assert backups_of(path) == []
        ballast.unlink()
        engine = await open_engine(path)
        try:
            assert len((await engine.list_tasks(TaskQuery(limit=500))).items) == 20
        finally:
            await engine.close()
        assert len(backups_of(path)) == 1


async def test_an_upgrade_in_a_read_only_folder_says_the_backup_cannot_be_written(
    db: Path,
) -> None:
    """An old-schema file in a folder taskyard cannot write: the upgrade is refused before any
    copy, naming the folder, not a server or a bug; the file is unchanged."""
    downgrade(db, "0008_active_run_indexes")
    before = sqlite_rows(db, "SELECT version_num FROM alembic_version")
    with immutable(db.parent), pytest.raises(StorageError) as err:
        await open_engine(db)
    message = str(err.value)
    assert f"The upgrade needs to write a backup copy of taskyard.db in {db.parent}" in message
    assert "read-only" in message
    assert "server" not in message
    assert "bug" not in message.lower()
    assert sqlite_rows(db, "SELECT version_num FROM alembic_version") == before
    assert backups_of(db) == []
