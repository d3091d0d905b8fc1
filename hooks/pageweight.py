"""MkDocs hook: keep KaTeX's hidden MathML copy of each formula out of the search index.

KaTeX writes every formula twice (hooks/katex.py asks for "htmlAndMathml"): visible HTML, and MathML
for screen readers, which also carries the TeX source. Material's search plugin indexes both, so each
formula appeared three times in `search/search_index.json`, a file every page loads for its search
box. Marking the MathML `data-search-exclude` (the search plugin skips such elements) keeps the
readable HTML text in the index and changes nothing on the page. Must run after hooks/katex.py.
"""

from __future__ import annotations

_MATHML = '<span class="katex-mathml">'


def on_page_content(content: str, page, config, files, **kwargs) -> str:
    if _MATHML not in content:
        return content
    return content.replace(_MATHML, '<span class="katex-mathml" data-search-exclude>')
