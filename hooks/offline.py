"""MkDocs hook: publish the whole site as one archive that works when opened from disk.

After a normal build, this hook builds the site a second time with Material's offline plugin enabled
(`VG_OFFLINE=true`: search moves into a script, links point at `index.html` files, so the pages work
from `file://` with no server) and zips it into `vg-offline.zip` at the root of the normal site. The
second build reuses the cached figures, notebooks and wheel, so it costs about as much as a warm build.

Under `mkdocs serve` the archive is not built (a placeholder says how to get it): serving is for
editing, and the edit loop should stay fast.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from mkdocs.exceptions import PluginError
from mkdocs.plugins import event_priority
from mkdocs.structure.files import File, Files

log = logging.getLogger("mkdocs.hooks.offline")
ROOT = Path(__file__).resolve().parent.parent
ARCHIVE = "vg-offline.zip"
INNER = "VG_OFFLINE"  # set for the inner build; it enables the offline plugin in mkdocs.yml
_command = "build"


def on_startup(command: str, **kwargs) -> None:
    global _command
    _command = command


def _inner() -> bool:
    return os.environ.get(INNER, "").lower() in ("1", "true", "yes")


# Material's offline plugin makes search work from disk with the iframe-worker shim, which it loads from
# a CDN unless a local copy is listed first: the archive must need no network, so it gets the npm copy.
SHIM = ROOT / "node_modules" / "iframe-worker" / "shim" / "index.js"
SHIM_URI = "assets/javascripts/iframe-worker-shim.js"


@event_priority(100)  # before Material's offline plugin, which adds the CDN copy if none is listed
def on_config(config, **kwargs):
    if _inner():
        if not SHIM.exists():
            raise PluginError(f"{SHIM} is missing: run `npm ci` (./dev does it)")
        config.extra["polyfills"] = [SHIM_URI, *config.extra.get("polyfills", [])]
    return config


def on_files(files: Files, config, **kwargs) -> Files:
    if _inner():
        files.append(File.generated(config, SHIM_URI, abs_src_path=str(SHIM)))
    # A placeholder, so that links to the archive resolve; on_post_build replaces it with the real one
    # (and leaves it out of the archive itself).
    note = "The offline archive is built by `mkdocs build` (./dev build), not by `mkdocs serve`.\n"
    buf = tempfile.SpooledTemporaryFile()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("README.txt", note)
    buf.seek(0)
    files.append(File.generated(config, ARCHIVE, content=buf.read()))
    return files


def on_post_build(config, **kwargs) -> None:
    if _inner() or _command == "serve":
        return
    with tempfile.TemporaryDirectory(prefix="vg-offline-") as tmp:
        out = Path(tmp) / "site"
        env = dict(os.environ, **{INNER: "true"})
        proc = subprocess.run(
            [sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet", "--site-dir", str(out),
             "--config-file", str(config["config_file_path"])],
            cwd=ROOT, env=env, capture_output=True, text=True, check=False,
        )
        if proc.returncode != 0:
            raise PluginError(f"the offline build failed:\n{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}")
        target = Path(config["site_dir"]) / ARCHIVE
        with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as zf:
            for path in sorted(out.rglob("*")):
                if path.is_file() and path.name != ARCHIVE:
                    zf.write(path, Path("vg") / path.relative_to(out))
    log.info("wrote %s (%.1f MB)", ARCHIVE, target.stat().st_size / 1e6)
