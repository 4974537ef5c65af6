"""A real Virtuoso open-source server on loopback, for the remote-backend tests and the scale bench.

Started from Debian's ``virtuoso-opensource-7-bin`` (``scripts/test.sh`` installs it) on free
loopback ports, in a given folder: ``start_virtuoso(folder)``, ``stop_virtuoso(server)``.
``tests/scale/conftest.py`` runs one per test session; ``bench/scale_bench.py`` one per size.
The standard library only: bench/ imports it without the test extras.
"""

from __future__ import annotations

import shutil
import subprocess
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from vetgraph.testing import free_port

VIRTUOSO = shutil.which("virtuoso-t")

#: The configuration docs/scaling.md documents (paths and ports filled in).
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
MaxMemPoolSize = 2000000000
TransactionAfterImageLimit = 2000000000
DirsAllowed = ., {dir}
CheckpointInterval = 60

[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = {dir}
ServerThreads = 8
MaxClientConnections = 8

[SPARQL]
ResultSetMaxRows = 1000000
MaxQueryExecutionTime = {max_seconds}
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


def _ready(url: str) -> bool:
    query = urllib.parse.urlencode({"query": "ASK {}"})
    try:
        with urllib.request.urlopen(f"{url}?{query}", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def start_virtuoso(folder: Path, timeout: float = 120.0, max_seconds: int = 120) -> Virtuoso:
    """Start ``virtuoso-t`` in ``folder`` and wait until /sparql answers; ``max_seconds`` is
    its ``MaxQueryExecutionTime``."""
    assert VIRTUOSO is not None
    folder.mkdir(parents=True, exist_ok=True)
    http_port, sql_port = free_port(), free_port()
    ini = folder / "virtuoso.ini"
    ini.write_text(VIRTUOSO_INI.format(dir=folder, sql_port=sql_port, http_port=http_port,
                                     max_seconds=max_seconds))
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
    stop_process(server.process)


def stop_process(process: subprocess.Popen[bytes], grace: float = 30) -> None:
    """SIGTERM, then SIGKILL if it is still running after ``grace`` seconds."""
    process.terminate()
    try:
        process.wait(grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(10)
