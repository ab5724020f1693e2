"""Where the package's shipped folders are: ``schemas/`` and ``prompts/``.

The repository keeps them at its top level, the one source of both. A wheel carries them inside
the package (``extractor/schemas``, ``extractor/prompts``; the build hook ``hatch_build.py``
puts them there), so an installed package claims no generic top-level import name such as
``schemas``. In a source checkout or an editable install they are the checkout's folders:
:func:`mount_schemas` makes ``schemas/`` the package ``extractor.schemas`` (edits are live), and
:func:`prompts_dir` finds ``prompts/``.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
CHECKOUT = PACKAGE.parent  # the repository, when the package runs from a source checkout


def shipped(name: str) -> Path:
    """The folder ``name`` (``schemas`` or ``prompts``): inside the installed package, else the
    checkout's top-level one."""
    inside = PACKAGE / name
    return inside if inside.is_dir() else CHECKOUT / name


def prompts_dir() -> Path:
    """The shipped prompt templates."""
    return shipped("prompts")


def mount_schemas() -> None:
    """Make the checkout's ``schemas/`` the package ``extractor.schemas`` (nothing to do in an
    installed wheel, where the ordinary import finds it inside the package)."""
    if "extractor.schemas" in sys.modules or (PACKAGE / "schemas" / "__init__.py").is_file():
        return
    folder = CHECKOUT / "schemas"
    spec = importlib.util.spec_from_file_location(
        "extractor.schemas", folder / "__init__.py", submodule_search_locations=[str(folder)]
    )
    if spec is None or spec.loader is None:  # a broken installation: say what is missing
        raise ImportError(f"extractor.schemas: neither {PACKAGE / 'schemas'} nor {folder} exists")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[spec.name]
        raise
    parent = sys.modules.get("extractor")
    if parent is not None:
        parent.schemas = module  # type: ignore[attr-defined]  # as an import would bind it


__all__ = ["CHECKOUT", "PACKAGE", "mount_schemas", "prompts_dir", "shipped"]
