"""A reader's installation: a fresh environment with only the site's wheel runs the notebooks and pages.

Everything here happens outside the clone, as for a reader who has only the published site:

- a new virtual environment gets a Jupyter kernel (ipykernel) and nothing of ours;
- every notebook is taken from the *built site* (the `.ipynb` its download button serves) and executed
  in that environment; the first one's setup cell installs vg from the site's wheel (`VG_WHEEL` points
  the cell at the wheel in the built site instead of the published address), the later ones find it;
- then every page's code blocks run in the same environment (pytest-codeblocks installed there), from a
  copy of `docs/` in an empty folder, so `import vg` can only mean the wheel.

Also: the other `vg` on the public index (a vector-geometry library) fails the way the install page
says it does.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import venv
from pathlib import Path

import nbformat
import pytest
from _site import DOCS, ROOT
from notebooks import example_sources

pytestmark = pytest.mark.slow

# Nothing a page or a notebook runs may read files that only a clone has: the stamped sweeps and their
# results are in the wheel (vg.experiments), and so is the corpus of vg.text. Code that reaches for the
# repository (a path built from vg.__file__, node_modules, the examples folder) would work in a clone and
# fail for a reader; this pattern finds it.
_REPO_DATA = re.compile(r"__file__|node_modules|VG_CORPUS|[\"'/]examples/|spec_from_file_location")


def _code_of(path: Path) -> str:
    if path.suffix == ".py":  # a notebook: all of it is code or comments
        return path.read_text(encoding="utf-8")
    return "\n".join(re.findall(r"```python\n(.*?)```", path.read_text(encoding="utf-8"), re.S))


def test_no_page_or_notebook_needs_the_repository():
    found = [str(p.relative_to(ROOT)) for p in sorted(DOCS.rglob("*.md")) + example_sources()
             if _REPO_DATA.search(_code_of(p))]
    assert found == []


def _run(cmd, **kwargs) -> subprocess.CompletedProcess:
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False, **kwargs)
    assert proc.returncode == 0, f"{' '.join(map(str, cmd))} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    return proc


def _clean_env(**extra: str) -> dict[str, str]:
    """The environment without anything that would point Python at the clone."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}
    env.update({"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MPLBACKEND": "Agg", **extra})
    return env


@pytest.fixture(scope="module")
def reader(site, tmp_path_factory) -> dict:
    """A fresh venv with a Jupyter kernel only, and a kernelspec that points at it."""
    home = tmp_path_factory.mktemp("reader")
    env_dir = home / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    python = env_dir / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    _run([python, "-m", "pip", "install", "--quiet", "ipykernel"], env=_clean_env())
    probe = _run([python, "-c", "import importlib.util as u; print(u.find_spec('vg') is None)"], cwd=home,
                 env=_clean_env())
    assert probe.stdout.strip() == "True", "the fresh environment already has a vg"
    spec_dir = home / "jupyter" / "kernels" / "reader"
    spec_dir.mkdir(parents=True)
    (spec_dir / "kernel.json").write_text(json.dumps({
        "argv": [str(python), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "reader", "language": "python",
    }))
    wheels = sorted(site.glob("vanishing_gradients-*-py3-none-any.whl"))
    assert len(wheels) == 1, f"the site should publish exactly one wheel of vg, found {wheels}"
    return {"home": home, "python": python, "jupyter": home / "jupyter", "wheel": wheels[0]}


def _execute(nb_path: Path, reader: dict) -> nbformat.NotebookNode:
    from nbclient import NotebookClient

    nb = nbformat.read(str(nb_path), as_version=4)
    workdir = reader["home"] / "work"
    workdir.mkdir(exist_ok=True)
    old = dict(os.environ)
    os.environ.clear()
    os.environ.update(_clean_env(JUPYTER_PATH=str(reader["jupyter"]), VG_WHEEL=str(reader["wheel"])))
    try:
        NotebookClient(nb, timeout=900, kernel_name="reader", allow_errors=False,
                       resources={"metadata": {"path": str(workdir)}}).execute()
    finally:
        os.environ.clear()
        os.environ.update(old)
    return nb


def test_downloaded_notebooks_run_in_a_fresh_environment_with_only_the_wheel(site, reader):
    downloads = sorted((site / "examples").glob("*/*.ipynb"), key=lambda p: p.stem)  # next to each page
    assert [p.stem for p in downloads] == [p.stem for p in example_sources()]
    for i, path in enumerate(downloads):
        nb = _execute(path, reader)
        setup = next(c for c in nb.cells if c.cell_type == "code")
        assert "VG_WHEEL" in setup.source, f"{path.name}: the first code cell is not the setup cell"
        printed = "".join(o.get("text", "") for o in setup.outputs if o.get("name") == "stdout")
        assert re.fullmatch(r"vg [\d.]+ \(vanishing-gradients\)\n", printed), printed
        if i == 0:  # the first notebook installed vg from the wheel; it is there now
            check = _run([reader["python"], "-c", "import vg, sys; print(vg.__file__)"], cwd=reader["home"],
                         env=_clean_env())
            assert str(reader["home"]) in check.stdout and str(ROOT) not in check.stdout, check.stdout


def test_every_page_runs_in_the_fresh_environment(reader):
    python = reader["python"]
    _run([python, "-m", "pip", "install", "--quiet", reader["wheel"], "pytest>=8,<10",
          "pytest-codeblocks>=0.17,<0.19"], env=_clean_env())
    pages = reader["home"] / "pages"
    shutil.copytree(DOCS, pages / "docs", ignore=shutil.ignore_patterns("assets"))
    shutil.copy(ROOT / "conftest.py", pages / "conftest.py")
    (pages / "pytest.ini").write_text("[pytest]\naddopts = --codeblocks -p no:cacheprovider\nfilterwarnings = error\n")
    proc = subprocess.run([python, "-m", "pytest", "-q", "docs"], cwd=pages, env=_clean_env(),
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-2000:]
    assert re.search(r"\b\d+ passed\b", proc.stdout)


def test_the_other_vg_fails_as_the_install_page_says(reader, tmp_path):
    quoted = re.search(r'\$ python -c "import vg; vg.rnn"\n(.+)\n', (DOCS / "install.md").read_text("utf-8"))
    assert quoted, "docs/install.md no longer quotes the error"
    other = tmp_path / "other"
    venv.EnvBuilder(with_pip=True).create(other)
    py = other / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    _run([py, "-m", "pip", "install", "--quiet", "vg==2.0.0"], env=_clean_env())
    proc = subprocess.run([py, "-c", "import vg; vg.rnn"], cwd=tmp_path, env=_clean_env(),
                          capture_output=True, text=True, check=False)
    assert proc.returncode != 0
    assert proc.stderr.strip().splitlines()[-1] == quoted.group(1)


def test_the_site_names_its_own_wheel(site):
    wheel = next(site.glob("vanishing_gradients-*.whl")).name
    for page in ("index.html", "install/index.html"):
        assert wheel in (site / page).read_text(encoding="utf-8"), page
    version = re.search(r"vanishing_gradients-([\d.]+)-", wheel).group(1)
    assert version in (site / "reference" / "api" / "index.html").read_text(encoding="utf-8")
