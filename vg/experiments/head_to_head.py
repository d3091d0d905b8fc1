"""The head-to-head sweep: tune each model's learning rate, then run seeds, at every length T.

Run from a clone of the repository (about 12 minutes of CPU; two worker processes):

    OPENBLAS_NUM_THREADS=1 python -m vg.experiments.head_to_head

It writes ``vg/experiments/data/head_to_head.json``, stamped with `code_hash()`: a SHA-256 of this
file and of the `vg` modules that training uses (`SOURCES`). The notebook ``head_to_head.py`` and the
page ``docs/remedies/head-to-head.md`` load that file, refuse it when the stamp differs from the hash
of the current code, and re-run a random sample of its runs to check them.

For every model and every T:

1. **Tuning.** Each learning rate in `RATES` is tried on the tuning seeds `TUNE_SEEDS`, with the
   same step budget `BUDGET` as the final runs. A rate is scored by its median steps to solve
   (a run that does not solve counts as infinitely slow). Rates are tried from the largest down;
   once a rate has a finite median, a later rate's runs stop at that median minus one evaluation
   interval, because a run slower than that cannot make its rate's median better (and the third
   tuning seed is skipped when the first two already cannot). The rate with the smallest median
   wins; ties go to the rate tried first.
2. **Evaluation.** The chosen rate trains on the fresh seeds `EVAL_SEEDS`, which tuning never saw.

Each run records steps to solve (None if the budget ran out), and the CPU seconds
(``time.process_time``) of training, without the time spent on the periodic test-set evaluations.
"""

from __future__ import annotations

import multiprocessing
import platform
import sys
import time
from concurrent.futures import ProcessPoolExecutor

import numpy as np

import vg
import vg.gru
import vg.lstm
import vg.optim
import vg.readout
import vg.rnn
import vg.tasks
import vg.train  # all imported now, before the stamp is taken and the workers fork
from vg import experiments

NAME = "head_to_head"  # results: vg/experiments/data/head_to_head.json

# What determines the results: this script and the vg modules it trains with (and what they import).
# vg/__init__.py is left out on purpose: it only lists the submodules to import on first use.
SOURCES = (
    "vg.experiments.head_to_head",
    "vg._checks",
    "vg.activations",
    "vg.rnn",
    "vg.lstm",
    "vg.gru",
    "vg.readout",
    "vg.losses",
    "vg.clip",
    "vg.optim",
    "vg.tasks",
    "vg.train",
)

H = 32  # hidden units
BATCH = 32  # sequences per training step (fresh ones every step)
CLIP = 1.0  # global-norm clipping threshold, every model
EVAL_EVERY = 50  # steps between test-set evaluations
N_TEST = 1000  # fixed test sequences per T
SOLVED = 0.01  # test MSE below this = solved
BUDGET = 6000  # maximum training steps per run, every model and every T
LENGTHS = (10, 25, 50)
RATES = (3e-2, 1e-2, 3e-3, 1e-3, 3e-4)  # tried in this order
TUNE_SEEDS = (0, 1, 2)
EVAL_SEEDS = tuple(range(100, 108))

# name -> (cell module, init function, forward kwargs)
MODELS = {
    "tanh RNN": (vg.rnn, lambda rng: vg.rnn.init(2, H, rng=rng), {}),
    "orthogonal tanh RNN": (vg.rnn, lambda rng: vg.rnn.init(2, H, rng=rng, init="orthogonal"), {}),
    "IRNN": (vg.rnn, lambda rng: vg.rnn.init(2, H, rng=rng, init="identity"),
             {"activation": "relu"}),
    "LSTM": (vg.lstm, lambda rng: vg.lstm.init(2, H, rng=rng), {}),
    "GRU": (vg.gru, lambda rng: vg.gru.init(2, H, rng=rng), {}),
}


def code_hash() -> str:
    """The stamp of the code this sweep runs: `vg.experiments.code_stamp` of `SOURCES`."""
    return experiments.code_stamp(SOURCES)


def load() -> dict:
    """The results file, checked against the stamp of the code installed now (`vg.experiments.load_results`)."""
    return experiments.load_results(NAME, code_hash())


def test_set(T: int) -> tuple[np.ndarray, np.ndarray]:
    """The fixed test sequences for length T (the same for every model)."""
    return vg.tasks.adding_problem(T, N_TEST, np.random.default_rng(10_000 + T))


class _EvalClock:
    """Wraps vg.train.evaluate to add up the CPU seconds spent in test-set evaluations."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.inner = vg.train.evaluate

    def __call__(self, *args, **kwargs):
        t0 = time.process_time()
        try:
            return self.inner(*args, **kwargs)
        finally:
            self.seconds += time.process_time() - t0


def run(name: str, T: int, lr: float, seed: int, budget: int = BUDGET, *, return_model=False):
    """Train one model once; return a record (and, if asked, the trained params and readout)."""
    cell, init, fkw = MODELS[name]
    rng = np.random.default_rng(seed)
    params = init(rng)
    readout = vg.readout.init(H, 1, rng=rng)
    X_test, Y_test = test_set(T)
    clock = _EvalClock()
    vg.train.evaluate = clock  # fit looks `evaluate` up in vg.train at every evaluation
    try:
        t0 = time.process_time()
        params, readout, history = vg.train.fit(
            cell, params, readout, lambda r: vg.tasks.adding_problem(T, BATCH, r),
            optimizer=vg.optim.Adam(lr=lr), steps=budget, rng=rng, clip=CLIP, forward_kwargs=fkw,
            eval_data=(X_test, Y_test), eval_every=EVAL_EVERY, stop_below=SOLVED,
            on_nonfinite="stop",  # a run that diverges counts as unsolved
        )
        cpu = time.process_time() - t0
    finally:
        vg.train.evaluate = clock.inner
    record = {
        "model": name, "T": T, "lr": lr, "seed": seed, "budget": budget,
        "solved_at": history.solved_at, "steps": history.steps,
        "diverged": bool(history.stopped_nonfinite),
        "final_mse": float(history.eval_loss[-1]) if history.eval_loss.size else None,
        "cpu_train": round(cpu - clock.seconds, 3), "cpu_eval": round(clock.seconds, 3),
    }
    return (record, params, readout) if return_model else record


def tune_and_evaluate(name: str, T: int) -> dict:
    """Tuning race over RATES on TUNE_SEEDS, then the chosen rate on EVAL_SEEDS."""
    tuning, best_rate, best_median = [], None, np.inf
    for lr in RATES:
        budget = BUDGET if not np.isfinite(best_median) else int(best_median) - EVAL_EVERY
        times = []
        for seed in TUNE_SEEDS:
            if budget < EVAL_EVERY:
                break
            censored = sum(t == np.inf for t in times)
            if censored >= 2:  # the median is already >= the best one: skip the other seeds
                break
            rec = run(name, T, lr, seed, budget)
            tuning.append(rec)
            times.append(np.inf if rec["solved_at"] is None else rec["solved_at"])
        if len(times) == len(TUNE_SEEDS):
            median = float(np.median(times))
            if median < best_median:
                best_rate, best_median = lr, median
    if best_rate is None:  # no rate solved a majority of tuning seeds: take the best lowest loss
        finals = {}
        for rec in tuning:
            finals.setdefault(rec["lr"], []).append(rec["final_mse"] if rec["final_mse"] is not None
                                                   else np.inf)
        best_rate = min(finals, key=lambda lr: (np.median(finals[lr]), -lr))
    runs = [run(name, T, best_rate, seed) for seed in EVAL_SEEDS]
    return {"model": name, "T": T, "lr": best_rate, "tuning": tuning, "runs": runs}


def main() -> None:
    stamp = code_hash()
    jobs = [(name, T) for T in sorted(LENGTHS, reverse=True) for name in MODELS]
    start = time.perf_counter()
    cpu0 = time.process_time()
    ctx = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=2, mp_context=ctx) as pool:
        futures = {job: pool.submit(tune_and_evaluate, *job) for job in jobs}
        cells = []
        for job, fut in futures.items():
            cells.append(fut.result())
            print(f"{job[0]:20s} T = {job[1]:3d}: lr {cells[-1]['lr']:g}, "
                  f"{time.perf_counter() - start:6.0f} s", flush=True)
    changed = code_hash() != stamp
    out = {
        "stamp": stamp,
        "sources": list(SOURCES),
        "command": "OPENBLAS_NUM_THREADS=1 python -m vg.experiments.head_to_head",
        "config": {"H": H, "batch": BATCH, "clip": CLIP, "eval_every": EVAL_EVERY,
                   "n_test": N_TEST, "solved": SOLVED, "budget": BUDGET, "lengths": list(LENGTHS),
                   "rates": list(RATES), "tune_seeds": list(TUNE_SEEDS),
                   "eval_seeds": list(EVAL_SEEDS), "models": list(MODELS)},
        "machine": {"processor": platform.processor() or platform.machine(),
                    "python": platform.python_version(), "numpy": np.__version__,
                    "wall_seconds": round(time.perf_counter() - start),
                    "cpu_seconds_all_runs": round(sum(
                        r["cpu_train"] + r["cpu_eval"] for c in cells
                        for r in c["tuning"] + c["runs"])),
                    "main_process_cpu": round(time.process_time() - cpu0, 1)},
        "cells": cells,
    }
    path = experiments.save_results(NAME, out)
    print(f"wrote {path} (stamp {stamp[:12]})")
    if changed:  # the results belong to the code as it was at the start: the build will refuse them
        sys.exit("the code changed while the sweep ran, so the file is already stale; run it again")


if __name__ == "__main__":
    main()
