"""MkDocs hook: keep what no reader searches for out of the search index that every page loads.

Material's search plugin indexes the whole text of every page into `search/search_index.json`, and every
page downloads that file for its search box; it is the largest single file a first visit loads. Two
kinds of text in it are never what a reader types into the search box, and elements marked
`data-search-exclude` are skipped by the plugin (the mark changes nothing on the page):

- the TeX source of each formula: hooks/maths.py typesets formulas as MathML that carries its TeX in an
  `<annotation encoding="application/x-tex">` (for copy-paste and assistive tools), so each formula
  would be indexed twice, the second time as TeX; the readable MathML text stays indexed;
- code blocks and printed outputs (pages, notebooks, the API's signatures): about 40 % of the index.
  Headings, prose, and the API's headings (`vg.rnn.backward`, ...) stay indexed.

Runs after hooks/maths.py.
"""

from __future__ import annotations

import re

_ANNOTATION = re.compile(r'<annotation(?![^>]*data-search-exclude)(?=[^>]*encoding="application/x-tex")')
_CODE = re.compile(r'<div class="(?P<cls>[^"]*\bhighlight\b[^"]*)"(?! data-search-exclude)')


def on_page_content(content: str, page, config, files, **kwargs) -> str:
    if "<annotation" in content:
        content = _ANNOTATION.sub("<annotation data-search-exclude", content)
    return _CODE.sub(lambda m: f'<div class="{m.group("cls")}" data-search-exclude', content)
