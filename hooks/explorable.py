"""MkDocs hook: the interactive explorable of the vanishing-gradients page, and its reference values.

The model (the same in this file, in `docs/assets/explorable.js` and in the page's code block):
a vanilla RNN with H = 16 units, one input, T = 100 steps, zero bias and h_0 = 0,

    h_t = phi(W_h h_{t-1} + W_x x_t),     W_h = sigma_max * Q,

where Q is a fixed random orthogonal matrix (so every singular value of W_h equals sigma_max) and
W_x, x_1..x_T are fixed Gaussian draws, all from `np.random.default_rng(SEED)`. The loss reads only
h_T with dL/dh_T = (1, ..., 1) / sqrt(H); the curve is ||dL/dh_{T-j}||_2 for distances j = 0..T,
computed by the backward recursion dL/dh_{k-1} = W_h^T (phi'(a_k) * dL/dh_k).

This hook
- renders the widget's HTML (labelled controls, an empty plot, a text readout whose first numbers are
  computed here by `vg`, and the model's numbers as JSON, so the browser needs no random generator) in
  place of the placeholder ``<div data-vg-explorable></div>`` on any page;
- publishes ``assets/explorable-reference.json``: the curve for every slider setting, computed by
  `vg.rnn.forward` and `vg.analysis.gradient_norms`. The browser tests move the sliders and compare
  the curve the JavaScript draws with these numbers (relative error < 1e-9).

Sigma_max stops at 2: beyond it the tanh network is chaotic, so a last-bit difference between the
browser's and NumPy's arithmetic grows along the trajectory and the two curves stop agreeing to 1e-9.
"""

from __future__ import annotations

import html
import json
import re
from functools import lru_cache

from _memo import vg_digest  # hooks/ is on sys.path while MkDocs loads a hook
from mkdocs.structure.files import File, Files
from mkdocs.utils import get_relative_url

H = 16  # hidden units
T = 100  # time steps (the largest distance)
SEED = 2024
SIGMA_PERCENT = range(25, 201, 5)  # slider values: sigma_max = value / 100, 0.25 .. 2.00
ACTIVATIONS = ("tanh", "sigmoid", "relu", "identity")
LABELS = {"tanh": "tanh", "sigmoid": "sigmoid", "relu": "ReLU", "identity": "linear (identity)"}
DEFAULT = {"sigma": 100, "activation": "tanh", "distance": 50}

REFERENCE_URI = "assets/explorable-reference.json"
SCRIPT_URI = "assets/explorable.js"
_PLACEHOLDER = re.compile(r"<div\b[^>]*\bdata-vg-explorable\b[^>]*>\s*</div>")


@lru_cache(maxsize=1)
def model() -> dict:
    """Q, W_x and x, drawn exactly as the page's code block draws them."""
    import numpy as np

    import vg

    rng = np.random.default_rng(SEED)
    Q = vg.rnn.orthogonal(H, rng)
    W_x = rng.standard_normal((H, 1))
    x = rng.standard_normal(T)
    gamma = {a: vg.activations.derivative_bound(a) for a in ACTIVATIONS}
    return {"H": H, "T": T, "seed": SEED, "Q": Q.tolist(), "W_x": W_x[:, 0].tolist(), "x": x.tolist(), "gamma": gamma}


def curve(sigma_percent: int, activation: str) -> list[float]:
    """||dL/dh_{T-j}|| for j = 0..T, computed by vg (the reference the browser must reproduce)."""
    import numpy as np

    import vg

    m = model()
    Q, W_x, x = np.array(m["Q"]), np.array(m["W_x"])[:, None], np.array(m["x"])
    params = {"W_x": W_x, "W_h": (sigma_percent / 100) * Q, "b": np.zeros(H)}
    _, cache = vg.rnn.forward(x.reshape(T, 1, 1), params, activation=activation)
    norms = vg.analysis.gradient_norms(cache)[:, 0]  # norms[k] = ||dL/dh_k||, k = 0..T
    return norms[::-1].tolist()  # index j = distance T - k


@lru_cache(maxsize=1)
def reference() -> dict:
    curves = {a: {str(s): curve(s, a) for s in SIGMA_PERCENT} for a in ACTIVATIONS}
    return {"model": model(), "default": DEFAULT, "curves": curves}


def fmt(x: float) -> str:
    """A number as the JavaScript writes it (Number.prototype.toExponential(2)): 3.20e-5, 1.00e+0."""
    mantissa, exponent = f"{x:.2e}".split("e")
    return f"{mantissa}e{int(exponent):+d}"


def summary(sigma_percent: int, activation: str, distance: int) -> str:
    """The readout sentence; explorable.js writes exactly the same one for the same settings."""
    g = curve(sigma_percent, activation)[distance]
    gamma = model()["gamma"][activation]
    bound = (gamma * (sigma_percent / 100)) ** distance
    return (
        f"{LABELS[activation]}, \u03c3max = {sigma_percent / 100:.2f}: at distance {distance} the gradient "
        f"norm \u2016\u2202L/\u2202h(T\u2212{distance})\u2016 is {fmt(g)}; "
        f"the bound (\u03b3\u00b7\u03c3max)^{distance} is {fmt(bound)}."
    )


def widget_html(script_url: str) -> str:
    d = DEFAULT
    radios = "\n".join(
        f'<label class="vg-ex-radio"><input type="radio" name="vg-ex-activation" value="{a}"'
        f"{' checked' if a == d['activation'] else ''}> {html.escape(LABELS[a])}</label>"
        for a in ACTIVATIONS
    )
    model_json = json.dumps(model(), separators=(",", ":")).replace("</", "<\\/")
    g = curve(d["sigma"], d["activation"])
    every = list(range(0, T + 1, 10))
    rows = "".join(f"<tr><td>{j}</td><td>{fmt(g[j])}</td></tr>" for j in every)
    text = summary(d["sigma"], d["activation"], d["distance"])
    return f"""<div class="vg-explorable" id="vg-explorable">
<form class="vg-ex-controls" aria-label="Explorable settings">
<div class="vg-ex-control">
<label for="vg-ex-sigma">Recurrent weight scale \u03c3<sub>max</sub>(W<sub>h</sub>)</label>
<input type="range" id="vg-ex-sigma" name="sigma" min="{SIGMA_PERCENT.start}" max="{SIGMA_PERCENT.stop - 1}"
 step="{SIGMA_PERCENT.step}" value="{d["sigma"]}" aria-valuetext="{d["sigma"] / 100:.2f}">
<output id="vg-ex-sigma-out" for="vg-ex-sigma">{d["sigma"] / 100:.2f}</output>
</div>
<fieldset class="vg-ex-control vg-ex-activations">
<legend>Activation \u03c6</legend>
{radios}
</fieldset>
<div class="vg-ex-control">
<label for="vg-ex-distance">Distance T \u2212 k (steps back)</label>
<input type="range" id="vg-ex-distance" name="distance" min="1" max="{T}" step="1" value="{d["distance"]}">
<output id="vg-ex-distance-out" for="vg-ex-distance">{d["distance"]}</output>
</div>
</form>
<div class="vg-ex-plot" id="vg-ex-plot" role="img"
 aria-label="Gradient norm against distance, on a log scale (drawn by the script)."></div>
<p class="vg-ex-summary" id="vg-ex-summary" aria-live="polite">{html.escape(text)}</p>
<details class="vg-ex-numbers">
<summary>The numbers, every 10 steps</summary>
<table id="vg-ex-table">
<thead><tr><th scope="col">distance j</th>
<th scope="col">\u2016\u2202L/\u2202h(T\u2212j)\u2016</th></tr></thead>
<tbody>{rows}</tbody>
</table>
</details>
<script type="application/json" id="vg-ex-model">{model_json}</script>
</div>
<script src="{script_url}" defer></script>"""


_computed_with: str | None = None  # the digest of vg's code that the cached numbers were computed with


def on_pre_build(config, **kwargs) -> None:
    # `mkdocs serve` rebuilds in one process with a fresh `vg` (hooks/freshvg.py): the numbers are
    # computed again when vg's code changed, and only then (not after every page edit).
    global _computed_with
    digest = vg_digest()
    if digest != _computed_with:
        for fn in (model, reference):
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
