"""The build's caches are keyed on the code of vg, not its docstrings or comments (hooks/_digest.py)."""

from __future__ import annotations

from _digest import code_fingerprint, vg_digest

BASE = '''"""Module docstring."""

def f(x):
    """Return x scaled."""
    # a comment
    return 2 * x
'''


def _fp(tmp_path, text):
    path = tmp_path / "m.py"
    path.write_text(text, encoding="utf-8")
    return code_fingerprint(path)


def test_docstrings_comments_and_layout_do_not_count(tmp_path):
    base = _fp(tmp_path, BASE)
    edited = BASE.replace("Return x scaled.", "Return x, doubled (see the page).").replace(
        "# a comment", "# another comment, longer\n    # and a second line")
    assert _fp(tmp_path, edited) == base
    assert _fp(tmp_path, "\n\n" + BASE.replace("return 2 * x", "return (2\n            * x)")) == base


def test_any_code_change_counts(tmp_path):
    base = _fp(tmp_path, BASE)
    assert _fp(tmp_path, BASE.replace("2 * x", "3 * x")) != base
    assert _fp(tmp_path, BASE.replace("def f(x)", "def f(x, y=0)")) != base
    assert _fp(tmp_path, BASE + "\nCONSTANT = 1\n") != base
    # a string that is not a docstring is code
    assert _fp(tmp_path, BASE.replace("# a comment", "'not a docstring'")) != base


def test_the_digest_covers_every_module_of_vg():
    assert len(vg_digest()) == 64
    assert vg_digest() == vg_digest()
