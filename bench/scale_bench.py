"""Scale benchmark (not a test): vetgraph at the seed's size and on synthetic data sets.

For each size (the seed; ``vetgraph synth`` sets of N schools, default 100 and 1,000, five
years), in one run:

- load: parse the Turtle (pyoxigraph) and bulk-load it into a new on-disk Oxigraph store
  (``Store.bulk_extend``, as ``vetgraph build`` does): triples/s of the load step;
- SHACL: the project's validation (``vetgraph.validate``) up to ``--validate-up-to`` schools;
- latency: p50/p95 of every named query (``queries/*.rq`` with its example parameters) through
  HTTP (``vetgraph serve``, ``/api/queries/{name}``, SPARQL JSON) against raw pyoxigraph on the
  same store in this process (evaluation + SPARQL JSON serialization: the limit);
- throughput: requests/s with 1, 2, 4 and 8 concurrent clients cycling through the queries;
- memory: peak resident memory of the server and its workers, and bytes per triple on disk.

Writes ``bench/results/scale.md`` and ``bench/results/scale.png`` (with the machine and the
versions). ``--smoke`` runs the seed and a 5-school set with a handful of requests (a test
runs it). Not measured here (yet): the memory backend, rdflib-endpoint and Virtuoso columns of
issue 7; the remote backend is exercised by ``tests/scale/test_remote.py``.

    python bench/scale_bench.py [--sizes 100 1000] [--years 5] [--runs 20] [--seconds 5]
                                [--validate-up-to 1000] [--out bench/results] [--smoke]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

import pyoxigraph as ox

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO / "src"))

from vetgraph import __version__  # noqa: E402
from vetgraph.config import Settings  # noqa: E402
from vetgraph.dataset import read_sources  # noqa: E402
from vetgraph.queries import bind, load_catalogue  # noqa: E402
from vetgraph.store.base import to_oxigraph  # noqa: E402
from vetgraph.synth import synthesize  # noqa: E402

JSON = "application/sparql-results+json"
CLIENTS = (1, 2, 4, 8)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def load_store(settings: Settings, target: Path) -> dict:
    started = time.perf_counter()
    sources = read_sources(settings)
    parsed = time.perf_counter() - started
    triples = sum(sources.counts().values())
    store = ox.Store(str(target))
    started = time.perf_counter()
    store.bulk_extend(sources.iter_quads())
    store.flush()
    loaded = time.perf_counter() - started
    store.optimize()
    del store
    (target / "vetgraph-manifest.json").write_text(json.dumps(
        {"version": sources.version, "prefixes": sources.prefixes, "triples": triples}))
    size = sum(p.stat().st_size for p in target.rglob("*") if p.is_file())
    return {"triples": triples, "parse_s": parsed, "load_s": loaded,
            "load_rate": triples / loaded, "disk_bytes": size}


def queries(settings: Settings, skip=()) -> list[tuple[str, str, dict, dict[str, str]]]:
    """(name, text, bindings, raw parameters) for every named query not in ``skip``."""
    out = []
    for query in load_catalogue(settings):
        if query.name in skip:
            continue
        given = {p.name: p.example for p in query.params if p.example is not None}
        out.append((query.name, query.text, bind(query, given), given))
    return out


def raw_latency(store_dir: Path, named, runs: int) -> dict[str, list[float]]:
    store = ox.Store.read_only(str(store_dir))
    times: dict[str, list[float]] = {}
    for name, text, bindings, _ in named:
        subs = {ox.Variable(k): to_oxigraph(v) for k, v in bindings.items()}
        times[name] = []
        for _ in range(runs):
            started = time.perf_counter()
            answer = store.query(text, use_default_graph_as_union=True, substitutions=subs)
            if isinstance(answer, ox.QueryTriples):
                answer.serialize(format=ox.RdfFormat.N_TRIPLES)
            else:
                answer.serialize(format=ox.QueryResultsFormat.JSON)
            times[name].append(time.perf_counter() - started)
    return times


class Server:
    def __init__(self, settings: Settings, store_dir: Path, workers: int, log: Path):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = {k: v for k, v in os.environ.items() if not k.startswith("VETGRAPH_")}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "vetgraph.cli", "serve", "--store", str(store_dir),
             "--root", str(settings.root), "--data-dir", str(settings.data_dir),
             "--port", str(self.port), "--workers", str(workers), "--queue-wait", "30",
             "--query-timeout", "120", "--max-rows", "100000"],
            env=env, stdout=open(log, "wb"), stderr=subprocess.STDOUT,  # noqa: SIM115
        )
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(self.base + "/?format=json", timeout=5).read()
                return
            except OSError:
                if self.process.poll() is not None:
                    raise RuntimeError(log.read_text()[-3000:]) from None
                time.sleep(0.5)
        raise RuntimeError("server did not start")

    def get(self, name: str, given: dict[str, str]) -> float:
        url = f"{self.base}/api/queries/{name}?" + urllib.parse.urlencode(given)
        request = urllib.request.Request(url, headers={"Accept": f"{JSON}, text/turtle;q=0.9"})
        started = time.perf_counter()
        with urllib.request.urlopen(request, timeout=300) as response:
            response.read()
        return time.perf_counter() - started

    def peak_memory(self) -> int:
        """Peak resident bytes (VmHWM) of the server and its worker processes."""
        pids = [self.process.pid]
        try:
            children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
            pids += [int(p) for p in children.read_text().split()]
            for pid in list(pids[1:]):
                grand = Path(f"/proc/{pid}/task/{pid}/children")
                if grand.exists():
                    pids += [int(p) for p in grand.read_text().split()]
        except OSError:
            pass
        total = 0
        for pid in pids:
            try:
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmHWM:"):
                        total += int(line.split()[1]) * 1024
            except OSError:
                continue
        return total

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()


def throughput(server: Server, named, clients: int, seconds: float) -> float:
    stop = time.monotonic() + seconds
    counts = [0] * clients

    def client(i: int) -> None:
        k = i
        while time.monotonic() < stop:
            name, _, _, given = named[k % len(named)]
            server.get(name, given)
            counts[i] += 1
            k += 1

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(counts) / (time.monotonic() - started)


def run_size(label: str, settings: Settings, work: Path, args) -> dict:
    store_dir = work / f"store-{label}"
    result = {"size": label, **load_store(settings, store_dir)}
    schools = 6 if label == "seed" else int(label) + 6
    if schools <= args.validate_up_to:
        from vetgraph.validate import validate

        started = time.perf_counter()
        report = validate(settings)
        result["shacl_s"] = time.perf_counter() - started
        result["violations"] = report.counts.get("Violation", 0)
    named = queries(settings, args.skip)
    raw = raw_latency(store_dir, named, args.runs)
    server = Server(settings, store_dir, max(CLIENTS), work / f"serve-{label}.log")
    try:
        http: dict[str, list[float]] = {}
        for name, _, _, given in named:
            server.get(name, given)  # warm: guard verdict, caches
            http[name] = [server.get(name, given) for _ in range(args.runs)]
        result["queries"] = {
            name: {"raw_p50": percentile(raw[name], .5), "raw_p95": percentile(raw[name], .95),
                   "http_p50": percentile(http[name], .5),
                   "http_p95": percentile(http[name], .95)}
            for name in http
        }
        result["rps"] = {c: throughput(server, named, c, args.seconds) for c in CLIENTS}
        result["peak_memory"] = server.peak_memory()
    finally:
        server.stop()
    return result


def write(results: list[dict], out: Path, args) -> None:
    out.mkdir(parents=True, exist_ok=True)
    lines = [
        "# Scale benchmark",
        "",
        f"{datetime.now(UTC).isoformat(timespec='seconds')} · {platform.node()} · "
        f"{platform.processor() or platform.machine()} · {os.cpu_count()} CPUs · "
        f"Python {platform.python_version()} · vetgraph {__version__} · "
        f"pyoxigraph {ox.__version__} · `{' '.join(sys.argv[1:]) or '(defaults)'}`",
        "",
        "Sizes: the seed report, and `vetgraph synth` sets (seed + N synthetic schools, "
        f"{args.years} year(s)). HTTP: `vetgraph serve --workers 8`, `/api/queries/NAME` "
        "in SPARQL JSON, one client; raw: pyoxigraph on the same store, evaluation + SPARQL "
        "JSON serialization, in process.",
        "",
        "| size | triples | load triples/s | parse s | SHACL s | disk B/triple | peak RSS MiB "
        "| RSS B/triple | " + " | ".join(f"req/s {c}" for c in CLIENTS) + " |",
        "| --- " * (8 + len(CLIENTS)) + "|",
    ]
    for r in results:
        shacl = f"{r['shacl_s']:.1f}" if "shacl_s" in r else "not run"
        lines.append(
            f"| {r['size']} | {r['triples']:,} | {r['load_rate']:,.0f} | {r['parse_s']:.1f} | "
            f"{shacl} | {r['disk_bytes'] / r['triples']:.0f} | {r['peak_memory'] / 2**20:,.0f} "
            f"| {r['peak_memory'] / r['triples']:.0f} | "
            + " | ".join(f"{r['rps'][c]:.1f}" for c in CLIENTS) + " |"
        )
    for r in results:
        lines += ["", f"## Latency per named query, {r['size']} (ms; HTTP/raw = ratio of p50)",
                  "", "| query | raw p50 | raw p95 | HTTP p50 | HTTP p95 | HTTP/raw |",
                  "| --- | --- | --- | --- | --- | --- |"]
        for name, q in r["queries"].items():
            lines.append(
                f"| {name} | {q['raw_p50'] * 1e3:.1f} | {q['raw_p95'] * 1e3:.1f} | "
                f"{q['http_p50'] * 1e3:.1f} | {q['http_p95'] * 1e3:.1f} | "
                f"{q['http_p50'] / max(q['raw_p50'], 1e-9):.1f} |"
            )
    if args.skip:
        lines += ["", f"Left out: {', '.join(args.skip)}."]
    lines += ["", "Not measured in this run: the memory backend, rdflib-endpoint and Virtuoso "
              "columns (see the issue); see `tests/scale/test_remote.py` for Virtuoso."]
    (out / "scale.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (out / "scale.json").write_text(json.dumps(results, indent=1), encoding="utf-8")

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
    for r in results:
        left.plot(list(CLIENTS), [r["rps"][c] for c in CLIENTS], marker="o", label=r["size"])
        names = list(r["queries"])
        right.plot(range(len(names)),
                   [r["queries"][n]["http_p50"] * 1e3 for n in names], marker=".",
                   label=f"HTTP {r['size']}")
        right.plot(range(len(names)),
                   [r["queries"][n]["raw_p50"] * 1e3 for n in names], linestyle=":",
                   label=f"raw {r['size']}")
    left.set(xlabel="concurrent clients", ylabel="requests/s", title="throughput")
    right.set(xlabel="named query (catalogue order)", ylabel="p50 ms", yscale="log",
              title="latency: HTTP vs raw pyoxigraph")
    left.legend()
    right.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(out / "scale.png", dpi=100)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[100, 1000])
    parser.add_argument("--years", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--validate-up-to", type=int, default=1000)
    parser.add_argument("--out", default=str(HERE / "results"))
    parser.add_argument("--skip", nargs="*", default=[], metavar="QUERY",
                        help="named queries to leave out (e.g. data-quality-findings, whose "
                        "time grows much faster than the data: 0.5 s at the seed, 51 s at 100 "
                        "synthetic schools)")
    parser.add_argument("--smoke", action="store_true", help="seed + 5 schools, few requests")
    args = parser.parse_args(argv)
    if args.smoke:
        args.sizes, args.years, args.runs, args.seconds, args.validate_up_to = [5], 1, 2, 0.5, 0
    base = Settings.load(root=str(REPO))
    results = []
    with tempfile.TemporaryDirectory(prefix="vetgraph-scale-") as tmp:
        work = Path(tmp)
        results.append(run_size("seed", base, work, args))
        for n in args.sizes:
            data = work / f"data-{n}"
            synthesize(data, n, args.years, args.seed, base)
            results.append(run_size(str(n), base.replace(data_dir=data), work, args))
            print(f"{n} schools done", file=sys.stderr)
    write(results, Path(args.out), args)
    print((Path(args.out) / "scale.md").read_text())
    return 0


if __name__ == "__main__":
    sys.exit(main())
