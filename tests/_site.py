"""Helpers shared by the site tests: the docs pages, their code blocks and the nav."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
EXAMPLES = ROOT / "examples"

_FENCE = re.compile(r"^(?P<ind>[ \t]*)(?P<fence>`{3,}|~{3,})[ \t]*(?P<info>[^\n`]*)$")
_MARK = re.compile(r"^\s*<!--\s*pytest-codeblocks:(?P<kw>[\w-]+)\s*-->\s*$")
_PYTHONISH = {"python", "py", "python3", "pycon", "{.python}", "{.py}"}


@dataclass
class Block:
    line: int
    info: str
    body: str
    indent: int
    marks: list[str] = field(default_factory=list)

    @property
    def lang(self) -> str:
        return self.info.split()[0].strip("{}.") if self.info else ""


def blocks(text: str) -> list[Block]:
    """Every fenced block of a Markdown text, with the pytest-codeblocks marks just before it."""
    lines = text.split("\n")
    out: list[Block] = []
    pending: list[str] = []
    i = 0
    while i < len(lines):
        mk = _MARK.match(lines[i])
        if mk:
            pending.append(mk.group("kw"))
            i += 1
            continue
        m = _FENCE.match(lines[i])
        if m:
            fence = m.group("fence")
            j = i + 1
            while j < len(lines) and not re.match(r"^[ \t]*" + re.escape(fence) + r"[ \t]*$", lines[j]):
                j += 1
            out.append(Block(i + 1, m.group("info").strip(), "\n".join(lines[i + 1 : j]), len(m.group("ind")), pending))
            pending = []
            i = j + 1
            continue
        if lines[i].strip():
            pending = []
        i += 1
    return out


def nav_pages() -> list[str]:
    """Every page named in mkdocs.yml's nav, in order (src paths relative to docs/)."""

    class Loader(yaml.SafeLoader):
        pass

    # mkdocs.yml may hold !!python/name tags (e.g. for pymdownx); we only need the nav.
    Loader.add_multi_constructor("", lambda loader, suffix, node: None)
    config = yaml.load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"), Loader=Loader)
    found: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, str):
            found.append(node)
        elif isinstance(node, list):
            for item in node:
                walk(item)
        elif isinstance(node, dict):
            for value in node.values():
                walk(value)

    walk(config["nav"])
    return found


def doc_pages() -> list[Path]:
    return sorted(DOCS.rglob("*.md"))


def example_sources() -> list[Path]:
    return sorted(p for p in EXAMPLES.glob("*.py") if not p.name.startswith("_"))
