"""MkDocs hook: every `vg.` name in a page's prose links to its entry on the API page, checked.

A page names `vg.rnn.forward` or `vg.clip.clip_global_norm(grads, 1.0)` in inline code. This hook turns
each such span into a cross-reference of mkdocs-autorefs, which the API page's mkdocstrings blocks
(`docs/reference/api.md`) resolve to the object's heading:

    `vg.rnn.backward(..., truncate=20)`   becomes   [`vg.rnn.backward(..., truncate=20)`][vg.rnn.backward]

The identifier is the dotted name the span starts with; what follows it (a call's arguments) stays in the
link's text. Fenced code, headings (the table of contents shows plain text), HTML comments and spans that
already are links are left alone. Notebook pages reach MkDocs as HTML (mkdocs-jupyter renders them), so
there the same rule is applied to their `<code>` elements outside code cells, links and headings.

A name the API page does not render (a typo, a private helper, an attribute without a docstring) fails
the strict build: before autorefs resolves the references, `on_env` asks autorefs for each name this hook
emitted and reports every unknown one with its page and line. Autorefs then reports it once more in its
own words.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from jinja2 import Environment
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.plugins import event_priority
from mkdocs.structure.files import Files
from mkdocs.structure.pages import Page
from mkdocs_autorefs import AutorefsPlugin

log = logging.getLogger("mkdocs.hooks.vglinks")

# A `vg.` name, optionally called: `vg.rnn.forward`, `vg.lru.eigenvalues(params)`. Nothing else: a span
# such as `H, c = vg.rnn.forward(X, p)` is an expression, not a name, and is left as code.
NAME = re.compile(r"(?P<name>vg(?:\.[A-Za-z_]\w*)+)(?P<call>\(.*\))?", re.DOTALL)
# An inline code span: a run of backticks closed by a run of the same length (CommonMark), within a
# paragraph (it may wrap onto the next line, never across a blank one).
_SPAN = re.compile(r"(?<![`\\])(?P<ticks>`+)(?!`)(?P<body>(?:[^\n]|\n(?![ \t]*\n))+?)(?<!`)(?P=ticks)(?!`)")
_FENCE = re.compile(r"^[ \t]*(?P<fence>`{3,}|~{3,})")
_HEADING = re.compile(r"^[ \t]*#{1,6}(?:[ \t]|$)")
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
# The text of a link, a reference or an image, `[...](...)`, `[...][...]`, `![...](...)`: already a link
# (or alt text), so nothing in it becomes another one.
_LINK_TEXT = re.compile(r"!?\[[^\[\]]*\](?=[(\[])")


@dataclass(frozen=True)
class Reference:
    """One `vg.` name this hook turned into a cross-reference."""

    identifier: str  # the dotted name, e.g. "vg.rnn.forward"
    where: str  # "rnn/bptt.md:465"


def _masked(text: str) -> str:
    """`text` with fenced blocks, headings, HTML comments and link texts blanked out (same length and
    lines), so that what is left is the prose where a code span may become a link."""
    out: list[str] = []
    fence: str | None = None
    for line in text.split("\n"):
        m = _FENCE.match(line)
        if fence is None and m:
            fence = m.group("fence")
            out.append(" " * len(line))
        elif fence is not None:
            closing = line.strip()
            if closing and set(closing) == {fence[0]} and len(closing) >= len(fence):
                fence = None
            out.append(" " * len(line))
        elif _HEADING.match(line):
            out.append(" " * len(line))
        else:
            out.append(line)
    masked = "\n".join(out)
    for pattern in (_COMMENT, _LINK_TEXT):
        masked = pattern.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), masked)
    return masked


def link_names(markdown: str, where: str = "page", first_line: int = 1) -> tuple[str, list[Reference]]:
    """Turn every `vg.` name in inline code of the prose into an autorefs cross-reference.

    Args:
        markdown: a page's Markdown (without its front matter, as MkDocs hands it to hooks).
        where: the page's path, for the locations in the returned references.
        first_line: the line number of the Markdown's first line in the page's file (after front matter).

    Returns:
        The new Markdown, and the references made, in order.
    """
    masked = _masked(markdown)
    refs: list[Reference] = []
    pieces: list[str] = []
    last = 0
    for span in _SPAN.finditer(masked):
        body = span.group("body")
        m = NAME.fullmatch(body.strip().replace("\n", " "))
        if m is None:
            continue
        line = masked.count("\n", 0, span.start()) + first_line
        refs.append(Reference(m.group("name"), f"{where}:{line}"))
        pieces += [markdown[last : span.start()], f"[{markdown[span.start() : span.end()]}][{m.group('name')}]"]
        last = span.end()
    pieces.append(markdown[last:])
    return "".join(pieces), refs


# In a notebook's HTML: inline code as nbconvert renders Markdown cells. Code cells are <pre> blocks of
# highlighted <span>s, so a bare <code>vg.x</code> is always inline code.
_HTML_CODE = re.compile(r"<code>(?P<body>[^<]*)</code>")
_HTML_SKIP = re.compile(r"<(?P<tag>pre|a|h[1-6])\b.*?</(?P=tag)>", re.DOTALL | re.IGNORECASE)


def link_names_html(html: str, where: str = "page") -> tuple[str, list[Reference]]:
    """The same as `link_names` for a page that is already HTML (a notebook): autorefs' `<autoref>`."""
    skip = [(m.start(), m.end()) for m in _HTML_SKIP.finditer(html)]
    refs: list[Reference] = []

    def repl(code: re.Match[str]) -> str:
        m = NAME.fullmatch(code.group("body").strip())
        if m is None or any(a <= code.start() < b for a, b in skip):
            return code.group(0)
        refs.append(Reference(m.group("name"), where))
        return f'<autoref identifier="{m.group("name")}">{code.group(0)}</autoref>'

    return _HTML_CODE.sub(repl, html), refs


_made: dict[str, list[Reference]] = {}  # page src_uri -> the references this hook made on it


def on_pre_build(config: MkDocsConfig, **kwargs) -> None:
    _made.clear()  # `mkdocs serve` rebuilds in one process


def on_page_markdown(markdown: str, page: Page, config: MkDocsConfig, files: Files, **kwargs) -> str:
    if not page.file.src_uri.endswith(".md"):
        return markdown
    source = page.file.content_string
    body_at = source.find(markdown[:200]) if markdown else -1  # after the front matter MkDocs removed
    first_line = source.count("\n", 0, body_at) + 1 if body_at >= 0 else 1
    markdown, refs = link_names(markdown, page.file.src_uri, first_line)
    _made[page.file.src_uri] = refs
    return markdown


def on_page_content(html: str, page: Page, config: MkDocsConfig, files: Files, **kwargs) -> str:
    if not page.file.src_uri.endswith(".ipynb"):
        return html
    html, refs = link_names_html(html, page.file.src_uri)
    _made[page.file.src_uri] = refs
    return html


def unknown(refs: list[Reference], autorefs: AutorefsPlugin) -> list[Reference]:
    """The references that autorefs cannot resolve: names that no page renders (as an API object)."""
    missing = []
    for ref in refs:
        try:
            autorefs.get_item_url(ref.identifier)
        except KeyError:
            missing.append(ref)
    return missing


@event_priority(-40)  # after every page is rendered, before autorefs (-50) replaces the references
def on_env(env: Environment, config: MkDocsConfig, files: Files, **kwargs) -> Environment:
    autorefs = config.plugins.get("autorefs")
    if autorefs is None:
        log.warning("vglinks: the autorefs plugin is not enabled, so no `vg.` name can be linked")
        return env
    for ref in unknown([r for refs in _made.values() for r in refs], autorefs):
        log.warning(
            "vglinks: %s names `%s`, which is not an object of the API page (docs/reference/api.md): "
            "correct the name, give the object a docstring so that the API page shows it, or write it "
            "without the `vg.` prefix",
            ref.where,
            ref.identifier,
        )
    return env
