"""hooks/vglinks.py: every `vg.` name in a page's prose becomes a checked link to the API page."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap

import pytest
import vglinks
from _site import DOCS, ROOT, doc_pages
from mkdocs.utils.meta import get_data

PAGE = textwrap.dedent(
    """\
    # The page, with `vg.rnn` in its title

    Run `vg.rnn.forward`, then `vg.rnn.backward(..., truncate=20)`; `vg.rnn` is the module. A long
    name may wrap: `vg.clip.clip_global_norm(grads,
    1.0)`. An expression is code, not a name: `H, c = vg.rnn.forward(X, p)`; so is `np.dot`.

    Already links: [`vg.lstm.step`](../reference/api.md#vg.lstm.step) and [`vg.gru`][].
    <!-- a comment naming `vg.esn.run` -->

    ```python
    print(`vg.rnn.step`)  # a fence is code
    ```

    !!! note "An admonition"

        It names `vg.optim.Adam`.

        ~~~text
        and `vg.optim.SGD` in a fence
        ~~~
    """
)


def test_prose_names_become_references_and_nothing_else_changes():
    new, refs = vglinks.link_names(PAGE, "x.md")
    assert [r.identifier for r in refs] == [
        "vg.rnn.forward", "vg.rnn.backward", "vg.rnn", "vg.clip.clip_global_norm", "vg.optim.Adam",
    ]
    assert [r.where for r in refs] == ["x.md:3", "x.md:3", "x.md:3", "x.md:4", "x.md:16"]
    assert "[`vg.rnn.forward`][vg.rnn.forward]" in new
    assert "[`vg.rnn.backward(..., truncate=20)`][vg.rnn.backward]" in new
    assert "[`vg.clip.clip_global_norm(grads,\n1.0)`][vg.clip.clip_global_norm]" in new
    assert "    It names [`vg.optim.Adam`][vg.optim.Adam]." in new
    # Untouched: the heading, the expression, existing links, the comment and both fences.
    for kept in ("# The page, with `vg.rnn` in its title", "`H, c = vg.rnn.forward(X, p)`",
                 "[`vg.lstm.step`](../reference/api.md#vg.lstm.step)", "[`vg.gru`][]",
                 "<!-- a comment naming `vg.esn.run` -->", "print(`vg.rnn.step`)",
                 "and `vg.optim.SGD` in a fence"):
        assert kept in new, kept
    # Removing the links gives back the page exactly.
    assert re.sub(r"\[(`[^`]+`)\]\[[\w.]+\]", r"\1", new) == PAGE


def test_notebook_html_links_inline_code_only():
    html = (
        '<h2 id="a">About <code>vg.rnn</code></h2>'
        "<p>See <code>vg.rnn.backward</code> and <a href='x'><code>vg.gru</code></a>.</p>"
        '<div class="highlight"><pre><code>vg.rnn.step</code></pre></div>'
    )
    new, refs = vglinks.link_names_html(html, "examples/nb.ipynb")
    assert [r.identifier for r in refs] == ["vg.rnn.backward"]
    assert '<autoref identifier="vg.rnn.backward"><code>vg.rnn.backward</code></autoref>' in new
    assert new.replace('<autoref identifier="vg.rnn.backward">', "").replace("</autoref>", "") == html


@pytest.mark.parametrize("page", doc_pages(), ids=lambda p: str(p.relative_to(DOCS)))
def test_every_vg_name_in_prose_is_linked(page):
    """No inline code in a page's prose mentions `vg.` without becoming a link (an expression such as
    `x = vg.f(y)` would hide the name from the check: write the name alone, or put it in a fence)."""
    markdown, _ = get_data(page.read_text(encoding="utf-8"))
    new, _ = vglinks.link_names(markdown, page.name)
    prose = vglinks._masked(new)
    unlinked = [m.group(0) for m in vglinks._SPAN.finditer(prose) if "vg." in m.group("body")]
    assert unlinked == [], f"{page.name}: `vg.` in inline code that is not a linkable name: {unlinked}"


def _mini_site(tmp_path, prose: str) -> subprocess.CompletedProcess:
    """A two-page site with the real plugins and the hook: an API page for `vg.clip` and one page."""
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "index.md").write_text(f"---\ndescription: A page.\n---\n\n# Page\n\n{prose}\n", encoding="utf-8")
    (docs / "api.md").write_text("# API\n\n::: vg.clip\n", encoding="utf-8")
    (tmp_path / "mkdocs.yml").write_text(
        textwrap.dedent(
            f"""\
            site_name: mini
            strict: true
            plugins:
              - autorefs
              - mkdocstrings:
                  handlers:
                    python:
                      paths: [{ROOT}]
                      options: {{show_root_heading: true, filters: ["!^_"]}}
            hooks:
              - {ROOT / "hooks" / "vglinks.py"}
            """
        ),
        encoding="utf-8",
    )
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1"}
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(tmp_path / "site")],
        cwd=tmp_path, capture_output=True, text=True, env=env, timeout=300,
    )


def test_strict_build_links_a_known_name(tmp_path):
    done = _mini_site(tmp_path, "Clip with `vg.clip.clip_global_norm(grads, 1.0)`.")
    assert done.returncode == 0, done.stderr
    html = (tmp_path / "site" / "index.html").read_text(encoding="utf-8")
    assert re.search(r'<a class="autorefs autorefs-internal"[^>]*href="api/#vg.clip.clip_global_norm">'
                     r"<code>vg.clip.clip_global_norm\(grads, 1.0\)</code></a>", html)


def test_strict_build_fails_on_an_unknown_name(tmp_path):
    done = _mini_site(tmp_path, "Clip with\n`vg.clip.clip_everything`.")
    assert done.returncode != 0
    assert "vglinks: index.md:8 names `vg.clip.clip_everything`, which is not an object of the API page" in done.stderr
