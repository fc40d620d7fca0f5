"""``python -m tui`` and the board half of ``taskyard``: settings in, app built, app run.

``make_app`` is the one place an app is built, so the console script, the tests and the
screenshot script all get the same app.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from core.engine import TaskEngine
from core.errors import TaskyardError
from tui.embedded import EmbeddedPool, PoolFactory
from tui.settings import TuiSettings, build_settings, remembered_path

if TYPE_CHECKING:  # the app (and Textual) is imported once the early board read has started
    from tui.app import Clock, EngineFactory, TaskyardApp
    from tui.first_board import EarlyRead


def engine_factory_for(settings: TuiSettings) -> EngineFactory:
    """Open the engine the settings name (the SQLite default, a file, or a URL)."""

    async def open_it() -> TaskEngine:
        from core.bootstrap import open_engine
        from core.config_file import Limits

        limits = Limits.from_config(settings.config)
        return await open_engine(
            settings.db, actor=settings.actor, attachment_max_bytes=limits.attachment_max_bytes
        )

    return open_it


def pool_factory_for(settings: TuiSettings) -> PoolFactory:
    """The embedded worker pool: ``WorkerPool`` with the pipelines of taskyard.toml."""

    def build(engine: TaskEngine) -> EmbeddedPool:
        from core.orchestrator.config import OrchestratorConfig
        from core.orchestrator.pool import WorkerPool

        config = OrchestratorConfig.from_config(settings.config)
        return WorkerPool(engine, config, slots=settings.worker_slots)

    return build


def make_app(
    settings: TuiSettings,
    engine_factory: EngineFactory | None = None,
    *,
    clock: Clock | None = None,
    early_board: EarlyRead | None = None,
) -> TaskyardApp:
    """The app for ``settings``; tests may pass their own engine factory and clock.

    ``early_board`` is the first board already being read (``read_board_early``): the board
    shows it, and the app opens its own engine after the first frame.
    """
    from tui.app import TaskyardApp

    return TaskyardApp(
        settings,
        engine_factory or engine_factory_for(settings),
        pool_factory=pool_factory_for(settings),
        early_board=early_board,
        **({"clock": clock} if clock is not None else {}),
    )


def run_from_args(args: argparse.Namespace) -> int:
    """Run the board for the CLI's parsed global options; returns the exit code."""
    from core.config_file import load_config

    try:
        settings = build_settings(
            config=load_config(),
            db=args.db,
            actor=args.actor,
            screen_reader=args.screen_reader,
            show_cursor=args.show_cursor,
            theme=args.theme,
            animations=False if args.no_animations else None,
            remember_in=remembered_path(),
        )
    except TaskyardError as exc:
        print(f"taskyard: {exc.message}", file=sys.stderr)
        if exc.hint:
            print(f"Hint: {exc.hint}", file=sys.stderr)
        return exc.exit_code
    from core.cli.session import remote_server

    try:
        server = remote_server(args)
    except TaskyardError as exc:
        print(f"taskyard: {exc.message}", file=sys.stderr)
        return exc.exit_code
    if server is not None:
        return _run_remote(settings, server, args)
    from core.early_board import read_board_early
    from tui.first_board import first_board_query

    # Before Textual is imported (and before any thread exists, for the fork): the helper
    # imports the store, opens the database and reads the board on the other core meanwhile.
    early = read_board_early(settings.db, actor=settings.actor, query=first_board_query(settings))
    result = make_app(settings, early_board=early).run()
    return result or 0


def _run_remote(settings: TuiSettings, server: str, args: argparse.Namespace) -> int:
    """The board on a taskyard server: the same app over ``HttpTaskEngine``.

    The first board is asked of the server in a thread before Textual is imported
    (``core.remote.early_board``). No embedded workers: against a server, workers run where
    ``taskyard worker --server`` is started.
    """
    from core.cli.session import token_option
    from core.remote.early_board import read_board_early_remote
    from tui.first_board import first_board_query

    token = token_option(args)
    early = read_board_early_remote(server, token, first_board_query(settings))
    result = remote_app(settings, server, token, early_board=early).run()
    return result or 0


def remote_app(
    settings: TuiSettings,
    server: str,
    token: str | None,
    *,
    early_board: EarlyRead | None = None,
) -> TaskyardApp:
    """The app on the server at ``server``, its connection line fed by the event stream.

    A token pasted into the re-login dialog opens a new engine on the same server, which
    the app uses from then on. ``early_board``: the first board, already asked for; the
    engine opens once it is painted.
    """
    from tui.app import TaskyardApp

    async def open_with(secret: str | None) -> TaskEngine:
        from core.bootstrap import open_remote_engine

        return await open_remote_engine(server, secret, on_status=app.connection.report_status)

    async def reopen(secret: str) -> None:
        try:
            engine = await open_with(secret)
        except TaskyardError as exc:
            app.report_error(exc, title="That token was not accepted")
            app.connection.ask_to_log_in()
            return
        await app.replace_engine(engine)

    app = TaskyardApp(settings, lambda: open_with(token), early_board=early_board)
    app.connection.watch_server(server, reopen=reopen)
    return app


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m tui [global options]``: the same as ``taskyard`` with no command."""
    from core.cli import main as cli_main

    return cli_main(argv, open_board=run_from_args)


if __name__ == "__main__":
    sys.exit(main())
