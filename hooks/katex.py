"""MkDocs hook: typeset the maths at build time with KaTeX, so pages need no script and no CDN.

`pymdownx.arithmatex` (generic mode) wraps `$...$` in `<span class="arithmatex">\\(...\\)</span>` and
`$$...$$` in `<div class="arithmatex">\\[...\\]</div>`. This hook sends every formula of a page to KaTeX
(node, from the npm registry: `npm ci` installs it) in one batch and replaces it with the rendered HTML.
A TeX error fails the build and names the page and the formula. KaTeX's stylesheet and fonts are copied
from `node_modules/` into the site as `assets/katex/`.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
from pathlib import Path

from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File, Files

ROOT = Path(__file__).resolve().parent.parent
KATEX_DIST = ROOT / "node_modules" / "katex" / "dist"
RENDER = Path(__file__).with_name("katex-render.cjs")

_MATH = re.compile(
    r'<(?P<tag>span|div) class="arithmatex">(?:\\\((?P<inline>.*?)\\\)|\\\[(?P<display>.*?)\\\])</(?P=tag)>',
    re.DOTALL,
)


def _require_katex() -> None:
    if not (KATEX_DIST / "katex.min.css").exists():
        raise PluginError(
            "KaTeX is not installed: run `npm ci` in the repository root (the README's commands do it)"
        )
    if shutil.which("node") is None:
        raise PluginError("node is not on PATH: KaTeX renders the maths with Node.js at build time")


def render_batch(items: list[tuple[str, bool]]) -> list[dict[str, str]]:
    """Render [(tex, display), ...] with KaTeX; each result is {"html": ...} or {"error": ...}."""
    payload = json.dumps([{"tex": t, "display": d} for t, d in items])
    proc = subprocess.run(
        ["node", str(RENDER)], input=payload, capture_output=True, text=True, cwd=ROOT, check=False
    )
    if proc.returncode != 0:
        raise PluginError(f"KaTeX renderer failed: {proc.stderr.strip()}")
    return json.loads(proc.stdout)


def render_html(content: str, where: str) -> str:
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
        raise PluginError(f"KaTeX could not typeset {len(errors)} formula(s) on {where}:\n" + "\n".join(errors))
    out, last = [], 0
    for m, r in zip(matches, results):
        out.append(content[last : m.start()])
        cls = "arithmatex katex-display-wrap" if m.group("display") is not None else "arithmatex"
        out.append(f'<{m.group("tag")} class="{cls}">{r["html"]}</{m.group("tag")}>')
        last = m.end()
    out.append(content[last:])
    return "".join(out)


def on_config(config, **kwargs):
    _require_katex()
    css = "assets/katex/katex.min.css"
    if css not in config["extra_css"]:
        config["extra_css"].insert(0, css)
    return config


def on_files(files: Files, config, **kwargs) -> Files:
    files.append(File.generated(config, "assets/katex/katex.min.css", abs_src_path=str(KATEX_DIST / "katex.min.css")))
    for font in sorted((KATEX_DIST / "fonts").iterdir()):
        files.append(File.generated(config, f"assets/katex/fonts/{font.name}", abs_src_path=str(font)))
    return files


def on_page_content(content: str, page, config, files, **kwargs) -> str:
    return render_html(content, page.file.src_uri)
