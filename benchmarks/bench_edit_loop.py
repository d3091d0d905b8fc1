"""How fast `./dev serve` shows a change: first serve on a fresh clone, then a page, docstring and code edit.

Run from the repository root, with the project set up (`./dev setup`):

    .venv/bin/python benchmarks/bench_edit_loop.py            # about 10 minutes on the 2-core machine

It copies the committed tree (`git archive HEAD`) into a temporary folder, links the set-up
`node_modules` into it (what `npm ci` would install), and runs `mkdocs serve` there with the project's
`.venv`, with empty caches, as on a fresh clone. Then, polling the served pages over HTTP:

1. **first serve**: seconds from starting the server until the home page answers;
2. **page edit**: a marker appended to a page, seconds until the served page shows it (median of 3);
3. **docstring edit**: a sentence added to a docstring in `vg/`, seconds until the API page shows it,
   and whether any notebook was executed again (it must not be: the caches are keyed on vg's code);
4. **code edit**: a constant added to a `vg` module, seconds until the notebook pages say they are being
   executed again (they must: never stale), and until they show results again.

Times are wall-clock seconds on whatever else the machine is doing; the README gives a dated run.
"""

from __future__ import annotations

import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PORT = 8765
BASE = f"http://127.0.0.1:{PORT}/vg/"


def fetch(path: str) -> str | None:
    try:
        with urllib.request.urlopen(BASE + path, timeout=5) as r:
            return r.read().decode("utf-8", "replace")
    except OSError:
        return None


def wait_for(predicate, timeout: float, step: float = 0.1) -> float:
    start = time.perf_counter()
    while time.perf_counter() - start < timeout:
        if predicate():
            return time.perf_counter() - start
        time.sleep(step)
    raise TimeoutError(f"not within {timeout} s")


def count_executions(log: Path) -> int:
    return len(re.findall(r"executing \S+\.py in the background", log.read_text(errors="replace")))


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="vg-edit-loop-") as tmp:
        clone = Path(tmp) / "vg"
        clone.mkdir()
        archive = subprocess.run(["git", "archive", "HEAD"], cwd=ROOT, capture_output=True, check=True).stdout
        subprocess.run(["tar", "-x", "-C", str(clone)], input=archive, check=True)
        (clone / "node_modules").symlink_to(ROOT / "node_modules")
        log = Path(tmp) / "serve.log"
        env = {**dict(__import__("os").environ), "NO_MKDOCS_2_WARNING": "1"}
        with open(log, "w") as out:
            start = time.perf_counter()
            server = subprocess.Popen(
                [str(ROOT / ".venv" / "bin" / "mkdocs"), "serve", "-a", f"127.0.0.1:{PORT}", "--livereload"],
                cwd=clone, stdout=out, stderr=subprocess.STDOUT, env=env,
            )
            try:
                first = wait_for(lambda: fetch("") is not None, timeout=600, step=0.5)
                print(f"first serve on a fresh clone: {first:.1f} s (home page answering)")
                nb_ready = wait_for(lambda: "being executed" not in (fetch("examples/cliff/") or "being executed"),
                                    timeout=1200, step=2)
                print(f"notebook pages complete: {time.perf_counter() - start:.0f} s after start "
                      f"({nb_ready:.0f} s after the first page)")
                time.sleep(3)

                page = clone / "docs" / "foundations" / "gradient-descent.md"
                times = []
                for i in range(3):
                    marker = f"edit-loop-marker-{i}-{time.time_ns()}"
                    page.write_text(page.read_text() + f"\n{marker}\n")
                    times.append(wait_for(lambda m=marker: m in (fetch("foundations/gradient-descent/") or ""), 120))
                    time.sleep(2)
                print(f"page edit: {statistics.median(times):.2f} s (median of {', '.join(f'{t:.2f}' for t in times)})")

                before = count_executions(log)
                module = clone / "vg" / "clip.py"
                text = module.read_text()
                sentence = f"Edit-loop docstring sentence {time.time_ns()}."
                module.write_text(text.replace('"""', '"""' + sentence + " ", 1))
                t_doc = wait_for(lambda: sentence in (fetch("reference/api/") or ""), 300)
                time.sleep(5)
                print(f"docstring edit: {t_doc:.2f} s until the API page shows it; notebooks executed again: "
                      f"{count_executions(log) - before}")

                before = count_executions(log)
                module.write_text(module.read_text() + "\n_EDIT_LOOP_CONSTANT = 1\n")
                t_pending = wait_for(lambda: "being executed" in (fetch("examples/cliff/") or ""), 300)
                t_back = wait_for(lambda: "being executed" not in (fetch("examples/cliff/") or "being executed"),
                                  1200, step=2)
                print(f"code edit: notebook pages marked as being executed after {t_pending:.2f} s, results back "
                      f"after {t_pending + t_back:.0f} s; notebooks executed again: {count_executions(log) - before}")
            finally:
                server.terminate()
                server.wait(timeout=30)
        if "--keep-log" in sys.argv:
            shutil.copy(log, ROOT / "edit-loop.log")


if __name__ == "__main__":
    main()
