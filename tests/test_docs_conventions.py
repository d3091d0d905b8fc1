"""Static checks of docs/ that catch what the tools would let through silently.

pytest-codeblocks runs only fences whose info string is exactly `python`; a fence written `py` or
`python title="x"` is skipped without a word. These tests make such slips, figures without the code
that draws them, and pages without runnable code or exercises fail loudly instead.
"""

from __future__ import annotations

import itertools
import re

import pytest
from _site import DOCS, blocks, doc_pages, nav_pages, tokens
from notebooks import example_sources

PAGES = doc_pages()
PAGE_IDS = [str(p.relative_to(DOCS)) for p in PAGES]
# Pages that teach a chapter: they end with exercises. Home and the reference pages do not.
CHAPTER_DIRS = ("foundations", "rnn", "problem", "remedies", "beyond")
_IMG = re.compile(r"!\[(?P<alt>[^\]]*)\]\((?P<src>[^)\s]+)\)")
_SAVE = re.compile(r"""vg\.plot\.save\(\s*\w+\s*,\s*["'](?P<name>[^"']+\.svg)["']""")


def _text(page):
    return page.read_text(encoding="utf-8")


def test_there_are_pages_and_every_page_is_in_the_nav():
    in_nav = set(nav_pages())
    on_disk = {str(p.relative_to(DOCS)) for p in PAGES}
    assert on_disk, "docs/ has no pages"
    assert on_disk - in_nav == set(), "pages missing from the nav in mkdocs.yml"
    expected_nb = {f"examples/{p.stem}.ipynb" for p in example_sources()}
    nav_nb = {p for p in in_nav if p.endswith(".ipynb")}
    assert nav_nb == expected_nb, "nav's notebooks differ from examples/*.py"
    missing = {p for p in in_nav if p.endswith(".md")} - on_disk
    assert missing == set(), "nav names pages that do not exist"


@pytest.mark.parametrize("page", PAGES, ids=PAGE_IDS)
def test_python_fences_are_run(page):
    """Every Python-looking fence is exactly `python` (so it runs) and is not skipped."""
    for b in blocks(_text(page)):
        if b.lang in {"python", "py", "python3", "pycon"} and "expected-output" not in b.marks:
            assert b.info == "python", f"{page.name}:{b.line}: fence info {b.info!r} is not run by CI"
        assert "skip" not in b.marks, f"{page.name}:{b.line}: a skipped block"
        if b.lang in {"sh", "bash", "shell"}:
            pytest.fail(f"{page.name}:{b.line}: shell fences are executed by pytest-codeblocks; use console")


@pytest.mark.parametrize("page", PAGES, ids=PAGE_IDS)
def test_code_blocks_import_vg_and_pages_run_code(page):
    run, chain_has_vg = 0, False
    for b in blocks(_text(page)):
        if b.info != "python" or "expected-output" in b.marks:
            continue
        run += 1
        cont = "cont" in b.marks
        chain_has_vg = (chain_has_vg and cont) or bool(re.search(r"\bvg\b", b.body))
        if not chain_has_vg:
            pytest.fail(f"{page.name}:{b.line}: the block (or its chain) does not use vg")
    # Every page teaches with code that runs; the reference pages (notation, API, reading) may not.
    minimum = 0 if page.parent.name == "reference" else 2
    assert run >= minimum, f"{page.name}: {run} runnable python blocks, want >= {minimum}"


@pytest.mark.parametrize("page", PAGES, ids=PAGE_IDS)
def test_figures_have_alt_text_and_the_code_that_draws_them(page):
    text = _text(page)
    saved = set(_SAVE.findall(text))
    figures = [m for m in _IMG.finditer(text) if "figures/" in m.group("src")]
    if page.parent.name in CHAPTER_DIRS or page == DOCS / "index.md":
        assert figures, f"{page.name}: no generated figure"
    for m in figures:
        alt, name = m.group("alt").strip(), m.group("src").rsplit("/", 1)[-1]
        assert len(alt) >= 25 and not re.fullmatch(r"(?i)(figure|image|plot|chart)\s*\d*", alt), (
            f"{page.name}: alt text of {name} must say what the figure shows, got {alt!r}"
        )
        assert name in saved, f"{page.name}: no 'Code for this figure' block saves {name}"


@pytest.mark.parametrize("page", [p for p in PAGES if p.parent.name in CHAPTER_DIRS], ids=lambda p: p.name)
def test_chapter_pages_end_with_exercises_and_runnable_solutions(page):
    text = _text(page)
    assert "\n## Exercises" in text, f"{page.name}: no '## Exercises' section"
    tail = text.split("\n## Exercises", 1)[1]
    solutions = re.findall(r'\?\?\?\+?\s+\w+\s+"Solution', tail)
    assert len(solutions) >= 2, f"{page.name}: want >= 2 collapsed solutions, found {len(solutions)}"
    assert any(b.info == "python" for b in blocks(tail)), f"{page.name}: no solution code that CI runs"


@pytest.mark.parametrize("page", PAGES, ids=PAGE_IDS)
def test_pages_have_a_description_for_link_previews(page):
    text = _text(page)
    m = re.match(r"---\n(.*?)\n---\n", text, re.DOTALL)
    assert m and re.search(r"^description:\s*\S", m.group(1), re.MULTILINE), f"{page.name}: no description"


def test_notebooks_are_jupytext_percent_with_a_title():
    sources = example_sources()
    assert sources, "examples/ has no notebooks"
    for src in sources:
        text = src.read_text(encoding="utf-8")
        assert "# %%" in text, f"{src.name}: not in jupytext percent format"
        assert re.search(r"^# # \S", text, re.MULTILINE), f"{src.name}: no '# Title' markdown cell"
        assert "plt.show()" not in text, f"{src.name}: use vg.plot.show(fig, alt=...) for figures"
        assert "np.random.seed" not in text, f"{src.name}: use a seeded np.random.Generator"


@pytest.mark.parametrize("page", PAGES, ids=PAGE_IDS)
def test_no_global_random_state(page):
    for b in blocks(_text(page)):
        if b.info == "python":
            assert not re.search(r"np\.random\.(seed|rand|randn|normal|uniform|randint|choice)\(", b.body), (
                f"{page.name}:{b.line}: use rng = np.random.default_rng(seed), not NumPy's global RNG"
            )


@pytest.mark.parametrize("page", PAGES, ids=PAGE_IDS)
def test_headings_hold_no_maths(page):
    """Headings feed the table of contents and the navigation, which show plain text: TeX there
    would appear raw."""
    toks = tokens(_text(page))
    headings = [(h.map[0] + 1, text.content) for h, text in itertools.pairwise(toks) if h.type == "heading_open"]
    assert headings, f"{page.name}: no heading found"
    for line, text in headings:
        assert "$" not in text, f"{page.name}:{line}: maths in a heading: {text}"


def test_the_shared_parser_finds_blocks_inside_admonitions_and_their_marks():
    """hooks/_fences.py (markdown-it-py) reads an admonition's indented body as Markdown, as
    Python-Markdown does: a fence there is a fence, even when its code has two blank lines."""
    text = (
        "---\ndescription: x\n---\n\n# T\n\n<!--pytest-codeblocks:cont-->\n\n```python\nx = 1\n```\n\n"
        '??? note "Code for this figure"\n\n    ```python\n    def f():\n        pass\n\n\n    y = 2\n    ```\n\n'
        "    <!--pytest-codeblocks:expected-output-->\n\n    ```text\n    2\n    ```\n\nafter\n\n    indented code\n"
    )
    found = blocks(text)
    assert [(b.line, b.end, b.info, b.indent, b.marks, b.admonitions) for b in found] == [
        (9, 11, "python", 0, ["cont"], []),
        (15, 21, "python", 4, [], ["Code for this figure"]),
        (25, 27, "text", 4, ["expected-output"], ["Code for this figure"]),
    ]
    assert found[1].body == "def f():\n    pass\n\n\ny = 2\n" and found[2].body == "2\n"
