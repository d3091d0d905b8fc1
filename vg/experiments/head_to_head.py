"""The head-to-head sweep: tune each model's learning rate, then run seeds, at every length T.

Run from a clone of the repository (about 12 minutes of CPU; two worker processes):

    OPENBLAS_NUM_THREADS=1 python -m vg.experiments.head_to_head

It writes ``vg/experiments/data/head_to_head.json``, stamped with `code_hash()`: a SHA-256 of this
file and of the `vg` modules that training uses (`SOURCES`). The notebook ``head_to_head.py`` and the
page ``docs/remedies/head-to-head.md`` load that file, refuse it when the stamp differs from the hash
of the current code, and re-run a random sample of its runs to check them.

For every model and every T, the protocol of `vg.experiments.protocol`: the learning rate is tuned
over `RATES` on the seeds `TUNE_SEEDS` at the budget `BUDGET`, then the chosen rate trains on the fresh
seeds `EVAL_SEEDS`. Each run records its steps to solve and the CPU seconds of training and of the
test-set evaluations, separately.
"""

from __future__ import annotations

import multiprocessing
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
from vg.experiments import protocol

NAME = "head_to_head"  # results: vg/experiments/data/head_to_head.json

# What determines the results: this script and the vg modules it trains with (and what they import).
# vg/__init__.py is left out on purpose: it only lists the submodules to import on first use.
SOURCES = (
    "vg.experiments.head_to_head",
    "vg.experiments.protocol",
    "vg._fast",
    "vg._fast.gru",
    "vg._fast.lstm",
    "vg._fast.rnn",
    "vg._fit",
    "vg.analysis",
    "vg.bptt",
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


def run(name: str, T: int, lr: float, seed: int, budget: int = BUDGET, *, return_model=False):
    """Train one model once; return a record (and, if asked, the trained params and readout)."""
    cell, init, fkw = MODELS[name]
    rng = np.random.default_rng(seed)
    params = init(rng)
    readout = vg.readout.init(H, 1, rng=rng)
    record, (params, readout, _) = protocol.train(
        cell, params, readout, T=T, batch=BATCH, test=test_set(T), lr=lr, budget=budget, rng=rng,
        clip=CLIP, eval_every=EVAL_EVERY, solved=SOLVED, forward_kwargs=fkw,
    )
    record = {"model": name, "T": T, "seed": seed, **record}
    return (record, params, readout) if return_model else record


def tune_and_evaluate(name: str, T: int) -> dict:
    """The tuning race of `vg.experiments.protocol.tune` on TUNE_SEEDS, then the chosen rate on EVAL_SEEDS."""
    lr, tuning = protocol.tune(lambda lr, seed, budget: run(name, T, lr, seed, budget),
                               rates=RATES, seeds=TUNE_SEEDS, budget=BUDGET, eval_every=EVAL_EVERY)
    return {"model": name, "T": T, "lr": lr, "tuning": tuning, "runs": [run(name, T, lr, seed) for seed in EVAL_SEEDS]}


def main() -> None:
    stamp = code_hash()
    jobs = [(name, T) for T in sorted(LENGTHS, reverse=True) for name in MODELS]
    start = time.perf_counter()
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
        "machine": protocol.machine(start, cells),
        "cells": cells,
    }
    path = experiments.save_results(NAME, out)
    print(f"wrote {path} (stamp {stamp[:12]})")
    if changed:  # the results belong to the code as it was at the start: the build will refuse them
        sys.exit("the code changed while the sweep ran, so the file is already stale; run it again")


if __name__ == "__main__":
    main()
