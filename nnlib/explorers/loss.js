/* Views of losses (chapter 3); the Python side is nnlib/explorers/loss.py. */
(function (NX) {
  "use strict";
  var BLUE = "#0072B2", ORANGE = "#E69F00", GREEN = "#009E73", VERMILION = "#D55E00";
  var CURVE_LOSSES = ["SSE", "MSE", "BCE"];
  var COLOURS = { SSE: BLUE, MSE: ORANGE, BCE: GREEN };
  var Y_TOP = { SSE: 1.05, MSE: 1.05, BCE: 1.2 }; // SSE and MSE share a scale

  // Twin of curves_of_y_hat4 in loss.py, for one prediction p and target t.
  function curvesOf(p, t) {
    var bce = -(t * Math.log(p) + (1 - t) * Math.log(1 - p)) / 4;
    return { SSE: [(p - t) * (p - t), 2 * (p - t)],
             MSE: [(p - t) * (p - t) / 4, (p - t) / 2],
             BCE: [bce, (p - t) / (p * (1 - p)) / 4] };
  }

  NX.register("loss-curves", {
    // Browser twin of loss_curves's compute().
    compute: function (values, data) {
      var p = data.p, t = values.target, frame = {};
      CURVE_LOSSES.forEach(function (name) { frame[name] = new Float64Array(p.length); });
      for (var i = 0; i < p.length; i++) {
        var c = curvesOf(p[i], t);
        CURVE_LOSSES.forEach(function (name) { frame[name][i] = c[name][0]; });
      }
      var here = curvesOf(values.y_hat4, t);
      frame.value = CURVE_LOSSES.map(function (name) { return here[name][0]; });
      frame.slope = CURVE_LOSSES.map(function (name) { return here[name][1]; });
      return frame;
    },

    render: function (ctx) {
      var Plot = ctx.Plot, f = ctx.frame, p = ctx.data.p, v = ctx.values;
      var pw = NX.panelWidth(ctx.width, 3, 220), ph = 190;
      var margins = { marginLeft: 44, marginRight: 10, marginTop: 24, marginBottom: 40 };
      var plotW = pw - margins.marginLeft - margins.marginRight, plotH = ph - margins.marginTop - margins.marginBottom;
      return CURVE_LOSSES.map(function (name, k) {
        var value = f.value[k], slope = f.slope[k], top = Y_TOP[name];
        // A tangent of about the same length on screen, however steep.
        var sx = plotW / 1, sy = plotH / top, half = 40;
        var dx = half / Math.sqrt(1 + Math.pow(slope * sy / sx, 2)) / sx;
        var plot = NX.plot(Object.assign({
          width: pw, height: ph,
          x: { domain: [0, 1], label: "prediction ŷ₄" },
          y: { domain: [0, top], label: "loss L", grid: true },
          marks: [
            Plot.lineY(f[name], { x: p, stroke: COLOURS[name], strokeWidth: 2 }),
            Plot.line([[v.y_hat4 - dx, value - slope * dx], [v.y_hat4 + dx, value + slope * dx]],
                      { stroke: "black", strokeWidth: 1.5, strokeDasharray: "5,3", clip: true }),
            Plot.dot([[v.y_hat4, value]], { r: 5, fill: COLOURS[name], stroke: "black", clip: true }),
          ],
        }, margins));
        var title = name + ": L = " + NX.fixed(value, 3) + ", ∂L/∂ŷ₄ = " + (slope < 0 ? "−" : "+") +
          NX.fixed(Math.abs(slope), 3);
        return NX.panel(title, plot, pw);
      });
    },
  });

  // ---- the loss landscape of one neuron --------------------------------------------------
  // A (rows, 2) array as a list of pairs, whether it came as nested lists (small arrays from
  // Python, and this file's compute) or as a flat typed array with a shape (large ones).
  function pairs(a) {
    if (!ArrayBuffer.isView(a)) return a;
    var out = [];
    for (var k = 0; k < a.length / 2; k++) out.push([a[2 * k], a[2 * k + 1]]);
    return out;
  }

  function softplus(z) { // log(1 + e^z) without overflow, like numpy.logaddexp(0, z)
    return z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z));
  }

  // L and dL/dw at w = (w1, w2): twin of loss_and_grad in loss.py.
  function lossAndGrad(name, w1, w2, X, y) {
    var n = y.length, value = 0, g1 = 0, g2 = 0;
    for (var k = 0; k < n; k++) {
      var x1 = X[k][0], x2 = X[k][1], z = x1 * w1 + x2 * w2, yHat = NX.sigmoid(z), dz;
      if (name === "BCE") {
        value += softplus(z) - y[k] * z;
        dz = (yHat - y[k]) / n;
      } else {
        value += (yHat - y[k]) * (yHat - y[k]);
        dz = 2 * (yHat - y[k]) * yHat * (1 - yHat) / n;
      }
      g1 += x1 * dz;
      g2 += x2 * dz;
    }
    return [value / n, [g1, g2]];
  }

  var surfaces = new WeakMap(); // data -> {loss name: surface}; a surface never changes with the weights

  function surfaceOf(name, data, X) {
    var cache = surfaces.get(data);
    if (!cache) { cache = {}; surfaces.set(data, cache); }
    if (!cache[name]) {
      var g = data.grid, m = g.length, out = new Float64Array(m * m);
      for (var i = 0; i < m; i++) for (var j = 0; j < m; j++) out[i * m + j] = lossAndGrad(name, g[j], g[i], X, data.y)[0];
      out.shape = [m, m];
      cache[name] = out;
    }
    return cache[name];
  }

  NX.register("loss-landscape", {
    // Browser twin of loss_landscape's compute().
    compute: function (values, data) {
      var X = pairs(data.X);
      var surface = surfaceOf(values.loss, data, X), g = data.grid, m = g.length, best = 0;
      for (var k = 1; k < surface.length; k++) if (surface[k] < surface[best]) best = k;
      var w1 = values.w1, w2 = values.w2, lr = data.lr;
      var here = lossAndGrad(values.loss, w1, w2, X, data.y), grad = here[1];
      var path = [[w1, w2]], pathLoss = [here[0]], step = here;
      for (var s = 0; s < 25; s++) {
        w1 = w1 - lr * step[1][0];
        w2 = w2 - lr * step[1][1];
        step = lossAndGrad(values.loss, w1, w2, X, data.y);
        path.push([w1, w2]);
        pathLoss.push(step[0]);
      }
      return { surface: surface, best: [g[best % m], g[Math.floor(best / m)]], loss: here[0], grad: grad,
               path: path, path_loss: pathLoss };
    },

    render: function (ctx) {
      var Plot = ctx.Plot, d3 = ctx.d3, f = ctx.frame, d = ctx.data, v = ctx.values;
      var g = d.grid, m = g.length, lo = g[0], hi = g[m - 1];
      var pw = NX.panelWidth(ctx.width, 2, 300), side = Math.min(pw, 380);
      // Square plot areas, so that the arrow meets the contour lines at the angle it really does.
      var frame = { marginLeft: 44, marginRight: 12, marginTop: 26, marginBottom: 40 };
      var height = side - frame.marginLeft - frame.marginRight + frame.marginTop + frame.marginBottom;
      var LEGEND_STYLE = { fontSize: "12px" };
      var low = d3.min(f.surface), high = d3.max(f.surface);
      // Contour levels closer together near the bottom of the valley, where the detail is.
      var levels = d3.range(1, 12).map(function (k) { return low + (high - low) * Math.pow(k / 12, 2); });
      var steps = pairs(f.path);
      var path = steps.map(function (w, k) { return { w1: w[0], w2: w[1], k: k }; });
      var next = steps[1];
      var left = NX.plot(Object.assign({
        width: side, height: height,
        x: { domain: [lo, hi], label: "weight w₁" },
        y: { domain: [lo, hi], label: "weight w₂" },
        color: { scheme: "viridis", domain: [low, high], legend: true, label: v.loss + " loss L", width: Math.min(side, 260),
                 style: LEGEND_STYLE },
        marks: [
          Plot.raster(f.surface, { width: m, height: m, x1: lo, x2: hi, y1: lo, y2: hi, imageRendering: "auto" }),
          Plot.contour(f.surface, { width: m, height: m, x1: lo, x2: hi, y1: lo, y2: hi, thresholds: levels,
                                    stroke: "white", strokeOpacity: 0.8, strokeWidth: 0.8, fill: null }),
          Plot.line(path, { x: "w1", y: "w2", stroke: "white", strokeWidth: 1.5, strokeDasharray: "1,3", clip: true }),
          Plot.dot(path.slice(2), { x: "w1", y: "w2", r: 1.8, fill: "white", clip: true }),
          Plot.arrow([{ x1: steps[0][0], y1: steps[0][1], x2: next[0], y2: next[1] }],
                     { x1: "x1", y1: "y1", x2: "x2", y2: "y2", stroke: VERMILION, strokeWidth: 2.5, headLength: 9, clip: true }),
          Plot.dot([f.best], { r: 8, symbol: "star", fill: ORANGE, stroke: "black" }),
          Plot.dot([steps[0]], { r: 5, fill: "white", stroke: "black", strokeWidth: 1.5 }),
        ],
      }, frame));
      var note = document.createElement("p");
      note.className = "nnlib-note";
      var last = f.path_loss.length - 1;
      note.textContent = v.loss + " at (w₁, w₂) = (" + NX.fixed(v.w1, 1) + ", " + NX.fixed(v.w2, 1) + "): L = " +
        NX.fixed(f.loss, 3) + ", ∇L = (" + NX.fixed(f.grad[0], 3) + ", " + NX.fixed(f.grad[1], 3) + "). " +
        "After one step L = " + NX.fixed(f.path_loss[1], 3) + ", after " + last + " steps L = " + NX.fixed(f.path_loss[last], 3) + ".";

      // Right: the data and the line where the neuron's output is 0.5, w1 x1 + w2 x2 = 0.
      var X = pairs(d.X), points = [];
      for (var k = 0; k < d.y.length; k++) points.push({ x1: X[k][0], x2: X[k][1], cls: d.y[k] ? "class 1" : "class 0" });
      var marks = [];
      var length = Math.hypot(v.w1, v.w2), R = 3.5;
      if (length > 0) {
        var nx = v.w1 / length, ny = v.w2 / length, tx = -ny, ty = nx, big = 10;
        // the half-plane where w1 x1 + w2 x2 > 0, that is y_hat > 0.5, as a filled polygon
        marks.push(Plot.line([[-big * tx, -big * ty], [big * tx, big * ty], [big * tx + 2 * big * nx, big * ty + 2 * big * ny],
                              [-big * tx + 2 * big * nx, -big * ty + 2 * big * ny], [-big * tx, -big * ty]],
                             { fill: ORANGE, fillOpacity: 0.15, stroke: null, clip: true }));
        marks.push(Plot.line([[-big * tx, -big * ty], [big * tx, big * ty]], { stroke: "black", strokeWidth: 2, clip: true }));
      }
      marks.push(Plot.dot(points, { x: "x1", y: "x2", r: 4.5, fill: "cls", stroke: "black", strokeWidth: 0.6,
                                    symbol: "cls" }));
      var right = NX.plot(Object.assign({
        width: side, height: height,
        x: { domain: [-R, R], label: "input x₁" },
        y: { domain: [-R, R], label: "input x₂" },
        color: { domain: ["class 0", "class 1"], range: [BLUE, ORANGE], legend: true, style: LEGEND_STYLE },
        symbol: { domain: ["class 0", "class 1"], range: ["circle", "square"] },
        marks: marks,
      }, frame));
      var rightTitle = length > 0 ? "the data; black line: ŷ = 0.5, shaded: ŷ > 0.5" : "w = 0: ŷ = 0.5 for every input";
      return [note, NX.panel(v.loss + " landscape; arrow: one step −η∇L", left, side), NX.panel(rightTitle, right, side)];
    },
  });
})(globalThis.nnlibExplore);
