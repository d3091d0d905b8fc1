"""What a build's cached results depend on: the *code* of `vg`, not its docstrings or comments.

The figure and notebook hooks cache what they compute under a key made of this digest and their own
source. Editing a docstring or a comment in `vg/` leaves the key as it is (nothing a figure or a
notebook computes can change), while any change to code, even a constant, changes it: a cached result
is never stale. The digest compares syntax trees: docstrings are dropped, comments and formatting
never reach the tree.
"""

from __future__ import annotations

import ast
import hashlib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _without_docstrings(tree: ast.AST) -> ast.AST:
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
                    and isinstance(body[0].value.value, str):
                node.body = body[1:] or [ast.Pass()]
    return tree


def code_fingerprint(path: Path) -> str:
    """The syntax tree of a Python file without docstrings, as text (no line numbers)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return ast.dump(_without_docstrings(tree), include_attributes=False)


def sweep_files() -> list[Path]:
    """The stamped sweeps' results and the packaged corpus (vg/experiments/data/*, vg/data/*): pages and
    notebooks read them, so a re-run sweep must renew every cached figure and notebook. (The sweeps'
    code is in vg/experiments/*.py, which the syntax-tree part of the digest covers.)"""
    return sorted([*(ROOT / "vg" / "experiments" / "data").glob("*"), *(ROOT / "vg" / "data").glob("*")])


def vg_digest(*extra: Path) -> str:
    """A digest of the code of every module of `vg`, of the sweeps' files, and of the `extra` files."""
    h = hashlib.sha256()
    for path in sorted((ROOT / "vg").rglob("*.py")):
        h.update(str(path.relative_to(ROOT)).encode())
        h.update(code_fingerprint(path).encode())
    for path in [*sweep_files(), *extra]:
        h.update(path.name.encode())
        h.update(path.read_bytes())
    return h.hexdigest()
