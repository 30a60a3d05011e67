/* Dead ReLU units over the epochs (chapter 5); the Python side is nnlib/explorers/dead_relu.py.
 * Precomputed (web="frames"): this view only draws. */
(function (NX) {
  "use strict";
  var LAYER_COLOURS = ["#E69F00", "#D55E00", "#7a2b00"], BLUE = "#0072B2", DARK = "#444444";

  function percent(x) {
    return Math.round(100 * x) + "%";
  }

  NX.register("dead-relu-epochs", {
    render: function (ctx) {
      var Plot = ctx.Plot, f = ctx.frame, v = ctx.values, epochs = ctx.data.epochs;
      var note = document.createElement("p");
      note.className = "nnlib-note";
      var width = Math.min(ctx.width, 620);
      if (f.finished === 0) {
        note.textContent = "η = " + v.lr + ", b = " + v.bias + ": every run diverged, and fit stopped it.";
        return note;
      }
      var points = [];
      f.dead.forEach(function (series, layer) {
        series.forEach(function (share, epoch) {
          points.push({ epoch: epoch, share: share, layer: "hidden layer " + (layer + 1) });
        });
      });
      var last = f.dead.map(function (series) { return series[epochs]; });
      var mean = (last[0] + last[1] + last[2]) / 3;
      note.textContent = "η = " + v.lr + ", b = " + v.bias + ": after " + epochs + " epochs " + percent(mean) +
        " of the hidden units are dead (layers 1, 2, 3: " + last.map(percent).join(", ") + ")" +
        (f.finished < ctx.data.seeds ? "; one of the two runs diverged and is left out." : ".");
      var dead = NX.plot({
        width: width, height: 250, marginLeft: 52, marginRight: 16, marginBottom: 42,
        x: { domain: [0, epochs], ticks: epochs, label: "epoch (0 = at initialisation)", labelAnchor: "center",
             labelOffset: 34 },
        y: { domain: [0, 1], ticks: [0, 0.25, 0.5, 0.75, 1], tickFormat: percent, grid: true,
             label: "dead units" },
        color: { domain: ["hidden layer 1", "hidden layer 2", "hidden layer 3"], range: LAYER_COLOURS, legend: true },
        marks: [
          Plot.line(points, { x: "epoch", y: "share", stroke: "layer", strokeWidth: 2.2 }),
          Plot.dot(points, { x: "epoch", y: "share", fill: "layer", r: 3 }),
          Plot.ruleY([0]),
        ],
      });
      var losses = Array.from(f.loss).map(function (value, epoch) { return { epoch: epoch, loss: value }; });
      var loss = NX.plot({
        width: width, height: 180, marginLeft: 52, marginRight: 40, marginBottom: 42,
        x: { domain: [0, epochs], ticks: epochs, label: "epoch", labelAnchor: "center", labelOffset: 34 },
        y: { domain: [0, Math.max(1, Math.max.apply(null, f.loss))], grid: true, label: "loss" },
        marks: [
          Plot.ruleY([Math.LN2], { stroke: DARK, strokeDasharray: "2,4" }),
          Plot.text([{ epoch: epochs, loss: Math.LN2 }], { x: "epoch", y: "loss", text: function () { return "ln 2"; },
                                                          dx: 4, dy: -8, textAnchor: "end", fontSize: 12 }),
          Plot.line(losses, { x: "epoch", y: "loss", stroke: BLUE, strokeWidth: 2 }),
          Plot.dot(losses, { x: "epoch", y: "loss", fill: BLUE, r: 3 }),
        ],
      });
      return [note, NX.panel("share of dead units in each hidden layer", dead, width),
              NX.panel("loss on the 200 training samples", loss, width)];
    },
  });
})(globalThis.nnlibExplore);
