"""SHACL validation: the core screen, SPARQL constraints, findings queries and report formats.

Reads sources or graphs, never the web layer; :mod:`vetgraph.build` refuses a build on a
violation this package reports.
"""
