"""`make bench`: measure nnlib against its references and print a table of ratios.

Writes the latest results to bench/results.json, bench/results.md (the table the
book's "How fast is nnlib?" page includes) and bench/results.png (its plot).

Usage: python bench/run.py [--quick] [--skip-explorers] [--skip-book] [--with-make-test]
"""
from __future__ import annotations

import argparse
import json
import platform
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))  # the sibling benchmark modules; bench/ is not a package

import book_times  # noqa: E402
import explorers  # noqa: E402
import train_step  # noqa: E402


def training_table(repeats, epochs):
    rows, notes = [], []
    for dtype in (np.float32, np.float64):
        per_step, missing = train_step.measure(dtype, epochs=epochs, repeats=repeats)
        notes += [m for m in missing if m not in notes]
        ours = per_step["nnlib Sequential"]
        for name, seconds in per_step.items():
            rows.append({"dtype": np.dtype(dtype).name, "contender": name, "ms_per_step": seconds * 1e3,
                         "nnlib_over_this": ours / seconds})
    return rows, notes


def markdown(results) -> str:
    lines = ["| data type | contender | time per step (ms) | nnlib ÷ contender |", "|---|---|---:|---:|"]
    for row in results["training"]:
        lines.append(f"| {row['dtype']} | {row['contender']} | {row['ms_per_step']:.3f} | {row['nnlib_over_this']:.2f}× |")
    for note in results["missing"]:
        lines.append(f"\nNot measured (not installed): {note}.")
    if results.get("explorers"):
        lines += ["", "| explorer | bare redraw (ms) | update + redraw ÷ redraw | live frame (with PNG) ÷ redraw |",
                  "|---|---:|---:|---:|"]
        for row in results["explorers"]:
            lines.append(f"| {row['explorer']} | {row['draw_ms']:.1f} | {row['update_ratio']:.2f}× | {row['live_ratio']:.2f}× |")
    if results.get("notebooks"):
        total = sum(results["notebooks"].values())
        lines += ["", "| notebook | execution time (s) |", "|---|---:|"]
        lines += [f"| {name} | {seconds:.1f} |" for name, seconds in results["notebooks"].items()]
        lines.append(f"| **all notebooks** | **{total:.1f}** |")
    if results.get("make_test_s"):
        lines.append(f"\n`make test` wall time: {results['make_test_s']:.0f} s.")
    lines.append(f"\nMeasured on {results['machine']}, numpy {results['numpy']}; medians over repeats, contenders interleaved.")
    return "\n".join(lines) + "\n"


def plot(results, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from nnlib.plotting import PALETTE

    rows = results["training"]
    names = list(dict.fromkeys(r["contender"] for r in rows))
    fig, ax = plt.subplots(figsize=(7, 3.2), layout="constrained")
    width = 0.38
    for k, dtype in enumerate(("float32", "float64")):
        values = [next((r["ms_per_step"] for r in rows if r["dtype"] == dtype and r["contender"] == n), np.nan) for n in names]
        ax.barh(np.arange(len(names)) + (k - 0.5) * width, values, height=width, color=PALETTE[k], label=dtype)
    ax.set_yticks(range(len(names)), names)
    ax.invert_yaxis()
    ax.set_xlabel("time per training step (ms), lower is better")
    ax.set_title("One SGD step of the 64-256-256-10 digits network, batch 64")
    ax.legend()
    fig.savefig(path, dpi=110)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats (a rough number in seconds)")
    parser.add_argument("--skip-explorers", action="store_true")
    parser.add_argument("--skip-book", action="store_true", help="skip executing all notebooks")
    parser.add_argument("--with-make-test", action="store_true", help="also time `make test`")
    args = parser.parse_args(argv)

    repeats, epochs = (3, 1) if args.quick else (7, 2)
    results = {"machine": f"{platform.machine()}, {platform.python_implementation()} {platform.python_version()}",
               "numpy": np.__version__}
    results["training"], results["missing"] = training_table(repeats, epochs)
    if not args.skip_explorers:
        results["explorers"] = explorers.measure()
    if not args.skip_book:
        results["notebooks"] = book_times.execute_notebooks()
    if args.with_make_test:
        results["make_test_s"] = book_times.make_test_seconds()

    table = markdown(results)
    print(table)
    (HERE / "results.json").write_text(json.dumps(results, indent=1) + "\n")
    (HERE / "results.md").write_text(table)
    plot(results, HERE / "results.png")


if __name__ == "__main__":
    main()
