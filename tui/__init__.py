"""taskyard's Textual interface: the board, task detail and forms over ``TaskEngine``."""
