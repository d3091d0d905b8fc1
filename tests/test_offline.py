"""The offline archive works when opened from disk: navigation, search, maths and figures, no network.

The build publishes `vg-offline.zip` (hooks/offline.py: the site built again with Material's offline
plugin). Here it is unpacked into an empty folder and opened from `file://` in headless Chromium, as a
reader who downloaded it would: no server, and every request a page makes is recorded.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from test_browser import CHROMIUM, CHROMIUM_ARGS

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def offline(site, tmp_path_factory) -> Path:
    archive = site / "vg-offline.zip"
    assert archive.is_file(), "the build published no vg-offline.zip"
    out = tmp_path_factory.mktemp("offline")
    with zipfile.ZipFile(archive) as zf:
        names = zf.namelist()
        assert "vg/index.html" in names, names[:10]
        assert not any(n.endswith("vg-offline.zip") for n in names), "the archive contains itself"
        zf.extractall(out)
    return out / "vg"


@pytest.fixture(scope="module")
def page(offline):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.requests = []  # every URL the pages ask for
        page.on("request", lambda request: page.requests.append(request.url))
        yield page
        browser.close()


def _open(page, offline: Path, rel: str) -> None:
    page.goto((offline / rel).as_uri(), wait_until="load")


def test_every_page_is_an_html_file_linked_as_such(offline):
    # use_directory_urls is off offline: a link to "problem/vanishing/" would open a folder listing.
    assert (offline / "problem" / "vanishing.html").is_file()
    assert not (offline / "problem" / "vanishing" / "index.html").exists()
    home = (offline / "index.html").read_text(encoding="utf-8")
    assert 'href="problem/vanishing.html"' in home


def test_navigation_maths_and_figures_work_from_disk(page, offline):
    _open(page, offline, "index.html")
    page.locator("nav.md-nav a[href$='problem/vanishing.html']").first.click()
    page.wait_for_load_state("load")
    assert page.url.endswith("problem/vanishing.html")
    assert page.locator("h1").first.inner_text().strip().startswith("Vanishing gradients")
    assert page.locator("article math").count() > 10  # typeset at build time, as MathML
    figures = page.locator("article img[src*='figures/']")
    assert figures.count() > 2
    widths = figures.evaluate_all("imgs => imgs.map(i => i.complete ? i.naturalWidth : 0)")
    assert all(w > 0 for w in widths), widths


def test_a_notebook_page_works_from_disk(page, offline):
    _open(page, offline, "examples/bptt_by_hand.html")
    assert page.locator("h1").count() >= 1
    images = page.locator("article img")
    widths = images.evaluate_all("imgs => imgs.map(i => i.complete ? i.naturalWidth : 0)")
    assert widths and all(w > 0 for w in widths), widths


def test_search_works_from_disk(page, offline):
    _open(page, offline, "index.html")
    page.locator("input.md-search__input").click()
    page.keyboard.type("clipping")  # as a reader types: the search runs on input events
    results = page.locator(".md-search-result__item")
    results.first.wait_for(state="attached", timeout=20_000)
    assert results.count() > 0
    href = page.locator(".md-search-result__item a").first.get_attribute("href")
    assert href and ".html" in href, href


def test_nothing_is_fetched_from_the_network(page):
    # Every page above was opened; everything they asked for is on disk (or inline data).
    assert page.requests, "no request was recorded"
    remote = [u for u in page.requests if not u.startswith(("file://", "data:", "blob:", "about:"))]
    assert remote == []
