/* Views of backpropagation and training (chapter 4); the Python side is nnlib/explorers/backprop.py. */
(function (NX) {
  "use strict";
  var BLUE = "#0072B2", ORANGE = "#E69F00", VERMILION = "#D55E00", SKY = "#CFE6F5", GREY = "#9a9a9a";

  function activationColour(label) {
    return { type: "linear", domain: [0, 1], label: label,
             interpolate: function (t) { return globalThis.d3.interpolateRdBu(1 - t); } };
  }

  function note(text) {
    var p = document.createElement("p");
    p.className = "nnlib-note";
    p.textContent = text;
    return p;
  }

  /** A colour ramp for activations from 0 to 1, as a row of its own above the panels. */
  function rampLegend(Plot, label, width) {
    var box = document.createElement("div");
    box.style.flexBasis = "100%";
    box.appendChild(Plot.legend({ color: activationColour(label), width: width, marginLeft: 14, marginRight: 16,
                                  style: { fontSize: NX.FONT_PX + "px", overflow: "visible" } }));
    return box;
  }

  /** Powers of ten between lo and hi, the ticks of a log axis, written as plain decimals. */
  function logAxis(lo, hi, label) {
    var ticks = [];
    for (var e = Math.ceil(Math.log10(lo)); e <= Math.floor(Math.log10(hi)); e++) ticks.push(Math.pow(10, e));
    return { type: "log", domain: [lo, hi], ticks: ticks, label: label, grid: true,
             tickFormat: function (v) { return v >= 1e-4 ? String(+v.toPrecision(1)) : v.toExponential(0); } };
  }

  /** A legend in HTML: a coloured square before each label. */
  function swatches(items) {
    var box = document.createElement("p");
    box.className = "nnlib-note";
    items.forEach(function (item) {
      var swatch = document.createElement("span");
      swatch.style.cssText = "display:inline-block;width:1.4em;height:0.25em;margin:0 0.35em 0 0;vertical-align:0.25em;background:" + item[0];
      var label = document.createElement("span");
      label.style.marginRight = "1.2em";
      label.textContent = item[1];
      box.appendChild(swatch);
      box.appendChild(label);
    });
    return box;
  }

  function signedFixed(x, digits) {
    return NX.fixed(x, digits).replace("-", "−");
  }

  // ---------------------------------------------------------------- the backward pass, node by node
  var LABEL = { x: "x", w1: "w⁽¹⁾", b1: "b⁽¹⁾", z1: "z⁽¹⁾", a1: "a⁽¹⁾", w2: "w⁽²⁾", b2: "b⁽²⁾", z2: "z⁽²⁾",
                y_hat: "ŷ", y: "y", L: "L" };
  // Position of each node: along the chain (0 = input, 10 = loss) and off it (0 = on the chain).
  var PLACE = { x: [0, 0], w1: [1.1, 1.5], b1: [2.9, 1.5], z1: [2, 0], a1: [4, 0], w2: [5.1, 1.5], b2: [6.9, 1.5],
                z2: [6, 0], y_hat: [8, 0], y: [9.2, 1.5], L: [10, 0] };
  var EDGES = [["x", "z1"], ["w1", "z1"], ["b1", "z1"], ["z1", "a1"], ["a1", "z2"], ["w2", "z2"], ["b2", "z2"],
               ["z2", "y_hat"], ["y_hat", "L"], ["y", "L"]];
  // The local derivative each step multiplies by, in words.
  var LOCAL = { y_hat: "∂L/∂ŷ = 2(ŷ − y)", z2: "∂ŷ/∂z⁽²⁾ = ŷ(1 − ŷ)", b2: "∂z⁽²⁾/∂b⁽²⁾ = 1",
                w2: "∂z⁽²⁾/∂w⁽²⁾ = a⁽¹⁾", a1: "∂z⁽²⁾/∂a⁽¹⁾ = w⁽²⁾", z1: "∂a⁽¹⁾/∂z⁽¹⁾ = a⁽¹⁾(1 − a⁽¹⁾)",
                b1: "∂z⁽¹⁾/∂b⁽¹⁾ = 1", w1: "∂z⁽¹⁾/∂w⁽¹⁾ = x" };
  var SUCCESSOR = { y_hat: "L", z2: "y_hat", b2: "z2", w2: "z2", a1: "z2", z1: "a1", b1: "z1", w1: "z1" };

  NX.register("backward-graph", {
    // Browser twin of backward_graph's compute() (and of one_unit_network in Python).
    compute: function (values, data) {
      var x = values.x, y = 1.0, w1 = 0.5, b1 = -0.5, w2 = 1.5, b2 = -0.5;
      var z1 = w1 * x + b1, a1 = NX.sigmoid(z1), z2 = w2 * a1 + b2, yHat = NX.sigmoid(z2), L = (yHat - y) * (yHat - y);
      var local = { L: 1.0, y_hat: 2 * (yHat - y), z2: yHat * (1 - yHat), b2: 1.0, w2: a1, a1: w2,
                    z1: a1 * (1 - a1), b1: 1.0, w1: x };
      var grads = { L: 1.0 };
      data.order.slice(1).forEach(function (node) { grads[node] = grads[SUCCESSOR[node]] * local[node]; });
      var nodeValues = { x: x, w1: w1, b1: b1, z1: z1, a1: a1, w2: w2, b2: b2, z2: z2, y_hat: yHat, y: y, L: L };
      var reached = data.order.slice(0, values.step + 1);
      var node = data.order[values.step];
      return {
        values: data.nodes.map(function (n) { return nodeValues[n]; }),
        grads: data.nodes.map(function (n) { return reached.indexOf(n) >= 0 ? grads[n] : null; }),
        local: values.step > 0 ? local[node] : null,
        incoming: values.step > 0 ? grads[SUCCESSOR[node]] : null,
      };
    },

    render: function (ctx) {
      var Plot = ctx.Plot, f = ctx.frame, d = ctx.data, step = ctx.values.step;
      var vertical = ctx.width < 560;
      var current = d.order[step];
      var reached = d.order.slice(0, step + 1);
      var travelled = reached.slice(1).map(function (n) { return n + ">" + SUCCESSOR[n]; });
      var edgeNow = step > 0 ? current + ">" + SUCCESSOR[current] : null;
      function pos(name) {  // [x, y] on the page's axes
        var p = PLACE[name];
        return vertical ? [p[1], p[0]] : [p[0], p[1]];
      }
      var nodes = d.nodes.map(function (name, k) {
        var p = pos(name);
        var onChain = PLACE[name][1] === 0;
        return { name: name, x: p[0], y: p[1], onChain: onChain, value: f.values[k], grad: f.grads[k],
                 fill: name === current ? ORANGE : reached.indexOf(name) >= 0 ? SKY
                   : (name === "x" || name === "y") ? "#e4e4e4" : "white" };
      });
      var edges = EDGES.map(function (e) {
        var key = e[0] + ">" + e[1];
        return { x1: pos(e[0])[0], y1: pos(e[0])[1], x2: pos(e[1])[0], y2: pos(e[1])[1],
                 stroke: key === edgeNow ? VERMILION : travelled.indexOf(key) >= 0 ? BLUE : "#bbbbbb",
                 width: key === edgeNow ? 4 : travelled.indexOf(key) >= 0 ? 2.5 : 1.5 };
      });
      // Values (grey) and gradients (red) beside each node: below/above it when the graph runs
      // across the page, left/right of it when it runs down a phone screen.
      function textMark(field, colour, weight, offset) {
        var rows = nodes.filter(function (n) { return n[field] !== null && n[field] !== undefined; });
        var options = { x: "x", y: "y", text: function (n) { return signedFixed(n[field], 4); }, fontSize: 12,
                        fill: colour, fontWeight: weight };
        if (vertical) {
          return [Plot.text(rows.filter(function (n) { return n.onChain; }), Object.assign({}, options, { dx: -24, dy: offset, textAnchor: "end" })),
                  Plot.text(rows.filter(function (n) { return !n.onChain; }), Object.assign({}, options, { dx: 24, dy: offset, textAnchor: "start" }))];
        }
        return [Plot.text(rows.filter(function (n) { return n.onChain; }), Object.assign({}, options, { dy: 30 + offset })),
                Plot.text(rows.filter(function (n) { return !n.onChain; }), Object.assign({}, options, { dy: -30 - offset }))];
      }
      var marks = [
        Plot.link(edges, { x1: "x1", y1: "y1", x2: "x2", y2: "y2", stroke: function (e) { return e.stroke; },
                           strokeWidth: function (e) { return e.width; } }),
        Plot.dot(nodes, { x: "x", y: "y", r: 17, fill: function (n) { return n.fill; }, stroke: "#444", strokeWidth: 1.5 }),
        Plot.text(nodes, { x: "x", y: "y", text: function (n) { return LABEL[n.name]; }, fontSize: 14 }),
      ].concat(textMark("value", "#666", "normal", vertical ? -8 : 0), textMark("grad", VERMILION, "bold", vertical ? 9 : 16));
      var plot = NX.plot(vertical ? {
        width: ctx.width, height: 560, margin: 30, marginLeft: 90, marginRight: 90,
        x: { domain: [-0.3, 1.8], axis: null }, y: { domain: [-0.5, 10.5], reverse: true, axis: null },
        marks: marks,
      } : {
        width: ctx.width, height: 230, margin: 12, marginTop: 44, marginBottom: 52,
        x: { domain: [-0.5, 10.5], axis: null }, y: { domain: [-0.1, 1.6], axis: null },
        marks: marks,
      });
      var lines;
      if (step === 0) {
        lines = ["Step 0 of " + (d.order.length - 1) + ": backpropagation starts at the loss, with ∂L/∂L = 1.",
                 "Move the step slider to walk backwards through the graph."];
      } else {
        var here = LABEL[current], there = LABEL[SUCCESSOR[current]];
        var grad = f.grads[d.nodes.indexOf(current)];
        lines = ["Step " + step + " of " + (d.order.length - 1) + ": at node " + here + ", reached from " + there + ".",
                 "local derivative: " + LOCAL[current] + " = " + signedFixed(f.local, 4),
                 "gradient: ∂L/∂" + here + " = ∂L/∂" + there + " × local = " + signedFixed(f.incoming, 4) + " × " +
                   signedFixed(f.local, 4) + " = " + signedFixed(grad, 4)];
      }
      var legend = note("grey: value in the forward pass; red: gradient ∂L/∂(node); orange: the current node");
      return [legend, plot].concat(lines.map(note));
    },
  });

  // ---------------------------------------------------------------- the worked example, step by step
  /** W1 (3, 4), b1 (4,), W2 (4,), b2 of row `step` of the recorded weights. */
  function parameters(weights, step) {
    var w = weights.subarray(step * 21, step * 21 + 21);
    return { W1: function (i, j) { return w[i * 4 + j]; }, b1: w.subarray(12, 16), W2: w.subarray(16, 20), b2: w[20] };
  }

  NX.register("training-run", {
    // Browser twin of training_run's compute(): the forward pass of the recorded weights at one step.
    compute: function (values, data) {
      var p = parameters(data.weights, values.step), g = data.grid, n = g.length;
      var hidden = new Float64Array(4 * n * n), output = new Float64Array(n * n);
      function forward(x1, x2, into, at) {
        var z2 = 0;
        for (var j = 0; j < 4; j++) {
          var a = NX.sigmoid(x1 * p.W1(0, j) + x2 * p.W1(1, j) + p.W1(2, j) + p.b1[j]);
          if (into) into[j * n * n + at] = a;
          z2 += a * p.W2[j];
        }
        return NX.sigmoid(z2 + p.b2);
      }
      for (var i = 0; i < n; i++) for (var k = 0; k < n; k++) output[i * n + k] = forward(g[k], g[i], hidden, i * n + k);
      hidden.shape = [4, n, n];
      output.shape = [n, n];
      var loss = 0, yHat = [];
      for (var s = 0; s < data.X.length; s++) {
        yHat.push(forward(data.X[s][0], data.X[s][1], null, 0));
        loss += (yHat[s] - data.targets[s]) * (yHat[s] - data.targets[s]);
      }
      var steps = data.loss.length;
      return { hidden: hidden, output: output, y_hat: yHat, loss: loss,
               grad_norms: [data.grad_norms[values.step], data.grad_norms[steps + values.step]] };
    },

    render: function (ctx) {
      var Plot = ctx.Plot, f = ctx.frame, d = ctx.data, t = ctx.values.step;
      var g = d.grid, n = g.length, lo = g[0], hi = g[n - 1], steps = d.loss.length - 1;
      var p = parameters(d.weights, t);
      var samples = d.X.map(function (x, k) { return { x: x[0], y: x[1], target: d.targets[k], out: f.y_hat[k] }; });
      function sampleMarks(withLabels) {
        var marks = [Plot.dot(samples, { x: "x", y: "y", r: withLabels ? 6 : 4.5,
                                         symbol: function (s) { return s.target ? "square" : "circle"; },
                                         fill: function (s) { return s.target ? "black" : "white"; }, stroke: "black", strokeWidth: 1.3 })];
        if (withLabels) {
          marks.push(Plot.text(samples, { x: "x", y: function (s) { return s.y + 0.24; }, text: function (s) { return NX.fixed(s.out, 2); },
                                          fontSize: 12, fill: "black", stroke: "white", strokeWidth: 3 }));
        }
        return marks;
      }
      function surface(values, width, line, withLabels, title) {
        var marks = [Plot.raster(values, { width: n, height: n, x1: lo, x2: hi, y1: lo, y2: hi, imageRendering: "auto" })];
        if (line) marks.push(Plot.line(line, { stroke: "black", strokeWidth: 1.5, clip: true }));
        var plot = NX.plot({
          width: width, height: width, marginLeft: 36, marginBottom: 36, marginRight: 8, marginTop: 16,
          x: { domain: [lo, hi], label: "x₁", ticks: [0, 1], tickFormat: "d" },
          y: { domain: [lo, hi], label: "x₂", ticks: [0, 1], tickFormat: "d" },
          color: activationColour("activation"),
          marks: marks.concat(sampleMarks(withLabels)),
        });
        return NX.panel(title, plot, width);
      }
      var nodes = [note("After t = " + t + " of " + steps + " steps: loss L = " + NX.fixed(f.loss, 4) +
                        ";  gradient norms ‖∂L/∂W⁽¹⁾‖ = " + NX.fixed(f.grad_norms[0], 4) +
                        ", ‖∂L/∂W⁽²⁾‖ = " + NX.fixed(f.grad_norms[1], 4)),
                   rampLegend(Plot, "activation (blue 0, white 0.5, red 1)", Math.min(ctx.width, 300))];
      var small = NX.panelWidth(ctx.width, 4, 150);
      for (var j = 0; j < 4; j++) {
        var w1 = p.W1(0, j), w2 = p.W1(1, j), b = p.W1(2, j) + p.b1[j], line = null;
        if (w1 !== 0 || w2 !== 0) {  // the unit's switching line w1 x1 + w2 x2 + b = 0 (x3 = 1 folds into b)
          line = Math.abs(w2) >= Math.abs(w1)
            ? [[lo - 1, -(b + w1 * (lo - 1)) / w2], [hi + 1, -(b + w1 * (hi + 1)) / w2]]
            : [[-(b + w2 * (lo - 1)) / w1, lo - 1], [-(b + w2 * (hi + 1)) / w1, hi + 1]];
        }
        var slice = f.hidden.subarray(j * n * n, (j + 1) * n * n);
        nodes.push(surface(slice, small, line, false, "hidden unit " + (j + 1)));
      }
      var wide = NX.panelWidth(ctx.width, 3, 220);
      nodes.push(surface(f.output, wide, null, true, "output ŷ and predictions"));
      var lossRows = Array.from(d.loss, function (v, k) { return { t: k, v: v }; });
      var lossPlot = NX.plot({
        width: wide, height: Math.min(wide, 280), marginLeft: 48, marginBottom: 36, marginTop: 16,
        x: { domain: [0, steps], label: "step t" },
        y: logAxis(Math.min.apply(null, d.loss) / 1.5, Math.max.apply(null, d.loss) * 1.5, "loss L (log scale)"),
        marks: [
          Plot.line(lossRows, { x: "t", y: "v", stroke: BLUE, strokeWidth: 2 }),
          Plot.ruleX([t], { stroke: GREY, strokeDasharray: "3,3" }),
          Plot.dot([{ t: t, v: d.loss[t] }], { x: "t", y: "v", r: 5, fill: VERMILION }),
        ],
      });
      nodes.push(NX.panel("loss, with the current step", lossPlot, wide));
      var normRows = [];
      for (var k = 0; k <= steps; k++) {
        normRows.push({ t: k, v: d.grad_norms[k], layer: "layer 1" });
        normRows.push({ t: k, v: d.grad_norms[steps + 1 + k], layer: "layer 2" });
      }
      var last = [{ t: steps, v: d.grad_norms[steps], layer: "layer 1", label: "‖∂L/∂W⁽¹⁾‖" },
                  { t: steps, v: d.grad_norms[2 * steps + 1], layer: "layer 2", label: "‖∂L/∂W⁽²⁾‖" }];
      var all = Array.from(d.grad_norms);
      var normPlot = NX.plot({
        width: wide, height: Math.min(wide, 280), marginLeft: 48, marginBottom: 36, marginTop: 16,
        x: { domain: [0, steps], label: "step t" },
        y: logAxis(Math.min.apply(null, all) / 1.5, Math.max.apply(null, all) * 2.5, "gradient norm (log scale)"),
        color: { domain: ["layer 1", "layer 2"], range: [BLUE, ORANGE] },
        marks: [
          Plot.line(normRows, { x: "t", y: "v", stroke: "layer", strokeWidth: 1.8 }),
          Plot.text(last, { x: "t", y: "v", text: "label", fill: "layer", textAnchor: "end", dy: -10, fontSize: 12 }),
          Plot.ruleX([t], { stroke: GREY, strokeDasharray: "3,3" }),
          Plot.dot([{ t: t, v: f.grad_norms[0], layer: "layer 1" }, { t: t, v: f.grad_norms[1], layer: "layer 2" }],
                   { x: "t", y: "v", r: 5, fill: "layer", stroke: "white" }),
        ],
      });
      nodes.push(NX.panel("gradient norm of each layer", normPlot, wide));
      return nodes;
    },
  });

  // ---------------------------------------------------------------- learning rates (stored runs)
  /** Row k of a (rows, columns) array: packed (a typed array with a shape) or nested lists. */
  function row(array, k) {
    if (!ArrayBuffer.isView(array)) return array[k];
    var n = array.shape[1];
    return array.subarray(k * n, (k + 1) * n);
  }

  NX.register("learning-rates", {
    // Browser twin of learning_rates' compute(): pick the stored run of this learning rate.
    compute: function (values, data) {
      var k = data.rates.indexOf(values.lr);
      return { loss: row(data.curves, k), y_hat: Array.from(row(data.y_hat, k)), final: data.final[k], rises: data.rises[k] };
    },

    render: function (ctx) {
      var Plot = ctx.Plot, f = ctx.frame, d = ctx.data, lr = ctx.values.lr;
      var pw = NX.panelWidth(ctx.width, 2, 260);
      var curve = Array.from(f.loss, function (v, k) { return { t: k, v: v }; });
      var reference = Array.from(row(d.curves, d.reference), function (v, k) { return { t: k, v: v }; });
      var left = NX.plot({
        width: pw, height: 260, marginLeft: 52, marginBottom: 40,
        x: { domain: [0, curve.length], label: "step t" },
        y: logAxis(d.low, d.high, "loss L (log scale)"),
        marks: [
          Plot.line(reference, { x: "t", y: "v", stroke: "#bbbbbb", strokeWidth: 1.5 }),
          Plot.line(curve, { x: "t", y: "v", stroke: BLUE, strokeWidth: 2 }),
        ],
      });
      var rows = f.y_hat.map(function (v, k) { return { sample: ["001", "011", "101", "111"][k], v: v, target: d.targets[k] }; });
      var right = NX.plot({
        width: pw, height: 260, marginLeft: 52, marginBottom: 40,
        x: { label: "input x", domain: ["001", "011", "101", "111"], padding: 0.3 },
        y: { domain: [0, 1.05], label: "prediction ŷ after training", grid: true },
        marks: [
          Plot.barY(rows, { x: "sample", y: "v", fill: "#56B4E9" }),
          Plot.tickY(rows, { x: "sample", y: "target", stroke: "black", strokeWidth: 3 }),
          Plot.ruleY([0]),
        ],
      });
      var trend = f.rises === 0 ? "the loss fell at every step" : "the loss rose at " + f.rises + " of " + curve.length + " steps";
      var name = "η = " + Number(lr.toPrecision(3));  // as the slider shows it: 0.0178, 1, 31.6
      return [note(name + ": final loss " + NX.fixed(f.final, 4) + "; " + trend + "."),
              swatches([[BLUE, name], ["#bbbbbb", "η = 1, the worked example"]]),
              NX.panel("loss at every step", left, pw), NX.panel("bars: predictions; black lines: targets", right, pw)];
    },
  });
})(globalThis.nnlibExplore);
