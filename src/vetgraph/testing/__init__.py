"""``vetgraph serve`` in a real process on a loopback port, for the tests and the benchmarks.

In the package (not under tests/) so that ``bench/*.py`` import it as any other module:
:func:`free_port`, :func:`clean_env`, :class:`LiveServer` and :func:`start_server`; the real
Virtuoso server of the remote-backend tests is :mod:`vetgraph.testing.virtuoso`. Only the
standard library and :mod:`vetgraph.config`: bench/ uses it without the test extras installed,
and the package gains no dependency (the tests' HTTP conveniences, on ``requests``, are a
subclass in ``tests/helpers/live.py``, passed as ``server_class``).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from vetgraph.config import find_root

#: The tree served unless told otherwise: the checkout (or the wheel's resources).
REPO = find_root()

#: What start_server asks until the server answers: static (no store query), so it answers
#: at once on every backend (oxigraph, memory, remote) and every tree.
READY_PATH = "/sparql/prefixes.json"
#: Loopback is asked directly, whatever proxy the environment names.
_DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def clean_env(**extra: str) -> dict[str, str]:
    """The caller's environment without VETGRAPH_* variables (so a developer's settings do
    not leak into a server or command under test), plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("VETGRAPH_")}
    env.update(extra)
    return env


def free_port() -> int:
    """A loopback TCP port free at the time of asking."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class LiveServer:
    """A running ``vetgraph serve``; ``url`` ends without a slash."""

    url: str
    process: subprocess.Popen[bytes]
    log_path: Path
    store: Path | None

    @property
    def sparql_url(self) -> str:
        return self.url + "/sparql"

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def alive(self) -> bool:
        return self.process.poll() is None

    def descendants(self) -> list[int]:
        """PIDs below the server process (the fork server and the query workers)."""
        children: dict[int, list[int]] = {}
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/stat") as handle:
                    fields = handle.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            children.setdefault(int(fields[1]), []).append(int(entry))
        found, todo = [], [self.process.pid]
        while todo:
            pid = todo.pop()
            for child in children.get(pid, []):
                found.append(child)
                todo.append(child)
        return found

    def stop(self) -> None:
        """SIGTERM, then SIGKILL if it is still running after 10 s."""
        if self.alive():
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)


S = TypeVar("S", bound=LiveServer)


def start_server(
    store: Path | None,
    log_dir: Path,
    *flags: str,
    tree: Path = REPO,
    env: dict[str, str] | None = None,
    launcher: tuple[str, ...] = (),
    server_class: type[S] = LiveServer,  # type: ignore[assignment]
) -> S:
    """Start ``vetgraph serve --root TREE [--store STORE] FLAGS`` on a free loopback port and
    wait (up to 120 s) until it answers; its output goes to ``log_dir/serve-PORT.log``.

    ``store`` None gives no ``--store`` (the remote backend); ``env`` defaults to the caller's
    environment without VETGRAPH_* variables; ``launcher`` is a command that runs the server
    (e.g. one that denies it a system call); ``server_class`` is the LiveServer (sub)class
    returned."""
    port = free_port()
    log_path = log_dir / f"serve-{port}.log"
    command = [*launcher, sys.executable, "-m", "vetgraph.cli", "serve", "--root", str(tree),
               *(["--store", str(store)] if store is not None else []),
               "--host", "127.0.0.1", "--port", str(port), *flags]
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            command, stdout=log, stderr=subprocess.STDOUT, env=env or clean_env(), cwd=REPO
        )
    server = server_class(f"http://127.0.0.1:{port}", process, log_path, store)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if not server.alive():
            raise RuntimeError(f"vetgraph serve exited:\n{server.log()}")
        try:
            with _DIRECT.open(server.url + READY_PATH, timeout=2):
                return server
        except urllib.error.HTTPError:  # an error status is an answer too: it is up
            return server
        except OSError:  # refused, reset, timed out: not yet
            time.sleep(0.1)
    server.stop()
    raise RuntimeError(f"vetgraph serve did not start:\n{server.log()}")
