"""Running the app under uvicorn: one process on the engine already open, or N on PostgreSQL.

``taskyard serve`` opens (and migrates) the database first, as every command does, so a
schema problem is reported before a port is taken. One process serves a view of that
engine. Several processes (``--workers N``, PostgreSQL only: SQLite has one writer) are
uvicorn's supervisor; each worker opens its own engine from ``TASKYARD_DB``.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import uvicorn
from fastapi import FastAPI
from uvicorn.supervisors.multiprocess import Multiprocess

from core.config import DB_ENV
from core.engine import TaskEngine
from core.server.app import create_app
from core.server.settings import ServerSettings


@dataclass(frozen=True)
class ServeOptions:
    """Where and how to listen."""

    host: str = "127.0.0.1"
    port: int = 8765
    """0: any free port (the line printed once listening says which)."""
    workers: int = 1
    ssl_certfile: str | None = None
    ssl_keyfile: str | None = None

    @property
    def scheme(self) -> str:
        """``https`` with a certificate, else ``http``."""
        return "https" if self.ssl_certfile else "http"


def log_config() -> dict[str, Any]:
    """Logging for the server's processes: uvicorn's messages and taskyard's, on stderr.

    uvicorn's own access log is off: ``taskyard.access`` logs every request with its id.
    """
    handler = {"class": "logging.StreamHandler", "stream": "ext://sys.stderr"}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
        "handlers": {"stderr": {**handler, "formatter": "plain"}},
        "loggers": {
            "uvicorn": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
            "taskyard": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
        },
    }


def _config(app: FastAPI | str, options: ServeOptions, **extra: Any) -> uvicorn.Config:
    return uvicorn.Config(
        app,
        host=options.host,
        port=options.port,
        ssl_certfile=options.ssl_certfile,
        ssl_keyfile=options.ssl_keyfile,
        access_log=False,
        log_config=log_config(),
        server_header=False,
        **extra,
    )


class _Server(uvicorn.Server):
    """uvicorn's server that says when it listens, minus re-raising the signal that stopped it.

    uvicorn shuts down gracefully on SIGINT or SIGTERM and then raises the signal again,
    which made a normal stop (Ctrl-C, ``systemctl stop``) end as an interrupted command.
    Stopping is how a server ends, so ``serve`` exits 0.
    """

    def __init__(self, config: uvicorn.Config, on_listening: Callable[[int], None]) -> None:
        super().__init__(config)
        self._on_listening = on_listening

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        """Start, then report the port the socket listens on (``--port 0`` picks one)."""
        await super().startup(sockets)
        if self.started:
            ports = [s.getsockname()[1] for server in self.servers for s in server.sockets]
            self._on_listening(ports[0] if ports else self.config.port)

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        """Turn SIGINT and SIGTERM into a graceful shutdown while serving."""
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        handled = (signal.SIGINT, signal.SIGTERM)
        original = {sig: signal.signal(sig, self.handle_exit) for sig in handled}
        try:
            yield
        finally:
            for sig, handler in original.items():
                signal.signal(sig, handler)


async def serve_one(
    engine: TaskEngine,
    options: ServeOptions,
    on_listening: Callable[[str], None],
    settings: ServerSettings,
) -> None:
    """Serve ``engine`` (already open; the caller closes it) until SIGINT or SIGTERM.

    ``on_listening`` gets the URL once the socket accepts requests.
    """

    async def open_view() -> TaskEngine:
        return engine.acting_as("taskyard-server")

    config = _config(create_app(open_view, settings), options)
    await _Server(config, lambda port: on_listening(_url(options, port))).serve()


def serve_many(
    db_url: str,
    options: ServeOptions,
    on_listening: Callable[[str], None],
    settings: ServerSettings,
) -> None:
    """Run ``options.workers`` server processes on one socket until SIGINT or SIGTERM.

    Blocking: uvicorn's supervisor restarts a worker that dies. ``on_listening`` is called
    once every worker is serving. Each process reads ``settings`` from the environment.
    """
    os.environ[DB_ENV] = db_url
    os.environ.update(settings.environment())
    config = _config(
        "core.server.serve:app_from_environment",
        options,
        factory=True,
        workers=options.workers,
    )
    sock = config.bind_socket()
    port = sock.getsockname()[1]
    _Supervisor(config, [sock], lambda: on_listening(_url(options, port))).run()


class _Supervisor(Multiprocess):
    """uvicorn's multiprocess supervisor that says when every worker is serving."""

    def __init__(
        self, config: uvicorn.Config, sockets: list[socket.socket], on_ready: Callable[[], None]
    ) -> None:
        super().__init__(config, sockets)
        self._on_ready = on_ready

    def init_processes(self) -> None:
        """Start the workers, wait until each serves, then report.

        A worker may take longer than one health-check interval to start on a busy machine
        (opening the engine, migrating, starting the event follower): it is waited for as
        long as it lives, so the listening line comes late rather than never. One that dies
        is left to the supervisor's loop, which stops everything when it failed at start.
        """
        super().init_processes()
        timeout = self.config.timeout_worker_healthcheck
        for process in self.processes:
            while not process.wait_until_ready(timeout, self.should_exit):
                if self.should_exit.is_set() or not process.process.is_alive():
                    return
        self._on_ready()


def app_from_environment() -> FastAPI:
    """The app of one ``--workers`` process: its engine opens on ``TASKYARD_DB``.

    Its settings are the parent's (``serve_many`` put them in the environment) and
    taskyard.toml's ``[limits]`` and ``[orchestrator]``, read again here.
    """
    from core.bootstrap import open_engine
    from core.config_file import load_config
    from core.orchestrator.config import OrchestratorConfig

    config = load_config()
    settings = ServerSettings.load(config, os.environ)
    orchestrator = OrchestratorConfig.from_config(config)

    async def open_from_environment() -> TaskEngine:
        return await open_engine(
            os.environ[DB_ENV],
            actor="taskyard-server",
            attachment_max_bytes=settings.attachment_max_bytes,
            **orchestrator.engine_options(),
        )

    return create_app(open_from_environment, settings)


def _url(options: ServeOptions, port: int) -> str:
    host = options.host
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"  # an IPv6 address
    return f"{options.scheme}://{host}:{port}"
