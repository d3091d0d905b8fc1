/* Keyboard access to content that scrolls sideways (WCAG 2.1.1; axe: scrollable-region-focusable).
 *
 * Wide display maths, wide tables and long notebook lines scroll horizontally. A region that scrolls
 * must be reachable with the keyboard, or keyboard users cannot see its hidden part. Material already
 * does this for its code blocks; this does it for the rest, and only where the content really
 * overflows at the current width (so narrow formulas add no tab stops). No library, no request.
 */
(function () {
  "use strict";

  var REGIONS = [
    ['.md-typeset math[display="block"]', null], // focusable only: a role would hide that it is maths
    [".md-typeset .md-typeset__scrollwrap", "Table (scrolls sideways)"],
    [".jupyter-wrapper .highlight-ipynb", "Notebook code (scrolls sideways)"],
    [".jupyter-wrapper .jp-OutputArea-output", "Notebook output (scrolls sideways)"],
    [".jupyter-wrapper .jp-RenderedText pre", "Notebook output (scrolls sideways)"],
  ];

  function overflows(el) {
    return el.scrollWidth > el.clientWidth + 1 || el.scrollHeight > el.clientHeight + 1;
  }

  function update() {
    REGIONS.forEach(function (pair) {
      document.querySelectorAll(pair[0]).forEach(function (el, i) {
        var marked = el.hasAttribute("data-vg-scroll");
        var scrolls = overflows(el) && getComputedStyle(el).overflowX !== "visible";
        if (scrolls && !marked && !el.hasAttribute("tabindex")) {
          el.setAttribute("tabindex", "0");
          el.setAttribute("data-vg-scroll", "");
          if (pair[1]) {
            el.setAttribute("role", "region");
            el.setAttribute("aria-label", pair[1].replace(" (", " " + (i + 1) + " (")); // unique names
          }
        } else if (!scrolls && marked) {
          ["tabindex", "role", "aria-label", "data-vg-scroll"].forEach(function (a) { el.removeAttribute(a); });
        }
      });
    });
  }

  // Material wraps each code block's copy button in a <nav>: a landmark with no name, repeated on
  // every block (axe: landmark-unique). It holds one button, not navigation: drop the landmark role
  // ("none" is one of the roles HTML allows on <nav>); the button keeps its own name.
  function unlandmark() {
    document.querySelectorAll("nav.md-code__nav:not([role])").forEach(function (el) {
      el.setAttribute("role", "none");
    });
  }

  var timer = null;
  function later() {
    clearTimeout(timer);
    timer = setTimeout(update, 150);
  }

  function start() {
    unlandmark();
    update();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
  window.addEventListener("load", unlandmark);
  window.addEventListener("load", update); // fonts and images change widths
  window.addEventListener("resize", later);
  if (document.fonts && document.fonts.ready) document.fonts.ready.then(update);
})();
