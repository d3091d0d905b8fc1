"""The build's own machinery: the hooks must fail loudly and produce reproducible output."""

from __future__ import annotations

import sys
import textwrap

import figures
import freshvg
import maths
import notebooks
import pytest
from mkdocs.exceptions import PluginError

PAGE = textwrap.dedent(
    '''\
    # A page

    ![A parabola, for the test.](figures/parabola.svg)

    ??? example "Code for this figure"

        ```python
        import numpy as np
        import vg

        fig, ax = vg.plot.subplots()
        w = np.linspace(-2, 2, 41)
        ax.plot(w, w**2, **vg.plot.STYLES[0])
        vg.plot.save(fig, "parabola.svg")
        ```

    ```python
    print("not a figure block")
    ```

    !!! note "Something else"

        ```python
        print("not a figure block either")
        ```
    '''
)


def test_figure_blocks_are_found_only_under_their_title():
    found = figures.find_figure_blocks(PAGE, "x/page.md")
    assert len(found) == 1
    assert found[0].line == 7
    assert found[0].code.startswith("import numpy as np\nimport vg\n")
    assert 'vg.plot.save(fig, "parabola.svg")' in found[0].code


def test_figure_code_gives_byte_identical_svg(tmp_path):
    block = figures.find_figure_blocks(PAGE, "x/page.md")[0]
    first = figures.run_block(block, tmp_path / "page.md")
    second = figures.run_block(block, tmp_path / "page.md")
    assert set(first) == {"parabola.svg"}
    assert first == second
    assert b"<dc:date>" not in first["parabola.svg"]


def test_failing_figure_code_names_the_page_and_line(tmp_path):
    bad = PAGE.replace("w = np.linspace(-2, 2, 41)", "w = np.linspace(-2, 2, 41) / undefined_name")
    block = figures.find_figure_blocks(bad, "x/page.md")[0]
    with pytest.raises(PluginError, match=r"x/page\.md:7 raised NameError"):
        figures.run_block(block, tmp_path / "page.md")


def test_figure_code_that_saves_nothing_is_an_error(tmp_path):
    bad = PAGE.replace('vg.plot.save(fig, "parabola.svg")', "pass")
    block = figures.find_figure_blocks(bad, "x/page.md")[0]
    with pytest.raises(PluginError, match=r"wrote no \.svg file"):
        figures.run_block(block, tmp_path / "page.md")


def test_maths_is_typeset_as_mathml_and_bad_tex_fails():
    html = '<p>Inline <span class="arithmatex">\\(h_t = \\tanh(a_t)\\)</span>.</p>'
    out = maths.render_html(html, "p.md")
    assert "<math" in out and "\\(" not in out
    with pytest.raises(PluginError, match=r"p\.md"):
        maths.render_html('<span class="arithmatex">\\(\\frac{a\\)</span>', "p.md")


def test_maths_unescapes_html_entities():
    out = maths.render_html('<div class="arithmatex">\\[a &lt; b\\]</div>', "p.md")
    assert 'display="block"' in out and "&lt;" in out  # the MathML escapes it again, once


def test_failing_notebook_names_the_file_and_line(tmp_path, monkeypatch):
    src = tmp_path / "examples" / "broken.py"
    src.parent.mkdir()
    src.write_text("# %% [markdown]\n# # Broken\n\n# %%\nx = 1\n\n# %%\ny = 1 / 0\n", encoding="utf-8")
    monkeypatch.setattr(notebooks, "ROOT", tmp_path)
    with pytest.raises(PluginError, match=r"examples/broken\.py:8 failed"):
        notebooks.execute(src)


def test_notebook_cache_key_follows_vg_and_the_notebook(tmp_path):
    src = tmp_path / "nb.py"
    src.write_text("# %%\nx = 1\n", encoding="utf-8")
    a = notebooks.cache_path(src, "digest-1")
    assert a == notebooks.cache_path(src, "digest-1")
    assert a != notebooks.cache_path(src, "digest-2")  # vg changed
    src.write_text("# %%\nx = 2\n", encoding="utf-8")
    assert a != notebooks.cache_path(src, "digest-1")  # the notebook changed


def test_serve_rebuilds_see_fresh_vg():
    import vg

    saved = {m: mod for m, mod in sys.modules.items() if m == "vg" or m.startswith("vg.")}
    try:
        freshvg.purge_vg()
        assert not any(m == "vg" or m.startswith("vg.") for m in sys.modules)
        import vg as again

        assert again is not vg  # a new module object, read from the current source
    finally:
        # Put the originals back: other tests hold references to classes from them.
        for m in [m for m in sys.modules if m == "vg" or m.startswith("vg.")]:
            del sys.modules[m]
        sys.modules.update(saved)


def test_notebook_links_to_pages_become_site_urls(tmp_path):
    from types import SimpleNamespace

    from mkdocs.structure.files import File, Files

    def f(uri):
        return File(uri, src_dir=str(tmp_path), dest_dir=str(tmp_path / "site"), use_directory_urls=True)

    nb = f("examples/demo.ipynb")
    files = Files([f("rnn/bptt.md"), nb])
    page = SimpleNamespace(file=nb, url="examples/demo/")  # mkdocs-jupyter makes it a page
    html = '<a href="../rnn/bptt.md#the-recurrence">BPTT</a>'
    assert notebooks.on_page_content(html, page, {}, files) == '<a href="../../rnn/bptt/#the-recurrence">BPTT</a>'
    md_page = SimpleNamespace(file=f("rnn/bptt.md"), url="rnn/bptt/")
    assert notebooks.on_page_content(html, md_page, {}, files) == html  # MkDocs handles Markdown pages
