"""MkDocs hook: build the wheel of `vg` from this very checkout and publish it with the site.

Readers install what the pages run: the site carries `vanishing_gradients-<version>-py3-none-any.whl`
at its root, built by pip from the same commit, and every page can name it. Markdown pages may write
`{{ vg_version }}`, `{{ vg_wheel }}` (the file name) and `{{ vg_wheel_url }}` (its address on the
published site); the hook fills them in. The wheel is cached under `.cache/wheel/` keyed on the package's
sources and `pyproject.toml`, so a rebuild that changes neither does not build it again.
"""

from __future__ import annotations

import ast
import hashlib
import logging
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File, Files

log = logging.getLogger("mkdocs.hooks.vgwheel")
ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / ".cache" / "wheel"
DISTRIBUTION = "vanishing_gradients"  # the wheel's file-name form of the distribution name


def version() -> str:
    """`vg.__version__`, read from the source without importing it (as setuptools does)."""
    tree = ast.parse((ROOT / "vg" / "__init__.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "__version__" for t in node.targets):
            return ast.literal_eval(node.value)
    raise PluginError("vg/__init__.py defines no __version__")


def wheel_name() -> str:
    return f"{DISTRIBUTION}-{version()}-py3-none-any.whl"


def _key() -> str:
    h = hashlib.sha256()
    for path in sorted((ROOT / "vg").rglob("*.py")) + [ROOT / "pyproject.toml", ROOT / "README.md", ROOT / "LICENSE"]:
        h.update(str(path.relative_to(ROOT)).encode())
        h.update(path.read_bytes())
    return h.hexdigest()[:24]


def build_wheel() -> Path:
    """The wheel for the current sources (built by pip, or taken from the cache)."""
    target = CACHE / _key() / wheel_name()
    if target.exists():
        return target
    with tempfile.TemporaryDirectory(prefix="vg-wheel-") as tmp:
        proc = subprocess.run(
            [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
             "--wheel-dir", tmp, str(ROOT)],
            capture_output=True, text=True, check=False,
        )
        built = Path(tmp) / wheel_name()
        if proc.returncode != 0 or not built.exists():
            raise PluginError(f"building the wheel of vg failed:\n{proc.stdout}\n{proc.stderr}")
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(built, target)
    for stale in CACHE.iterdir():  # keep only the current wheel
        if stale != target.parent:
            shutil.rmtree(stale, ignore_errors=True)
    log.info("built %s", target.name)
    return target


def on_config(config, **kwargs):
    site_url = (config.get("site_url") or "").rstrip("/")
    config.extra["vg_version"] = version()
    config.extra["vg_wheel"] = wheel_name()
    config.extra["vg_wheel_url"] = f"{site_url}/{wheel_name()}"
    return config


def on_files(files: Files, config, **kwargs) -> Files:
    wheel = build_wheel()
    files.append(File(wheel.name, src_dir=str(wheel.parent), dest_dir=config["site_dir"],
                      use_directory_urls=config["use_directory_urls"]))
    return files


def on_page_markdown(markdown: str, page, config, files, **kwargs) -> str:
    for name in ("vg_wheel_url", "vg_wheel", "vg_version"):
        markdown = markdown.replace("{{ " + name + " }}", str(config.extra[name]))
    return markdown
