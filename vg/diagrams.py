"""Cell diagrams drawn from data: the RNN, LSTM, GRU and LRU, labelled with the site's names.

Each cell is a `Diagram` (in `CELLS`): named nodes (states, gates, parameters, operations) at fixed
positions, in inches from the lower-left corner, and the edges along which data flows. A node's name is
its name in the code (``W_xf``, ``c_tilde``, ``h_prev``) and its label the same name in maths ($W_{xf}$,
$\\tilde c_t$, $h_{t-1}$, see `tex`). Each label's text object carries the id ``state-<name>`` or
``param-<name>``, in the figure and in the SVG, so a test can compare the labels with the names of
``vg.<cell>.init(...)``. The LRU's parameters appear as the quantities of its equations ($\\lambda$,
$\\gamma$, $B$, $C$), with the code names each is computed from written under it.

With ``gradient=True`` the main backward path of one step is drawn on top: dashed and vermillion, where
the forward data flow is solid and black, with the factor the gradient picks up along it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Circle, FancyArrowPatch, FancyBboxPatch
from matplotlib.path import Path

from vg import plot

__all__ = ["CELLS", "Diagram", "Node", "draw", "gru_cell", "lru_cell", "lstm_cell", "rnn_cell", "tex"]

_TEX = {"x_t": "$x_t$", "h_prev": "$h_{t-1}$", "h": "$h_t$", "a": "$a_t$", "c_prev": "$c_{t-1}$", "c": "$c_t$",
        "c_tilde": r"$\tilde{c}_t$", "h_tilde": r"$\tilde{h}_t$", "s_prev": "$s_{t-1}$", "s": "$s_t$",
        "i": "$i_t$", "f": "$f_t$", "o": "$o_t$", "z": "$z_t$", "r": "$r_t$", "lambda": r"$\lambda$",
        "gamma": r"$\gamma$"}
_EDGE = {"state": "black", "op": "black", "gate": plot.COLORS[0], "cand": plot.COLORS[2], "param": plot.COLORS[3]}
_GRAD = {"color": plot.COLORS[1], "linestyle": (0, (4, 2)), "lw": 2.4}  # vermillion and dashed


def tex(name: str) -> str:
    """The maths of a code name: ``"W_xf"`` -> ``"$W_{xf}$"``, ``"b"`` -> ``"$b$"``, ``"h_prev"`` -> ``"$h_{t-1}$"``."""
    head, _, sub = name.partition("_")
    return _TEX.get(name) or (f"${head}_{{{sub}}}$" if sub else f"${name}$")


@dataclass(frozen=True)
class Node:
    """A box, circle, junction dot or bare label. ``kind``: state, gate, cand (tanh candidate), param, op, dot."""

    name: str
    kind: str
    x: float
    y: float
    label: str = ""
    w: float = 0.0  # box width; an op with h == 0 is a circle of diameter w; a param with w == 0 is bare text
    h: float = 0.0
    ly: float = 0.0  # the label's offset above the centre (gate boxes hold their parameters below it)
    code: str = ""  # code names written under the label (the LRU's derived parameters)
    act: str = ""  # a gate's squashing function, written in its top-left corner


@dataclass(frozen=True)
class Diagram:
    """A cell: nodes; edges (start, *waypoints, end, where an end is a node name or (name, dx, dy));
    the main gradient path (node names from the later quantity back to the earlier one); the factor
    written next to a node of that path (text, dx, dy); and the legend's note."""

    size: tuple[float, float]
    nodes: tuple[Node, ...]
    edges: tuple[tuple, ...]
    gradient: tuple[str, ...]
    factors: dict[str, tuple[str, float, float]] = field(default_factory=dict)
    note: str = ""

    def node(self, name: str) -> Node:
        return next(n for n in self.nodes if n.name == name)


def _op(name, x, y, label, w=0.34, h=0.0):
    return Node(name, "op", x, y, label, w, h)


def _box(name, x, y, kind="state", w=0.52, h=0.36, code=""):
    return Node(name, kind, x, y, tex(name), w, h, 0.1 if code else 0.0, code)


def _gated(gates, y, xbus, hbus):
    """Gate boxes holding their parameters, fed from an x_t bus and an h_{t-1} bus below them."""
    nodes, edges = [], []
    for name, x, kind, params, feeds in gates:
        act = r"$\tanh$" if kind == "cand" else r"$\sigma$"
        nodes.append(Node(name, kind, x, y, tex(name), 1.08, 0.72, 0.15, act=act))
        nodes += [Node(p, "param", x + (k - 1) * 0.35, y - 0.17, tex(p)) for k, p in enumerate(params)]
        for bus, by, dx in (("x", xbus, -0.2), ("h", hbus, 0.2)):
            if bus in feeds:
                nodes.append(Node(f"{bus}_{name}", "dot", x + dx, by))
                edges.append((f"{bus}_{name}", (name, dx, 0)))
    return nodes, edges


def _bus(start, names, nodes):
    """Bus lines from `start` through the junction dots `names`, left to right."""
    dots = sorted((n.x, n.name) for n in nodes if n.name in names)
    return list(zip([start, *(name for _, name in dots[:-1])], [name for _, name in dots]))


def _rnn() -> Diagram:
    y = 1.5
    nodes = [_box("h_prev", 0.45, y), _box("W_h", 1.6, y, "param"), _op("add", 2.8, y, "$+$"), _box("a", 3.85, y),
             _op("phi", 4.95, y, r"$\phi$", 0.5, 0.36), _box("h", 6.3, y), _box("x_t", 2.8, 0.3),
             _box("W_x", 2.8, 0.9, "param"), _box("b", 2.8, 2.25, "param", w=0.4)]
    edges = [("h_prev", "W_h"), ("W_h", "add"), ("x_t", "W_x"), ("W_x", "add"), ("b", "add"), ("add", "a"),
             ("a", "phi"), ("phi", "h")]
    return Diagram((7.0, 2.6), tuple(nodes), tuple(edges), ("h", "phi", "a", "add", "W_h", "h_prev"),
                   {"phi": (r"$\odot\,\phi′(a_t)$", 0, 0.45), "W_h": (r"$W_h^{\top}$", 0, 0.45)},
                   r"$\partial h_t/\partial h_{t-1} = \mathrm{diag}(\phi′(a_t))\,W_h$, transposed on the way back")


def _lstm() -> Diagram:
    yc, ym, yg = 3.45, 2.65, 1.75
    gates = [("f", 1.55, "gate", ["W_xf", "W_hf", "b_f"], "xh"), ("i", 2.75, "gate", ["W_xi", "W_hi", "b_i"], "xh"),
             ("c_tilde", 3.95, "cand", ["W_xc", "W_hc", "b_c"], "xh"),
             ("o", 5.15, "gate", ["W_xo", "W_ho", "b_o"], "xh")]
    nodes, edges = _gated(gates, yg, 0.4, 1.0)
    nodes += [_box("x_t", 0.45, 0.4), _box("h_prev", 0.45, 1.0), _box("c_prev", 0.45, yc), _box("c", 6.55, yc),
              _box("h", 6.6, yg, w=0.46), _op("mul_f", 1.55, yc, r"$\times$"), _op("add_c", 3.35, yc, "$+$"),
              _op("mul_i", 3.35, ym, r"$\times$"), Node("c_out", "dot", 5.95, yc),
              _op("tanh_c", 5.95, ym, r"$\tanh$", 0.56, 0.34), _op("mul_o", 5.95, yg, r"$\times$")]
    edges += _bus("x_t", {"x_f", "x_i", "x_c_tilde", "x_o"}, nodes)
    edges += _bus("h_prev", {"h_f", "h_i", "h_c_tilde", "h_o"}, nodes)
    edges += [("c_prev", "mul_f"), ("f", "mul_f"), ("mul_f", "add_c"), ("i", (2.75, ym), "mul_i"),
              ("c_tilde", (3.95, ym), "mul_i"), ("mul_i", "add_c"), ("add_c", "c_out"), ("c_out", "c"),
              ("c_out", "tanh_c"), ("tanh_c", "mul_o"), ("o", "mul_o"), ("mul_o", "h")]
    return Diagram((7.0, 3.8), tuple(nodes), tuple(edges), ("c", "add_c", "mul_f", "c_prev"),
                   {"mul_f": (r"$\odot f_t$", -0.5, -0.3)},
                   r"$\partial c_t/\partial c_{t-1} = \mathrm{diag}(f_t)$: no weight matrix, no $\tanh′$")


def _gru() -> Diagram:
    yh, ym, yg = 3.45, 2.65, 1.75
    gates = [("z", 1.55, "gate", ["W_xz", "W_hz", "b_z"], "xh"), ("r", 2.75, "gate", ["W_xr", "W_hr", "b_r"], "xh"),
             ("h_tilde", 4.6, "cand", ["W_xh", "W_hh", "b_h"], "x")]
    nodes, edges = _gated(gates, yg, 0.4, 1.0)
    nodes += [_box("x_t", 0.45, 0.4), _box("h_prev", 0.45, yh), Node("h_j", "dot", 0.45, 1.0),
              _box("h", 6.55, yh), _op("mul_z", 1.55, yh, r"$\times$"), _op("add_h", 4.6, yh, "$+$"),
              Node("z_j", "dot", 1.55, ym), _op("one_minus", 3.68, ym, "$1-$", 0.4),
              _op("mul_h", 4.6, ym, r"$\times$"), _op("mul_r", 3.68, yg, r"$\times$"), Node("h_mr", "dot", 3.68, 1.0)]
    edges += _bus("x_t", {"x_z", "x_r", "x_h_tilde"}, nodes)
    edges += [("h_prev", "h_j"), *_bus("h_j", {"h_z", "h_r", "h_mr"}, nodes), ("h_prev", "mul_z"), ("z", "z_j"),
              ("z_j", "mul_z"), ("z_j", "one_minus"), ("one_minus", "mul_h"), ("r", "mul_r"), ("h_mr", "mul_r"),
              ("mul_r", "h_tilde"), ("h_tilde", "mul_h"), ("mul_z", "add_h"), ("mul_h", "add_h"), ("add_h", "h")]
    return Diagram((7.0, 3.8), tuple(nodes), tuple(edges), ("h", "add_h", "mul_z", "h_prev"),
                   {"mul_z": (r"$\odot z_t$", -0.5, -0.3)},
                   r"direct term of $\partial h_t/\partial h_{t-1}$: $\mathrm{diag}(z_t)$, no weight matrix")


def _lru() -> Diagram:
    ys, yb = 2.55, 1.35
    nodes = [_box("s_prev", 0.5, ys), _op("mul_lam", 1.7, ys, r"$\times$"), _op("add_s", 3.1, ys, "$+$"),
             _box("s", 4.05, ys), _box("lambda", 1.7, 3.3, "param", 1.5, 0.56, "nu_log, theta_log"),
             _box("x_t", 0.5, 0.45), Node("x_B", "dot", 2.0, 0.45),
             _box("B", 2.0, yb, "param", 1.0, 0.56, "B_re, B_im"),
             _op("mul_g", 3.1, yb, r"$\times$"), _box("gamma", 4.05, yb, "param", 0.95, 0.56, "gamma_log"),
             _box("C", 5.1, ys, "param", 0.95, 0.56, "C_re, C_im"), _op("re", 6.05, ys, r"$\mathrm{Re}$", 0.48, 0.34),
             _box("D_x", 4.95, 0.45, "param"), _op("add_h", 6.05, yb, "$+$"), _box("h", 6.62, yb, w=0.46)]
    edges = [("s_prev", "mul_lam"), ("lambda", "mul_lam"), ("mul_lam", "add_s"), ("add_s", "s"), ("s", "C"),
             ("C", "re"), ("re", "add_h"), ("x_t", "x_B"), ("x_B", "B"), ("x_B", "D_x"), ("B", "mul_g"),
             ("gamma", "mul_g"), ("mul_g", "add_s"), ("D_x", (6.05, 0.45), "add_h"), ("add_h", "h")]
    return Diagram((7.0, 3.7), tuple(nodes), tuple(edges), ("s", "add_s", "mul_lam", "s_prev"),
                   {"mul_lam": (r"$\odot\,\bar{\lambda}$", -0.5, -0.38)},
                   r"$\partial s_t/\partial s_{t-1} = \mathrm{diag}(\lambda)$, the same at every step")


CELLS: dict[str, Diagram] = {"rnn": _rnn(), "lstm": _lstm(), "gru": _gru(), "lru": _lru()}


def _clip(n: Node, p, q) -> np.ndarray:
    """Where the ray from p (inside node n) towards q leaves n's outline."""
    p, d = np.asarray(p, float), np.subtract(q, p)
    o = p - (n.x, n.y)
    if n.kind == "dot":
        return p
    if n.h == 0:  # a circle
        a, b, c = d @ d, 2 * o @ d, o @ o - (n.w / 2) ** 2
        return p + (-b + np.sqrt(b * b - 4 * a * c)) / (2 * a) * d
    half = (n.w / 2, n.h / 2)
    return p + min((half[i] - np.sign(d[i]) * o[i]) / abs(d[i]) for i in (0, 1) if d[i] != 0) * d


def _arrow(ax, pts, head=True, gid=None, **style) -> None:
    ax.add_patch(FancyArrowPatch(path=Path(np.array(pts)), arrowstyle="-|>" if head else "-", mutation_scale=11,
                                 shrinkA=0, shrinkB=0, zorder=4 if gid else 1, gid=gid,
                                 **{"color": "black", "lw": 1.3, **style}))


def draw(d: Diagram, gradient: bool = False) -> Figure:
    """Draw a `Diagram`; with `gradient`, its main backward path on top and a legend strip above it."""
    width, top = d.size[0], d.size[1] + (0.45 if gradient else 0.0)
    fig, ax = plot.subplots(figsize=(width, top), layout=None)
    ax.set_position((0, 0, 1, 1))
    ax.set(xlim=(0, width), ylim=(0, top))
    ax.set_axis_off()
    for n in d.nodes:
        if n.kind == "dot":
            ax.add_patch(Circle((n.x, n.y), 0.04, color="black", zorder=3))
        elif n.w and n.h:  # a light tint (the site's dark mode inverts it to a dark one) and a coloured edge
            tint = {"fc": "white"} if n.kind in ("state", "op") else {"fc": _EDGE[n.kind], "alpha": 0.12}
            for style in ({**tint, "ec": "none"}, {"fc": "none", "ec": _EDGE[n.kind], "lw": 1.6}):
                ax.add_patch(FancyBboxPatch((n.x - n.w / 2, n.y - n.h / 2), n.w, n.h, zorder=2,
                                            boxstyle="round,pad=0,rounding_size=0.06", **style))
        elif n.w:
            ax.add_patch(Circle((n.x, n.y), n.w / 2, fc="white", ec="black", lw=1.3, zorder=2))
        kind = n.kind if n.kind in ("op", "param") else "state"
        size = 10 if n.kind == "param" and not n.w else 12
        if n.label:
            ax.text(n.x, n.y + n.ly, n.label, ha="center", va="center", fontsize=size, gid=f"{kind}-{n.name}")
        if n.act:
            ax.text(n.x - n.w / 2 + 0.07, n.y + n.h / 2 - 0.14, n.act, va="center", gid=f"op-act-{n.name}")
        if n.code:
            ax.text(n.x, n.y - 0.13, n.code, ha="center", va="center", fontsize=9.5, family="monospace",
                    gid=f"code-{n.name}")
    for e in d.edges:
        (a, *da), (b, *db) = ((end, 0, 0) if isinstance(end, str) else end for end in (e[0], e[-1]))
        na, nb = d.node(a), d.node(b)
        pts = [(na.x + da[0], na.y + da[1]), *e[1:-1], (nb.x + db[0], nb.y + db[1])]
        pts[0], pts[-1] = _clip(na, pts[0], pts[1]), _clip(nb, pts[-1], pts[-2])
        _arrow(ax, pts, head=nb.kind != "dot")
    if gradient:
        for a, b in zip(d.gradient, d.gradient[1:]):  # just above the forward arrows, pointing back
            na, nb = d.node(a), d.node(b)
            p, q = (na.x, na.y + 0.1), (nb.x, nb.y + 0.1)
            _arrow(ax, [_clip(na, p, q), _clip(nb, q, p)], gid=f"grad-{a}-{b}", **_GRAD)
        for name, (text, dx, dy) in d.factors.items():
            n = d.node(name)
            ax.text(n.x + dx, n.y + dy, text, ha="center", va="center", fontsize=11, gid=f"factor-{name}")
        y = top - 0.25
        _arrow(ax, [(0.15, y), (0.65, y)])
        ax.text(0.75, y, "forward", va="center")
        _arrow(ax, [(2.05, y), (1.55, y)], gid="grad-legend", **_GRAD)
        ax.text(2.15, y, "gradient: " + d.note, va="center", gid="grad-note")
    return fig


def rnn_cell(gradient: bool = False) -> Figure:
    """The vanilla RNN step, $a_t = W_h h_{t-1} + W_x x_t + b$ and $h_t = \\phi(a_t)$: $h_{t-1}$ through the
    box $W_h$ and $x_t$ through the box $W_x$ meet $b$ at the sum $a_t$, which $\\phi$ (tanh by default)
    turns into $h_t$. The gradient path runs $h_t \\to \\phi \\to a_t \\to W_h \\to h_{t-1}$, multiplied by
    $\\phi'(a_t)$ and $W_h^\\top$ on the way: the factor that vanishes or explodes over many steps."""
    return draw(CELLS["rnn"], gradient)


def lstm_cell(gradient: bool = False) -> Figure:
    """The LSTM step: $x_t$ and $h_{t-1}$ feed the gates $f_t$, $i_t$, $o_t$ and the candidate $\\tilde c_t$
    (each box holds its parameters, e.g. $W_{xf}, W_{hf}, b_f$); the cell line along the top computes
    $c_t = f_t \\odot c_{t-1} + i_t \\odot \\tilde c_t$, read out as $h_t = o_t \\odot \\tanh(c_t)$. The gradient
    path is the additive cell path $c_t \\to c_{t-1}$, multiplied only by $f_t$."""
    return draw(CELLS["lstm"], gradient)


def gru_cell(gradient: bool = False) -> Figure:
    """The GRU step (Cho et al. 2014): the gates $z_t$ and $r_t$, the candidate $\\tilde h_t$ computed from $x_t$
    and $r_t \\odot h_{t-1}$, and along the top $h_t = z_t \\odot h_{t-1} + (1 - z_t) \\odot \\tilde h_t$. The
    gradient path is the direct term $h_t \\to h_{t-1}$ through the product with $z_t$."""
    return draw(CELLS["gru"], gradient)


def lru_cell(gradient: bool = False) -> Figure:
    """The LRU step (Orvieto et al. 2023): $s_t = \\lambda \\odot s_{t-1} + \\gamma \\odot (B x_t)$ along the top,
    read out as $h_t = \\mathrm{Re}(C s_t) + D_x x_t$; the boxes $\\lambda$, $\\gamma$, $B$, $C$ name the
    parameters they are computed from. The gradient path is $s_t \\to s_{t-1}$ through $\\mathrm{diag}(\\lambda)$
    (for the complex gradient, a product with $\\bar\\lambda$)."""
    return draw(CELLS["lru"], gradient)
