/* View of L1 and L2 penalties at several strengths (chapter 8); the Python side is
 * nnlib/explorers/regularisation.py. Frames are precomputed (web="frames"). */
(function (NX) {
  "use strict";
  var BLUE = "#0072B2", ORANGE = "#E69F00", PURPLE = "#CC79A7";
  var COLOURS = { L2: "#0072B2", L1: "#D55E00" };

  function label(strength) {
    return strength === 0 ? "0" : String(strength);
  }

  // Mean and error bar of one curve per penalty, at every strength, for a Plot point scale.
  function curvePoints(d, field) {
    var points = [];
    ["L2", "L1"].forEach(function (name) {
      var curve = d.curves[name + "_" + field];
      d.strengths.forEach(function (s, k) {
        points.push({ penalty: name, strength: label(s), mean: curve.mean[k],
                      low: curve.mean[k] - curve.error[k], high: curve.mean[k] + curve.error[k] });
      });
    });
    return points;
  }

  function curvePlot(ctx, field, yLabel, yDomain, width) {
    var Plot = ctx.Plot, d = ctx.data, v = ctx.values;
    var points = curvePoints(d, field);
    var current = points.filter(function (p) { return p.penalty === v.penalty && p.strength === label(v.strength); });
    var marks = [Plot.line(points, { x: "strength", y: "mean", z: "penalty", stroke: "penalty", strokeWidth: 1.5, clip: true })];
    ["L2", "L1"].forEach(function (name, k) {
      var dx = k === 0 ? -4 : 4; // error bars of the two penalties side by side
      var mine = points.filter(function (p) { return p.penalty === name; });
      marks.push(Plot.ruleX(mine, { x: "strength", y1: "low", y2: "high", stroke: "penalty", strokeWidth: 2, dx: dx, clip: true }));
      marks.push(Plot.dot(mine, { x: "strength", y: "mean", fill: "penalty", r: 3, dx: dx, clip: true }));
      if (name === v.penalty) {
        marks.push(Plot.dot(current, { x: "strength", y: "mean", r: 9, stroke: "black", strokeWidth: 1.5, dx: dx, clip: true }));
      }
    });
    // Means above the axis (L1 at its strongest) are named at the top edge instead of squeezing the rest.
    var above = points.filter(function (p) { return p.mean > yDomain[1]; });
    marks.push(Plot.text(above, { x: "strength", y: yDomain[1], text: function (p) { return NX.fixed(p.mean, 2) + " ↑"; },
                                  fill: "penalty", dy: 8, textAnchor: "start", dx: 6, fontSize: 12 }));
    return NX.plot({
      width: width, height: 230, marginLeft: 50, marginBottom: 42, marginRight: 44,
      x: { type: "point", domain: d.strengths.map(label), label: "strength λ", padding: 0.4 },
      y: { domain: yDomain, label: yLabel, grid: true },
      color: { domain: ["L2", "L1"], range: [COLOURS.L2, COLOURS.L1], legend: true },
      marks: marks,
    });
  }

  NX.register("penalty-strength", {
    render: function (ctx) {
      var Plot = ctx.Plot, f = ctx.frame, d = ctx.data, v = ctx.values;
      var pw = NX.panelWidth(ctx.width, 2, 300);
      var n = d.grid, e = d.extent;
      var points = [];
      for (var i = 0; i < d.labels.length; i++) {
        // Small arrays arrive as nested lists, large ones as flat typed arrays with a shape.
        var x = d.X.shape ? [d.X[2 * i], d.X[2 * i + 1]] : d.X[i];
        points.push({ x: x[0], y: x[1], label: d.labels[i] ? "class 1" : "class 0" });
      }
      var regions = NX.plot({
        width: pw, height: pw, marginLeft: 44, marginBottom: 42,
        x: { domain: [-e, e], label: "feature x₁ (standardised)" },
        y: { domain: [-e, e], label: "feature x₂ (standardised)" },
        color: { type: "categorical", domain: ["class 0", "class 1"], range: [BLUE, ORANGE], legend: true },
        marks: [
          Plot.raster(f.boundary, { width: n, height: n, x1: -e, x2: e, y1: -e, y2: e, imageRendering: "auto",
                                    fill: function (value) { return value ? "class 1" : "class 0"; }, fillOpacity: 0.3 }),
          Plot.dot(points, { x: "x", y: "y", fill: "label", stroke: "black", strokeWidth: 0.6, r: 4.5,
                             symbol: function (p) { return p.label === "class 1" ? "square" : "circle"; } }),
        ],
      });

      var bins = [];
      for (var k = 0; k < d.edges.length - 1; k++) bins.push({ x1: d.edges[k], x2: d.edges[k + 1], count: f.counts[k] });
      var histogram = NX.plot({
        width: pw, height: pw, marginLeft: 50, marginBottom: 42,
        x: { domain: [d.edges[0], d.edges[d.edges.length - 1]], label: "log₁₀ |w| (below −8: first bar)" },
        y: { domain: [0, 1.05 * d.top], label: "number of weights", grid: true },
        marks: [
          Plot.rectY(bins, { x1: "x1", x2: "x2", y: "count", fill: PURPLE, fillOpacity: 0.85 }),
          Plot.ruleX([Math.log10(d.zero)], { stroke: "black", strokeDasharray: "4,3" }),
          Plot.text(["|w| = 10⁻³"], { x: Math.log10(d.zero), frameAnchor: "top", dx: -4, dy: 4, textAnchor: "end", fontSize: 12 }),
        ],
      });
      var errors = curvePlot(ctx, "test_error", "test error", [0, 0.3], pw);
      var sparsity = curvePlot(ctx, "sparsity", "share of weights |w| < 10⁻³", [0, 1], pw);

      var note = document.createElement("p");
      note.className = "nnlib-note";
      note.textContent = v.penalty + ", λ = " + label(v.strength) + " (seed 0): training error " + NX.fixed(f.train_error, 2) +
        ", test error " + NX.fixed(f.test_error, 3) + ", " + Math.round(100 * f.sparsity) + "% of the weights below 10⁻³.";
      return [note, NX.panel("Decision regions, one run", regions, pw), NX.panel("Weights, one run", histogram, pw),
              NX.panel("Test error, mean ± standard error over " + d.seeds + " seeds", errors, pw),
              NX.panel("Near-zero weights, mean ± standard error", sparsity, pw)];
    },
  });
})(globalThis.nnlibExplore);
