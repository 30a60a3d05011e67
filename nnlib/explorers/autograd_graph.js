/* Views of automatic differentiation (chapter 14); the Python side is nnlib/explorers/autograd_graph.py.
 *
 * Both views receive a graph the engine recorded (nodes in topological order, each with its
 * operation and parents) and interpret it here: values forwards, gradients backwards, with the
 * local rules of nnlib.autograd.Value written the same way, so the browser's numbers are the
 * engine's. */
(function (NX) {
  "use strict";
  var BLUE = "#0072B2", ORANGE = "#E69F00", VERMILION = "#D55E00", SKY = "#CFE6F5", GREY = "#666666";

  // ---------------------------------------------------------------- the engine's rules
  function sigmoid(a) {  // as Value.sigmoid: only exp(-|a|) is computed
    var e = Math.exp(-Math.abs(a));
    return a >= 0 ? 1.0 / (1.0 + e) : e / (1.0 + e);
  }

  /** Every node's value, in the graph's (topological) order, with the input set to x. */
  function evaluate(graph, x) {
    var values = [];
    graph.op.forEach(function (op, i) {
      var p = graph.parents[i], a = p.length ? values[p[0]] : 0, b = p.length > 1 ? values[p[1]] : 0;
      var v;
      if (op === "leaf") v = i === graph.input ? x : graph.constant[i];
      else if (op === "+") v = a + b;
      else if (op === "*") v = a * b;
      else if (op === "pow") v = Math.pow(a, graph.power[i]);
      else if (op === "exp") v = Math.exp(a);
      else if (op === "log") v = Math.log(a);
      else if (op === "tanh") v = Math.tanh(a);
      else if (op === "relu") v = Math.max(a, 0.0);
      else if (op === "sigmoid") v = sigmoid(a);
      else throw new Error("no rule for the operation " + op);
      values.push(v);
    });
    return values;
  }

  /** d(node)/d(parent in position slot), as Value's backward rules compute it. */
  function local(graph, values, i, slot) {
    var op = graph.op[i], p = graph.parents[i], a = values[p[slot]], out = values[i], k = graph.power[i];
    if (op === "+") return 1.0;
    if (op === "*") return values[p[1 - slot]];
    if (op === "pow") return k !== 0 ? k * Math.pow(a, k - 1) : 0.0;
    if (op === "exp") return out;
    if (op === "log") return 1.0 / a;
    if (op === "tanh") return 1.0 - out * out;
    if (op === "relu") return a > 0 ? 1.0 : 0.0;
    if (op === "sigmoid") return out * (1.0 - out);
    throw new Error("no local derivative for the operation " + op);
  }

  /** Node i's _backward: add its gradient times each local derivative into its parents' gradients. */
  function runRule(graph, values, grads, i) {
    var op = graph.op[i], p = graph.parents[i], g = grads[i], k = graph.power[i];
    if (op === "+") { grads[p[0]] += g; grads[p[1]] += g; }
    else if (op === "*") { grads[p[0]] += values[p[1]] * g; grads[p[1]] += values[p[0]] * g; }
    else if (op === "pow") { if (k !== 0) grads[p[0]] += k * Math.pow(values[p[0]], k - 1) * g; }
    else if (op === "exp") grads[p[0]] += values[i] * g;
    else if (op === "log") grads[p[0]] += g / values[p[0]];
    else if (op === "tanh") grads[p[0]] += (1.0 - values[i] * values[i]) * g;
    else if (op === "relu") grads[p[0]] += (values[p[0]] > 0 ? 1.0 : 0.0) * g;
    else if (op === "sigmoid") grads[p[0]] += values[i] * (1.0 - values[i]) * g;
  }

  /** The operations in the order backward() runs them: reverse topological order, leaves left out. */
  function operationsBackwards(graph) {
    var out = [];
    for (var i = graph.op.length - 1; i >= 0; i--) if (graph.op[i] !== "leaf") out.push(i);
    return out;
  }

  /** Gradients after the first `steps` operations of backward() have run (all of them if steps is null). */
  function backward(graph, values, steps) {
    var grads = values.map(function () { return 0.0; });
    grads[grads.length - 1] += 1.0;  // dL/dL
    var ops = operationsBackwards(graph);
    ops.slice(0, steps === null ? ops.length : steps).forEach(function (i) { runRule(graph, values, grads, i); });
    return grads;
  }

  // ---------------------------------------------------------------- drawing a graph
  function signed(x, digits) {
    return NX.fixed(x, digits).replace("-", "−");
  }

  function note(text, bold) {
    var p = document.createElement("p");
    p.className = "nnlib-note";
    if (bold) p.style.fontWeight = "600";
    p.textContent = text;
    return p;
  }

  /** Where each node sits, in pixels: across the page on a wide screen, down it on a narrow one. */
  function placement(graph, width) {
    var columns = Math.max.apply(null, graph.column) + 1, rows = Math.max.apply(null, graph.row) + 1;
    var vertical = columns > 1 && (width - 72) / (columns - 1) < 66;  // across the page if columns fit 66 px apart
    var layout = { vertical: vertical, width: width, xy: [] };
    if (!vertical) {
      var left = 36, right = 36, top = 34, rowGap = 92;
      var colGap = columns > 1 ? Math.min(150, (width - left - right) / (columns - 1)) : 0;
      var used = colGap * (columns - 1);
      var start = (width - used) / 2;
      graph.column.forEach(function (c, i) { layout.xy.push([start + c * colGap, top + graph.row[i] * rowGap]); });
      layout.height = top + (rows - 1) * rowGap + 58;
    } else {
      // The main chain (the bottom row across the page) runs down the left, inputs join from the right.
      var marginTop = 40, gap = 72, sideLeft = 40, sideRight = 80;
      var across = rows > 1 ? Math.min(120, (width - sideLeft - sideRight) / (rows - 1)) : 0;
      var first = Math.max(sideLeft, (width - across * (rows - 1) - sideRight + sideLeft) / 2);
      graph.column.forEach(function (c, i) {
        layout.xy.push([first + (rows - 1 - graph.row[i]) * across, marginTop + c * gap]);
      });
      layout.height = marginTop + (columns - 1) * gap + 30;
    }
    return layout;
  }

  /**
   * The graph as an SVG figure. `style` gives, per node, fill and whether to show its gradient,
   * and per edge (graph.edges order) stroke, width and an optional label.
   */
  function drawGraph(Plot, graph, layout, values, grads, style) {
    var vertical = layout.vertical, R = vertical ? 15 : 17, xy = layout.xy;
    var edges = graph.edges.map(function (e, k) {
      var twin = graph.edges.filter(function (f) { return f[0] === e[0] && f[1] === e[1]; });
      // Two edges between the same nodes (x * x) bow apart; an edge that skips a column bows away
      // from the main chain so that it passes clear of the nodes in between.
      var bend = twin.length > 1 ? (twin.indexOf(e) === 0 ? 35 : -35)
        : graph.column[e[1]] - graph.column[e[0]] > 1 ? (graph.row[e[0]] <= graph.row[e[1]] ? 25 : -25) : 0;
      var a = xy[e[0]], b = xy[e[1]];
      var dx = b[0] - a[0], dy = b[1] - a[1], d = Math.hypot(dx, dy);
      // The arc's middle lies sag pixels from the chord's (Plot bends a positive angle to the left of
      // the direction of travel); a label sits 9 pixels further out, clear of the line.
      // A straight edge running down the page is labelled beside it instead.
      var sag = d / 2 * Math.tan(bend * Math.PI / 360), out = sag + (bend < 0 ? -9 : 9);
      var upright = bend === 0 && Math.abs(dy) > Math.abs(dx);
      return { x1: a[0], y1: a[1], x2: b[0], y2: b[1], bend: bend, k: k, upright: upright,
               mx: upright ? (a[0] + b[0]) / 2 + 7 : (a[0] + b[0]) / 2 + out * dy / d,
               my: upright ? (a[1] + b[1]) / 2 : (a[1] + b[1]) / 2 - out * dx / d,
               stroke: style.edgeStroke[k], width: style.edgeWidth[k], label: style.edgeLabel ? style.edgeLabel[k] : null };
    });
    var nodes = graph.op.map(function (op, i) {
      return { x: xy[i][0], y: xy[i][1], symbol: graph.symbol[i], name: graph.name[i], value: values[i], grad: grads[i],
               showGrad: style.showGrad[i], fill: style.fill[i] };
    });
    function arrows(bend) {
      return Plot.arrow(edges.filter(function (e) { return e.bend === bend; }), {
        x1: "x1", y1: "y1", x2: "x2", y2: "y2", bend: bend, inset: R + 2, headLength: 7,
        stroke: function (e) { return e.stroke; }, strokeWidth: function (e) { return e.width; } });
    }
    var edgeText = { x: "mx", y: "my", text: "label", fill: VERMILION, fontSize: 12, fontStyle: "italic",
                     stroke: "white", strokeWidth: 4, paintOrder: "stroke" };
    var labelled = edges.filter(function (e) { return e.label !== null && e.label !== undefined; });
    var bends = edges.map(function (e) { return e.bend; }).filter(function (b, k, all) { return all.indexOf(b) === k; });
    var marks = bends.map(arrows).concat([

      Plot.text(labelled.filter(function (e) { return !e.upright; }), Object.assign({ textAnchor: "middle" }, edgeText)),
      Plot.text(labelled.filter(function (e) { return e.upright; }), Object.assign({ textAnchor: "start" }, edgeText)),
      Plot.dot(nodes, { x: "x", y: "y", r: R, fill: function (n) { return n.fill; }, stroke: "#444", strokeWidth: 1.4 }),
      Plot.text(nodes, { x: "x", y: "y", text: "symbol", fontSize: 13, fontWeight: "600" }),
      Plot.text(nodes.filter(function (n) { return n.name; }), {
        x: "x", y: "y", text: "name", fontSize: 12, fontStyle: "italic", fill: BLUE, stroke: "white", strokeWidth: 3, paintOrder: "stroke",
        dx: vertical ? -6 : 0, dy: vertical ? -R - 8 : -R - 9, textAnchor: vertical ? "end" : "middle" }),
      Plot.text(nodes, { x: "x", y: "y", text: function (n) { return signed(n.value, 4); }, fontSize: 12, fill: GREY,
                         dx: vertical ? R + 5 : 0, dy: vertical ? -7 : R + 11, textAnchor: vertical ? "start" : "middle" }),
      Plot.text(nodes.filter(function (n) { return n.showGrad; }), {
        x: "x", y: "y", text: function (n) { return signed(n.grad, 4); }, fontSize: 12, fill: VERMILION, fontWeight: "600",
        dx: vertical ? R + 5 : 0, dy: vertical ? 8 : R + 26, textAnchor: vertical ? "start" : "middle" })]);
    return NX.plot({
      width: layout.width, height: layout.height, margin: 0,
      x: { type: "identity", axis: null }, y: { type: "identity", axis: null },
      marks: marks,
    });
  }

  // ---------------------------------------------------------------- chapter 4's graph, step by step
  var RULES = { "+": "1", "*": "the other input", "sigmoid": "σ(1 − σ) of its output", "exp": "its output",
                "log": "1 / its input", "tanh": "1 − output²", "relu": "1 if input > 0, else 0" };

  function ruleText(graph, i) {
    if (graph.op[i] !== "pow") return RULES[graph.op[i]];
    var k = graph.power[i];
    return k === 2 ? "2 × its input" : k + " × input^" + (k - 1);
  }

  /** A node's name for the text: "z⁽¹⁾", or "(w⁽²⁾a⁽¹⁾)" where a name of several symbols follows ∂. */
  function nodeName(graph, i) {
    var name = graph.name[i] || graph.symbol[i];
    var bare = name.replace(/[⁽⁾⁰-⁹¹²³]/g, "");
    return bare.length > 1 ? "(" + name + ")" : name;
  }

  NX.register("autograd-backward", {
    // Browser twin of autograd_backward's compute(): the recorded graph evaluated at x, and the
    // first `step` operations of its backward pass.
    compute: function (values, data) {
      var graph = data.graph;
      var nodeValues = evaluate(graph, values.x);
      return { values: nodeValues, grads: backward(graph, nodeValues, values.step) };
    },

    render: function (ctx) {
      var Plot = ctx.Plot, f = ctx.frame, graph = ctx.data.graph, step = ctx.values.step;
      var ops = operationsBackwards(graph), n = graph.op.length;
      var done = ops.slice(0, step), current = step > 0 ? ops[step - 1] : null;
      var reached = graph.op.map(function (_, i) { return i === n - 1; });
      done.forEach(function (i) { graph.parents[i].forEach(function (p) { reached[p] = true; }); });
      var fill = graph.op.map(function (op, i) {
        if (i === current) return ORANGE;
        if (done.indexOf(i) >= 0) return SKY;
        return op === "leaf" ? "#ececec" : "white";
      });
      var edgeStroke = [], edgeWidth = [];
      graph.edges.forEach(function (e) {
        var now = e[1] === current, travelled = done.indexOf(e[1]) >= 0;
        edgeStroke.push(now ? VERMILION : travelled ? BLUE : "#b5b5b5");
        edgeWidth.push(now ? 3.5 : travelled ? 2.2 : 1.4);
      });
      var layout = placement(graph, ctx.width);
      var plot = drawGraph(Plot, graph, layout, f.values, f.grads, { fill: fill, showGrad: reached, edgeStroke: edgeStroke,
                                                                     edgeWidth: edgeWidth });
      var lines;
      if (step === 0) {
        lines = ["Step 0 of " + ops.length + ": backward() starts at the loss with ∂L/∂L = 1. Move the step slider: "
                 + "each step runs the backward rule of one operation, in reverse topological order."];
      } else {
        var here = nodeName(graph, current), g = f.grads[current];
        var made = graph.name[current] || graph.symbol[current];
        lines = ["Step " + step + " of " + ops.length + ": the operation " + graph.symbol[current] + " that made " + made +
                 " runs its rule. Its gradient, ∂L/∂" + here + " = " + signed(g, 4) +
                 ", is complete, and it passes on " + signed(g, 4) + " × (local derivative: " + ruleText(graph, current) + "):"];
        graph.parents[current].forEach(function (p, slot) {
          var l = local(graph, f.values, current, slot);
          lines.push("∂L/∂" + nodeName(graph, p) + " += " + signed(g, 4) + " × " + signed(l, 4) + " = " + signed(g * l, 4));
        });
        if (step === ops.length) lines.push("Every gradient is now complete: the backward pass is over.");
      }
      var legend = note("grey: value; red: gradient ∂L/∂(node) so far; orange: the operation running its rule; " +
                        "blue: the names of the results");
      return [legend, plot].concat(lines.map(function (t, k) { return note(t, k === 0 && step > 0); }));
    },
  });

  // ---------------------------------------------------------------- an expression of your choice
  NX.register("autograd-expression", {
    // Browser twin of autograd_expression's compute().
    compute: function (values, data) {
      var graph = data.graphs[values.expression], x = values.x, h = data.h;
      var nodeValues = evaluate(graph, x);
      var grads = backward(graph, nodeValues, null);
      var contributions = graph.edges.map(function (e) { return local(graph, nodeValues, e[1], e[2]) * grads[e[1]]; });
      var up = evaluate(graph, x + h), down = evaluate(graph, x - h);
      return { values: nodeValues, grads: grads, contributions: contributions, f: nodeValues[nodeValues.length - 1],
               dfdx: grads[graph.input], central: (up[up.length - 1] - down[down.length - 1]) / (2 * h) };
    },

    render: function (ctx) {
      var Plot = ctx.Plot, f = ctx.frame, d = ctx.data, label = ctx.values.expression, x = ctx.values.x;
      var graph = d.graphs[label], curve = d.curves[label];
      var fill = graph.op.map(function (op, i) { return i === graph.input ? ORANGE : op === "leaf" ? "#ececec" : "white"; });
      var layout = placement(graph, Math.min(ctx.width, 560));
      var plot = drawGraph(Plot, graph, layout, f.values, f.grads, {
        fill: fill, showGrad: graph.op.map(function () { return true; }),
        edgeStroke: graph.edges.map(function () { return "#8a8a8a"; }), edgeWidth: graph.edges.map(function () { return 1.6; }),
        edgeLabel: f.contributions.map(function (c) { return signed(c, 3); }) });
      // Nodes that feed more than one operation: their gradient is the sum of what came back.
      var shared = [];
      graph.op.forEach(function (_, i) {
        var leaving = [];
        graph.edges.forEach(function (e, k) { if (e[0] === i) leaving.push(k); });
        if (leaving.length > 1) {
          shared.push(graph.symbol[i] + " is used " + leaving.length + " times: its gradient " + signed(f.grads[i], 4) + " = " +
                      leaving.map(function (k) { return "(" + signed(f.contributions[k], 4) + ")"; }).join(" + ") +
                      ", the sum of what came back along its " + leaving.length + " edges.");
        }
      });
      var summary = "At x = " + NX.fixed(x, 1) + ": f = " + signed(f.f, 4) + ";  the engine's df/dx = " + signed(f.dfdx, 6) +
                    ";  central difference (h = " + d.h + ") = " + signed(f.central, 6);
      if (!shared.length) shared.push("Every node is used once: each gradient is the share on the edge that leaves it.");
      var grid = Array.from(d.grid);
      var rows = [];
      grid.forEach(function (g, k) {
        rows.push({ x: g, v: curve.f[k], s: "f(x)" });
        rows.push({ x: g, v: curve.dfdx[k], s: "df/dx (engine)" });
      });
      var all = Array.from(curve.f).concat(Array.from(curve.dfdx));
      var lo = Math.min.apply(null, all), hi = Math.max.apply(null, all), pad = 0.08 * (hi - lo || 1);
      var tangent = [{ x: x - 1, v: f.f - f.dfdx }, { x: x + 1, v: f.f + f.dfdx }];
      var cw = Math.min(ctx.width, 520);
      var curves = NX.plot({
        width: cw, height: 260, marginLeft: 44, marginBottom: 38, marginTop: 24, marginRight: 12,
        x: { domain: [grid[0], grid[grid.length - 1]], label: "input x" },
        y: { domain: [lo - pad, hi + pad], label: "value", grid: true },
        color: { domain: ["f(x)", "df/dx (engine)"], range: [BLUE, VERMILION] },
        marks: [
          Plot.ruleY([0], { stroke: "#999" }),
          Plot.line(rows.filter(function (r) { return r.s === "f(x)"; }), { x: "x", y: "v", stroke: "s", strokeWidth: 2 }),
          Plot.line(rows.filter(function (r) { return r.s !== "f(x)"; }), { x: "x", y: "v", stroke: "s", strokeWidth: 2, strokeDasharray: "5,3" }),
          Plot.line(tangent, { x: "x", y: "v", stroke: "black", strokeWidth: 1.2, clip: true }),
          Plot.ruleX([x], { stroke: "#999", strokeDasharray: "3,3" }),
          Plot.dot([{ x: x, v: f.f, s: "f(x)" }, { x: x, v: f.dfdx, s: "df/dx (engine)" }], { x: "x", y: "v", fill: "s", r: 5, stroke: "white" }),
        ],
      });
      var key = document.createElement("p");
      key.className = "nnlib-note";
      key.textContent = "blue: f(x); red dashes: the engine's df/dx; black: the tangent at x, with slope df/dx";
      return [note(summary, true), NX.panel("the graph the engine recorded (grey: values; red: gradients and edge shares)", plot, layout.width),
              note(shared.join(" ")), key, NX.panel("f and its derivative over x", curves, cw)];
    },
  });
})(globalThis.nnlibExplore);
