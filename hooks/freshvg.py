"""MkDocs hook: make every (re)build see the current `vg` source.

`mkdocs serve` rebuilds in the same Python process, so a `vg` imported by the first build would
otherwise be reused by every later one: an edit to `vg/` would not show until a restart. Dropping the
modules from `sys.modules` before each build makes the figure hook import them afresh.
"""

from __future__ import annotations

import sys


def purge_vg() -> None:
    for name in [m for m in sys.modules if m == "vg" or m.startswith("vg.")]:
        del sys.modules[name]


def on_pre_build(config, **kwargs) -> None:
    purge_vg()
