"""Speed of the cells' forward + backward pass, against PyTorch's CPU eager nn.RNN/LSTM/GRU if present.

Run from the repository root:

    .venv/bin/python benchmarks/bench_cells.py            # all cells, sizes and dtypes
    .venv/bin/python benchmarks/bench_cells.py --quick    # fewer repetitions

One BLAS thread everywhere (set below, before NumPy is imported), the same data for both libraries, and
the median over many repetitions of one forward + backward of the loss sum(G * H_all): for vg that is
`forward` then `backward(G, cache)` (parameter gradients, dX and dh0); for PyTorch, `module(X)` then
`(out * G).sum().backward()` with `X.requires_grad`, so it computes the same gradients. GFLOP/s counts
only the matrix products, forward + backward: 6 T B g H (D + H) flops with g = 1 (RNN), 4 (LSTM) or 3 (GRU).

Before timing, once per cell, the script checks that vg and PyTorch give the same hidden states and
gradients for the same weights (RNN and LSTM; PyTorch's GRU is a different function, see vg.gru).
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import platform  # noqa: E402
import subprocess  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

import vg  # noqa: E402

try:
    import torch

    torch.set_num_threads(1)
except ImportError:  # PyTorch is optional: then only vg is timed
    torch = None

SIZES = [(1, 16, 20, 1), (32, 64, 100, 2), (128, 128, 200, 2), (32, 256, 50, 64)]  # (B, H, T, D)
CELLS = {"rnn": 1, "lstm": 4, "gru": 3}  # name -> number of H-row blocks per weight matrix (g)


def flops(cell: str, B: int, H: int, T: int, D: int) -> float:
    """Matrix-product flops of forward + backward.

    Forward: input projection 2 T B gH D, recurrent products 2 T B gH H. Backward: dh_next 2 T B gH H,
    dW_h 2 T B gH H, dW_x 2 T B gH D, dX 2 T B gH D. Sum: 6 T B g H (D + H).
    """
    return 6.0 * T * B * CELLS[cell] * H * (D + H)


def median_times(fns, budget: float, min_reps: int = 9, max_reps: int = 3000) -> list[tuple[float, float]]:
    """Median CPU time and median wall time of each function, over as many repetitions as fit in
    `budget` seconds.

    The functions are called in turn, one repetition of each per round, so that both libraries see
    the same machine load. CPU time (`time.process_time`, all threads of this process) is the main
    measure: on a shared machine, wall time also counts the time other processes held the CPU, which
    varies from one repetition to the next far more than the work itself.
    """
    for _ in range(3):
        for fn in fns:
            fn()
    t0 = time.perf_counter()
    for fn in fns:
        fn()
    once = time.perf_counter() - t0
    reps = int(min(max_reps, max(min_reps, budget / max(once, 1e-9))))
    cpu = [[] for _ in fns]
    wall = [[] for _ in fns]
    for _ in range(reps):
        for fn, c, w in zip(fns, cpu, wall):
            c0, w0 = time.process_time(), time.perf_counter()
            fn()
            w.append(time.perf_counter() - w0)
            c.append(time.process_time() - c0)
    return [(float(np.median(c)), float(np.median(w))) for c, w in zip(cpu, wall)]


def vg_runner(cell: str, params, X, G):
    module = getattr(vg, cell)

    def run():
        _, cache = module.forward(X, params)
        module.backward(G, cache)

    return run


def torch_module(cell: str, D: int, H: int, dtype):
    cls = {"rnn": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[cell]
    return cls(D, H).to(dtype)


def torch_runner(cell: str, X: np.ndarray, G: np.ndarray, dtype_name: str):
    D = X.shape[2]
    m = torch_module(cell, D, G.shape[2], getattr(torch, dtype_name))
    Xt = torch.from_numpy(X).requires_grad_(True)
    Gt = torch.from_numpy(G)

    def run():
        for p in m.parameters():
            p.grad = None
        Xt.grad = None
        out, _ = m(Xt)
        (out * Gt).sum().backward()

    return run


def load_vg_weights(module, cell: str, params) -> None:
    """Copy vg parameters into a PyTorch RNN/LSTM (gate stacking order i, f, g, o for the LSTM)."""
    with torch.no_grad():
        if cell == "rnn":
            w_ih, w_hh, b = params["W_x"], params["W_h"], params["b"]
        else:
            order = ("i", "f", "c", "o")
            w_ih = np.concatenate([params[f"W_x{g}"] for g in order])
            w_hh = np.concatenate([params[f"W_h{g}"] for g in order])
            b = np.concatenate([params[f"b_{g}"] for g in order])
        module.weight_ih_l0.copy_(torch.from_numpy(w_ih))
        module.weight_hh_l0.copy_(torch.from_numpy(w_hh))
        module.bias_ih_l0.copy_(torch.from_numpy(b))
        module.bias_hh_l0.zero_()


def cross_check(cell: str) -> float:
    """Max relative difference between vg and PyTorch (states and every gradient), float64."""
    rng = np.random.default_rng(0)
    T, B, D, H = 12, 3, 4, 5
    params = getattr(vg, cell).init(D, H, rng)
    params = {k: v + 0.1 * rng.standard_normal(v.shape) for k, v in params.items()}
    X = rng.standard_normal((T, B, D))
    G = rng.standard_normal((T, B, H))
    H_all, cache = getattr(vg, cell).forward(X, params)
    grads, dX, _ = getattr(vg, cell).backward(G, cache)
    m = torch_module(cell, D, H, torch.float64)
    load_vg_weights(m, cell, params)
    Xt = torch.from_numpy(X).requires_grad_(True)
    out, _ = m(Xt)
    (out * torch.from_numpy(G)).sum().backward()

    def rel(a, b):
        return float(np.max(np.abs(a - b)) / max(np.max(np.abs(a)), np.max(np.abs(b))))

    errs = [rel(H_all, out.detach().numpy()), rel(dX, Xt.grad.numpy())]
    if cell == "rnn":
        pairs = [("W_x", m.weight_ih_l0), ("W_h", m.weight_hh_l0), ("b", m.bias_ih_l0)]
        errs += [rel(grads[k], p.grad.numpy()) for k, p in pairs]
    else:
        for j, g in enumerate(("i", "f", "c", "o")):
            rows = slice(j * H, (j + 1) * H)
            errs.append(rel(grads[f"W_x{g}"], m.weight_ih_l0.grad.numpy()[rows]))
            errs.append(rel(grads[f"W_h{g}"], m.weight_hh_l0.grad.numpy()[rows]))
            errs.append(rel(grads[f"b_{g}"], m.bias_ih_l0.grad.numpy()[rows]))
    return max(errs)


def matmul_peak(dtype, n: int = 1024, budget: float = 1.5) -> float:
    """One core's practical matrix-product peak in GFLOP/s: the median CPU time of an n x n by n x n
    product (2 n^3 flops) in `dtype`, the best case for the BLAS kernel (large, square, in cache blocks)."""
    rng = np.random.default_rng(0)
    A, B = (rng.standard_normal((n, n)).astype(dtype) for _ in range(2))
    out = np.empty((n, n), dtype)
    [(t, _)] = median_times([lambda: np.matmul(A, B, out=out)], budget, min_reps=5)
    return 2.0 * n**3 / t / 1e9


def cpu_model() -> str:
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True, check=True).stdout
        for line in out.splitlines():
            if line.startswith("Model name"):
                return line.split(":", 1)[1].strip()
    except (OSError, subprocess.CalledProcessError):
        pass
    return platform.processor() or "unknown"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="shorter timing budget per case")
    parser.add_argument("--cells", nargs="*", default=list(CELLS), choices=list(CELLS))
    parser.add_argument("--dtypes", nargs="*", default=["float64", "float32"])
    parser.add_argument("--sizes", nargs="*", type=int, default=list(range(len(SIZES))), help="indices into SIZES")
    args = parser.parse_args()
    budget = 0.3 if args.quick else 1.5

    print(f"machine: {cpu_model()}, {os.cpu_count()} cores; one BLAS thread")
    print(f"numpy {np.__version__}" + (f", torch {torch.__version__}" if torch else ", no torch"))
    if torch is not None:
        for cell in ("rnn", "lstm"):
            err = cross_check(cell)
            print(f"cross-check vg vs torch ({cell}, float64): max relative difference {err:.1e}")
            assert err < 1e-12, f"vg and torch disagree for {cell}: {err}"
    peaks = {name: matmul_peak(np.dtype(name).type, budget=budget) for name in args.dtypes}
    for name, peak in peaks.items():
        print(f"one core's {name} matmul peak (1024 x 1024 GEMM): {peak:.1f} GFLOP/s")
    print()
    header = "| cell | dtype | (B, H, T, D) | vg ms | vg GFLOP/s | share of peak |"
    if torch is not None:
        header += " torch ms | torch GFLOP/s | torch / vg | (wall-clock ratio) |"
    print("times: median CPU time of one forward + backward, in ms")
    print(header)
    print("|" + "---|" * (header.count("|") - 1))
    for cell in args.cells:
        for dtype_name in args.dtypes:
            dtype = np.dtype(dtype_name).type
            for B, H, T, D in [SIZES[j] for j in args.sizes]:
                rng = np.random.default_rng(0)
                params = getattr(vg, cell).init(D, H, rng, dtype=dtype)
                X = rng.standard_normal((T, B, D)).astype(dtype)
                G = rng.standard_normal((T, B, H)).astype(dtype)
                fl = flops(cell, B, H, T, D)
                fns = [vg_runner(cell, params, X, G)]
                if torch is not None:
                    fns.append(torch_runner(cell, X, G, dtype_name))
                (t_vg, w_vg), *t_torch = median_times(fns, budget)
                gflops = fl / t_vg / 1e9
                row = (f"| {cell} | {dtype_name} | ({B}, {H}, {T}, {D}) | {t_vg * 1e3:.3f} | {gflops:.1f} | "
                       f"{gflops / peaks[dtype_name]:.0%} |")
                if t_torch:
                    t, w = t_torch[0]
                    row += f" {t * 1e3:.3f} | {fl / t / 1e9:.1f} | {t / t_vg:.2f} | ({w / w_vg:.2f}) |"
                print(row, flush=True)


if __name__ == "__main__":
    main()
