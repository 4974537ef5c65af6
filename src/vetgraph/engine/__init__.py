"""Query isolation: worker processes, the guard that reads what they run, the SPARQL lexer.

No Flask here: the web layer and the CLI both drive these workers, and a worker can be killed
without taking an HTTP request handler with it.
"""
