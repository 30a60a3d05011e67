/* Views of a single neuron (chapter 1); the Python side is nnlib/explorers/neuron.py. */
(function (NX) {
  "use strict";
  var BLUE = "#0072B2", VERMILION = "#D55E00", GREY = "#9a9a9a";
  var ACTIVATIONS = {
    sigmoid: NX.sigmoid,
    tanh: Math.tanh,
    relu: function (z) { return z > 0 ? z : 0; },
  };
  var MATH = { sigmoid: "σ", tanh: "tanh", relu: "ReLU" };

  // The weight arrow starts on the decision line, inside the view, as far from the corners
  // as it can (the same search as neuron_plane's in Python, operation for operation).
  function placeArrow(normal, length, b, data) {
    var lo = data.low, hi = data.high, c = (lo + hi) / 2;
    var offset = (c * (normal[0] * length) + c * (normal[1] * length) + b) / length;
    var nearest = [c - offset * normal[0], c - offset * normal[1]];
    var reach = 0.35 * Math.sqrt(length), best = -1, bestScore = -Infinity, feet = [], tips = [];
    for (var k = 0; k < 41; k++) {
      var s = k === 40 ? 4 : k * (8 / 40) + -4; // numpy.linspace(-4, 4, 41), bit for bit
      var foot = [nearest[0] + s * -normal[1], nearest[1] + s * normal[0]];
      var tip = [foot[0] + reach * normal[0], foot[1] + reach * normal[1]];
      var ends = [foot[0], foot[1], tip[0], tip[1]];
      var inside = ends.every(function (e) { return e > lo + 0.2 && e < hi - 0.2; });
      var gapFoot = Infinity, gapTip = Infinity;
      data.corners.forEach(function (p) {
        gapFoot = Math.min(gapFoot, Math.sqrt((foot[0] - p[0]) ** 2 + (foot[1] - p[1]) ** 2));
        gapTip = Math.min(gapTip, Math.sqrt((tip[0] - p[0]) ** 2 + (tip[1] - p[1]) ** 2));
      });
      var score = inside ? Math.min(gapFoot, gapTip) : -Math.abs(s);
      feet.push(foot);
      tips.push(tip);
      if (score > bestScore) { bestScore = score; best = k; }
    }
    return [feet[best], tips[best]];
  }

  function signed(x) {
    return (x < 0 ? "− " : "+ ") + NX.fixed(Math.abs(x), 1);
  }

  NX.register("neuron-line", {
    // Browser twin of neuron_line's compute().
    compute: function (values, data) {
      var w = values.w, b = values.b, x = data.x;
      var z = new Float64Array(x.length), a = new Float64Array(x.length);
      for (var i = 0; i < x.length; i++) {
        z[i] = w * x[i] + b;
        a[i] = NX.sigmoid(z[i]);
      }
      return { z: z, a: a, midpoint: w !== 0 ? -b / w : null, slope: w / 4, flat: NX.sigmoid(b) };
    },

    render: function (ctx) {
      var Plot = ctx.Plot, f = ctx.frame, x = ctx.data.x;
      var note = document.createElement("p");
      note.className = "nnlib-note";
      note.textContent = f.midpoint === null
        ? "w = 0: the output is σ(b) = " + NX.fixed(f.flat, 2) + " for every x"
        : "midpoint x = −b/w = " + NX.fixed(f.midpoint, 2) + ",  slope of the S there w/4 = " + NX.fixed(f.slope, 2);
      var pw = NX.panelWidth(ctx.width, 2, 270);
      var mid = f.midpoint === null ? [] : [f.midpoint];
      var left = NX.plot({
        width: pw, height: 240, marginLeft: 44, marginRight: 14, marginBottom: 40,  // room for the x label below the ticks
        x: { domain: [-4, 4], label: "input x" },
        y: { domain: [-8, 8], label: "pre-activation z", grid: true },
        marks: [
          Plot.ruleY([0], { stroke: GREY }),
          Plot.lineY(f.z, { x: x, stroke: BLUE, strokeWidth: 2, clip: true }),
          Plot.ruleX(mid, { stroke: VERMILION, strokeDasharray: "2,3", strokeWidth: 1.5 }),
        ],
      });
      var right = NX.plot({
        width: pw, height: 240, marginLeft: 44, marginRight: 14, marginBottom: 40,  // room for the x label below the ticks
        x: { domain: [-4, 4], label: "input x" },
        y: { domain: [-0.05, 1.05], label: "activation a = σ(z)", grid: true },
        color: { domain: ["reference σ(x)", "σ(wx + b)", "midpoint x = −b/w"], range: [GREY, BLUE, VERMILION],
                 legend: true },
        marks: [
          Plot.ruleY([0.5], { stroke: GREY, strokeDasharray: "4,3" }),
          Plot.lineY(ctx.data.reference, { x: x, stroke: function () { return "reference σ(x)"; }, strokeWidth: 1.2 }),
          Plot.lineY(f.a, { x: x, stroke: function () { return "σ(wx + b)"; }, strokeWidth: 2 }),
          Plot.ruleX(mid, { stroke: function () { return "midpoint x = −b/w"; }, strokeDasharray: "2,3", strokeWidth: 1.5 }),
        ],
      });
      return [note, NX.panel("weighted sum z = wx + b", left, pw), NX.panel("activation a = σ(wx + b)", right, pw)];
    },
  });

  NX.register("neuron-plane", {
    // Browser twin of neuron_plane's compute().
    compute: function (values, data) {
      var act = ACTIVATIONS[values.act], w1 = values.w1, w2 = values.w2, b = values.b;
      var g = data.grid, n = g.length, a = new Float64Array(n * n);
      for (var i = 0; i < n; i++) for (var j = 0; j < n; j++) a[i * n + j] = act(w1 * g[j] + w2 * g[i] + b);
      a.shape = [n, n];
      var corners = data.corners.map(function (c) { return act(c[0] * w1 + c[1] * w2 + b); });
      var length = Math.hypot(w1, w2);
      var result = { a: a, corners: corners, length: length, foot: null, tip: null, normal: null };
      if (length > 0) {
        var normal = [w1 / length, w2 / length];
        var arrow = placeArrow(normal, length, b, data);
        result.foot = arrow[0];
        result.tip = arrow[1];
        result.normal = normal;
      }
      return result;
    },

    render: function (ctx) {
      var Plot = ctx.Plot, d3 = ctx.d3, f = ctx.frame, d = ctx.data, v = ctx.values;
      var n = d.grid.length, lo = d.low, hi = d.high;
      var color;
      if (v.act === "relu") {
        var top = Math.max(1, d3.max(f.a));
        color = { type: "linear", domain: [0, top], interpolate: function (t) { return d3.interpolateRdBu(0.5 - 0.5 * t); } };
      } else {
        var range = v.act === "sigmoid" ? [0, 1] : [-1, 1];
        color = { type: "linear", domain: range, interpolate: function (t) { return d3.interpolateRdBu(1 - t); } };
      }
      color.legend = true;
      color.label = "neuron output a";
      color.width = 260;
      color.marginLeft = 14;   // room for the first tick label, "0.0" or "−1.0"
      color.marginRight = 16;
      var marks = [
        Plot.raster(f.a, { width: n, height: n, x1: lo, x2: hi, y1: lo, y2: hi, imageRendering: "auto" }),
      ];
      if (f.foot) {
        var t = [-f.normal[1], f.normal[0]], L = 10;
        marks.push(Plot.line([[f.foot[0] - L * t[0], f.foot[1] - L * t[1]], [f.foot[0] + L * t[0], f.foot[1] + L * t[1]]],
                             { stroke: "black", strokeWidth: 2, clip: true }));
        var tip = f.tip;
        marks.push(Plot.arrow([{ x1: f.foot[0], y1: f.foot[1], x2: tip[0], y2: tip[1] }],
                              { x1: "x1", y1: "y1", x2: "x2", y2: "y2", stroke: "black", strokeWidth: 2, headLength: 10 }));
        marks.push(Plot.text([tip], { x: function (p) { return p[0] + 0.1 * f.normal[0]; }, y: function (p) { return p[1] + 0.1 * f.normal[1]; },
                                      text: function () { return "(w₁, w₂)"; }, fontSize: 12,
                                      textAnchor: f.normal[0] >= 0 ? "start" : "end", fill: "black", stroke: "white", strokeWidth: 3 }));
      }
      var points = d.corners.map(function (c, k) { return { x: c[0], y: c[1], target: d.targets[k], out: f.corners[k] }; });
      marks.push(Plot.dot(points, { x: "x", y: "y", r: 7, symbol: function (p) { return p.target ? "square" : "circle"; },
                                    fill: function (p) { return p.target ? "black" : "white"; }, stroke: "black", strokeWidth: 1.5 }));
      marks.push(Plot.text(points, { x: function (p) { return p.x + 0.12; }, y: function (p) { return p.y - 0.27; },
                                     text: function (p) { return NX.fixed(p.out, 2); }, textAnchor: "start", fontSize: 12,
                                     fill: "black", stroke: "white", strokeWidth: 3 }));
      var side = Math.min(ctx.width, 470);
      var plot = NX.plot({
        width: side, height: side - 20, marginLeft: 44, marginBottom: 40,
        x: { domain: [lo, hi], label: "input x₁" },
        y: { domain: [lo, hi], label: "input x₂" },
        aspectRatio: 1,
        color: color,
        marks: marks,
      });
      var title = "a = " + MATH[v.act] + "(" + NX.fixed(v.w1, 1) + " x₁ " + signed(v.w2) + " x₂ " + signed(v.b) + ")";
      return NX.panel(title, plot, side);
    },
  });
})(globalThis.nnlibExplore);
