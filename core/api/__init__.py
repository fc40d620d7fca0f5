"""The v2 HTTP API described as data, shared by the server and remote clients.

``endpoints`` is the table of ``TaskEngine`` methods and their routes, ``endpoint`` the
shape of an entry, ``outside`` the methods served otherwise, and ``schemas``,
``run_schemas`` and ``quick_run_schemas`` the wire models where the API's shape differs
from the engine's. Pure: pydantic and ``core.domain`` only (an import-linter contract), so
a client imports it without the server's framework.
"""
