"""How fast `./dev serve` shows a change: first serve on a fresh clone, then page, docstring and code edits.

Run from the repository root, with the project set up (`./dev setup`):

    .venv/bin/python benchmarks/bench_edit_loop.py            # 5 to 10 minutes on the 2-core machine
    .venv/bin/python benchmarks/bench_edit_loop.py --tree .   # the working tree instead of HEAD

It copies the committed tree (`git archive HEAD`; with `--tree DIR`, the files of DIR that git does not
ignore) into a temporary folder, links the set-up `node_modules` into it (what `npm ci` would install),
and runs `mkdocs serve` there with the flags `./dev serve` passes, the project's `.venv`, empty caches,
and the copy's own `vg` first on the import path: a fresh clone. Then, polling the served pages over HTTP:

1. **first serve**: seconds from starting the server until the home page answers; then until the
   notebook pages have their results (they are executed in the background);
2. **page edit**: a one-character edit to a page (a marker word is appended first, then one character
   of it changes), seconds until the served page shows it; median of 5 on each of two pages, a short
   one and one with maths, figures and the explorable;
3. **docstring edit**: a sentence added to the docstring of `vg/plot.py`, seconds until the API page shows it,
   and how many notebooks were executed again (none may be: the caches are keyed on vg's code);
4. **code edit**: a constant added to `vg/plot.py`, seconds until the notebook pages say they are being
   executed again (they must: never stale), and until they show results again.

Times are wall-clock seconds on whatever else the machine is doing; the README gives a dated run.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import shlex
import shutil
import signal
import statistics
import subprocess
import tempfile
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGES = {  # page source -> its served path
    "docs/foundations/gradient-descent.md": "foundations/gradient-descent/",
    "docs/problem/vanishing.md": "problem/vanishing/",
}
REPEATS = 5


def serve_flags(clone: Path) -> list[str]:
    """The flags the copy's `./dev serve` gives `mkdocs serve`, less the address (the benchmark picks its own)."""
    m = re.search(r"serve\).*?mkdocs serve (?P<flags>[^\n]*?) \"\$@\"", (clone / "dev").read_text(encoding="utf-8"))
    if m is None:
        raise SystemExit("bench_edit_loop: cannot find the `mkdocs serve` command line in ./dev")
    flags = shlex.split(m.group("flags"))
    if "-a" in flags:
        i = flags.index("-a")
        del flags[i : i + 2]
    return flags


def copy_tree(clone: Path, tree: Path | None) -> None:
    if tree is None:
        archive = subprocess.run(["git", "archive", "HEAD"], cwd=ROOT, capture_output=True, check=True).stdout
        subprocess.run(["tar", "-x", "-C", str(clone)], input=archive, check=True)
        return
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                            cwd=tree, capture_output=True, check=False)
    if listed.returncode != 0:  # not a git checkout: everything but caches, environments and outputs
        skip = shutil.ignore_patterns(".git", ".cache", ".venv*", "node_modules", "site", "__pycache__")
        shutil.copytree(tree, clone, ignore=skip, dirs_exist_ok=True)
        return
    for name in filter(None, listed.stdout.decode().split("\0")):
        src = tree / name
        if src.is_file():
            (clone / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, clone / name)


class Site:
    def __init__(self, port: int) -> None:
        self.base = f"http://127.0.0.1:{port}/vg/"

    def fetch(self, path: str) -> str | None:
        try:
            with urllib.request.urlopen(self.base + path, timeout=5) as r:
                return r.read().decode("utf-8", "replace")
        except OSError:
            return None

    def shows(self, path: str, text: str) -> bool:
        return text in (self.fetch(path) or "")


def wait_for(predicate: Callable[[], bool], timeout: float, step: float = 0.05) -> float:
    start = time.perf_counter()
    while time.perf_counter() - start < timeout:
        if predicate():
            return time.perf_counter() - start
        time.sleep(step)
    raise TimeoutError(f"not within {timeout} s")


def count_executions(log: Path) -> int:
    return len(re.findall(r"executing \S+\.py in the background", log.read_text(errors="replace")))


def pending(site: Site) -> bool:
    """The notebook page is served and says that its notebook is being executed."""
    page = site.fetch("examples/cliff/")
    return page is not None and "being executed" in page


def results(site: Site, notebook: str = "cliff") -> bool:
    """The notebook page is served with its results (not while a rebuild has emptied the site)."""
    page = site.fetch(f"examples/{notebook}/")
    return page is not None and "being executed" not in page


def page_edits(site: Site, clone: Path, source: str, served: str) -> list[float]:
    """Append a marker word to the page, then change one character of it, REPEATS times."""
    page = clone / source
    original = page.read_text(encoding="utf-8")
    stem = f"editloopmarker{time.time_ns()}x"
    page.write_text(original + f"\n{stem}0\n", encoding="utf-8")
    wait_for(lambda: site.shows(served, stem + "0"), 120)
    time.sleep(2)
    times = []
    for i in range(1, REPEATS + 1):
        page.write_text(original + f"\n{stem}{i}\n", encoding="utf-8")  # one character differs
        times.append(wait_for(lambda i=i: site.shows(served, f"{stem}{i}"), 120))
        time.sleep(2)
    page.write_text(original, encoding="utf-8")
    wait_for(lambda: not site.shows(served, stem), 120)
    time.sleep(2)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tree", type=Path, help="copy this working tree instead of the committed HEAD")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--keep-log", action="store_true", help="copy the server's log to ./edit-loop.log")
    args = parser.parse_args()
    site = Site(args.port)
    with tempfile.TemporaryDirectory(prefix="vg-edit-loop-") as tmp:
        clone = Path(tmp) / "vg"
        clone.mkdir()
        copy_tree(clone, args.tree.resolve() if args.tree else None)
        (clone / "node_modules").symlink_to(ROOT / "node_modules")
        log = Path(tmp) / "serve.log"
        # The copy's own vg, not the editable install of this checkout: notebooks and figures run it.
        env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "PYTHONPATH": str(clone)}
        command = [str(ROOT / ".venv" / "bin" / "mkdocs"), "serve", "-a", f"127.0.0.1:{args.port}", *serve_flags(clone)]
        print("$", " ".join(command[1:]))
        with open(log, "w") as out:
            start = time.perf_counter()
            # A session of its own, so that the notebook kernels it starts are stopped with it.
            server = subprocess.Popen(command, cwd=clone, stdout=out, stderr=subprocess.STDOUT, env=env,
                                      start_new_session=True)
            try:
                first = wait_for(lambda: site.fetch("") is not None, timeout=600, step=0.5)
                print(f"first serve on a fresh clone: {first:.1f} s (home page answering)")
                nb_ready = wait_for(lambda: results(site), timeout=1800, step=2)
                print(f"first notebook page complete: {time.perf_counter() - start:.0f} s after start "
                      f"({nb_ready:.0f} s after the first page)")
                # The edits are timed with every notebook done: no kernel running beside them.
                notebooks = sorted(p.stem for p in (clone / "examples").glob("[!_]*.py"))
                wait_for(lambda: all(results(site, nb) for nb in notebooks), timeout=3600, step=5)
                print(f"all {len(notebooks)} notebook pages complete: {time.perf_counter() - start:.0f} s after start")
                time.sleep(3)

                for source, served in PAGES.items():
                    times = page_edits(site, clone, source, served)
                    print(f"page edit, {source}: {statistics.median(times):.2f} s "
                          f"(median of {', '.join(f'{t:.2f}' for t in times)})")

                before = count_executions(log)
                # vg.plot: on the API page, and in no stamped sweep's code (an edit to a module a sweep
                # runs would make its stored results stale, and the pages that load them fail, by design).
                module = clone / "vg" / "plot.py"
                text = module.read_text(encoding="utf-8")
                sentence = f"Edit-loop docstring sentence {time.time_ns()}."
                module.write_text(text.replace('"""', '"""' + sentence + " ", 1), encoding="utf-8")
                t_doc = wait_for(lambda: site.shows("reference/api/", sentence), 300)
                time.sleep(5)
                print(f"docstring edit: {t_doc:.2f} s until the API page shows it; notebooks executed again: "
                      f"{count_executions(log) - before}")

                before = count_executions(log)
                module.write_text(module.read_text(encoding="utf-8") + "\n_EDIT_LOOP_CONSTANT = 1\n",
                                  encoding="utf-8")
                t_pending = wait_for(lambda: pending(site), 300)
                t_back = wait_for(lambda: results(site), 1800, step=2)
                print(f"code edit: notebook pages marked as being executed after {t_pending:.2f} s, results back "
                      f"after {t_pending + t_back:.0f} s; notebooks executed again: {count_executions(log) - before}")
            finally:
                server.send_signal(signal.SIGINT)  # as Ctrl-C: serve removes its temporary site
                try:
                    server.wait(timeout=60)
                except subprocess.TimeoutExpired:  # still busy (e.g. re-executing notebooks): stop it
                    server.kill()
                    server.wait(timeout=60)
                finally:
                    with contextlib.suppress(ProcessLookupError):
                        os.killpg(server.pid, signal.SIGTERM)  # kernels still running, if any
                if args.keep_log:
                    shutil.copy(log, ROOT / "edit-loop.log")


if __name__ == "__main__":
    main()
