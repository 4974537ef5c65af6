"""vetgraph: a knowledge graph of vocational education quality reports."""

__version__ = "0.1.0"
