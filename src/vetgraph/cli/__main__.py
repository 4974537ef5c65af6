"""``python -m vetgraph.cli``: the same command as the ``vetgraph`` console script."""

import sys

from .main import main

sys.exit(main())
