"""MkDocs hook: under `mkdocs serve --dirty` (what ./dev serve runs), rebuild only what an edit changed.

A plain `mkdocs serve` renders every page and notebook again after each save (7 to 8 s here, the API page
through mkdocstrings alone 2 to 3 s). MkDocs' `--dirty` renders only the pages whose source file is newer
than their output, which alone would serve stale or broken pages on this site. This hook makes it exact:

1. What to rebuild is decided from content, not from modification times. A page is rendered again when
   the bytes of its source differ from those of the last good build. *Everything* is rendered again, into
   an emptied site directory as without `--dirty`, when anything else changed: mkdocs.yml, any file under
   a `watch:` path (all of `vg/`: the API page, the explorables, `{{ vg_version }}` and the API links of
   hooks/vglinks.py depend on it; `examples/`; `hooks/`), the theme overrides, the list of files (links,
   navigation) or `config.extra`. A notebook page's source is the executed notebook or the placeholder
   that hooks/notebooks.py hands over; when one changes, all notebook pages are rendered again together,
   since hooks/notebook_css.py makes one stylesheet from all of them.
2. Material's search plugin, under `--dirty`, merges the new entries into the previous index as if
   exactly one page had been rebuilt (entries are lost or doubled otherwise): here the index is merged
   page by page before the plugin writes it.
3. mkdocs-autorefs knows only the anchors of the pages rendered in the build, so the links that a
   rebuilt page makes to API entries would not resolve (and the strict build would fail): the anchors of
   the pages not rendered again are carried over from the previous build.
4. mkdocstrings writes its inventory (`objects.inv`) and its stylesheet from what it rendered in the
   build: nothing when the API page is not rendered again. Then the previous files are kept.
5. mkdocs-jupyter deletes the rendering cache of each notebook not rendered in the build: the notebooks
   not rendered again keep theirs.
6. MkDocs learns a page's title (a notebook's is its first heading, shown in every page's navigation),
   its anchors and its links to anchors by rendering it: those of the pages not rendered again are
   carried over, so the navigation is the same and every page's links are checked, as in a full build.

Two things make the rebuild itself faster and change no output: the theme's compiled templates are kept
from one build to the next (Jinja checks them against their source), and 404.html and sitemap.xml,
which depend only on what the key in (1) covers, are not rendered again when the key is unchanged.

MkDocs warns that "a 'dirty' build is being performed", which the strict configuration would turn into a
failed build; under `serve --dirty` this hook drops that one warning, since what it warns about is what
this hook takes care of. A build that logged a warning or an error is no baseline: the build after it
renders everything again, so a warning keeps showing until its cause is fixed. If a plugin's internals
are not what this hook expects (another version), every build renders everything, as without `--dirty`.
Under `mkdocs build`, or `serve` without `--dirty`, the hook does nothing.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass, field
from pathlib import Path

import jinja2
import jinja2.bccache
from mkdocs import utils
from mkdocs.plugins import event_priority
from mkdocs.structure.files import File, Files

log = logging.getLogger("mkdocs.hooks.incremental")

DIRTY_WARNING = "A 'dirty' build is being performed"  # the start of MkDocs' warning
MKDOCSTRINGS_FILES = ("objects.inv", "assets/_mkdocstrings.css")  # written from what it rendered
AUTOREFS_MAPS = ("_primary_url_map", "_secondary_url_map", "_title_map")



@dataclass
class Baseline:
    """What the last good build was made from, and what plugins forget of the pages it rendered."""

    key: str  # digest of everything but the pages' own sources
    pages: dict[str, str]  # src_uri -> digest of the page's source
    search: dict[str, list[dict]] = field(default_factory=dict)  # page url -> its search entries
    autorefs: dict[str, dict] = field(default_factory=dict)  # autorefs' maps, by attribute name
    notebook_cache: set = field(default_factory=set)  # mkdocs-jupyter's cache files in use
    # What MkDocs learns of a page by rendering it, by src_uri: its title (a notebook's is its first
    # heading), its anchors, and its links to anchors (target src_uri -> anchor -> link as written).
    titles: dict[str, str] = field(default_factory=dict)
    anchor_ids: dict[str, set[str] | None] = field(default_factory=dict)
    links: dict[str, dict[str, dict[str, str]]] = field(default_factory=dict)


@dataclass
class Build:
    """The build in progress."""

    key: str
    pages: dict[str, str]
    rebuilt: set[str]  # src_uris of the pages rendered in this build
    full: bool
    urls: dict[str, str]  # src_uri -> page url
    files: list[File]  # the documentation pages
    kept: dict[str, bytes] = field(default_factory=dict)  # mkdocstrings' files before this build


class _Counter(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1


class _DropDirtyWarning(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith(DIRTY_WARNING)


_active = False
_counter = _Counter()
_filter = _DropDirtyWarning()
_baseline: Baseline | None = None  # the last good build
_candidate: Baseline | None = None  # the last build, good if it logged no warning
_build: Build | None = None


def on_startup(command: str, dirty: bool = False, **kwargs) -> None:
    global _active, _baseline, _candidate
    _active = command == "serve" and dirty
    _baseline = _candidate = None
    if _active:
        logging.getLogger("mkdocs.commands.build").addFilter(_filter)
        logging.getLogger("mkdocs").addHandler(_counter)


def on_shutdown(**kwargs) -> None:
    logging.getLogger("mkdocs.commands.build").removeFilter(_filter)
    logging.getLogger("mkdocs").removeHandler(_counter)


@event_priority(100)  # first: the previous build's warnings include those logged after its hooks ran
def on_config(config, **kwargs):
    global _baseline, _candidate, _build
    if _active:
        _baseline = _candidate if _counter.count == 0 else None
        _candidate, _build = None, None
        _counter.count = 0
    return config


def on_build_error(error: Exception, **kwargs) -> None:
    global _baseline, _candidate
    _baseline = _candidate = None


def _digest_file(path: Path, h) -> None:
    h.update(str(path).encode() + b"\0")
    h.update(path.read_bytes())
    h.update(b"\0")


def _skipped(part: str) -> bool:
    """Bytecode, and editors' hidden, swap and backup files: no page depends on them."""
    return part == "__pycache__" or part.endswith((".pyc", "~")) or part.startswith(".")


def _tree_files(path: Path) -> list[Path]:
    if path.is_file():
        return [path]
    return sorted(p for p in path.rglob("*") if p.is_file() and not any(map(_skipped, p.relative_to(path).parts)))


def global_key(config, files: Files) -> str:
    """A digest of everything a page's output depends on besides its own source."""
    h = hashlib.sha256()
    config_file = Path(config.config_file_path)
    root = config_file.parent
    trees = [root / w for w in config.watch]
    if config.theme.custom_dir:
        trees.append(Path(config.theme.custom_dir))
    for path in [config_file, *(p for tree in trees if tree.exists() for p in _tree_files(tree))]:
        _digest_file(path, h)
    h.update(json.dumps(sorted((f.src_uri, f.dest_uri) for f in files)).encode())
    h.update(json.dumps(config.extra, sort_keys=True, default=str).encode())
    return h.hexdigest()


def page_digest(file: File) -> str:
    """A digest of a page's source: the Markdown file, or the notebook that mkdocs-jupyter renders."""
    h = hashlib.sha256()
    if file.abs_src_path is not None:
        _digest_file(Path(file.abs_src_path), h)
    else:
        h.update(file.content_bytes)
    return h.hexdigest()


def _plugin(config, *names: str):
    for name in names:
        if name in config.plugins:
            return config.plugins[name]
    return None


def supported(config) -> bool:
    """Whether the plugins in use keep the state this hook carries over where it expects it."""
    search = _plugin(config, "material/search", "search")
    autorefs = _plugin(config, "autorefs")
    jupyter = _plugin(config, "mkdocs-jupyter")
    mkdocstrings = _plugin(config, "mkdocstrings")
    return (
        (search is None or hasattr(search, "search_index_prev"))
        and (mkdocstrings is None or hasattr(mkdocstrings, "_handlers"))
        and (autorefs is None or all(hasattr(autorefs, m) for m in AUTOREFS_MAPS))
        and (jupyter is None or hasattr(jupyter, "_used_cache_paths"))
    )


def to_render(previous: dict[str, str], pages: dict[str, str]) -> set[str]:
    """The pages (src_uris) whose source digest changed since `previous`; all notebooks if one did."""
    changed = {uri for uri, digest in pages.items() if previous.get(uri) != digest}
    notebooks = {uri for uri in pages if uri.endswith(".ipynb")}
    return changed | notebooks if changed & notebooks else changed


def _always(value: bool):
    return lambda: value


@event_priority(-100)  # last: after every other hook and plugin has added its files
def on_files(files: Files, config, **kwargs) -> Files:
    global _build
    if not _active:
        return files
    doc_pages = [f for f in files if f.is_documentation_page()]
    pages = {f.src_uri: page_digest(f) for f in doc_pages}
    key = global_key(config, files)
    full = _baseline is None or _baseline.key != key or not supported(config)
    kept = {}
    if full:
        rebuilt = set(pages)
        utils.clean_directory(config.site_dir)  # as a build without --dirty: no file of a removed page stays
    else:
        rebuilt = to_render(_baseline.pages, pages)
        for name in MKDOCSTRINGS_FILES:
            if (Path(config.site_dir) / name).exists():
                kept[name] = (Path(config.site_dir) / name).read_bytes()
    for f in doc_pages:
        f.is_modified = _always(f.src_uri in rebuilt)
    _build = Build(key, pages, rebuilt, full, {f.src_uri: _page_url(f.url) for f in doc_pages}, doc_pages, kept)
    if not full:
        log.info("rendering %d of %d pages again: %s", len(rebuilt), len(pages), ", ".join(sorted(rebuilt)) or "none")
    return files


def _page_url(url: str) -> str:
    """The page part of a URL as pages, search entries and autorefs write it (the home page's is "")."""
    url = url.split("#", 1)[0]
    return "" if url in (".", "./") else url


class _TemplateCache(jinja2.BytecodeCache):
    """Compiled theme templates, kept in memory from one build to the next.

    MkDocs makes a new Jinja environment for every build, which compiles the theme's templates again
    (a fifth of a page-edit rebuild). Jinja checks each template's source against the checksum stored
    with its compiled code, so an edited template is compiled afresh; the environment's settings are
    part of the key."""

    def __init__(self) -> None:
        self.store: dict[str, bytes] = {}

    def get_bucket(self, environment, name, filename, source):
        settings = (environment.block_start_string, environment.variable_start_string,
                    environment.comment_start_string, environment.line_statement_prefix,
                    environment.trim_blocks, environment.lstrip_blocks, environment.newline_sequence,
                    environment.keep_trailing_newline, environment.optimized, sorted(environment.extensions),
                    environment.autoescape if isinstance(environment.autoescape, bool) else "callable")
        return super().get_bucket(environment, f"{name}\0{settings!r}", filename, source)

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        if bucket.key in self.store:
            bucket.bytecode_from_string(self.store[bucket.key])

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self.store[bucket.key] = bucket.bytecode_to_string()


_templates = _TemplateCache()


@event_priority(100)  # before mkdocstrings and hooks/vglinks.py ask autorefs, and autorefs fixes links
def on_env(env, config, files, **kwargs):
    if not (_active and _build):
        return env
    env.bytecode_cache = _templates
    if _build.full or _baseline is None:
        return env
    # 404.html and sitemap.xml depend on the navigation, the configuration and the list of pages, all
    # of which are part of the key: unchanged in this build, so the files in the site stay as they are.
    config.theme.static_templates.clear()
    # What the pages not rendered again would have told MkDocs: their titles (the navigation of a
    # rendered page shows them), their anchors and their links to anchors (MkDocs checks every page's
    # links after this event, as in a full build, so a removed anchor is still reported).
    for f in _build.files:
        if f.src_uri in _build.rebuilt or f.page is None:
            continue
        if _baseline.titles.get(f.src_uri) is not None:
            f.page.title = _baseline.titles[f.src_uri]
        ids = _baseline.anchor_ids.get(f.src_uri)
        f.page.present_anchor_ids = None if ids is None else set(ids)
        links = {files.get_file_from_path(target): dict(found)
                 for target, found in _baseline.links.get(f.src_uri, {}).items()}
        f.page.links_to_anchors = {target: found for target, found in links.items() if target is not None}
    autorefs = _plugin(config, "autorefs")
    if autorefs is None:
        return env
    rebuilt_urls = {_build.urls[uri] for uri in _build.rebuilt}
    for name in ("_primary_url_map", "_secondary_url_map"):
        current = getattr(autorefs, name)
        for identifier, urls in _baseline.autorefs.get(name, {}).items():
            kept = [u for u in urls if _page_url(u) not in rebuilt_urls]
            if kept:
                have = current.setdefault(identifier, [])
                have.extend(u for u in kept if u not in have)
    titles = autorefs._title_map
    for url, title in _baseline.autorefs.get("_title_map", {}).items():
        if _page_url(url) not in rebuilt_urls:
            titles.setdefault(url, title)
    return env


def _merge_search(config) -> dict[str, list[dict]]:
    """Give Material's search plugin the whole index: this build's entries and those of the pages not
    rendered again; return the entries by page."""
    search = _plugin(config, "material/search", "search")
    if search is None or getattr(search, "search_index", None) is None:
        return {}
    search.search_index_prev = None  # its own merge assumes that exactly one page was rendered
    fresh: dict[str, list[dict]] = {}
    for entry in search.search_index.entries:
        fresh.setdefault(_page_url(entry["location"]), []).append(entry)
    if _build.full:
        return fresh
    merged = {
        url: fresh.get(url, []) if uri in _build.rebuilt else _baseline.search.get(url, [])
        for uri, url in _build.urls.items()
    }
    search.search_index.entries = [entry for entries in merged.values() for entry in entries]
    return merged


def _rendered_api(mkdocstrings) -> bool:
    """Whether mkdocstrings rendered any object in this build (it registers each in its inventory)."""
    handlers = getattr(mkdocstrings, "_handlers", None)
    return handlers is not None and len(getattr(handlers, "inventory", ())) > 0


@event_priority(100)  # before the search plugin writes its index and mkdocs-jupyter evicts its cache
def on_post_build(config, **kwargs) -> None:
    global _candidate
    if not (_active and _build):
        return
    baseline = Baseline(_build.key, _build.pages, search=_merge_search(config))
    if not _build.full:
        mkdocstrings = _plugin(config, "mkdocstrings")
        if mkdocstrings is not None and not _rendered_api(mkdocstrings):
            for name, data in _build.kept.items():
                (Path(config.site_dir) / name).write_bytes(data)
    jupyter = _plugin(config, "mkdocs-jupyter")
    if jupyter is not None:
        notebooks_rebuilt = any(uri.endswith(".ipynb") for uri in _build.rebuilt)
        if not (_build.full or notebooks_rebuilt):
            jupyter._used_cache_paths |= _baseline.notebook_cache
        baseline.notebook_cache = set(jupyter._used_cache_paths)
    autorefs = _plugin(config, "autorefs")
    if autorefs is not None:
        baseline.autorefs = {
            name: {k: (list(v) if isinstance(v, list) else v) for k, v in getattr(autorefs, name).items()}
            for name in AUTOREFS_MAPS
        }
    for f in _build.files:
        if f.page is None:
            continue
        if f.page.title is not None:
            baseline.titles[f.src_uri] = f.page.title
        ids = f.page.present_anchor_ids
        baseline.anchor_ids[f.src_uri] = None if ids is None else set(ids)
        baseline.links[f.src_uri] = {
            target.src_uri: dict(found) for target, found in (f.page.links_to_anchors or {}).items()
        }
    _candidate = baseline
