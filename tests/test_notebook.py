"""docs/quickstart.ipynb runs top to bottom (so the documented API cannot rot)."""

from __future__ import annotations

import nbformat
import pytest
from nbclient import NotebookClient

from tests.conftest import ROOT
from tests.llm import local_network


@local_network  # the kernel talks to this process over 127.0.0.1
@pytest.mark.timeout(300)
def test_quickstart_notebook_executes(tmp_path):
    nb = nbformat.read(ROOT / "docs" / "quickstart.ipynb", as_version=4)
    # run from a folder outside the project: the notebook finds seeds/ and cassettes/ itself
    client = NotebookClient(
        nb, timeout=240, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    )
    client.execute()
    outputs = "\n".join(
        str(o.get("text") or o.get("data", {}).get("text/plain", ""))
        for cell in nb.cells
        if cell.cell_type == "code"
        for o in cell.get("outputs", [])
    )
    assert "5 documents" in outputs and "0 failures" in outputs
    assert "61,000,000,000 USD" in outputs
    assert "refused by grounding" in outputs
    assert "rules+openai" in outputs  # the hybrid merged events both backends found
    assert "sanctions_002" in outputs  # the user task's DataFrame
    assert not any(o.get("output_type") == "error" for c in nb.cells for o in c.get("outputs", []))
    assert list(tmp_path.iterdir()) == []  # and writes nothing where it runs
