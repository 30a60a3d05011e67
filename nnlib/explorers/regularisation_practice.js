/* Views of regularisation in practice (chapter 13); the Python side is
 * nnlib/explorers/regularisation_practice.py. "regularisation-curves" draws precomputed runs
 * (web="frames"); "dropout-batch" computes its frames in the browser (web="browser"). */
(function (NX) {
  "use strict";
  var BLUE = "#0072B2", ORANGE = "#E69F00", VERMILION = "#D55E00", GREY = "#8c8c8c", DARK = "#333333";

  function note(text) {
    var p = document.createElement("p");
    p.className = "nnlib-note";
    p.textContent = text;
    return p;
  }

  /** A legend in HTML: it wraps on a phone and uses the page's text size. `dashed` marks dashed lines. */
  function legend(names, colours, dashed) {
    var box = document.createElement("div");
    box.className = "nnlib-note";
    names.forEach(function (name, k) {
      var item = document.createElement("span");
      item.style.marginRight = "1.2em";
      item.style.whiteSpace = "nowrap";
      var swatch = document.createElement("span");
      var fill = dashed && dashed[k]
        ? "repeating-linear-gradient(90deg," + colours[k] + " 0 5px,transparent 5px 8px)" : colours[k];
      swatch.style.cssText = "display:inline-block;width:1.6em;height:0.3em;vertical-align:middle;margin-right:0.4em;" +
        "background:" + fill;
      item.appendChild(swatch);
      item.appendChild(document.createTextNode(name));
      box.appendChild(item);
    });
    return box;
  }

  /** Row `k` of a (rows, columns) table: a packed typed array with a shape, or a nested list. */
  function row(table, k) {
    if (table.shape) {
      var n = table.shape[1];
      return Array.from(table.subarray(k * n, (k + 1) * n));
    }
    return table[k];
  }

  function rows(table, count) {
    var out = [];
    for (var k = 0; k < count; k++) out.push(row(table, k));
    return out;
  }

  function mean(series) {
    var out = [];
    for (var e = 0; e < series[0].length; e++) {
      var sum = 0;
      for (var k = 0; k < series.length; k++) sum += series[k][e];
      out.push(sum / series.length);
    }
    return out;
  }

  function points(values, name, seed) {
    return values.map(function (v, e) { return { epoch: e + 1, value: v, curve: name, seed: seed }; });
  }

  function percent(x, digits) {
    return NX.fixed(100 * x, digits === undefined ? 1 : digits) + "%";
  }

  function listed(numbers) {
    return numbers.join(", ");
  }

  // ---- the curves of every setting --------------------------------------------------------------
  NX.register("regularisation-curves", {
    render: function (ctx) {
      var Plot = ctx.Plot, f = ctx.frame, d = ctx.data, v = ctx.values;
      var run = d.runs[f.run], reference = d.runs[v.labels + "|none"];
      var n = d.seeds, epochs = d.epochs, noisy = v.labels === "noisy";
      var valLoss = rows(run.val_loss, n), valAcc = rows(run.val_metric, n);
      var meanValLoss = mean(valLoss), meanValAcc = mean(valAcc);
      var meanLoss = mean(rows(run.loss, n)), meanTrainAcc = mean(rows(run.train_metric, n));
      var learnt = noisy ? mean(rows(run.learnt, n)) : null;
      var best = Array.from(f.best), stopped = Array.from(f.stopped), restored = Array.from(f.restored);
      var showReference = v.setting !== "none";
      var pw = NX.panelWidth(ctx.width, 2, 330);

      // Early stopping, seed by seed: a ring where the weights are restored, a cross where it stops.
      var rings = [], crosses = [], ringsAcc = [];
      for (var k = 0; k < n; k++) {
        rings.push({ epoch: best[k], value: valLoss[k][best[k] - 1] });
        ringsAcc.push({ epoch: best[k], value: valAcc[k][best[k] - 1] });
        // A stop after the last epoch ends nothing early: only earlier stops get a cross.
        if (stopped[k] > 0 && stopped[k] < epochs) crosses.push({ epoch: stopped[k], value: valLoss[k][stopped[k] - 1] });
      }

      var thinLoss = [], thinAcc = [];
      for (k = 0; k < n; k++) {
        thinLoss = thinLoss.concat(points(valLoss[k], "validation", k));
        thinAcc = thinAcc.concat(points(valAcc[k], "validation", k));
      }
      var top = Math.max(d.chance, Math.max.apply(null, meanLoss), Math.max.apply(null, meanValLoss));
      var xAxis = { domain: [0, epochs], label: "epoch", labelAnchor: "center", labelOffset: 32, ticks: 8 };

      var lossMarks = [
        Plot.line(thinLoss, { x: "epoch", y: "value", z: "seed", stroke: BLUE, strokeOpacity: 0.35, strokeWidth: 1, clip: true }),
      ];
      if (showReference) {
        lossMarks.push(Plot.line(points(mean(rows(reference.val_loss, n)), "none"),
                                 { x: "epoch", y: "value", stroke: GREY, strokeWidth: 2, strokeDasharray: "5,3" }));
      }
      lossMarks.push(
        Plot.line(points(meanLoss, "training"), { x: "epoch", y: "value", stroke: ORANGE, strokeWidth: 2.5 }),
        Plot.line(points(meanValLoss, "validation"), { x: "epoch", y: "value", stroke: BLUE, strokeWidth: 2.5 }),
        Plot.dot(rings, { x: "epoch", y: "value", r: 5, stroke: DARK, strokeWidth: 1.5, fill: "white", clip: true }),
        Plot.dot(crosses, { x: "epoch", y: "value", r: 5, symbol: "times", stroke: DARK, strokeWidth: 2, clip: true })
      );
      var loss = NX.plot({
        width: pw, height: 240, marginLeft: 52, marginRight: 16, marginBottom: 42, marginTop: 26,
        x: xAxis, y: { domain: [0, 1.05 * top], label: "cross-entropy loss", grid: true },
        marks: lossMarks,
      });

      var accMarks = [
        Plot.line(thinAcc, { x: "epoch", y: "value", z: "seed", stroke: BLUE, strokeOpacity: 0.35, strokeWidth: 1 }),
      ];
      if (showReference) {
        accMarks.push(Plot.line(points(mean(rows(reference.val_metric, n)), "none"),
                                { x: "epoch", y: "value", stroke: GREY, strokeWidth: 2, strokeDasharray: "5,3" }));
      }
      accMarks.push(Plot.line(points(meanTrainAcc, "training"), { x: "epoch", y: "value", stroke: ORANGE, strokeWidth: 2.5 }));
      if (noisy) {
        accMarks.push(Plot.line(points(learnt, "learnt"), { x: "epoch", y: "value", stroke: VERMILION, strokeWidth: 2.5,
                                                             strokeDasharray: "2,2" }));
      }
      accMarks.push(
        Plot.line(points(meanValAcc, "validation"), { x: "epoch", y: "value", stroke: BLUE, strokeWidth: 2.5 }),
        Plot.dot(ringsAcc, { x: "epoch", y: "value", r: 5, stroke: DARK, strokeWidth: 1.5, fill: "white" })
      );
      var accuracy = NX.plot({
        width: pw, height: 240, marginLeft: 52, marginRight: 16, marginBottom: 42, marginTop: 26,
        x: xAxis,
        y: { domain: [0, 1], label: "accuracy", grid: true, ticks: [0, 0.2, 0.4, 0.6, 0.8, 1],
             tickFormat: function (t) { return Math.round(100 * t) + "%"; } },
        marks: accMarks,
      });

      var early = stopped.filter(function (s) { return s > 0 && s < epochs; });
      var restoredMean = restored.reduce(function (s, x) { return s + x; }, 0) / n;
      var text = (noisy ? d.wrong + "% of the training labels wrong" : "Training labels as they are") + ", " + v.setting +
        ". After epoch " + epochs + " (mean of " + n + " seeds): training accuracy " + percent(meanTrainAcc[epochs - 1]) +
        ", validation accuracy " + percent(meanValAcc[epochs - 1]) +
        (noisy ? ", wrong labels learnt " + percent(learnt[epochs - 1], 0) : "") + ". Early stopping with patience " +
        v.patience + " stops " + (early.length ? early.length + " of the " + n + " runs early (after epochs " +
        listed(early) + ")" : "none of the runs early") + " and restores epochs " + listed(best) +
        "; their validation accuracy is then " + percent(restoredMean) + " on average.";
      var names = ["training", "validation (thin: each seed)"], colours = [ORANGE, BLUE], dashes = [false, false];
      if (noisy) { names.push("wrong labels learnt"); colours.push(VERMILION); dashes.push(true); }
      if (showReference) { names.push("validation, no remedy"); colours.push(GREY); dashes.push(true); }
      var key = legend(names, colours, dashes);
      var marksKey = note("○ weights early stopping restores   × epoch after which it stops");
      return [note(text), key, marksKey, NX.panel("Loss", loss, pw), NX.panel("Accuracy", accuracy, pw)];
    },
  });

  // ---- dropout on one batch ---------------------------------------------------------------------
  NX.register("dropout-batch", {
    // Browser twin of dropout_batch's compute(), operation for operation.
    compute: function (values, data) {
      var a = data.a, u = data.u, p = values.p, size = a.length;
      var rowsCount = a.shape[0], columns = a.shape[1];
      var mask = new Float64Array(size), out = new Float64Array(size), factor = 1.0;
      if (values.mode === "evaluation") {
        mask.fill(1.0);
      } else {
        for (var i = 0; i < size; i++) mask[i] = u[i] >= p ? 1.0 : 0.0;
        factor = values.scaling === "inverted" ? 1.0 / (1.0 - p) : 1.0;
      }
      var meanIn = new Float64Array(rowsCount), meanOut = new Float64Array(rowsCount), kept = 0;
      for (i = 0; i < size; i++) {
        out[i] = a[i] * (mask[i] * factor);
        kept += mask[i];
      }
      for (var r = 0; r < rowsCount; r++) {
        var sumIn = 0, sumOut = 0;
        for (var c = 0; c < columns; c++) {
          sumIn += a[r * columns + c];
          sumOut += out[r * columns + c];
        }
        meanIn[r] = sumIn / columns;
        meanOut[r] = sumOut / columns;
      }
      return { mask: mask, factor: factor, out: out, mean_in: meanIn, mean_out: meanOut, kept: kept / size };
    },

    render: function (ctx) {
      var Plot = ctx.Plot, f = ctx.frame, d = ctx.data, v = ctx.values;
      var rowsCount = d.a.shape[0], columns = d.a.shape[1];
      var pw = NX.panelWidth(ctx.width, 1, 300);
      var heat = { type: "linear", domain: [0, d.top], range: ["#ffffff", "#08306b"], clamp: true };

      function map(values, colour, label) {
        return NX.plot({
          width: pw, height: 26 + 15 * rowsCount + 40, marginLeft: 52, marginRight: 10, marginTop: 8, marginBottom: 40,
          x: { domain: [0, columns], label: label, labelAnchor: "center", labelOffset: 32, ticks: [0, 32, 64, 96, 128] },
          y: { domain: [rowsCount, 0], label: "digit", labelAnchor: "center", ticks: d.digits.map(function (k) { return k + 0.5; }),
               tickFormat: function (t) { return String(Math.floor(t)); } },
          color: colour,
          marks: [Plot.raster(values, { width: columns, height: rowsCount, x1: 0, x2: columns, y1: 0, y2: rowsCount,
                                        imageRendering: "pixelated" }),
                  Plot.frame({ stroke: DARK })],
        });
      }

      var before = map(d.a, heat, "hidden unit");
      var maskMap = map(f.mask, { type: "linear", domain: [0, 1], range: ["#222222", "#f2f2f2"] }, "hidden unit");
      var after = map(f.out, heat, "hidden unit");

      var dots = [], top = 0;
      for (var r = 0; r < rowsCount; r++) {
        dots.push({ x: f.mean_in[r], y: f.mean_out[r], digit: String(d.digits[r]) });
        top = Math.max(top, f.mean_in[r], f.mean_out[r]);
      }
      top *= 1.1;
      var training = v.mode === "training";
      var shrink = training && v.scaling === "none" ? 1 - v.p : null;
      var scatterMarks = [
        Plot.line([[0, 0], [top, top]], { stroke: GREY, strokeWidth: 1.5 }),
      ];
      if (shrink !== null) {
        scatterMarks.push(Plot.line([[0, 0], [top, shrink * top]], { stroke: VERMILION, strokeWidth: 1.5, strokeDasharray: "5,3" }));
      }
      var side = Math.min(pw, 330);
      // Each label goes right of its dot, or else left, above or below: the first place where it
      // covers neither another label nor another dot (positions in pixels, inside the margins).
      var pxX = (side - 68) / top, pxY = (side - 54) / top;
      // `centre`: where the middle of a one-digit label lies, relative to its dot.
      var places = [{ dx: 11, dy: 0, anchor: "start", centre: 15 }, { dx: -11, dy: 0, anchor: "end", centre: -15 },
                    { dx: 0, dy: -14, anchor: "middle", centre: 0 }, { dx: 0, dy: 14, anchor: "middle", centre: 0 }];
      var groups = places.map(function () { return []; }), placed = [];
      dots.forEach(function (dot) {
        var cx = dot.x * pxX, cy = -dot.y * pxY;
        var free = function (place) {
          var lx = cx + place.centre, ly = cy + place.dy;
          var onLabel = placed.some(function (b) { return Math.abs(b[0] - lx) < 10 && Math.abs(b[1] - ly) < 14; });
          var onDot = dots.some(function (o) {
            return o !== dot && Math.abs(o.x * pxX - lx) < 9 && Math.abs(-o.y * pxY - ly) < 11;
          });
          return !onLabel && !onDot;
        };
        var k = Math.max(0, places.findIndex(free));     // none free: to the right after all
        groups[k].push(dot);
        placed.push([cx + places[k].centre, cy + places[k].dy]);
      });
      scatterMarks.push(Plot.dot(dots, { x: "x", y: "y", r: 4, fill: BLUE }));
      places.forEach(function (place, k) {
        scatterMarks.push(Plot.text(groups[k], { x: "x", y: "y", text: "digit", dx: place.dx, dy: place.dy,
                                                 fontSize: 12, textAnchor: place.anchor }));
      });
      var scatter = NX.plot({
        width: side, height: side, marginLeft: 52, marginBottom: 42, marginTop: 12, marginRight: 16,
        x: { domain: [0, top], label: "mean activation before dropout", labelAnchor: "center", labelOffset: 32, ticks: 4 },
        y: { domain: [0, top], label: "mean after dropout", labelAnchor: "center", ticks: 4 },
        marks: scatterMarks,
      });

      var text = training
        ? "Training mode, p = " + NX.fixed(v.p, 2) + ": " + percent(f.kept) + " of the " + rowsCount * columns +
          " values kept, each multiplied by " + NX.fixed(f.factor, 3) +
          (v.scaling === "none" ? " (no scaling: the mean falls to about 1 − p = " + NX.fixed(1 - v.p, 2) + " of its value)."
                                : " (= 1/(1 − p): the mean stays about where it was).")
        : "Evaluation mode: dropout passes every value through unchanged, whatever p.";
      var keyNames = ["each digit: mean over its 128 units", "after = before"], keyColours = [BLUE, GREY];
      var keyDashes = [false, false];
      if (shrink !== null) { keyNames.push("after = (1 − p) × before"); keyColours.push(VERMILION); keyDashes.push(true); }
      var scatterBox = document.createElement("div");
      scatterBox.appendChild(legend(keyNames, keyColours, keyDashes));
      scatterBox.appendChild(scatter);
      return [note(text),
              NX.panel("Activations a of the first hidden layer (darker = larger)", before, pw),
              NX.panel("Mask: light = kept, dark = dropped", maskMap, pw),
              NX.panel("After dropout (same colour scale)", after, pw),
              NX.panel("What the next layer receives, on average", scatterBox, pw)];
    },
  });
})(globalThis.nnlibExplore);
