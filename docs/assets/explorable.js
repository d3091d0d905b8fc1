/* The vanishing-gradients explorable: how ||dL/dh_{T-j}|| falls (or grows) with the distance j.
 *
 * Model (hooks/explorable.py computes the same numbers with vg at build time; the browser tests
 * compare the two): a vanilla RNN with H units, one input, T steps, zero bias, h_0 = 0,
 *   a_t = W_h h_{t-1} + W_x x_t,   h_t = phi(a_t),   W_h = sigma_max * Q  (Q orthogonal),
 * and a loss that reads h_T only, with dL/dh_T = (1, ..., 1) / sqrt(H). Backward recursion:
 *   dL/dh_{k-1} = W_h^T (phi'(a_k) * dL/dh_k),   phi'(a_k) written with h_k as in vg.activations.
 * Q, W_x and x come from the page (JSON written by the hook): no random numbers are drawn here.
 * The arithmetic follows vg's order of operations so that the two agree to the last few bits.
 * No libraries: the plot is an SVG drawn with the DOM.
 */
(function () {
  "use strict";

  var SVG_NS = "http://www.w3.org/2000/svg";
  var LABELS = { tanh: "tanh", sigmoid: "sigmoid", relu: "ReLU", identity: "linear (identity)" };

  // phi and phi' (from the output y = phi(a)), exactly as vg/activations.py computes them.
  var ACT = {
    tanh: { f: function (a) { return Math.tanh(a); }, g: function (y) { return 1.0 - y * y; } },
    sigmoid: {
      f: function (a) { return Math.tanh(a * 0.5) * 0.5 + 0.5; },
      g: function (y) { return y * (1.0 - y); },
    },
    relu: { f: function (a) { return a > 0 ? a : 0.0; }, g: function (y) { return y > 0 ? 1.0 : 0.0; } },
    identity: { f: function (a) { return a; }, g: function () { return 1.0; } },
  };

  /** ||dL/dh_{T-j}|| for j = 0..T (the same as the hook's `curve`). */
  function computeCurve(model, sigmaPercent, activation) {
    var H = model.H, T = model.T, Q = model.Q, Wx = model.W_x, x = model.x;
    var act = ACT[activation];
    if (!act) throw new Error("unknown activation " + activation);
    var sigma = sigmaPercent / 100;
    var W = [], i, j, t;
    for (i = 0; i < H; i++) {
      W.push(new Float64Array(H));
      for (j = 0; j < H; j++) W[i][j] = sigma * Q[i][j];
    }
    // Forward: Hs[t] holds h_{t+1}, t = 0..T-1.
    var Hs = [], h = new Float64Array(H);
    for (t = 0; t < T; t++) {
      var hNew = new Float64Array(H);
      for (i = 0; i < H; i++) {
        var rec = 0.0;
        for (j = 0; j < H; j++) rec += h[j] * W[i][j];
        hNew[i] = act.f(x[t] * Wx[i] + rec);
      }
      Hs.push(hNew);
      h = hNew;
    }
    // Backward from the unit vector dL/dh_T.
    var d = new Float64Array(H).fill(1.0 / Math.sqrt(H));
    var out = [norm(d)];
    var da = new Float64Array(H);
    for (t = T - 1; t >= 0; t--) {
      for (i = 0; i < H; i++) da[i] = d[i] * act.g(Hs[t][i]);
      var dPrev = new Float64Array(H);
      for (j = 0; j < H; j++) {
        var s = 0.0;
        for (i = 0; i < H; i++) s += da[i] * W[i][j];
        dPrev[j] = s;
      }
      d = dPrev;
      out.push(norm(d));
    }
    return out;
  }

  function norm(v) {
    var s = 0.0;
    for (var i = 0; i < v.length; i++) s += v[i] * v[i];
    return Math.sqrt(s);
  }

  function fmt(x) {
    return x.toExponential(2);
  }

  function summaryText(model, sigmaPercent, activation, distance, g) {
    var bound = Math.pow(model.gamma[activation] * (sigmaPercent / 100), distance);
    return (
      LABELS[activation] + ", \u03c3max = " + (sigmaPercent / 100).toFixed(2) + ": at distance " + distance +
      " the gradient norm \u2016\u2202L/\u2202h(T\u2212" + distance + ")\u2016 is " + fmt(g[distance]) +
      "; the bound (\u03b3\u00b7\u03c3max)^" + distance + " is " + fmt(bound) + "."
    );
  }

  function el(name, attrs, parent) {
    var node = document.createElementNS(SVG_NS, name);
    for (var k in attrs) node.setAttribute(k, attrs[k]);
    if (parent) parent.appendChild(node);
    return node;
  }

  function log10(v) {
    return Math.log(v) / Math.LN10;
  }

  /** Draw measured and bound curves for j = 0..distance on a log scale into `box`. */
  function draw(box, model, sigmaPercent, activation, distance, g) {
    var W = 640, Hh = 350, L = 72, R = 16, Tp = 36, B = 52;
    var gamma = model.gamma[activation], sigma = sigmaPercent / 100;
    var bound = [], j;
    for (j = 0; j <= distance; j++) bound.push(Math.pow(gamma * sigma, j));
    var lo = Infinity, hi = -Infinity;
    [g.slice(0, distance + 1), bound].forEach(function (arr) {
      arr.forEach(function (v) {
        if (v > 0 && isFinite(v)) {
          lo = Math.min(lo, v);
          hi = Math.max(hi, v);
        }
      });
    });
    var yLo = Math.floor(log10(lo)), yHi = Math.ceil(log10(hi));
    if (yHi - yLo < 2) {
      yLo -= 1;
      yHi += 1;
    }
    var sx = function (v) { return L + (v / distance) * (W - L - R); };
    // Zeros (a dead ReLU network) are drawn on the bottom edge.
    var sy = function (v) {
      var lv = v > 0 ? log10(v) : yLo;
      return Tp + ((yHi - Math.max(lv, yLo)) / (yHi - yLo)) * (Hh - Tp - B);
    };

    var svg = el("svg", { viewBox: "0 0 " + W + " " + Hh, width: "100%", "aria-hidden": "true", focusable: "false" });
    var axes = el("g", { class: "vg-ex-axes" }, svg);
    el("rect", { x: L, y: Tp, width: W - L - R, height: Hh - Tp - B, class: "vg-ex-frame" }, axes);
    var ystep = Math.max(1, Math.ceil((yHi - yLo) / 7));
    for (var e = yHi; e >= yLo; e -= ystep) {
      var y = sy(Math.pow(10, e));
      el("line", { x1: L, x2: W - R, y1: y, y2: y, class: "vg-ex-grid" }, axes);
      var ty = el("text", { x: L - 8, y: y + 4, "text-anchor": "end" }, axes);
      ty.textContent = "1e" + e;
    }
    var xstep = distance <= 10 ? 1 : distance <= 25 ? 5 : distance <= 60 ? 10 : 20;
    for (var xv = 0; xv <= distance; xv += xstep) {
      var xx = sx(xv);
      el("line", { x1: xx, x2: xx, y1: Hh - B, y2: Hh - B + 5, class: "vg-ex-tick" }, axes);
      var tx = el("text", { x: xx, y: Hh - B + 20, "text-anchor": "middle" }, axes);
      tx.textContent = String(xv);
    }
    var xl = el("text", { x: (L + W - R) / 2, y: Hh - 8, "text-anchor": "middle" }, axes);
    xl.textContent = "distance j = T \u2212 k (steps back from the loss)";
    var yl = el("text", { x: 14, y: (Tp + Hh - B) / 2, "text-anchor": "middle",
      transform: "rotate(-90 14 " + (Tp + Hh - B) / 2 + ")" }, axes);
    yl.textContent = "\u2016\u2202L/\u2202h(T\u2212j)\u2016, log scale";

    function path(values, cls) {
      var dpath = "";
      for (var k = 0; k < values.length; k++) dpath += (k ? "L" : "M") + sx(k).toFixed(2) + " " + sy(values[k]).toFixed(2);
      return el("path", { d: dpath, class: cls }, svg);
    }
    path(bound, "vg-ex-bound");
    path(g.slice(0, distance + 1), "vg-ex-curve");
    el("circle", { cx: sx(distance), cy: sy(g[distance]), r: 4.5, class: "vg-ex-marker" }, svg);

    // Legend above the plot area, so that it never hides a curve.
    var leg = el("g", { class: "vg-ex-legend", transform: "translate(" + L + ",14)" }, svg);
    el("line", { x1: 0, x2: 28, y1: 0, y2: 0, class: "vg-ex-curve" }, leg);
    el("text", { x: 36, y: 4 }, leg).textContent = "measured gradient norm";
    el("line", { x1: 230, x2: 258, y1: 0, y2: 0, class: "vg-ex-bound" }, leg);
    el("text", { x: 266, y: 4 }, leg).textContent = "bound (\u03b3\u00b7\u03c3max)^j";

    box.replaceChildren(svg);
  }

  function init(root) {
    var model = JSON.parse(root.querySelector("#vg-ex-model").textContent);
    var sigmaIn = root.querySelector("#vg-ex-sigma");
    var distIn = root.querySelector("#vg-ex-distance");
    var sigmaOut = root.querySelector("#vg-ex-sigma-out");
    var distOut = root.querySelector("#vg-ex-distance-out");
    var plot = root.querySelector("#vg-ex-plot");
    var summary = root.querySelector("#vg-ex-summary");
    var tbody = root.querySelector("#vg-ex-table tbody");
    var cache = {};

    function settings() {
      var checked = root.querySelector('input[name="vg-ex-activation"]:checked');
      return { sigma: Number(sigmaIn.value), activation: checked.value, distance: Number(distIn.value) };
    }
    function curveFor(s) {
      var key = s.activation + ":" + s.sigma;
      if (!cache[key]) cache[key] = computeCurve(model, s.sigma, s.activation);
      return cache[key];
    }
    // Immediate feedback while a slider moves: outputs and plot.
    function update() {
      var s = settings(), g = curveFor(s);
      sigmaOut.textContent = (s.sigma / 100).toFixed(2);
      sigmaIn.setAttribute("aria-valuetext", (s.sigma / 100).toFixed(2));
      distOut.textContent = String(s.distance);
      draw(plot, model, s.sigma, s.activation, s.distance, g);
      var text = summaryText(model, s.sigma, s.activation, s.distance, g);
      plot.setAttribute("aria-label", "Plot of the gradient norm against distance on a log scale. " + text);
      root.setAttribute("data-settings", s.activation + " " + s.sigma + " " + s.distance);
      return text;
    }
    // The announced text and the table change once a value is chosen (not at every drag step).
    function commit() {
      var s = settings(), g = curveFor(s);
      summary.textContent = update();
      var rows = "";
      for (var j = 0; j <= model.T; j += 10) rows += "<tr><td>" + j + "</td><td>" + fmt(g[j]) + "</td></tr>";
      tbody.innerHTML = rows;
    }
    root.querySelector("form").addEventListener("submit", function (ev) { ev.preventDefault(); });
    [sigmaIn, distIn].forEach(function (inp) {
      inp.addEventListener("input", update);
      inp.addEventListener("change", commit);
    });
    root.querySelectorAll('input[name="vg-ex-activation"]').forEach(function (r) {
      r.addEventListener("change", commit);
    });
    commit();
    root.setAttribute("data-ready", "true");

    window.vgExplorable = {
      /** The curve the plot shows: ||dL/dh_{T-j}|| for j = 0..distance. */
      values: function () { var s = settings(); return curveFor(s).slice(0, s.distance + 1); },
      /** The whole curve j = 0..T for the current settings. */
      curve: function () { return curveFor(settings()).slice(); },
      settings: settings,
      /** The curve for any setting, without touching the controls. */
      compute: function (sigmaPercent, activation) { return computeCurve(model, sigmaPercent, activation); },
    };
  }

  function start() {
    var root = document.getElementById("vg-explorable");
    if (root && root.getAttribute("data-ready") !== "true") init(root);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
