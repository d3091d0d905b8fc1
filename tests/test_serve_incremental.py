"""`mkdocs serve --dirty` with hooks/incremental.py: only what an edit changed is rendered again, and the
site it serves is the site a full build makes (pages, search index, API links, stylesheets).

A small project (three pages, an API page rendered by mkdocstrings from a one-function package, a
cross-reference resolved by autorefs, Material's search) is built the way `mkdocs serve --dirty` builds
it: one process, a new configuration for every build, the same site directory.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import incremental
import notebooks
import pytest
from _site import ROOT
from mkdocs.commands.build import build
from mkdocs.config import load_config
from mkdocs.exceptions import Abort

SERVE_URL = "http://127.0.0.1:8000/"

MKDOCS_YML = f"""\
site_name: incremental test
site_url: {SERVE_URL}
strict: true
validation:
  links:
    anchors: warn
theme:
  name: material
plugins:
  - search
  - autorefs
  - mkdocstrings:
      handlers:
        python:
          paths: [.]
hooks:
  - {ROOT / "hooks" / "incremental.py"}
watch:
  - pkg
nav:
  - Home: index.md
  - A page: a.md
  - API: api.md
"""

PAGES = {
    "index.md": "# Home\n\nThe home page, hometext.\n\n## Target\n\nLinked to.\n",
    "a.md": "# A page\n\nSome alpha text. See [the function][pkg.f] and [the target](index.md#target).\n\n"
            "## A section\n\nMore text.\n",
    "api.md": "# API\n\n::: pkg.f\n",
}
PACKAGE = 'def f(x: int) -> int:\n    """Return x. Docstring one."""\n    return x\n'


class Serve:
    """Builds a project as `mkdocs serve --dirty` does."""

    def __init__(self, project: Path) -> None:
        self.project = project
        self.site = project / "served"
        self.site.mkdir()
        config = self.config(self.site)
        config.plugins.on_startup(command="serve", dirty=True)
        self._startup = config

    def config(self, site: Path):
        config = load_config(str(self.project / "mkdocs.yml"), site_dir=str(site))
        config.site_url = SERVE_URL
        return config

    def build(self) -> None:
        build(self.config(self.site), serve_url=SERVE_URL, dirty=True)

    def edit(self, name: str, old: str, new: str) -> None:
        path = self.project / name
        text = path.read_text(encoding="utf-8")
        assert old in text
        path.write_text(text.replace(old, new), encoding="utf-8")

    def html(self, url: str) -> str:
        return (self.site / url / "index.html").read_text(encoding="utf-8")

    def mtimes(self) -> dict[str, int]:
        return {url: (self.site / url / "index.html").stat().st_mtime_ns for url in ("", "a", "api")}

    def close(self) -> None:
        self._startup.plugins.on_shutdown()


@pytest.fixture
def serve(tmp_path):
    project = tmp_path / "project"
    (project / "docs").mkdir(parents=True)
    (project / "pkg").mkdir()
    (project / "mkdocs.yml").write_text(MKDOCS_YML, encoding="utf-8")
    for name, text in PAGES.items():
        (project / "docs" / name).write_text(text, encoding="utf-8")
    (project / "pkg" / "__init__.py").write_text(PACKAGE, encoding="utf-8")
    cwd = os.getcwd()
    os.chdir(project)  # mkdocstrings' `paths: [.]`
    s = Serve(project)
    try:
        yield s
    finally:
        s.close()
        os.chdir(cwd)


def search_pages(site: Path) -> dict[str, str]:
    """The search index's page entries (location -> text); fails if a page is in it twice."""
    docs = json.loads((site / "search" / "search_index.json").read_text(encoding="utf-8"))["docs"]
    pages = [d for d in docs if "#" not in d["location"]]
    assert len(pages) == len({d["location"] for d in pages}), "a page is in the search index twice"
    return {d["location"]: d["text"] for d in pages}


def full_build(serve: Serve) -> Path:
    """The same sources built without --dirty (the hook stands aside): what the served site must equal."""
    site = serve.project / "full"
    config = serve.config(site)
    config.plugins.on_startup(command="build", dirty=False)
    try:
        build(config, serve_url=SERVE_URL)
    finally:
        config.plugins.on_shutdown()
    return site


def assert_same_site(served: Path, full: Path) -> None:
    for name in ("index.html", "a/index.html", "api/index.html", "404.html", "sitemap.xml"):
        assert (served / name).read_text(encoding="utf-8") == (full / name).read_text(encoding="utf-8"), \
            f"{name} differs"
    index = [json.loads((s / "search" / "search_index.json").read_text(encoding="utf-8")) for s in (served, full)]
    key = lambda d: d["location"]  # noqa: E731
    assert sorted(index[0]["docs"], key=key) == sorted(index[1]["docs"], key=key)
    for name in ("assets/_mkdocstrings.css", "objects.inv"):  # mkdocstrings writes what it rendered
        assert (served / name).read_bytes() == (full / name).read_bytes(), f"{name} differs"


def test_a_page_edit_renders_that_page_only_and_the_site_stays_whole(serve):
    serve.build()
    before = serve.mtimes()
    serve.edit("docs/a.md", "alpha", "alphb")  # one character
    serve.build()
    after = serve.mtimes()
    assert after["a"] != before["a"]
    assert after[""] == before[""] and after["api"] == before["api"]  # not rendered again
    page = serve.html("a")
    assert "alphb" in page
    assert 'href="../api/#pkg.f"' in page  # the link to the API page, whose anchors were carried over
    pages = search_pages(serve.site)
    assert set(pages) == {"", "a/", "api/"}
    assert "alphb" in pages["a/"] and "alpha" not in pages["a/"]
    assert_same_site(serve.site, full_build(serve))


def test_an_edit_to_the_api_page_renders_it_again(serve):
    serve.build()
    serve.edit("docs/api.md", "# API", "# The API")
    serve.build()
    assert "The API" in serve.html("api")
    assert_same_site(serve.site, full_build(serve))


def test_an_edit_to_the_home_page_keeps_the_search_index_whole(serve):
    serve.build()
    serve.edit("docs/index.md", "hometext", "hometexts")
    serve.build()
    pages = search_pages(serve.site)
    assert set(pages) == {"", "a/", "api/"}
    assert "hometexts" in pages[""]


def test_a_removed_anchor_is_reported_though_the_page_linking_to_it_is_not_rendered_again(serve):
    serve.build()
    serve.edit("docs/index.md", "## Target", "## Renamed")
    with pytest.raises(Abort):  # a.md links to index.md#target: a full build warns, and so must this one
        serve.build()


def test_a_docstring_edit_renders_everything_again(serve):
    serve.build()
    before = serve.mtimes()
    serve.edit("pkg/__init__.py", "Docstring one.", "Docstring two.")
    serve.build()
    after = serve.mtimes()
    assert all(after[url] != before[url] for url in before)  # vg/ is watched: every page may depend on it
    assert "Docstring two." in serve.html("api") and "Docstring one." not in serve.html("api")
    assert_same_site(serve.site, full_build(serve))


def test_a_warning_shows_again_until_it_is_fixed(serve):
    serve.build()
    serve.edit("docs/a.md", "More text.", "A [broken link](missing.md).")
    with pytest.raises(Abort):
        serve.build()
    serve.edit("docs/index.md", "hometext", "hometexts")  # a.md unchanged, still broken
    with pytest.raises(Abort):
        serve.build()
    serve.edit("docs/a.md", "A [broken link](missing.md).", "Fixed.")
    serve.build()
    assert "Fixed." in serve.html("a")
    assert_same_site(serve.site, full_build(serve))


def test_a_new_page_renders_everything_again(serve):
    serve.build()
    before = serve.mtimes()
    (serve.project / "docs" / "b.md").write_text("# B\n\nNew.\n", encoding="utf-8")
    serve.edit("mkdocs.yml", "  - API: api.md\n", "  - API: api.md\n  - B: b.md\n")
    serve.build()
    after = serve.mtimes()
    assert all(after[url] != before[url] for url in before)  # the navigation of every page changed
    assert set(search_pages(serve.site)) == {"", "a/", "api/", "b/"}


def test_notebook_pages_are_rendered_again_together():
    before = {"a.md": "1", "examples/x.ipynb": "2", "examples/y.ipynb": "3"}
    assert incremental.to_render(before, dict(before)) == set()
    assert incremental.to_render(before, {**before, "a.md": "9"}) == {"a.md"}
    # One notebook finished executing: hooks/notebook_css.py needs every notebook page in the build.
    assert incremental.to_render(before, {**before, "examples/x.ipynb": "9"}) == {
        "examples/x.ipynb", "examples/y.ipynb"}
    assert incremental.to_render(before, {**before, "new.md": "1"}) == {"new.md"}


def test_the_notebook_placeholder_is_written_only_when_it_changes(tmp_path, monkeypatch):
    monkeypatch.setattr(notebooks, "PENDING", tmp_path / "pending")
    src = tmp_path / "demo.py"
    src.write_text("# %% [markdown]\n# # Demo\n\n# %%\nx = 1\n", encoding="utf-8")
    path = notebooks._placeholder(src)
    first = path.stat().st_mtime_ns
    os.utime(path, ns=(first - 10**9, first - 10**9))  # as if written a second earlier
    assert notebooks._placeholder(src) == path
    assert path.stat().st_mtime_ns == first - 10**9  # not written again
    assert "# Demo" in path.read_text(encoding="utf-8")


def test_the_memoised_vg_digest_follows_the_code_of_vg(tmp_path, monkeypatch):
    import _digest
    import _memo

    module = tmp_path / "vg" / "m.py"
    module.parent.mkdir()
    module.write_text('"""Doc."""\nX = 1\n', encoding="utf-8")
    monkeypatch.setattr(_digest, "ROOT", tmp_path)
    monkeypatch.setattr(_memo, "ROOT", tmp_path)
    monkeypatch.setattr(_memo, "_MEMO", {})
    first = _memo.vg_digest()
    assert first == _digest.vg_digest()
    module.write_text('"""Doc, edited."""\nX = 1\n', encoding="utf-8")
    assert _memo.vg_digest() == first  # a docstring: nothing a figure or notebook computes changes
    module.write_text('"""Doc, edited."""\nX = 2\n', encoding="utf-8")
    assert _memo.vg_digest() == _digest.vg_digest() != first  # code: never stale


def test_the_explorable_recomputes_its_numbers_only_when_vg_code_changes(monkeypatch):
    import explorable

    digests = iter(["code-1", "code-1", "code-2"])
    monkeypatch.setattr(explorable, "vg_digest", lambda: next(digests))
    monkeypatch.setattr(explorable, "_computed_with", None)
    explorable.on_pre_build(config={})
    numbers = explorable.model()
    explorable.on_pre_build(config={})  # a serve rebuild after a page edit
    assert explorable.model() is numbers
    explorable.on_pre_build(config={})  # vg's code changed
    assert explorable.model() is not numbers
    assert explorable.model() == numbers  # (the same code, in fact: the same numbers)
