/* The digits trained by each optimiser under each learning-rate schedule (chapter 11); the Python
 * side is nnlib/explorers/optimiser_race.py. Frames are precomputed (web="frames"). */
(function (NX) {
  "use strict";
  var COLOURS = { SGD: "#56B4E9", momentum: "#E69F00", Nesterov: "#D55E00", RMSProp: "#009E73", Adam: "#0072B2" };
  var GREY = "#9a9a9a";
  var SHORT = { constant: "constant", step: "step", exponential: "exp.", cosine: "cosine", "warm-up + cosine": "warm-up" };

  function loss(v) {
    return v === null || v === undefined ? "–" : v < 1 ? NX.fixed(v, 3) : NX.fixed(v, 2);
  }

  function curve(values, name) {
    var out = [];
    for (var e = 0; e < values.length; e++) if (values[e] !== null) out.push({ epoch: e + 1, loss: values[e], what: name });
    return out;
  }

  NX.register("optimiser-schedules", {
    render: function (ctx) {
      var Plot = ctx.Plot, f = ctx.frame, d = ctx.data, val = ctx.values;
      var perEpoch = d.steps_per_epoch, colour = COLOURS[val.optimiser];
      var last = function (values) { for (var e = values.length - 1; e >= 0; e--) if (values[e] !== null) return values[e]; return null; };

      var note = document.createElement("p");
      note.className = "nnlib-note";
      var head = val.optimiser + ", " + val.schedule + " schedule, peak η = " + f.peak + ": ";
      note.textContent = f.diverged
        ? head + "fit stopped the run after " + curve(f.val, "").length + " epoch(s): the loss ran away."
        : head + "after " + d.epochs + " epochs the training loss is " + loss(last(f.train)) + " and the validation loss "
          + loss(last(f.val)) + " (accuracy " + NX.fixed(100 * last(f.acc), 1) + "%)."
          + (val.schedule === "constant" ? "" : " The same optimiser and peak rate held constant end at a validation "
             + "loss of " + loss(last(f.constant_val)) + " (grey).");

      var width = Math.min(ctx.width, 640);
      // The schedule: the rate of every step, on an axis of epochs.
      var rates = Array.from(f.lr, function (r, i) { return { epoch: (i + 1) / perEpoch, lr: r }; });
      var schedule = NX.plot({
        width: width, height: 150, marginLeft: 60, marginBottom: 40,
        x: { domain: [0, d.epochs], label: "epoch" },
        y: { domain: [0, f.peak * 1.05], label: "learning rate η", grid: true, ticks: 3 },
        marks: [Plot.areaY(rates, { x: "epoch", y: "lr", fill: colour, fillOpacity: 0.2 }),
                Plot.line(rates, { x: "epoch", y: "lr", stroke: colour, strokeWidth: 2 })],
      });

      // The losses: every mini-batch faintly, the epoch means and the validation loss boldly.
      var bottom = 1e-3, top = 5;
      var clamp = function (v) { return Math.min(Math.max(v, bottom), top); };
      var steps = Array.from(f.step_loss, function (v, i) { return { epoch: (i + 1) / perEpoch, loss: clamp(v) }; });
      // The constant-rate reference first, so that the chosen run is drawn over it.
      var lines = curve(f.constant_val, "validation, constant η").concat(curve(f.train, "training loss"),
                                                                        curve(f.val, "validation loss"));
      lines.forEach(function (p) { p.loss = clamp(p.loss); });
      var losses = NX.plot({
        width: width, height: 260, marginLeft: 60, marginBottom: 40,
        x: { domain: [0, d.epochs], label: "epoch" },
        y: { type: "log", domain: [bottom, top], label: "loss (cross-entropy)", grid: true,
             ticks: [0.001, 0.01, 0.1, 1], tickFormat: function (v) { return String(v); } },
        color: { domain: ["training loss", "validation loss", "validation, constant η"], range: [colour, "currentColor", GREY],
                 legend: true },
        marks: [
          Plot.line(steps, { x: "epoch", y: "loss", stroke: colour, strokeOpacity: 0.3, strokeWidth: 1 }),
          Plot.line(lines, { x: "epoch", y: "loss", z: "what", stroke: "what", strokeWidth: 2.2 }),
          Plot.dot(lines, { x: "epoch", y: "loss", fill: "what", r: 2.5 }),
        ],
      });

      // Every optimiser under every schedule at this peak rate: the final validation loss.
      var cells = [];
      d.names.forEach(function (name) {
        d.schedules.forEach(function (s) {
          var v = d.finals[name + "|" + s + "|" + val.rate];
          cells.push({ optimiser: name, schedule: SHORT[s], loss: v === null ? 10 : v, text: loss(v),
                       chosen: name === val.optimiser && s === val.schedule });
        });
      });
      var grid = NX.plot({
        width: width, height: 240, marginLeft: 80, marginBottom: 58, marginTop: 6,
        x: { domain: d.schedules.map(function (s) { return SHORT[s]; }), label: null, tickSize: 0, tickRotate: -30 },
        y: { domain: d.names, label: null, tickSize: 0 },
        color: { type: "log", domain: [0.07, 2.5], range: ["#f7fbff", "#fdbe85"], clamp: true },
        marks: [
          Plot.cell(cells, { x: "schedule", y: "optimiser", fill: "loss", inset: 1 }),
          Plot.cell(cells.filter(function (c) { return c.chosen; }), { x: "schedule", y: "optimiser", stroke: "currentColor",
                                                                   strokeWidth: 2.5, inset: 1 }),
          // Runs that failed (loss above 0.5) in bold.
          Plot.text(cells.filter(function (c) { return c.loss <= 0.5; }), { x: "schedule", y: "optimiser", text: "text",
                                                                           fontSize: 12, fill: "currentColor" }),
          Plot.text(cells.filter(function (c) { return c.loss > 0.5; }), { x: "schedule", y: "optimiser", text: "text",
                                                                          fontSize: 12, fill: "currentColor", fontWeight: "bold" }),
        ],
      });
      var rateName = val.rate === "tuned" ? "each at its tuned rate" : "each half a decade above its tuned rate";
      return [note, NX.panel("the learning rate of every step", schedule, width),
              NX.panel("the losses (faint: every mini-batch; grey: the constant rate)", losses, width),
              NX.panel("final validation loss, every optimiser and schedule, " + rateName, grid, width)];
    },
  });
})(globalThis.nnlibExplore);
