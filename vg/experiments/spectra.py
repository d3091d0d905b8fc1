"""The sweep behind docs/beyond/spectra.md: nine models, one task, the Jacobian spectrum before and after.

Run from a clone of the repository (about 6 minutes of CPU, one process):

    OPENBLAS_NUM_THREADS=1 python -m vg.experiments.spectra

It writes ``vg/experiments/data/spectra.json``, stamped with `code_hash()`: a SHA-256 of this file and of
the `vg` modules it uses (`SOURCES`). The page loads the file, refuses it when the stamp differs from
the hash of the current code, re-runs a small sample of its runs and checks them, and prints from it.

Every model reads the marked adding problem with T = 30 (`vg.tasks.adding_problem`), has H = 16
hidden units (the LRU: a complex state of size N = 16) and a linear readout of its last output, and
gets the same budget: `BUDGET` steps of `BATCH` fresh sequences, global-norm clipping at `CLIP`, Adam
with every parameter rounded to a multiple of `GRID` after each update (`GridAdam`: it wipes out the
last-bit differences between BLAS kernels before a long run can amplify them). The echo state network
is the exception: its reservoir is never trained, and its readout is fitted by ridge regression
(`vg.esn.fit_readout`) on the last states of the same number of sequences.

1. **Tuning.** Each model tries every learning rate in `RATES` (the ESN: every spectral radius in
   `ESN_RADII`) on the tuning seeds `TUNE_SEEDS`; the one with the smallest median test MSE at the
   end of the budget wins (a run that stops on a non-finite value scores infinity).
2. **Evaluation.** The chosen setting trains on the fresh seeds `EVAL_SEEDS`, which tuning never
   saw. The page shows the first of them, `SHOWN_SEED`.

For every run the file keeps the test MSE and, before and after training, a summary of the singular
values of the state Jacobian ds_T/ds_{T-d} (`step_jacobians`, `spectra`) on the fixed sequences
`jacobian_inputs()` at the distances `DISTANCES`: the median over those sequences of the largest and of
the median singular value, and of the number of singular values of at least 0.1. For `SHOWN_SEED` it
also keeps the trained parameters, as integer multiples of `GRID` (exact).
"""

from __future__ import annotations

import platform
import sys
import time

import numpy as np

import vg
import vg.analysis
import vg.bptt
import vg.clip
import vg.esn
import vg.gru
import vg.losses
import vg.lru
import vg.lstm
import vg.mingru
import vg.optim
import vg.penalties
import vg.readout
import vg.rnn
import vg.tasks
import vg.train
from vg import experiments

NAME = "spectra"  # results: vg/experiments/data/spectra.json

# What determines the results: this script and the vg modules it uses (and what they import).
SOURCES = (
    "vg.experiments.spectra",
    "vg._fast",
    "vg._fast.gru",
    "vg._fast.lstm",
    "vg._fast.rnn",
    "vg._fit",
    "vg.bptt",
    "vg._checks",
    "vg.activations",
    "vg.analysis",
    "vg.clip",
    "vg.esn",
    "vg.gru",
    "vg.losses",
    "vg.lru",
    "vg.lstm",
    "vg.mingru",
    "vg.optim",
    "vg.penalties",
    "vg.readout",
    "vg.rnn",
    "vg.scan",
    "vg.tasks",
    "vg.train",
)

T, H, D = 30, 16, 2  # sequence length, hidden units, inputs (value, marker)
BATCH = 32  # fresh sequences per training step
BUDGET = 1000  # training steps per run, every model
CLIP = 1.0  # global-norm clipping threshold, every gradient-trained model
GRID = 2.0**-20  # GridAdam's rounding grid
RATES = (3e-2, 1e-2, 3e-3, 1e-3)  # learning rates tried by every gradient-trained model
ESN_RADII = (0.5, 0.9, 0.99)  # spectral radii tried by the echo state network
ESN_RIDGE = 1e-6
ALPHA = 0.1  # weight of Pascanu et al.'s Omega
TUNE_SEEDS = (0, 1, 2)
EVAL_SEEDS = tuple(range(100, 108))
SHOWN_SEED = EVAL_SEEDS[0]
N_TEST = 500  # fixed test sequences
N_JAC = 8  # fixed sequences along which the Jacobians are taken
DISTANCES = (1, 5, 10, 20, 30)

# name: (cell module, init(rng) -> params, forward_kwargs, Jacobian kind)
MODELS = {
    "tanh": (vg.rnn, lambda rng: vg.rnn.init(D, H, rng), {"activation": "tanh"}, "rnn"),
    "orthogonal": (vg.rnn, lambda rng: vg.rnn.init(D, H, rng, init="orthogonal"), {"activation": "tanh"}, "rnn"),
    "IRNN": (vg.rnn, lambda rng: vg.rnn.init(D, H, rng, init="identity"), {"activation": "relu"}, "rnn"),
    "Omega": (vg.rnn, lambda rng: vg.rnn.init(D, H, rng), {"activation": "tanh"}, "rnn"),
    "ESN": (vg.rnn, None, {"activation": "tanh"}, "rnn"),
    "LSTM": (vg.lstm, lambda rng: vg.lstm.init(D, H, rng), {}, "lstm"),
    "GRU": (vg.gru, lambda rng: vg.gru.init(D, H, rng), {}, "gru"),
    "LRU": (vg.lru, lambda rng: vg.lru.init(D, H, rng), {}, "lru"),
    "minGRU": (vg.mingru, lambda rng: vg.mingru.init(D, H, rng), {}, "mingru"),
}


def code_hash() -> str:
    """The stamp of the code this sweep runs: `vg.experiments.code_stamp` of `SOURCES`."""
    return experiments.code_stamp(SOURCES)


def load() -> dict:
    """The results file, checked against the stamp of the code installed now (`vg.experiments.load_results`)."""
    return experiments.load_results(NAME, code_hash())


def test_set() -> tuple[np.ndarray, np.ndarray]:
    """The fixed test sequences (the same for every model)."""
    return vg.tasks.adding_problem(T, N_TEST, np.random.default_rng(10_000))


def jacobian_inputs() -> np.ndarray:
    """The fixed sequences along which every Jacobian is taken, (T, N_JAC, D)."""
    return vg.tasks.adding_problem(T, N_JAC, np.random.default_rng(1))[0]


class GridAdam:
    """Adam, with every parameter rounded to a multiple of `grid` after each update."""

    def __init__(self, lr: float, grid: float = GRID) -> None:
        self.adam, self.grid = vg.optim.Adam(lr=lr), grid

    def init(self, params: dict) -> dict:
        return self.adam.init(params)

    def update(self, params: dict, grads: dict, state: dict) -> tuple[dict, dict]:
        new, state = self.adam.update(params, grads, state)
        return {k: np.round(v / self.grid) * self.grid for k, v in new.items()}, state


# ---------------------------------------------------------------- the Jacobians (the page shows the same code)


def step_jacobians(kind: str, params: dict, X: np.ndarray, activation: str = "tanh") -> np.ndarray:
    """(T, B, n, n): the one-step Jacobians ds_t/ds_{t-1} of the recurrent state along X, from s_0 = 0.

    The state s is h (n = H) for the RNNs, the GRU and minGRU; the pair (h, c) (n = 2H) for the LSTM;
    the complex state s (n = N) for the LRU.
    """
    T_, B, _ = X.shape
    if kind == "rnn":  # diag(phi'(a_t)) W_h
        _, cache = vg.rnn.forward(X, params, activation=activation)
        return vg.analysis.step_jacobians(cache)
    if kind == "lru":  # diag(lambda), the same at every step
        lam = vg.lru.eigenvalues(params)
        return np.broadcast_to(np.diag(lam), (T_, B, lam.size, lam.size))
    if kind == "mingru":  # diag(1 - z_t)
        z = vg.activations.sigmoid(X @ params["W_xz"].T + params["b_z"])
        return (1 - z)[..., None] * np.eye(z.shape[-1])
    n = params["b_z" if kind == "gru" else "b_f"].size
    h, c, Js = np.zeros((B, n)), np.zeros((B, n)), []
    for x_t in X:
        if kind == "gru":
            h_prev = h
            h, s = vg.gru.step(x_t, h_prev, params)
            g = (1 - s.z) * (1 - s.h_tilde**2)  # (1 - z) * tanh' of the candidate
            inner = params["W_hh"] * s.r[:, None, :] + params["W_hh"] @ (
                (h_prev * s.r * (1 - s.r))[..., None] * params["W_hr"])
            J = (np.eye(n) * s.z[:, None, :] + ((h_prev - s.h_tilde) * s.z * (1 - s.z))[..., None] * params["W_hz"]
                 + g[..., None] * inner)
        else:
            (h, c), s = vg.lstm.step(x_t, h, c, params)
            tc = np.tanh(c)
            k = s.o * (1 - tc**2)  # dh_t/dc_t, a diagonal
            dc_dh = ((s.c_prev * s.f * (1 - s.f))[..., None] * params["W_hf"]
                     + (s.c_tilde * s.i * (1 - s.i))[..., None] * params["W_hi"]
                     + (s.i * (1 - s.c_tilde**2))[..., None] * params["W_hc"])
            dh_dh = (tc * s.o * (1 - s.o))[..., None] * params["W_ho"] + k[..., None] * dc_dh
            J = np.block([[dh_dh, np.eye(n) * (k * s.f)[:, None, :]], [dc_dh, np.eye(n) * s.f[:, None, :]]])
        Js.append(J)
    return np.array(Js)


def spectra(Js: np.ndarray) -> np.ndarray:
    """(T + 1, B, n): the singular values of ds_T/ds_{T-d} = J_T ... J_{T-d+1}, d = 0..T, largest first."""
    T_, B, n, _ = Js.shape
    P = np.broadcast_to(np.eye(n, dtype=Js.dtype), (B, n, n)).copy()
    out = [np.ones((B, n))]
    for d in range(1, T_ + 1):
        P = P @ Js[T_ - d]
        out.append(np.linalg.svd(P, compute_uv=False))
    return np.array(out)


def summary(name: str, params: dict) -> dict:
    """Medians over the Jacobian sequences, at DISTANCES: of the largest and of the median singular value,
    and of the number of singular values of at least 0.1 ("kept" directions)."""
    _, _, fkw, kind = MODELS[name]
    S = spectra(step_jacobians(kind, params, jacobian_inputs(), fkw.get("activation", "tanh")))
    return {"largest": [float(np.median(S[d, :, 0])) for d in DISTANCES],
            "median": [float(np.median(np.median(S[d], axis=1))) for d in DISTANCES],
            "kept": [float(np.median(np.sum(S[d] >= 0.1, axis=1))) for d in DISTANCES]}


# ---------------------------------------------------------------- training


def _task(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    return vg.tasks.adding_problem(T, BATCH, rng)


def _train_omega(params: dict, readout: dict, lr: float, rng: np.random.Generator) -> tuple[dict, dict, bool]:
    """vg.train.fit's loop for a tanh RNN, plus ALPHA times the gradient of Omega (vg.penalties)."""
    cur = {**params, **readout}
    opt = GridAdam(lr)
    state = opt.init(cur)
    with np.errstate(over="ignore", invalid="ignore"):
        for _ in range(BUDGET):
            X, Y = _task(rng)
            cell_params = {k: cur[k] for k in params}
            H_all, cache = vg.rnn.forward(X, cell_params)
            Z, rcache = vg.readout.forward(H_all[-1], {k: cur[k] for k in readout})
            loss, dZ = vg.losses.mse(Z, Y)
            rgrads, dh_T = vg.readout.backward(dZ, rcache)
            dH_all = np.zeros_like(H_all)
            dH_all[-1] = dh_T
            grads, _, _ = vg.rnn.backward(dH_all, cache)
            delta = vg.bptt.state_gradients(vg.rnn, X, cell_params, dH_all, states=cache.Hs)[1:]  # constant in Omega
            _, ograds = vg.penalties.omega(cache, delta)
            grads = {**{k: grads[k] + ALPHA * ograds[k] for k in params}, **rgrads}
            if not (np.isfinite(loss) and all(np.all(np.isfinite(g)) for g in grads.values())):
                return {k: cur[k] for k in params}, {k: cur[k] for k in readout}, True
            grads, _ = vg.clip.clip_global_norm(grads, CLIP)
            new, state = opt.update(cur, grads, state)
            if not all(np.all(np.isfinite(v)) for v in new.values()):
                return {k: cur[k] for k in params}, {k: cur[k] for k in readout}, True
            cur = new
    return {k: cur[k] for k in params}, {k: cur[k] for k in readout}, False


def train(name: str, setting: float, seed: int) -> dict:
    """One run: ``setting`` is the learning rate (the ESN: the spectral radius). Returns its record."""
    cell, init, fkw, _ = MODELS[name]
    rng = np.random.default_rng(seed)
    X_test, Y_test = test_set()
    if name == "ESN":
        params = vg.esn.init(D, H, rng, spectral_radius=setting)
        S, Y = [], []
        for _ in range(BUDGET):  # the same number of sequences as the gradient-trained models see
            X, y = _task(rng)
            S.append(vg.esn.run(X, params)[-1])
            Y.append(y)
        readout = vg.esn.fit_readout(np.concatenate(S)[None], np.concatenate(Y)[None], ridge=ESN_RIDGE)
        trained, diverged = params, False
    else:
        params = init(rng)
        readout = vg.readout.init(H, 1, rng)
        if name == "Omega":
            trained, readout, diverged = _train_omega(params, readout, setting, rng)
        else:
            fit = vg.train.fit(cell, params, readout, _task, optimizer=GridAdam(setting), steps=BUDGET, rng=rng,
                               clip=CLIP, forward_kwargs=fkw, on_nonfinite="stop")
            trained, readout, diverged = fit.params, fit.readout, fit.history.stopped_nonfinite
    with np.errstate(over="ignore", invalid="ignore"):
        mse = vg.train.evaluate(cell, trained, readout, X_test, Y_test, forward_kwargs=fkw).loss
    record = {"seed": seed, "setting": setting, "test_mse": float(mse) if np.isfinite(mse) else None,
              "diverged": bool(diverged), "init": summary(name, params), "trained": summary(name, trained)}
    return record | {"params": {k: np.rint(v / GRID).astype(np.int64).tolist() for k, v in trained.items()}}


def load_params(run: dict) -> dict:
    """The trained parameters of a run, from their integer multiples of GRID."""
    return {k: np.array(v, dtype=np.float64) * GRID for k, v in run["params"].items()}


def main() -> None:
    stamp = code_hash()
    start, cpu0 = time.perf_counter(), time.process_time()
    models = []
    for name in MODELS:
        settings = ESN_RADII if name == "ESN" else RATES
        tuning = []
        for setting in settings:
            for seed in TUNE_SEEDS:
                run = train(name, setting, seed)
                run.pop("params")
                tuning.append(run)
        score = {s: float(np.median([np.inf if r["test_mse"] is None or r["diverged"] else r["test_mse"]
                                     for r in tuning if r["setting"] == s])) for s in settings}
        best = min(settings, key=lambda s: score[s])  # ties: the first tried
        runs = [train(name, best, seed) for seed in EVAL_SEEDS]
        for run in runs[1:]:
            run.pop("params")  # only the shown seed's parameters are kept
        models.append({"name": name, "setting": best, "score": score, "tuning": tuning, "runs": runs})
        print(f"{name:10s} setting {best:g}: test MSE "
              + ", ".join("nan" if r["test_mse"] is None else f"{r['test_mse']:.3f}" for r in runs), flush=True)
    changed = code_hash() != stamp
    out = {
        "stamp": stamp,
        "command": "OPENBLAS_NUM_THREADS=1 python -m vg.experiments.spectra",
        "config": {"T": T, "H": H, "D": D, "batch": BATCH, "budget": BUDGET, "clip": CLIP, "grid": GRID,
                   "rates": list(RATES), "esn_radii": list(ESN_RADII), "esn_ridge": ESN_RIDGE, "alpha": ALPHA,
                   "tune_seeds": list(TUNE_SEEDS), "eval_seeds": list(EVAL_SEEDS), "shown_seed": SHOWN_SEED,
                   "n_test": N_TEST, "n_jac": N_JAC, "distances": list(DISTANCES)},
        "machine": {"processor": platform.processor() or platform.machine(), "python": platform.python_version(),
                    "numpy": np.__version__, "wall_seconds": round(time.perf_counter() - start),
                    "cpu_seconds": round(time.process_time() - cpu0)},
        "models": models,
    }
    path = experiments.save_results(NAME, out, compact=True)
    print(f"wrote {path} (stamp {stamp[:12]})")
    if changed:
        sys.exit("the code changed while the sweep ran, so the file is already stale; run it again")


if __name__ == "__main__":
    main()
