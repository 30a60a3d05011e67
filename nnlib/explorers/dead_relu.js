/* Dead ReLU units over the epochs (chapter 5); the Python side is nnlib/explorers/dead_relu.py.
 * Precomputed (web="frames"): this view only draws. */
(function (NX) {
  "use strict";
  var LAYER_COLOURS = ["#E69F00", "#D55E00", "#7a2b00"], BLUE = "#0072B2", DARK = "#444444";
  var LAYERS = ["hidden layer 1", "hidden layer 2", "hidden layer 3"];

  function percent(x) {
    return Math.round(100 * x) + "%";
  }

  /** A tick label for a power of ten: 0.01, 0.1, 1, 10, 100 (no superscripts: legible on a phone). */
  function powerOfTen(x) {
    var k = Math.round(Math.log10(x));
    return k < 0 ? Math.pow(10, k).toFixed(-k) : String(Math.pow(10, k));
  }

  /** Whole decades around the values: a log axis's domain and its ticks. */
  function decades(values) {
    var finite = values.filter(function (v) { return v > 0; });
    var lo = Math.floor(Math.log10(Math.min.apply(null, finite)));
    var hi = Math.max(lo + 1, Math.ceil(Math.log10(Math.max.apply(null, finite))));
    var ticks = [];
    for (var k = lo; k <= hi; k++) ticks.push(Math.pow(10, k));
    return { domain: [Math.pow(10, lo), Math.pow(10, hi)], ticks: ticks };
  }

  /** A legend in HTML (it wraps on a phone and uses the page's text size): a swatch per series. */
  function legend(names, colours) {
    var box = document.createElement("div");
    box.className = "nnlib-note";
    names.forEach(function (name, k) {
      var item = document.createElement("span");
      item.style.marginRight = "1.2em";
      item.style.whiteSpace = "nowrap";
      var swatch = document.createElement("span");
      swatch.style.cssText = "display:inline-block;width:1.6em;height:0.25em;vertical-align:middle;margin-right:0.4em;" +
        "background:" + colours[k];
      item.appendChild(swatch);
      item.appendChild(document.createTextNode(name));
      box.appendChild(item);
    });
    return box;
  }

  NX.register("dead-relu-epochs", {
    render: function (ctx) {
      var Plot = ctx.Plot, f = ctx.frame, v = ctx.values, epochs = ctx.data.epochs;
      var note = document.createElement("p");
      note.className = "nnlib-note";
      var width = Math.min(ctx.width, 620);
      var seeds = ctx.data.seeds;
      if (f.finished === 0) {
        note.textContent = "η = " + v.lr + ", b = " + v.bias + ": all " + seeds + " runs diverged, and fit stopped them.";
        return note;
      }
      var points = [], band = [];
      f.dead.forEach(function (series, layer) {
        series.forEach(function (share, epoch) {
          var name = "hidden layer " + (layer + 1);
          points.push({ epoch: epoch, share: share, layer: name });
          band.push({ epoch: epoch, low: f.low[layer][epoch], high: f.high[layer][epoch], layer: name });
        });
      });
      var last = f.dead.map(function (series) { return series[epochs]; });
      var mean = (last[0] + last[1] + last[2]) / 3;
      var stopped = seeds - f.finished;
      note.textContent = "η = " + v.lr + ", b = " + v.bias + ": after " + epochs + " epochs " + percent(mean) +
        " of the hidden units are dead, on average (layers 1, 2, 3: " + last.map(percent).join(", ") + ")" +
        (stopped ? "; " + stopped + " of the " + seeds + " runs diverged and are left out." : ", over all " + seeds + " runs.");
      var dead = NX.plot({
        width: width, height: 250, marginLeft: 52, marginRight: 16, marginBottom: 42,
        x: { domain: [0, epochs], ticks: epochs, label: "epoch (0 = at initialisation)", labelAnchor: "center",
             labelOffset: 34 },
        y: { domain: [0, 1], ticks: [0, 0.25, 0.5, 0.75, 1], tickFormat: percent, grid: true,
             label: "dead units" },
        color: { domain: LAYERS, range: LAYER_COLOURS },
        marks: [
          Plot.areaY(band, { x: "epoch", y1: "low", y2: "high", fill: "layer", z: "layer", fillOpacity: 0.15 }),
          Plot.line(points, { x: "epoch", y: "share", stroke: "layer", strokeWidth: 2.2 }),
          Plot.dot(points, { x: "epoch", y: "share", fill: "layer", r: 3 }),
          Plot.ruleY([0]),
        ],
      });
      var losses = Array.from(f.loss).map(function (value, epoch) { return { epoch: epoch, loss: value }; });
      var y = decades(Array.from(f.loss).concat([Math.LN2]));
      var loss = NX.plot({
        width: width, height: 180, marginLeft: 52, marginRight: 40, marginBottom: 42,
        x: { domain: [0, epochs], ticks: epochs, label: "epoch", labelAnchor: "center", labelOffset: 34 },
        y: { type: "log", domain: y.domain, ticks: y.ticks, tickFormat: powerOfTen, grid: true,
             label: "loss (log scale)" },
        marks: [
          Plot.ruleY([Math.LN2], { stroke: DARK, strokeDasharray: "2,4" }),
          Plot.text([{ epoch: epochs, loss: Math.LN2 }], { x: "epoch", y: "loss", text: function () { return "log 2"; },
                                                          dx: 6, textAnchor: "start", fontSize: 12 }),
          Plot.line(losses, { x: "epoch", y: "loss", stroke: BLUE, strokeWidth: 2 }),
          Plot.dot(losses, { x: "epoch", y: "loss", fill: BLUE, r: 3 }),
        ],
      });
      var withLegend = document.createElement("div");
      withLegend.appendChild(legend(LAYERS, LAYER_COLOURS));
      withLegend.appendChild(dead);
      return [note, NX.panel("share of dead units in each hidden layer (line: mean; band: lowest to highest run)", withLegend, width),
              NX.panel("loss on the 200 training samples (mean of the runs)", loss, width)];
    },
  });
})(globalThis.nnlibExplore);
