/* nnlib explorers in the browser: controls, a figure drawn with Observable Plot, and the
 * loop that connects them.
 *
 * One runtime serves both places an explorer is shown:
 *   - the web book, where a frame comes from the view's own `compute` (the browser twin of
 *     the Python function) or from frames the book build precomputed with Python;
 *   - a running notebook, where every frame is computed by Python in the kernel and sent
 *     over the widget's channel.
 * A view is registered once with `nnlibExplore.register(name, {render, compute?})`.
 * `render(ctx)` returns one DOM node or a list of them (usually Plot figures); `ctx` holds
 * `frame`, `values`, `data`, `width` (CSS pixels available), `Plot` and `d3`.
 */
(function (global) {
  "use strict";
  if (global.nnlibExplore && global.nnlibExplore.version) return; // loaded once per page

  var NX = { version: 1, views: {}, deliveries: {} };
  global.nnlibExplore = NX;

  NX.register = function (name, view) {
    NX.views[name] = view;
  };

  // ---- arrays ---------------------------------------------------------------------------
  // Python sends large arrays as {"__nd__": shape, "dtype": "f4"|"f8"|"i4"|"u1", "b64": "..."}.
  var TYPES = { f4: Float32Array, f8: Float64Array, i4: Int32Array, u1: Uint8Array };

  function decodeArray(obj) {
    var bytes = atob(obj.b64);
    var buffer = new ArrayBuffer(bytes.length);
    var view = new Uint8Array(buffer);
    for (var i = 0; i < bytes.length; i++) view[i] = bytes.charCodeAt(i);
    var array = new TYPES[obj.dtype](buffer);
    array.shape = obj.__nd__;
    return array;
  }

  function decode(value) {
    if (ArrayBuffer.isView(value)) return value;
    if (Array.isArray(value)) return value.map(decode);
    if (value && typeof value === "object") {
      if (value.__nd__ !== undefined) return decodeArray(value);
      var out = {};
      Object.keys(value).forEach(function (key) {
        out[key] = decode(value[key]);
      });
      return out;
    }
    return value;
  }
  NX.decode = decode;

  // ---- helpers for views ------------------------------------------------------------------
  NX.FONT_PX = 12; // no text in a figure is smaller than 10 CSS pixels; 12 is the default

  /** Plot.plot with the book's defaults (font size, colours, no stretching). */
  NX.plot = function (options) {
    var style = Object.assign(
      { fontSize: NX.FONT_PX + "px", fontFamily: "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif",
        overflow: "visible", background: "transparent", color: "currentColor" },
      options.style || {});
    var settings = Object.assign({}, options, { style: style });
    // Plot draws legends at 10 px unless told otherwise; the book's smallest text is 11 px.
    ["color", "symbol", "opacity", "r"].forEach(function (scale) {
      var o = settings[scale];
      if (o && o.legend && !(o.style && o.style.fontSize)) {
        settings[scale] = Object.assign({}, o, { style: Object.assign({ fontSize: NX.FONT_PX + "px" }, o.style || {}) });
      }
    });
    return global.Plot.plot(settings);
  };

  /** How many panels of at least `minWidth` pixels fit side by side in `width` (1..n). */
  NX.columns = function (width, n, minWidth) {
    return Math.max(1, Math.min(n, Math.floor((width + 12) / ((minWidth || 260) + 12))));
  };

  /** Width of each of `n` panels laid out in as many columns as fit. */
  NX.panelWidth = function (width, n, minWidth) {
    var columns = NX.columns(width, n, minWidth);
    return Math.floor((width - 12 * (columns - 1)) / columns);
  };

  /** A panel: a heading (HTML, so it wraps) above a figure node. */
  NX.panel = function (title, node, width) {
    var box = document.createElement("div");
    box.className = "nnlib-panel";
    if (width) box.style.width = width + "px";
    if (title) {
      var heading = document.createElement("div");
      heading.className = "nnlib-panel-title";
      heading.textContent = title;
      box.appendChild(heading);
    }
    box.appendChild(node);
    return box;
  };

  /** Evenly spaced numbers, like numpy.linspace. */
  NX.linspace = function (start, stop, count) {
    var out = new Float64Array(count);
    for (var i = 0; i < count; i++) out[i] = count === 1 ? start : start + (stop - start) * i / (count - 1);
    return out;
  };

  /** The logistic sigmoid, written like nnlib's: stable for large |z|. */
  NX.sigmoid = function (z) {
    if (z >= 0) return 1 / (1 + Math.exp(-z));
    var e = Math.exp(z);
    return e / (1 + e);
  };

  /** Format like Python's f"{x:.{digits}f}", with -0 shown as 0. */
  NX.fixed = function (x, digits) {
    var text = Number(x).toFixed(digits);
    return /^-0(\.0*)?$/.test(text) ? text.slice(1) : text;
  };

  // ---- controls ----------------------------------------------------------------------------
  var uid = 0;

  function buildControls(box, controls, indices, onInput) {
    controls.forEach(function (control, k) {
      var row = document.createElement("div");
      row.className = "nnlib-control";
      var id = "nnlib-x" + (++uid) + "-" + k;
      var label = document.createElement("label");
      label.htmlFor = id;
      label.textContent = control.label;
      row.appendChild(label);
      var input;
      if (control.kind === "range") {
        input = document.createElement("input");
        input.type = "range";
        input.min = 0;
        input.max = control.values.length - 1;
        input.step = 1;
        input.value = indices[k];
        var output = document.createElement("output");
        output.htmlFor = id;
        output.textContent = control.labels[indices[k]];
        input.setAttribute("aria-valuetext", control.labels[indices[k]]);
        input.addEventListener("input", function () {
          var i = parseInt(input.value, 10);
          output.textContent = control.labels[i];
          input.setAttribute("aria-valuetext", control.labels[i]);
          onInput(k, i);
        });
        row.appendChild(input);
        row.appendChild(output);
      } else {
        input = document.createElement("select");
        control.labels.forEach(function (text, i) {
          var option = document.createElement("option");
          option.value = i;
          option.textContent = text;
          if (i === indices[k]) option.selected = true;
          input.appendChild(option);
        });
        input.addEventListener("change", function () {
          onInput(k, parseInt(input.value, 10));
        });
        row.appendChild(input);
      }
      input.id = id;
      input.dataset.name = control.name;
      // JupyterLab takes arrow keys from any focused element of a notebook to move between
      // cells, unless the element itself asks it not to: the reader's keys belong to the slider.
      input.setAttribute("data-lm-suppress-shortcuts", "true");
      box.appendChild(row);
    });
  }

  // ---- mounting ------------------------------------------------------------------------------
  /**
   * Show an explorer in `root` (an element holding .nnlib-controls and .nnlib-figure).
   * `spec`: {view, controls: [{name, label, kind, values, labels, start}], data, maxWidth}
   * `source(values)`: a Promise of the frame for those control values.
   */
  NX.mount = function (root, spec, source) {
    var view = NX.views[spec.view];
    if (!view) throw new Error("nnlib explorer: no view named " + spec.view + " is loaded");
    var data = decode(spec.data || {});
    var controls = spec.controls;
    var indices = controls.map(function (c) { return c.start; });
    var figure = root.querySelector(".nnlib-figure");
    var controlBox = root.querySelector(".nnlib-controls");
    controlBox.textContent = "";
    var frame = null, shownValues = null, busy = false, wanted = false, lastWidth = 0;

    function values() {
      var out = {};
      controls.forEach(function (c, k) { out[c.name] = c.values[indices[k]]; });
      return out;
    }

    // Draw at the width the page gives the figure (never wider than maxWidth, never so
    // narrow that the plot margins leave no room); a hidden figure is redrawn when shown.
    function width() {
      var available = figure.clientWidth || root.clientWidth || spec.maxWidth || 640;
      return Math.max(240, Math.min(available, spec.maxWidth || 760));
    }

    function draw() {
      if (!frame) return;
      lastWidth = width();
      var nodes = view.render({ frame: frame, values: shownValues, data: data, width: lastWidth,
                                Plot: global.Plot, d3: global.d3, NX: NX });
      nodes = Array.isArray(nodes) ? nodes : [nodes];
      figure.replaceChildren.apply(figure, nodes);
      root.dispatchEvent(new CustomEvent("nnlib:drawn", { detail: shownValues }));
    }

    // At most one frame request in flight; a slider dragged quickly skips the frames in between.
    function request() {
      if (busy) { wanted = true; return; }
      busy = true;
      wanted = false;
      var asked = values();
      Promise.resolve(source(asked)).then(function (result) {
        frame = decode(result);
        shownValues = asked;
        draw();
      }).catch(function (error) {
        figure.textContent = "This figure could not be drawn: " + error;
        console.error(error);
      }).then(function () {
        busy = false;
        if (wanted) request();
      });
    }

    buildControls(controlBox, controls, indices, function (k, i) {
      indices[k] = i;
      request();
    });
    if (global.ResizeObserver) {
      new ResizeObserver(function () {
        if (frame && Math.abs(width() - lastWidth) > 2) draw();
      }).observe(figure);
    }
    request();
    return { request: request, values: values, redraw: draw };
  };

  // ---- the web book ----------------------------------------------------------------------------
  // Precomputed frames that are too large for the page itself live in a script file next to it,
  // which calls nnlibExplore.deliver(key, payload) when loaded (script tags load from file://).
  NX.deliver = function (key, payload) {
    var entry = NX.deliveries[key];
    if (entry && entry.resolve) entry.resolve(payload);
    else NX.deliveries[key] = { payload: payload };
  };

  function loadScript(src, key) {
    var entry = NX.deliveries[key];
    if (entry && entry.payload) return Promise.resolve(entry.payload);
    if (entry && entry.promise) return entry.promise;
    entry = NX.deliveries[key] = {};
    entry.promise = new Promise(function (resolve, reject) {
      entry.resolve = resolve;
      var script = document.createElement("script");
      script.src = src;
      script.onerror = function () { reject(new Error("could not load " + src)); };
      document.head.appendChild(script);
    });
    return entry.promise;
  }

  function frameKey(controls, values) {
    return controls.map(function (c) { return c.values.indexOf(values[c.name]); }).join("-");
  }

  function staticSource(root, spec) {
    var view = NX.views[spec.view];
    if (spec.mode === "browser") {
      var data = decode(spec.data || {});
      return function (values) { return view.compute(values, data); };
    }
    // mode "frames": the start frame is inline; the rest may be in a lazily loaded file
    var holder = root.querySelector("script.nnlib-frames");
    var table = null;
    function frames() {
      if (table) return Promise.resolve(table);
      if (holder.dataset.src) {
        return loadScript(holder.dataset.src, holder.dataset.key).then(function (payload) {
          table = payload;
          return table;
        });
      }
      table = JSON.parse(holder.textContent);
      return Promise.resolve(table);
    }
    var startKey = frameKey(spec.controls, startValues(spec));
    return function (values) {
      var key = frameKey(spec.controls, values);
      if (!table && key === startKey && spec.startFrame) return spec.startFrame;
      return frames().then(function (t) {
        var index = t.index[key];
        if (index === undefined) throw new Error("no precomputed frame for " + key);
        return t.frames[index];
      });
    };
  }

  function startValues(spec) {
    var out = {};
    spec.controls.forEach(function (c) { out[c.name] = c.values[c.start]; });
    return out;
  }

  // How near the viewport an explorer mounts (and loads its data): about two screens ahead.
  NX.NEAR = "1500px 0px";

  function specOf(root) {
    var holder = root.querySelector("script.nnlib-spec");
    if (holder.dataset.src) return loadScript(holder.dataset.src, holder.dataset.key);
    return Promise.resolve(JSON.parse(holder.textContent));
  }

  /** Mount one explorer of the web page; its specification may first load from a file. */
  NX.mountStatic = function (root) {
    if (root.dataset.mounted) return root.nnlibMounting;
    root.dataset.mounted = "1";
    root.nnlibMounting = specOf(root).then(function (spec) {
      var controller = NX.mount(root, spec, staticSource(root, spec));
      root.nnlibExplorer = controller;
      // Until now the explorer was a tab stop of its own (see the loader); its controls take over.
      if (root.dataset.focusUntilMounted) {
        var hadFocus = document.activeElement === root;
        root.removeAttribute("tabindex");
        delete root.dataset.focusUntilMounted;
        var first = root.querySelector("input, select");
        if (hadFocus && first) first.focus();
      }
      // Prefetch lazily stored frames once the reader scrolls near the explorer.
      var holder = root.querySelector("script.nnlib-frames");
      if (holder && holder.dataset.src && global.IntersectionObserver) {
        var observer = new IntersectionObserver(function (entries) {
          if (entries.some(function (e) { return e.isIntersecting; })) {
            observer.disconnect();
            loadScript(holder.dataset.src, holder.dataset.key).catch(function () {});
          }
        }, { rootMargin: "400px" });
        observer.observe(root);
      }
      return controller;
    });
    root.nnlibMounting.catch(function (error) {
      root.querySelector(".nnlib-figure").textContent = "This figure could not be drawn: " + error;
      console.error(error);
    });
    return root.nnlibMounting;
  };

  /**
   * Mount every explorer of the web page as the reader comes near it (or focuses it), so a
   * page loads the data of the explorers the reader reaches and no others.
   */
  NX.mountAll = function () {
    if (document.readyState === "loading") {
      document.addEventListener("DOMContentLoaded", NX.mountAll);
      return;
    }
    var figures = Array.prototype.slice.call(document.querySelectorAll("figure.nnlib-explorer[data-static]"));
    function mount(root) {
      try { NX.mountStatic(root); } catch (error) { console.error(error); }
    }
    if (!global.IntersectionObserver) { figures.forEach(mount); return; }
    var observer = new IntersectionObserver(function (entries) {
      entries.forEach(function (entry) {
        if (entry.isIntersecting) { observer.unobserve(entry.target); mount(entry.target); }
      });
    }, { rootMargin: NX.NEAR });
    figures.forEach(function (root) {
      if (root.contains(document.activeElement)) mount(root);
      root.addEventListener("focusin", function () { mount(root); });
      observer.observe(root);
    });
  };

})(typeof globalThis !== "undefined" ? globalThis : window);
