/* Views of deep networks (chapter 5); the Python side is nnlib/explorers/depth.py. Both
 * explorers are precomputed (web="frames"): these views only draw. */
(function (NX) {
  "use strict";
  var BLUE = "#0072B2", VERMILION = "#D55E00", GREY = "#b0b0b0", DARK = "#444444";
  /** A tick label for a power of ten: 0.001, 0.1, 1, 1000 near 1, else 1e-8 (no superscripts: legible on a phone). */
  function powerOfTen(x) {
    var k = Math.round(Math.log10(x));
    if (k >= -4 && k <= 4) return k < 0 ? Math.pow(10, k).toFixed(-k) : String(Math.pow(10, k));
    return "1e" + k;
  }

  /** Like Python's f"{x:.1e}": 2.2e-05. */
  function sci(x) {
    if (!(x > 0)) return String(x);
    var text = x.toExponential(1), parts = text.split("e");
    var exponent = parseInt(parts[1], 10), digits = String(Math.abs(exponent));
    return parts[0] + "e" + (exponent < 0 ? "-" : "+") + (digits.length < 2 ? "0" + digits : digits);
  }

  function percent(x) {
    return Math.round(100 * x) + "%";
  }

  /** A log axis over whole decades that holds every value, at least `span` decades wide,
   * with at most about six labelled ticks. */
  function decades(values, span) {
    var lo = Infinity, hi = -Infinity;
    values.forEach(function (v) {
      if (v > 0) { lo = Math.min(lo, Math.log10(v)); hi = Math.max(hi, Math.log10(v)); }
    });
    lo = Math.floor(lo);
    hi = Math.ceil(hi);
    if (hi - lo < span) {
      var extra = span - (hi - lo);
      lo -= Math.ceil(extra / 2);
      hi += Math.floor(extra / 2);
    }
    var step = Math.max(1, Math.ceil((hi - lo) / 6));
    var ticks = [];
    for (var k = hi; k >= lo; k -= step) ticks.push(Math.pow(10, k));
    return { domain: [Math.pow(10, lo), Math.pow(10, hi)], ticks: ticks };
  }

  function note(text) {
    var p = document.createElement("p");
    p.className = "nnlib-note";
    p.textContent = text;
    return p;
  }

  function shareName(act) {
    return act === "relu" ? "dead units" : "saturated activations";
  }

  NX.register("depth-gradients", {
    render: function (ctx) {
      var Plot = ctx.Plot, f = ctx.frame, v = ctx.values, maxDepth = ctx.data.maxDepth;
      var g = Array.from(f.grad_norm), share = Array.from(f.share), depth = g.length;
      var points = g.map(function (value, k) { return { layer: k + 1, g: value }; });
      var bars = share.map(function (value, k) { return { layer: k + 1, share: value }; });
      var y = decades(g, 6);
      var meanShare = share.reduce(function (a, b) { return a + b; }, 0) / share.length;
      var spread = Array.from(f.spread);
      var text = "Layer 1 receives " + sci(g[0] / g[depth - 1]) + " times the gradient norm of layer " + depth +
        ". " + (v.act === "relu" ? "Dead units" : "Saturated activations") + " in the hidden layers: " +
        percent(meanShare) + ". The outputs of hidden layer " + (depth - 1) + " differ between samples by " +
        sci(spread[depth - 2]) + " (hidden layer 1: " + sci(spread[0]) + ").";
      var width = Math.min(ctx.width, 620);
      var x = { domain: [0.5, maxDepth + 0.5], ticks: [1, 4, 8, 12, 16], label: "layer ℓ (1 = nearest the input)",
                labelAnchor: "center", labelOffset: 34 };
      var top = NX.plot({
        width: width, height: 260, marginLeft: 56, marginRight: 12, marginBottom: 42,
        x: x,
        y: { type: "log", domain: y.domain, ticks: y.ticks, tickFormat: powerOfTen, grid: true,
             label: "‖∂L/∂W⁽ℓ⁾‖ (log scale)" },
        marks: [
          Plot.line(points, { x: "layer", y: "g", stroke: BLUE, strokeWidth: 2 }),
          Plot.dot(points, { x: "layer", y: "g", fill: BLUE, r: 3.5 }),
        ],
      });
      var bottom = NX.plot({
        width: width, height: 160, marginLeft: 56, marginRight: 12, marginBottom: 42,
        x: x,
        y: { domain: [0, 1], ticks: [0, 0.5, 1], tickFormat: percent, grid: true, label: shareName(v.act) },
        marks: [
          Plot.rectY(bars, { x1: function (d) { return d.layer - 0.35; }, x2: function (d) { return d.layer + 0.35; },
                             y: "share", fill: v.act === "relu" ? DARK : VERMILION }),
          Plot.ruleY([0]),
        ],
      });
      var spreadPoints = spread.map(function (value, k) { return { layer: k + 1, s: value }; });
      var sy = decades(spread, 3);
      var middle = NX.plot({
        width: width, height: 180, marginLeft: 56, marginRight: 12, marginBottom: 42,
        x: x,
        y: { type: "log", domain: sy.domain, ticks: sy.ticks, tickFormat: powerOfTen, grid: true,
             label: "spread across samples" },
        marks: [
          Plot.line(spreadPoints, { x: "layer", y: "s", stroke: DARK, strokeWidth: 2 }),
          Plot.dot(spreadPoints, { x: "layer", y: "s", fill: DARK, r: 3.5 }),
        ],
      });
      return [note(text),
              NX.panel("gradient norm of each layer's weights (the backward signal)", top, width),
              NX.panel("how much each hidden layer's output differs between samples (the forward signal)", middle, width),
              NX.panel(shareName(v.act) + " in each hidden layer", bottom, width)];
    },
  });

  NX.register("depth-training", {
    render: function (ctx) {
      var Plot = ctx.Plot, f = ctx.frame, v = ctx.values, d = ctx.data;
      var run = d.runs[v.run], recorded = d.epochs, R = recorded.length, depth = run.speed.shape[2];
      var epochs = recorded[R - 1], base = v.seed * R;
      var lines = [], current = [];
      for (var e = 0; e < R; e++) {
        for (var l = 0; l < depth; l++) {
          lines.push({ epoch: recorded[e], layer: l + 1, speed: run.speed[((base + e) * depth) + l] });
        }
      }
      for (var k = 0; k < depth; k++) current.push({ epoch: v.epoch, layer: k + 1, speed: f.speed[k] });
      var middle = lines.filter(function (p) { return p.layer > 1 && p.layer < depth; });
      var first = lines.filter(function (p) { return p.layer === 1; });
      var last = lines.filter(function (p) { return p.layer === depth; });
      var y = decades(lines.map(function (p) { return p.speed; }), 4);
      var width = Math.min(ctx.width, 620);
      var ends = [{ epoch: epochs, speed: first[R - 1].speed, text: "layer 1", fill: VERMILION },
                  { epoch: epochs, speed: last[R - 1].speed, text: "layer " + depth, fill: BLUE }];
      var speeds = NX.plot({
        width: width, height: 270, marginLeft: 56, marginRight: 70, marginBottom: 42,
        x: { domain: [0, epochs], label: "epoch", labelAnchor: "center", labelOffset: 34 },
        y: { type: "log", domain: y.domain, ticks: y.ticks, tickFormat: powerOfTen, grid: true,
             label: "learning speed ‖∂L/∂W⁽ℓ⁾‖" },
        marks: [
          Plot.line(middle, { x: "epoch", y: "speed", z: "layer", stroke: GREY, strokeWidth: 1 }),
          Plot.line(first, { x: "epoch", y: "speed", stroke: VERMILION, strokeWidth: 2.5 }),
          Plot.line(last, { x: "epoch", y: "speed", stroke: BLUE, strokeWidth: 2.5 }),
          Plot.ruleX([v.epoch], { stroke: DARK, strokeDasharray: "3,3" }),
          Plot.dot(current, { x: "epoch", y: "speed", r: 3, fill: function (p) {
            return p.layer === 1 ? VERMILION : p.layer === depth ? BLUE : DARK; } }),
          Plot.text(ends, { x: "epoch", y: "speed", text: "text", fill: "fill", dx: 6, textAnchor: "start",
                            fontSize: 12 }),
        ],
      });
      var bars = Array.from(f.share).map(function (value, k) { return { layer: k + 1, share: value }; });
      var shares = NX.plot({
        width: width, height: 160, marginLeft: 56, marginRight: 70, marginBottom: 42,
        x: { domain: [0.5, depth - 0.5], ticks: d3range(1, depth - 1), label: "hidden layer ℓ", labelAnchor: "center",
             labelOffset: 34 },
        y: { domain: [0, 1], ticks: [0, 0.5, 1], tickFormat: percent, grid: true, label: shareName(run.kind) },
        marks: [
          Plot.rectY(bars, { x1: function (p) { return p.layer - 0.35; }, x2: function (p) { return p.layer + 0.35; },
                             y: "share", fill: run.kind === "relu" ? DARK : VERMILION }),
          Plot.ruleY([0]),
        ],
      });
      // run.loss is (seeds, epochs): a packed typed array (flat, with .shape) or, being small, nested lists.
      var lossOf = function (e) { return run.loss.shape ? run.loss[base + e] : run.loss[v.seed][e]; };
      var losses = recorded.map(function (epoch, e) { return { epoch: epoch, loss: lossOf(e) }; });
      var ly = decades(losses.map(function (p) { return p.loss; }), 2);
      var lossPlot = NX.plot({
        width: width, height: 180, marginLeft: 56, marginRight: 70, marginBottom: 42,
        x: { domain: [0, epochs], label: "epoch", labelAnchor: "center", labelOffset: 34 },
        y: { type: "log", domain: ly.domain, ticks: ly.ticks, tickFormat: powerOfTen, grid: true,
             label: "loss (log scale)" },
        marks: [
          Plot.ruleY([Math.LN2], { stroke: DARK, strokeDasharray: "2,4" }),
          Plot.text([{ epoch: epochs, loss: Math.LN2 }], { x: "epoch", y: "loss", text: function () { return "log 2"; },
                                                          dx: 6, textAnchor: "start", fontSize: 12 }),
          Plot.line(losses, { x: "epoch", y: "loss", stroke: BLUE, strokeWidth: 2 }),
          Plot.dot([{ epoch: v.epoch, loss: f.loss }], { x: "epoch", y: "loss", r: 4.5, fill: VERMILION }),
        ],
      });
      var text = "Epoch " + v.epoch + ": layer 1 learns at " + sci(f.speed[0]) + ", layer " + depth + " at " +
        sci(f.speed[depth - 1]) + ". The top hidden layer's outputs differ between samples by " +
        sci(f.spread[depth - 2]) + ". Loss " + NX.fixed(f.loss, 3) + ", accuracy " + percent(f.accuracy) + ".";
      return [note(text),
              NX.panel("learning speed of each layer (layer 1 vermilion, layer " + depth + " blue, the others grey)",
                       speeds, width),
              NX.panel(shareName(run.kind) + " in each hidden layer, epoch " + v.epoch, shares, width),
              NX.panel("loss on the 200 training samples", lossPlot, width)];
    },
  });

  function d3range(from, to) {
    var out = [];
    for (var k = from; k <= to; k++) out.push(k);
    return out;
  }
})(globalThis.nnlibExplore);
