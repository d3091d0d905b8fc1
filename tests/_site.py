"""Helpers shared by the site tests: the docs pages, their code blocks, and mkdocs.yml (its nav and settings)."""

from __future__ import annotations

import functools
from pathlib import Path

import yaml

# The pages' fenced blocks: hooks/_fences.py (markdown-it-py), which hooks/figures.py uses too.
from _fences import Block, blocks, tokens

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"


@functools.cache
def mkdocs_config() -> dict:
    """mkdocs.yml as plain data, read once (the one reader of it in the tests)."""

    class Loader(yaml.SafeLoader):
        pass

    # mkdocs.yml holds tags (!ENV, !!python/name for pymdownx) that only MkDocs resolves: read them as None.
    Loader.add_multi_constructor("", lambda loader, suffix, node: None)
    return yaml.load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"), Loader=Loader)


def nav_pages() -> list[str]:
    """Every page named in mkdocs.yml's nav, in order (src paths relative to docs/)."""
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

    walk(mkdocs_config()["nav"])
    return found


def doc_pages() -> list[Path]:
    return sorted(DOCS.rglob("*.md"))


__all__ = ["DOCS", "ROOT", "Block", "blocks", "doc_pages", "mkdocs_config", "nav_pages", "tokens"]
