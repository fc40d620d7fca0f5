"""SqlTaskEngine: taskyard's store on SQLAlchemy Core, for SQLite and PostgreSQL."""
