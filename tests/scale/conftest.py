"""A real Virtuoso open-source server for the remote-backend tests, one per session.

Started by :mod:`vetgraph.testing.virtuoso` (Debian's ``virtuoso-opensource-7-bin``, which
``scripts/test.sh`` installs) on free loopback ports, in a temporary folder; stopped at the end
of the session. The tests skip only when ``virtuoso-t`` is not installed.
"""

from __future__ import annotations

import pytest

from vetgraph.testing.virtuoso import VIRTUOSO, start_virtuoso, stop_virtuoso


@pytest.fixture(scope="session")
def virtuoso(tmp_path_factory: pytest.TempPathFactory):
    if VIRTUOSO is None:
        pytest.skip("virtuoso-t is not installed (Debian: apt-get install "
                    "virtuoso-opensource-7-bin; scripts/test.sh does)")
    server = start_virtuoso(tmp_path_factory.mktemp("virtuoso"))
    yield server
    stop_virtuoso(server)
