/* Views of the convolution chapter (10); the Python side is nnlib/explorers/convolution.py. */
(function (NX) {
  "use strict";
  var DARK = "#444444";

  function note(text) {
    var p = document.createElement("p");
    p.className = "nnlib-note";
    p.textContent = text;
    return p;
  }

  /** Cells {row, column, value} of a square array stored row by row. */
  function cells(values, side) {
    var out = [];
    for (var r = 0; r < side; r++) for (var c = 0; c < side; c++) out.push({ row: r, column: c, value: values[side * r + c] });
    return out;
  }

  /** A flat list of numbers from a packed array or from nested lists (small arrays arrive as lists). */
  function flat(x) {
    if (ArrayBuffer.isView(x)) return x;
    var out = [];
    (function walk(v) { if (Array.isArray(v)) v.forEach(walk); else out.push(v); })(x);
    return Float64Array.from(out);
  }

  function range(n) {
    var out = [];
    for (var i = 0; i < n; i++) out.push(i);
    return out;
  }

  /** Red for positive, white for 0, blue for negative, symmetric about 0. */
  function diverging(top) {
    return { type: "linear", scheme: "RdBu", domain: [-top, top], reverse: true };
  }

  /** A square grid of cells with row and column axes (or none, for the small multiples). */
  function grid(Plot, values, side, size, colour, options) {
    options = options || {};
    var marks = [Plot.cell(cells(values, side), { x: "column", y: "row", fill: "value", inset: 0 }),
                 Plot.frame({ stroke: DARK })];
    if (options.text) {
      marks.push(Plot.text(cells(values, side), { x: "column", y: "row", text: options.text, fontSize: 12,
                                                   fill: function (d) { return Math.abs(d.value) > 0.6 * options.top ? "white" : "black"; } }));
    }
    if (options.axes === false) {
      return NX.plot({ width: size, height: size, margin: 1, axis: null, x: { domain: range(side) },
                       y: { domain: range(side) }, color: colour, marks: marks });
    }
    return NX.plot({
      width: size, height: size, marginLeft: 40, marginBottom: 40, marginTop: 8, marginRight: 8,
      x: { domain: range(side), label: options.xLabel || "column", labelAnchor: "center", labelOffset: 32 },
      y: { domain: range(side), label: options.yLabel || "row", labelAnchor: "center" },
      color: colour, marks: marks,
    });
  }

  // ---- hand-set filters ----------------------------------------------------------------------
  NX.register("conv-hand-filters", {
    // Browser twin of hand_filters' compute(): the same correlation as nnlib.Conv2D with padding 1.
    compute: function (values, data) {
      var f = data.names.indexOf(values.filter), d = values.digit;
      var image = flat(data.images).subarray(64 * d, 64 * d + 64);
      var weights = flat(data.filters).subarray(9 * f, 9 * f + 9);
      var map = new Float64Array(64);
      for (var i = 0; i < 8; i++) {
        for (var j = 0; j < 8; j++) {
          var sum = 0;
          for (var u = 0; u < 3; u++) {
            for (var v = 0; v < 3; v++) {
              var r = i + u - 1, c = j + v - 1;            // padding 1: pixels outside the image are 0
              if (r >= 0 && r < 8 && c >= 0 && c < 8) sum += weights[3 * u + v] * image[8 * r + c];
            }
          }
          map[8 * i + j] = sum;
        }
      }
      return { image: image, weights: weights, map: map };
    },

    render: function (ctx) {
      var Plot = ctx.Plot, f = ctx.frame, d = ctx.data, v = ctx.values;
      var name = v.filter, k = d.names.indexOf(name);
      var pw = NX.panelWidth(ctx.width, 3, 220);
      var side = Math.min(pw, 250);
      var weights = flat(f.weights), values = flat(f.map);
      var weightTop = 0, mapTop = 1e-9;
      for (var i = 0; i < 9; i++) weightTop = Math.max(weightTop, Math.abs(weights[i]));
      for (i = 0; i < 64; i++) mapTop = Math.max(mapTop, Math.abs(values[i]));
      var image = grid(Plot, flat(f.image), 8, side, { type: "linear", domain: [0, 1], range: ["#ffffff", "#000000"] });
      var filter = grid(Plot, weights, 3, side, diverging(weightTop), {
        top: weightTop, xLabel: "v", yLabel: "u",
        text: function (c) { return name === "blur" ? "1/9" : String(Math.round(c.value * 1000) / 1000); },
      });
      var map = grid(Plot, values, 8, side, diverging(mapTop), { xLabel: "column j", yLabel: "row i" });
      return [note(d.reads[k] + ". Colour scale of the map: ±" + NX.fixed(mapTop, 2) + ", white = 0."),
              NX.panel("input: a " + v.digit + " (pixels 0 to 1)", image, side),
              NX.panel("filter: " + name, filter, side),
              NX.panel("feature map z (8 × 8)", map, side)];
    },
  });

  // ---- learnt filters ------------------------------------------------------------------------
  var STAGE_NAMES = { z: "after the convolution", a: "after ReLU", pool: "after 2×2 max pooling" };

  NX.register("conv-learnt-filters", {
    render: function (ctx) {
      var Plot = ctx.Plot, f = ctx.frame, d = ctx.data, v = ctx.values;
      var mapSide = f.maps.shape[1], filters = flat(d.filters), maps = flat(f.maps), image = flat(f.image);
      var filterTop = 0;
      for (var i = 0; i < filters.length; i++) filterTop = Math.max(filterTop, Math.abs(filters[i]));
      var top = Math.max(f.top, 1e-9);
      var columns = ctx.width >= 640 ? 8 : 4;
      var size = Math.floor((ctx.width - 12 * (columns - 1)) / columns);
      var side = Math.min(NX.panelWidth(ctx.width, 2, 240), 220);
      var digit = grid(Plot, image, 8, side, { type: "linear", domain: [d.paper, d.ink], range: ["#ffffff", "#000000"] });
      var pairs = document.createElement("div");
      pairs.style.cssText = "display:flex;flex-wrap:wrap;gap:8px 12px;width:100%";
      for (var o = 0; o < 8; o++) {
        var box = document.createElement("div");
        box.style.width = size + "px";
        var title = document.createElement("div");
        title.className = "nnlib-panel-title";
        title.textContent = "filter " + (o + 1);
        box.appendChild(title);
        box.appendChild(grid(Plot, filters.subarray(9 * o, 9 * o + 9), 3, size, diverging(filterTop), { axes: false }));
        var gap = document.createElement("div");
        gap.style.height = "4px";
        box.appendChild(gap);
        box.appendChild(grid(Plot, maps.subarray(mapSide * mapSide * o, mapSide * mapSide * (o + 1)), mapSide, size,
                             diverging(top), { axes: false }));
        pairs.appendChild(box);
      }
      var verdict = f.predicted === f.label ? "right" : "wrong";
      return [note("Test digit: a " + f.label + ", predicted " + f.predicted + " (" + verdict + "). Each filter's weights " +
                   "(top; colour scale ±" + NX.fixed(filterTop, 2) + ") and its map " + STAGE_NAMES[v.stage] + " (below; " +
                   mapSide + " × " + mapSide + ", colour scale ±" + NX.fixed(top, 2) + "). Red positive, blue negative, white 0."),
              NX.panel("the test digit (standardised pixels)", digit, side),
              NX.panel("the eight learnt filters and their maps", pairs, ctx.width)];
    },
  });
})(globalThis.nnlibExplore);
