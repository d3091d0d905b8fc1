"""MkDocs hook: keep the TeX source of each formula out of the search index.

hooks/maths.py typesets every formula as MathML that carries its TeX source in an
`<annotation encoding="application/x-tex">` (for copy-paste and assistive tools; browsers do not
display it). Material's search plugin indexes all text, so each formula would appear twice in
`search/search_index.json`, a file every page loads for its search box, the second time as TeX that
no reader types. Marking the annotation `data-search-exclude` (the search plugin skips such elements)
keeps the readable MathML text in the index and changes nothing on the page. Runs after hooks/maths.py.
"""

from __future__ import annotations

import re

_ANNOTATION = re.compile(r'<annotation(?![^>]*data-search-exclude)(?=[^>]*encoding="application/x-tex")')


def on_page_content(content: str, page, config, files, **kwargs) -> str:
    if "<annotation" not in content:
        return content
    return _ANNOTATION.sub("<annotation data-search-exclude", content)
