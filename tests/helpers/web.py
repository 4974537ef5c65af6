"""What the web tests share: the served tree, its exact answers, and live servers of it.

The served tree is the project's own (ontology/, data/ttl/, queries/) once its data exists,
else the small fixture tree; :data:`FACTS` holds the exact answers each tree must give.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from helpers import live
from helpers.live import LiveServer
from helpers.support import FIXTURE_TREE, REAL_TREE_PRESENT, REPO

G = "https://w3id.org/vetgraph/graph/"
#: VETGRAPH_WEB_TREE=fixture serves the fixture tree even when the project's data exists.
REAL = REAL_TREE_PRESENT and os.environ.get("VETGRAPH_WEB_TREE") != "fixture"
TREE = REPO if REAL else FIXTURE_TREE

#: Exact answers of the served tree.
FACTS = (
    {"schools": 6, "health_school": "本溪市卫生学校"}
    if REAL
    else {"schools": 3, "health_school": "本溪市卫生学校"}
)


def start_server(
    store: Path,
    log_dir: Path,
    *flags: str,
    tree: Path = TREE,
    env: dict[str, str] | None = None,
    launcher: tuple[str, ...] = (),
) -> LiveServer:
    """:func:`live.start_server` serving :data:`TREE` unless told otherwise."""
    return live.start_server(store, log_dir, *flags, tree=tree, env=env, launcher=launcher)


def copy_store(built: Path, target_parent: Path) -> Path:
    """A private copy of a built store (for servers that write)."""
    target = target_parent / "store"
    shutil.copytree(os.path.realpath(built), target)
    return target
