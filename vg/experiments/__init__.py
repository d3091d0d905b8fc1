"""Stamped experiment sweeps: the long runs that some pages report, shipped with their results.

A few pages report experiments that take minutes to an hour of CPU (learning rates tuned per model,
eight or more seeds per setting). The build cannot afford to run them, so each lives here as a module
with a ``main()`` that runs it and writes its results into this package's ``data`` folder:

- `vg.experiments.head_to_head`: five cells on the adding problem at several lengths;
- `vg.experiments.chrono`: the LSTM's forget-gate bias, default versus chrono initialisation;
- `vg.experiments.real_text`: character-level models of *Moby-Dick* and the context they use;
- `vg.experiments.spectra`: the state-Jacobian spectrum of nine models before and after training;
- `vg.experiments.head_to_head_long`: the head-to-head at T = 100 and T = 1000, with chrono LSTM, minGRU, LRU.

Run one from a clone (the results land in ``vg/experiments/data``)::

    OPENBLAS_NUM_THREADS=1 python -m vg.experiments.head_to_head

Every results file carries a *stamp*: a SHA-256 of the code the sweep ran, that is, of the sweep's own
module and of every `vg` module it trains with (`code_stamp`), plus any data it read. A module's code
is its source without comments, docstrings and blank lines, so editing documentation leaves the stamp
alone while any change to code, even a constant, changes it. `load_results` refuses a file whose stamp
differs from the stamp of the code installed now: a page can never print numbers that the current code
did not produce. Because the modules and the results travel in the wheel, the pages that read them run
in a reader's environment as well as in a clone.
"""

from __future__ import annotations

import ast
import hashlib
import importlib.util
import io
import json
import tokenize
from collections.abc import Iterable
from pathlib import Path
from typing import Any

__all__ = ["DATA", "StaleResultsError", "code_stamp", "code_text", "load_results", "save_results"]

DATA = Path(__file__).resolve().parent / "data"


class StaleResultsError(RuntimeError):
    """A results file whose stamp does not match the code that would produce it now."""


def code_text(source: str) -> str:
    """The code of a Python module: its source without comments, docstrings and blank lines.

    Comments are found by the tokenizer and docstrings by the syntax tree (by position), so the
    result is the same on every Python version this package supports; trailing spaces are dropped.
    """
    lines = source.splitlines()
    cuts: list[tuple[int, int, int, int]] = []  # (start line, start col, end line, end col), 1-based lines
    tree = ast.parse(source)
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            first = node.body[0] if node.body else None
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) \
                    and isinstance(first.value.value, str):
                cuts.append((first.lineno, first.col_offset, first.end_lineno or first.lineno,
                             first.end_col_offset or 0))
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type == tokenize.COMMENT:
            cuts.append((tok.start[0], tok.start[1], tok.end[0], tok.end[1]))
    for l0, c0, l1, c1 in sorted(cuts, reverse=True):  # from the end, so earlier positions stay valid
        head, tail = lines[l0 - 1][:c0], lines[l1 - 1][c1:]
        lines[l0 - 1:l1] = [head + tail]
    return "\n".join(line.rstrip() for line in lines if line.strip())


def _module_source(name: str) -> str:
    spec = importlib.util.find_spec(name)
    if spec is None or spec.origin is None or not spec.origin.endswith(".py"):
        raise ValueError(f"module {name!r} has no Python source file to stamp")
    return Path(spec.origin).read_text(encoding="utf-8")


def code_stamp(modules: Iterable[str], data: Iterable[tuple[str, bytes]] = ()) -> str:
    """SHA-256 over the code (`code_text`) of the named modules and over named data, in that order.

    Args:
        modules: importable module names, e.g. ``("vg.experiments.chrono", "vg.lstm")``.
        data: ``(name, bytes)`` pairs for inputs that are not code (e.g. a corpus).
    """
    h = hashlib.sha256()
    for name in modules:
        h.update(name.encode() + b"\0")
        h.update(code_text(_module_source(name)).encode() + b"\0")
    for name, blob in data:
        h.update(name.encode() + b"\0")
        h.update(blob)
    return h.hexdigest()


def save_results(name: str, results: dict[str, Any], *, compact: bool = False, folder: Path = DATA) -> Path:
    """Write ``<folder>/<name>.json`` (one JSON document, ending in a newline) and return its path."""
    path = Path(folder) / f"{name}.json"
    path.parent.mkdir(exist_ok=True)
    text = json.dumps(results, separators=(",", ":")) if compact else json.dumps(results, indent=1)
    path.write_text(text + "\n", encoding="utf-8")
    return path


def load_results(name: str, stamp: str, *, folder: Path = DATA) -> dict[str, Any]:
    """Read ``<folder>/<name>.json`` and check that it was computed by the code whose stamp is `stamp`.

    Raises:
        FileNotFoundError: there is no such results file.
        StaleResultsError: the file's stamp differs from `stamp` (the code changed since the sweep
            ran); the message gives the command that re-runs the sweep.
    """
    path = Path(folder) / f"{name}.json"
    results = json.loads(path.read_text(encoding="utf-8"))
    if results.get("stamp") != stamp:
        raise StaleResultsError(
            f"{path.name} is stale: the code it was computed with has changed since the sweep ran "
            f"(file stamp {str(results.get('stamp'))[:12]}, code stamp {stamp[:12]}). "
            f"Re-run the sweep: {results.get('command', f'python -m vg.experiments.{name}')}")
    return results
