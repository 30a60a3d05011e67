"""Run notebooks as other readers' CPUs would, and list the cells that fail.

OpenBLAS chooses its matrix-multiply kernel by CPU, and kernels round differently in the last
bits. A stable run does not notice; a chaotic one (a learning rate near divergence, a tiny batch)
ends somewhere else entirely, and an ``assert`` tuned on one machine fails on another. OpenBLAS
lets us pick the kernel with ``OPENBLAS_CORETYPE``, so one machine can play several CPUs.

    python tools/check_other_cpus.py                      # every chapter, every kernel below
    python tools/check_other_cpus.py notebooks/09_digits.ipynb --kernels Haswell Zen

A kernel the CPU cannot run falls back to one it can, so the list is safe on any x86 machine
(on others, OpenBLAS ignores the variable). Exit status 1 if any cell failed.
"""
import argparse
import os
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
#: Kernels of common CPUs: Intel since 2013, AMD Zen, older Intel, and the generic x86-64 one.
KERNELS = ["Haswell", "Zen", "SkylakeX", "Sandybridge", "Prescott"]


def failing_cells(notebook: pathlib.Path, kernel: str) -> list[str]:
    """The nbval ids of the cells of ``notebook`` that fail with OpenBLAS kernel ``kernel``."""
    env = {**os.environ, "OPENBLAS_CORETYPE": kernel, "OPENBLAS_NUM_THREADS": "1"}
    result = subprocess.run([sys.executable, "-m", "pytest", "--nbval-lax", "-p", "no:cacheprovider",
                             "-q", "-rf", str(notebook)], cwd=ROOT, env=env, capture_output=True, text=True)
    return [line.split("::", 1)[1].split(" - ")[0] for line in result.stdout.splitlines()
            if line.startswith("FAILED")]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=pathlib.Path,
                        default=sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")))
    parser.add_argument("--kernels", nargs="+", default=KERNELS)
    args = parser.parse_args()
    failures = 0
    for notebook in args.notebooks:
        for kernel in args.kernels:
            cells = failing_cells(notebook.resolve(), kernel)
            failures += len(cells)
            print(f"{notebook.name:45s} {kernel:12s} {'ok' if not cells else 'FAILED: ' + ', '.join(cells)}",
                  flush=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
