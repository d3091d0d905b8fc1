"""The fenced code blocks of a Markdown page, found by markdown-it-py: the one parser the build and the tests share.

hooks/figures.py takes the figure code from them; the tests (tests/_site.py: the docs conventions, the
number checker, the expected-output updater) read them too. What pytest-codeblocks runs is decided by
pytest-codeblocks itself; this module only locates blocks.

markdown-it-py is a CommonMark parser. The site's Markdown is Python-Markdown's, whose admonitions
(`!!! note "Title"`, pymdownx.details' `??? note "Title"`) hold an indented body: to CommonMark that is a
paragraph followed by an indented code block. The body is a Markdown document of its own, so it is
parsed again, the way Python-Markdown does. (mdit-py-plugins' admonition plugin is not used: it closes an
admonition at two blank lines, which Python code inside one has between its functions.)
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.front_matter import front_matter_plugin

_PAGE = MarkdownIt("commonmark").use(front_matter_plugin)
_BODY = MarkdownIt("commonmark")  # an admonition's body has no front matter
_ADMONITION = re.compile(r'^(?:\?\?\?\+?|!!!)[ \t]+[\w-]+(?:[ \t]+[\w-]+)*(?:[ \t]+"(?P<title>[^"]*)")?[ \t]*$')
# A pytest-codeblocks instruction, read as pytest-codeblocks reads it: <!--pytest-codeblocks:cont-->.
_MARK = re.compile(r"^\s*<!--[-\s]*pytest-codeblocks:(?P<kw>[\w-]+(?:\([^)]*\))?)[-\s]*-->\s*$")


@dataclass
class Block:
    """One fenced block; `line` and `end` are the 1-based lines of its opening and closing fences."""

    line: int
    end: int
    info: str  # the info string: "python", "text", 'python title="x"'
    body: str  # the code, without the fences and without the indentation of its container
    indent: int  # columns before the opening fence
    marks: list[str] = field(default_factory=list)  # pytest-codeblocks instructions just before it
    admonitions: list[str] = field(default_factory=list)  # titles of the admonitions around it, outermost first

    @property
    def lang(self) -> str:
        return self.info.split()[0].strip("{}.") if self.info else ""


def tokens(text: str) -> list[Token]:
    """The markdown-it token stream of a page (its front matter understood; admonition bodies are
    `code_block` tokens after the paragraph that opens them)."""
    return _PAGE.parse(text)


def blocks(text: str) -> list[Block]:
    """Every fenced block of a Markdown text, admonitions' included, with the pytest-codeblocks marks
    (`<!--pytest-codeblocks:KEYWORD-->` comments) just before it."""
    out: list[Block] = []
    _collect(tokens(text), text.split("\n"), 0, [], out)
    return out


def _collect(toks: list[Token], lines: list[str], offset: int, titles: list[str], out: list[Block]) -> None:
    pending: list[str] = []
    admonition: tuple[int, str] | None = None  # (level, title) of the admonition the last paragraph opened
    for i, tok in enumerate(toks):
        if tok.type == "inline":
            continue
        if tok.type == "html_block" and (mark := _MARK.match(tok.content)):
            pending.append(mark.group("kw"))
            continue
        if tok.type == "code_block" and admonition is not None and admonition[0] == tok.level and tok.map:
            _collect(_BODY.parse(tok.content), lines, offset + tok.map[0], [*titles, admonition[1]], out)
        elif tok.type == "fence" and tok.map:
            first = offset + tok.map[0]
            indent = len(lines[first]) - len(lines[first].lstrip())
            out.append(Block(first + 1, offset + tok.map[1], tok.info.strip(), tok.content, indent, pending, titles))
        if tok.nesting >= 0:  # anything between a mark and a block cancels the mark
            pending = []
        if tok.type == "paragraph_open":  # `??? note "Title"` alone in a paragraph opens an admonition
            head = _ADMONITION.match(toks[i + 1].content) if i + 1 < len(toks) else None
            admonition = (tok.level, head.group("title") or "") if head else None
        elif tok.type != "paragraph_close":
            admonition = None
