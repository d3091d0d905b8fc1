"""vg.plot: deterministic SVG whose text a browser shows as written."""

from __future__ import annotations

import re

import vg


def test_svg_is_deterministic_and_keeps_text_as_text():
    def draw():
        fig, ax = vg.plot.subplots()
        ax.plot([0, 1, 2], [1, 0.5, 0.25], **vg.plot.STYLES[0])
        ax.set_title("decay")
        return vg.plot.to_svg(fig)

    a, b = draw(), draw()
    assert a == b
    assert ">decay<" in a


def test_a_prime_in_maths_is_unicode_not_a_tex_font_glyph():
    # Matplotlib draws the prime of $\phi'$ as "0" in TeX's cmsy10 font; browsers without that font
    # would show "phi0". The SVG must carry the Unicode prime in an ordinary font instead.
    fig, ax = vg.plot.subplots()
    ax.set_xlabel(r"$\phi'(a_t)$")
    svg = vg.plot.to_svg(fig)
    assert "cmsy10" not in svg
    assert re.search(r"font-family: 'DejaVu Sans'\">\u2032<", svg)
