/* The cliff explorable (dynamical-systems page): the one-unit network of vg.cliff in the browser.
 *
 * Model (hooks/cliff_explorable.py computes the same numbers with vg at build time; the browser tests
 * compare the two), Pascanu, Mikolov & Bengio (2013), with x_t the unit's state:
 *   x_t = w sigma(x_{t-1}) + b,  x_0 = 0.5,  t = 1..T (T = 50),  L(w, b) = (sigma(x_T) - 0.7)^2,
 * the gradient by backpropagation through time, written as vg.cliff.loss_and_grad writes it:
 *   dx = 2 (s_T - target) s_T (1 - s_T);  for t = T..1: dw += dx s_{t-1}, db += dx,
 *   dx = dx w s_{t-1} (1 - s_{t-1}),
 * and one step (w, b) - lr g, without clipping and with g scaled to norm c when ||g|| > c.
 * Slider values are integers (hundredths), divided by 100 exactly as the hook does.
 * No libraries: the drawings are SVG made with the DOM, the heat map a canvas turned into an image.
 */
(function () {
  "use strict";

  var SVG_NS = "http://www.w3.org/2000/svg";
  var MINUS = "\u2212";

  function sigmoid(x) {
    return 0.5 * Math.tanh(0.5 * x) + 0.5; // as vg.cliff: exactly the logistic function
  }

  /** States x_0..x_T. */
  function orbit(m, w, b) {
    var xs = [m.x0];
    for (var t = 1; t <= m.T; t++) xs.push(w * sigmoid(xs[t - 1]) + b);
    return xs;
  }

  function loss(m, w, b) {
    var xs = orbit(m, w, b), s = sigmoid(xs[m.T]);
    return (s - m.target) * (s - m.target);
  }

  /** [loss, dL/dw, dL/db], the recursion of vg.cliff.loss_and_grad. */
  function lossAndGrad(m, w, b) {
    var xs = orbit(m, w, b), s = xs.map(sigmoid), sT = s[m.T];
    var L = (sT - m.target) * (sT - m.target);
    var dw = 0.0, db = 0.0, dx = 2.0 * (sT - m.target) * sT * (1.0 - sT);
    for (var t = m.T; t >= 1; t--) {
      dw += dx * s[t - 1];
      db += dx;
      dx = dx * w * s[t - 1] * (1.0 - s[t - 1]);
    }
    return [L, dw, db];
  }

  /** Fixed points of f(x) = w sigma(x) + b with their slopes (the hook's `fixed_points`). */
  function fixedPoints(w, b) {
    var lo = b - 1.0, hi = w + b + 1.0, n = 2000, i, k;
    var g = function (x) { return w * sigmoid(x) + b - x; };
    var xs = [], gs = [], out = [];
    for (i = 0; i <= n; i++) {
      xs.push(lo + ((hi - lo) * i) / n);
      gs.push(g(xs[i]));
    }
    for (i = 0; i < n; i++) {
      var root;
      if (gs[i] === 0.0) root = xs[i];
      else if (gs[i] * gs[i + 1] < 0.0) {
        var a = xs[i], c = xs[i + 1];
        for (k = 0; k < 60; k++) {
          var mid = 0.5 * (a + c);
          if (g(mid) > 0.0 === gs[i] > 0.0) a = mid;
          else c = mid;
        }
        root = 0.5 * (a + c);
      } else continue;
      var s = sigmoid(root);
      out.push({ x: root, slope: w * s * (1.0 - s) });
    }
    return out;
  }

  /** Everything the widget shows at slider positions (wi, bi, ci): the hook's `point`. */
  function compute(m, wi, bi, ci) {
    var w = wi / 100, b = bi / 100, c = ci / 100;
    var r = lossAndGrad(m, w, b), dw = r[1], db = r[2];
    var norm = Math.sqrt(dw * dw + db * db);
    var f = norm > c ? c / norm : 1.0;
    var w1 = w - m.lr * dw, b1 = b - m.lr * db;
    var w2 = w - m.lr * (dw * f), b2 = b - m.lr * (db * f);
    var xs = orbit(m, w, b);
    return {
      wi: wi, bi: bi, ci: ci, loss: r[0], dw: dw, db: db, norm: norm, x_T: xs[m.T], orbit: xs,
      fixed_points: fixedPoints(w, b),
      unclipped: { w: w1, b: b1, loss: loss(m, w1, b1) },
      clipped: { w: w2, b: b2, loss: loss(m, w2, b2), was_clipped: norm > c },
    };
  }

  function fmtE(x) {
    return x.toExponential(4);
  }
  /** Round half up first (as the hook's fmt_f), no "-0.000", a true minus sign. */
  function fixed(x, digits) {
    var scale = Math.pow(10, digits);
    return (Math.floor(x * scale + 0.5) / scale + 0.0).toFixed(digits).replace("-", MINUS);
  }

  function summaryText(m, p) {
    var fps = p.fixed_points;
    var kinds = fps.map(function (f) { return (f.slope < 1 ? "stable" : "unstable") + " at " + fixed(f.x, 3); });
    var cl = p.clipped;
    return (
      "w = " + fixed(p.wi / 100, 2) + ", b = " + fixed(p.bi / 100, 2) + ": " + fps.length + " fixed point" +
      (fps.length !== 1 ? "s" : "") + " (" + kinds.join(", ") + "); the orbit from x\u2080 = " + m.x0 +
      " ends at x\u2085\u2080 = " + fixed(p.x_T, 3) + ". Loss " + fmtE(p.loss) +
      ", gradient (\u2202L/\u2202w, \u2202L/\u2202b) = (" + fmtE(p.dw) + ", " + fmtE(p.db) + "), norm " +
      fmtE(p.norm) + ". One step with learning rate " + m.lr + ": without clipping to (" +
      fixed(p.unclipped.w, 3) + ", " + fixed(p.unclipped.b, 3) + "), loss " + fmtE(p.unclipped.loss) + "; " +
      (cl.was_clipped ? "clipped" : "not clipped") + " at " + fixed(p.ci / 100, 2) + " to (" + fixed(cl.w, 3) +
      ", " + fixed(cl.b, 3) + "), loss " + fmtE(cl.loss) + "."
    );
  }

  function rowsHtml(p) {
    var cells = [
      ["loss L(w, b)", fmtE(p.loss)],
      ["\u2202L/\u2202w", fmtE(p.dw)],
      ["\u2202L/\u2202b", fmtE(p.db)],
      ["gradient norm", fmtE(p.norm)],
      ["x\u2085\u2080", fixed(p.x_T, 3)],
      ["loss after the unclipped step", fmtE(p.unclipped.loss)],
      ["loss after the clipped step", fmtE(p.clipped.loss)],
    ];
    return cells.map(function (c) { return '<tr><th scope="row">' + c[0] + "</th><td>" + c[1] + "</td></tr>"; }).join("");
  }

  // --- drawing ------------------------------------------------------------------------------------

  function el(name, attrs, parent) {
    var node = document.createElementNS(SVG_NS, name);
    for (var k in attrs) node.setAttribute(k, attrs[k]);
    if (parent) parent.appendChild(node);
    return node;
  }
  function text(parent, x, y, s, attrs) {
    var t = el("text", Object.assign({ x: x, y: y }, attrs || {}), parent);
    t.textContent = s;
    return t;
  }
  function ticks(lo, hi) {
    var span = hi - lo, raw = span / 5, mag = Math.pow(10, Math.floor(Math.log(raw) / Math.LN10));
    var step = [1, 2, 5, 10].map(function (k) { return k * mag; }).filter(function (s) { return s >= raw; })[0];
    var out = [];
    for (var v = Math.ceil(lo / step) * step; v <= hi + 1e-9; v += step) out.push(Math.abs(v) < 1e-12 ? 0 : v);
    return out;
  }
  function label(v) {
    return String(Math.round(v * 100) / 100).replace("-", MINUS);
  }

  /** The map panel: f, the diagonal, the fixed points and the cobweb of the orbit from x_0. */
  function drawMap(box, m, p) {
    var W = 360, H = 340, L = 46, R = 10, Tp = 12, B = 40;
    var w = p.wi / 100, b = p.bi / 100;
    var vals = [m.x0, b, w + b].concat(p.orbit);
    var lo = Math.min.apply(null, vals) - 1, hi = Math.max.apply(null, vals) + 1;
    var sx = function (v) { return L + ((v - lo) / (hi - lo)) * (W - L - R); };
    var sy = function (v) { return Tp + ((hi - v) / (hi - lo)) * (H - Tp - B); };
    var svg = el("svg", { viewBox: "0 0 " + W + " " + H, width: "100%", "aria-hidden": "true", focusable: "false" });
    var axes = el("g", { class: "vg-cx-axes" }, svg);
    el("rect", { x: L, y: Tp, width: W - L - R, height: H - Tp - B, class: "vg-cx-frame" }, axes);
    ticks(lo, hi).forEach(function (v) {
      el("line", { x1: sx(v), x2: sx(v), y1: Tp, y2: H - B, class: "vg-cx-grid" }, axes);
      el("line", { x1: L, x2: W - R, y1: sy(v), y2: sy(v), class: "vg-cx-grid" }, axes);
      text(axes, sx(v), H - B + 16, label(v), { "text-anchor": "middle" });
      text(axes, L - 6, sy(v) + 4, label(v), { "text-anchor": "end" });
    });
    text(axes, (L + W - R) / 2, H - 6, "x", { "text-anchor": "middle" });
    text(axes, 12, (Tp + H - B) / 2, "f(x) = w \u03c3(x) + b", {
      "text-anchor": "middle", transform: "rotate(-90 12 " + (Tp + H - B) / 2 + ")" });
    var clip = "vg-cx-clip-map";
    var cp = el("clipPath", { id: clip }, el("defs", {}, svg));
    el("rect", { x: L, y: Tp, width: W - L - R, height: H - Tp - B }, cp);
    var g = el("g", { "clip-path": "url(#" + clip + ")" }, svg);
    el("line", { x1: sx(lo), y1: sy(lo), x2: sx(hi), y2: sy(hi), class: "vg-cx-diagonal" }, g);
    var d = "", n = 200, i;
    for (i = 0; i <= n; i++) {
      var x = lo + ((hi - lo) * i) / n;
      d += (i ? "L" : "M") + sx(x).toFixed(2) + " " + sy(w * sigmoid(x) + b).toFixed(2);
    }
    el("path", { d: d, class: "vg-cx-map" }, g);
    var xs = p.orbit, c = "M" + sx(xs[0]).toFixed(2) + " " + sy(xs[0]).toFixed(2);
    for (i = 1; i < xs.length; i++) {
      c += "L" + sx(xs[i - 1]).toFixed(2) + " " + sy(xs[i]).toFixed(2);
      c += "L" + sx(xs[i]).toFixed(2) + " " + sy(xs[i]).toFixed(2);
    }
    el("path", { d: c, class: "vg-cx-orbit" }, g);
    el("circle", { cx: sx(xs[0]), cy: sy(xs[0]), r: 4, class: "vg-cx-start" }, g);
    p.fixed_points.forEach(function (f) {
      el("circle", { cx: sx(f.x), cy: sy(f.x), r: 5.5, class: f.slope < 1 ? "vg-cx-stable" : "vg-cx-unstable" }, g);
    });
    box.replaceChildren(svg);
  }

  // A perceptually ordered ramp (viridis at five stops), for log10 L from -4 to log10(0.5).
  var RAMP = [[68, 1, 84], [59, 82, 139], [33, 145, 140], [94, 201, 98], [253, 231, 37]];
  function colour(t) {
    t = Math.min(1, Math.max(0, t)) * (RAMP.length - 1);
    var i = Math.min(RAMP.length - 2, Math.floor(t)), f = t - i;
    return RAMP[i].map(function (v, k) { return Math.round(v + f * (RAMP[i + 1][k] - v)); });
  }

  var surfaceUrl = null;
  /** The loss over the slider ranges, once: a 200 x 200 grid, drawn into a canvas. */
  function surfaceImage(m) {
    if (surfaceUrl) return surfaceUrl;
    var n = 200, canvas = document.createElement("canvas");
    canvas.width = n;
    canvas.height = n;
    var ctx = canvas.getContext("2d"), img = ctx.createImageData(n, n);
    var wl = m.w[0] / 100, wh = m.w[1] / 100, bl = m.b[0] / 100, bh = m.b[1] / 100;
    var top = Math.log(0.5) / Math.LN10;
    for (var j = 0; j < n; j++) {
      var b = bh - ((j + 0.5) / n) * (bh - bl); // row 0 at the top: the largest b
      for (var i = 0; i < n; i++) {
        var w = wl + ((i + 0.5) / n) * (wh - wl);
        var lv = Math.log(Math.max(loss(m, w, b), 1e-12)) / Math.LN10;
        var rgb = colour((lv + 4) / (top + 4)), o = 4 * (j * n + i);
        img.data[o] = rgb[0];
        img.data[o + 1] = rgb[1];
        img.data[o + 2] = rgb[2];
        img.data[o + 3] = 255;
      }
    }
    ctx.putImageData(img, 0, 0);
    surfaceUrl = canvas.toDataURL("image/png");
    return surfaceUrl;
  }

  /** The loss surface with the current point and the two steps. */
  function drawSurface(box, m, p) {
    var W = 360, H = 340, L = 46, R = 10, Tp = 12, B = 40;
    var wl = m.w[0] / 100, wh = m.w[1] / 100, bl = m.b[0] / 100, bh = m.b[1] / 100;
    var sx = function (v) { return L + ((v - wl) / (wh - wl)) * (W - L - R); };
    var sy = function (v) { return Tp + ((bh - v) / (bh - bl)) * (H - Tp - B); };
    var svg = el("svg", { viewBox: "0 0 " + W + " " + H, width: "100%", "aria-hidden": "true", focusable: "false" });
    el("image", { href: surfaceImage(m), x: L, y: Tp, width: W - L - R, height: H - Tp - B,
      preserveAspectRatio: "none" }, svg);
    var axes = el("g", { class: "vg-cx-axes" }, svg);
    el("rect", { x: L, y: Tp, width: W - L - R, height: H - Tp - B, class: "vg-cx-frame" }, axes);
    ticks(wl, wh).forEach(function (v) { text(axes, sx(v), H - B + 16, label(v), { "text-anchor": "middle" }); });
    ticks(bl, bh).forEach(function (v) { text(axes, L - 6, sy(v) + 4, label(v), { "text-anchor": "end" }); });
    text(axes, (L + W - R) / 2, H - 6, "w", { "text-anchor": "middle" });
    text(axes, 12, (Tp + H - B) / 2, "b", { "text-anchor": "middle" });
    var clip = "vg-cx-clip-surface";
    var cp = el("clipPath", { id: clip }, el("defs", {}, svg));
    el("rect", { x: L, y: Tp, width: W - L - R, height: H - Tp - B }, cp);
    var g = el("g", { "clip-path": "url(#" + clip + ")" }, svg);
    var x0 = sx(p.wi / 100), y0 = sy(p.bi / 100);
    el("line", { x1: x0, y1: y0, x2: sx(p.unclipped.w), y2: sy(p.unclipped.b), class: "vg-cx-step-raw" }, g);
    el("line", { x1: x0, y1: y0, x2: sx(p.clipped.w), y2: sy(p.clipped.b), class: "vg-cx-step-clipped" }, g);
    el("circle", { cx: sx(p.unclipped.w), cy: sy(p.unclipped.b), r: 3.5, class: "vg-cx-end-raw" }, g);
    el("circle", { cx: sx(p.clipped.w), cy: sy(p.clipped.b), r: 3.5, class: "vg-cx-end-clipped" }, g);
    el("circle", { cx: x0, cy: y0, r: 5, class: "vg-cx-current" }, g);
    box.replaceChildren(svg);
  }

  function mapLabel(p) {
    var fps = p.fixed_points;
    return (
      "The map f(x) = w sigma(x) + b against the diagonal, with " + fps.length + " fixed point" +
      (fps.length !== 1 ? "s" : "") + " (" + fps.map(function (f) {
        return (f.slope < 1 ? "stable" : "unstable") + " at " + fixed(f.x, 3);
      }).join(", ") + ") and the cobweb of the orbit from x0 = 0.5, which ends at " + fixed(p.x_T, 3) + "."
    );
  }
  function surfaceLabel(p) {
    return (
      "Heat map of the loss over w from 0 to 10 and b from " + MINUS + "6 to 4 on a log colour scale (dark: " +
      "small loss, yellow: large), with the current point (" + fixed(p.wi / 100, 2) + ", " + fixed(p.bi / 100, 2) +
      "), the unclipped step to (" + fixed(p.unclipped.w, 3) + ", " + fixed(p.unclipped.b, 3) +
      ") and the clipped step to (" + fixed(p.clipped.w, 3) + ", " + fixed(p.clipped.b, 3) + ")."
    );
  }

  function init(root) {
    var m = JSON.parse(root.querySelector("#vg-cx-model").textContent);
    var inputs = { w: root.querySelector("#vg-cx-w"), b: root.querySelector("#vg-cx-b"), c: root.querySelector("#vg-cx-c") };
    var mapBox = root.querySelector("#vg-cx-map"), surfBox = root.querySelector("#vg-cx-surface");
    var summary = root.querySelector("#vg-cx-summary"), tbody = root.querySelector("#vg-cx-table tbody");

    function settings() {
      return { w: Number(inputs.w.value), b: Number(inputs.b.value), c: Number(inputs.c.value) };
    }
    function current() {
      var s = settings();
      return compute(m, s.w, s.b, s.c);
    }
    // While a slider moves: the outputs and the drawings.
    function update() {
      var p = current();
      ["w", "b", "c"].forEach(function (k) {
        var t = fixed(settings()[k] / 100, 2);
        root.querySelector("#vg-cx-" + k + "-out").textContent = t;
        inputs[k].setAttribute("aria-valuetext", t);
      });
      drawMap(mapBox, m, p);
      drawSurface(surfBox, m, p);
      mapBox.setAttribute("aria-label", mapLabel(p));
      surfBox.setAttribute("aria-label", surfaceLabel(p));
      root.setAttribute("data-settings", p.wi + " " + p.bi + " " + p.ci);
      return p;
    }
    // Once a value is chosen: the announced sentence and the table.
    function commit() {
      var p = update();
      summary.textContent = summaryText(m, p);
      tbody.innerHTML = rowsHtml(p);
    }
    root.querySelector("form").addEventListener("submit", function (ev) { ev.preventDefault(); });
    Object.keys(inputs).forEach(function (k) {
      inputs[k].addEventListener("input", update);
      inputs[k].addEventListener("change", commit);
    });
    commit();
    root.setAttribute("data-ready", "true");

    window.vgCliffExplorable = {
      settings: settings,
      /** The numbers shown for the current settings. */
      state: function () { var p = current(); delete p.orbit; return p; },
      /** The numbers for any slider positions, without touching the controls. */
      compute: function (wi, bi, ci) { var p = compute(m, wi, bi, ci); delete p.orbit; return p; },
    };
  }

  function start() {
    var root = document.getElementById("vg-cliff-explorable");
    if (root && root.getAttribute("data-ready") !== "true") init(root);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
