"""Workbooks in, validated RDF out: templates, imports and report tables for data stewards.

No Flask here, and nothing heavy at import time: the CLI imports this package lazily.
"""
