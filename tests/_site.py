"""Helpers shared by the site tests: the docs pages, their code blocks and the nav."""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
EXAMPLES = ROOT / "examples"

if str(ROOT / "hooks") not in sys.path:
    sys.path.insert(0, str(ROOT / "hooks"))
# The pages' fenced blocks: hooks/_fences.py (markdown-it-py), which hooks/figures.py uses too.
from _fences import Block, blocks, tokens  # noqa: E402


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


__all__ = ["DOCS", "EXAMPLES", "ROOT", "Block", "blocks", "doc_pages", "example_sources", "nav_pages", "tokens"]
