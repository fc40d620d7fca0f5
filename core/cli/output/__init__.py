"""What the CLI prints: one JSON envelope for programs, plain concise text for people.

Kept apart from argument parsing so that the words and the envelope shape live in one place:
``writer`` prints (envelopes, text lines, errors); the other modules turn models into lines,
by what they show (``lists``, ``task``, ``imports``, ``runs``), with the small helpers of
``text``. Nothing here imports pydantic, SQLAlchemy or the store at run time: models arrive
already built and their types are named for the checker only, so importing the CLI (and
``taskyard --version``) stays fast. The text output uses no colour and no box drawing: every
line reads the same in a terminal, a log file and a screen reader.
"""
