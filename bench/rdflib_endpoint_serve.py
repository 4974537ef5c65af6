"""Serve a vetgraph source tree with rdflib-endpoint (the peer of the scale bench), on loopback.

The four named graphs go into one rdflib ``Dataset`` whose default graph is their union, as
vetgraph's memory backend builds it (``vetgraph.dataset.read_sources`` + ``to_dataset``); then
``rdflib_endpoint.SparqlEndpoint`` serves it at ``/`` with uvicorn. The time to parse and load
is written as JSON to ``--report`` before the server starts.

    python bench/rdflib_endpoint_serve.py --root REPO --data-dir DIR --port P --report FILE
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from vetgraph.config import Settings  # noqa: E402
from vetgraph.dataset import read_sources, to_dataset  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--root", required=True)
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--report", required=True)
    args = parser.parse_args()

    import uvicorn
    from rdflib_endpoint import SparqlEndpoint

    settings = Settings.load(root=args.root).replace(data_dir=Path(args.data_dir))
    started = time.perf_counter()
    dataset = to_dataset(read_sources(settings))
    load_s = time.perf_counter() - started
    Path(args.report).write_text(json.dumps({"load_s": load_s}))
    app = SparqlEndpoint(graph=dataset, cors_enabled=False)
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
