"""MkDocs hook: make the notebook pages (mkdocs-jupyter) light, self-contained and well linked.

mkdocs-jupyter inlines the whole JupyterLab stylesheet (about 600 KB) into every notebook page, plus
script blocks for MathJax (with an empty `src`) and for Mermaid (imported from a CDN when a diagram is
present). This hook, for every page that holds a rendered notebook:

- moves the inlined `<style>` blocks into ONE shared stylesheet, ``assets/notebook.css``, written once
  into the site after the build and linked from each notebook page. The stylesheet is trimmed (tinycss2
  parses it): a rule is kept only if its selector can match, i.e. every class it requires (outside
  ``:not()``) occurs in some notebook page, and a custom property only if a kept rule reads it. That
  drops the styles of JupyterLab's interface (menus, dialogs, widgets), which a static page never
  uses (about 590 KB, 88 KB gzipped, shrink to about 21 KB, 4 KB gzipped). A contrast fix for the code
  colours is appended (see NOTEBOOK_EXTRA_CSS);
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

import tinycss2
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


# --- trimming (tinycss2 parses; the rule for what to keep is ours) --------------------------------

_VAR = re.compile(r"var\(\s*(--[\w-]+)")  # the custom properties a value or a style="" attribute reads
_GROUPS = {"media", "supports", "layer", "container", "document"}  # at-rules that hold rules: trim inside
_ALTERNATIVES = {"is", "where", "matches", "-webkit-any", "-moz-any"}
_PARSE = {"skip_comments": True, "skip_whitespace": True}


def _can_match(selector: list, classes: set[str]) -> bool:
    """Whether an element of the notebook pages may match: every class the selector requires occurs.

    Only top-level tokens count: the classes inside `:not(...)` are required to be absent and those in
    `[attr="a.b"]` are not classes. `:is()`, `:where()`, ... offer alternatives: kept, to be safe."""
    for prev, tok in zip([None, *selector], selector):
        if tok.type == "function" and tok.lower_name in _ALTERNATIVES:
            return True
        if tok.type == "ident" and prev is not None and prev.type == "literal" and prev.value == ".":
            if tok.value not in classes:
                return False
    return True


def _trim(rules: list, classes: set[str]) -> list:
    """The rules that can match, each as (prelude text, declarations | nested rules | whole text)."""
    out: list = []
    for rule in rules:
        if rule.type == "qualified-rule":
            selectors, cur = [], []
            for tok in [*rule.prelude, None]:  # split on the top-level commas
                if tok is None or (tok.type == "literal" and tok.value == ","):
                    if _can_match(cur, classes):
                        selectors.append(tinycss2.serialize(cur).strip())
                    cur = []
                else:
                    cur.append(tok)
            if selectors:
                decls = tinycss2.parse_declaration_list(rule.content, **_PARSE)
                out.append((",".join(selectors), [d for d in decls if d.type == "declaration"]))
        elif rule.type == "at-rule" and rule.lower_at_keyword in _GROUPS and rule.content is not None:
            inner = _trim(tinycss2.parse_rule_list(rule.content, **_PARSE), classes)
            if inner:
                out.append((f"@{rule.at_keyword}{tinycss2.serialize(rule.prelude).rstrip()}", inner))
        elif rule.type == "at-rule" and rule.lower_at_keyword != "charset":  # @font-face, @keyframes: whole
            out.append((None, rule.serialize()))
    return out


def _declarations(tree: list):
    for _prelude, body in tree:
        if isinstance(body, list) and body and isinstance(body[0], tuple):
            yield from _declarations(body)
        elif isinstance(body, list):
            yield from body


def _render(tree: list, used: set[str]) -> str:
    out = []
    for prelude, body in tree:
        if isinstance(body, str):
            out.append(body)
        elif body and isinstance(body[0], tuple):
            inner = _render(body, used)
            if inner:
                out.append(f"{prelude}{{\n{inner}\n}}")
        else:
            kept = [d.serialize() for d in body if not d.name.startswith("--") or d.name in used]
            if kept:
                out.append(f"{prelude}{{{';'.join(kept)}}}")
    return "\n".join(out)


def trim_css(css: str, classes: set[str], var_uses: set[str] = frozenset()) -> str:
    """Keep the rules of `css` whose selectors can match an element with some of `classes`, and the
    custom properties (--x) that those rules (or `var_uses`) need, even indirectly."""
    tree = _trim(tinycss2.parse_stylesheet(css, **_PARSE), classes)
    defs: dict[str, set[str]] = {}
    used = set(var_uses)
    for d in _declarations(tree):
        reads = _VAR.findall(tinycss2.serialize(d.value))  # var(--x), fallbacks var(--x, var(--y)) too
        (defs.setdefault(d.name, set()) if d.name.startswith("--") else used).update(reads)
    for _prelude, body in tree:
        if isinstance(body, str):  # @keyframes and the like, kept whole
            used.update(_VAR.findall(body))
    todo = list(used)
    while todo:
        for dep in defs.get(todo.pop(), ()):
            if dep not in used:
                used.add(dep)
                todo.append(dep)
    return _render(tree, used)


def on_post_build(config, **kwargs) -> None:
    if not _notebook_pages:
        return
    full = "\n".join(_css_blocks.values())
    # CSS custom properties (--jp-...) are kept wholesale: they live on selectors like :root that match.
    trimmed = '@charset "UTF-8";\n' + trim_css(full, _classes, _var_uses) + "\n" + NOTEBOOK_EXTRA_CSS
    target = Path(config["site_dir"]) / CSS_URI
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(trimmed, encoding="utf-8")
