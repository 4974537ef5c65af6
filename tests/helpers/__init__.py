"""The tests' helpers, one package (``from helpers.support import ...``): ``support`` (the
fixture tree, its counts, running the CLI), ``live`` (the live server with ``requests``
conveniences), ``browser`` (headless chromium, offline), ``web`` (the served tree and its
answers), ``linked`` (canonical RDF, raptor, pyld), ``queries`` (the project's store for the
named queries), ``networks`` (IRIs of the network views) and ``deny_unshare`` (a launcher
script). Starting a server or a Virtuoso is in the package, :mod:`vetgraph.testing`, so that
bench/ imports it too."""
