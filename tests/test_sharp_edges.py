"""Sharp edges that bit once, each pinned by a test that fails on the old behaviour.

- `forward` returns `H_all` as a read-only view for *every* cell, found by its verbs rather than
  listed by hand, so that a new cell module cannot forget it (an in-place edit of `H_all` used to
  change the cache that `backward` reads, and with it the gradients, without a word).
- The BPTT cost figure (docs/rnn/bptt.md) plots exact operation counts, not timings: drawing it twice
  gives the same SVG bytes (a timed figure differed on every build and every machine).

`vg.lstm.init` raising TypeError for a wrong type (it raised ValueError) is pinned by
tests/test_bad_input_cells.py::test_lstm_forget_bias_bad.
"""

from __future__ import annotations

import figures
import numpy as np
import pytest
from _cells import cell_modules
from _site import DOCS

CELLS = cell_modules()
IDS = [m.__name__.removeprefix("vg.") for m in CELLS]


def test_the_cells_are_found():
    # The discovery (tests/_cells.py) must not silently find nothing (or miss a cell the site uses).
    assert {"rnn", "lstm", "gru", "lru", "mingru", "indrnn"} <= set(IDS)


@pytest.mark.parametrize("cell", CELLS, ids=IDS)
def test_forward_returns_a_read_only_h_all(cell):
    rng = np.random.default_rng(0)
    T, B, D, H = 5, 2, 3, 4
    params = cell.init(D, H, rng)
    X = rng.standard_normal((T, B, D))
    G = rng.standard_normal((T, B, H))
    H_all, cache = cell.forward(X, params)
    before = H_all.copy()
    grads_before = cell.backward(G, cache)[0]
    assert not H_all.flags.writeable
    with pytest.raises(ValueError, match="read-only"):
        H_all += 1.0
    with pytest.raises(ValueError, match="read-only"):
        H_all[0, 0, 0] = 0.0
    np.testing.assert_array_equal(H_all, before)
    grads_after = cell.backward(G, cache)[0]
    for name in grads_before:
        np.testing.assert_array_equal(grads_after[name], grads_before[name], err_msg=name)
    mine = H_all.copy()  # a copy is the reader's to change
    mine += 1.0


def _bptt_cost_block() -> figures.FigureBlock:
    page = DOCS / "rnn" / "bptt.md"
    found = [
        b for b in figures.find_figure_blocks(page.read_text(encoding="utf-8"), "rnn/bptt.md")
        if '"bptt-cost.svg"' in b.code
    ]
    assert len(found) == 1, "docs/rnn/bptt.md should draw bptt-cost.svg in one figure block"
    return found[0]


def test_bptt_cost_figure_is_deterministic(tmp_path, capsys):
    # The figure's data are counts (bytes of the cache, multiply-adds of the products), so two
    # drawings are byte-identical; measured times would differ from one run to the next.
    block = _bptt_cost_block()
    first = figures.run_block(block, tmp_path / "bptt.md")
    second = figures.run_block(block, tmp_path / "bptt.md")
    capsys.readouterr()  # the block prints its counts; the page checks them
    assert set(first) == {"bptt-cost.svg"}
    assert first == second
