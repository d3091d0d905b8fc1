"""The built site in a real headless Chromium: what only a browser can check.

tests/test_site.py reads the HTML files; these tests load every page the way a reader's browser does,
served over HTTP from 127.0.0.1 under the site's own base path (/vg/, as on GitHub Pages, with the
site's 404 page for missing addresses), in light and in dark mode, and check:

- self-contained: every request any page makes (scripts, styles, fonts, images, the search worker's
  fetches, also after toggling the palette and searching) goes to 127.0.0.1; requests elsewhere are
  recorded and refused;
- accessible: axe-core reports no critical and no serious violation on any page, in either scheme;
- renders: maths typeset (MathML laid out by the browser, no font failing to load, no raw TeX in the
  text), every image decoded (naturalWidth > 0) with alt text, no console errors, no failed same-site
  request, copy buttons on code blocks, link-preview metadata (links and anchors: MkDocs' strict
  validation for the Markdown, tests/test_site.py for all the built HTML);
- interactions: the light/dark toggle, search for "vanishing", the notebook download, the 404 page and
  the vanishing-gradients explorable (sliders moved with the mouse API and the keyboard; its curve is
  compared with the numbers vg computed at build time);
- light: page weight (the HTML and every same-site resource it loads, from the built files, as sent
  gzip-compressed by a static host).

One browser for the session; each page is loaded once per colour scheme, a few pages at a time, and
every check reads the records of those loads. Playwright drives Debian's Chromium (/usr/bin/chromium):
no browser is downloaded. Set VG_SITE_DIR to test an already built site instead of building one.
"""

from __future__ import annotations

import asyncio
import functools
import gzip
import html
import http.server
import json
import os
import re
import statistics
import threading
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import pytest
from _site import ROOT, mkdocs_config, nav_pages

pytestmark = pytest.mark.slow

# `./dev` finds an installed Chromium or Chrome and passes it in VG_CHROMIUM; Debian's is the default.
CHROMIUM = os.environ.get("VG_CHROMIUM") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    # Chromium's own background traffic (updates, safe browsing, sync) is not the page's; these keep
    # it off so that what we record is what the site asks for.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
HOST = "127.0.0.1"
SCHEMES = ("light", "dark")
CONCURRENCY = max(2, os.cpu_count() or 2)  # pages loading at once (axe is CPU-bound)
MEDIAN_BUDGET = 400 * 1024  # bytes: the median page
MAX_BUDGET = 1536 * 1024  # bytes: any page
EXPLORABLE_PAGE = "problem/vanishing/"
REL_TOL = 1e-9  # the explorable's JavaScript against vg
COLOUR_RULES = ["color-contrast", "link-in-text-block"]  # axe rules whose outcome depends on the scheme


CONFIG = mkdocs_config()
BASE = urlsplit(CONFIG["site_url"]).path.rstrip("/") + "/"  # "/vg/"


# --- the site and its server ------------------------------------------------------------------------


class _Handler(http.server.SimpleHTTPRequestHandler):
    """Serve the site under BASE, like GitHub Pages: missing files get the site's 404 page."""

    def __init__(self, *args, site: Path, **kwargs):
        self.site = site
        super().__init__(*args, directory=str(site), **kwargs)

    def translate_path(self, path: str) -> str:
        path = urlsplit(path).path
        if not path.startswith(BASE):
            return str(self.site / "__outside_base__")
        return super().translate_path("/" + path[len(BASE) :])

    def send_error(self, code, message=None, explain=None):
        page = self.site / "404.html"
        if code != 404 or not page.exists():
            return super().send_error(code, message, explain)
        body = page.read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def end_headers(self):
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def log_message(self, *args):  # quiet
        pass


@pytest.fixture(scope="session")
def server(site) -> str:
    handler = functools.partial(_Handler, site=site)
    httpd = http.server.ThreadingHTTPServer((HOST, 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://{HOST}:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def site_pages(site: Path) -> list[str]:
    """Every HTML page of the built site, as a path below BASE ("", "rnn/bptt/", "404.html")."""
    out = []
    for page in sorted(site.rglob("*.html")):
        rel = page.relative_to(site).as_posix()
        out.append(rel[: -len("index.html")] if rel.endswith("index.html") else rel)
    return out


# --- one browser for the session, driven from its own event loop -----------------------------------


class Browser:
    """Async Playwright on a background event loop, so that pages can load concurrently while the
    tests stay plain functions: `browser.run(coroutine)` runs a coroutine there and returns its result."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.pw = None
        self.browser = None

    def run(self, coro, timeout: float = 300):
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    async def start(self) -> None:
        from playwright.async_api import async_playwright

        self.pw = await async_playwright().start()
        self.browser = await self.pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)

    async def stop(self) -> None:
        if self.browser is not None:
            await self.browser.close()
        if self.pw is not None:
            await self.pw.stop()
        await self.loop.shutdown_asyncgens()

    def close(self) -> None:
        try:
            self.run(self.stop(), timeout=60)
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(timeout=10)
            self.loop.close()


@pytest.fixture(scope="session")
def browser():
    assert Path(CHROMIUM).exists(), (
        f"{CHROMIUM} not found: the browser checks need Chromium or Chrome (`./dev test` finds one, "
        "or installs Debian's chromium when run as root on Debian; or set VG_CHROMIUM=/path/to/it)"
    )
    assert AXE.exists(), f"{AXE} not found: run `npm ci` (the README's commands do it)"
    b = Browser()
    try:
        b.run(b.start(), timeout=120)
        yield b
    finally:
        b.close()


@dataclass
class Net:
    """Requests of one browser context: every URL, the refused third-party ones, failed same-site ones."""

    all: list[str] = field(default_factory=list)
    foreign: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


async def new_context(browser: Browser, server: str, scheme: str = "light"):
    """A browser context that records every request and refuses those to other hosts.

    Routing every request also disables the HTTP cache, so each page load fetches all it needs.
    """
    ctx = await browser.browser.new_context(base_url=server, color_scheme=scheme, accept_downloads=True)
    net = Net()

    async def route(r):
        url = r.request.url
        parts = urlsplit(url)
        if parts.scheme in ("http", "https", "ws", "wss") and parts.hostname != HOST:
            net.foreign.append(url)
            await r.abort("blockedbyclient")
        else:
            await r.continue_()

    def on_request(req):
        net.all.append(req.url)
        parts = urlsplit(req.url)
        if parts.scheme in ("http", "https", "ws", "wss") and parts.hostname != HOST and req.url not in net.foreign:
            net.foreign.append(req.url)

    def on_response(resp):
        if urlsplit(resp.url).hostname == HOST and resp.status >= 400 and not _expected_404(resp.url):
            net.failed.append(f"{resp.status} {resp.url}")

    await ctx.route("**/*", route)
    ctx.on("request", on_request)
    ctx.on("response", on_response)
    return ctx, net


def _expected_404(url: str) -> bool:
    return "no-such-page" in url  # the 404 test asks for it on purpose


# --- the audit: every page, both schemes -----------------------------------------------------------

# Runs in the page after load: everything the checks need, in one round trip.
_PROBE = r"""
async () => {
  await document.fonts.ready;
  const imgs = Array.from(document.images);
  await Promise.all(imgs.map((i) => (i.complete ? null : i.decode().catch(() => null))));
  const article = document.querySelector("article") || document.body;
  // Text a reader sees as text: not code, not scripts, not MathML's TeX annotation (never displayed).
  const skip = "pre, code, script, style, annotation, textarea";
  const texts = [];
  const walker = document.createTreeWalker(article, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    if (!n.parentElement.closest(skip)) texts.push(n.data);
  }
  const math = Array.from(document.querySelectorAll(".arithmatex"));
  const meta = (sel) => { const m = document.querySelector(sel); return m ? m.getAttribute("content") : null; };
  const codeBlocks = Array.from(document.querySelectorAll(".md-content pre > code")).filter(
    (c) => !c.closest(".jupyter-wrapper")
  );
  return {
    title: document.title,
    scheme: document.body.getAttribute("data-md-color-scheme"),
    text: texts.join(""),
    images: imgs.map((i) => ({ src: i.currentSrc.slice(0, 120), width: i.naturalWidth, alt: i.alt || "" })),
    math: math.length,
    // Typeset: the formula became MathML that the browser lays out (a box with a size), unless it
    // sits in a collapsed block, where nothing has a size.
    mathRendered: math.filter((m) => {
      const k = m.querySelector("math");
      if (!k) return false;
      const r = k.getBoundingClientRect();
      return (r.width > 0 && r.height > 0) || !!m.closest("details:not([open])");
    }).length,
    fontErrors: Array.from(document.fonts).filter((f) => f.status === "error").map((f) => f.family),
    codeBlocks: codeBlocks.length,
    // Material 9.8 puts a copy button in a nav before the code; older versions used .md-clipboard.
    copyButtons: codeBlocks.filter(
      (c) => c.parentElement.querySelector('button[data-md-type="copy"], .md-clipboard')
    ).length,
    description: meta('meta[name="description"]'),
    og: { title: meta('meta[property="og:title"]'), description: meta('meta[property="og:description"]'),
          type: meta('meta[property="og:type"]') },
    editLink: (document.querySelector('a.md-content__button[rel="edit"]') || {}).href || null,
    sourceComponent: !!document.querySelector('[data-md-component="source"]'),
  };
}
"""


@dataclass
class Audit:
    path: str
    scheme: str
    requests: list[str]
    console: list[str]
    probe: dict
    axe: list[dict]


async def _audit_page(ctx, server: str, path: str, scheme: str, sem: asyncio.Semaphore) -> Audit:
    async with sem:
        page = await ctx.new_page()
        requests: list[str] = []
        console: list[str] = []
        page.on("request", lambda r: requests.append(r.url))
        page.on("console", lambda m: console.append(f"{m.type}: {m.text}") if m.type == "error" else None)
        page.on("pageerror", lambda e: console.append(f"uncaught: {e}"))
        await page.goto(f"{server}{BASE}{path}", wait_until="load")
        # Let the search worker fetch its index and any late request start: no request for 500 ms.
        await page.wait_for_load_state("networkidle")
        probe = await page.evaluate(_PROBE)
        await page.add_script_tag(path=str(AXE))
        # Every rule in the light scheme; in the dark one only the rules that depend on colour (the
        # structure is the same, and colour contrast is most of axe's time).
        options = {"resultTypes": ["violations"]}
        if scheme == "dark":
            options["runOnly"] = {"type": "rule", "values": COLOUR_RULES}
        result = await page.evaluate("(options) => axe.run(document, options)", options)
        axe = [
            {
                "id": v["id"],
                "impact": v["impact"],
                "help": v["help"],
                "nodes": [
                    ", ".join(n["target"]) if isinstance(n["target"], list) else str(n["target"]) for n in v["nodes"]
                ][:5],
                "count": len(v["nodes"]),
            }
            for v in result["violations"]
        ]
        await page.close()
        return Audit(path, scheme, requests, console, probe, axe)


async def _audit_all(browser: Browser, server: str, paths: list[str]) -> tuple[list[Audit], dict[str, Net]]:
    audits, nets = [], {}
    for scheme in SCHEMES:
        ctx, net = await new_context(browser, server, scheme)
        sem = asyncio.Semaphore(CONCURRENCY)
        audits += await asyncio.gather(*(_audit_page(ctx, server, p, scheme, sem) for p in paths))
        await ctx.close()
        nets[scheme] = net
    return audits, nets


@pytest.fixture(scope="session")
def audited(browser, server, site):
    paths = site_pages(site)
    assert len(paths) >= 2, f"only {paths} in the built site"
    audits, nets = browser.run(_audit_all(browser, server, paths), timeout=600)
    return paths, audits, nets


def _fail_if(problems: list[str], what: str) -> None:
    assert not problems, f"{len(problems)} {what}:\n" + "\n".join(problems[:60])


# --- checks on the audit ---------------------------------------------------------------------------


def test_every_nav_page_is_audited(audited):
    paths, audits, _ = audited
    for src in nav_pages():
        stem = src.rsplit(".", 1)[0]
        want = "" if stem == "index" else stem + "/"
        assert want in paths, f"{src} is in the nav but not in the built site"
    assert "404.html" in paths
    assert len(audits) == len(paths) * len(SCHEMES)


def test_no_request_leaves_the_site(audited):
    """Zero requests to any host but the site's own, from any page, in either scheme."""
    _, audits, nets = audited
    problems = [f"[{s}] {u}" for s, net in nets.items() for u in net.foreign]
    problems += [
        f"{a.path} [{a.scheme}]: {u}"
        for a in audits
        for u in a.requests
        if urlsplit(u).scheme in ("http", "https") and urlsplit(u).hostname != HOST
    ]
    _fail_if(sorted(set(problems)), "requests to other hosts")
    assert all(len(a.requests) > 3 for a in audits), "request recording is not working"


def test_no_console_errors_and_no_failed_requests(audited):
    _, audits, nets = audited
    problems = [f"{a.path} [{a.scheme}]: {c}" for a in audits for c in a.console]
    problems += [f"[{s}] {f}" for s, net in nets.items() for f in net.failed]
    _fail_if(problems, "console errors or failed same-site requests")


def test_axe_finds_no_critical_or_serious_violation(audited):
    _, audits, _ = audited
    problems = [
        f"{a.path} [{a.scheme}] {v['impact']} {v['id']} ({v['count']}x: {v['help']}): {'; '.join(v['nodes'])}"
        for a in audits
        for v in a.axe
        if v["impact"] in ("critical", "serious")
    ]
    _fail_if(problems, "critical/serious accessibility violations")


def test_colour_scheme_follows_the_reader(audited):
    _, audits, _ = audited
    want = {"light": "default", "dark": "slate"}
    problems = [
        f"{a.path} [{a.scheme}]: data-md-color-scheme={a.probe['scheme']!r}"
        for a in audits
        if a.probe["scheme"] != want[a.scheme]
    ]
    _fail_if(problems, "pages in the wrong colour scheme")


def test_maths_is_typeset(audited):
    _, audits, _ = audited
    raw = re.compile(r"\\\(|\\\)|\\\[|\\\]|\$\$|\\frac|\\partial|\\mathbf|\\sum|\\prod")
    problems = []
    for a in audits:
        p = a.probe
        m = raw.search(p["text"])
        if m:
            ctx = p["text"][max(0, m.start() - 40) : m.end() + 40].replace("\n", " ")
            problems.append(f"{a.path} [{a.scheme}]: raw TeX in the text: ...{ctx}...")
        if p["mathRendered"] != p["math"]:
            problems.append(
                f"{a.path} [{a.scheme}]: {p['math'] - p['mathRendered']} of {p['math']} formulas not rendered"
            )
        if p["fontErrors"]:
            problems.append(f"{a.path} [{a.scheme}]: fonts failed to load: {sorted(set(p['fontErrors']))}")
    _fail_if(problems, "maths problems")
    assert any(a.probe["math"] for a in audits), "no page has maths: the check is not looking"


def test_every_image_loads_and_has_alt_text(audited):
    _, audits, _ = audited
    problems = []
    for a in audits:
        for img in a.probe["images"]:
            if img["width"] == 0:
                problems.append(f"{a.path} [{a.scheme}]: image did not load: {img['src']}")
            if len(img["alt"].strip()) < 10:
                problems.append(
                    f"{a.path} [{a.scheme}]: image without a describing alt: {img['src']} alt={img['alt']!r}"
                )
    _fail_if(problems, "image problems")
    assert sum(len(a.probe["images"]) for a in audits) > 0


def test_code_blocks_have_copy_buttons(audited):
    _, audits, _ = audited
    problems = [
        f"{a.path} [{a.scheme}]: {a.probe['codeBlocks'] - a.probe['copyButtons']} of "
        f"{a.probe['codeBlocks']} code blocks lack a copy button"
        for a in audits
        if a.probe["copyButtons"] != a.probe["codeBlocks"]
    ]
    _fail_if(problems, "pages with code blocks without copy buttons")
    assert any(a.probe["codeBlocks"] for a in audits)


def test_link_previews_and_edit_links(audited, site):
    """Each page has a description and Open Graph tags; the repository link fetches nothing; "edit this
    page" points at a file that exists in the repository."""
    _, audits, _ = audited
    repo, edit_uri = CONFIG["repo_url"].rstrip("/"), CONFIG["edit_uri"].strip("/")
    problems = []
    for a in (a for a in audits if a.scheme == "light"):
        p = a.probe
        if not p["description"] or len(p["description"]) < 20:
            problems.append(f"{a.path}: meta description {p['description']!r}")
        for k in ("title", "description", "type"):
            if not p["og"][k]:
                problems.append(f"{a.path}: no og:{k}")
        if p["sourceComponent"]:
            problems.append(f"{a.path}: the repository link is a data-md-component=source (it calls the GitHub API)")
        if a.path == "404.html":
            continue
        edit = p["editLink"]
        if not edit:
            problems.append(f"{a.path}: no 'edit this page' link")
            continue
        prefix = f"{repo}/{edit_uri.rsplit('/', 1)[0]}/"  # .../edit/main/
        if not edit.startswith(prefix) or not (ROOT / edit[len(prefix) :]).is_file():
            problems.append(f"{a.path}: edit link {edit} does not name a file of the repository")
    _fail_if(problems, "metadata problems")


_COMPRESSED = {".woff2", ".woff", ".png", ".jpg", ".jpeg", ".gif", ".webp", ".ico", ".gz"}


@functools.cache
def _transfer_size(path: Path) -> int:
    """Bytes on the wire from a static host (GitHub Pages gzips text; fonts and images go as they are)."""
    data = path.read_bytes()
    return len(data) if path.suffix in _COMPRESSED else len(gzip.compress(data, compresslevel=6, mtime=0))


def page_weights(audits: list[Audit], site: Path) -> dict[str, tuple[int, int]]:
    """(transfer bytes, file bytes) of each page: its HTML plus every same-site file it loaded."""
    out = {}
    for a in (a for a in audits if a.scheme == "light"):
        files = set()
        for u in a.requests:
            parts = urlsplit(u)
            if parts.hostname == HOST and unquote(parts.path).startswith(BASE):
                f = site / unquote(parts.path)[len(BASE) :]
                f = f / "index.html" if f.is_dir() else f
                if f.is_file():
                    files.add(f)
        out[a.path] = (sum(_transfer_size(f) for f in files), sum(f.stat().st_size for f in files))
    return out


def test_page_weight(audited, site):
    """The median page under 400 KB and none over 1.5 MB, counting what a reader downloads on a first
    visit: the HTML and every same-site file the page loaded (styles, scripts, fonts, figures, the
    search index), each gzip-compressed as the static host sends it (fonts and images as they are)."""
    _, audits, _ = audited
    weights = page_weights(audits, site)
    report = "\n".join(
        f"{t / 1024:7.0f} KB sent {r / 1024:7.0f} KB files  {p or '(home)'}"
        for p, (t, r) in sorted(weights.items(), key=lambda kv: -kv[1][0])
    )
    median = statistics.median(t for t, _ in weights.values())
    median_files = statistics.median(r for _, r in weights.values())
    print(f"page weight: median {median / 1024:.0f} KB sent ({median_files / 1024:.0f} KB of files)\n{report}")
    assert median < MEDIAN_BUDGET, f"median page weight {median / 1024:.0f} KB >= 400 KB:\n{report}"
    heavy = [p for p, (t, _) in weights.items() if t > MAX_BUDGET]
    assert not heavy, f"pages over 1.5 MB: {heavy}\n{report}"


# --- interactions ----------------------------------------------------------------------------------


def in_fresh_page(browser: Browser, server: str, body, ignore_console=()) -> None:
    """Run `await body(page)` in a new light-scheme context; afterwards assert that nothing left the
    site and that no console error or uncaught exception happened. The context is always closed."""

    async def run():
        ctx, net = await new_context(browser, server, "light")
        errors: list[str] = []
        try:
            page = await ctx.new_page()
            page.on("pageerror", lambda e: errors.append(f"uncaught: {e}"))
            page.on(
                "console",
                lambda m: (
                    errors.append(m.text)
                    if m.type == "error" and not any(s in m.text for s in ignore_console)
                    else None
                ),
            )
            await body(page)
        finally:
            await ctx.close()
        return net, errors

    net, errors = browser.run(run())
    assert net.foreign == [], f"requests to other hosts: {net.foreign}"
    assert net.failed == [], f"failed same-site requests: {net.failed}"
    assert errors == [], f"console errors: {errors}"


def test_palette_toggle_switches_and_persists(browser, server, site):
    async def body(page):
        await page.goto(f"{server}{BASE}{site_pages(site)[0]}")
        scheme = page.locator("body")
        toggle = page.locator("form[data-md-component=palette] label:visible").first
        assert await scheme.get_attribute("data-md-color-scheme") == "default"
        await toggle.click()
        assert await scheme.get_attribute("data-md-color-scheme") == "slate"
        await page.reload()
        assert await scheme.get_attribute("data-md-color-scheme") == "slate", "the choice did not persist"
        await toggle.click()
        assert await scheme.get_attribute("data-md-color-scheme") == "default"

    in_fresh_page(browser, server, body)


def test_search_finds_vanishing(browser, server, site):
    async def body(page):
        await page.goto(f"{server}{BASE}{site_pages(site)[0]}")
        box = page.locator("input.md-search__input")
        await box.click()
        await box.press_sequentially("vanishing", delay=20)
        await page.locator(".md-search-result__item").first.wait_for(timeout=15000)
        hrefs = await page.eval_on_selector_all(".md-search-result__item a", "els => els.map(e => e.href)")
        assert any(EXPLORABLE_PAGE in h for h in hrefs), f"'vanishing' does not find {EXPLORABLE_PAGE}: {hrefs[:10]}"

    in_fresh_page(browser, server, body)


def test_notebooks_offer_their_ipynb(browser, server, site):
    notebooks = [p for p in nav_pages() if p.endswith(".ipynb")]
    assert notebooks, "no notebook in the nav"

    async def body(page):
        for i, nb in enumerate(notebooks):
            await page.goto(f"{server}{BASE}{nb[: -len('.ipynb')]}/")
            link = page.locator("a.vg-download-nb")
            assert await link.count() == 1, f"{nb}: no download button"
            url = urljoin(page.url, await link.get_attribute("href"))
            assert url.endswith("/" + Path(nb).name), f"{nb}: the download link points at {url}"
            resp = await page.request.get(url)
            assert resp.status == 200, f"{nb}: {url} answers {resp.status}"
            data = json.loads(await resp.body())
            outputs = [o for c in data["cells"] if c["cell_type"] == "code" for o in c.get("outputs", [])]
            assert data["nbformat"] == 4 and outputs, f"{nb}: the download is not an executed notebook"
            if i == 0:  # one real click: the browser downloads the file under its name
                async with page.expect_download() as info:
                    await link.click()
                download = await info.value
                assert download.suggested_filename == Path(nb).name

    in_fresh_page(browser, server, body)


def test_missing_page_gets_the_themed_404(browser, server):
    async def body(page):
        resp = await page.goto(f"{server}{BASE}no-such-page/deeper/")
        assert resp.status == 404
        assert await page.locator("header.md-header").count() == 1, "the 404 page is not inside the theme"
        assert "not found" in (await page.locator("article h1").inner_text()).lower()
        # Its styles and links work from any depth: the stylesheet applied and the home link resolves.
        position = await page.evaluate("getComputedStyle(document.querySelector('.md-header')).position")
        assert position in ("sticky", "fixed"), "the theme's stylesheet did not load on the 404 page"
        home = await page.locator("article a").first.get_attribute("href")
        r = await page.request.get(urljoin(page.url, home))
        assert r.status == 200, f"the 404 page's home link {home} answers {r.status}"

    # The browser logs the 404 status of the page itself as a console error: that one is expected.
    in_fresh_page(browser, server, body, ignore_console=("404",))


# --- the explorable --------------------------------------------------------------------------------


def _rel_err(got: list[float], want: list[float]) -> float:
    assert len(got) == len(want), f"{len(got)} values, expected {len(want)}"
    worst = 0.0
    for g, w in zip(got, want):
        if w == 0.0:
            assert g == 0.0, f"expected 0, got {g}"
            continue
        worst = max(worst, abs(g - w) / abs(w))
    return worst


def _js_exp(x: float) -> str:
    mantissa, exponent = f"{x:.2e}".split("e")
    return f"{mantissa}e{int(exponent):+d}"


def test_explorable_matches_vg(browser, server, site):
    ref_file = site / "assets" / "explorable-reference.json"
    assert ref_file.is_file(), "assets/explorable-reference.json was not generated (hooks/explorable.py)"
    ref = json.loads(ref_file.read_text(encoding="utf-8"))
    curves, default, gamma = ref["curves"], ref["default"], ref["model"]["gamma"]
    page_html = site / EXPLORABLE_PAGE / "index.html"
    assert page_html.is_file() and "vg-explorable" in page_html.read_text(encoding="utf-8"), (
        f"{EXPLORABLE_PAGE} has no explorable: paste hooks/explorable-snippet.md into docs/problem/vanishing.md"
    )
    built_summary = re.search(r'id="vg-ex-summary"[^>]*>(.*?)</p>', page_html.read_text(encoding="utf-8"), re.S)

    async def body(page):
        await page.goto(f"{server}{BASE}{EXPLORABLE_PAGE}")
        root = page.locator("#vg-explorable")
        await page.wait_for_selector("#vg-explorable[data-ready=true]")
        values = lambda: page.evaluate("window.vgExplorable.values()")  # noqa: E731
        settings = lambda: page.evaluate("window.vgExplorable.settings()")  # noqa: E731

        # Accessible: every control has a label; the readout is announced.
        unlabelled = await page.evaluate(
            "Array.from(document.querySelectorAll('#vg-explorable input'))"
            ".filter(i => !i.labels.length).map(i => i.id || i.value)"
        )
        assert unlabelled == [], f"inputs without a <label>: {unlabelled}"
        assert await page.get_attribute("#vg-ex-summary", "aria-live") == "polite"

        # The default curve, and the readout: the browser's text equals the one vg wrote at build time.
        s = await settings()
        assert (s["sigma"], s["activation"], s["distance"]) == (
            default["sigma"],
            default["activation"],
            default["distance"],
        )
        want = curves[s["activation"]][str(s["sigma"])][: s["distance"] + 1]
        assert _rel_err(await values(), want) < REL_TOL
        summary = page.locator("#vg-ex-summary")
        assert built_summary is not None
        assert (await summary.inner_text()).strip() == html.unescape(built_summary.group(1)).strip()

        # Keyboard: sigma up four steps (1.00 -> 1.20), activation to the next radio (sigmoid).
        await page.focus("#vg-ex-sigma")
        for _ in range(4):
            await page.keyboard.press("ArrowRight")
        await page.focus("input[name=vg-ex-activation]:checked")
        await page.keyboard.press("ArrowDown")
        s = await settings()
        assert (s["sigma"], s["activation"]) == (120, "sigmoid"), s
        assert _rel_err(await values(), curves["sigmoid"]["120"][: s["distance"] + 1]) < REL_TOL
        assert "1.20" in await page.inner_text("#vg-ex-sigma-out")

        # Mouse-style settings through the controls, for every activation.
        for act, sigma, dist in (
            ("tanh", 200, 100),
            ("relu", 150, 30),
            ("identity", 90, 77),
            ("sigmoid", 25, 1),
            ("tanh", 100, 60),
        ):
            await page.check(f"input[name=vg-ex-activation][value={act}]")
            await page.fill("#vg-ex-sigma", str(sigma))
            await page.fill("#vg-ex-distance", str(dist))
            s = await settings()
            assert (s["sigma"], s["activation"], s["distance"]) == (sigma, act, dist), s
            got = await values()
            ref_curve = curves[act][str(sigma)]
            err = _rel_err(got, ref_curve[: dist + 1])
            assert err < REL_TOL, f"{act} sigma={sigma / 100}: relative error {err:.1e} against vg"
            text = await summary.inner_text()
            assert f"distance {dist} " in text and _js_exp(ref_curve[dist]) in text, text
            bound = (gamma[act] * sigma / 100) ** dist
            assert _js_exp(bound) in text, text
            # The plot shows this curve: one path point per distance, and the marker at the end.
            d = await page.get_attribute("#vg-ex-plot path.vg-ex-curve", "d")
            assert d.count("L") == dist, f"the plotted curve has {d.count('L') + 1} points, expected {dist + 1}"
            # The measured norm never exceeds the bound (gamma * sigma_max)^j (up to rounding).
            assert all(v <= (gamma[act] * sigma / 100) ** j * (1 + 1e-9) for j, v in enumerate(got))
        label = await page.get_attribute("#vg-ex-plot", "aria-label")
        assert "distance 60" in label

        # Every setting of the sliders, through the script's own function: all agree with vg.
        worst = await page.evaluate(
            """(curves) => {
                 let worst = 0;
                 for (const [act, bySigma] of Object.entries(curves))
                   for (const [sigma, want] of Object.entries(bySigma)) {
                     const got = window.vgExplorable.compute(Number(sigma), act);
                     want.forEach((w, j) => { if (w !== 0) worst = Math.max(worst, Math.abs(got[j] - w) / Math.abs(w));
                                              else if (got[j] !== 0) worst = Infinity; });
                   }
                 return worst;
               }""",
            curves,
        )
        assert worst < REL_TOL, f"largest relative error over all settings: {worst:.2e}"
        assert len(curves) == 4 and all(len(v) == 36 for v in curves.values())
        await root.screenshot()  # renders without error

    in_fresh_page(browser, server, body)
