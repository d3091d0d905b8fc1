"""The cliff explorable of the dynamical-systems page in a real headless Chromium, against vg.

hooks/cliff_explorable.py computes, with `vg.cliff` and `vg.clip`, the loss, the gradient and the two
gradient steps (without and with norm clipping) at a handful of slider positions and publishes them as
assets/cliff-explorable-reference.json; docs/assets/cliff-explorable.js computes the same numbers in
the browser. These tests load the built page as tests/test_browser.py does (served under the site's
base path, every request to another host refused and recorded), move the sliders with the keyboard and
through the controls, and compare what the script computes and displays with the reference (relative
error < 1e-9). The browser, the server and the helpers are those of tests/test_browser.py.
"""

from __future__ import annotations

import html
import json
import re

import pytest
from test_browser import BASE, REL_TOL, browser, in_fresh_page, server  # noqa: F401 (fixtures)

pytestmark = pytest.mark.slow

PAGE = "problem/dynamics/"
SCALARS = ("loss", "dw", "db", "norm", "x_T")


def _close(got: float, want: float) -> bool:
    return got == want or abs(got - want) <= REL_TOL * abs(want)


def _mismatches(got: dict, want: dict) -> list[str]:
    """Every number of one point that differs from vg's by more than REL_TOL (relative)."""
    bad = [f"{k}: {got[k]!r} vs vg {want[k]!r}" for k in SCALARS if not _close(got[k], want[k])]
    for step in ("unclipped", "clipped"):
        bad += [
            f"{step}.{k}: {got[step][k]!r} vs vg {want[step][k]!r}"
            for k in ("w", "b", "loss")
            if not _close(got[step][k], want[step][k])
        ]
        if got["clipped"]["was_clipped"] != want["clipped"]["was_clipped"]:
            bad.append("was_clipped differs")
    if len(got["fixed_points"]) != len(want["fixed_points"]):
        bad.append(f"{len(got['fixed_points'])} fixed points, vg {len(want['fixed_points'])}")
    else:
        for g, w in zip(got["fixed_points"], want["fixed_points"]):
            # A fixed point is found by bisection to ~1e-15: compare absolutely (it can be 0).
            if abs(g["x"] - w["x"]) > 1e-9 or abs(g["slope"] - w["slope"]) > 1e-9:
                bad.append(f"fixed point {g} vs vg {w}")
    return bad


def _js_exp(x: float) -> str:
    mantissa, exponent = f"{x:.4e}".split("e")
    return f"{mantissa}e{int(exponent):+d}"


@pytest.fixture(scope="module")
def reference(site) -> dict:
    ref_file = site / "assets" / "cliff-explorable-reference.json"
    assert ref_file.is_file(), "assets/cliff-explorable-reference.json was not generated (hooks/cliff_explorable.py)"
    return json.loads(ref_file.read_text(encoding="utf-8"))


def test_cliff_explorable_matches_vg(browser, server, site, reference):  # noqa: F811
    page_html = (site / PAGE / "index.html").read_text(encoding="utf-8")
    assert "vg-cliff-explorable" in page_html, f"{PAGE} has no cliff explorable (placeholder not replaced)"
    built_summary = re.search(r'id="vg-cx-summary"[^>]*>(.*?)</p>', page_html, re.S)
    assert built_summary is not None
    points, model = reference["points"], reference["model"]
    default = model["default"]

    async def body(page):
        await page.goto(f"{server}{BASE}{PAGE}")
        await page.wait_for_selector("#vg-cliff-explorable[data-ready=true]")
        state = lambda: page.evaluate("window.vgCliffExplorable.state()")  # noqa: E731
        summary = page.locator("#vg-cx-summary")

        # Accessible: every control has a label and a text value; the drawings have text alternatives.
        unlabelled = await page.evaluate(
            "Array.from(document.querySelectorAll('#vg-cliff-explorable input'))"
            ".filter(i => !i.labels.length || !i.getAttribute('aria-valuetext')).map(i => i.id)"
        )
        assert unlabelled == [], f"inputs without a <label> or aria-valuetext: {unlabelled}"
        assert await page.get_attribute("#vg-cx-summary", "aria-live") == "polite"
        for box in ("#vg-cx-map", "#vg-cx-surface"):
            assert await page.get_attribute(box, "role") == "img"
            assert await page.locator(f"{box} svg").count() == 1, f"{box} was not drawn"

        # The default point: the numbers agree with vg, and the sentence with the one vg wrote.
        s = await page.evaluate("window.vgCliffExplorable.settings()")
        assert (s["w"], s["b"], s["c"]) == (default["w"], default["b"], default["c"])
        want = next(p for p in points if (p["wi"], p["bi"], p["ci"]) == (s["w"], s["b"], s["c"]))
        assert _mismatches(await state(), want) == []
        assert (await summary.inner_text()).strip() == html.unescape(built_summary.group(1)).strip()
        label = await page.get_attribute("#vg-cx-map", "aria-label")
        assert f"{len(want['fixed_points'])} fixed point" in label, label

        # Keyboard: b down three steps (-2.30 -> -2.33), w up two (4.50 -> 4.60), c down one (1.0 -> 0.9).
        await page.focus("#vg-cx-b")
        for _ in range(3):
            await page.keyboard.press("ArrowLeft")
        await page.focus("#vg-cx-w")
        for _ in range(2):
            await page.keyboard.press("ArrowRight")
        await page.focus("#vg-cx-c")
        await page.keyboard.press("ArrowLeft")
        s = await page.evaluate("window.vgCliffExplorable.settings()")
        assert (s["w"], s["b"], s["c"]) == (460, -233, 90), s
        assert "\u22122.33" in await page.inner_text("#vg-cx-b-out")
        assert "\u22122.33" in await page.get_attribute("#vg-cx-b", "aria-valuetext")

        # Every reference point through the controls: computed numbers and the displayed text.
        for want in points:
            for name, key in (("w", "wi"), ("b", "bi"), ("c", "ci")):
                await page.fill(f"#vg-cx-{name}", str(want[key]))
            got = await state()
            where = f"(w, b, c) = ({want['wi'] / 100}, {want['bi'] / 100}, {want['ci'] / 100})"
            assert (got["wi"], got["bi"], got["ci"]) == (want["wi"], want["bi"], want["ci"]), where
            bad = _mismatches(got, want)
            assert bad == [], f"{where}: the browser differs from vg:\n" + "\n".join(bad)
            text = await summary.inner_text()
            for k in ("loss", "dw", "db", "norm"):
                assert _js_exp(want[k]) in text, f"{where}: {k} {_js_exp(want[k])} not in {text!r}"
            assert _js_exp(want["unclipped"]["loss"]) in text and _js_exp(want["clipped"]["loss"]) in text, text
            assert ("not clipped" not in text) == want["clipped"]["was_clipped"], text
            table = await page.text_content("#vg-cx-table")  # inside a closed <details>
            assert _js_exp(want["loss"]) in table, table
            # The drawing follows: one circle per fixed point, filled or open as its slope says.
            stable = await page.locator("#vg-cx-map circle.vg-cx-stable").count()
            unstable = await page.locator("#vg-cx-map circle.vg-cx-unstable").count()
            slopes = [f["slope"] for f in want["fixed_points"]]
            assert (stable, unstable) == (sum(v < 1 for v in slopes), sum(v >= 1 for v in slopes)), where
            # Clipping never lengthens the step, and a clipped step has length lr * c.
            raw = model["lr"] * want["norm"]
            dw, db = got["clipped"]["w"] - want["wi"] / 100, got["clipped"]["b"] - want["bi"] / 100
            clipped_len = (dw**2 + db**2) ** 0.5
            assert clipped_len <= raw * (1 + 1e-12) + 1e-12
            if want["clipped"]["was_clipped"]:
                assert abs(clipped_len - model["lr"] * want["ci"] / 100) < 1e-9 * max(1.0, clipped_len)

        # All points through the script's own function, without touching the controls.
        worst = await page.evaluate(
            """(points) => points.map(p => {
                 const g = window.vgCliffExplorable.compute(p.wi, p.bi, p.ci);
                 return Math.max(...["loss", "dw", "db", "norm"].map(k =>
                   p[k] === 0 ? Math.abs(g[k]) : Math.abs(g[k] - p[k]) / Math.abs(p[k])));
               })""",
            points,
        )
        assert max(worst) < REL_TOL, f"largest relative error over the reference points: {max(worst):.2e}"
        assert len(points) >= 5 and any(p["clipped"]["was_clipped"] for p in points)
        assert any(not p["clipped"]["was_clipped"] for p in points)
        await page.locator("#vg-cliff-explorable").screenshot()  # renders without error

    in_fresh_page(browser, server, body)


def test_cliff_explorable_in_dark_mode(browser, server, site):  # noqa: F811
    """The drawing's text and lines take the dark scheme's colours (not black on the slate page)."""

    async def body(page):
        await page.emulate_media(color_scheme="dark")
        await page.goto(f"{server}{BASE}{PAGE}")
        await page.wait_for_selector("#vg-cliff-explorable[data-ready=true]")
        scheme = await page.get_attribute("body", "data-md-color-scheme")
        assert scheme == "slate", scheme
        fill = await page.evaluate("getComputedStyle(document.querySelector('#vg-cx-map svg text')).fill")
        bg = await page.evaluate("getComputedStyle(document.body).backgroundColor")
        assert fill != "rgb(0, 0, 0)" and fill != bg, (fill, bg)

    in_fresh_page(browser, server, body)
