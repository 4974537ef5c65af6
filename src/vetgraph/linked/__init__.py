"""Linked-data publishing, one module per job, every one reading through the
:class:`~vetgraph.store.base.Store` interface with SPARQL (so a remote store answers the same way
as the embedded one):

* :mod:`.formats` names the RDF syntaxes and writes quads in them;
* :mod:`.jsonld` builds the vocabulary's JSON-LD context and writes JSON-LD against it;
* :mod:`.describe` describes one resource (a bounded blank-node closure, incoming links);
* :mod:`.dumps` keeps the dump files; :mod:`.export` writes one dump;
* :mod:`.void` describes the dataset (VoID + DCAT).

No Flask: the web surface (``/id/…``, ``/dumps/``, ``/.well-known/void``) lives in
:mod:`vetgraph.web`.
"""
