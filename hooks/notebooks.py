"""MkDocs hook: execute the example notebooks and hand them to mkdocs-jupyter.

The examples are jupytext percent-format `.py` files in `examples/` (outside `docs/`, so that they can be
read and diffed as code). Before mkdocs-jupyter looks at the files, this hook converts each one to a
notebook, executes it with nbclient (a failing cell fails the build, naming the file, the line and the
traceback: mkdocs-jupyter's own execution would render the traceback and let the build pass), and adds
the executed `.ipynb` to the site as `examples/<name>.ipynb`. mkdocs-jupyter then renders it with
`execute: false` and offers it for download.

Executed notebooks are cached in `.cache/notebooks/` under a key made of the notebook's source, the
source of `vg` and this hook: an edit to any of them re-executes, nothing else does (mkdocs-jupyter's own
cache ignores `vg`). Notebooks run two at a time (the CI machine has two cores).
"""

from __future__ import annotations

import hashlib
import logging
import os
import posixpath
import re
import shutil
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from mkdocs.exceptions import PluginError
from mkdocs.plugins import event_priority
from mkdocs.structure.files import File, Files
from mkdocs.utils import get_relative_url

log = logging.getLogger("mkdocs.hooks.notebooks")
ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
CACHE = ROOT / ".cache" / "notebooks"
CELL_TIMEOUT = 600  # seconds; the budgets in the issues are far below this
WORKERS = 2


def example_sources() -> list[Path]:
    return sorted(p for p in EXAMPLES.glob("*.py") if not p.name.startswith("_"))


def source_digest() -> str:
    h = hashlib.sha256()
    for path in sorted((ROOT / "vg").rglob("*.py")) + [Path(__file__)]:
        h.update(path.name.encode())
        h.update(path.read_bytes())
    return h.hexdigest()


def cache_path(src: Path, digest: str) -> Path:
    key = hashlib.sha256((digest + src.read_text(encoding="utf-8")).encode()).hexdigest()[:24]
    return CACHE / key / "examples" / (src.stem + ".ipynb")


def _cell_line(py_text: str, cell_source: str) -> int:
    """The line of the .py file where a cell's first source line stands (best effort)."""
    first = next((ln for ln in cell_source.splitlines() if ln.strip()), "")
    for n, line in enumerate(py_text.splitlines(), start=1):
        if first and line.rstrip() == first.rstrip():
            return n
    return 1


def execute(src: Path) -> tuple[object, float]:
    """Convert `src` with jupytext and execute it; return the executed notebook and the seconds taken.

    Raises:
        PluginError: naming `examples/<name>.py:LINE` and the traceback, if a cell fails.
    """
    import jupytext
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError
    from traitlets.config import Config

    text = src.read_text(encoding="utf-8")
    nb = jupytext.reads(text, fmt="py:percent")
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata.pop("jupytext", None)
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="vg-nb-") as tmp:
        # IPC sockets in the temporary folder: no TCP port, and no warning about unencrypted TCP.
        config = Config()
        config.KernelManager.transport = "ipc"
        config.KernelManager.ip = str(Path(tmp) / "kernel")
        client = NotebookClient(
            nb,
            timeout=CELL_TIMEOUT,
            kernel_name="python3",
            allow_errors=False,
            resources={"metadata": {"path": tmp}},
            config=config,
        )
        try:
            client.execute()
        except CellExecutionError as exc:
            errored = [
                c for c in nb.cells
                if c.cell_type == "code" and any(o.get("output_type") == "error" for o in c.get("outputs", []))
            ]
            failing = errored[0] if errored else None
            line = _cell_line(text, failing.source) if failing is not None else 1
            rel = src.relative_to(ROOT)
            plain = re.sub(r"\x1b\[[0-9;]*m", "", str(exc))
            raise PluginError(f"notebook {rel}:{line} failed:\n{plain}") from exc
    return nb, time.perf_counter() - start


def executed_notebook(src: Path, digest: str | None = None, *, use_cache: bool = True) -> tuple[Path, float]:
    """Path of the executed notebook for `src` (executing it unless cached) and the seconds spent."""
    import nbformat

    digest = digest or source_digest()
    target = cache_path(src, digest)
    if use_cache and target.exists():
        return target, 0.0
    nb, seconds = execute(src)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(f".{os.getpid()}.tmp")
    nbformat.write(nb, str(tmp))
    os.replace(tmp, target)  # atomic: a concurrent build never reads half a notebook
    return target, seconds


@event_priority(100)  # before mkdocs-jupyter's on_files, which turns .ipynb files into pages
def on_files(files: Files, config, **kwargs) -> Files:
    sources = example_sources()
    if not sources:
        return files
    # Kernels inherit this environment: one BLAS thread each, since two run side by side.
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, "1")
    os.environ.setdefault("MPLBACKEND", "Agg")
    digest = source_digest()
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        results = list(pool.map(lambda s: executed_notebook(s, digest), sources))
    for src, (path, _seconds) in zip(sources, results):
        uri = f"examples/{src.stem}.ipynb"
        src_dir = str(path.parent.parent)
        files.append(
            File(uri, src_dir=src_dir, dest_dir=config["site_dir"], use_directory_urls=config["use_directory_urls"])
        )
    return files


def clean_cache(keep_days: float = 7) -> None:
    """Remove cache entries older than `keep_days` (the cache only grows otherwise)."""
    cutoff = time.time() - keep_days * 86400
    for entry in CACHE.glob("*"):
        if entry.is_dir() and entry.stat().st_mtime < cutoff:
            shutil.rmtree(entry, ignore_errors=True)


_HREF = re.compile(r'href="(?P<path>[^":#?]+\.(?:md|ipynb))(?P<frag>#[^"]*)?"')


def on_page_content(content: str, page, config, files: Files, **kwargs) -> str:
    """Turn a notebook's links to other pages (`../rnn/bptt.md`) into the site's URLs.

    MkDocs rewrites and checks links in Markdown pages; mkdocs-jupyter leaves a notebook's links as
    written, so here they are resolved against the notebook's place in the site (`examples/`) and a link
    to a page that does not exist is reported, which fails the strict build.
    """
    if not page.file.src_uri.endswith(".ipynb"):
        return content
    base = posixpath.dirname(page.file.src_uri)

    def fix(m: re.Match) -> str:
        target_uri = posixpath.normpath(posixpath.join(base, m.group("path")))
        target = files.get_file_from_path(target_uri)
        if target is None:
            log.warning("notebook %s links to %s, which is not a page of the site", page.file.src_uri, m.group("path"))
            return m.group(0)
        return f'href="{get_relative_url(target.url, page.url)}{m.group("frag") or ""}"'

    return _HREF.sub(fix, content)
