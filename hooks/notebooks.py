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

import functools
import hashlib
import logging
import os
import posixpath
import re
import shutil
import tempfile
import time
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import vgwheel
from _memo import vg_digest  # hooks/ is on sys.path while MkDocs loads a hook; memoised for serve
from mkdocs.exceptions import PluginError
from mkdocs.plugins import event_priority
from mkdocs.structure.files import File, Files
from mkdocs.utils import get_relative_url

log = logging.getLogger("mkdocs.hooks.notebooks")
ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
CACHE = ROOT / ".cache" / "notebooks"
MKDOCS_YML = ROOT / "mkdocs.yml"
CELL_TIMEOUT = 600  # seconds; the budgets in the issues are far below this
WORKERS = 2


def example_sources() -> list[Path]:
    return sorted(p for p in EXAMPLES.glob("*.py") if not p.name.startswith("_"))


def source_digest() -> str:
    return vg_digest(Path(__file__), ROOT / "hooks" / "vgwheel.py", ROOT / "hooks" / "_digest.py")


# The first code cell of every notebook: a downloaded .ipynb runs where it lands (Colab, a fresh Jupyter)
# because it installs vg from the wheel published with the site when vg is missing. VG_WHEEL overrides
# where the wheel comes from (tests/test_install.py points it at a freshly built site).
INSTALL_CELL = """\
# Setup: this notebook needs `vg`, installed as the package "vanishing-gradients". Where it is missing
# (a fresh Colab or Jupyter environment), install the wheel published with the site it came from.
import importlib
import importlib.util
import os
import subprocess
import sys

if importlib.util.find_spec("vg") is None:
    wheel = os.environ.get("VG_WHEEL", "{url}")
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", wheel],
                   check=True)
    importlib.invalidate_caches()
import vg

if not hasattr(vg, "rnn"):
    raise ImportError(
        "`import vg` found another package called vg (a vector-geometry library), not vanishing-gradients: "
        "run `pip uninstall vg` and then this cell again"
    )
print(f"vg {{vg.__version__}} ({{vg.__distribution__}})")
"""


def install_cell() -> str:
    """The setup cell, with the address of the wheel on the published site (from mkdocs.yml)."""
    return _install_cell(MKDOCS_YML.read_text(encoding="utf-8"), vgwheel.wheel_name())


@functools.lru_cache(maxsize=4)  # every notebook asks, on every serve rebuild
def _install_cell(mkdocs_yml: str, wheel: str) -> str:
    import yaml

    class Loader(yaml.SafeLoader):
        pass

    Loader.add_multi_constructor("", lambda loader, suffix, node: None)  # !ENV and python tags
    config = yaml.load(mkdocs_yml, Loader=Loader)
    url = f"{str(config.get('site_url') or '').rstrip('/')}/{wheel}"
    return INSTALL_CELL.format(url=url)


def cache_path(src: Path, digest: str) -> Path:
    """Where the executed `src` is cached: keyed on vg's code, this hook, the notebook and its setup cell."""
    key = hashlib.sha256((digest + install_cell() + src.read_text(encoding="utf-8")).encode()).hexdigest()[:24]
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
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError
    from traitlets.config import Config

    text = src.read_text(encoding="utf-8")
    nb = jupytext.reads(text, fmt="py:percent")
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata.pop("jupytext", None)
    first = 1 if nb.cells and nb.cells[0].cell_type == "markdown" else 0  # after the title
    nb.cells.insert(first, nbformat.v4.new_code_cell(install_cell()))
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


# Under `mkdocs serve`, notebooks that are not in the cache run in the background, so that the first
# page appears within seconds on a fresh clone; meanwhile their pages say so (they never show a stale
# result), and each finished run touches a file in READY, which serve watches, to trigger a rebuild.
READY = CACHE / "ready"
PENDING = CACHE / "pending"
_serving = False
_background: dict[Path, Future] = {}
_pool: ThreadPoolExecutor | None = None


def on_startup(command: str, **kwargs) -> None:
    global _serving
    _serving = command == "serve"


def on_serve(server, config, builder, **kwargs):
    READY.mkdir(parents=True, exist_ok=True)
    server.watch(str(READY))
    return server


def _placeholder(src: Path) -> Path:
    """A notebook that says the real one is being executed (its title is the notebook's own)."""
    import jupytext
    import nbformat

    nb = jupytext.reads(src.read_text(encoding="utf-8"), fmt="py:percent")
    title = next((c.source for c in nb.cells if c.cell_type == "markdown"), f"# {src.stem}").split("\n")[0]
    nb = nbformat.v4.new_notebook(cells=[
        # Fixed cell ids (nbformat draws random ones): the same placeholder is the same file, which
        # hooks/incremental.py then does not render again on every rebuild.
        nbformat.v4.new_markdown_cell(title, id="title"),
        nbformat.v4.new_markdown_cell(
            "**This notebook is being executed** by `mkdocs serve` in the background (on a fresh clone the "
            "notebooks take a few minutes). This page reloads by itself when its results are ready.",
            id="pending",
        ),
    ])
    path = PENDING / "examples" / f"{src.stem}.ipynb"
    text = nbformat.writes(nb)
    if not path.exists() or path.read_text(encoding="utf-8") != text:  # unchanged: keep it as it is
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return path


def _in_background(src: Path, digest: str) -> Path:
    """The cached notebook if there is one; otherwise start executing it and return a placeholder."""
    global _pool
    target = cache_path(src, digest)
    if target.exists():
        return target
    job = _background.get(target)
    if job is not None and job.done() and job.exception() is not None:
        del _background[target]
        raise job.exception()
    if job is None:
        _pool = _pool or ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="vg-notebook")

        def run() -> None:
            executed_notebook(src, digest)
            READY.mkdir(parents=True, exist_ok=True)
            (READY / src.stem).write_text(time.strftime("%H:%M:%S"), encoding="utf-8")

        def report(future: Future) -> None:
            if future.exception() is not None:  # shown in the console; the next rebuild raises it
                log.error("notebook %s failed: %s", src.name, future.exception())
                (READY / src.stem).write_text("failed", encoding="utf-8")

        _background[target] = job = _pool.submit(run)
        job.add_done_callback(report)
        log.info("executing %s in the background; its page will reload when it is done", src.name)
    return _placeholder(src)


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
    if _serving:
        paths = [_in_background(src, digest) for src in sources]
    else:
        with ThreadPoolExecutor(max_workers=WORKERS) as pool:
            paths = [path for path, _seconds in pool.map(lambda s: executed_notebook(s, digest), sources)]
    for src, path in zip(sources, paths):
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
