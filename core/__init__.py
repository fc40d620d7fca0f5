"""taskyard's core: domain, engine interface, store, CLI.

The package root imports nothing so that ``taskyard --version`` and ``import core`` stay cheap.
"""

__version__ = "0.1.0"
