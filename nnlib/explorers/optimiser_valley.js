/* The five optimisers of chapter 11 in chapter 6's valley; the Python side is
 * nnlib/explorers/optimiser_valley.py. Computed in the page (web="browser"). */
(function (NX) {
  "use strict";
  // One colour per optimiser, the same as in the chapter's static figures (Okabe-Ito).
  var COLOURS = { SGD: "#56B4E9", momentum: "#E69F00", Nesterov: "#D55E00", RMSProp: "#009E73", Adam: "#0072B2" };
  var GREY = "#9a9a9a";
  var EPS = 1e-8; // nnlib's default epsilon of RMSProp and Adam
  var SUPERSCRIPTS = { "-": "⁻", "0": "⁰", "1": "¹", "2": "²", "3": "³", "4": "⁴", "5": "⁵", "6": "⁶", "7": "⁷",
                       "8": "⁸", "9": "⁹" };

  function powerOfTen(v) {
    var k = Math.round(Math.log10(v));
    if (Math.abs(Math.log10(v) - k) > 1e-9) return "";
    if (k === 0) return "1";
    if (k === 1) return "10";
    return "10" + String(k).split("").map(function (c) { return SUPERSCRIPTS[c]; }).join("");
  }

  /** 0.000123 -> "1.2 × 10⁻⁴"; ordinary sizes in plain decimals. */
  function number(v) {
    if (v === 0) return "0";
    var k = Math.floor(Math.log10(Math.abs(v)));
    if (k >= -2 && k < 3) return String(Number(v.toPrecision(2)));
    return NX.fixed(v / Math.pow(10, k), 1) + " × " + powerOfTen(Math.pow(10, k));
  }

  /**
   * One optimiser's walk, operation for operation the update of nnlib.optim (SGD with plain or
   * Nesterov momentum, RMSProp, Adam) on the gradient (a1 theta_1, a2 theta_2).
   */
  function walk(name, lr, mu, beta2, data) {
    var a = [data.a1, data.a2], theta = [data.start[0], data.start[1]];
    var steps = data.steps, path = new Float64Array(2 * (steps + 1));
    var v = [0, 0], m = [0, 0], s = [0, 0];
    var nesterov = name === "Nesterov" && mu !== 0;
    var heavy = name === "momentum" && mu !== 0;
    path[0] = theta[0];
    path[1] = theta[1];
    for (var t = 1; t <= steps; t++) {
      for (var i = 0; i < 2; i++) {
        var g = a[i] * theta[i];
        if (name === "RMSProp") {
          s[i] *= beta2;
          s[i] += (1 - beta2) * g * g;
          theta[i] -= lr * g / (Math.sqrt(s[i]) + EPS);
        } else if (name === "Adam") {
          m[i] *= mu;
          m[i] += (1 - mu) * g;
          s[i] *= beta2;
          s[i] += (1 - beta2) * g * g;
          var mHat = m[i] / (1 - Math.pow(mu, t)), vHat = s[i] / (1 - Math.pow(beta2, t));
          theta[i] -= lr * mHat / (Math.sqrt(vHat) + EPS);
        } else {
          if (heavy || nesterov) {
            v[i] *= mu;
            v[i] += g;
            g = nesterov ? g + mu * v[i] : v[i];
          }
          theta[i] -= lr * g;
        }
        path[2 * t + i] = theta[i];
      }
    }
    return path;
  }

  function lossAlong(path, data) {
    var n = path.length / 2, loss = new Float64Array(n);
    for (var s = 0; s < n; s++) {
      var t1 = path[2 * s], t2 = path[2 * s + 1];
      loss[s] = 0.5 * (data.a1 * (t1 * t1) + data.a2 * (t2 * t2));
    }
    return loss;
  }

  NX.register("optimiser-valley", {
    // Browser twin of optimiser_valley's compute(), caps included.
    compute: function (values, data) {
      var n = data.names.length, rows = data.steps + 1;
      var paths = new Float64Array(n * rows * 2), losses = new Float64Array(n * rows);
      data.names.forEach(function (name, k) {
        var path = walk(name, values.lr, values.momentum, values.beta2, data);
        var loss = lossAlong(path, data);
        for (var i = 0; i < path.length; i++) path[i] = Math.min(Math.max(path[i], -data.path_cap), data.path_cap);
        for (var t = 0; t < loss.length; t++) loss[t] = Math.min(loss[t], data.loss_cap);
        paths.set(path, k * rows * 2);
        losses.set(loss, k * rows);
      });
      paths.shape = [n, rows, 2];
      losses.shape = [n, rows];
      return { paths: paths, losses: losses };
    },

    render: function (ctx) {
      var Plot = ctx.Plot, f = ctx.frame, d = ctx.data, val = ctx.values;
      var names = d.names, rows = d.steps + 1, chosen = names.indexOf(val.optimiser);
      var lr = val.lr, mu = val.momentum, a2 = d.a2;
      var finals = names.map(function (name, k) { return f.losses[k * rows + rows - 1]; });
      var start = f.losses[0];

      // What the numbers say: the loss each optimiser reached, and the limits theory gives.
      var note = document.createElement("p");
      note.className = "nnlib-note";
      var parts = names.map(function (name, k) {
        return name + " " + (finals[k] >= d.loss_cap ? "off the scale" : number(finals[k]) + (finals[k] > start ? " (above the start)" : ""));
      });
      var limits = [["SGD", 2 / a2], ["momentum", 2 * (1 + mu) / a2], ["Nesterov", 2 * (1 + mu) / ((1 + 2 * mu) * a2)]];
      note.textContent = "Loss after " + d.steps + " steps (it starts at " + number(start) + "): " + parts.join(", ")
        + ". Largest stable η in the steep direction: " + limits.map(function (l) {
          return l[0] + " " + NX.fixed(l[1], 3) + (lr >= l[1] ? " (exceeded)" : "");
        }).join(", ") + ". RMSProp and Adam have no limit of this kind: their steps do not grow with the gradient.";

      var pw = Math.min(ctx.width, 620);
      var contours = [];
      [0.02, 0.05, 0.15, 0.4, 1, 2.5, 6, 12].forEach(function (level) {
        for (var k = 0; k <= 96; k++) {
          var angle = 2 * Math.PI * k / 96;
          contours.push({ x: Math.sqrt(2 * level / d.a1) * Math.cos(angle), y: Math.sqrt(2 * level / a2) * Math.sin(angle),
                          level: level });
        }
      });
      var points = [];
      for (var s = 0; s < rows; s++) {
        var at = (chosen * rows + s) * 2;
        points.push({ x: f.paths[at], y: f.paths[at + 1] });
      }
      var reach = Math.abs(d.start[0]) * 1.15, height = Math.max(170, Math.round(pw * 0.42));
      var colour = COLOURS[val.optimiser];
      var valley = NX.plot({
        width: pw, height: height, marginLeft: 44, marginBottom: 40,
        x: { domain: [-reach, reach], label: "θ₁ (shallow, κ₁ = " + d.a1 + ")" },
        y: { domain: [-1.5, 1.5], label: "θ₂ (steep, κ₂ = " + a2 + ")" },
        marks: [
          Plot.line(contours, { x: "x", y: "y", z: "level", stroke: GREY, strokeWidth: 0.8, clip: true }),
          Plot.line(points, { x: "x", y: "y", stroke: colour, strokeWidth: 1.4, marker: "dot", clip: true }),
          Plot.dot([{ x: d.start[0], y: d.start[1] }], { x: "x", y: "y", symbol: "square", r: 5, fill: "currentColor" }),
          Plot.dot([{ x: 0, y: 0 }], { x: "x", y: "y", symbol: "star", r: 7, fill: "currentColor" }),
        ],
      });

      // Every optimiser's loss on one log axis; values beyond it are drawn at its edge.
      var bottom = 1e-12, top = 1e4, curves = [];
      names.forEach(function (name, k) {
        for (var t = 0; t < rows; t++) {
          curves.push({ optimiser: name, step: t, loss: Math.min(Math.max(f.losses[k * rows + t], bottom), top) });
        }
      });
      var mine = curves.filter(function (c) { return c.optimiser === val.optimiser; });
      var curve = NX.plot({
        width: pw, height: 250, marginLeft: 50,
        x: { domain: [0, d.steps], label: "step t" },
        y: { type: "log", domain: [bottom, top], label: "loss L(θ)", grid: true, tickFormat: powerOfTen,
             ticks: [1e-12, 1e-9, 1e-6, 1e-3, 1, 1e3] },
        color: { domain: names, range: names.map(function (name) { return COLOURS[name]; }), legend: true },
        marks: [
          Plot.line(curves, { x: "step", y: "loss", z: "optimiser", stroke: "optimiser", strokeWidth: 1.4 }),
          Plot.line(mine, { x: "step", y: "loss", stroke: "optimiser", strokeWidth: 4 }),
        ],
      });
      return [note, NX.panel("the path of " + val.optimiser + ", η = " + NX.fixed(lr, 2) + ", μ = " + NX.fixed(mu, 2)
                             + ", β₂ = " + val.beta2, valley, pw),
              NX.panel("the loss along each path (thick: " + val.optimiser + "; drawn between 10⁻¹² and 10⁴)", curve, pw)];
    },
  });
})(globalThis.nnlibExplore);
