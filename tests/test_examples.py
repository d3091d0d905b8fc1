"""Execute every example notebook, as the build does, failing on the first error with its line.

The executed notebooks land in the build's cache (keyed on the notebook, `vg` and the hook), so the
strict build in tests/test_site.py renders these very runs instead of executing everything again.
"""

from __future__ import annotations

import nbformat
import notebooks
import numbercheck as numbers
import pytest

SOURCES = notebooks.example_sources()


def test_examples_exist():
    assert len(SOURCES) >= 6, [p.name for p in SOURCES]


@pytest.mark.slow
@pytest.mark.parametrize("src", SOURCES, ids=[p.stem for p in SOURCES])
def test_example_executes_without_errors(src):
    path, seconds = notebooks.executed_notebook(src, use_cache=False)
    nb = nbformat.read(str(path), as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code, f"{src.name} has no code cells"
    for cell in code:
        assert cell.execution_count is not None, f"{src.name}: a cell did not run"
        assert all(o.get("output_type") != "error" for o in cell.outputs)
    # A notebook that shows no output teaches nothing: each must print or draw something.
    assert any(cell.outputs for cell in code), f"{src.name}: no cell produced output"
    # Its prose and alt texts quote only numbers that its cells print (tests/numbercheck.py).
    found = numbers.check_notebook(nb, src)
    assert found == [], "numbers that no cell of the notebook prints:\n" + "\n".join(map(str, found))
    print(f"{src.name}: executed in {seconds:.1f} s")
