"""Find the numbers on a page that no code on that page prints: hand-typed numbers, which drift.

The site promises that every number a reader sees was computed by code that CI runs. This module
checks the promise. It reads a page (a Markdown file in `docs/`, or an executed notebook from
`examples/`), collects every number in its prose, headings, tables, alt text and maths, and reports
those that match nothing the page prints.

What counts as printed:
- a number in one of the page's expected-output blocks (for a notebook: in a cell's output); a prose
  number matches a printed one when the printed value rounds to it at the prose's significant digits
  ("0.34" matches a printed 0.338, "400" matches 425), a percentage matches a fraction ("13 %" matches
  0.13), and "5.7×10^6", "5.7e6" and `5.7\times10^{6}` are one number;
- a numeric literal in the page's own code (an input the page sets, such as `T = 50` or `range(8)`).

What is exempt without a word, because it is not a measurement:
- years (1500-2099) and numbers after the words that cite a place in a text: section, §, figure,
  Fig., table, eq., equation, chapter, Algorithm, page, exercise, part, ...;
- list markers, and digits inside names (`float64`, `W_1`, `4th`);
- in maths: indices (sub- and superscripts that are not powers of ten) and the small constants 0-4
  (as in 1/4, 1/2, the square of a norm).

Anything else that is a citation of a paper's number, a definition or a constant of the maths is
exempted explicitly, next to it in the page's source, with a comment that gives the reason:

    <!-- hand-typed: 2400 = cited: Jaeger & Haas (2004), abstract -->

The reason starts with `cited:`, `definition:`, `constant:` or `input:`; `python tests/numbercheck.py
--exemptions` lists every one on the site for review.

Number words from "ten" upward ("ten words back", "a hundred times") are numbers too, and
"N orders of magnitude" needs N printed (better: print the factor); "an order of magnitude" is always
reported, since nothing can print it.

Command line: `python tests/numbercheck.py docs/page.md [examples/nb.py ...]` prints what it finds.
"""

from __future__ import annotations

import io
import json
import math
import re
import sys
import tokenize
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Run as a script, outside pytest (whose `pythonpath` setting does this): the test helpers and the hooks
# are imported by their bare names, as in the tests.
for _dir in (ROOT / "tests", ROOT / "hooks"):
    if str(_dir) not in sys.path:
        sys.path.insert(0, str(_dir))

from _site import DOCS, blocks, doc_pages  # noqa: E402
from notebooks import example_sources  # noqa: E402  (the build's list of notebooks)

REASONS = ("cited:", "definition:", "constant:", "input:")
# Words after which a number names a place in a text, not a quantity (case-insensitive).
_CITE_WORDS = (
    r"sections?|§§?|fig(?:ure)?s?\.?|tables?|eqs?\.?|equations?|chapters?|ch\.|algorithms?|pages?|pp?\."
    r"|lectures?|exercises?|parts?|versions?|appendix|lines?|theorems?|lemmas?|propositions?|items?"
)
_CITE = re.compile(
    rf"(?i)(?<![\w])(?:{_CITE_WORDS})\s*\(?(?:\d+(?:\.\d+)*[a-z]?)\)?"
    r"(?:\s*(?:,|and|or|to|–|-|&)\s*\(?\d+(?:\.\d+)*[a-z]?\)?)*"
)
# Definitions that are not measurements: unit fractions (1/4, 1/6) and the level of an interval.
_DEFINITIONS = re.compile(
    r"(?<![\w./])1/\d{1,2}(?![\w.]\d)"
    r"|\b(?:90|95|99)\s*%(?=\s*(?:Wilson\s+)?(?:confidence\s+)?interval)"
)
_EXEMPT_COMMENT = re.compile(r"<!--\s*hand-typed:(?P<body>.*?)-->", re.DOTALL)
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_SUPERSCRIPT = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺", "0123456789-+")
_MINUS = str.maketrans({"−": "-", "–": "-", "\u2009": " ", "\u202f": " ", "\u00a0": " "})
# One number in running text: 5.7×10^6, 5.7 x 10⁶, 1.2e-5, 10,000, 0.338, 13 %, 10x.
_NUMBER = re.compile(
    r"(?<![\w.^/\\])"
    r"(?P<mant>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)"
    r"(?:(?P<sci>[eE][-+]?\d+)|\s*(?:×|\\times|\\cdot|x)\s*10\s*\^?\s*\{?\s*(?P<pow>[-+]?\d+)\s*\}?)?"
    r"(?P<pct>\s*%|\s*\\%)?"
    r"(?P<times>\s?[x×](?![\w]))?"
    r"(?![\w.]*[A-Za-wyzα-ω])"  # digits inside a name or an ordinal: float64, 4th, 1406.1078v1
)
_POW10 = re.compile(r"(?<![\d.])10\s*\^\s*\{?\s*(?P<pow>[-+]?\d+)\s*\}?")
_WORDS = {
    "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
    "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50,
    "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90, "hundred": 100, "thousand": 1000,
    "million": 1e6, "billion": 1e9, "dozen": 12,
}
_SMALL_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
                "nine": 9, "a": 1, "an": 1}
_WORD = re.compile(r"(?i)\b(?P<w>" + "|".join(_WORDS) + r")(?P<plural>s)?\b")
_MAGNITUDE = re.compile(r"(?i)\b(?P<count>\w+)\s+orders?\s+of\s+magnitude")


@dataclass(frozen=True)
class Found:
    """A number on a page that nothing on the page prints."""

    where: str  # "docs/x.md:LINE" or "examples/x.py: cell N"
    text: str  # the number as written
    context: str  # the words around it

    def __str__(self) -> str:
        return f"{self.where}: {self.text!r} in “{self.context}”"


@dataclass(frozen=True)
class Number:
    value: float
    digits: int  # significant digits as written (trailing zeros of an integer do not count)
    percent: bool
    text: str


def _parse(m: re.Match[str]) -> Number:
    mant = m.group("mant").replace(",", "")
    value = float(mant)
    if m.group("sci"):
        value *= 10.0 ** int(m.group("sci")[1:])
    elif m.group("pow"):
        value *= 10.0 ** int(m.group("pow"))
    digits_only = mant.replace(".", "").lstrip("0")
    if "." not in mant:
        digits_only = digits_only.rstrip("0")
    return Number(abs(value), max(1, len(digits_only)), bool(m.group("pct")), m.group(0).strip())


def numbers_in(text: str) -> list[Number]:
    """Every number in a printed text (an output block or a cell output)."""
    text = text.translate(_MINUS).translate(_SUPERSCRIPT)
    return [_parse(m) for m in _NUMBER.finditer(text)]


def _round_sig(x: float, digits: int) -> float:
    if x == 0 or not math.isfinite(x):
        return x
    return round(x, digits - 1 - math.floor(math.log10(abs(x))))


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-300)


class Printed:
    """What a page prints (its outputs) and sets (its code's numeric literals)."""

    def __init__(self, outputs: list[str], code: list[str]) -> None:
        self.values: list[float] = []
        for text in outputs:
            for n in numbers_in(text):
                self.values.append(n.value)
                if n.percent:
                    self.values.append(n.value / 100)
        self.literals: set[float] = set()
        for src in code:
            self.literals |= _literals(src)

    def has(self, n: Number) -> bool:
        wanted = [n.value] + ([n.value / 100] if n.percent else [])
        if any(_close(w, lit) for w in wanted for lit in self.literals):
            return True
        for v in self.values:
            for w in wanted:
                if _close(_round_sig(v, n.digits), w) or _close(v, w):
                    return True
        return False

    def has_magnitude(self, low: float) -> bool:
        """Something printed lies in [low, 10 low): what "hundreds" or "thousands" claims."""
        return any(low <= v < 10 * low for v in self.values)


def _literals(src: str) -> set[float]:
    out: set[float] = set()
    try:
        toks = list(tokenize.generate_tokens(io.StringIO(src).readline))
    except (tokenize.TokenError, IndentationError, SyntaxError):
        toks = []
    for tok in toks:
        if tok.type == tokenize.NUMBER:
            try:
                out.add(abs(float(tok.string.replace("_", "").rstrip("jJ"))))
            except ValueError:
                pass
    return out


# ---------------------------------------------------------------------------------------------------
# Prose: what a reader reads, line by line, with code, comments, links' targets and maths set apart.

_INLINE_CODE = re.compile(r"(`+)(?:(?!\1).)+?\1")
_LINK_TARGET = re.compile(r"(\]\()([^)\s]*)(\s+\"[^\"]*\")?\)")
_REF_DEF = re.compile(r"^\s*\[[^\]]+\]:\s+\S+.*$")
_TAG = re.compile(r"<[^>\n]+>")
_URL = re.compile(r"https?://\S+")
_LIST_MARK = re.compile(r"^(\s*(?:[>|]\s*)*)(\d+)([.)])\s")
_FOOTNOTE = re.compile(r"\[\^[^\]]+\]")
_ATTR = re.compile(r"\{:?[^}\n]*\}")  # attr_list: {: width="60%" }
_DISPLAY_MATH = re.compile(r"\$\$(.+?)\$\$", re.DOTALL)
_INLINE_MATH = re.compile(r"(?<![\\$])\$(?!\$)(.+?)(?<![\\$])\$")


def _blank(m: re.Match[str]) -> str:
    return re.sub(r"[^\n]", " ", m.group(0))


def _maths_numbers(tex: str) -> list[tuple[str, Number]]:
    """Numbers in TeX that are quantities: powers of ten and numbers >= 5 outside indices."""
    found: list[tuple[str, Number]] = []
    tex = tex.translate(_MINUS)
    # Scientific forms first: 5.7\times10^{6}, 10^{-3}.
    for m in _NUMBER.finditer(tex):
        if m.group("pow") or m.group("sci"):
            found.append((m.group(0), _parse(m)))
    tex = _NUMBER.sub(lambda m: " " if (m.group("pow") or m.group("sci")) else m.group(0), tex)
    for m in _POW10.finditer(tex):
        n = Number(10.0 ** int(m.group("pow")), 1, False, m.group(0))
        found.append((m.group(0), n))
    tex = _POW10.sub(" ", tex)
    # Indices and exponents: h_{t-1}, W^{(t)}, x^2, \sigma'^2.
    tex = re.sub(r"[_^]\s*\{[^{}]*\}", " ", tex)
    tex = re.sub(r"[_^]\s*\\?\w", " ", tex)
    tex = re.sub(r"\\[A-Za-z]+", " ", tex)  # commands: \frac, \log, \sigma
    for m in _NUMBER.finditer(tex):
        n = _parse(m)
        if n.value <= 4 and n.value == int(n.value) and "." not in m.group("mant"):
            continue  # 0-4: constants of the maths (1/4, squares, the 2-norm)
        found.append((m.group(0), n))
    return found


def _prose_lines(text: str) -> tuple[list[str], list[str], list[str], set[float], list[tuple[int, str]]]:
    """Split a Markdown page into prose lines, outputs, code and explicit exemptions."""
    outputs: list[str] = []
    code: list[str] = []
    exempt: set[float] = set()
    bad_exemptions: list[tuple[int, str]] = []
    for m in _EXEMPT_COMMENT.finditer(text):
        line = text.count("\n", 0, m.start()) + 1
        body = m.group("body").strip()
        nums, _, reason = body.partition("=")
        if not reason.strip().startswith(REASONS):
            bad_exemptions.append((line, body))
            continue
        for n in numbers_in(nums):
            exempt.add(n.value)
    masked = _COMMENT.sub(_blank, text)
    if masked.startswith("---\n"):  # front matter
        end = masked.find("\n---", 4)
        masked = re.sub(r"[^\n]", " ", masked[: end + 4]) + masked[end + 4 :]
    lines = masked.split("\n")
    for b in blocks(text):
        for i in range(b.line - 1, min(len(lines), b.end)):  # the fences and what is between them
            lines[i] = ""
        if "expected-output" in b.marks:
            outputs.append(b.body)
        elif b.lang in ("python", "py"):
            code.append(b.body)
    return lines, outputs, code, exempt, bad_exemptions


def _scan(where_prefix: str, lines: list[str], printed: Printed, exempt: set[float],
          line_numbers: list[int] | None = None) -> list[Found]:
    found: list[Found] = []
    text = "\n".join(lines)
    maths: list[tuple[int, str]] = []

    def take_maths(m: re.Match[str]) -> str:
        maths.append((text.count("\n", 0, m.start()), m.group(1)))
        return _blank(m)

    text = _DISPLAY_MATH.sub(take_maths, text)
    text = "\n".join(_INLINE_MATH.sub(take_maths_line(maths, i), ln) for i, ln in enumerate(text.split("\n")))

    def where(i: int) -> str:
        n = line_numbers[i] if line_numbers else i + 1
        return f"{where_prefix}{n}"

    def ok(n: Number) -> bool:
        return printed.has(n) or any(_close(n.value, e) for e in exempt)

    for i, raw in enumerate(text.split("\n")):
        if _REF_DEF.match(raw):
            continue
        ln = _LINK_TARGET.sub(lambda m: m.group(1) + " " * len(m.group(2)) + ")", raw)
        ln = _INLINE_CODE.sub(_blank, ln)
        ln = _URL.sub(_blank, ln)
        ln = _TAG.sub(lambda m: _alt_of(m.group(0)), ln)
        ln = _FOOTNOTE.sub(_blank, ln)
        ln = _ATTR.sub(_blank, ln)
        ln = _LIST_MARK.sub(lambda m: m.group(1) + " " * (len(m.group(2)) + 2), ln)
        ln = _CITE.sub(_blank, ln).translate(_MINUS)
        ln = _DEFINITIONS.sub(_blank, ln)
        ln = re.sub(r"(?<![\d.])(1[5-9]|20)\d\d[a-z]?s?(?![\d.,]\d)", lambda m: " " * len(m.group(0)), ln)
        ln = ln.translate(_SUPERSCRIPT)
        for m in _MAGNITUDE.finditer(ln):
            count = m.group("count").lower()
            value = _WORDS.get(count) or _SMALL_WORDS.get(count)
            if value is None and count.isdigit():
                value = int(count)
            if value is None:
                continue  # "many orders of magnitude": no number claimed
            n = Number(float(value), 1, False, m.group(0))
            if count in ("a", "an") or not any(_close(v, value) for v in printed.values):
                found.append(Found(where(i), m.group(0), raw.strip()[:120]))
        ln = _MAGNITUDE.sub(_blank, ln)
        for m in _WORD.finditer(ln):
            value = float(_WORDS[m.group("w").lower()])
            if m.group("plural"):
                if not printed.has_magnitude(value):
                    found.append(Found(where(i), m.group(0), raw.strip()[:120]))
                continue
            before = ln[: m.start()].split()
            if before and before[-1].lower() in _SMALL_WORDS and value >= 100:
                value *= _SMALL_WORDS[before[-1].lower()]
            n = Number(value, 1, False, m.group(0))
            if not ok(n):
                found.append(Found(where(i), m.group(0), raw.strip()[:120]))
        for m in _NUMBER.finditer(ln):
            n = _parse(m)
            if not ok(n):
                found.append(Found(where(i), n.text, raw.strip()[:120]))
    for i, tex in maths:
        for text_, n in _maths_numbers(tex):
            if not ok(n):
                found.append(Found(where(i), text_.strip(), "$" + tex.strip()[:100] + "$"))
    return found


def take_maths_line(maths: list[tuple[int, str]], i: int):
    def take(m: re.Match[str]) -> str:
        maths.append((i, m.group(1)))
        return _blank(m)

    return take


def _alt_of(tag: str) -> str:
    """An HTML tag reads as its alt text (images) and nothing else."""
    m = re.search(r'\balt="([^"]*)"', tag)
    return f" {m.group(1)} " if m else " " * len(tag)


# ---------------------------------------------------------------------------------------------------
# Pages and notebooks.


def check_page(path: Path) -> list[Found]:
    text = path.read_text(encoding="utf-8")
    if is_bibliography(text):
        return []  # every number on a reference list is a citation (volume, pages, year)
    lines, outputs, code, exempt, bad = _prose_lines(text)
    rel = _rel(path)
    found = [Found(f"{rel}:{n}", "hand-typed", f"exemption without a reason ({', '.join(REASONS)}): {b}")
             for n, b in bad]
    return found + _scan(f"{rel}:", lines, Printed(outputs, code), exempt)


def check_notebook(nb: dict, src: Path) -> list[Found]:
    """The markdown cells and figure alt texts of an executed notebook against its outputs and code."""
    outputs: list[str] = []
    code: list[str] = []
    prose: list[str] = []
    where: list[int] = []
    for k, cell in enumerate(nb["cells"]):
        source = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
        if cell["cell_type"] == "markdown":
            for ln in source.split("\n"):
                prose.append(ln)
                where.append(k)
        elif cell["cell_type"] == "code":
            code.append(source)
            for out in cell.get("outputs", []):
                if "text" in out:
                    outputs.append(out["text"] if isinstance(out["text"], str) else "".join(out["text"]))
                data = out.get("data", {})
                for kind in ("text/plain", "text/markdown"):
                    if kind in data:
                        t = data[kind]
                        outputs.append(t if isinstance(t, str) else "".join(t))
                if "text/html" in data:
                    t = data["text/html"]
                    t = t if isinstance(t, str) else "".join(t)
                    for alt in re.findall(r'\balt="([^"]*)"', t):
                        prose.append(alt.replace("&quot;", '"').replace("&amp;", "&"))
                        where.append(k)
                    outputs.append(re.sub(r"<img[^>]*>", " ", t))
    text = "\n".join(prose)
    exempt: set[float] = set()
    bad: list[Found] = []
    for m in _EXEMPT_COMMENT.finditer(text):
        nums, _, reason = m.group("body").partition("=")
        if not reason.strip().startswith(REASONS):
            bad.append(Found(_rel(src), "hand-typed", f"exemption without a reason: {m.group('body').strip()}"))
        for n in numbers_in(nums):
            exempt.add(n.value)
    masked = _COMMENT.sub(_blank, text).split("\n")
    for b in blocks("\n".join(masked)):  # fenced blocks in markdown cells are code, not prose
        code.append(b.body)
        for i in range(b.line - 1, min(len(masked), b.end)):
            masked[i] = ""
    printed = Printed(outputs, code)
    return bad + _scan(f"{_rel(src)}: cell ", masked, printed, exempt, line_numbers=where)


def executed(src: Path) -> dict:
    import notebooks  # the build's own executor and cache

    path, _ = notebooks.executed_notebook(src.resolve())
    return json.loads(path.read_text(encoding="utf-8"))


def is_bibliography(text: str) -> bool:
    """A page whose front matter says `numbers: bibliography` (a reference list) is not checked."""
    m = re.match(r"---\n(.*?)\n---\n", text, re.DOTALL)
    return bool(m and re.search(r"^numbers:\s*bibliography\s*$", m.group(1), re.MULTILINE))


def exemptions() -> list[tuple[str, str]]:
    """Every explicit exemption on the site: (file:line, text)."""
    out = []
    for path in doc_pages() + example_sources():
        text = path.read_text(encoding="utf-8")
        if is_bibliography(text):
            out.append((f"{_rel(path)}:1", "numbers: bibliography = cited: a reference list, not checked"))
        for m in _EXEMPT_COMMENT.finditer(text):
            line = text.count("\n", 0, m.start()) + 1
            out.append((f"{_rel(path)}:{line}", " ".join(m.group("body").split())))
    return out


def _rel(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


def main(argv: list[str]) -> int:
    if argv == ["--exemptions"]:
        for where, body in exemptions():
            print(f"{where}: {body}")
        return 0
    paths = [Path(a) for a in argv] or doc_pages()
    total = 0
    for path in paths:
        found = check_notebook(executed(path), path) if path.suffix == ".py" else check_page(path)
        for f in found:
            print(f)
        total += len(found)
    print(f"{total} number(s) that nothing on the page prints", file=sys.stderr)
    return 1 if total else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))


__all__ = ["DOCS", "Found", "check_notebook", "check_page", "exemptions", "numbers_in"]
