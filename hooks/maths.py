"""MkDocs hook: typeset the maths at build time as MathML, so pages need no script and no CDN.

`pymdownx.arithmatex` (generic mode) wraps `$...$` in `<span class="arithmatex">\\(...\\)</span>` and
`$$...$$` in `<div class="arithmatex">\\[...\\]</div>`. This hook sends every formula of a page to
Temml (node, from the npm registry: `npm ci` installs it) in one batch and puts the MathML it returns
in place. Browsers lay MathML out natively and screen readers read it, and it is a tenth of the size of
HTML-and-CSS maths. A TeX error fails the build and names the page and the formula. Temml's stylesheet
(which uses the reader's installed math fonts, with a small font of its own for the rest) is copied
from `node_modules/` into the site as `assets/temml/`.
"""

from __future__ import annotations

import functools
import hashlib
import html
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File, Files

ROOT = Path(__file__).resolve().parent.parent
TEMML_DIST = ROOT / "node_modules" / "temml" / "dist"
RENDER = Path(__file__).with_name("maths-render.cjs")
CACHE = ROOT / ".cache" / "maths"
CSS_URI = "assets/temml/Temml-Local.css"

_MATH = re.compile(
    r'<(?P<tag>span|div) class="arithmatex">(?:\\\((?P<inline>.*?)\\\)|\\\[(?P<display>.*?)\\\])</(?P=tag)>',
    re.DOTALL,
)


def _require_temml() -> None:
    if not (TEMML_DIST / "temml.cjs").exists():
        raise PluginError("Temml is not installed: run `npm ci` in the repository root (./dev does it)")
    if shutil.which("node") is None:
        raise PluginError("node is not on PATH: Temml typesets the maths with Node.js at build time")


def render_batch(items: list[tuple[str, bool]]) -> list[dict[str, str]]:
    """Typeset [(tex, display), ...]; each result is {"html": mathml} or {"error": message}.

    A page's batch is cached on disk under a key made of the formulas, the renderer script and Temml's
    version, so a rebuild after editing one page starts node only for that page.
    """
    payload = json.dumps([{"tex": t, "display": d} for t, d in items])
    key = hashlib.sha256(payload.encode() + RENDER.read_bytes() + _temml_version().encode()).hexdigest()[:32]
    cached = CACHE / f"{key}.json"
    if cached.exists():
        return json.loads(cached.read_text(encoding="utf-8"))
    proc = subprocess.run(["node", str(RENDER)], input=payload, capture_output=True, text=True, cwd=ROOT, check=False)
    if proc.returncode != 0:
        raise PluginError(f"the maths renderer failed: {proc.stderr.strip()}")
    results = json.loads(proc.stdout)
    if not any("error" in r for r in results):  # errors must fail every build, so they are not cached
        CACHE.mkdir(parents=True, exist_ok=True)
        tmp = cached.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(proc.stdout, encoding="utf-8")
        os.replace(tmp, cached)
    return results


@functools.lru_cache(maxsize=1)
def _temml_version() -> str:
    return json.loads((TEMML_DIST.parent / "package.json").read_text(encoding="utf-8"))["version"]


def render_html(content: str, where: str) -> str:
    """Replace every arithmatex formula in `content` by MathML; `where` names the page in errors."""
    matches = list(_MATH.finditer(content))
    if not matches:
        return content
    items = []
    for m in matches:
        display = m.group("display") is not None
        items.append((html.unescape(m.group("display") if display else m.group("inline")), display))
    results = render_batch(items)
    errors = [f"  {tex!r}: {r['error']}" for (tex, _), r in zip(items, results) if "error" in r]
    if errors:
        raise PluginError(f"could not typeset {len(errors)} formula(s) on {where}:\n" + "\n".join(errors))
    out, last = [], 0
    for m, r in zip(matches, results):
        out.append(content[last : m.start()])
        out.append(f'<{m.group("tag")} class="arithmatex">{r["html"]}</{m.group("tag")}>')
        last = m.end()
    out.append(content[last:])
    return "".join(out)


def on_config(config, **kwargs):
    _require_temml()
    if CSS_URI not in config["extra_css"]:
        config["extra_css"].insert(0, CSS_URI)
    return config


def on_files(files: Files, config, **kwargs) -> Files:
    for name in ("Temml-Local.css", "Temml.woff2"):
        files.append(File.generated(config, f"assets/temml/{name}", abs_src_path=str(TEMML_DIST / name)))
    return files


def on_page_content(content: str, page, config, files, **kwargs) -> str:
    return render_html(content, page.file.src_uri)
