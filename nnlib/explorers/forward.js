/* Views of the forward pass (chapter 2); the Python side is nnlib/explorers/forward.py. */
(function (NX) {
  "use strict";
  var BLUE = "#0072B2", ORANGE = "#E69F00", GREEN = "#009E73", GREY = "#9a9a9a";
  var ACTIVATIONS = {
    sigmoid: NX.sigmoid,
    tanh: Math.tanh,
    relu: function (z) { return z > 0 ? z : 0; },
  };
  var NAMES = { sigmoid: "sigmoid", tanh: "tanh", relu: "ReLU" };

  /** Blue (0) through white (0.5) to red (1), the colours of chapter 1's neuron plane. */
  function activationColour(label) {
    return { type: "linear", domain: [0, 1], label: label,
             interpolate: function (t) { return globalThis.d3.interpolateRdBu(1 - t); } };
  }

  /** Bars with their values written just beyond their ends (above if positive, below if not). */
  function labelledBars(Plot, rows, options) {
    var up = rows.filter(function (d) { return d.value >= 0; });
    var down = rows.filter(function (d) { return d.value < 0; });
    var channels = Object.assign({ x: "key", y: "value" }, options);
    var text = function (d) { return NX.fixed(d.value, 2); };
    return [
      Plot.barY(rows, Object.assign({}, channels, { fill: options.fill || "kind" })),
      Plot.text(up, Object.assign({}, channels, { text: text, dy: -8, fontSize: 11, fill: "currentColor" })),
      Plot.text(down, Object.assign({}, channels, { text: text, dy: 8, fontSize: 11, fill: "currentColor" })),
      Plot.ruleY([0], { stroke: "currentColor" }),
    ];
  }

  /** A legend in HTML above the panels: a coloured square before each label. */
  function swatches(items) {
    var box = document.createElement("p");
    box.className = "nnlib-note";
    items.forEach(function (item) {
      var swatch = document.createElement("span");
      swatch.style.cssText = "display:inline-block;width:0.8em;height:0.8em;margin:0 0.35em 0 0;vertical-align:-0.05em;background:" + item[0];
      var label = document.createElement("span");
      label.style.marginRight = "1.2em";
      label.textContent = item[1];
      box.appendChild(swatch);
      box.appendChild(label);
    });
    return box;
  }

  /** A colour ramp for activations from 0 to 1, as a row of its own above the panels. */
  function rampLegend(Plot, label, width) {
    var box = document.createElement("div");
    box.style.flexBasis = "100%";
    box.appendChild(Plot.legend({ color: activationColour(label), width: width, marginLeft: 14, marginRight: 16,
                                  style: { fontSize: NX.FONT_PX + "px", overflow: "visible" } }));
    return box;
  }

  NX.register("forward-sample", {
    // Browser twin of forward_sample's compute(): one sample (x1, x2, 1) through the network.
    compute: function (values, data) {
      var act = ACTIVATIONS[values.act], W1 = data.W1, b1 = data.b1, W2 = data.W2, b2 = data.b2;
      var x = [values.x1, values.x2, 1.0], z1 = [], a1 = [];
      for (var j = 0; j < 4; j++) {
        var s = 0;
        for (var i = 0; i < 3; i++) s += x[i] * W1[i][j];
        z1.push(s + b1[j]);
        a1.push(act(z1[j]));
      }
      var z2 = 0;
      for (var k = 0; k < 4; k++) z2 += a1[k] * W2[k][0];
      z2 += b2[0];
      return { x: x, z1: z1, a1: a1, z2: z2, y_hat: NX.sigmoid(z2) };
    },

    render: function (ctx) {
      var Plot = ctx.Plot, f = ctx.frame, d = ctx.data, v = ctx.values;
      var wide = ctx.width >= 620;
      var side = wide ? Math.floor((ctx.width - 24) * 0.23) : ctx.width;
      var middle = wide ? ctx.width - 24 - 2 * side : ctx.width;
      var kinds = { domain: ["pre-activation z", "activation a"], range: [BLUE, ORANGE] };

      var inputs = ["x₁", "x₂", "x₃"].map(function (key, i) { return { key: key, value: f.x[i], kind: "input" }; });
      var inputPlot = NX.plot({
        width: side, height: wide ? 210 : 170, marginLeft: 40, marginTop: 24,
        x: { domain: ["x₁", "x₂", "x₃"], label: null, padding: 0.3 },
        y: { domain: [-0.1, 1.25], label: "value", grid: true },
        marks: labelledBars(Plot, inputs, { fill: GREEN }),
      });

      var hidden = [];
      for (var j = 0; j < 4; j++) {
        hidden.push({ unit: "unit " + (j + 1), key: "z", kind: "pre-activation z", value: f.z1[j] });
        hidden.push({ unit: "unit " + (j + 1), key: "a", kind: "activation a", value: f.a1[j] });
      }
      var hiddenPlot = NX.plot({
        width: middle, height: wide ? 240 : 220, marginLeft: 40, marginTop: 40,
        fx: { label: null, padding: 0.12 },
        x: { domain: ["z", "a"], label: null, padding: 0.1 },
        y: { domain: d.hidden_range, label: "value", grid: true },
        color: kinds,
        marks: labelledBars(Plot, hidden, { fx: "unit" }),
      });

      var outputs = [{ key: "z⁽²⁾", kind: "pre-activation z", value: f.z2 },
                     { key: "ŷ", kind: "activation a", value: f.y_hat }];
      var outputPlot = NX.plot({
        width: side, height: wide ? 210 : 190, marginLeft: 40, marginTop: 24,
        x: { domain: ["z⁽²⁾", "ŷ"], label: null, padding: 0.3 },
        y: { domain: d.output_range, label: "value", grid: true },
        color: kinds,
        marks: labelledBars(Plot, outputs, {}),
      });
      return [
        swatches([[BLUE, "pre-activation z"], [ORANGE, "activation a = φ(z) (output: ŷ = σ(z⁽²⁾))"]]),
        NX.panel("input x: shape (1, 3)", inputPlot, side),
        NX.panel("hidden layer, φ = " + NAMES[v.act] + ": shape (1, 4)", hiddenPlot, middle),
        NX.panel("output: shape (1, 1)", outputPlot, side),
      ];
    },
  });

  /** The line w1 x1 + w2 x2 + b = 0 across the square [lo, hi]^2, as two points (or none). */
  function switchingLine(w1, w2, b, lo, hi) {
    if (w1 === 0 && w2 === 0) return [];
    if (Math.abs(w2) >= Math.abs(w1)) return [[lo - 1, -(b + w1 * (lo - 1)) / w2], [hi + 1, -(b + w1 * (hi + 1)) / w2]];
    return [[-(b + w2 * (lo - 1)) / w1, lo - 1], [-(b + w2 * (hi + 1)) / w1, hi + 1]];
  }

  NX.register("tiny-network", {
    // Browser twin of tiny_network's compute(): the 2-2-1 network on every pixel of the plane.
    compute: function (values, data) {
      var g = data.grid, n = g.length, W1 = data.W1, b1 = data.b1, u1 = data.W2[0][0], b2 = data.b2[0];
      var w11 = values.w11, w21 = values.w21, bias1 = values.bias1, v2 = values.v2;
      function out(x1, x2) {
        var h1 = NX.sigmoid(x1 * w11 + x2 * w21 + bias1);
        var h2 = NX.sigmoid(x1 * W1[0][1] + x2 * W1[1][1] + b1[1]);
        return [h1, NX.sigmoid(h1 * u1 + h2 * v2 + b2)];
      }
      var a1 = new Float64Array(n * n), y = new Float64Array(n * n);
      for (var i = 0; i < n; i++) {
        for (var j = 0; j < n; j++) {
          var o = out(g[j], g[i]);
          a1[i * n + j] = o[0];
          y[i * n + j] = o[1];
        }
      }
      a1.shape = [n, n];
      y.shape = [n, n];
      var corners = data.corners.map(function (c) { return out(c[0], c[1])[1]; });
      return { a1: a1, y_hat: y, corners: corners };
    },

    render: function (ctx) {
      var Plot = ctx.Plot, f = ctx.frame, d = ctx.data, v = ctx.values;
      var n = d.grid.length, lo = d.low, hi = d.high;
      var pw = NX.panelWidth(ctx.width, 3, 165);
      var points = d.corners.map(function (c, k) { return { x: c[0], y: c[1], target: d.targets[k], out: f.corners[k] }; });
      function panel(values, line, withLabels) {
        var marks = [Plot.raster(values, { width: n, height: n, x1: lo, x2: hi, y1: lo, y2: hi, imageRendering: "auto" })];
        if (line.length) marks.push(Plot.line(line, { stroke: "black", strokeWidth: 1.5, clip: true }));
        marks.push(Plot.dot(points, { x: "x", y: "y", r: 6, symbol: function (p) { return p.target ? "square" : "circle"; },
                                      fill: function (p) { return p.target ? "black" : "white"; }, stroke: "black", strokeWidth: 1.5 }));
        if (withLabels) {
          marks.push(Plot.text(points, { x: "x", y: function (p) { return p.y + 0.24; }, text: function (p) { return NX.fixed(p.out, 2); },
                                         fontSize: 12, fill: "black", stroke: "white", strokeWidth: 3 }));
        }
        return NX.plot({
          width: pw, height: pw, marginLeft: 40, marginBottom: 40, marginRight: 8,
          x: { domain: [lo, hi], label: "input x₁", ticks: [0, 1], tickFormat: "d" },
          y: { domain: [lo, hi], label: "input x₂", ticks: [0, 1], tickFormat: "d" },
          color: activationColour("activation"),
          marks: marks,
        });
      }
      var line1 = switchingLine(v.w11, v.w21, v.bias1, lo, hi);
      var line2 = switchingLine(d.W1[0][1], d.W1[1][1], d.b1[1], lo, hi);
      return [
        rampLegend(Plot, "activation (blue 0, white 0.5, red 1)", Math.min(ctx.width, 300)),
        NX.panel("unit 1: a⁽¹⁾₁", panel(f.a1, line1, false), pw),
        NX.panel("unit 2: a⁽¹⁾₂ (fixed)", panel(d.a2, line2, false), pw),
        NX.panel("output ŷ at each point", panel(f.y_hat, [], true), pw),
      ];
    },
  });
})(globalThis.nnlibExplore);
