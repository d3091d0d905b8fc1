"""How much of the GRU's torch / vg ratio is the BLAS library: the GRU's matrix products, timed twice.

Run from the repository root (needs PyTorch; one thread everywhere):

    .venv/bin/python benchmarks/bench_gemm_backend.py

`bench_cells.py` compares vg with PyTorch's nn.GRU, but the two do not multiply matrices with the same
library: NumPy's wheels link OpenBLAS, PyTorch's x86 wheels link Intel MKL. This script takes every
matrix product of one `vg.gru.forward` + `vg.gru.backward` at (B, H, T, D) = (32, 256, 50, 64), with
the shapes and chunk lengths of `vg._fast.gru` (`vg._fast.projection_length`, `vg._fast.chunk_length`;
one set of operands per shape, reused as the engine reuses its weights). It times the whole list with
NumPy (`np.dot` into preallocated outputs, as the engine does) and with PyTorch (`torch.matmul` with
`out=`), and the two full passes, all four in turn with `bench_cells.py`'s timing and passes (median
CPU time, one repetition of each per round). Then it prints what vg's time would be if its products
ran at PyTorch's speed: the part of the ratio that is the library, not the code.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"  # before NumPy is imported

import numpy as np  # noqa: E402
from bench_cells import median_times, torch, torch_runner, vg_runner  # noqa: E402 (timing, passes)

import vg  # noqa: E402
import vg._fast  # noqa: E402

if torch is None:  # this comparison is about PyTorch's BLAS: nothing to do without it
    raise SystemExit("bench_gemm_backend.py needs PyTorch (pip install torch)")

B, H, T, D = 32, 256, 50, 64
BUDGET = 20.0  # seconds of repetitions, shared by the four timed functions


def gru_products() -> list[tuple[int, int, int]]:
    """(m, k, n) of every product ``(m x k) @ (k x n)`` in one GRU forward + backward (vg._fast.gru)."""
    step_bytes = B * 3 * H * 8
    P = vg._fast.projection_length(T, step_bytes)
    C = vg._fast.chunk_length(T, B, step_bytes)
    out = []
    for start in range(0, T, P):  # forward: the input projections of a chunk, then two per step
        out.append((min(P, T - start) * B, D, 3 * H))
    out += [(B, H, 2 * H), (B, H, H)] * T
    out += [(B, H, H), (B, 2 * H, H)] * T  # backward: d(r * h_prev), then dh_prev, per step
    for stop in range(T, 0, -C):  # backward: each chunk's weight gradients and dX
        rows = (stop - max(0, stop - C)) * B
        out += [(3 * H, rows, D), (2 * H, rows, H), (H, rows, H), (rows, 3 * H, D)]
    return out


def main() -> None:
    rng = np.random.default_rng(0)
    shapes = gru_products()
    # One set of operands per distinct shape, reused like the engine reuses its weights and buffers
    # at every step (so that they are in cache as they are there).
    arrays = {mkn: (rng.standard_normal(mkn[:2]), rng.standard_normal(mkn[1:]), np.empty((mkn[0], mkn[2])))
              for mkn in set(shapes)}
    tensors = {mkn: tuple(torch.from_numpy(a.copy()) for a in ops) for mkn, ops in arrays.items()}
    np_ops, th_ops = [arrays[mkn] for mkn in shapes], [tensors[mkn] for mkn in shapes]

    def numpy_products():
        for a, b, c in np_ops:
            np.dot(a, b, out=c)

    def torch_products():
        for a, b, c in th_ops:
            torch.matmul(a, b, out=c)

    X, G = rng.standard_normal((T, B, D)), rng.standard_normal((T, B, H))
    vg_pass = vg_runner("gru", vg.gru.init(D, H, rng=rng), X, G)
    torch_pass = torch_runner("gru", X, G, "float64")
    times = median_times([numpy_products, torch_products, vg_pass, torch_pass], BUDGET)
    t_np, t_th, t_vg, t_torch = (cpu for cpu, _ in times)
    flop = 2.0 * sum(m * k * n for m, k, n in shapes)
    print(f"GRU (B, H, T, D) = {(B, H, T, D)}, float64, one thread; {len(shapes)} matrix products, "
          f"{flop / 1e9:.2f} GFLOP")
    print(f"the products with NumPy ({np.__version__}): {t_np * 1e3:.1f} ms; "
          f"with PyTorch ({torch.__version__}): {t_th * 1e3:.1f} ms ({t_np / t_th:.2f}x faster)")
    print(f"vg.gru forward + backward: {t_vg * 1e3:.1f} ms, of which products {t_np / t_vg:.0%}; "
          f"nn.GRU: {t_torch * 1e3:.1f} ms; torch / vg = {t_torch / t_vg:.2f}")
    t_same = t_vg - t_np + t_th
    print(f"vg with PyTorch's products: about {t_same * 1e3:.1f} ms; torch / vg = {t_torch / t_same:.2f}")


if __name__ == "__main__":
    main()
