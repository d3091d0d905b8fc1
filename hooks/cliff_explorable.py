"""MkDocs hook: the explorable of the cliff on the dynamical-systems page, and its reference values.

The model is `vg.cliff`, the one-unit network of Pascanu, Mikolov & Bengio (2013), with their notation
(x_t is the unit's state, there is no input):

    x_t = w sigma(x_{t-1}) + b,   x_0 = 0.5,   t = 1..50,   L(w, b) = (sigma(x_50) - 0.7)^2,

and one gradient step from (w, b) with learning rate LR, without clipping and with the gradient's norm
clipped at a threshold c (Pascanu et al. 2013, Algorithm 1): g <- g c / ||g|| when ||g|| > c.
`docs/assets/cliff-explorable.js` computes all of it in the browser (50 forward and 50 backward
scalar steps, the fixed points of the map, the orbit, a heat map of L over the slider ranges).

The sliders hold integers: w = w_index / 100, b = b_index / 100 and c = c_index / 100, so that the
browser and Python turn a slider position into the same double (one correctly rounded division).

This hook
- renders the widget's HTML (labelled controls, two empty drawings with text alternatives, a summary
  sentence and a table whose first numbers are computed here by `vg`) in place of the placeholder
  ``<div data-vg-cliff-explorable></div>`` on any page;
- publishes ``assets/cliff-explorable-reference.json``: loss, gradient and both steps at a handful of
  (w, b, c), computed by `vg.cliff.loss_and_grad`, `vg.clip.clip_global_norm` and `vg.cliff.loss`.
  tests/test_browser_cliff.py sets the sliders to those points and compares what the JavaScript
  computes and displays with these numbers (relative error < 1e-9).

The reference points keep away from the wall at large w: there the loss amplifies a last-bit
difference between the browser's and NumPy's tanh by up to (w sigma'(0.5))^50, and no two
implementations agree to nine digits.
"""

from __future__ import annotations

import html
import json
import math
import re
from functools import lru_cache

from _memo import vg_digest  # hooks/ is on sys.path while MkDocs loads a hook
from mkdocs.structure.files import File, Files
from mkdocs.utils import get_relative_url

LR = 0.5  # learning rate of the step the widget draws (the exploding page's descent uses 0.5)
W_RANGE = (0, 1000, 5)  # slider in hundredths: w from 0.00 to 10.00 in steps of 0.05
B_RANGE = (-600, 400, 1)  # b from -6.00 to 4.00 in steps of 0.01
C_RANGE = (10, 1000, 10)  # clipping threshold from 0.10 to 10.00 in steps of 0.10
DEFAULT = {"w": 450, "b": -230, "c": 100}
# (w, b, c) in hundredths, where the tests compare the browser with vg.
POINTS = [
    (450, -230, 100),  # the default: in the valley just above the wall
    (450, -260, 100),  # the start of the exploding page's descent, lower plateau
    (445, -227, 100),  # on the wall at w = 4.45: a large gradient, clipped
    (500, -261, 20),  # just above the wall at w = 5, clipped at 0.2
    (500, -250, 1000),  # three fixed points, the unstable one at 0
    (300, -150, 100),  # w < 4: one fixed point
    (800, -300, 200),  # far above the wall at w = 8
    (0, 100, 10),  # w = 0: the map is constant
    (1000, -600, 100),  # a corner of the slider ranges
]

REFERENCE_URI = "assets/cliff-explorable-reference.json"
SCRIPT_URI = "assets/cliff-explorable.js"
_PLACEHOLDER = re.compile(r"<div\b[^>]*\bdata-vg-cliff-explorable\b[^>]*>\s*</div>")


def model() -> dict:
    """The constants the browser needs, read from vg.cliff (nothing is typed twice)."""
    import vg

    return {
        "x0": vg.cliff.X0,
        "T": vg.cliff.T_DEFAULT,
        "target": vg.cliff.TARGET,
        "lr": LR,
        "w": list(W_RANGE),
        "b": list(B_RANGE),
        "c": list(C_RANGE),
        "default": DEFAULT,
    }


def point(wi: int, bi: int, ci: int) -> dict:
    """Everything the widget shows numerically at slider positions (wi, bi, ci), computed by vg."""
    import numpy as np

    import vg

    w, b, c = wi / 100, bi / 100, ci / 100
    loss, dw, db = vg.cliff.loss_and_grad(w, b)
    clipped, norm = vg.clip.clip_global_norm({"w": np.array([dw]), "b": np.array([db])}, c)
    w1, b1 = w - LR * dw, b - LR * db
    w2, b2 = w - LR * float(clipped["w"][0]), b - LR * float(clipped["b"][0])
    xs = [vg.cliff.X0]
    for _ in range(vg.cliff.T_DEFAULT):
        xs.append(w * float(vg.activations.sigmoid(np.array(xs[-1]))) + b)
    return {
        "wi": wi, "bi": bi, "ci": ci, "loss": loss, "dw": dw, "db": db, "norm": norm,
        "x_T": xs[-1], "fixed_points": fixed_points(w, b),
        "unclipped": {"w": w1, "b": b1, "loss": vg.cliff.loss(w1, b1)},
        "clipped": {"w": w2, "b": b2, "loss": vg.cliff.loss(w2, b2), "was_clipped": bool(norm > c)},
    }


def _sigmoid(x: float) -> float:
    return 0.5 * math.tanh(0.5 * x) + 0.5


def fixed_points(w: float, b: float) -> list[dict]:
    """Fixed points of f(x) = w sigma(x) + b with their slopes: the same search as the JavaScript.

    They lie in [b, w + b] (sigma is in (0, 1) and w >= 0): sign changes of f(x) - x on 2000 equal
    intervals of [b - 1, w + b + 1], refined by 60 bisections.
    """
    lo, hi, n = b - 1.0, w + b + 1.0, 2000
    g = lambda x: w * _sigmoid(x) + b - x  # noqa: E731
    xs = [lo + (hi - lo) * i / n for i in range(n + 1)]
    gs = [g(x) for x in xs]
    out = []
    for i in range(n):
        if gs[i] == 0.0:
            root = xs[i]
        elif gs[i] * gs[i + 1] < 0.0:
            a, c = xs[i], xs[i + 1]
            for _ in range(60):
                m = 0.5 * (a + c)
                if (g(m) > 0.0) == (gs[i] > 0.0):
                    a = m
                else:
                    c = m
            root = 0.5 * (a + c)
        else:
            continue
        s = _sigmoid(root)
        out.append({"x": root, "slope": w * s * (1.0 - s)})
    return out


@lru_cache(maxsize=1)
def reference() -> dict:
    return {"model": model(), "points": [point(*p) for p in POINTS]}


def fmt_e(x: float) -> str:
    """As JavaScript's x.toExponential(4): 1.0890e-3, -2.1030e+0."""
    mantissa, exponent = f"{x:.4e}".split("e")
    return f"{mantissa}e{int(exponent):+d}"


def fmt_f(x: float, digits: int) -> str:
    """As the JavaScript's fixed(): round half up (Math.round) first, never '-0.000'."""
    scale = 10**digits
    return f"{math.floor(x * scale + 0.5) / scale + 0.0:.{digits}f}".replace("-", "\u2212")


def summary(p: dict) -> str:
    """The readout sentence; cliff-explorable.js writes exactly the same one for the same settings."""
    w, b, c = p["wi"] / 100, p["bi"] / 100, p["ci"] / 100
    fps = p["fixed_points"]
    kinds = ", ".join(
        f"{'stable' if f['slope'] < 1 else 'unstable'} at {fmt_f(f['x'], 3)}" for f in fps
    )
    clip = p["clipped"]
    return (
        f"w = {fmt_f(w, 2)}, b = {fmt_f(b, 2)}: {len(fps)} fixed point{'s' if len(fps) != 1 else ''} "
        f"({kinds}); the orbit from x\u2080 = {model()['x0']} ends at x\u2085\u2080 = {fmt_f(p['x_T'], 3)}. "
        f"Loss {fmt_e(p['loss'])}, gradient (\u2202L/\u2202w, \u2202L/\u2202b) = "
        f"({fmt_e(p['dw'])}, {fmt_e(p['db'])}), norm {fmt_e(p['norm'])}. "
        f"One step with learning rate {LR}: without clipping to ({fmt_f(p['unclipped']['w'], 3)}, "
        f"{fmt_f(p['unclipped']['b'], 3)}), loss {fmt_e(p['unclipped']['loss'])}; "
        f"{'clipped' if clip['was_clipped'] else 'not clipped'} at {fmt_f(c, 2)} to "
        f"({fmt_f(clip['w'], 3)}, {fmt_f(clip['b'], 3)}), loss {fmt_e(clip['loss'])}."
    )


def _rows(p: dict) -> str:
    cells = [
        ("loss L(w, b)", fmt_e(p["loss"])),
        ("\u2202L/\u2202w", fmt_e(p["dw"])),
        ("\u2202L/\u2202b", fmt_e(p["db"])),
        ("gradient norm", fmt_e(p["norm"])),
        ("x\u2085\u2080", fmt_f(p["x_T"], 3)),
        ("loss after the unclipped step", fmt_e(p["unclipped"]["loss"])),
        ("loss after the clipped step", fmt_e(p["clipped"]["loss"])),
    ]
    return "".join(f'<tr><th scope="row">{html.escape(k)}</th><td>{v}</td></tr>' for k, v in cells)


def _slider(name: str, label: str, rng: tuple[int, int, int], value: int, digits: int) -> str:
    lo, hi, step = rng
    text = fmt_f(value / 100, digits)
    return f"""<div class="vg-cx-control">
<label for="vg-cx-{name}">{label}</label>
<input type="range" id="vg-cx-{name}" name="{name}" min="{lo}" max="{hi}" step="{step}" value="{value}"
 aria-valuetext="{text}">
<output id="vg-cx-{name}-out" for="vg-cx-{name}">{text}</output>
</div>"""


def widget_html(script_url: str) -> str:
    d = DEFAULT
    p = point(d["w"], d["b"], d["c"])
    model_json = json.dumps(model(), separators=(",", ":")).replace("</", "<\\/")
    text = summary(p)
    return f"""<div class="vg-cliff-explorable" id="vg-cliff-explorable">
<form class="vg-cx-controls" aria-label="Cliff explorable settings">
{_slider("w", "Recurrent weight w", W_RANGE, d["w"], 2)}
{_slider("b", "Bias b", B_RANGE, d["b"], 2)}
{_slider("c", "Clipping threshold c", C_RANGE, d["c"], 2)}
</form>
<div class="vg-cx-plots">
<div class="vg-cx-plot" id="vg-cx-map" role="img"
 aria-label="The map x to w sigma(x) + b, its fixed points and the orbit from x0 (drawn by the script)."></div>
<div class="vg-cx-plot" id="vg-cx-surface" role="img"
 aria-label="The loss L(w, b) as a heat map, the current point and two steps (drawn by the script)."></div>
</div>
<p class="vg-cx-legend">Left: the map (blue) against the diagonal (dashed), stable fixed points filled,
unstable ones open, and the orbit from x₀ as a cobweb. Right: the loss on a log colour scale (dark:
small, yellow: large), the current point (white disc), the step without clipping (white, dashed) and
the clipped step (orange).</p>
<p class="vg-cx-summary" id="vg-cx-summary" aria-live="polite">{html.escape(text)}</p>
<details class="vg-cx-numbers">
<summary>The numbers at this point</summary>
<table id="vg-cx-table"><tbody>{_rows(p)}</tbody></table>
</details>
<script type="application/json" id="vg-cx-model">{model_json}</script>
</div>
<script src="{script_url}" defer></script>"""


_computed_with: str | None = None  # the digest of vg's code that the cached numbers were computed with


def on_pre_build(config, **kwargs) -> None:
    # `mkdocs serve` rebuilds in one process with a fresh `vg` (hooks/freshvg.py): the numbers are
    # computed again when vg's code changed, and only then (not after every page edit).
    global _computed_with
    digest = vg_digest()
    if digest != _computed_with:
        for fn in (reference,):
            fn.cache_clear()
        _computed_with = digest


def on_files(files: Files, config, **kwargs) -> Files:
    data = json.dumps(reference(), separators=(",", ":"))
    files.append(File.generated(config, REFERENCE_URI, content=data))
    return files


def on_page_content(content: str, page, config, files, **kwargs) -> str:
    if not _PLACEHOLDER.search(content):
        return content
    script = get_relative_url(SCRIPT_URI, page.url)
    return _PLACEHOLDER.sub(lambda _m: widget_html(script), content, count=1)
