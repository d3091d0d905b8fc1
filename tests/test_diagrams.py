"""The cell diagrams (vg.diagrams): drawn, labelled with the cells' own names, gradient path, deterministic SVG.

The names are checked against the code, not against the diagram's own data: a parameter renamed in
`vg.lstm.init` (or a state renamed in a step cache) without the diagram following makes these tests fail.
"""

from __future__ import annotations

import dataclasses
import itertools
import re

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.colors import to_hex
from matplotlib.patches import FancyArrowPatch
from matplotlib.text import Text

import vg
import vg.diagrams

CELLS = ("rnn", "lstm", "gru", "lru")
STEP_CACHE = {"rnn": vg.rnn.RNNStepCache, "lstm": vg.lstm.LSTMStepCache, "gru": vg.gru.GRUStepCache,
              "lru": vg.lru.LRUStepCache}
# The site's notation (GUIDE section 1, the notation page): the maths of each state's code name.
STATE_TEX = {"x_t": "$x_t$", "h_prev": "$h_{t-1}$", "h": "$h_t$", "a": "$a_t$", "c_prev": "$c_{t-1}$", "c": "$c_t$",
             "c_tilde": r"$\tilde{c}_t$", "h_tilde": r"$\tilde{h}_t$", "s_prev": "$s_{t-1}$", "s": "$s_t$",
             "i": "$i_t$", "f": "$f_t$", "o": "$o_t$", "z": "$z_t$", "r": "$r_t$"}
# The LRU's equations use quantities computed from its parameters (GUIDE section 5).
DERIVED = {"lambda": ("nu_log", "theta_log"), "gamma": ("gamma_log",), "B": ("B_re", "B_im"), "C": ("C_re", "C_im")}
GRADIENT = {"rnn": (("h", "phi", "a", "add", "W_h", "h_prev"), r"\phi′(a_t)"),
            "lstm": (("c", "add_c", "mul_f", "c_prev"), "f_t"),
            "gru": (("h", "add_h", "mul_z", "h_prev"), "z_t"),
            "lru": (("s", "add_s", "mul_lam", "s_prev"), r"\lambda")}


def _draw(cell, gradient=False):
    return getattr(vg.diagrams, f"{cell}_cell")(gradient=gradient)


def _texts(fig):
    return {t.get_gid(): t.get_text() for t in fig.findobj(Text) if t.get_gid()}


def _param_tex(name):
    """W_xf -> $W_{xf}$, b -> $b$: the parameter's code name, written as maths."""
    m = re.fullmatch(r"([A-Za-z]+)_(\w+)", name)
    return f"${m[1]}_{{{m[2]}}}$" if m else f"${name}$"


def _expected_states(cell):
    fields = {f.name for f in dataclasses.fields(STEP_CACHE[cell])} - {"params", "activation"}
    fields -= {"bx"}  # the LRU's B x_t: the arrow out of the box B, not a named state
    return fields | {"h"} | ({"a"} if cell == "rnn" else set())


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("gradient", [False, True])
def test_each_diagram_draws(cell, gradient):
    fig = _draw(cell, gradient)
    renderer = fig.canvas.get_renderer()
    fig.draw(renderer)
    box = fig.bbox
    texts = [t for t in fig.findobj(Text) if t.get_text()]
    assert len(texts) >= 8
    for t in texts:  # legible at the page width (a figure about 7 inches wide is shown at its size)
        assert t.get_fontsize() >= 9, (cell, t.get_text())
        ext = t.get_window_extent(renderer)
        assert box.x0 <= ext.x0 and ext.x1 <= box.x1 and box.y0 <= ext.y0 and ext.y1 <= box.y1, t.get_text()
    assert fig.get_size_inches()[0] <= 7.2


@pytest.mark.parametrize("cell", CELLS)
def test_labels_are_exactly_the_cells_parameter_and_state_names(cell):
    shown = _texts(_draw(cell, gradient=True))
    params = getattr(vg, cell).init(2, 3, np.random.default_rng(0))
    drawn = set()
    for gid, text in shown.items():
        kind, _, name = gid.partition("-")
        if kind == "param" and name in DERIVED:
            assert shown[f"code-{name}"] == ", ".join(DERIVED[name])
            drawn |= set(DERIVED[name])
        elif kind == "param":
            assert text == _param_tex(name), (gid, text)
            drawn.add(name)
    assert drawn == set(params), f"{cell}: drawn {sorted(drawn)}, vg.{cell}.init has {sorted(params)}"
    states = {gid.partition("-")[2]: text for gid, text in shown.items() if gid.startswith("state-")}
    assert set(states) == _expected_states(cell)
    for name, text in states.items():
        assert text == STATE_TEX[name], (name, text)


@pytest.mark.parametrize("cell", CELLS)
def test_gradient_overlay_adds_the_expected_path(cell):
    path, factor = GRADIENT[cell]
    spec = vg.diagrams.CELLS[cell]
    assert spec.gradient == path
    flows = {(e[0] if isinstance(e[0], str) else e[0][0], e[-1] if isinstance(e[-1], str) else e[-1][0])
             for e in spec.edges}

    def feeds(a, b):  # data flows from a to b, directly or through junction dots
        return any(x == a and (y == b or (spec.node(y).kind == "dot" and feeds(y, b))) for x, y in flows)

    for later, earlier in itertools.pairwise(path):  # the path runs against the forward data flow
        assert feeds(earlier, later), (earlier, later)
        assert spec.node(earlier).x < spec.node(later).x

    plain, overlaid = (_draw(cell, g).findobj(FancyArrowPatch) for g in (False, True))
    assert all(p.get_gid() is None for p in plain)
    grad = {p.get_gid(): p for p in overlaid if p.get_gid() not in (None, "grad-legend")}
    assert set(grad) == {f"grad-{a}-{b}" for a, b in itertools.pairwise(path)}
    forward = [p for p in overlaid if p.get_gid() is None]
    assert len(plain) == len(spec.edges) and len(forward) == len(spec.edges) + 1  # + the legend's sample
    orange = to_hex(vg.plot.COLORS[1])
    for p in grad.values():  # another colour AND another line style than the forward arrows
        assert to_hex(p.get_edgecolor()) == orange and p.get_linestyle() != "solid"
    for p in forward:
        assert to_hex(p.get_edgecolor()) == "#000000" and p.get_linestyle() == "solid"
    shown = _texts(_draw(cell, gradient=True))
    assert any(factor in text for gid, text in shown.items() if gid.startswith("factor-"))
    assert "grad-note" in shown and not any(gid.startswith(("factor-", "grad-")) for gid in _texts(_draw(cell)))


@pytest.mark.parametrize("cell", CELLS)
def test_svg_is_deterministic(cell, tmp_path):
    first, second = tmp_path / "a.svg", tmp_path / "b.svg"
    vg.plot.save(_draw(cell, gradient=True), str(first))
    vg.plot.save(_draw(cell, gradient=True), str(second))
    data = first.read_bytes()
    assert data == second.read_bytes()
    assert b'id="param-' in data and b'id="grad-' in data  # the names travel into the SVG as element ids


def test_node_names_are_unique_and_edges_connect_nodes():
    for cell, spec in vg.diagrams.CELLS.items():
        names = [n.name for n in spec.nodes]
        assert len(names) == len(set(names)), cell
        for e in spec.edges:
            for end in (e[0], e[-1]):
                assert (end if isinstance(end, str) else end[0]) in names, (cell, e)
