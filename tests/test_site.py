"""Check the built HTML of the site (the strict build is the session fixture in tests/conftest.py).

One strict build per test session (about a minute; notebooks come from the cache that
tests/test_examples.py fills). The checks read the files MkDocs wrote: what a browser would load.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from _site import mkdocs_config, nav_pages

pytestmark = pytest.mark.slow


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.resources: list[tuple[str, str]] = []  # (tag, url) the browser loads
        self.links: list[str] = []
        self.imgs: list[dict[str, str | None]] = []
        self.ids: set[str] = set()
        self.text: list[str] = []
        self._skip = 0  # inside <code>, <pre>, <script>, <style>, MathML's TeX annotations

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if a.get("id"):
            self.ids.add(a["id"])
        if tag == "script" and a.get("src"):
            self.resources.append((tag, a["src"]))
        loaded_rels = ("stylesheet", "icon", "preload", "modulepreload")
        if tag == "link" and a.get("href") and (a.get("rel") or "") in loaded_rels:
            self.resources.append((tag, a["href"]))
        if tag in ("img", "source", "iframe", "video", "audio") and a.get("src"):
            self.resources.append((tag, a["src"]))
        if tag == "img":
            self.imgs.append(a)
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        if tag in ("code", "pre", "script", "style", "annotation"):
            self._skip += 1

    def handle_endtag(self, tag):
        if tag in ("code", "pre", "script", "style", "annotation") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.text.append(data)


def _pages(site: Path) -> dict[Path, _Page]:
    parsed = {}
    for html in sorted(site.rglob("*.html")):
        p = _Page()
        p.feed(html.read_text(encoding="utf-8"))
        parsed[html] = p
    return parsed


@pytest.fixture(scope="session")
def pages(site) -> dict[Path, _Page]:
    return _pages(site)


def _site_base() -> str:
    """The path the site is served under ("/vg/" for site_url https://host/vg/)."""
    return urlsplit(mkdocs_config().get("site_url") or "").path.rstrip("/") + "/"


def _target(site: Path, html: Path, url: str) -> Path | None:
    parts = urlsplit(url)
    if parts.scheme or parts.netloc or url.startswith(("mailto:", "#", "data:", "javascript:")):
        return None
    path = unquote(parts.path)
    if path.startswith("/"):
        # Root-absolute links (the 404 page needs them) live under the site's base path.
        base = _site_base()
        assert path.startswith(base), f"{html.relative_to(site)}: {url} is outside the site's base {base}"
        target = (site / path[len(base) :]).resolve()
    else:
        target = (html.parent / path).resolve()
    return target / "index.html" if target.is_dir() else target


def test_every_nav_page_is_built(site):
    for src in nav_pages():
        stem = src[: -len(".md")] if src.endswith(".md") else src[: -len(".ipynb")]
        out = site / ("index.html" if stem == "index" else f"{stem}/index.html")
        assert out.exists(), f"{src} was not built"


def test_no_request_leaves_the_site(site, pages):
    """Scripts, styles, fonts and images all come from the site itself (no CDN, no Google Fonts)."""
    for html, p in pages.items():
        for tag, url in p.resources:
            local = not urlsplit(url).netloc and not url.startswith("//")
            assert local, f"{html.relative_to(site)}: <{tag}> loads {url}"
    for css in site.rglob("*.css"):
        for url in re.findall(r"url\(\s*['\"]?([^'\")]+)", css.read_text(encoding="utf-8", errors="replace")):
            assert not re.match(r"(https?:)?//", url), f"{css.relative_to(site)} loads {url}"


def test_internal_links_images_and_anchors_resolve(site, pages):
    """The site's one link check of the built HTML. MkDocs' strict build (`validation:` in mkdocs.yml)
    already checks the links and anchors written in the Markdown pages; this covers what it cannot
    see: the notebook pages (rendered by nbconvert), the theme's and the hooks' HTML, the 404 page's
    root-absolute links, and every image, script and stylesheet a page loads."""
    checked = 0
    for html, p in pages.items():
        for url in p.links + [u for _, u in p.resources]:
            target = _target(site, html, url)
            if target is None:
                continue
            checked += 1
            assert target.exists(), f"{html.relative_to(site)}: broken link {url}"
            frag = urlsplit(url).fragment
            if frag and target.suffix == ".html" and target in pages:
                assert frag in pages[target].ids, f"{html.relative_to(site)}: broken anchor {url}"
    assert checked > 1000, f"only {checked} same-site links: the check is not looking"


def test_every_image_has_alt_text_that_describes_it(site, pages):
    for html, p in pages.items():
        for img in p.imgs:
            alt = (img.get("alt") or "").strip()
            src = (img.get("src") or "")[:60]
            assert len(alt) >= 10, f"{html.relative_to(site)}: <img src={src}...> has alt {alt!r}"


def test_maths_is_typeset_at_build_time(site, pages):
    """No raw TeX is left for a script to find: every formula became MathML."""
    for html, p in pages.items():
        text = "".join(p.text)
        for pattern in (r"\\\(", r"\\\[", r"\$\$", r"\\frac", r"\\partial"):
            assert not re.search(pattern, text), f"{html.relative_to(site)}: raw TeX {pattern!r} in the text"


def test_figures_are_generated_deterministic_svg(site):
    svgs = sorted(site.rglob("figures/*.svg"))
    assert len(svgs) >= 15, f"only {len(svgs)} generated figures"
    for svg in svgs:
        data = svg.read_text(encoding="utf-8")
        assert data.lstrip().startswith("<?xml") and "<svg" in data
        assert "<dc:date>" not in data, f"{svg.name} embeds a date: not reproducible"


def test_notebooks_are_rendered_and_downloadable(site):
    notebooks = [p for p in nav_pages() if p.endswith(".ipynb")]
    assert notebooks
    for nb in notebooks:
        stem = nb[: -len(".ipynb")]
        page = (site / stem / "index.html").read_text(encoding="utf-8")
        name = Path(nb).name
        assert (site / stem / name).exists(), f"{name} is not offered for download"
        assert f'href="{name}"' in page or f"/{name}\"" in page, f"{stem}: no download link to {name}"
        assert "jp-OutputArea" in page or "output_area" in page, f"{stem}: no executed outputs shown"
