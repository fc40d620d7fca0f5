"""``python -m core.cli``: the same as the ``taskyard`` command, without the interactive board."""

import sys

from core.cli import main

sys.exit(main())
