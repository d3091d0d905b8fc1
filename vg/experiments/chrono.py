"""The chrono-initialisation sweep: an LSTM with forget-gate bias 1 against chrono, adding problem.

Run from a clone of the repository (about 15 minutes of CPU; two worker processes):

    OPENBLAS_NUM_THREADS=1 python -m vg.experiments.chrono

It writes ``vg/experiments/data/chrono.json``, stamped with `code_hash()`: a SHA-256 of this file and of
the `vg` modules that training uses (`SOURCES`). The page ``docs/beyond/chrono-init.md`` loads that
file, refuses it when the stamp differs from the hash of the current code, and re-runs one of its runs.

Two configurations of the same LSTM (`MODELS`), on the marked adding problem of length `T`:

- ``"LSTM, b_f = 1"``: ``vg.lstm.init`` as it is (forget-gate bias 1, input-gate bias 0);
- ``"LSTM, chrono"``: the same weights, then ``b_f = log(u)`` with u uniform on [1, T - 1] drawn
  independently per unit, and ``b_i = -b_f`` (Tallec & Ollivier 2018, with T_max = T). The biases
  come from a generator of their own, so for a given seed both configurations start from the same
  weights, the same readout and see the same stream of training batches: only the two bias vectors
  differ.

For each configuration, the protocol of `vg.experiments.protocol`: the learning rate is tuned over
`RATES` on the seeds `TUNE_SEEDS` at the budget `BUDGET`, then the chosen rate trains on the fresh seeds
`EVAL_SEEDS`. Each run records its steps to solve and the CPU seconds of training and of the test-set
evaluations, separately.
"""

from __future__ import annotations

import multiprocessing
import sys
import time
from concurrent.futures import ProcessPoolExecutor

import numpy as np

import vg
import vg.train
from vg import experiments
from vg.experiments import protocol

NAME = "chrono"  # results: vg/experiments/data/chrono.json

# What determines the results: this script and the vg modules it trains with.
SOURCES = (
    "vg.experiments.chrono",
    "vg.experiments.protocol",
    "vg._fast",
    "vg._fast.lstm",
    "vg._fast.rnn",
    "vg._fit",
    "vg.analysis",
    "vg.bptt",
    "vg.lstm",
    "vg.train",
    "vg.optim",
    "vg.clip",
    "vg.tasks",
    "vg.losses",
    "vg.readout",
    "vg.activations",
    "vg._checks",
    "vg.rnn",
)

T = 400  # sequence length
H = 32  # hidden units
BATCH = 32  # sequences per training step (fresh ones every step)
CLIP = 1.0  # global-norm clipping threshold
EVAL_EVERY = 50  # steps between test-set evaluations
N_TEST = 1000  # fixed test sequences
SOLVED = 0.01  # test MSE below this = solved
BUDGET = 800  # maximum training steps per run
RATES = (3e-2, 1e-2, 3e-3)  # tried in this order
TUNE_SEEDS = (0, 1, 2)
EVAL_SEEDS = tuple(range(100, 108))


def chrono_biases(T_max: int, size: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Chrono initialisation: b_f = log(U[1, T_max - 1]) per unit, b_i = -b_f."""
    b_f = np.log(rng.uniform(1.0, T_max - 1.0, size))
    return b_f, -b_f


def init_default(seed: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    return vg.lstm.init(2, H, rng=rng)


def init_chrono(seed: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    params = vg.lstm.init(2, H, rng=rng)
    params["b_f"], params["b_i"] = chrono_biases(T, H, np.random.default_rng([seed, 1]))
    return params


MODELS = {"LSTM, b_f = 1": init_default, "LSTM, chrono": init_chrono}


def code_hash() -> str:
    """The stamp of the code this sweep runs: `vg.experiments.code_stamp` of `SOURCES`."""
    return experiments.code_stamp(SOURCES)


def load() -> dict:
    """The results file, checked against the stamp of the code installed now (`vg.experiments.load_results`)."""
    return experiments.load_results(NAME, code_hash())


def test_set() -> tuple[np.ndarray, np.ndarray]:
    """The fixed test sequences (the same for both configurations)."""
    return vg.tasks.adding_problem(T, N_TEST, np.random.default_rng(10_000 + T))


def run(name: str, lr: float, seed: int, budget: int = BUDGET) -> dict:
    """Train one configuration once and return its record."""
    rng = np.random.default_rng(seed)
    params = MODELS[name](seed, rng)
    readout = vg.readout.init(H, 1, rng=rng)
    record, _ = protocol.train(
        vg.lstm, params, readout, T=T, batch=BATCH, test=test_set(), lr=lr, budget=budget, rng=rng,
        clip=CLIP, eval_every=EVAL_EVERY, solved=SOLVED,
    )
    return {"model": name, "seed": seed, **record}


def tune(name: str) -> dict:
    """The tuning race of `vg.experiments.protocol.tune` over RATES on TUNE_SEEDS."""
    lr, tuning = protocol.tune(lambda lr, seed, budget: run(name, lr, seed, budget),
                               rates=RATES, seeds=TUNE_SEEDS, budget=BUDGET, eval_every=EVAL_EVERY)
    return {"model": name, "lr": lr, "tuning": tuning}


def main() -> None:
    stamp = code_hash()
    start = time.perf_counter()
    ctx = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=2, mp_context=ctx) as pool:
        tuned = list(pool.map(tune, MODELS))
        print("tuned: " + ", ".join(f"{c['model']} lr {c['lr']:g}" for c in tuned), flush=True)
        jobs = [(c["model"], c["lr"], seed) for c in tuned for seed in EVAL_SEEDS]
        runs = list(pool.map(run, *zip(*jobs)))
    for c in tuned:
        c["runs"] = [r for r in runs if r["model"] == c["model"]]
        print(f"{c['model']}: solved at " + ", ".join(str(r["solved_at"]) for r in c["runs"]))
    if code_hash() != stamp:
        sys.exit("the code changed while the sweep ran; run it again")
    out = {
        "stamp": stamp,
        "sources": list(SOURCES),
        "command": "OPENBLAS_NUM_THREADS=1 python -m vg.experiments.chrono",
        "config": {"T": T, "H": H, "batch": BATCH, "clip": CLIP, "eval_every": EVAL_EVERY,
                   "n_test": N_TEST, "solved": SOLVED, "budget": BUDGET, "rates": list(RATES),
                   "tune_seeds": list(TUNE_SEEDS), "eval_seeds": list(EVAL_SEEDS),
                   "models": list(MODELS)},
        "machine": protocol.machine(start, tuned),
        "cells": tuned,
    }
    path = experiments.save_results(NAME, out)
    print(f"wrote {path} (stamp {stamp[:12]})")


if __name__ == "__main__":
    main()
