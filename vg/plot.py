"""Figure helpers: one look for every figure on the site, deterministic SVG output.

The site draws every figure at build time from code shown on the page, so two things matter here:
the same code must give byte-identical SVG on every run (no dates, fixed element ids), and the figures
must be readable by everyone (colour-blind-safe colours *and* distinct line styles, text kept as text).
"""

from __future__ import annotations

import base64
import html
import io
import re
from typing import Any

import matplotlib as mpl
import matplotlib.pyplot as plt
from matplotlib.figure import Figure

# Okabe & Ito (2008): distinguishable under the common colour-vision deficiencies.
COLORS: tuple[str, ...] = (
    "#0072B2",  # blue
    "#D55E00",  # vermillion
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#E69F00",  # orange
    "#56B4E9",  # sky blue
    "#000000",  # black
    "#F0E442",  # yellow (last: low contrast on white)
)
LINESTYLES: tuple[Any, ...] = ("-", "--", ":", "-.", (0, (5, 1, 1, 1, 1, 1)), (0, (1, 1)), "-", "--")
MARKERS: tuple[str, ...] = ("o", "s", "^", "D", "v", "P", "X", "*")

#: Per-series keyword arguments: colour, line style and marker all differ, so that series stay
#: distinguishable in grey scale and for colour-blind readers. Use as ``ax.plot(x, y, **STYLES[i])``.
STYLES: tuple[dict[str, Any], ...] = tuple(
    {"color": c, "linestyle": ls, "marker": m, "markevery": 0.1}
    for c, ls, m in zip(COLORS, LINESTYLES, MARKERS)
)

RC: dict[str, Any] = {
    "figure.figsize": (6.4, 3.6),
    "figure.dpi": 100,
    "font.size": 10,
    "axes.titlesize": 11,
    "axes.labelsize": 10,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.prop_cycle": mpl.cycler(color=COLORS[:7], linestyle=LINESTYLES[:7]),
    "lines.linewidth": 1.8,
    "legend.frameon": False,
    "figure.facecolor": "white",
    "axes.facecolor": "white",
    "savefig.facecolor": "white",
    "svg.fonttype": "none",  # text stays text: smaller files, selectable, searchable
    "svg.hashsalt": "vg",  # fixed element ids: the same figure gives the same bytes
    "image.cmap": "viridis",  # perceptually uniform and colour-blind safe
}


def apply_style() -> None:
    """Set matplotlib's global rcParams to the site's style (idempotent).

    `subplots` calls this for you; call it yourself only when you create figures another way.
    """
    mpl.rcParams.update(RC)


def subplots(nrows: int = 1, ncols: int = 1, **kwargs: Any) -> tuple[Figure, Any]:
    """`matplotlib.pyplot.subplots` with the site's style applied.

    Args:
        nrows: rows of axes.
        ncols: columns of axes.
        **kwargs: passed to `plt.subplots` (e.g. ``figsize=(8, 3)``, ``sharey=True``).

    Returns:
        ``(fig, ax)`` exactly as `plt.subplots` returns them.
    """
    apply_style()
    kwargs.setdefault("layout", "constrained")
    return plt.subplots(nrows, ncols, **kwargs)


# Matplotlib's DejaVu mathtext draws the prime of $\phi'$ with TeX's cmsy10 font, where it sits at the
# code of "0": with text kept as text, a browser without cmsy10 shows "φ0". Keep it Unicode instead.
_CMSY_PRIME = re.compile(r"font-family: 'cmsy10'(\"[^>]*)>0<")


def to_svg(fig: Figure) -> str:
    """Render `fig` to an SVG string that is byte-identical from run to run."""
    buf = io.StringIO()
    with mpl.rc_context({"svg.hashsalt": "vg", "svg.fonttype": "none"}):
        fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None})
    return _CMSY_PRIME.sub(lambda m: f"font-family: 'DejaVu Sans'{m.group(1)}>\u2032<", buf.getvalue())


def save(fig: Figure, path: str) -> None:
    """Write `fig` to `path` as deterministic SVG and close it.

    Args:
        fig: the figure.
        path: a file name ending in ``.svg``; the site's build publishes it next to the page.
    """
    if not isinstance(path, str) or not path.endswith(".svg"):
        raise ValueError(f"path must be a file name ending in '.svg', got {path!r}")
    svg = to_svg(fig)
    plt.close(fig)
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(svg)


class InlineFigure:
    """A figure as an inline SVG image with alt text, for notebooks.

    Jupyter displays it through `_repr_html_`; the SVG travels inside the page as a data URI, so the
    notebook needs no image files and the picture carries its description for screen readers.
    """

    def __init__(self, svg: str, alt: str) -> None:
        self.svg = svg
        self.alt = alt

    def _repr_html_(self) -> str:
        data = base64.b64encode(self.svg.encode("utf-8")).decode("ascii")
        alt = html.escape(self.alt, quote=True)
        return f'<img class="vg-figure" alt="{alt}" src="data:image/svg+xml;base64,{data}">'


def show(fig: Figure, alt: str) -> InlineFigure:
    """Close `fig` and return it as an inline SVG with alt text (end a notebook cell with this).

    Args:
        fig: the figure.
        alt: what the figure shows, for readers who cannot see it (required, non-empty).
    """
    if not isinstance(alt, str) or len(alt.strip()) < 10:
        raise ValueError(f"alt must describe what the figure shows (>= 10 characters), got {alt!r}")
    svg = to_svg(fig)
    plt.close(fig)
    return InlineFigure(svg, alt)

