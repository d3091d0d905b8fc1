"""The hooks that keep pages light and the explorable's reference numbers, without a browser.

tests/test_browser.py measures the built pages; these check the pieces on small inputs: the notebook
stylesheet trimming keeps what a notebook needs and drops what it cannot use, the TeX annotations leave
the search index, and the explorable's reference curves (computed by vg) obey the maths they illustrate.
"""

from __future__ import annotations

import explorable
import notebook_css
import numpy as np
import pageweight
import pytest

CSS = """
@charset "UTF-8";
/* a comment { with braces } */
.jupyter-wrapper { --jp-used: #111; --jp-unused: #222; --jp-chain: var(--jp-used); }
.jupyter-wrapper .jp-Cell { color: var(--jp-chain); }
.jupyter-wrapper .jp-Dialog { color: red; }
.jupyter-wrapper .jp-Cell:not(.jp-mod-active) .jp-InputPrompt { opacity: .5; }
.jupyter-wrapper .jp-Toolbar, .jupyter-wrapper .jp-InputPrompt { margin: 0; }
.jupyter-wrapper :is(.jp-Menu, .jp-Other) { color: blue; }
.jupyter-wrapper [data-x="a.b"] { top: 0; }
.icon { background: url("data:image/svg+xml;utf8,<svg>;{}</svg>"); }
@media (max-width: 760px) { .jupyter-wrapper .jp-Cell { padding: 0; } .jupyter-wrapper .jp-Menu { x: 1; } }
@media print { .jupyter-wrapper .jp-Menu { x: 1; } }
@keyframes spin { from { transform: rotate(0); } to { transform: rotate(1turn); } }
"""
USED = {"jupyter-wrapper", "jp-Cell", "jp-InputPrompt", "icon"}


def test_trimming_keeps_rules_that_can_match_and_drops_the_rest():
    out = notebook_css.trim_css(CSS, USED)
    assert ".jupyter-wrapper .jp-Cell{" in out
    assert ".jp-Dialog" not in out  # its class occurs in no notebook
    assert ".jp-Cell:not(.jp-mod-active) .jp-InputPrompt" in out  # :not() requires an absence
    assert ".jupyter-wrapper .jp-InputPrompt{margin: 0}" in out and ".jp-Toolbar" not in out  # per selector
    assert ":is(.jp-Menu, .jp-Other)" in out  # alternatives: kept, to be safe
    assert '[data-x="a.b"]' in out  # the dot inside an attribute value is not a class
    assert 'url("data:image/svg+xml;utf8,<svg>;{}</svg>")' in out  # strings with ; and {} survive
    assert "@media (max-width: 760px){" in out and "padding: 0" in out
    assert "@media print" not in out  # nothing left inside it
    assert "@keyframes spin" in out and "rotate(1turn)" in out
    assert "comment" not in out


def test_trimming_drops_custom_properties_nothing_uses():
    out = notebook_css.trim_css(CSS, USED)
    assert "--jp-chain: var(--jp-used)" in out and "--jp-used: #111" in out  # used, also indirectly
    assert "--jp-unused" not in out
    # A property used only in a style="" attribute of a notebook is kept when named.
    assert "--jp-unused" in notebook_css.trim_css(CSS, USED, {"--jp-unused"})
    # A fallback reads its property too; one that nothing reads goes.
    fallback = notebook_css.trim_css(".a { --x: 1; --y: 2; --z: 3; color: var( --x, var(--y)); }", {"a"})
    assert "--x: 1" in fallback and "--y: 2" in fallback and "--z" not in fallback


def test_notebook_page_loses_inline_styles_and_cdn_scripts():
    page_html = (
        "<html><head><title>x</title></head><body><article>"
        '<style type="text/css">.jupyter-wrapper .jp-Cell { color: red; }</style>'
        "<style>['pre { line-height: 125%; }']</style>"
        '<script src=""> </script><script type="text/x-mathjax-config">MathJax.Hub.Config({})</script>'
        '<script type="module">const m = await import("https://cdnjs.cloudflare.com/mermaid.mjs");'
        " // mermaid</script>"
        '<div class="jupyter-wrapper"><div class="jp-Cell">cell</div></div>'
        "</article></body></html>"
    )

    class File:
        src_uri = "examples/demo.ipynb"

    class Page:
        file = File()
        url = "examples/demo/"

    notebook_css.on_pre_build(config={})
    out = notebook_css.on_post_page(page_html, page=Page(), config={})
    assert "<style" not in out and "cdnjs" not in out and "mathjax" not in out.lower()
    assert '<link rel="stylesheet" href="../../assets/notebook.css">\n</head>' in out
    assert '<div class="jp-Cell">cell</div>' in out
    assert "jp-Cell" in notebook_css._classes


def test_tex_annotations_leave_the_search_index_but_stay_on_the_page():
    html = '<math><semantics><mi>x</mi><annotation encoding="application/x-tex">x^2</annotation></semantics></math>'
    out = pageweight.on_page_content(html, page=None, config=None, files=None)
    assert '<annotation data-search-exclude encoding="application/x-tex">x^2</annotation>' in out
    assert pageweight.on_page_content(out, page=None, config=None, files=None) == out  # idempotent


@pytest.mark.parametrize("sigma", [50, 100, 175])
def test_explorable_reference_is_exact_for_the_linear_network(sigma):
    """With phi = identity and W_h = sigma_max * Q (Q orthogonal), each step back multiplies the
    gradient's norm by exactly sigma_max: the reference curve must be sigma_max**j."""
    g = np.array(explorable.curve(sigma, "identity"))
    j = np.arange(explorable.T + 1)
    np.testing.assert_allclose(g, (sigma / 100) ** j, rtol=1e-12)


@pytest.mark.parametrize("activation", explorable.ACTIVATIONS)
def test_explorable_reference_respects_the_bound(activation):
    """||dL/dh_{T-j}|| <= (gamma * sigma_max)**j for every setting (dL/dh_T is a unit vector)."""
    gamma = explorable.model()["gamma"][activation]
    j = np.arange(explorable.T + 1)
    for sigma in (25, 100, 200):
        g = np.array(explorable.curve(sigma, activation))
        assert g[0] == pytest.approx(1.0)
        assert np.all(g <= (gamma * sigma / 100) ** j * (1 + 1e-12))


def test_explorable_readout_formats_numbers_like_javascript():
    # Number.prototype.toExponential(2) writes 2.09e-8, 1.00e+0, 3.60e+3.
    assert explorable.fmt(2.0850090749143428e-08) == "2.09e-8"
    assert explorable.fmt(1.0) == "1.00e+0"
    assert explorable.fmt(3599.0) == "3.60e+3"
    assert explorable.fmt(0.0) == "0.00e+0"
    text = explorable.summary(100, "tanh", 50)
    assert text.startswith("tanh, \u03c3max = 1.00: at distance 50 ") and "is 2.09e-8;" in text


def test_code_blocks_leave_the_search_index_but_stay_on_the_page():
    html = ('<p>prose</p><div class="language-python highlight"><pre><code>x = 1</code></pre></div>'
            '<div class="highlight-ipynb hl-python"><pre>y</pre></div><div class="md-typeset">z</div>')
    out = pageweight.on_page_content(html, page=None, config=None, files=None)
    assert out.count("data-search-exclude") == 2
    assert '<div class="language-python highlight" data-search-exclude><pre><code>x = 1</code>' in out
    assert '<div class="md-typeset">z</div>' in out and "<p>prose</p>" in out
    assert pageweight.on_page_content(out, page=None, config=None, files=None) == out  # idempotent
