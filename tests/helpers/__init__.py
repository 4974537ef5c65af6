"""The tests' helpers, one package (``from helpers.support import ...``): ``support`` (the
fixture tree, its counts, running the CLI), ``browser`` (headless chromium, offline), ``web``
(the served tree and its answers), ``linked`` (canonical RDF, raptor, pyld), ``queries`` (the
project's store for the named queries), ``networks`` (IRIs of the network views) and
``deny_unshare`` (a launcher script). The live-server and Virtuoso helpers are in the package,
:mod:`vetgraph.testing`, so that bench/ imports them too."""
