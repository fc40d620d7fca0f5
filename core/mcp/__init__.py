"""The MCP server: coding agents plan, claim and finish work through taskyard's ``TaskEngine``.

How it fits together:

* ``server.build_server(engine, guard)`` makes the ``MCPServer`` (the official SDK's). Every
  tool, resource and prompt reaches the engine through ``server.calls(ctx)``: the engine as
  the caller, and the caller's ``guard.Guard`` (what it may write and which projects it
  sees). The rules are the engine's; tools only shape arguments and answers.
* ``tools_tasks`` (the queue, find, show, create, update, move, dependencies),
  ``tools_work`` (claim, renew, progress, finish: the fenced claim an agent works under),
  ``tools_plan`` (PRD preview and commit, the event feed) and ``generic`` (``describe`` and
  ``do``: the rest of the engine behind two tools, so the listing stays small).
* ``results`` makes every answer: compact JSON by default (refs, titles, states), the
  models in full when a tool is asked for ``full``. ``errors`` turns a ``TaskyardError`` into
  a tool error carrying the same code, message, hint and details as the CLI and the API.
* ``resources``: a task and the board summary as resources, and the PRD-to-plan prompt.

Two transports serve it: ``taskyard mcp`` (stdio, ``core.cli.commands.mcp``) on the CLI's
engine with a ``guard.LocalGuard`` (the local user, as ``--actor``, may do anything), and
``/mcp`` in ``taskyard serve`` (``core.server.mcp_mount``), where each request's bearer
token makes its guard.
The SDK loads only when one of them starts, so the package root imports nothing heavy.
"""
