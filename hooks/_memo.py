"""`_digest.vg_digest`, computed once per change of what it reads.

The figure and notebook hooks and the explorables key their caches on `vg_digest`, which parses every
module of `vg` into a syntax tree (a third of a second), and `mkdocs serve` asks for it on every rebuild,
several times. Here it is memoised on the *bytes* of everything it may read: every file under `vg/`, the
sweeps' files and the extra files. A rebuild after a page edit reads those bytes (milliseconds) and
reuses the digest; any change to one of those files computes it afresh, so it is never stale.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from _digest import ROOT, sweep_files
from _digest import vg_digest as _vg_digest

_MEMO: dict[str, str] = {}
_MAX = 8  # a handful of (extra files, vg version) pairs: the hooks ask with different extra files


def _inputs(extra: tuple[Path, ...]) -> str:
    h = hashlib.sha256()
    package = sorted(p for p in (ROOT / "vg").rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    for path in [*package, *sweep_files(), *extra]:
        h.update(str(path).encode() + b"\0")
        h.update(path.read_bytes())
        h.update(b"\0")
    return h.hexdigest()


def vg_digest(*extra: Path) -> str:
    """The same value as `_digest.vg_digest(*extra)`."""
    key = _inputs(extra)
    if key not in _MEMO:
        if len(_MEMO) >= _MAX:
            _MEMO.pop(next(iter(_MEMO)))
        _MEMO[key] = _vg_digest(*extra)
    return _MEMO[key]
