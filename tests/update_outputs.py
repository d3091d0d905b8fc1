"""Rewrite a page's expected-output blocks from what its code prints now; review the change as a diff.

    python tests/update_outputs.py docs/problem/vanishing.md [more pages]   # or: ./dev update-outputs

The pages' printed outputs are checked character for character by pytest-codeblocks. When a change to
`vg` or to a block legitimately changes what it prints, retyping the output by hand invites mistakes;
this command runs the blocks exactly as the tests do (pytest-codeblocks' own parser, `exec` in a fresh
namespace, one BLAS thread, an empty working directory, figures closed) and writes what they print into
the `<!--pytest-codeblocks:expected-output-->` block that follows them, as pydantic's
`pytest --update-examples` does. Nothing else in the file changes; `git diff` shows what moved. A block
that raises is reported and its expected output left alone.
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
import tempfile
from pathlib import Path

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")
os.environ.setdefault("MPLBACKEND", "Agg")

from pytest_codeblocks import extract_from_file  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
# Run as a script, outside pytest (whose `pythonpath` setting does this): `import vg` from this checkout,
# and the test helpers and the hooks by their bare names, as in the tests.
for _dir in (ROOT, ROOT / "tests", ROOT / "hooks"):
    if str(_dir) not in sys.path:
        sys.path.insert(0, str(_dir))

from _site import blocks  # noqa: E402


def run(code: str) -> tuple[str, BaseException | None]:
    """What `code` prints, run as the tests run it; and the exception it raised, if any."""
    import matplotlib.pyplot as plt

    out = io.StringIO()
    old_cwd, old_path = os.getcwd(), list(sys.path)
    with tempfile.TemporaryDirectory(prefix="vg-update-") as tmp:
        os.chdir(tmp)
        try:
            with contextlib.redirect_stdout(out):
                exec(code, {"__MODULE__": "__main__"})
            return out.getvalue(), None
        except Exception as exc:  # reported by the caller
            return out.getvalue(), exc
        finally:
            os.chdir(old_cwd)
            sys.path[:] = old_path
            plt.close("all")


def update(path: Path) -> tuple[int, list[str]]:
    """Rewrite `path`'s expected outputs; return how many changed and the problems met."""
    # What runs, and what it must print, as pytest-codeblocks reads them; where each output block sits
    # in the file, from the shared parser.
    runs = [b for b in extract_from_file(path) if b.syntax == "python" and b.expected_output is not None]
    text = path.read_text(encoding="utf-8")
    lines = text.split("\n")
    outputs = [b for b in blocks(text) if "expected-output" in b.marks]
    problems: list[str] = []
    if len(outputs) != len(runs):
        return 0, [f"{path}: {len(outputs)} expected-output blocks but {len(runs)} code blocks with an output"]
    replacements = []
    for block, out in zip(runs, outputs):
        printed, error = run(block.code)
        if error is not None:
            problems.append(f"{path}:{block.lineno}: the block raised {type(error).__name__}: {error}")
            continue
        if printed == block.expected_output:
            continue
        body = [" " * out.indent + ln if ln else "" for ln in printed.rstrip("\n").split("\n")]
        replacements.append((out.line, out.end - 1, body))  # 0-based: the lines between the fences
    for first, end, body in reversed(replacements):
        lines[first:end] = body
    if replacements:
        path.write_text("\n".join(lines), encoding="utf-8")
    return len(replacements), problems


def main(argv: list[str]) -> int:
    paths = [Path(a) for a in argv] or sorted((ROOT / "docs").rglob("*.md"))
    changed, problems = 0, []
    for path in paths:
        n, bad = update(path)
        changed += n
        problems += bad
        if n:
            print(f"{path}: {n} expected output(s) rewritten")
    for p in problems:
        print(p, file=sys.stderr)
    print(f"{changed} expected output(s) rewritten; review them with `git diff`", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
