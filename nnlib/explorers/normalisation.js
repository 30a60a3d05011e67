/* Views of normalisation (chapter 12); the Python side is nnlib/explorers/normalisation.py. Both
 * explorers are precomputed (web="frames"): these views only draw. */
(function (NX) {
  "use strict";
  var BLUE = "#0072B2", VERMILION = "#D55E00", GREY = "#8c8c8c", DARK = "#444444", LIGHT = "#e4e4e4";
  // Never "none" as a name: Plot would read a channel of "none" values as the CSS colour none.
  var NORM_NAMES = { none: "no normalisation", BatchNorm: "batch normalisation", LayerNorm: "layer normalisation" };
  var NORM_COLOURS = { none: GREY, BatchNorm: BLUE, LayerNorm: VERMILION };
  // Lines that lie on top of each other (no normalisation and layer normalisation often do) stay told apart.
  var DASHES = { none: "5,3", BatchNorm: null, LayerNorm: null };
  /** Spreads below this are drawn at the bottom edge of the log axis (a layer of dead units has spread 0). */
  var FLOOR = 1e-6;

  function note(text) {
    var p = document.createElement("p");
    p.className = "nnlib-note";
    p.textContent = text;
    return p;
  }

  function percent(x) {
    return Math.round(100 * x) + "%";
  }

  /** A tick label for a power of ten: 0.001, 0.1, 1 near 1, else 1e-6 (no superscripts: legible on a phone). */
  function powerOfTen(x) {
    var k = Math.round(Math.log10(x));
    if (k >= -3 && k <= 3) return k < 0 ? Math.pow(10, k).toFixed(-k) : String(Math.pow(10, k));
    return "1e" + k;
  }

  /** Like Python's f"{x:.2g}" for the numbers shown here: 0.21, 0.0043, 2e-05. */
  function short(x) {
    if (x === 0) return "0";
    if (Math.abs(x) >= 1e-3) return String(Number(x.toPrecision(2)));
    return x.toExponential(0).replace("e-", "e-0").replace(/e-0(\d\d)/, "e-$1");
  }

  NX.register("normalisation-histograms", {
    render: function (ctx) {
      var Plot = ctx.Plot, f = ctx.frame, d = ctx.data, v = ctx.values;
      var kind = d.kinds[v.setup], edges = d.edges[v.setup], bins = d.bins, epochs = d.epochs;
      var layers = f.hist.shape[0], norms = d.norms, me = norms.indexOf(v.norm);
      var width = Math.min(ctx.width, 620), relu = kind === "relu";

      // 1. a ridgeline: one histogram per hidden layer, layer 1 at the top. ReLU: the positive
      //    values on a log axis, the share of exact zeros written beside them.
      var rects = [], labels = [];
      for (var k = 0; k < layers; k++) {
        var name = "layer " + (k + 1);
        for (var b = 0; b < bins; b++) {
          var h = f.hist[k * bins + b] / 255;
          if (h > 0) rects.push({ layer: name, x1: edges[b], x2: edges[b + 1], h: h });
        }
        labels.push({ layer: name, text: relu ? percent(f.zero[k]) + " zero, " + percent(f.share[k]) + " dead"
                                              : percent(f.share[k]) + " saturated" });
      }
      var layerNames = labels.map(function (l) { return l.layer; });
      var right = relu ? 128 : 96;
      var ridge = NX.plot({
        width: width, height: 46 + 31 * layers, marginLeft: 62, marginRight: right, marginBottom: 40, marginTop: 6,
        x: relu ? { type: "log", domain: [edges[0], edges[bins]], ticks: [1e-5, 1e-3, 0.1, 10], tickFormat: powerOfTen,
                    label: "activation a > 0 (log scale)", labelAnchor: "center", labelOffset: 32 }
                : { domain: [edges[0], edges[bins]], label: "activation a = σ(…)", labelAnchor: "center",
                    labelOffset: 32, ticks: 5 },
        y: { domain: [0, 1], axis: null },
        fy: { domain: layerNames, label: null, padding: 0.12 },
        marks: [
          Plot.rectY(rects, { x1: "x1", x2: "x2", y1: 0, y2: "h", fy: "layer", fill: NORM_COLOURS[v.norm],
                              fillOpacity: 0.85 }),
          Plot.ruleY([0], { stroke: DARK, strokeWidth: 0.8 }),
          Plot.text(labels, { fy: "layer", frameAnchor: "right", dx: right - 4, text: "text", textAnchor: "end",
                              fontSize: 12, fill: DARK }),
        ],
      });

      // 2. the spread of each layer across the samples, for the three normalisations
      var spreadRows = [];
      norms.forEach(function (norm, n) {
        f.spread[n].forEach(function (value, k) {
          spreadRows.push({ norm: NORM_NAMES[norm], layer: k + 1, spread: Math.max(value, FLOOR), mine: n === me });
        });
      });
      var pw = NX.panelWidth(ctx.width, 2, 280);
      var colourScale = { domain: norms.map(function (n) { return NORM_NAMES[n]; }),
                          range: norms.map(function (n) { return NORM_COLOURS[n]; }) };
      var spreadPlot = NX.plot({
        width: pw, height: 230, marginLeft: 52, marginRight: 12, marginBottom: 40, marginTop: 10,
        x: { domain: [1, layers], ticks: [1, 3, 5, 7, 9], label: "hidden layer", labelAnchor: "center",
             labelOffset: 32 },
        y: { type: "log", domain: [FLOOR, 3], ticks: [1e-6, 1e-4, 1e-2, 1], tickFormat: powerOfTen, grid: true,
             label: "spread across samples" },
        color: colourScale,
        marks: norms.map(function (norm, n) {
          return Plot.line(spreadRows.filter(function (r) { return r.norm === NORM_NAMES[norm]; }),
                           { x: "layer", y: "spread", stroke: "norm", strokeWidth: n === me ? 3 : 1.5,
                             strokeDasharray: DASHES[norm] });
        }).concat([
          Plot.dot(spreadRows.filter(function (r) { return r.mine; }), { x: "layer", y: "spread", fill: "norm", r: 3.5 }),
        ]),
      });

      // 3. the training loss of the three over the epochs
      var lossRows = [], top = Math.LN2;
      norms.forEach(function (norm) {
        d.loss[v.setup][norm].forEach(function (value, e) {
          lossRows.push({ norm: NORM_NAMES[norm], epoch: e, loss: value });
          top = Math.max(top, value);
        });
      });
      var lossPlot = NX.plot({
        width: pw, height: 230, marginLeft: 52, marginRight: 12, marginBottom: 40, marginTop: 10,
        x: { domain: [0, epochs], label: "epoch", labelAnchor: "center", labelOffset: 32, ticks: 6 },
        y: { domain: [0, 1.05 * top], grid: true, label: "loss" },
        color: colourScale,
        marks: [
          Plot.ruleY([Math.LN2], { stroke: DARK, strokeDasharray: "1,3" }),
          Plot.text([{ epoch: epochs, loss: Math.LN2 }], { x: "epoch", y: "loss", text: function () { return "ln 2"; },
                                                          dy: 12, textAnchor: "end", fontSize: 12, fill: DARK }),
          Plot.ruleX([v.epoch], { stroke: DARK, strokeDasharray: "3,3" }),
        ].concat(norms.map(function (norm, n) {
          return Plot.line(lossRows.filter(function (r) { return r.norm === NORM_NAMES[norm]; }),
                           { x: "epoch", y: "loss", stroke: "norm", strokeWidth: n === me ? 2.5 : 1.5,
                             strokeDasharray: DASHES[norm] });
        })).concat([
          Plot.dot([{ epoch: v.epoch, loss: f.loss }], { x: "epoch", y: "loss", r: 4.5, fill: NORM_COLOURS[v.norm] }),
        ]),
      });

      var legend = Plot.legend({ color: colourScale, style: { fontSize: "12px" } });
      var text = v.setup + ", " + NORM_NAMES[v.norm] + ", epoch " + v.epoch + ": loss " + NX.fixed(f.loss, 3) +
        ", accuracy " + percent(f.accuracy) + " on the training points. Spread of layer " + layers + " across the " +
        "samples: " + short(f.spread[me][layers - 1]) + ".";
      if (f.stopped !== null && v.epoch >= f.stopped) {
        text += " The run was stopped as diverging in epoch " + f.stopped + "; this is its last record.";
      }
      return [note(text),
              NX.panel("activations of each hidden layer (" + NORM_NAMES[v.norm] + ", epoch " + v.epoch + ")", ridge,
                       width),
              legend,
              NX.panel("how much each layer's output differs between samples (log scale)", spreadPlot, pw),
              NX.panel("loss on the 200 training points", lossPlot, pw)];
    },
  });

  NX.register("normalisation-batch-noise", {
    render: function (ctx) {
      var Plot = ctx.Plot, f = ctx.frame, d = ctx.data, v = ctx.values;
      var z = Array.from(d.x), m = v.batch;
      var pw = NX.panelWidth(ctx.width, 2, 280);

      // 1. the unit's 200 values, with the chosen sample
      var lo = Math.min.apply(null, z), hi = Math.max.apply(null, z), count = 25, step = (hi - lo) / count;
      var population = [];
      for (var b = 0; b < count; b++) population.push({ x1: lo + b * step, x2: lo + (b + 1) * step, n: 0 });
      z.forEach(function (value) { population[Math.min(count - 1, Math.floor((value - lo) / step))].n += 1; });
      var popPlot = NX.plot({
        width: pw, height: 220, marginLeft: 48, marginRight: 14, marginBottom: 40, marginTop: 22,
        x: { label: "the unit's input x", labelAnchor: "center", labelOffset: 32, ticks: 5 },
        y: { label: "training points", grid: true },
        marks: [
          Plot.rectY(population, { x1: "x1", x2: "x2", y: "n", fill: GREY, insetLeft: 0.5, insetRight: 0.5 }),
          Plot.ruleY([0]),
          Plot.ruleX([f.value], { stroke: VERMILION, strokeWidth: 2.5 }),
          Plot.text([{ x: f.value }], { x: "x", frameAnchor: "top", dy: -12, text: function () { return "this sample"; },
                                        fill: VERMILION, fontSize: 12,
                                        textAnchor: f.value > (lo + hi) / 2 ? "end" : "start" }),
        ],
      });

      // 2. its normalised value in many random batches
      var r = d.range, bins = d.bins, width = 2 * r / bins, draws = d.draws;
      var bars = f.counts.map(function (c, k) { return { x1: -r + k * width, x2: -r + (k + 1) * width, share: c / draws }; });
      var shaded = f.bound < r ? [{ x1: -r, x2: -f.bound }, { x1: f.bound, x2: r }] : [];
      var noisePlot = NX.plot({
        width: pw, height: 220, marginLeft: 48, marginRight: 14, marginBottom: 40, marginTop: 22,
        x: { domain: [-r, r], label: "normalised value x̂ of this sample", labelAnchor: "center", labelOffset: 32,
             ticks: [-4, -2, 0, 2, 4] },
        y: { domain: [0, 1], ticks: [0, 0.25, 0.5, 0.75, 1], tickFormat: percent, grid: true, label: "share of batches" },
        marks: [
          Plot.rect(shaded, { x1: "x1", x2: "x2", y1: 0, y2: 1, fill: LIGHT }),
          Plot.rectY(bars, { x1: "x1", x2: "x2", y: "share", fill: BLUE, insetLeft: 0.5, insetRight: 0.5 }),
          Plot.ruleY([0]),
          Plot.ruleX([Math.max(-r, Math.min(r, f.eval))], { stroke: DARK, strokeWidth: 2, strokeDasharray: "4,3" }),
          Plot.text([{ x: Math.max(-r, Math.min(r, f.eval)) }], {
            x: "x", frameAnchor: "top", dy: -12, text: function () { return "evaluation mode"; }, fill: DARK,
            fontSize: 12, textAnchor: f.eval > 0 ? "end" : "start" }),
        ],
      });

      var text = "The sample at percentile " + v.percentile + " (training point " + f.index + ", x = " +
        NX.fixed(f.value, 2) + ") in " + draws + " random batches of " + m +
        ": x̂ has mean " + NX.fixed(f.mean, 2) + " and standard deviation " + NX.fixed(f.std, 2) +
        "; in evaluation mode it is " + NX.fixed(f.eval, 2) + ". No batch of " + m + " can give |x̂| above √(" + m +
        " − 1) = " + NX.fixed(f.bound, 2) + (f.bound < r ? " (grey)." : ".");
      return [note(text),
              NX.panel("what the unit receives from the 200 training points", popPlot, pw),
              NX.panel("this sample's x̂ in random batches of " + m, noisePlot, pw)];
    },
  });
})(globalThis.nnlibExplore);
