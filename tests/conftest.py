"""Fixtures shared by the site tests: one strict build of the site per test session."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def site(tmp_path_factory) -> Path:
    """The site, built the way CI and readers get it: `mkdocs build --strict`, no warning allowed.

    Notebooks come from the cache that tests/test_examples.py fills (keyed on the notebook, `vg` and
    the hooks), so this build does not execute them again. `VG_SITE_DIR=path` tests a site built
    beforehand instead.
    """
    given = os.environ.get("VG_SITE_DIR")
    if given:
        path = Path(given)
        assert (path / "404.html").is_file(), f"VG_SITE_DIR={given} is not a built site (no 404.html)"
        return path
    out = tmp_path_factory.mktemp("site")
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1")
    proc = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(out)],
        cwd=ROOT, capture_output=True, text=True, env=env, check=False,
    )
    log = proc.stdout + proc.stderr
    assert proc.returncode == 0, f"mkdocs build --strict failed:\n{log[-6000:]}"
    warnings = [ln for ln in log.splitlines() if ln.startswith(("WARNING", "ERROR"))]
    assert warnings == [], "\n".join(warnings)
    return out


# The notebooks run first (tests/test_examples.py fills the cache), then the tests that need the built
# site: the strict build then renders those very runs instead of executing every notebook again.
_LAST = ("test_examples.py", "test_site.py", "test_browser.py", "test_browser_cliff.py", "test_offline.py",
         "test_install.py")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    def rank(item: pytest.Item) -> int:
        name = item.path.name
        return _LAST.index(name) + 1 if name in _LAST else 0

    items.sort(key=rank)  # stable: the order within each group is kept
