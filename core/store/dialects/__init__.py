"""Dialect-specific connection setup and statements (SQLite, PostgreSQL)."""
