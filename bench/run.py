"""`make bench`: measure nnlib against its references and the book against its budgets.

Every benchmark runs in its own worker process with one BLAS/OpenMP thread (see
``interleave.py``), contenders interleaved round by round. Writes:

* ``bench/results.json``: everything measured;
* ``bench/results.md``: every table; ``bench/results-{mlp,conv,explorers,book}.md`` the same
  tables by topic, which the performance page (``book/performance.md``) includes;
* ``bench/targets.md``: the targets of issue 16 with the measured values, also included;
* ``bench/mlp.svg`` and ``bench/conv.svg``: the page's two figures (the book's style: SVG
  with real text, 11 pt, at most 5.2 inches wide).

Usage: python bench/run.py [--quick] [--skip-explorers] [--skip-notebooks]
                           [--with-make-test] [--with-make-book] [--rounds N]
       python bench/run.py --budgets-only

``--budgets-only`` keeps the comparisons of the last full run (``results.json``) and measures
again only what a busy machine distorts most: every notebook, ``make test``, ``make book``
from clean with the page weights, and the JupyterLab latency that ``make check-lab`` left in
``_build/lab/latency.json``. Ratios measured side by side keep their meaning on a loaded
machine; the book's budgets are absolute times, so they are measured on a quiet one.
"""
from __future__ import annotations

import argparse
import json
import platform
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import book_times  # noqa: E402
import report  # noqa: E402
from interleave import run_worker  # noqa: E402

MLP_RUNS = [("benchmark", "float32"), ("benchmark", "float64"), ("chapter9", "float32")]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="few rounds: rough numbers in a minute or two")
    parser.add_argument("--rounds", type=int, default=None, help="rounds per comparison (default 25, quick 5)")
    parser.add_argument("--skip-explorers", action="store_true", help="skip the explorers' kernel times")
    parser.add_argument("--skip-notebooks", action="store_true", help="skip executing every notebook")
    parser.add_argument("--with-make-test", action="store_true", help="also time `make test`")
    parser.add_argument("--with-make-book", action="store_true", help="also time `make book` from clean")
    parser.add_argument("--budgets-only", action="store_true",
                        help="keep results.json's comparisons; measure the notebooks, make test and make book again")
    args = parser.parse_args(argv)
    if args.budgets_only:
        return budgets_only()
    if args.skip_notebooks and (args.with_make_test or args.with_make_book):
        parser.error("--with-make-test and --with-make-book go with the notebooks' times (drop --skip-notebooks)")
    rounds = args.rounds or (5 if args.quick else 25)

    import numpy as np

    results = {"machine": f"{platform.machine()}, {platform.python_implementation()} {platform.python_version()}",
               "numpy": np.__version__, "rounds": rounds, "threads": 1}

    results["mlp"] = [step(f"MLP step, {key} {dtype}", run_worker, HERE / "train_step.py", key, dtype, rounds)
                      for key, dtype in MLP_RUNS]
    results["breakdown"] = [step(f"where the MLP step's time goes, {dtype}", run_worker, HERE / "mlp_breakdown.py",
                                 dtype, rounds) for dtype in ("float32", "float64")]
    results["conv"] = step("convolution", run_worker, HERE / "conv_step.py", max(5, rounds * 3 // 5))
    kernel_args = ["--no-kernel"] if args.skip_explorers else []
    results["explorers"] = step("explorers", run_worker, HERE / "explorers.py", *kernel_args)
    if not args.skip_notebooks:
        measure_budgets(results, make_test=args.with_make_test, make_book=args.with_make_book)

    write(results)


def step(title, function, *arguments, **keywords):
    """Run one part of the benchmark; a part that fails is recorded, and the others still run."""
    print(f"- {title} ...", flush=True)
    try:
        return function(*arguments, **keywords)
    except Exception as error:  # one failing part must not lose the others
        print(f"  failed: {error}", flush=True)
        return {"error": f"{type(error).__name__}: {error}"[:2000]}


def measure_budgets(results, make_test=True, make_book=True):
    """The book's time budgets: every notebook, `make test` (as is and with one BLAS thread), and
    `make book` from clean with the page weights of that build."""
    results["notebooks"] = step("every notebook in a fresh kernel", book_times.execute_notebooks)
    if make_test:
        results["make_test"] = step("make test", book_times.make_test_seconds)
        results["make_test_one_thread"] = step("make test, one BLAS thread", book_times.make_test_seconds, threads=1)
    if make_book:
        html = HERE.parent / "_build" / "bench-html"
        results["make_book"] = step("make book from clean", book_times.make_book_from_clean, keep=html)
        if isinstance(results["make_book"], dict) and results["make_book"].get("html"):
            from explorers import page_weights

            site = step("page weights of the clean build", page_weights, Path(results["make_book"]["html"]))
            if isinstance(results.get("explorers"), dict) and site:
                results["explorers"]["site"] = site


def budgets_only():
    from explorers import lab_latency

    results = json.loads((HERE / "results.json").read_text())
    measure_budgets(results)
    if isinstance(results.get("explorers"), dict):
        results["explorers"]["lab"] = lab_latency() or results["explorers"].get("lab")
    write(results)


def write(results):
    (HERE / "results.json").write_text(json.dumps(results, indent=1) + "\n")
    tables = report.markdown(results)
    (HERE / "results.md").write_text(tables)
    for name, text in report.sections(results).items():   # the pieces the performance page includes
        (HERE / f"results-{name}.md").write_text(text)
    (HERE / "targets.md").write_text(report.targets(results))
    report.figures(results, HERE)
    print(report.targets(results))
    print(tables)


if __name__ == "__main__":
    main()
