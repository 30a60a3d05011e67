/* View of input scaling as a stretched bowl (chapter 8); the Python side is
 * nnlib/explorers/input_scaling.py. compute() below is its browser twin, operation for operation. */
(function (NX) {
  "use strict";
  var BLUE = "#0072B2", VERMILION = "#D55E00", GREEN = "#009E73", ORANGE = "#E69F00";
  var TRUE_WEIGHTS = [1.5, 1.0];

  function sum(n, term) {
    var total = 0;
    for (var i = 0; i < n; i++) total += term(i);
    return total;
  }

  // x1 = s (z1 + m), x2 = rho z1 + sqrt(1 - rho^2) z2 + m, y = 1.5 (z1 + m) + 1.0 x2 + noise
  function rawFeatures(Z, noise, s, m, rho) {
    var n = noise.length, x1 = new Float64Array(n), x2 = new Float64Array(n), y = new Float64Array(n);
    var mix = Math.sqrt(1 - rho * rho);
    for (var i = 0; i < n; i++) {
      var c1 = Z[2 * i] + m;
      var c2 = rho * Z[2 * i] + mix * Z[2 * i + 1] + m;
      y[i] = TRUE_WEIGHTS[0] * c1 + TRUE_WEIGHTS[1] * c2 + noise[i];
      x1[i] = s * c1;
      x2[i] = c2;
    }
    return { x: [x1, x2], y: y };
  }

  function inverseSquareRoot(c11, c12, c22) {
    var rootDet = Math.sqrt(c11 * c22 - c12 * c12);
    var t = Math.sqrt(c11 + c22 + 2 * rootDet);
    var s11 = (c11 + rootDet) / t, s12 = c12 / t, s22 = (c22 + rootDet) / t;
    var detS = s11 * s22 - s12 * s12;
    return [s22 / detS, -s12 / detS, s11 / detS];
  }

  function preprocess(x, how) {
    var n = x[0].length, out = [new Float64Array(n), new Float64Array(n)];
    if (how === "raw") return x;
    if (how === "whiten") {
      var mean = x.map(function (col) { return sum(n, function (i) { return col[i]; }) / n; });
      var c = x.map(function (col, j) { return col.map(function (v) { return v - mean[j]; }); });
      var r = inverseSquareRoot(sum(n, function (i) { return c[0][i] * c[0][i]; }) / n,
                                sum(n, function (i) { return c[0][i] * c[1][i]; }) / n,
                                sum(n, function (i) { return c[1][i] * c[1][i]; }) / n);
      for (var i = 0; i < n; i++) {
        out[0][i] = c[0][i] * r[0] + c[1][i] * r[1];
        out[1][i] = c[0][i] * r[1] + c[1][i] * r[2];
      }
      return out;
    }
    for (var j = 0; j < 2; j++) {
      var col = x[j], k;
      if (how === "minmax") {
        var low = Infinity, high = -Infinity;
        for (k = 0; k < n; k++) { low = Math.min(low, col[k]); high = Math.max(high, col[k]); }
        var span = high > low ? high - low : 1;
        for (k = 0; k < n; k++) out[j][k] = (col[k] - low) / span;
      } else { // standardise, like nnlib.data.standardize (population standard deviation)
        var mu = sum(n, function (i) { return col[i]; }) / n;
        var sd = Math.sqrt(sum(n, function (i) { return (col[i] - mu) * (col[i] - mu); }) / n);
        var safe = sd > 0 ? sd : 1;
        for (k = 0; k < n; k++) out[j][k] = (col[k] - mu) / safe;
      }
    }
    return out;
  }

  // Plain gradient descent and Adam, written like nnlib.optim.SGD and nnlib.optim.Adam.
  function walk(kind, lr, a, b, start, steps) {
    var w = [start[0], start[1]], path = new Float64Array(2 * (steps + 1));
    var m = [0, 0], v = [0, 0], beta1 = 0.9, beta2 = 0.999, eps = 1e-8;
    path[0] = w[0];
    path[1] = w[1];
    for (var t = 1; t <= steps; t++) {
      var g = [a[0] * w[0] + a[1] * w[1] - b[0], a[1] * w[0] + a[2] * w[1] - b[1]];
      for (var k = 0; k < 2; k++) {
        if (kind === "gd") {
          w[k] -= lr * g[k];
        } else {
          m[k] *= beta1;
          m[k] += (1 - beta1) * g[k];
          v[k] *= beta2;
          v[k] += (1 - beta2) * g[k] * g[k];
          var mHat = m[k] / (1 - Math.pow(beta1, t)), vHat = v[k] / (1 - Math.pow(beta2, t));
          w[k] -= lr * mHat / (Math.sqrt(vHat) + eps);
        }
      }
      path[2 * t] = w[0];
      path[2 * t + 1] = w[1];
    }
    path.shape = [steps + 1, 2];
    return path;
  }

  function distances(path, best, reach) {
    var n = path.length / 2, out = new Float64Array(n);
    for (var t = 0; t < n; t++) {
      var d0 = path[2 * t] - best[0], d1 = path[2 * t + 1] - best[1];
      out[t] = Math.sqrt(d0 * d0 + d1 * d1) / reach;
    }
    return out;
  }

  function firstBelow(distance) {
    for (var t = 0; t < distance.length; t++) if (distance[t] <= 1e-3) return t;
    return null;
  }

  function compute(values, data) {
    var raw = rawFeatures(data.Z, data.noise, values.s, values.m, values.rho);
    var u = preprocess(raw.x, values.inputs), y = raw.y, n = y.length;
    var a11 = 2 / n * sum(n, function (i) { return u[0][i] * u[0][i]; });
    var a12 = 2 / n * sum(n, function (i) { return u[0][i] * u[1][i]; });
    var a22 = 2 / n * sum(n, function (i) { return u[1][i] * u[1][i]; });
    var b = [2 / n * sum(n, function (i) { return u[0][i] * y[i]; }), 2 / n * sum(n, function (i) { return u[1][i] * y[i]; })];
    var halfTrace = (a11 + a22) / 2;
    var radius = Math.sqrt(Math.pow((a11 - a22) / 2, 2) + a12 * a12);
    var big = halfTrace + radius, det = a11 * a22 - a12 * a12, small = det / big;
    var best = [(a22 * b[0] - a12 * b[1]) / det, (a11 * b[1] - a12 * b[0]) / det];
    var eta = 2 / (big + small);
    var a = [a11, a12, a22], start = data.start, steps = data.steps;
    var pathGd = walk("gd", eta, a, b, start, steps), pathAdam = walk("adam", data.adamLr, a, b, start, steps);
    var d = [start[0] - best[0], start[1] - best[1]];
    var excess = (a11 * d[0] * d[0] + 2 * a12 * d[0] * d[1] + a22 * d[1] * d[1]) / 2;
    // The contour (w - w*)^T H (w - w*) = 2 E is w* + sqrt(2 E) H^(-1/2) (cos t, sin t).
    var r = inverseSquareRoot(a11, a12, a22);
    var angles = NX.linspace(0, 2 * Math.PI, 121), ellipses = new Float64Array(data.levels.length * 121 * 2);
    data.levels.forEach(function (level, k) {
      var radiusT = Math.sqrt(2 * excess * level);
      for (var i = 0; i < 121; i++) {
        var cosT = radiusT * Math.cos(angles[i]), sinT = radiusT * Math.sin(angles[i]);
        ellipses[(k * 121 + i) * 2] = best[0] + r[0] * cosT + r[1] * sinT;
        ellipses[(k * 121 + i) * 2 + 1] = best[1] + r[1] * cosT + r[2] * sinT;
      }
    });
    ellipses.shape = [data.levels.length, 121, 2];
    var reach = Math.sqrt(d[0] * d[0] + d[1] * d[1]);
    var distGd = distances(pathGd, best, reach), distAdam = distances(pathAdam, best, reach);
    var same = 0;
    for (var i = 0; i < n; i++) if (u[0][i] * u[1][i] > 0) same += 1;
    return { curvatures: [big, small], cond: big / small, eta: eta, w_best: best, ellipses: ellipses,
             path_gd: pathGd, path_adam: pathAdam, dist_gd: distGd, dist_adam: distAdam,
             steps_gd: firstBelow(distGd), steps_adam: firstBelow(distAdam), same_sign: same / n };
  }

  function pairs(flat) {
    var out = [];
    for (var i = 0; i < flat.length; i += 2) out.push([flat[i], flat[i + 1]]);
    return out;
  }

  function short(x) {
    if (x === 0) return "0";
    if (x >= 1e4 || x < 1e-3) return x.toExponential(1).replace("e+", "e");
    return x >= 100 ? NX.fixed(x, 0) : x >= 1 ? NX.fixed(x, 2) : x.toPrecision(2);
  }

  NX.register("input-scaling-bowl", {
    compute: compute,

    render: function (ctx) {
      var Plot = ctx.Plot, f = ctx.frame, d = ctx.data, v = ctx.values;
      var showAdam = d.showAdam, start = d.start, best = f.w_best;
      var gd = pairs(f.path_gd), adam = pairs(f.path_adam);
      // A square window around the start, the minimum and the paths (the valley may be far longer).
      var shown = [start, best].concat(gd, showAdam ? adam : []);
      var xs = shown.map(function (p) { return p[0]; }), ys = shown.map(function (p) { return p[1]; });
      var x0 = Math.min.apply(null, xs), x1 = Math.max.apply(null, xs), y0 = Math.min.apply(null, ys), y1 = Math.max.apply(null, ys);
      var half = 0.55 * Math.max(x1 - x0, y1 - y0) + 0.2, cx = (x0 + x1) / 2, cy = (y0 + y1) / 2;
      var xDomain = [cx - half, cx + half], yDomain = [cy - half, cy + half];

      var marks = [];
      var per = 121;
      for (var k = 0; k < d.levels.length; k++) {
        var ring = [];
        for (var i = 0; i < per; i++) ring.push([f.ellipses[(k * per + i) * 2], f.ellipses[(k * per + i) * 2 + 1]]);
        marks.push(Plot.line(ring, { stroke: "#8aa9c7", strokeWidth: 1, clip: true }));
      }
      var series = ["gradient descent"];
      var colours = [VERMILION];
      marks.push(Plot.line(gd, { stroke: function () { return "gradient descent"; }, strokeWidth: 1.2, clip: true }));
      marks.push(Plot.dot(gd, { fill: function () { return "gradient descent"; }, r: 2, clip: true }));
      if (showAdam) {
        series.push("Adam");
        colours.push(GREEN);
        marks.push(Plot.line(adam, { stroke: function () { return "Adam"; }, strokeWidth: 1.2, clip: true }));
        marks.push(Plot.dot(adam, { fill: function () { return "Adam"; }, r: 2, symbol: "diamond", clip: true }));
      }
      marks.push(Plot.dot([start], { symbol: "square", fill: "black", r: 5 }));
      marks.push(Plot.dot([best], { symbol: "star", fill: ORANGE, stroke: "black", strokeWidth: 0.8, r: 8 }));

      var side = Math.min(NX.panelWidth(ctx.width, 2, 300), 380);
      var contour = NX.plot({
        width: side, height: side, marginLeft: 50, marginBottom: 42,
        x: { domain: xDomain, label: "weight w₁" },
        y: { domain: yDomain, label: "weight w₂" },
        color: { domain: series, range: colours, legend: true },
        marks: marks,
      });

      var steps = [];
      for (var t = 0; t < f.dist_gd.length; t++) {
        steps.push({ t: t, value: Math.max(f.dist_gd[t], 1e-7), what: "gradient descent" });
        if (showAdam) steps.push({ t: t, value: Math.max(f.dist_adam[t], 1e-7), what: "Adam" });
      }
      var pw = NX.panelWidth(ctx.width, 2, 300);
      var progress = NX.plot({
        width: pw, height: side, marginLeft: 54, marginBottom: 42,
        x: { domain: [0, d.steps], label: "step t" },
        y: { type: "log", domain: [1e-7, 2], label: "distance to the minimum (relative)", grid: true,
             ticks: [1e-6, 1e-4, 1e-2, 1], tickFormat: function (y) { return y === 1 ? "1" : "10" + { "-6": "⁻⁶", "-4": "⁻⁴", "-2": "⁻²" }[String(Math.round(Math.log10(y)))]; } },
        color: { domain: series, range: colours },
        marks: [
          Plot.ruleY([1e-3], { stroke: "#9a9a9a", strokeDasharray: "4,3" }),
          Plot.text(["1000× closer"], { x: d.steps, y: 1e-3, dy: -8, textAnchor: "end", fill: "#6a6a6a", fontSize: 12 }),
          Plot.line(steps, { x: "t", y: "value", z: "what", stroke: "what", strokeWidth: 1.8 }),
        ],
      });

      var note = document.createElement("p");
      note.className = "nnlib-note";
      var text = "condition number " + short(f.cond) + " (best η = " + short(f.eta) + ");  distance left after " +
        d.steps + " steps: gradient descent " + short(f.dist_gd[d.steps]);
      if (showAdam) text += ", Adam " + short(f.dist_adam[d.steps]);
      text += ";  samples whose two inputs share a sign: " + Math.round(100 * f.same_sign) + "%";
      note.textContent = text;
      return [note, NX.panel("Loss contours in the (w₁, w₂) plane", contour, side), NX.panel("Progress", progress, pw)];
    },
  });
})(globalThis.nnlibExplore);
