"""MkDocs hook: make the notebook pages (mkdocs-jupyter) light, self-contained and well linked.

mkdocs-jupyter inlines the whole JupyterLab stylesheet (about 600 KB) into every notebook page, plus
script blocks for MathJax (with an empty `src`) and for Mermaid (imported from a CDN when a diagram is
present). This hook, for every page that holds a rendered notebook:

- moves the inlined `<style>` blocks into ONE shared stylesheet, ``assets/notebook.css``, written once
  into the site after the build and linked from each notebook page. The stylesheet is trimmed: a rule
  is kept only if its selector can match, i.e. every class it requires (outside ``:not()``) occurs in
  some notebook page. That drops the styles of JupyterLab's interface (menus, dialogs, widgets), which
  a static page never uses. A contrast fix for the code colours is appended (see NOTEBOOK_EXTRA_CSS);
- removes the MathJax and Mermaid script blocks (our notebooks use neither TeX nor Mermaid; the
  Mermaid one would load from cdnjs.cloudflare.com);
- points "edit this page" at the notebook's real source, ``examples/<name>.py`` (the `.ipynb` is a
  build product), and gives the page a description for link previews from the notebook's first
  paragraph, unless the notebook sets one.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

from mkdocs.utils import get_relative_url

CSS_URI = "assets/notebook.css"

# Page state collected by on_post_page and written by on_post_build (reset in on_pre_build).
_css_blocks: dict[str, str] = {}  # digest -> CSS text, in first-seen order
_classes: set[str] = set()
_var_uses: set[str] = set()  # custom properties used in style="" attributes of the notebooks
_notebook_pages = 0

_STYLE = re.compile(r"<style\b[^>]*>(.*?)</style>\s*", re.DOTALL | re.IGNORECASE)
_SCRIPT = re.compile(r"<script\b([^>]*)>(.*?)</script>\s*", re.DOTALL | re.IGNORECASE)
_COMMENTS = re.compile(
    r"<!-- (?:Load mathjax|MathJax configuration|End of mathjax configuration|End of mermaid configuration) -->\s*"
)
_CLASS_ATTR = re.compile(r'\bclass\s*=\s*"([^"]*)"', re.IGNORECASE)

# Colours of mkdocs-jupyter's theme that fall below WCAG AA (4.5:1), found by axe-core in the browser tests.
NOTEBOOK_EXTRA_CSS = """
/* vg (hooks/notebook_css.py): prompts ("In [1]:", "Out[1]:") at full opacity, in colours with 4.5:1. */
/* Code colours of the JupyterLab theme below 4.5:1 (numbers, comments, operator words): darker shades
   of the same hues in the light scheme, lighter ones in the dark scheme. */
.jupyter-wrapper {
  --jp-cell-prompt-not-active-opacity: 1;
  --jp-cell-prompt-not-active-font-color: #5c5c5c;
  --jp-cell-inprompt-font-color: #1f5f99;
  --jp-cell-outprompt-font-color: #9c4229;
  --jp-mirror-editor-number-color: #007000;
  --jp-mirror-editor-comment-color: #2e6b6b;
  --jp-mirror-editor-operator-color: #8b1ad6;
}
[data-md-color-scheme="slate"] .jupyter-wrapper {
  --jp-cell-prompt-not-active-font-color: #a8adc0;
  --jp-cell-inprompt-font-color: #8cbcf0;
  --jp-cell-outprompt-font-color: #f0a080;
  --jp-mirror-editor-number-color: #7fcf82;
  --jp-mirror-editor-comment-color: #7fc4c4;
  --jp-mirror-editor-operator-color: #cf99ff;
}
"""


def is_notebook_page(page) -> bool:
    return page.file.src_uri.endswith(".ipynb")


def on_pre_build(config, **kwargs) -> None:
    global _notebook_pages
    _css_blocks.clear()
    _classes.clear()
    _var_uses.clear()
    _notebook_pages = 0


def _first_paragraph(nb_path: str) -> str | None:
    """The first paragraph of prose in the notebook's first markdown cell (after its # title)."""
    try:
        nb = json.loads(Path(nb_path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    for cell in nb.get("cells", []):
        if cell.get("cell_type") != "markdown":
            continue
        src = "".join(cell.get("source", []))
        for para in re.split(r"\n\s*\n", src):
            para = para.strip()
            if para and not para.startswith("#"):
                text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", para)  # [text](url) -> text
                text = re.sub(r"[*_`]", "", text)
                return " ".join(text.split())
        return None
    return None


def on_page_context(context, page, config, nav, **kwargs):
    if not is_notebook_page(page):
        return context
    stem = Path(page.file.src_uri).stem
    repo, edit_uri = config.get("repo_url"), config.get("edit_uri")
    if repo and edit_uri and page.file.src_uri.startswith("examples/"):
        # edit_uri is "edit/main/docs/": the examples live beside docs/, not in it.
        base = edit_uri.rstrip("/")
        base = base[: -len("/docs")] if base.endswith("/docs") else base
        page.edit_url = f"{repo.rstrip('/')}/{base}/examples/{stem}.py"
    if page.meta is not None and not page.meta.get("description"):
        para = _first_paragraph(page.file.abs_src_path)
        if para:
            page.meta["description"] = para if len(para) <= 200 else para[:197].rsplit(" ", 1)[0] + "..."
    return context


def _drop_script(m: re.Match) -> str:
    attrs, body = m.group(1), m.group(2)
    if re.search(r'\bsrc\s*=\s*""', attrs):  # the MathJax loader with an empty src
        return ""
    if "text/x-mathjax-config" in attrs:
        return ""
    if "mermaid" in body and "import(" in body:  # loads mermaid from a CDN when a diagram exists
        return ""
    return m.group(0)


def on_post_page(output: str, page, config, **kwargs) -> str:
    global _notebook_pages
    if not is_notebook_page(page) or 'class="jupyter-wrapper"' not in output:
        return output
    _notebook_pages += 1
    start = output.find("<article")
    end = output.rfind("</article>")
    if start < 0 or end < 0:
        return output
    body = output[start:end]
    for css in _STYLE.findall(body):
        css = css.strip()
        if css.startswith("[") and css.endswith("]"):
            continue  # mkdocs-jupyter also emits a Python list's repr of the Pygments CSS: not CSS
        _css_blocks.setdefault(hashlib.sha256(css.encode()).hexdigest(), css)
    body = _STYLE.sub("", body)
    body = _SCRIPT.sub(_drop_script, body)
    body = _COMMENTS.sub("", body)
    for classes in _CLASS_ATTR.findall(body):
        _classes.update(classes.split())
    _var_uses.update(_VAR.findall(body))
    href = get_relative_url(CSS_URI, page.url)
    head = output[:start].replace("</head>", f'<link rel="stylesheet" href="{href}">\n</head>', 1)
    return head + body + output[end:]


# --- trimming -----------------------------------------------------------------------------------


def _split_blocks(css: str) -> list[tuple[str, str | None]]:
    """Split CSS into top-level items: (prelude, body) for `x { ... }`, (statement, None) for `@x ...;`."""
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.DOTALL)
    items: list[tuple[str, str | None]] = []
    i, n, start = 0, len(css), 0
    depth, prelude_end = 0, -1
    while i < n:
        c = css[i]
        if c in "\"'":  # skip strings (they may hold braces)
            j = i + 1
            while j < n and css[j] != c:
                j += 2 if css[j] == "\\" else 1
            i = j + 1
            continue
        if c == "{":
            if depth == 0:
                prelude_end = i
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0:
                items.append((css[start:prelude_end].strip(), css[prelude_end + 1 : i]))
                start, prelude_end = i + 1, -1
        elif c == ";" and depth == 0:
            items.append((css[start:i].strip(), None))
            start = i + 1
        i += 1
    return items


def _split_selectors(prelude: str) -> list[str]:
    out, depth, cur = [], 0, []
    for c in prelude:
        if c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        if c == "," and depth == 0:
            out.append("".join(cur).strip())
            cur = []
        else:
            cur.append(c)
    out.append("".join(cur).strip())
    return [s for s in out if s]


def _can_match(selector: str, classes: set[str]) -> bool:
    if re.search(r":(is|where|matches|-webkit-any|-moz-any)\(", selector):
        return True  # alternatives inside: keep it (conservative)
    s = selector
    while True:  # drop :not(...) (it requires the *absence* of its classes); nested parens handled
        m = re.search(r":not\(", s)
        if not m:
            break
        depth, j = 1, m.end()
        while j < len(s) and depth:
            depth += {"(": 1, ")": -1}.get(s[j], 0)
            j += 1
        s = s[: m.start()] + s[j:]
    s = re.sub(r"\[[^\]]*\]", "", s)  # attribute selectors may contain dots
    return all(c in classes for c in re.findall(r"\.(-?[_a-zA-Z][\w-]*)", s))


def _split_decls(body: str) -> list[str]:
    """The declarations of a rule body, split on `;` outside strings and parentheses."""
    out, cur, depth, quote = [], [], 0, ""
    for c in body:
        if quote:
            quote = "" if c == quote else quote
        elif c in "\"'":
            quote = c
        elif c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        elif c == ";" and depth == 0:
            out.append("".join(cur).strip())
            cur = []
            continue
        cur.append(c)
    out.append("".join(cur).strip())
    return [d for d in out if d]


def _trim_tree(css: str, classes: set[str]) -> list:
    """Parse and trim: a list of (prelude, declarations | nested list | None)."""
    out: list = []
    for prelude, body in _split_blocks(css):
        if body is None:
            if prelude and not prelude.startswith("@charset"):
                out.append((prelude, None))
            continue
        if prelude.startswith("@"):
            at = prelude.split(None, 1)[0].lower()
            if at in ("@media", "@supports", "@layer", "@container", "@document"):
                inner = _trim_tree(body, classes)
                if inner:
                    out.append((prelude, inner))
            else:  # @font-face, @keyframes, @page, ...: keep whole
                out.append((prelude, "{" + body + "}"))
            continue
        keep = [s for s in _split_selectors(prelude) if _can_match(s, classes)]
        if keep:
            out.append((",".join(keep), _split_decls(body)))
    return out


_VAR = re.compile(r"var\(\s*(--[\w-]+)")


def _rules(tree: list):
    for prelude, body in tree:
        if isinstance(body, list) and body and isinstance(body[0], tuple):
            yield from _rules(body)
        elif isinstance(body, list):
            yield prelude, body


def _prune_custom_properties(tree: list, extra_uses: set[str]) -> None:
    """Drop declarations of custom properties (--x) that no kept declaration uses, even indirectly."""
    defs: dict[str, set[str]] = {}
    used = set(extra_uses)
    for _prelude, decls in _rules(tree):
        for d in decls:
            name, _, value = d.partition(":")
            name = name.strip()
            if name.startswith("--"):
                defs.setdefault(name, set()).update(_VAR.findall(value))
            else:
                used.update(_VAR.findall(value))
    todo = list(used)
    while todo:
        for dep in defs.get(todo.pop(), ()):
            if dep not in used:
                used.add(dep)
                todo.append(dep)
    for _prelude, decls in _rules(tree):
        decls[:] = [d for d in decls if not d.startswith("--") or d.partition(":")[0].strip() in used]


def _render(tree: list) -> str:
    out = []
    for prelude, body in tree:
        if body is None:
            out.append(prelude + ";")
        elif isinstance(body, str):
            out.append(prelude + body)
        elif body and isinstance(body[0], tuple):
            inner = _render(body)
            if inner:
                out.append(f"{prelude}{{\n{inner}\n}}")
        elif body:
            out.append(f"{prelude}{{{';'.join(body)}}}")
    return "\n".join(out)


def trim_css(css: str, classes: set[str], var_uses: set[str] = frozenset()) -> str:
    """Keep the rules of `css` whose selectors can match an element with some of `classes`, and the
    custom properties that those rules (or `var_uses`) need."""
    tree = _trim_tree(css, classes)
    _prune_custom_properties(tree, set(var_uses))
    return _render(tree)


def on_post_build(config, **kwargs) -> None:
    if not _notebook_pages:
        return
    full = "\n".join(_css_blocks.values())
    # CSS custom properties (--jp-...) are kept wholesale: they live on selectors like :root that match.
    trimmed = '@charset "UTF-8";\n' + trim_css(full, _classes, _var_uses) + "\n" + NOTEBOOK_EXTRA_CSS
    target = Path(config["site_dir"]) / CSS_URI
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(trimmed, encoding="utf-8")
