"""The code is ruff-clean (configuration in pyproject.toml): lint runs with the tests, not beside them."""

from __future__ import annotations

import subprocess
import sys

from _site import ROOT


def test_ruff_check_is_clean():
    proc = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--no-cache", "vg", "tests", "hooks", "benchmarks", "examples", "."],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
