/* The sigmoid as a smooth step (chapter 1); the Python side is nnlib/explorers/soft_step.py. */
(function (NX) {
  "use strict";
  var BLUE = "#0072B2", GREY = "#8a8a8a";

  // A short tangent line through (x0, y0) with the given slope, about `half` pixels long on
  // each side whatever the slope, for a plot area of w x h pixels showing the given ranges.
  function tangent(x0, y0, slope, xRange, yRange, w, h, half) {
    var sx = w / xRange, sy = h / yRange;
    var dx = half / Math.sqrt(1 + Math.pow(slope * sy / sx, 2)) / sx;
    return [[x0 - dx, y0 - slope * dx], [x0 + dx, y0 + slope * dx]];
  }

  NX.register("soft-step", {
    // Browser twin of soft_step's compute().
    compute: function (values, data) {
      var k = values.k, z0 = values.z0, z = data.z;
      var a = new Float64Array(z.length), slope = new Float64Array(z.length);
      for (var i = 0; i < z.length; i++) {
        a[i] = NX.sigmoid(k * z[i]);
        slope[i] = k * a[i] * (1.0 - a[i]);
      }
      var a0 = NX.sigmoid(k * z0);
      return { a: a, slope: slope, a0: a0, slope0: k * a0 * (1.0 - a0), step0: z0 > 0 ? 1.0 : 0.0, peak: k / 4 };
    },

    render: function (ctx) {
      var Plot = ctx.Plot, f = ctx.frame, d = ctx.data, v = ctx.values, z = d.z;
      var lo = d.low, hi = d.high, width = Math.min(ctx.width, 620);
      var margins = { marginLeft: 48, marginRight: 12, marginTop: 10, marginBottom: 40 };
      var plotW = width - margins.marginLeft - margins.marginRight, plotH = 170;

      var note = document.createElement("p");
      note.className = "nnlib-note";
      var stepText = v.z0 === 0 ? "the step jumps here and has no slope"
        : "the step gives " + NX.fixed(f.step0, 0) + " with slope 0";
      note.textContent = "k = " + NX.fixed(v.k, 1) + ", at z₀ = " + NX.fixed(v.z0, 2) + ": σ(kz₀) = " +
        NX.fixed(f.a0, 3) + " with slope " + NX.fixed(f.slope0, 3) + "; " + stepText + ".";

      var top = NX.plot(Object.assign({
        width: width, height: plotH + margins.marginTop + margins.marginBottom,
        x: { domain: [lo, hi], label: "pre-activation z" },
        y: { domain: [-0.05, 1.05], label: "output", grid: true },
        marks: [
          Plot.line([[lo, 0], [0, 0]], { stroke: GREY, strokeWidth: 2.5 }),
          Plot.line([[0, 1], [hi, 1]], { stroke: GREY, strokeWidth: 2.5 }),
          Plot.ruleX([0], { y1: 0, y2: 1, stroke: GREY, strokeDasharray: "2,3" }),
          Plot.dot([[0, 0]], { r: 4, fill: GREY }),
          Plot.dot([[0, 1]], { r: 4, fill: "white", stroke: GREY, strokeWidth: 1.5 }),
          Plot.lineY(f.a, { x: z, stroke: BLUE, strokeWidth: 2 }),
          Plot.line(tangent(v.z0, f.a0, f.slope0, hi - lo, 1.1, plotW, plotH, 55),
                    { stroke: "black", strokeWidth: 1.5, strokeDasharray: "5,3", clip: true }),
          Plot.dot([[v.z0, f.a0]], { r: 5, fill: BLUE, stroke: "black" }),
        ],
      }, margins));

      var yTop = Math.max(f.peak, 0.25) * 1.1;
      var bottom = NX.plot(Object.assign({
        width: width, height: plotH + margins.marginTop + margins.marginBottom,
        x: { domain: [lo, hi], label: "pre-activation z" },
        y: { domain: [0, yTop], label: "slope", grid: true },
        marks: [
          Plot.ruleY([0], { x1: lo, x2: hi, stroke: GREY, strokeWidth: 2.5 }),
          Plot.ruleX([0], { stroke: GREY, strokeDasharray: "2,3" }),
          Plot.dot([[0, 0]], { r: 4, fill: "white", stroke: GREY, strokeWidth: 1.5 }),
          Plot.lineY(f.slope, { x: z, stroke: BLUE, strokeWidth: 2 }),
          Plot.dot([[v.z0, f.slope0]], { r: 5, fill: BLUE, stroke: "black" }),
        ],
      }, margins));
      return [note,
              NX.panel("the perceptron's step (grey) and the smooth step σ(kz) (blue)", top, width),
              NX.panel("their slopes: σ(kz) has one everywhere; the step's is 0, and at z = 0 it has none", bottom, width)];
    },
  });
})(globalThis.nnlibExplore);
