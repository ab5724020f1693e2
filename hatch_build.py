"""Build hook: a wheel carries the top-level ``schemas/`` and ``prompts/`` inside the package.

The repository keeps them at its top level (the one source of both); a built wheel has them at
``extractor/schemas`` and ``extractor/prompts``, so the installed package claims no generic
top-level import name. An editable install gets nothing copied: the package finds the
checkout's folders itself (``extractor/resources.py``), so edits to them are live.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

# top-level folder → its place in the package
SHIPPED = {"schemas": "extractor/schemas", "prompts": "extractor/prompts"}


class ShippedFoldersHook(BuildHookInterface):  # type: ignore[type-arg]
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if self.target_name != "wheel" or version != "standard":
            return
        root = Path(self.root)
        for source, target in SHIPPED.items():
            for path in sorted((root / source).rglob("*")):
                if path.is_file() and "__pycache__" not in path.parts:
                    relative = path.relative_to(root / source).as_posix()
                    build_data["force_include"][str(path)] = f"{target}/{relative}"
