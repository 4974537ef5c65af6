#!/usr/bin/env bash
# The newcomer's path, before any test extra is installed: a clean virtualenv, the README's
# first command (`pip install -e . && vetgraph serve`, no extras), then --version, validate,
# and the server on a free loopback port until / and one SPARQL query answer.
# Fails loudly if a runtime dependency is missing from pyproject.toml.
set -euo pipefail
cd "$(dirname "$0")/.."

work="$(mktemp -d -t vetgraph-newcomer-XXXXXX)"
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

python -m venv "$work/venv"
# shellcheck disable=SC1091
source "$work/venv/bin/activate"
# The store goes to a scratch folder, not the checkout's var/ (the suite runs after this).
export VETGRAPH_STORE="$work/store"

echo "newcomer: pip install -e . (no extras) in a clean virtualenv"
pip install -q -e .
echo "newcomer: vetgraph --version"
vetgraph --version
echo "newcomer: vetgraph validate"
vetgraph validate > "$work/validate.txt" || { cat "$work/validate.txt"; exit 1; }
tail -n 1 "$work/validate.txt"

port="$(python -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
echo "newcomer: vetgraph serve --port $port"
vetgraph serve --port "$port" > "$work/serve.log" 2>&1 &
server_pid=$!

python - "$port" "$server_pid" "$work/serve.log" <<'PY'
import json, os, sys, time, urllib.parse, urllib.request

port, pid, log = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
base = f"http://127.0.0.1:{port}"
deadline = time.monotonic() + 600  # the first start builds the store
while True:
    try:
        with urllib.request.urlopen(base + "/", timeout=10) as home:
            assert home.status == 200, home.status
            break
    except OSError:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            sys.exit("newcomer: vetgraph serve exited:\n" + open(log, encoding="utf-8").read())
        if time.monotonic() > deadline:
            sys.exit("newcomer: / did not answer within 600 s:\n" + open(log).read())
        time.sleep(1)
query = "PREFIX vet: <https://w3id.org/vetgraph/ontology#> SELECT (COUNT(?s) AS ?n) { ?s a vet:School }"
request = urllib.request.Request(
    base + "/sparql?" + urllib.parse.urlencode({"query": query}),
    headers={"Accept": "application/sparql-results+json"},
)
with urllib.request.urlopen(request, timeout=60) as answer:
    schools = json.load(answer)["results"]["bindings"][0]["n"]["value"]
assert schools == "6", schools
print(f"newcomer: / answered 200 and SPARQL counted {schools} schools")
PY

kill "$server_pid"; wait "$server_pid" 2>/dev/null || true; server_pid=""
deactivate
echo "newcomer: ok"
