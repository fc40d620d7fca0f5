"""A real ``taskyard serve`` subprocess for the remote-mode benchmarks (not a test module).

The server runs the code of this checkout (``PYTHONPATH`` is the repository root, which wins
over an editable install of another checkout) on a database the caller copied for it, without
rate limits, and is stopped with SIGTERM as systemd would. Its token is made with
``taskyard token create`` on the same file before it starts, so the benchmark imports nothing
of taskyard itself.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path
from types import TracebackType

from _common import ROOT

LISTENING = "taskyard server listening on "
START_TIMEOUT = 120.0
"""Seconds for the server to start: imports and a first open of a 100k-task file, loaded."""


def bench_env(folder: Path) -> dict[str, str]:
    """An environment for taskyard processes: this checkout's code, no user settings.

    Bytecode is cached under ``folder`` (like an installed taskyard; this environment
    exports ``PYTHONDONTWRITEBYTECODE``), and the config and data folders are empty ones
    there, so no stored login, taskyard.toml or ``TASKYARD_*`` variable changes a run.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("TASKYARD_")}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.update(
        PYTHONPATH=str(ROOT),
        PYTHONPYCACHEPREFIX=str(folder / "pycache"),
        TASKYARD_CONFIG_DIR=str(folder / "config"),
        TASKYARD_DATA_DIR=str(folder / "data"),
        XDG_CONFIG_HOME=str(folder / "xdg"),
        TASKYARD_ACTOR="bench",
    )
    return env


def taskyard_argv() -> list[str]:
    """The ``taskyard`` console script next to this interpreter, else ``python -m core.cli``."""
    script = Path(sys.executable).with_name("taskyard")
    return [str(script)] if script.exists() else [sys.executable, "-m", "core.cli"]


def issue_token(db: Path, env: dict[str, str], *, scope: str = "read") -> str:
    """A new token on ``db`` (``taskyard token create``), its secret."""
    out = subprocess.run(
        [*taskyard_argv(), "--db", str(db), "--json", "token", "create", "bench", "--scope", scope],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    return str(json.loads(out.stdout)["token"])


class BenchServer:
    """``taskyard --db DB serve --port 0 --rate-limit 0``; ``url`` once it listens."""

    def __init__(self, db: Path, env: dict[str, str], log: Path) -> None:
        self.url = ""
        self._listening = threading.Event()
        argv = [*taskyard_argv(), "--db", str(db), "serve", "--port", "0", "--rate-limit", "0"]
        with log.open("wb") as err:
            self.process = subprocess.Popen(
                argv, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=err, text=True
            )
        self.log = log

    def __enter__(self) -> BenchServer:
        threading.Thread(target=self._read_stdout, daemon=True).start()
        if not self._listening.wait(START_TIMEOUT) or not self.url:
            self.stop()
            raise SystemExit(f"the server did not start; its log:\n{self.log.read_text()}")
        return self

    def _read_stdout(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            if not self.url and line.startswith(LISTENING):
                self.url = line[len(LISTENING) :].strip()
                self._listening.set()
        self._listening.set()  # it ended without listening

    def stop(self) -> None:
        """SIGTERM, then wait (a kill after 30 s)."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
