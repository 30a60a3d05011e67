/* Views of activation functions (chapter 7); the Python side is nnlib/explorers/activations.py. */
(function (NX) {
  "use strict";
  var BLUE = "#0072B2", ORANGE = "#E69F00", GREEN = "#009E73", VERMILION = "#D55E00", GREY = "#9a9a9a";
  var SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

  // The activations of nnlib.activations, written as nnlib computes them (see its _forward methods).
  var ACTIVATIONS = {
    identity: function (z) { return z; },
    sigmoid: NX.sigmoid,
    tanh: Math.tanh,
    relu: function (z) { return Math.max(z, 0); },
    leaky_relu: function (z) { return z > 0 ? z : 0.01 * z; },
    elu: function (z) { return z > 0 ? z : 1.0 * Math.expm1(Math.min(z, 0)); },
    softplus: function (z) { return logaddexp0(z, function (v) { return v; }); },
    gelu: function (z) {
      var c = Math.min(Math.max(z, -10), 10);
      return 0.5 * z * (1 + Math.tanh(SQRT_2_OVER_PI * (c + 0.044715 * c * c * c)));
    },
  };
  var LABELS = { identity: "identity", sigmoid: "sigmoid", tanh: "tanh", relu: "ReLU", leaky_relu: "Leaky ReLU",
                 elu: "ELU", softplus: "softplus", gelu: "GELU" };
  var BENDS = { relu: true, leaky_relu: true };

  /** numpy.logaddexp(0, z), step for step, with every result rounded by `r` (float32 or float64). */
  function logaddexp0(z, r) {
    if (z === 0) return r(0 + Math.LN2);
    var tmp = r(0 - z);
    if (tmp > 0) return r(0 + r(Math.log1p(r(Math.exp(-tmp)))));
    return r(z + r(Math.log1p(r(Math.exp(tmp)))));
  }

  var SUPERSCRIPTS = { "-": "⁻", "0": "⁰", "1": "¹", "2": "²", "3": "³", "4": "⁴", "5": "⁵", "6": "⁶", "7": "⁷",
                       "8": "⁸", "9": "⁹" };
  function powerOfTen(v) {
    var k = Math.round(Math.log10(v));
    if (Math.abs(Math.log10(v) - k) > 1e-9) return "";
    if (k === 0) return "1";
    if (k === 1) return "10";
    return "10" + String(k).split("").map(function (c) { return SUPERSCRIPTS[c]; }).join("");
  }

  // ---- the network trained with each activation ------------------------------------------
  NX.register("zoo-training", {
    // Browser twin of activation_training's compute().
    compute: function (values, data) {
      var a = data.names.indexOf(values.act), s = data.seeds.indexOf(values.seed), e = data.snapshots.indexOf(values.epoch);
      var shape = data.weights.shape, size = shape[3], H = (size - 1) / 3;
      var base = ((a * shape[1] + s) * shape[2] + e) * size, w = data.weights;
      var act = ACTIVATIONS[values.act], x = data.x, P = x.length;
      var units = new Float64Array(P * H), y_hat = new Float64Array(P), off = 0, kinks = [];
      for (var j = 0; j < H; j++) {
        var w1 = w[base + j], b1 = w[base + H + j], w2 = w[base + 2 * H + j], alwaysOff = true;
        for (var i = 0; i < P; i++) {
          var z = x[i] * w1 + b1;
          if (z > 0) alwaysOff = false;
          units[i * H + j] = act(z) * w2;
        }
        if (alwaysOff) off += 1;
        if (w1 !== 0 && -2 < -b1 / w1 && -b1 / w1 < 2) kinks.push(-b1 / w1);
      }
      for (var p = 0; p < P; p++) {
        var sum = 0;
        for (var k = 0; k < H; k++) sum += units[p * H + k];
        y_hat[p] = sum + w[base + 3 * H];
      }
      units.shape = [P, H];
      var curves = data.curves;
      return { y_hat: y_hat, units: units, off: off, kinks: kinks,
               loss: curves[(a * curves.shape[1] + s) * curves.shape[2] + values.epoch] };
    },

    render: function (ctx) {
      var Plot = ctx.Plot, f = ctx.frame, d = ctx.data, v = ctx.values;
      var x = d.x, P = x.length, H = f.units.shape ? f.units.shape[1] : f.units[0].length;
      var unit = function (i, j) { return f.units.shape ? f.units[i * H + j] : f.units[i][j]; };
      var bends = BENDS[v.act];
      var note = document.createElement("p");
      note.className = "nnlib-note";
      var a = d.names.indexOf(v.act);
      // Only for the ReLU family does z <= 0 everywhere mean a unit that is off (output and slope 0 or nearly).
      var offText = { relu: " units are dead (zero over the whole range)",
                      leaky_relu: " units only leak (negative pre-activation over the whole range)" }[v.act] || null;
      note.textContent = LABELS[v.act] + ", learning rate " + d.rates[a] + ", epoch " + v.epoch + ": loss on all the data "
        + NX.fixed(f.loss, 4) + (bends ? "; the fit is a broken line with " + f.kinks.length + " corners in [−2, 2]" : "")
        + (offText ? "; " + f.off + " of " + H + offText : "") + ".";

      var pw = NX.panelWidth(ctx.width, 2, 280);
      var fit = [], pointsData = [];
      for (var i = 0; i < P; i++) fit.push({ x: x[i], y: f.y_hat[i], t: d.true[i] });
      for (var n = 0; n < d.X.length; n++) pointsData.push({ x: d.X[n], y: d.y[n] });
      var marks = [
        Plot.dot(pointsData, { x: "x", y: "y", r: 1.8, fill: "#56B4E9", fillOpacity: 0.6 }),
        Plot.line(fit, { x: "x", y: "t", stroke: "currentColor", strokeDasharray: "4,3", strokeWidth: 1 }),
        Plot.line(fit, { x: "x", y: "y", stroke: VERMILION, strokeWidth: 2.2, clip: true }),
      ];
      if (bends) marks.push(Plot.ruleX(f.kinks, { x: function (k) { return k; }, y1: -2.4, y2: -2.05, stroke: VERMILION, strokeWidth: 1.5 }));
      var fitPlot = NX.plot({
        width: pw, height: 240, marginLeft: 40,
        x: { domain: [-2, 2], label: "input x" },
        y: { domain: [-2.4, 2.2], label: "y and ŷ", grid: true },
        marks: marks,
      });

      var lines = [];
      for (var j = 0; j < H; j++) for (var q = 0; q < P; q++) lines.push({ x: x[q], y: unit(q, j), unit: j });
      var unitPlot = NX.plot({
        width: pw, height: 240, marginLeft: 40,
        x: { domain: [-2, 2], label: "input x" },
        y: { domain: [-2.5, 2.5], label: "contribution of unit j", grid: true },
        marks: [Plot.ruleY([0], { stroke: GREY }),
                Plot.line(lines, { x: "x", y: "y", z: "unit", stroke: BLUE, strokeWidth: 1, strokeOpacity: 0.75, clip: true })],
      });

      var curves = d.curves, S = curves.shape[1], E = curves.shape[2], others = [], chosen = [];
      for (var b = 0; b < curves.shape[0]; b++) {
        for (var e = 0; e < E; e++) {
          var mean = 0;
          for (var s = 0; s < S; s++) mean += curves[(b * S + s) * E + e] / S;
          if (b !== a) others.push({ epoch: e, loss: mean, name: d.names[b] });
        }
      }
      for (var s2 = 0; s2 < S; s2++) {
        for (var e2 = 0; e2 < E; e2++) chosen.push({ epoch: e2, loss: curves[(a * S + s2) * E + e2], seed: d.seeds[s2] });
      }
      var lossPlot = NX.plot({
        width: pw, height: 240, marginLeft: 50,
        x: { domain: [0, E - 1], label: "epoch" },
        y: { type: "log", domain: [5e-3, 2], label: "loss on all the data", grid: true, ticks: [0.01, 0.1, 1], tickFormat: powerOfTen },
        marks: [
          Plot.line(others, { x: "epoch", y: "loss", z: "name", stroke: GREY, strokeWidth: 1, strokeOpacity: 0.7 }),
          Plot.line(chosen, { x: "epoch", y: "loss", z: "seed", stroke: function (p) { return p.seed === v.seed ? VERMILION : ORANGE; },
                              strokeWidth: function (p) { return p.seed === v.seed ? 2.2 : 1; } }),
          Plot.ruleX([v.epoch], { stroke: GREEN, strokeWidth: 2 }),
        ],
      });
      return [note, NX.panel("the fit after " + v.epoch + " epochs" + (bends ? " (ticks: corners)" : ""), fitPlot, pw),
              NX.panel("the " + H + " hidden units' contributions W⁽²⁾ⱼ aⱼ(x)", unitPlot, pw),
              NX.panel("loss: " + LABELS[v.act] + " (other starts in orange), other activations in grey", lossPlot, pw)];
    },
  });

  // ---- naive against stable -----------------------------------------------------------------
  var F32 = Math.fround, F64 = function (v) { return v; };
  var NAIVE = {
    sigmoid: function (z, r) { return r(1 / r(1 + r(Math.exp(r(-z))))); },
    sigmoid_grad: function (z, r) {
      var e = r(Math.exp(r(-z))), d = r(1 + r(Math.exp(r(-z))));
      return r(e / r(d * d));
    },
    softplus: function (z, r) { return r(Math.log(r(1 + r(Math.exp(z))))); },
  };
  function stableSigmoid(z, r) {
    var e = r(Math.exp(r(-Math.abs(z))));
    return z >= 0 ? r(1 / r(1 + e)) : r(e / r(1 + e));
  }
  var STABLE = {
    sigmoid: stableSigmoid,
    sigmoid_grad: function (z, r) { var s = stableSigmoid(z, r); return r(s * r(1 - s)); },
    softplus: logaddexp0,
  };
  var SIGN = { sigmoid: -1, sigmoid_grad: -1, softplus: 1 };
  // Twin of OVERFLOWS in activations.py: the first intermediate result of each naive formula that can
  // overflow. The derivative's square (1 + e^-z)^2 overflows at half the exponent.
  var OVERFLOWS = {
    sigmoid: function (z, r) { return r(Math.exp(r(-z))); },
    sigmoid_grad: function (z, r) { var d = r(1 + r(Math.exp(r(-z)))); return r(d * d); },
    softplus: function (z, r) { return r(Math.exp(z)); },
  };
  var FROM = { sigmoid: 1, sigmoid_grad: 0.5, softplus: 1 };  // where the band starts, as a share of the limit
  var TITLES = { sigmoid: "sigmoid σ(z)", sigmoid_grad: "derivative σ′(z)", softplus: "softplus ln(1 + eᶻ)" };

  NX.register("zoo-overflow", {
    // Browser twin of overflow_explorer's compute(), rounding every step to float32 where asked.
    compute: function (values, data) {
      var r = values.dtype === "float32" ? F32 : F64, unit = data.unit, n = unit.length;
      var naive = new Float64Array(n), flags = new Float64Array(n), stable = new Float64Array(n);
      var nan = 0, inf = 0, overflowed = 0;
      for (var i = 0; i < n; i++) {
        var z = r(values.z_max * unit[i]);
        var value = NAIVE[values.function](z, r);
        if (!isFinite(OVERFLOWS[values.function](z, r))) overflowed += 1;
        if (isNaN(value)) { flags[i] = 1; nan += 1; value = 0; }
        else if (!isFinite(value)) { flags[i] = 2; inf += 1; value = 0; }
        naive[i] = value;
        stable[i] = STABLE[values.function](z, r);
      }
      return { naive: naive, flags: flags, stable: stable, nan: nan, inf: inf, overflowed: overflowed };
    },

    render: function (ctx) {
      var Plot = ctx.Plot, f = ctx.frame, d = ctx.data, v = ctx.values;
      var from = FROM[v.function] * d.limits[v.dtype], zmax = v.z_max, n = d.unit.length;
      var side = SIGN[v.function] < 0 ? "z < −" : "z > ";
      var good = [], bad = [], reference = [];
      for (var i = 0; i < n; i++) {
        var z = zmax * d.unit[i];
        reference.push({ z: z, y: f.stable[i] });
        if (f.flags[i] === 0) good.push({ z: z, y: f.naive[i] });
        else bad.push({ z: z, kind: f.flags[i] === 1 ? "nan" : "inf" });
      }
      var top = { sigmoid: 1, sigmoid_grad: 0.25, softplus: zmax }[v.function];
      var note = document.createElement("p");
      note.className = "nnlib-note";
      note.textContent = "Naive " + TITLES[v.function] + " in " + v.dtype + ": " + f.nan + " nan and " + f.inf + " inf among "
        + n + " outputs; an intermediate result overflowed at " + f.overflowed + " inputs (" + side
        + NX.fixed(from, 2) + "). The stable version: every output finite.";
      var marks = [];
      if (zmax > from) {
        var band = SIGN[v.function] < 0 ? { x1: -zmax, x2: -from } : { x1: from, x2: zmax };
        marks.push(Plot.rectX([band],
                              { x1: "x1", x2: "x2", y1: -0.3 * top, y2: 1.45 * top, fill: VERMILION, fillOpacity: 0.08 }));
      }
      marks.push(Plot.line(reference, { x: "z", y: "y", stroke: GREY, strokeWidth: 6, strokeOpacity: 0.45 }));
      marks.push(Plot.dot(good, { x: "z", y: "y", r: 1.1, fill: BLUE }));
      marks.push(Plot.dot(bad, { x: "z", y: function () { return -0.15 * top; }, symbol: "times", r: 3, stroke: VERMILION }));
      var plot = NX.plot({
        width: Math.min(ctx.width, 640), height: 260, marginLeft: 50,
        x: { domain: [-zmax, zmax], label: "pre-activation z" },
        y: { domain: [-0.3 * top, 1.45 * top], label: "output", grid: true },
        marks: marks,
      });
      return [note, NX.panel(TITLES[v.function] + ": naive (blue dots) over stable (grey); red ×: nan or inf", plot,
                             Math.min(ctx.width, 640))];
    },
  });
})(globalThis.nnlibExplore);
