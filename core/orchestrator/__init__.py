"""The orchestrator: config, agent profiles, prompts, step executor, worker pool, quick actions.

Nothing here is imported by ``core`` at start-up; the CLI's ``worker``, ``run --wait`` and
``quick`` commands (and the TUI's embedded pool) import the modules they need.
"""
