"""Bad and hostile queries cost only their own request: timeouts, nesting, reach outside, load."""

from __future__ import annotations

import os
import signal
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from helpers.web import start_server

#: A cross product no engine finishes in seconds (every triple, five times over).
CROSS = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n2 ?o }"
NORMAL = "SELECT (COUNT(*) AS ?n) WHERE { VALUES ?x { 1 2 3 } }"


def _cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of the processes still alive, in seconds."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / ticks


def _normal_answer(server) -> None:
    response = server.query(NORMAL)
    assert response.status_code == 200, response.text
    assert response.json()["results"]["bindings"][0]["n"]["value"] == "3"


@pytest.mark.slow
def test_timeout_answers_503_frees_the_cpu_and_serves_the_next_query(server):
    started = time.monotonic()
    response = server.query(CROSS)
    elapsed = time.monotonic() - started
    assert response.status_code == 503
    assert "ran longer than 2 s and was stopped" in response.text
    assert 1.9 <= elapsed < 4.0
    _normal_answer(server)
    time.sleep(0.5)  # let the replacement worker settle
    processes = server.descendants()
    before = _cpu_seconds(processes)
    time.sleep(1.0)
    assert _cpu_seconds(processes) - before < 0.3  # nothing is still spinning


def test_deep_nesting_is_refused_and_the_server_stays_up(server):
    text = "SELECT * WHERE " + "{" * 5000 + "}" * 5000
    response = server.post(data=text, headers={"Content-Type": "application/sparql-query"})
    assert response.status_code == 400
    assert "nests brackets deeper than 64 levels" in response.text
    parens = "ASK { FILTER(" + "(" * 5000 + "1" + ")" * 5000 + ") }"
    assert server.post(data={"query": parens}).status_code == 400
    assert server.alive()
    _normal_answer(server)


def test_nesting_within_the_limit_is_evaluated(server):
    text = "ASK { FILTER(" + "(" * 60 + "1 = 1" + ")" * 60 + ") }"
    response = server.query(text)
    assert response.status_code == 200, response.text
    assert response.json()["boolean"] is True


class Listener:
    """A TCP listener on a loopback port that records every connection it gets."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.connections: list[bytes] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            with conn:
                conn.settimeout(1)
                try:
                    self.connections.append(conn.recv(4096))
                except OSError:
                    self.connections.append(b"")

    def close(self) -> None:
        self._stop.set()
        self._thread.join(2)
        self.sock.close()


@pytest.fixture
def listener():
    live = Listener()
    yield live
    live.close()


def test_service_load_and_outside_from_are_refused_before_evaluation(server, listener):
    here = f"http://127.0.0.1:{listener.port}"
    queries = {
        f"SELECT * WHERE {{ SERVICE <{here}/sparql> {{ ?s ?p ?o }} }}": "SERVICE is not allowed",
        f"SELECT * WHERE {{ SERVICE SILENT <{here}/> {{ ?s ?p ?o }} }}": "SERVICE is not allowed",
        f"SELECT * WHERE {{ \\u0053ERVICE <{here}/> {{ ?s ?p ?o }} }}": "SERVICE is not allowed",
        f"SELECT * FROM <{here}/g> WHERE {{ ?s ?p ?o }}": "is not a graph in this store",
        f"SELECT * FROM NAMED <{here}/g> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}": "not a graph",
        "SELECT * FROM <file:///etc/passwd> WHERE { ?s ?p ?o }": "is not a graph in this store",
        f"LOAD <{here}/data.ttl>": "LOAD is not allowed",
    }
    for text, message in queries.items():
        response = server.post(data={"query": text})
        assert response.status_code == 400, text
        assert message in response.text, text
    response = server.query("SELECT * WHERE { ?s ?p ?o }", **{"named-graph-uri": here + "/g"})
    assert response.status_code == 400
    time.sleep(0.5)
    assert listener.connections == []


def test_workers_have_no_network(server):
    """Behind the guard: each worker sits in a network namespace of its own (run as root here,
    as CI does; where unshare is not allowed the server logs that the guard stands alone)."""
    _normal_answer(server)
    workers = [pid for pid in server.descendants() if _is_worker(pid)]
    assert workers
    own = os.readlink(f"/proc/{server.process.pid}/ns/net")
    if os.geteuid() != 0:
        pytest.skip("network namespaces need root or user namespaces")
    for pid in workers:
        assert os.readlink(f"/proc/{pid}/ns/net") != own
        with open(f"/proc/{pid}/net/dev") as handle:
            interfaces = [line.split(":")[0].strip() for line in handle.readlines()[2:]]
        assert interfaces == ["lo"]


@pytest.mark.slow
def test_concurrency_bound_gives_503_with_retry_after(built_store, tmp_path):
    busy = start_server(
        built_store, tmp_path, "--workers", "1", "--query-timeout", "3", "--queue-wait", "0.5"
    )
    try:
        with ThreadPoolExecutor(1) as pool:
            slow = pool.submit(busy.query, CROSS)
            time.sleep(0.5)
            started = time.monotonic()
            response = busy.query(NORMAL)
            assert response.status_code == 503
            assert response.headers["Retry-After"] == "1"
            assert "all 1 query workers are busy" in response.text
            assert time.monotonic() - started < 1.5
            assert busy.get("/sparql/prefixes.json").status_code == 200  # pages still serve
            assert slow.result().status_code == 503
        _normal_answer(busy)
    finally:
        busy.stop()


@pytest.mark.slow
def test_a_query_over_the_memory_cap_costs_only_its_request(built_store, tmp_path):
    capped = start_server(
        built_store,
        tmp_path,
        "--workers",
        "1",
        "--worker-memory",
        "512",
        "--query-timeout",
        "30",
    )
    hungry = (
        "SELECT ?x WHERE { ?a ?p1 ?o1 . ?b ?p2 ?o2 . ?c ?p3 ?o3 . ?d ?p4 ?o4 "
        "BIND(CONCAT(STR(?a), STR(?b), STR(?c), STR(?d)) AS ?x) } ORDER BY ?x"
    )
    try:
        response = capped.query(hungry)
        assert response.status_code == 503
        assert "the query used more than 512 MiB of memory and was stopped" in response.text
        _normal_answer(capped)
    finally:
        capped.stop()


def test_a_crashed_worker_costs_only_its_request(server):
    with ThreadPoolExecutor(1) as pool:
        slow = pool.submit(server.query, CROSS)
        victim = None
        deadline = time.monotonic() + 1.5
        while victim is None and time.monotonic() < deadline:
            processes = server.descendants()
            before = {pid: _cpu_seconds([pid]) for pid in processes}
            time.sleep(0.4)
            gained = {pid: _cpu_seconds([pid]) - before[pid] for pid in processes}
            busiest = max(gained, key=gained.__getitem__)
            if gained[busiest] > 0.02:  # the machine may be shared: a share of a core is enough
                victim = busiest
        assert victim is not None, "no worker was evaluating the query"
        os.kill(victim, signal.SIGKILL)
        response = slow.result()
    assert response.status_code == 500
    assert "worker died" in response.text
    _normal_answer(server)
    _normal_answer(server)


def test_idle_workers_killed_from_outside_are_replaced(server):
    _normal_answer(server)
    deadline = time.monotonic() + 20
    workers: list[int] = []
    while len(workers) != 2 and time.monotonic() < deadline:  # replacements may be starting
        time.sleep(0.2)
        workers = [pid for pid in server.descendants() if _is_worker(pid)]
    assert len(workers) == 2
    os.kill(workers[0], signal.SIGKILL)  # one idle worker dies; no request may notice
    time.sleep(0.2)
    for _ in range(4):
        _normal_answer(server)


def _is_worker(pid: int) -> bool:
    """A query worker is a child of the fork server, itself a child of the server."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            parent = int(handle.read().rsplit(")", 1)[1].split()[1])
        with open(f"/proc/{parent}/cmdline", "rb") as handle:
            return b"forkserver" in handle.read()
    except OSError:
        return False


def test_parallel_queries_all_answer(server):
    with ThreadPoolExecutor(6) as pool:
        results = list(pool.map(lambda _: server.query(NORMAL).status_code, range(12)))
    assert results == [200] * 12
    assert requests.get(server.url + "/", timeout=10).status_code == 200


def test_the_issue_17_bypass_is_refused_over_http(server, listener):
    """The repro (a comment ended by CR, a local-name escape) and the two-dot name the property
    test found: 400 before evaluation, and the listener never hears from a worker."""
    from test_sparql_lexer import ATTACK_QUERY

    here = f"http://127.0.0.1:{listener.port}/"
    texts = [
        ATTACK_QUERY.format(here=here),
        f"PREFIX ex: <http://e/> SELECT * {{ ?s ?p ex:o.a.SERVICE <{here}> {{}} }}",
        f"PREFIX : <{here}> SELECT * {{ SERVICE:x {{}} }}",
    ]
    for text in texts:
        response = server.post(data={"query": text})
        assert response.status_code == 400, text
        assert "SERVICE is not allowed" in response.text
    time.sleep(0.5)
    assert listener.connections == []


@pytest.mark.slow
def test_costly_queries_are_refused_before_any_parser(built_store, tmp_path):
    """The issue's repros at the default --max-query-length (100 KB): a flat 12,000-way path
    alternative (was SIGSEGV, 500), a 3,000-branch UNION chain and 1+1+… of 50 KB (were 5-110 s
    of rdflib parse) answer 400 naming the limit, in well under a second of guard time; the
    limits are in the service description."""
    default = start_server(built_store, tmp_path, "--workers", "1")
    try:
        repros = {
            "ASK { ?s " + "|".join(["<urn:p>"] * 12_000) + " ?o }": "--max-query-alternatives",
            "ASK { " + " UNION ".join(["{ ?s ?p ?o }"] * 3000) + " }": "--max-query-unions",
            "ASK { FILTER(" + "+".join(["1"] * 25_000) + " > 0) }": "--max-query-operators",
            "DESCRIBE " + "<urn:x> " * 12_000: "--max-query-patterns",
        }
        for text, flag in repros.items():
            started = time.monotonic()
            response = default.post(
                data=text.encode(), headers={"Content-Type": "application/sparql-query"}
            )
            assert response.status_code == 400, (flag, response.status_code)
            assert f"({flag})" in response.text
            assert time.monotonic() - started < 3.0  # the guard's ~0.3 s plus HTTP, loaded box
        _normal_answer(default)
        description = default.get("/sparql", headers={"Accept": "text/turtle"}).text
        for term, value in (("maxQueryOperators", 2000), ("maxQueryPathAlternatives", 1000),
                            ("maxQueryUnions", 500), ("maxQueryPatterns", 2000)):
            assert f"vetsd:{term} {value}" in description
    finally:
        default.stop()
