"""Wheel build hook: ship the repository's ontology/, data/ and queries/ inside the package.

They live at the repository root because the data steward edits them there; a wheel carries
them as ``vetgraph/_resources/<folder>`` (``vetgraph.config`` looks there when no checkout is
found). A plain ``force-include`` table would fail any build, editable ones included, while a
folder is missing; editable installs read the checkout and need no copy.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

RESOURCE_FOLDERS = ("ontology", "data", "queries")


class CustomBuildHook(BuildHookInterface):
    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if self.target_name != "wheel" or version == "editable":
            return
        for folder in RESOURCE_FOLDERS:
            path = Path(self.root) / folder
            if path.is_dir():
                build_data["force_include"][str(path)] = f"vetgraph/_resources/{folder}"
