/* View of weight initialisation in a deep stack (chapter 8); the Python side is
 * nnlib/explorers/initialisation.py. Frames are precomputed (web="frames"). */
(function (NX) {
  "use strict";
  var BLUE = "#0072B2", VERMILION = "#D55E00";
  var NAMES = { tanh: "tanh", sigmoid: "sigmoid", relu: "ReLU" };
  var SUPERSCRIPT = { "-": "⁻", "0": "⁰", "1": "¹", "2": "²", "3": "³", "4": "⁴", "5": "⁵", "6": "⁶", "7": "⁷", "8": "⁸", "9": "⁹" };

  function superscript(n) {
    return String(n).split("").map(function (c) { return SUPERSCRIPT[c]; }).join("");
  }

  /** Tick label of a power of ten: 10⁻⁸, or 1. */
  function power(d) {
    var exponent = Math.round(Math.log10(d));
    return exponent === 0 ? "1" : "10" + superscript(exponent);
  }

  /** 2.0 × 10⁻⁶ */
  function scientific(x) {
    var exponent = Math.floor(Math.log10(x)), mantissa = x / Math.pow(10, exponent);
    if (mantissa >= 9.95) { mantissa /= 10; exponent += 1; }
    return exponent === 0 ? NX.fixed(mantissa, 1) : NX.fixed(mantissa, 1) + " × 10" + superscript(exponent);
  }

  NX.register("init-histograms", {
    render: function (ctx) {
      var Plot = ctx.Plot, f = ctx.frame, d = ctx.data, v = ctx.values;
      var depth = d.depth, edges = d.edges[v.act];
      var layers = [];
      for (var l = 1; l <= depth; l++) layers.push(-l);
      var yAxis = { domain: [-depth - 0.6, -0.35], ticks: layers, tickFormat: function (y) { return "layer " + (-y); }, label: null };

      var bars = [];
      for (var i = 0; i < depth; i++) {
        for (var j = 0; j < edges.length - 1; j++) {
          var c = f.counts[i * (edges.length - 1) + j];
          if (c > 0) bars.push({ x1: edges[j], x2: edges[j + 1], y1: -(i + 1) - 0.4, y2: -(i + 1) - 0.4 + 0.85 * c });
        }
      }
      var silent = f.spread.every(function (s) { return s === 0; });
      var pw = NX.panelWidth(ctx.width, 2, 300);
      var left = NX.plot({
        width: pw, height: 340, marginLeft: 58, marginRight: 12,
        x: { domain: [edges[0], edges[edges.length - 1]], label: "activation value a" },
        y: yAxis,
        marks: [
          Plot.ruleY(layers.map(function (y) { return y - 0.4; }), { stroke: "#d0d0d0" }),
          Plot.rect(bars, { x1: "x1", x2: "x2", y1: "y1", y2: "y2", fill: BLUE, fillOpacity: 0.8 }),
        ].concat(silent ? [Plot.text(["every activation is " + NX.fixed(f.act_mean, 2) + ", for every input"],
                                      { frameAnchor: "middle", fontSize: 12, fill: "black" })] : []),
      });

      var points = [];
      for (var k = 0; k < depth; k++) {
        if (f.spread[k] > 0) points.push({ layer: -(k + 1), value: f.spread[k], what: "activations a (forward)" });
      }
      for (k = 0; k < depth; k++) {
        if (f.grad_spread[k] > 0) points.push({ layer: -(k + 1), value: f.grad_spread[k], what: "gradients ∂L/∂z (backward)" });
      }
      var right = NX.plot({
        width: pw, height: 340, marginLeft: 58, marginRight: 16,
        x: { type: "log", domain: [1e-17, 10], ticks: [1e-16, 1e-12, 1e-8, 1e-4, 1], tickFormat: power,
             label: "spread over the batch (std)", grid: true },
        y: yAxis,
        color: { domain: ["activations a (forward)", "gradients ∂L/∂z (backward)"], range: [BLUE, VERMILION], legend: true },
        marks: [
          Plot.line(points, { x: "value", y: "layer", z: "what", stroke: "what", strokeWidth: 1.5 }),
          Plot.dot(points, { x: "value", y: "layer", stroke: "what", fill: "what", r: 3.5,
                             symbol: function (p) { return p.what[0] === "a" ? "circle" : "square"; } }),
        ].concat(points.length === 0 ? [Plot.text(["all zero: off this log scale"], { frameAnchor: "middle", fontSize: 12 })] : []),
      });

      var note = document.createElement("p");
      note.className = "nnlib-note";
      var last = depth - 1;
      var ratio = f.grad_spread[last] > 0 ? f.grad_spread[0] / f.grad_spread[last] : null;
      var shareText = v.act === "relu" ? "exact zeros" : "saturated units";
      note.textContent = silent
        ? "Zeros: every activation is " + NX.fixed(f.act_mean, 2) + ", the same for every input, and no gradient passes a layer."
        : "Layer " + depth + ": mean a = " + NX.fixed(f.act_mean, 2) + ", " + shareText + " " +
          Math.round(100 * f.share[last]) + "%.  Gradient size at layer 1 ÷ at layer " + depth + ": " +
          (ratio === null ? "—" : scientific(ratio)) + ".";
      var title = NAMES[v.act] + (v.act === "relu" ? ": activations (zeros left out)" : ": activations per layer");
      return [note, NX.panel(title, left, pw), NX.panel("Spread of the signal per layer", right, pw)];
    },
  });
})(globalThis.nnlibExplore);
