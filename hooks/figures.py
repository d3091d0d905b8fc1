"""MkDocs hook: draw every figure at build time from the code shown on its page.

A figure on a page is an image link followed by a collapsed block titled "Code for this figure" that
holds the `python` code drawing it (see CONTRIBUTING.md). This hook runs each such block on its own in an
empty directory and publishes every SVG the block writes as `figures/<name>.svg` next to the page. The
code the reader sees is therefore exactly the code that made the picture, and a figure can never be stale.

Results are cached in `.cache/figures/` under a key made of the block's code and the source of `vg`
and of this hook, so `mkdocs serve` redraws only what changed, and never serves an out-of-date figure.
A block that raises fails the build with `docs/page.md:LINE` and the traceback.
"""

from __future__ import annotations

import functools
import hashlib
import os
import shutil
import sys
import tempfile
import traceback
from dataclasses import dataclass
from pathlib import Path

from _fences import blocks as fenced_blocks  # hooks/ is on sys.path while MkDocs loads a hook
from _memo import vg_digest  # memoised: serve asks on every rebuild
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File, Files

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / ".cache" / "figures"
TITLE = "Code for this figure"


@dataclass
class FigureBlock:
    page: str  # path of the page relative to docs_dir, with forward slashes
    line: int  # 1-based line of the opening fence in the Markdown file
    code: str


def find_figure_blocks(text: str, page: str) -> list[FigureBlock]:
    """Return the `python` blocks that sit inside "Code for this figure" admonitions of a page."""
    return [
        FigureBlock(page, b.line, b.body)
        for b in fenced_blocks(text)
        if b.info == "python" and b.admonitions and b.admonitions[-1].startswith(TITLE)
    ]


@functools.lru_cache(maxsize=256)
def _page_blocks(text: str, page: str) -> tuple[FigureBlock, ...]:
    """`find_figure_blocks`, parsed once per version of a page (serve rebuilds after every edit)."""
    return tuple(find_figure_blocks(text, page))


def _source_digest() -> str:
    return vg_digest(Path(__file__))


def run_block(block: FigureBlock, src_path: Path) -> dict[str, bytes]:
    """Run one figure block in an empty directory; return the SVG files it wrote, by name."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    # Line numbers in tracebacks point into the Markdown file: pad the code with blank lines.
    code = compile("\n" * block.line + block.code, str(src_path), "exec")
    old_cwd, old_path = os.getcwd(), list(sys.path)
    with tempfile.TemporaryDirectory(prefix="vg-figure-") as tmp:
        os.chdir(tmp)
        try:
            exec(code, {"__name__": "__vg_figure__"})
        except Exception as exc:
            tb = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
            raise PluginError(
                f"figure code at {block.page}:{block.line} raised {type(exc).__name__}: {exc}\n{tb}"
            ) from exc
        finally:
            os.chdir(old_cwd)
            sys.path[:] = old_path
            plt.close("all")
        written = {p.name: p.read_bytes() for p in Path(tmp).iterdir() if p.suffix == ".svg"}
    if not written:
        raise PluginError(
            f"figure code at {block.page}:{block.line} wrote no .svg file "
            "(end it with vg.plot.save(fig, 'name.svg'))"
        )
    return written


def figures_for_page(block: FigureBlock, src_path: Path, digest: str) -> dict[str, bytes]:
    key = hashlib.sha256((digest + block.code).encode()).hexdigest()[:24]
    cached = CACHE / key
    if cached.is_dir() and any(cached.iterdir()):
        return {p.name: p.read_bytes() for p in cached.iterdir() if p.suffix == ".svg"}
    written = run_block(block, src_path)
    tmp = CACHE / (key + ".tmp")
    tmp.mkdir(parents=True, exist_ok=True)
    for name, data in written.items():
        (tmp / name).write_bytes(data)
    if cached.exists():  # another build got there first: same key, same content
        shutil.rmtree(tmp)
    else:
        os.replace(tmp, cached)
    return written


def on_files(files: Files, config, **kwargs) -> Files:
    digest = _source_digest()
    docs_dir = Path(config["docs_dir"])
    made: dict[str, str] = {}
    os.environ.setdefault("MPLBACKEND", "Agg")
    for f in list(files.documentation_pages()):
        if not f.src_uri.endswith(".md"):
            continue  # notebooks (mkdocs-jupyter makes them pages) live outside docs_dir
        src_path = docs_dir / f.src_uri
        blocks = _page_blocks(src_path.read_text(encoding="utf-8"), f.src_uri)
        folder = f.src_uri.rsplit("/", 1)[0] + "/" if "/" in f.src_uri else ""
        for block in blocks:
            for name, data in figures_for_page(block, src_path, digest).items():
                uri = f"{folder}figures/{name}"
                if uri in made:
                    raise PluginError(
                        f"figure {uri} is written twice: by {made[uri]} and by "
                        f"{block.page}:{block.line}; give each figure its own name"
                    )
                made[uri] = f"{block.page}:{block.line}"
                files.append(File.generated(config, uri, content=data))
    return files
