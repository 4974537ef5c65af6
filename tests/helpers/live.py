"""The live server of :mod:`vetgraph.testing` with the tests' HTTP conveniences (on
``requests``, a test dependency the package does not take): ``server.get``, ``post``,
``query``, ``select``. :func:`start_server` returns this class."""

from __future__ import annotations

from pathlib import Path

import requests

from vetgraph import testing
from vetgraph.testing import REPO


class LiveServer(testing.LiveServer):
    """A running ``vetgraph serve`` that the tests talk to with ``requests``."""

    def get(self, path: str = "/sparql", timeout: float = 60, **kwargs: object
            ) -> requests.Response:
        return requests.get(self.url + path, timeout=timeout, **kwargs)  # type: ignore[arg-type]

    def post(self, path: str = "/sparql", timeout: float = 60, **kwargs: object
             ) -> requests.Response:
        return requests.post(self.url + path, timeout=timeout, **kwargs)  # type: ignore[arg-type]

    def query(
        self, text: str, accept: str = "application/sparql-results+json", **params: str
    ) -> requests.Response:
        return self.get(params={"query": text, **params}, headers={"Accept": accept})

    def select(self, text: str) -> list[dict[str, str]]:
        """Rows of a SELECT as {variable: value}, asserting a 200."""
        response = self.query(text)
        assert response.status_code == 200, response.text
        return [
            {k: v["value"] for k, v in row.items()}
            for row in response.json()["results"]["bindings"]
        ]


def start_server(
    store: Path | None,
    log_dir: Path,
    *flags: str,
    tree: Path = REPO,
    env: dict[str, str] | None = None,
    launcher: tuple[str, ...] = (),
) -> LiveServer:
    """:func:`vetgraph.testing.start_server`, returning the tests' :class:`LiveServer`."""
    return testing.start_server(store, log_dir, *flags, tree=tree, env=env, launcher=launcher,
                                server_class=LiveServer)
