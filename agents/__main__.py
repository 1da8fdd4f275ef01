"""``python -m agents`` is the ``wirewatch`` command."""

import sys

from agents.cli import main

sys.exit(main())
