"""Root conftest: makes the docs code blocks (pytest-codeblocks) behave like a reader's fresh interpreter.

- Matplotlib draws off-screen, and every figure a block opened is closed afterwards (figures would
  otherwise leak from one block into the next, since all blocks run in this one process).
- Each block runs in its own empty temporary directory, so `vg.plot.save(fig, "x.svg")` writes there and
  not into the repository.
- A failing block is reported as `docs/page.md:LINE` with the Python traceback translated to Markdown
  line numbers (pytest-codeblocks on its own prints neither).
"""

from __future__ import annotations

import os
import sys
import traceback
from pathlib import Path

import pytest

os.environ.setdefault("MPLBACKEND", "Agg")
# Blocks are timed by nothing here; BLAS threads only add noise on the 2-core CI machine.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

ROOT = Path(__file__).resolve().parent


def _is_codeblock(item: pytest.Item) -> bool:
    # Only pytest-codeblocks collects items from Markdown files; `obj` is the block it runs (its code and
    # line), read by the failure report below.
    return item.path.suffix == ".md" and hasattr(item, "obj")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item):
    if not _is_codeblock(item):
        return (yield)
    import tempfile

    import matplotlib.pyplot as plt

    old_cwd = os.getcwd()
    old_path = list(sys.path)
    with tempfile.TemporaryDirectory(prefix="vg-block-") as tmp:
        os.chdir(tmp)
        try:
            return (yield)
        finally:
            os.chdir(old_cwd)
            sys.path[:] = old_path
            plt.close("all")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if _is_codeblock(item):
            item.repr_failure = _block_failure(item)  # type: ignore[method-assign]


def _block_failure(item: pytest.Item):
    def repr_failure(excinfo: pytest.ExceptionInfo[BaseException]) -> str:
        block = item.obj
        rel = Path(item.path).resolve().relative_to(ROOT)
        where = f"{rel}:{block.lineno}"
        err = excinfo.value
        cause = err.__cause__ or err.__context__
        if cause is None:  # an expected-output mismatch: the plugin's message says it all
            return f"{where}: code block failed\n{err}"
        lines = []
        for frame in traceback.extract_tb(cause.__traceback__):
            if frame.filename == "<string>":
                # exec() line n of the block is Markdown line lineno + n (the fence is line lineno).
                src = block.code.splitlines()
                text = src[frame.lineno - 1].strip() if 0 < frame.lineno <= len(src) else ""
                lines.append(f"  {rel}:{block.lineno + frame.lineno}  {text}".rstrip())
            elif "pytest_codeblocks" not in frame.filename:
                lines.append(f"  {frame.filename}:{frame.lineno} in {frame.name}")
        msg = "".join(traceback.format_exception_only(type(cause), cause)).strip()
        return f"{where}: code block raised\n" + "\n".join(lines) + f"\n{msg}"

    return repr_failure
