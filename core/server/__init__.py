"""The taskyard server: FastAPI over one ``TaskEngine`` (placeholder docstring, see below)."""
