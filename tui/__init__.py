"""taskyard's Textual interface (built in the TUI issue; nothing here yet)."""
