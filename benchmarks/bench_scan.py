"""The parallel scan of vg.scan against the plain loop, for h_t = a_t * h_{t-1} + b_t.

Run from the repository root:

    .venv/bin/python benchmarks/bench_scan.py            # T = 100, 1000, 10000

One BLAS thread (set before NumPy is imported). For each T and width (complex entries per step: 1, 16,
and 2048 = a batch of 32 sequences with a 64-entry state, as in `vg.lru`), the median CPU time of the
loop `linear_recurrence` (T steps, T multiply-adds per entry), the parallel `linear_scan`
(ceil(log2 T) rounds, about T log2 T multiply-adds per entry) and `blocked_scan` (about 2 sqrt T steps,
about 3T multiply-adds per entry), and which one `vg.scan.solve` picks.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import platform  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

import vg  # noqa: E402


def cpu_median(fn, budget: float = 1.0, minimum: int = 5) -> float:
    times: list[float] = []
    start = time.process_time()
    while len(times) < minimum or time.process_time() - start < budget:
        t0 = time.process_time()
        fn()
        times.append(time.process_time() - t0)
    return float(np.median(times))


def main() -> None:
    rng = np.random.default_rng(0)
    print(f"# {platform.processor() or platform.machine()}, NumPy {np.__version__}, one BLAS thread, CPU time (ms)")
    print("| T | width | loop | linear_scan | blocked_scan | loop / best scan | solve picks |")
    print("|---|---|---|---|---|---|---|")
    for T in (100, 1000, 10000):
        for width in (1, 16, 2048):  # 2048 = a batch of 32 sequences with a 64-entry state
            lam = (rng.uniform(0.5, 0.99, width) * np.exp(1j * rng.uniform(0, 0.3, width)))[None, :]
            b = rng.standard_normal((T, width)) + 1j * rng.standard_normal((T, width))
            reference = vg.scan.linear_recurrence(lam, b)
            times = {"loop": cpu_median(lambda lam=lam, b=b: vg.scan.linear_recurrence(lam, b))}
            for fn in (vg.scan.linear_scan, vg.scan.blocked_scan):
                assert np.allclose(fn(lam, b), reference, rtol=1e-10, atol=1e-12)
                times[fn.__name__] = cpu_median(lambda fn=fn, lam=lam, b=b: fn(lam, b))
            best = min(times["linear_scan"], times["blocked_scan"])
            if width <= vg.scan.SCAN_MAX_WIDTH:
                picks = "linear_scan"
            else:
                picks = "blocked_scan" if width <= vg.scan.BLOCKED_MAX_WIDTH else "loop"
            print(f"| {T} | {width} | {times['loop'] * 1e3:.2f} | {times['linear_scan'] * 1e3:.2f} | "
                  f"{times['blocked_scan'] * 1e3:.2f} | {times['loop'] / best:.1f} | {picks} |")


if __name__ == "__main__":
    main()
