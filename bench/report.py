"""Turn the results of ``run.py`` into the performance page's tables, targets and figures."""
from __future__ import annotations

from pathlib import Path

REFERENCE = "nnlib Sequential.fit"
GEMM = "matrix products alone"
PLAIN = "plain numpy loop"
TORCH = "PyTorch eager (CPU)"


def _ok(value) -> bool:
    return isinstance(value, dict) and "error" not in value


def _fmt_ratio(row, key="ratio"):
    return f"{row[key]:.2f}× ({row[key + '_q1']:.2f}–{row[key + '_q3']:.2f})"


def _mlp(results, key, dtype):
    for run in results.get("mlp", []):
        if _ok(run) and run["workload"] == key and run["dtype"] == dtype:
            return run
    return None


def _verdict(measured, limit):
    if measured is None:
        return "not measured"
    return "**met**" if measured <= limit else "**not met**"


# ---------------------------------------------------------------- targets

def targets(results) -> str:
    rows = []
    for dtype in ("float32", "float64"):
        run = _mlp(results, "benchmark", dtype)
        plain = run and run["contenders"].get(PLAIN)
        rows.append((f"`Sequential.fit` ≤ 1.05× the plain numpy loop ({dtype})",
                     _fmt_ratio(plain) if plain else "not measured", _verdict(plain and plain["ratio"], 1.05)))
    for dtype in ("float32", "float64"):
        run = _mlp(results, "benchmark", dtype)
        torch = run and run["contenders"].get(TORCH)
        rows.append((f"`Sequential.fit` ≤ 1.0× PyTorch eager ({dtype})",
                     _fmt_ratio(torch) if torch else "not measured (PyTorch missing)",
                     _verdict(torch and torch["ratio"], 1.0)))
    for dtype in ("float32", "float64"):
        run = _mlp(results, "benchmark", dtype)
        gemm = run and run["contenders"].get(GEMM)
        if gemm:
            rows.append((f"share of the bare matrix products' speed that the step reaches ({dtype})",
                         f"{1 / gemm['ratio']:.0%} ({run['contenders'][REFERENCE]['gflops']:.0f} of "
                         f"{gemm['gflops']:.0f} GFLOP/s)", "reported"))
    conv = results.get("conv")
    for key, limit, name in (("chapter10", 1.0, "chapter 10's conv net step ≤ 1.0× PyTorch eager"),
                             ("28x28x16", 2.0, "the same net at 28×28, 16 channels ≤ 2× PyTorch eager")):
        row = conv["sizes"].get(key, {}).get("rows", {}).get("step") if _ok(conv) and conv.get("sizes") else None
        rows.append((name, _fmt_ratio(row) if row else "not measured", _verdict(row and row["ratio"], limit)))
    notebooks = results.get("notebooks")
    if _ok(notebooks) and notebooks:
        slowest = max(notebooks, key=lambda k: notebooks[k]["seconds"])
        failed = [k for k, v in notebooks.items() if "error" in v]
        text = f"slowest: {slowest}, {notebooks[slowest]['seconds']:.1f} s"
        if failed:
            text += f"; failed: {', '.join(failed)}"
        rows.append(("every notebook in under 20 s (fresh kernel)", text,
                     "**met**" if notebooks[slowest]["seconds"] < 20 and not failed else "**not met**"))
    else:
        rows.append(("every notebook in under 20 s (fresh kernel)", "not measured", "not measured"))
    for key, budget, name in (("make_test", 180, "`make test` in under 3 minutes"),
                              ("make_test_one_thread", 180, "`make test` in under 3 minutes, with OPENBLAS_NUM_THREADS=1"),
                              ("make_book", 240, "`make book` from clean in under 4 minutes")):
        run = results.get(key)
        if _ok(run):
            status = "" if run.get("returncode", 0) == 0 else f" (exit status {run['returncode']})"
            rows.append((name, f"{run['seconds']:.0f} s{status}",
                         "**met**" if run["seconds"] < budget and not status else "**not met**"))
        else:
            rows.append((name, "not measured", "not measured"))
    lab = (results.get("explorers") or {}).get("lab") if _ok(results.get("explorers")) else None
    if lab:
        for case in ("first_move", "repeated_moves"):
            r = lab[case]
            rows.append((f"JupyterLab, {case.replace('_', ' ')}: explorer ≤ 0.5× a naive `interact`",
                         f"{r['ratio']:.2f}× ({r['explorer_median_ms']:.0f} ms against {r['naive_median_ms']:.0f} ms)",
                         _verdict(r["ratio"], 0.5)))
    site = (results.get("explorers") or {}).get("site") if _ok(results.get("explorers")) else None
    if site:
        heaviest = max(site["pages"], key=lambda p: p["page_bytes"] + p["explorer_assets_bytes"])
        first = heaviest["page_bytes"] + heaviest["explorer_assets_bytes"]
        rows.append(("a page's first load ≤ 2 MB", f"heaviest: {heaviest['page']}, {first / 1e6:.2f} MB",
                     _verdict(first, site["page_budget_bytes"])))
        rows.append(("the whole site ≤ 60 MB", f"{site['site_bytes'] / 1e6:.1f} MB",
                     _verdict(site["site_bytes"], site["site_budget_bytes"])))
    lines = ["| target | measured in this run | |", "|---|---|---|"]
    lines += [f"| {a} | {b} | {c} |" for a, b, c in rows]
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- tables

def _footer(results) -> str:
    return (f"\nMeasured on {results['machine']}, numpy {results['numpy']}; one BLAS thread; "
            f"{results['rounds']} interleaved rounds per comparison; times are medians over rounds, ratios "
            "medians of the ratios within each round (in brackets: the middle half of the rounds).")


def _parts(results) -> dict[str, list[str]]:
    return {"mlp": _mlp_tables(results) + _breakdown_table(results), "conv": _conv_tables(results),
            "explorers": _explorer_tables(results), "book": _book_tables(results)}


def sections(results) -> dict[str, str]:
    """The tables by topic (``mlp``, ``conv``, ``explorers``, ``book``); the comparisons end with how
    they were measured. The performance page includes each where its text discusses it."""
    return {name: "\n".join(lines + ([_footer(results)] if name in ("mlp", "conv") else [])) + "\n"
            for name, lines in _parts(results).items()}


def markdown(results) -> str:
    """Every table in one file (``bench/results.md``)."""
    lines = [line for part in _parts(results).values() for line in part]
    return "\n".join(lines + [_footer(results)]) + "\n"


def _mlp_tables(results):
    out = []
    for run in results.get("mlp", []):
        if not _ok(run):
            out.append(f"\nMLP step: not measured ({run.get('error', '?')[:200]}).\n")
            continue
        out += [f"\n**{run['title']}, {run['dtype']}** ({run['data']}; {run['flops_per_step'] / 1e6:.1f} million "
                "floating-point operations in the matrix products of one step)\n",
                "| contender | time per step (µs) | nnlib ÷ contender | GFLOP/s |", "|---|---:|---:|---:|"]
        for name, row in run["contenders"].items():
            out.append(f"| {name} | {row['s_per_step'] * 1e6:.0f} | {_fmt_ratio(row)} | {row['gflops']:.0f} |")
        for note in run.get("missing", []):
            out.append(f"\nNot measured (not installed): {note}.")
    return out


def _breakdown_table(results):
    runs = [r for r in results.get("breakdown", []) if _ok(r)]
    if not runs:
        return []
    out = [f"\n**Where the time of a step goes** ({runs[0]['title']}; each row adds one cost to the one above, "
           "until `fit` itself; then `fit` with options, and the public calls that check every mini-batch)\n",
           "| variant | " + " | ".join(f"{r['dtype']} (µs) | fit ÷ variant" for r in runs) + " |",
           "|---|" + "---:|---:|" * len(runs)]
    for name in runs[0]["rows"]:
        cells = []
        for r in runs:
            row = r["rows"][name]
            cells += [f"{row['s_per_step'] * 1e6:.0f}", _fmt_ratio(row)]
        out.append(f"| {name} | " + " | ".join(cells) + " |")
    return out


def _conv_tables(results):
    conv = results.get("conv")
    if not _ok(conv) or not conv.get("sizes"):
        reason = conv.get("missing") or conv.get("error") if isinstance(conv, dict) else "not run"
        return [f"\nConvolution: not measured ({reason})."]
    out = ["\n**Convolution, float32, batch 64, one thread** (PyTorch " + conv.get("torch", "?") + ")\n",
           "| network | measured | nnlib (µs) | PyTorch eager (µs) | nnlib ÷ PyTorch |", "|---|---|---:|---:|---:|"]
    names = {"step": "training step of the net", "forward": "Conv2D forward alone",
             "backward": "Conv2D backward alone (dx, dW, db)"}
    for size in conv["sizes"].values():
        for part, row in size["rows"].items():
            out.append(f"| {size['title']} | {names[part]} | {row['nnlib_s'] * 1e6:.0f} | {row['torch_s'] * 1e6:.0f} "
                       f"| {_fmt_ratio(row)} |")
    out += ["\n**Conv2D's forward pass in pieces** (µs per call; PyTorch's whole forward for comparison)\n",
            "| network | " + " | ".join(next(iter(conv["sizes"].values()))["forward_parts_s"]) + " | PyTorch forward |",
            "|---|" + "---:|" * (len(next(iter(conv["sizes"].values()))["forward_parts_s"]) + 1)]
    for size in conv["sizes"].values():
        parts = " | ".join(f"{s * 1e6:.0f}" for s in size["forward_parts_s"].values())
        out.append(f"| {size['title']} | {parts} | {size['rows']['forward']['torch_s'] * 1e6:.0f} |")
    out += ["\n**nnlib's training step, layer by layer** (µs per mini-batch, forward plus backward as `fit` runs them)\n",
            "| layer | " + " | ".join(s["title"] for s in conv["sizes"].values()) + " |",
            "|---|" + "---:|" * len(conv["sizes"])]
    kinds = {}
    for size in conv["sizes"].values():
        for layer, seconds in size["layers_s"].items():
            kinds.setdefault(layer.split("(")[0], []).append(seconds)
    for kind, values in kinds.items():
        out.append(f"| {kind} | " + " | ".join(f"{v * 1e6:.0f}" for v in values) + " |")
    return out


def _explorer_tables(results):
    ex = results.get("explorers")
    if not _ok(ex):
        return [f"\nExplorers: not measured ({ex.get('error', '?') if isinstance(ex, dict) else 'not run'})."]
    out = []
    if ex.get("kernel"):
        out += ["\n**Explorers: what a control change costs the kernel** (compute, encode and JSON of one frame; "
                "median over the controls' values, and the slowest value)\n",
                "| explorer | web book | build (s) | moves | median (ms) | slowest (ms) | second visit (ms) | "
                "message (kB) |", "|---|---|---:|---:|---:|---:|---:|---:|"]
        for row in ex["kernel"]:
            if "error" in row:
                out.append(f"| {row['explorer']} | failed: {row['error'][:80]} | | | | | | |")
                continue
            out.append(f"| {row['explorer']} | {row['web']} | {row['build_s']:.2f} | {row['moves']} | "
                       f"{row['median_ms']:.2f} | {row['max_ms']:.1f} | {row['repeat_median_ms']:.2f} | "
                       f"{row['message_kb']:.1f} |")
    lab = ex.get("lab")
    if lab:
        out += [f"\n**JupyterLab** ({lab['explorer']} in chapter {lab['chapter']}, {lab['date']}; {lab['measured']}; "
                f"the naive version: {lab['naive']})\n",
                "| moves | explorer median (ms) | naive `interact` median (ms) | ratio |", "|---|---:|---:|---:|"]
        for case in ("first_move", "repeated_moves"):
            r = lab[case]
            out.append(f"| {case.replace('_', ' ')} | {r['explorer_median_ms']:.0f} | {r['naive_median_ms']:.0f} | "
                       f"{r['ratio']:.2f}× |")
    else:
        out.append("\nJupyterLab latency: not measured in this run (`make check-lab` writes `_build/lab/latency.json`).")
    site = ex.get("site")
    if site:
        out += [f"\n**Page weights of the built book** (first load = the page and everything a first visit loads "
                "with it: theme, maths, scripts, stylesheets, and fonts counted at most; later = the explorers' "
                f"code ({site['shared_script_bytes'] / 1e3:.0f} kB), data and frame files, loaded when the reader "
                "reaches an explorer)\n",
                "| page | explorers | page (kB) | first load (kB) | later (kB) |", "|---|---:|---:|---:|---:|"]
        for page in site["pages"]:
            first = page["page_bytes"] + page["explorer_assets_bytes"]
            out.append(f"| {page['page']} | {page['explorers']} | {page['page_bytes'] / 1e3:.0f} | {first / 1e3:.0f} | "
                       f"{page['later_bytes'] / 1e3:.0f} |")
        out.append(f"\nWhole site: {site['site_bytes'] / 1e6:.1f} MB, of which frame files "
                   f"{site['frame_files_bytes'] / 1e6:.1f} MB.")
    else:
        out.append("\nPage weights: not measured (no built book; `make book`, or `make bench` with `--with-make-book`).")
    return out


def _book_tables(results):
    notebooks = results.get("notebooks")
    build = results.get("make_book") if _ok(results.get("make_book")) else {}
    in_build = build.get("notebook_seconds", {}) if isinstance(build.get("notebook_seconds"), dict) else {}
    out = []
    if _ok(notebooks) and notebooks:
        total = sum(v["seconds"] for v in notebooks.values())
        out += ["\n**Notebooks** (each top to bottom in a fresh kernel, one after another; and as executed by "
                "`make book` from clean, where explorers also precompute their frames)\n",
                "| notebook | fresh kernel (s) | in the book build (s) | under 20 s |", "|---|---:|---:|---|"]
        for name, row in notebooks.items():
            built = in_build.get(name)
            mark = "failed: " + row["error"][:80] if "error" in row else ("yes" if row["seconds"] < 20 else "**no**")
            out.append(f"| {name} | {row['seconds']:.1f} | {'' if built is None else f'{built:.1f}'} | {mark} |")
        out.append(f"| **all notebooks** | **{total:.1f}** | "
                   f"{sum(in_build.values()):.1f} | |" if in_build and "error" not in in_build
                   else f"| **all notebooks** | **{total:.1f}** | | |")
    for key, name in (("make_test", "`make test`"), ("make_test_one_thread", "`make test` with one BLAS thread"),
                      ("make_book", "`make book` from clean")):
        run = results.get(key)
        if _ok(run):
            status = "" if run.get("returncode", 0) == 0 else f", exit status {run['returncode']}: {run['summary'][-300:]}"
            out.append(f"\n{name}: {run['seconds']:.0f} s{status}.")
    return out


# ---------------------------------------------------------------- figures

def _paired_bars(ax, series, categories, colours, width=0.38):
    """Horizontal bars, one group per category (top to bottom) and one bar per (label, values) series."""
    for k, (label, values) in enumerate(series):
        positions = [i + (k - (len(series) - 1) / 2) * width for i in range(len(categories))]
        ax.barh(positions, values, height=width, color=colours[k], label=label)
    ax.set_yticks(range(len(categories)), categories)
    ax.invert_yaxis()


def figures(results, folder: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from nnlib.plotting import PALETTE, use_book_style

    use_book_style()
    runs = [r for r in (_mlp(results, "benchmark", d) for d in ("float32", "float64")) if r]
    if runs:
        names = [n for n in runs[0]["contenders"]]
        short = {REFERENCE: "nnlib fit", PLAIN: "plain numpy", TORCH: "PyTorch", GEMM: "products alone",
                 "scikit-learn MLPClassifier": "scikit-learn"}
        fig, ax = plt.subplots(figsize=(5.2, 3.4), layout="constrained")
        series = [(run["dtype"], [run["contenders"][n]["s_per_step"] * 1e6 if n in run["contenders"]
                                  else float("nan") for n in names]) for run in runs]
        _paired_bars(ax, series, [short.get(n, n) for n in names], PALETTE)
        ax.set_xlabel("time per step (µs), lower is better")
        ax.set_title("64-256-256-10, SGD, batch 64, one thread")
        ax.legend(loc="lower right")
        fig.savefig(folder / "mlp.svg")
        plt.close(fig)
    conv = results.get("conv")
    if _ok(conv) and conv.get("sizes"):
        sizes = list(conv["sizes"].values())
        parts = ["step", "forward", "backward"]
        labels = {"step": "training step", "forward": "Conv2D forward", "backward": "Conv2D backward"}
        fig, ax = plt.subplots(figsize=(5.2, 3.2), layout="constrained")
        series = [("8×8, 8 channels" if size["image"] == 8 else f"{size['image']}×{size['image']}, "
                   f"{size['channels']} channels", [size["rows"][p]["ratio"] for p in parts]) for size in sizes]
        _paired_bars(ax, series, [labels[p] for p in parts], PALETTE)
        ax.axvline(1.0, color="black", linewidth=1)
        ax.set_xlabel("nnlib time ÷ PyTorch time (below 1: nnlib faster)")
        ax.set_title("Convolution, float32, batch 64, one thread")
        ax.legend(loc="lower right")
        fig.savefig(folder / "conv.svg")
        plt.close(fig)
