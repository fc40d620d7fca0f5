"""One router per resource; ``core.server.app`` includes each (see ``core/server/__init__.py``)."""
