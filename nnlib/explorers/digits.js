/* Views of the digits chapter (9); the Python side is nnlib/explorers/digits.py.
 * Both explorers are precomputed (web="frames"): these views only draw. */
(function (NX) {
  "use strict";
  var BLUE = "#0072B2", ORANGE = "#E69F00", GREEN = "#009E73", VERMILION = "#D55E00", GREY = "#b0b0b0",
      DARK = "#444444";
  var LAYER_COLOURS = [BLUE, ORANGE, GREEN];
  var SUPERSCRIPTS = { "-": "⁻", "0": "⁰", "1": "¹", "2": "²", "3": "³", "4": "⁴", "5": "⁵", "6": "⁶", "7": "⁷",
                       "8": "⁸", "9": "⁹" };

  function note(text) {
    var p = document.createElement("p");
    p.className = "nnlib-note";
    p.textContent = text;
    return p;
  }

  /** A tick label for a power of ten: 1, 10, 10⁻³ (plain characters: legible at the page's text size). */
  function powerOfTen(v) {
    var k = Math.round(Math.log10(v));
    if (Math.abs(Math.log10(v) - k) > 1e-9) return "";
    if (k === 0) return "1";
    if (k === 1) return "10";
    return "10" + String(k).split("").map(function (c) { return SUPERSCRIPTS[c]; }).join("");
  }

  function percent(x) {
    return Math.round(100 * x) + "%";
  }

  /** A legend in HTML (it wraps on a phone and uses the page's text size). */
  function legend(names, colours) {
    var box = document.createElement("div");
    box.className = "nnlib-note";
    names.forEach(function (name, k) {
      var item = document.createElement("span");
      item.style.marginRight = "1.2em";
      item.style.whiteSpace = "nowrap";
      var swatch = document.createElement("span");
      swatch.style.cssText = "display:inline-block;width:1.6em;height:0.3em;vertical-align:middle;margin-right:0.4em;" +
        "background:" + colours[k];
      item.appendChild(swatch);
      item.appendChild(document.createTextNode(name));
      box.appendChild(item);
    });
    return box;
  }

  // ---- the hardest test digits ----------------------------------------------------------------
  NX.register("digit-probabilities", {
    render: function (ctx) {
      var Plot = ctx.Plot, f = ctx.frame, d = ctx.data, k = ctx.values.k;
      var right = f.predicted === f.true;
      var pixels = [];
      for (var r = 0; r < 8; r++) for (var c = 0; c < 8; c++) pixels.push({ row: r, column: c, ink: f.image[8 * r + c] });
      var pw = NX.panelWidth(ctx.width, 2, 250);
      var side = Math.min(pw, 260);
      var image = NX.plot({
        width: side, height: side, marginLeft: 40, marginBottom: 40, marginTop: 8, marginRight: 8,
        x: { domain: [0, 1, 2, 3, 4, 5, 6, 7], label: "column", labelAnchor: "center", labelOffset: 32 },
        y: { domain: [0, 1, 2, 3, 4, 5, 6, 7], label: "row", labelAnchor: "center" },
        color: { type: "linear", domain: [0, 16], range: ["#ffffff", "#000000"] },
        marks: [Plot.cell(pixels, { x: "column", y: "row", fill: "ink", inset: 0 }), Plot.frame({ stroke: DARK })],
      });
      var bars = [];
      for (var digit = 0; digit < 10; digit++) {
        bars.push({ digit: digit, p: f.probabilities[digit],
                    role: digit === f.true ? "true class" : digit === (right ? f.rival : f.predicted) ? (right ? "strongest other class" : "predicted (wrong)") : "other classes" });
      }
      var labelled = bars.filter(function (b) { return b.role !== "other classes"; });
      var chart = NX.plot({
        width: pw, height: 240, marginLeft: 48, marginBottom: 40, marginTop: 18,
        x: { domain: bars.map(function (b) { return b.digit; }), label: "class (digit)", labelAnchor: "center", labelOffset: 32,
             padding: 0.2 },
        y: { domain: [0, 1], label: "probability", grid: true, ticks: [0, 0.25, 0.5, 0.75, 1],
             tickFormat: function (v) { return NX.fixed(v, 2); } },
        color: { domain: ["true class", right ? "strongest other class" : "predicted (wrong)", "other classes"],
                 range: [GREEN, VERMILION, GREY] },
        marks: [
          Plot.barY(bars, { x: "digit", y: "p", fill: "role" }),
          Plot.text(labelled, { x: "digit", y: "p", text: function (b) { return NX.fixed(b.p, 3); }, dy: -8, fontSize: 12 }),
          Plot.ruleY([0]),
        ],
      });
      var rival = right ? f.rival : f.predicted;
      var head = note("No. " + k + " of " + d.count + (k <= d.mistakes ? " (a mistake: the network gets " + d.mistakes +
        " of the " + d.tests + " test digits wrong)" : " (right, but unsure)") + ". Test image " + f.index +
        ": a " + f.true + ", predicted " + f.predicted + ". p(" + f.true + ") = " + NX.fixed(f.probabilities[f.true], 3) +
        ", p(" + rival + ") = " + NX.fixed(f.probabilities[rival], 3) + ".");
      var key = legend(["true class", right ? "strongest other class" : "predicted (wrong)", "other classes"],
                       [GREEN, VERMILION, GREY]);
      return [head, NX.panel("the image (8 × 8 pixels, ink dark)", image, side),
              NX.panel("softmax of the network's ten scores", (function () {
                var box = document.createElement("div");
                box.appendChild(key);
                box.appendChild(chart);
                return box;
              })(), pw)];
    },
  });

  // ---- the health monitor --------------------------------------------------------------------
  /** Values for a log axis: exact zeros (and values below the floor) drawn at the floor. */
  function logRange(series) {
    var positive = [];
    series.forEach(function (row) { row.forEach(function (v) { if (v !== null && v > 0) positive.push(v); }); });
    if (!positive.length) return { lo: 1e-3, hi: 1, floor: 1e-3 };
    var lo = Math.min.apply(null, positive), hi = Math.max.apply(null, positive);
    var kLo = Math.floor(Math.log10(lo / 3)), kHi = Math.ceil(Math.log10(hi));
    if (kHi - kLo < 2) kLo = kHi - 2;
    return { lo: Math.pow(10, kLo), hi: Math.pow(10, kHi), floor: Math.pow(10, kLo) };
  }

  function decades(lo, hi) {
    var out = [], span = Math.round(Math.log10(hi / lo)), step = span > 6 ? 2 : 1;
    for (var k = Math.round(Math.log10(lo)); k <= Math.round(Math.log10(hi)); k += step) out.push(Math.pow(10, k));
    return out;
  }

  /** Rows {epoch, value, layer} of a (records, layers) table, for one line per layer. */
  function rows(table, names, floor) {
    var out = [];
    table.forEach(function (row, epoch) {
      row.forEach(function (v, k) {
        var value = v === null ? null : floor !== undefined && v <= floor ? floor : v;
        out.push({ epoch: epoch, value: value, layer: names[k] });
      });
    });
    return out;
  }

  function timePanel(Plot, options) {
    var marks = [
      Plot.ruleX([options.epoch], { stroke: DARK, strokeDasharray: "3,3" }),
    ].concat(options.extra || []).concat([
      Plot.line(options.rows, { x: "epoch", y: "value", stroke: "layer", strokeWidth: 2, strokeDasharray: options.dash }),
      Plot.dot(options.rows.filter(function (r) { return r.epoch === options.epoch && r.value !== null; }),
               { x: "epoch", y: "value", fill: "layer", r: 4 }),
    ]);
    return NX.plot({
      width: options.width, height: 210, marginLeft: 52, marginRight: 14, marginBottom: 40, marginTop: 22,
      x: { domain: [0, options.epochs], label: "epoch", labelAnchor: "center", labelOffset: 32, ticks: 5 },
      y: options.y,
      color: { domain: options.names, range: LAYER_COLOURS },
      marks: marks,
    });
  }

  NX.register("monitor-dashboard", {
    render: function (ctx) {
      var Plot = ctx.Plot, f = ctx.frame, d = ctx.data, v = ctx.values, run = d.runs[v.run], e = v.epoch;
      var names = ["layer 1", "layer 2", "output layer"];
      var hiddenNames = names.slice(0, 2);
      var pw = NX.panelWidth(ctx.width, 2, 300);
      var accuracy = run.val_accuracy[e];
      var head = note((d.mystery ? "Mystery run " + v.run : v.run) + ", epoch " + e + ": loss on the probe batch " +
        NX.fixed(run.probe_loss[e], 3) + (accuracy === null ? " (before training)" : ", validation accuracy " +
        NX.fixed(100 * accuracy, 1) + "%") + ".");

      // 1. losses, with log K (chance) dotted
      var lossRows = [];
      run.probe_loss.forEach(function (value, epoch) { lossRows.push({ epoch: epoch, value: value, layer: "probe batch" }); });
      run.val_loss.forEach(function (value, epoch) { if (value !== null) lossRows.push({ epoch: epoch, value: value, layer: "validation" }); });
      var lossValues = lossRows.map(function (r) { return r.value; }).concat([d.chance]);
      var lossTop = Math.max.apply(null, lossValues), lossLow = Math.min.apply(null, lossValues);
      var logLoss = lossTop / lossLow > 20;
      var lossY = { domain: [0, 1.08 * lossTop], label: "loss", grid: true };
      if (logLoss) {
        var domain = [Math.pow(10, Math.floor(Math.log10(lossLow))), Math.pow(10, Math.ceil(Math.log10(lossTop)))];
        lossY = { type: "log", domain: domain, ticks: decades(domain[0], domain[1]), tickFormat: powerOfTen,
                  label: "loss (log scale)", grid: true };
      }
      var loss = NX.plot({
        width: pw, height: 210, marginLeft: 52, marginRight: 14, marginBottom: 40, marginTop: 22,
        x: { domain: [0, d.epochs], label: "epoch", labelAnchor: "center", labelOffset: 32, ticks: 5 },
        y: lossY,
        color: { domain: ["probe batch", "validation"], range: ["#000000", VERMILION] },
        marks: [
          Plot.ruleY([d.chance], { stroke: DARK, strokeDasharray: "1,3" }),
          Plot.ruleX([e], { stroke: DARK, strokeDasharray: "3,3" }),
          Plot.line(lossRows, { x: "epoch", y: "value", stroke: "layer", strokeWidth: 2 }),
          Plot.dot(lossRows.filter(function (r) { return r.epoch === e; }), { x: "epoch", y: "value", fill: "layer", r: 4 }),
        ],
      });
      var lossBox = document.createElement("div");
      lossBox.appendChild(legend(["probe batch", "validation", "log 10 (chance)"], ["#000000", VERMILION, "repeating-linear-gradient(90deg," + DARK + " 0 2px,transparent 2px 6px)"]));
      lossBox.appendChild(loss);

      // 2. activation mean (dashed) and spread across the probe inputs (solid)
      var spread = rows(run.spread, names), mean = rows(run.act_mean, names);
      var actValues = spread.concat(mean).map(function (r) { return r.value; });
      var activations = timePanel(Plot, {
        width: pw, epochs: d.epochs, epoch: e, names: names, rows: spread,
        y: { domain: [Math.min(0, Math.min.apply(null, actValues)), 1.05 * Math.max.apply(null, actValues)],
             label: "activation", grid: true },
        extra: [Plot.line(mean, { x: "epoch", y: "value", stroke: "layer", strokeWidth: 1.5, strokeDasharray: "4,3" })],
      });

      // 3. dead or saturated share of the hidden layers
      var unhealthy = timePanel(Plot, {
        width: pw, epochs: d.epochs, epoch: e, names: names, rows: rows(run.unhealthy, hiddenNames),
        y: { domain: [0, 1], ticks: [0, 0.25, 0.5, 0.75, 1], tickFormat: percent, label: "share " + run.unhealthy_kind,
             grid: true },
      });

      // 4, 5. gradient norm and update-to-weight ratio, log scales
      var gradRange = logRange(run.grad_norm);
      var grad = timePanel(Plot, {
        width: pw, epochs: d.epochs, epoch: e, names: names, rows: rows(run.grad_norm, names, gradRange.floor),
        y: { type: "log", domain: [gradRange.lo, gradRange.hi], ticks: decades(gradRange.lo, gradRange.hi),
             tickFormat: powerOfTen, label: "‖∂L/∂W‖", grid: true },
      });
      var ratioRange = logRange(run.update_ratio.concat([[1e-3]]));
      var ratio = timePanel(Plot, {
        width: pw, epochs: d.epochs, epoch: e, names: names, rows: rows(run.update_ratio, names, ratioRange.floor),
        y: { type: "log", domain: [ratioRange.lo, ratioRange.hi], ticks: decades(ratioRange.lo, ratioRange.hi),
             tickFormat: powerOfTen, label: "‖ΔW‖ / ‖W‖", grid: true },
        extra: [Plot.ruleY([1e-3], { stroke: DARK, strokeDasharray: "1,3" })],
      });

      // 6. histograms of the hidden layers' activations at this epoch
      var bins = [];
      f.hist.forEach(function (shares, k) {
        shares.forEach(function (share, b) {
          bins.push({ x1: f.edges[k][b], x2: f.edges[k][b + 1], share: share, layer: names[k] });
        });
      });
      var hist = NX.plot({
        width: pw, height: 210, marginLeft: 52, marginRight: 14, marginBottom: 40, marginTop: 22,
        x: { label: "activation a", labelAnchor: "center", labelOffset: 32, ticks: 5 },
        y: { domain: [0, 1], ticks: [0, 0.25, 0.5, 0.75, 1], tickFormat: percent, label: "share", grid: true },
        color: { domain: names, range: LAYER_COLOURS },
        marks: [
          Plot.rectY(bins, { x1: "x1", x2: "x2", y1: 0, y2: "share", fill: "layer", fillOpacity: 0.45, stroke: "layer",
                             strokeWidth: 1 }),
          Plot.ruleY([0]),
        ],
      });

      var nodes = [head, legend(names, LAYER_COLOURS),
                   NX.panel("loss", lossBox, pw),
                   NX.panel("activations: spread across inputs (solid), mean (dashed)", activations, pw),
                   NX.panel("share of " + run.unhealthy_kind + " units, hidden layers", unhealthy, pw),
                   NX.panel("gradient norm (log scale)", grad, pw),
                   NX.panel("update-to-weight ratio per step (dotted: 10⁻³)", ratio, pw),
                   NX.panel("hidden activations at epoch " + e + " (" + run.activations[0] + ")", hist, pw)];
      var verdict = document.createElement("div");
      verdict.className = "nnlib-note";
      if (f.findings === null) {
        verdict.textContent = "The diagnosis is yours to make: what went wrong in this run? Name the most fundamental cause.";
      } else if (!f.findings.length) {
        verdict.textContent = "Diagnosis up to epoch " + e + ": no warning signs.";
        verdict.style.color = GREEN;
      } else {
        var title = document.createElement("strong");
        title.textContent = "Diagnosis up to epoch " + e + ":";
        verdict.appendChild(title);
        var list = document.createElement("ul");
        list.style.margin = "0.2rem 0";
        f.findings.forEach(function (text) {
          var item = document.createElement("li");
          item.textContent = text;
          list.appendChild(item);
        });
        verdict.appendChild(list);
        verdict.style.color = VERMILION;
      }
      nodes.push(verdict);
      return nodes;
    },
  });
})(globalThis.nnlibExplore);
