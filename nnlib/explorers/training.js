/* Views of training (chapter 6); the Python side is nnlib/explorers/training.py. */
(function (NX) {
  "use strict";
  var BLUE = "#0072B2", ORANGE = "#E69F00", GREEN = "#009E73", VERMILION = "#D55E00", PURPLE = "#CC79A7",
      GREY = "#9a9a9a";
  var VERDICT_COLOURS = { "too small": ORANGE, "about right": GREEN, "too large": PURPLE, divergent: VERMILION };
  var SUPERSCRIPTS = { "-": "⁻", "0": "⁰", "1": "¹", "2": "²", "3": "³", "4": "⁴", "5": "⁵", "6": "⁶", "7": "⁷",
                       "8": "⁸", "9": "⁹" };

  /** 10^k as "10⁻³"; other ticks of a log axis get no label (Plot draws them as minor ticks). */
  function powerOfTen(v) {
    var k = Math.round(Math.log10(v));
    if (Math.abs(Math.log10(v) - k) > 1e-9) return "";
    if (k === 0) return "1";
    if (k === 1) return "10";
    return "10" + String(k).split("").map(function (c) { return SUPERSCRIPTS[c]; }).join("");
  }

  /** Powers of ten from lo to hi (inclusive), every `step`-th decade: the ticks of a log axis. */
  function decades(lo, hi, step) {
    var out = [];
    for (var k = Math.ceil(Math.log10(lo) - 1e-9); k <= Math.floor(Math.log10(hi) + 1e-9); k += step || 1) out.push(Math.pow(10, k));
    return out;
  }

  /** 0.000123 -> "1.2 × 10⁻⁴"; ordinary sizes in plain decimals. */
  function number(v, digits) {
    if (v === 0) return "0";
    var k = Math.floor(Math.log10(Math.abs(v)));
    if (k >= -2 && k < 4) return String(Number(v.toPrecision(digits || 3)));
    var mantissa = v / Math.pow(10, k);
    return NX.fixed(mantissa, 1) + " × " + powerOfTen(Math.pow(10, k));
  }

  var REASONS = {
    "far above start": "the loss passed 10⁴ times its starting value",
    rising: "the loss rose at each of 10 updates in a row, to more than 10 times its start",
    "non-finite": "the loss stopped being a finite number",
  };

  function runLosses(data, k) {
    return data.losses.subarray(data.offsets[k], data.offsets[k] + data.lengths[k]);
  }

  NX.register("training-lr-sweep", {
    // Browser twin of learning_rate_sweep's compute(): a look-up of the stored run.
    compute: function (values, data) {
      var k = data.rates.indexOf(values.lr);
      var losses = runLosses(data, k), final = data.finals[k];
      return { step_loss: losses, verdict: data.verdicts[k], final: final, reason: data.reasons[k],
               epoch: data.epochs_stopped[k], step: data.steps_stopped[k], updates: data.lengths[k],
               ratio: losses[losses.length - 1] / data.starts[k], to_best: final === null ? null : final / data.best_final,
               limit: data.limits[k] };
    },

    render: function (ctx) {
      var Plot = ctx.Plot, f = ctx.frame, d = ctx.data, lr = ctx.values.lr;
      var stopped = f.final === null;
      var colour = VERDICT_COLOURS[f.verdict];
      var note = document.createElement("p");
      note.className = "nnlib-note";
      var head = "η = " + lr + ": " + f.verdict + ". ";
      if (f.verdict === "too small") {
        note.textContent = head + "Every step is safe but short: after " + f.updates + " updates the mean loss of the last epoch is "
          + number(f.final) + ", " + NX.fixed(f.to_best, 1) + " times the best run's. More epochs would get there, slowly.";
      } else if (f.verdict === "about right") {
        note.textContent = head + "The loss falls fast and levels off at " + number(f.final) + ", within 30% of the best rate on the grid (η = "
          + d.best_lr + "), and near the noise floor of " + d.noise_floor + " that no model beats on new data. Where it ended, "
          + "2/κₘₐₓ = " + number(f.limit) + (f.limit < 1.25 * lr ? ": close to the edge for this rate." : ", above its rate.");
      } else if (f.verdict === "too large") {
        note.textContent = head + "The steps overshoot: the loss jumps from batch to batch and ends at " + number(f.final) + ", "
          + NX.fixed(f.to_best, 1) + " times the best run's. It ended where 2/κₘₐₓ = " + number(f.limit)
          + ", close to its rate: it sits at the edge. A little more and the run diverges.";
      } else {
        note.textContent = head + "fit stopped the run at epoch " + f.epoch + ", update " + f.step + ", because "
          + REASONS[f.reason] + " (it ended at " + number(f.ratio) + " times the start). Each update overshot the minimum and "
          + "landed further away than it started: a steep climb on the log scale (grey: the best rate's first updates).";
      }

      var pw = NX.panelWidth(ctx.width, 2, 280);
      var bestLosses = runLosses(d, d.rates.indexOf(d.best_lr));
      // A stopped run lasts a few updates: zoom in on them, with the best run's first updates beside.
      var shown = stopped ? Math.max(10, f.updates + 2) : bestLosses.length;
      var steps = Array.from(f.step_loss, function (v, i) { return { step: i + 1, loss: v }; });
      var best = Array.from(bestLosses.subarray(0, shown), function (v, i) { return { step: i + 1, loss: v }; });
      var limit = d.far_above_start * d.starts[d.rates.indexOf(lr)];
      var top = stopped ? Math.max(limit * 10, f.step_loss[f.step_loss.length - 1] * 3) : 10;
      var bottom = stopped ? 0.1 : 1e-3;
      var curveMarks = [
        Plot.line(best, { x: "step", y: "loss", stroke: GREY, strokeWidth: stopped ? 2 : 1, marker: stopped ? "dot" : "none" }),
        Plot.line(steps, { x: "step", y: "loss", stroke: colour, strokeWidth: stopped ? 2 : 1.2, clip: true, marker: stopped ? "dot" : "none" }),
      ];
      if (stopped) {
        curveMarks.push(Plot.ruleY([limit], { stroke: VERMILION, strokeDasharray: "5,4" }));
        curveMarks.push(Plot.text([{ x: shown, y: limit }], { x: "x", y: "y", text: function () { return "fit stops above 10⁴ × start"; },
                                                              textAnchor: "end", dy: -8, fontSize: 12, fill: VERMILION }));
        curveMarks.push(Plot.dot([steps[steps.length - 1]], { x: "step", y: "loss", symbol: "times", r: 7, stroke: VERMILION, strokeWidth: 3 }));
      }
      var curve = NX.plot({
        width: pw, height: 250, marginLeft: 50, marginRight: 10,
        x: { domain: [stopped ? 1 : 0, shown], label: stopped ? "update (the first " + shown + ")" : "update" },
        y: { type: "log", domain: [bottom, top], label: "loss of the mini-batch (MSE)", grid: true, tickFormat: powerOfTen,
             ticks: decades(bottom, top, top / bottom > 1e6 ? 2 : 1) },
        marks: curveMarks,
      });

      var finished = [], crosses = [];
      for (var k = 0; k < d.rates.length; k++) {
        if (d.finals[k] === null) crosses.push({ lr: d.rates[k] });
        else finished.push({ lr: d.rates[k], loss: d.finals[k] });
      }
      var sweep = NX.plot({
        width: pw, height: 250, marginLeft: 50, marginRight: 10,
        x: { type: "log", domain: [8e-3, 4], label: "learning rate η", tickFormat: powerOfTen, ticks: decades(1e-2, 1) },
        y: { type: "log", domain: [5e-3, 3], label: "mean loss, epoch " + d.epochs, grid: true, tickFormat: powerOfTen,
             ticks: decades(1e-2, 1) },
        marks: [
          Plot.ruleY([d.noise_floor], { stroke: "currentColor", strokeDasharray: "2,3" }),
          Plot.text([{ x: 3.5, y: d.noise_floor }], { x: "x", y: "y", text: function () { return "noise floor"; }, textAnchor: "end",
                                                      dy: 9, fontSize: 12 }),
          Plot.ruleX([lr], { stroke: colour, strokeWidth: 2.5, strokeOpacity: 0.8 }),
          Plot.line(finished, { x: "lr", y: "loss", stroke: BLUE }),
          Plot.dot(finished, { x: "lr", y: "loss", fill: BLUE, r: 2.5 }),
          Plot.dot(crosses, { x: "lr", y: function () { return 2.2; }, symbol: "times", r: 5, stroke: VERMILION, strokeWidth: 2 }),
          Plot.text([{ x: crosses.length ? crosses[0].lr : 1, y: 2.2 }], { x: "x", y: "y", text: function () { return "stopped"; },
                                                                         textAnchor: "end", dx: -8, fontSize: 12, fill: VERMILION }),
        ],
      });
      // Where each finished run ended: the largest stable rate there, 2/kappa_max, against the rate it used.
      var ends = [];
      for (var m = 0; m < d.rates.length; m++) if (d.limits[m] !== null) ends.push({ lr: d.rates[m], limit: d.limits[m] });
      var chosen = ends.filter(function (e) { return e.lr === lr; });
      var edge = NX.plot({
        width: pw, height: 250, marginLeft: 50, marginRight: 10,
        x: { type: "log", domain: [8e-3, 4], label: "learning rate η", tickFormat: powerOfTen, ticks: decades(1e-2, 1) },
        y: { type: "log", domain: [0.05, 2], label: "2/κₘₐₓ where the run ended", grid: true,
             ticks: [0.1, 0.2, 0.5, 1, 2], tickFormat: function (v) { return String(v); } },
        marks: [
          Plot.line([{ x: 0.05, y: 0.05 }, { x: 2, y: 2 }], { x: "x", y: "y", stroke: "currentColor", strokeDasharray: "4,3" }),
          Plot.text([{ x: 1.1, y: 1.1 }], { x: "x", y: "y", text: function () { return "2/κₘₐₓ = η"; }, textAnchor: "end",
                                            dx: -6, dy: -8, fontSize: 12 }),
          Plot.ruleY([d.start_limit], { stroke: GREY, strokeDasharray: "2,3" }),
          Plot.text([{ x: 3.5, y: d.start_limit }], { x: "x", y: "y", text: function () { return "at the start"; },
                                                      textAnchor: "end", dy: -8, fontSize: 12, fill: GREY }),
          Plot.ruleX([lr], { stroke: colour, strokeWidth: 2.5, strokeOpacity: 0.8 }),
          Plot.dot(ends, { x: "lr", y: "limit", fill: BLUE, r: 2.5 }),
          Plot.dot(chosen, { x: "lr", y: "limit", stroke: colour, r: 6, strokeWidth: 2 }),
        ],
      });
      return [note, NX.panel((stopped ? "the updates before the stop, η = " : "every update at η = ") + lr, curve, pw),
              NX.panel("all rates after " + d.epochs + " epochs", sweep, pw),
              NX.panel("how steep the loss is where each run ended", edge, pw)];
    },
  });

  // ---- the valley -------------------------------------------------------------------------
  function descend(lr, momentum, data) {
    // Operation for operation the update of nnlib.optim.SGD: v = mu v + g; theta -= lr v.
    var a = [data.a1, data.a2], theta = [data.start[0], data.start[1]], velocity = [0, 0];
    var steps = data.steps, path = new Float64Array(2 * (steps + 1)), loss = new Float64Array(steps + 1);
    path[0] = theta[0];
    path[1] = theta[1];
    for (var t = 1; t <= steps; t++) {
      for (var i = 0; i < 2; i++) {
        var g = a[i] * theta[i];
        if (momentum) {
          velocity[i] *= momentum;
          velocity[i] += g;
          g = velocity[i];
        }
        theta[i] -= lr * g;
        path[2 * t + i] = theta[i];
      }
    }
    for (var s = 0; s <= steps; s++) {
      var t1 = path[2 * s], t2 = path[2 * s + 1];
      loss[s] = 0.5 * (a[0] * (t1 * t1) + a[1] * (t2 * t2));
    }
    path.shape = [steps + 1, 2];
    return { path: path, loss: loss };
  }

  /** Largest |root| of rho^2 - (1 + mu - lr a) rho + mu = 0: how much a step shrinks that coordinate. */
  function shrink(lr, mu, a) {
    var p = 1 + mu - lr * a, disc = p * p - 4 * mu;
    if (disc < 0) return Math.sqrt(mu);
    var root = Math.sqrt(disc);
    return Math.max(Math.abs((p + root) / 2), Math.abs((p - root) / 2));
  }

  NX.register("training-valley", {
    // Browser twin of valley_descent's compute().
    compute: function (values, data) {
      var run = descend(values.lr, values.momentum, data);
      return { path: run.path, loss: run.loss, plain: descend(values.lr, 0, data).loss };
    },

    render: function (ctx) {
      var Plot = ctx.Plot, f = ctx.frame, d = ctx.data, lr = ctx.values.lr, mu = ctx.values.momentum;
      var steps = d.steps, a1 = d.a1, a2 = d.a2;
      var limit = 2 * (1 + mu) / a2;
      var r1 = shrink(lr, mu, a1), r2 = shrink(lr, mu, a2);
      var note = document.createElement("p");
      note.className = "nnlib-note";
      var verdict = lr < limit
        ? "converges: η is below the limit 2(1 + μ)/κ₂ = " + NX.fixed(limit, 3) + "."
        : (Math.abs(lr - limit) < 1e-12 ? "never settles: η sits exactly at the limit 2(1 + μ)/κ₂ = " + NX.fixed(limit, 3) + "."
                                         : "diverges: η is above the limit 2(1 + μ)/κ₂ = " + NX.fixed(limit, 3) + ".");
      var what = mu === 0
        ? "Each step multiplies θ₁ by 1 − ηκ₁ = " + NX.fixed(1 - lr * a1, 2) + " and θ₂ by 1 − ηκ₂ = " + NX.fixed(1 - lr * a2, 2)
          + (1 - lr * a2 < 0 ? " (a sign flip: zig-zag)" : "") + ". "
        : "In the long run each step multiplies the distance to the minimum by " + NX.fixed(r1, 2) + " along θ₁ and by "
          + NX.fixed(r2, 2) + " along θ₂ (a factor above 1 means growth). ";
      note.textContent = what + "The run " + verdict;

      var pw = Math.min(ctx.width, 620);
      var contours = [];
      [0.02, 0.05, 0.15, 0.4, 1, 2.5, 6, 12].forEach(function (level) {
        for (var k = 0; k <= 96; k++) {
          var angle = 2 * Math.PI * k / 96;
          contours.push({ x: Math.sqrt(2 * level / a1) * Math.cos(angle), y: Math.sqrt(2 * level / a2) * Math.sin(angle), level: level });
        }
      });
      var points = [];
      for (var s = 0; s <= steps; s++) points.push({ x: f.path[2 * s], y: f.path[2 * s + 1] });
      var reach = Math.abs(d.start[0]) * 1.15, height = Math.max(170, Math.round(pw * 0.42));
      var valley = NX.plot({
        width: pw, height: height, marginLeft: 44, marginBottom: 40,
        x: { domain: [-reach, reach], label: "θ₁ (shallow, κ₁ = " + a1 + ")" },
        y: { domain: [-1.5, 1.5], label: "θ₂ (steep, κ₂ = " + a2 + ")" },
        marks: [
          Plot.line(contours, { x: "x", y: "y", z: "level", stroke: GREY, strokeWidth: 0.8, clip: true }),
          Plot.line(points, { x: "x", y: "y", stroke: VERMILION, strokeWidth: 1.3, marker: "dot", clip: true }),
          Plot.dot([{ x: d.start[0], y: d.start[1] }], { x: "x", y: "y", symbol: "square", r: 5, fill: "currentColor" }),
          Plot.dot([{ x: 0, y: 0 }], { x: "x", y: "y", symbol: "star", r: 7, fill: "currentColor" }),
        ],
      });
      // The loss on a log axis that fits this run (1e-12 at the bottom is as good as 0 here).
      var lossValues = Array.from(f.loss).concat(Array.from(f.plain));
      var lo = Math.max(1e-12, Math.min.apply(null, lossValues)), hi = Math.min(1e12, Math.max.apply(null, lossValues));
      var bottom = Math.pow(10, Math.floor(Math.log10(lo))), top = Math.pow(10, Math.ceil(Math.log10(hi)));
      if (top < 100 * bottom) top = 100 * bottom;
      var span = Math.round(Math.log10(top / bottom));
      var run = [], plain = [];
      for (var t = 0; t <= steps; t++) {
        run.push({ step: t, loss: Math.min(Math.max(f.loss[t], bottom), top) });
        plain.push({ step: t, loss: Math.min(Math.max(f.plain[t], bottom), top) });
      }
      var curve = NX.plot({
        width: pw, height: 210, marginLeft: 50,
        x: { domain: [0, steps], label: "step t" },
        y: { type: "log", domain: [bottom, top], label: "loss L(θ)", grid: true, tickFormat: powerOfTen,
             ticks: decades(bottom, top, Math.max(1, Math.ceil(span / 6))) },
        marks: [
          Plot.line(plain, { x: "step", y: "loss", stroke: GREY, strokeWidth: 3 }),
          Plot.line(run, { x: "step", y: "loss", stroke: VERMILION, strokeWidth: 1.6 }),
        ],
      });
      return [note, NX.panel("the path of " + steps + " steps, η = " + NX.fixed(lr, 3) + ", μ = " + NX.fixed(mu, 2), valley, pw),
              NX.panel("loss along the path (grey: plain gradient descent, μ = 0)", curve, pw)];
    },
  });
})(globalThis.nnlibExplore);
