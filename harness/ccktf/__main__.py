"""``python3 -m ccktf``: see ccktf.cli."""

import sys

from .cli import main

sys.exit(main())
