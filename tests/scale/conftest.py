"""A real Virtuoso open-source server for the remote-backend tests, one per session.

Started from Debian's ``virtuoso-opensource-7-bin`` (``scripts/test.sh`` installs it) on free
loopback ports, in a temporary folder; stopped at the end of the session. The tests skip only
when ``virtuoso-t`` is not installed.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

VIRTUOSO = shutil.which("virtuoso-t")

#: The configuration the README's "Scaling" section documents (paths and ports filled in).
VIRTUOSO_INI = """\
[Database]
DatabaseFile = {dir}/virtuoso.db
ErrorLogFile = {dir}/virtuoso.log
LockFile = {dir}/virtuoso.lck
TransactionFile = {dir}/virtuoso.trx
xa_persistent_file = {dir}/virtuoso.pxa
MaxCheckpointRemap = 2000
Striping = 0
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {dir}/virtuoso-temp.db
TransactionFile = {dir}/virtuoso-temp.trx

[Parameters]
ServerPort = 127.0.0.1:{sql_port}
NumberOfBuffers = 170000
MaxDirtyBuffers = 130000
DirsAllowed = ., {dir}
CheckpointInterval = 60

[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = {dir}
ServerThreads = 8
MaxClientConnections = 8

[SPARQL]
ResultSetMaxRows = 1000000
MaxQueryExecutionTime = 120
MaxQueryCostEstimationTime = 0
"""


@dataclass
class Virtuoso:
    folder: Path
    http_port: int
    process: subprocess.Popen[bytes]

    @property
    def query_url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}/sparql"

    @property
    def update_url(self) -> str:
        """Virtuoso's authenticated endpoint (HTTP Digest; dba/dba in a fresh database)."""
        return f"http://127.0.0.1:{self.http_port}/sparql-auth"

    user = "dba"
    password = "dba"

    def flags(self) -> list[str]:
        return ["--endpoint", self.query_url, "--update-endpoint", self.update_url,
                "--user", self.user, "--password", self.password]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _ready(url: str) -> bool:
    query = urllib.parse.urlencode({"query": "ASK {}"})
    try:
        with urllib.request.urlopen(f"{url}?{query}", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def start_virtuoso(folder: Path, timeout: float = 120.0) -> Virtuoso:
    """Start ``virtuoso-t`` in ``folder`` and wait until /sparql answers."""
    assert VIRTUOSO is not None
    folder.mkdir(parents=True, exist_ok=True)
    http_port, sql_port = _free_port(), _free_port()
    ini = folder / "virtuoso.ini"
    ini.write_text(VIRTUOSO_INI.format(dir=folder, sql_port=sql_port, http_port=http_port))
    log = open(folder / "stdout.log", "wb")  # noqa: SIM115 (kept open for the process)
    process = subprocess.Popen(
        [VIRTUOSO, "+configfile", str(ini), "+foreground"], cwd=folder,
        stdout=log, stderr=subprocess.STDOUT,
    )
    server = Virtuoso(folder, http_port, process)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"virtuoso-t exited: {(folder / 'stdout.log').read_text()[-2000:]}")
        if _ready(server.query_url):
            return server
        time.sleep(0.5)
    stop_virtuoso(server)
    raise RuntimeError(f"virtuoso-t did not answer within {timeout:.0f} s")


def stop_virtuoso(server: Virtuoso) -> None:
    server.process.terminate()
    try:
        server.process.wait(30)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait(10)


@pytest.fixture(scope="session")
def virtuoso(tmp_path_factory: pytest.TempPathFactory):
    if VIRTUOSO is None:
        pytest.skip("virtuoso-t is not installed (Debian: apt-get install "
                    "virtuoso-opensource-7-bin; scripts/test.sh does)")
    server = start_virtuoso(tmp_path_factory.mktemp("virtuoso"))
    yield server
    stop_virtuoso(server)
