"""The ``vetgraph`` command line: one module per command group.

:func:`main` is the console script (``vetgraph = "vetgraph.cli:main"``) and
``python -m vetgraph.cli`` runs it too; nothing outside this package imports it.
"""

from .main import main

__all__ = ["main"]
