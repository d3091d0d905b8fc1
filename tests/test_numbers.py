"""No number on the site is typed by hand: every number a page shows is printed by that page's code.

`tests/numbercheck.py` holds the rules (what counts as printed, what is exempt); here it is run on every
page, and on small made-up pages to show that it catches what it should. The notebooks are checked
where they are executed, in tests/test_examples.py.
"""

from __future__ import annotations

import numbercheck as numbers
import pytest
from _site import DOCS, doc_pages

PAGES = doc_pages()
# Explicit exemptions are for citations, definitions and constants only; keep the list short.
MAX_EXEMPTIONS = 30


@pytest.mark.parametrize("page", PAGES, ids=[str(p.relative_to(DOCS)) for p in PAGES])
def test_every_number_on_the_page_is_printed_by_its_code(page):
    found = numbers.check_page(page)
    assert found == [], "numbers that nothing on the page prints (print them, or reword):\n" + "\n".join(
        map(str, found)
    )


def test_explicit_exemptions_are_few_and_give_a_reason():
    listed = numbers.exemptions()
    assert len(listed) <= MAX_EXEMPTIONS, "\n".join(f"{w}: {b}" for w, b in listed)
    for where, body in listed:
        _, _, reason = body.partition("=")
        assert reason.strip().startswith(numbers.REASONS), f"{where}: {body}"


def _page(tmp_path, text):
    path = tmp_path / "page.md"
    path.write_text(text, encoding="utf-8")
    return [f.text for f in numbers.check_page(path)]


OUT = "<!--pytest-codeblocks:expected-output-->\n\n```text\n{}\n```\n"


def _with_output(prose, printed, code="import vg\nprint(x)"):
    return f"---\ndescription: x\n---\n\n{prose}\n\n```python\n{code}\n```\n\n" + OUT.format(printed)


def test_a_hand_typed_number_is_found(tmp_path):
    assert _page(tmp_path, _with_output("The gradient falls to 0.53 of its value.", "0.52")) == ["0.53"]


def test_a_printed_number_matches_at_the_prose_precision(tmp_path):
    text = _with_output("It falls to 0.34, 3.4e-5 or 13 %, about 400 times less, by 5.7×10^6.",
                        "0.338 3.38e-05 0.1312 425.1 5.71e+06")
    assert _page(tmp_path, text) == []


def test_numbers_the_code_sets_count_as_printed(tmp_path):
    assert _page(tmp_path, _with_output("We train for 350 steps.", "done", code="import vg\nsteps = 350")) == []


def test_number_words_and_orders_of_magnitude_are_numbers(tmp_path):
    text = _with_output("It is ten words back, a hundred times smaller: two orders of magnitude, or "
                        "an order of magnitude.", "7 words")
    assert _page(tmp_path, text) == ["two orders of magnitude", "an order of magnitude", "ten", "hundred"]


def test_citations_names_and_indices_are_not_numbers(tmp_path):
    text = _with_output(
        "Pascanu et al. (2013, section 2.3 and figure 6) and eq. (9) of Bengio 1994, in float64 with "
        "$h_{15} = W^{(t)} x_{t-1}^2$ and a 4th-order rule; the loss is 1/4 at $\\gamma = 1/4$.\n\n"
        "1. a list item", "nothing")
    assert _page(tmp_path, text) == []


def test_maths_is_checked_for_quantities(tmp_path):
    text = _with_output("So $0.5^{10} \\approx 10^{-3}$ and $\\sigma(2) = 0.8808$.", "nothing")
    assert _page(tmp_path, text) == ["10^{-3}", "0.5", "0.8808"]


def test_alt_text_is_checked(tmp_path):
    text = _with_output("![The norm falls below 1e-20 within 50 steps](figures/x.svg)", "5.0e-21")
    assert _page(tmp_path, text) == ["1e-20", "50"]


def test_an_explicit_exemption_needs_a_reason(tmp_path):
    ok = _with_output("A factor of 2400 <!-- hand-typed: 2400 = cited: Jaeger & Haas (2004) -->.", "x")
    assert _page(tmp_path, ok) == []
    bad = _with_output("A factor of 2400 <!-- hand-typed: 2400 because I say so -->.", "x")
    assert _page(tmp_path, bad) == ["hand-typed", "2400"]


def test_code_and_links_are_not_prose(tmp_path):
    text = _with_output("See `vg.rnn.init(8, 64)` and [the 2nd page](../x/y-42.md#part-7).", "x")
    assert _page(tmp_path, text) == []


def test_notebook_prose_is_checked_against_its_outputs():
    nb = {"cells": [
        {"cell_type": "markdown", "source": "The loss falls to 0.12 and then 0.5."},
        {"cell_type": "code", "source": "print(0.1234)", "outputs": [
            {"output_type": "stream", "text": "0.1234\n"},
            {"output_type": "display_data", "data": {"text/html": '<img alt="a curve that ends at 7.5">'}},
        ]},
    ]}
    found = numbers.check_notebook(nb, DOCS / "x.py")
    assert [f.text for f in found] == ["0.5", "7.5"]
