"""The head-to-head at long range: eight models on the adding problem at T = 100 and T = 1000.

Run from a clone of the repository (about an hour of CPU; two worker processes):

    OPENBLAS_NUM_THREADS=1 python -m vg.experiments.head_to_head_long

It writes ``vg/experiments/data/head_to_head_long.json``, stamped with `code_hash()` (see `vg.experiments`).
The page ``docs/beyond/long-range-head-to-head.md`` loads it, refuses it when the stamp differs from the stamp of
the current code, and re-runs one of its runs.

The five models of `vg.experiments.head_to_head` (tanh RNN, orthogonal tanh RNN, IRNN, LSTM, GRU), the
LSTM with chrono initialisation (`vg.experiments.chrono.chrono_biases` with T_max = T), and two linear
recurrences:

- **minGRU** (`vg.mingru`), as a drop-in cell: it reads the raw inputs, like the others.
- **LRU** (`vg.lru`) after one position-wise layer ``e_t = relu(W_e x_t + b_e)`` (`EncodedLRU`). A
  linear recurrence with a linear readout computes a linear function of the inputs, and the adding
  problem's target, the sum of value times marker, is not one; the paper's model always puts
  nonlinear layers between its recurrences, and this is the smallest such model. The LRU's
  eigenvalues start on the ring ``R_MIN <= |lambda| <= R_MAX`` (our choice: a memory of up to
  about a thousand steps at initialisation).

The protocol is the head-to-head's (`vg.experiments.protocol`), with a budget per length (`BUDGETS`)
and, at T = 1000, smaller batches and test set to keep the sweep affordable (`BATCHES`, `N_TESTS`):
the learning rate is tuned over `RATES` on the seeds `TUNE_SEEDS` at the full budget of that length,
then the chosen rate trains on the fresh seeds `EVAL_SEEDS`. Each run records its steps to solve and
the CPU seconds of training and of the test-set evaluations, separately.
"""

from __future__ import annotations

import multiprocessing
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np

import vg
import vg.gru
import vg.lru
import vg.lstm
import vg.mingru
import vg.optim
import vg.readout
import vg.rnn
import vg.tasks
import vg.train
from vg import experiments
from vg.experiments import chrono, protocol

NAME = "head_to_head_long"  # results: vg/experiments/data/head_to_head_long.json

SOURCES = (
    "vg.experiments.head_to_head_long",
    "vg.experiments.protocol",
    "vg.experiments.chrono",
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
    "vg.lru",
    "vg.mingru",
    "vg.scan",
    "vg.readout",
    "vg.losses",
    "vg.clip",
    "vg.optim",
    "vg.tasks",
    "vg.train",
)

H = 32  # hidden units (the LRU: 32 complex states, 32 real outputs, 32 encoder units)
CLIP = 1.0
EVAL_EVERY = 50
SOLVED = 0.01
LENGTHS = (100, 1000)
BUDGETS = {100: 3000, 1000: 1000}
BATCHES = {100: 32, 1000: 16}
N_TESTS = {100: 1000, 1000: 256}
RATES = (3e-2, 1e-2, 3e-3)
TUNE_SEEDS = (0, 1)
EVAL_SEEDS = tuple(range(100, 108))
R_MIN, R_MAX = 0.9, 0.999


@dataclass(frozen=True)
class EncodedLRUCache:
    X: np.ndarray
    pre: np.ndarray
    W_e: np.ndarray
    lru: Any


class EncodedLRU:
    """``e_t = relu(W_e x_t + b_e)``, then `vg.lru` on ``e``: a cell with `forward` and `backward`."""

    @staticmethod
    def init(input_size: int, hidden_size: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
        W_e = rng.standard_normal((hidden_size, input_size)) * np.sqrt(2.0 / input_size)  # He
        lru = vg.lru.init(hidden_size, hidden_size, rng, r_min=R_MIN, r_max=R_MAX)
        return {"W_e": W_e, "b_e": np.zeros(hidden_size), **lru}

    @staticmethod
    def forward(X: np.ndarray, params: dict[str, np.ndarray]) -> tuple[np.ndarray, EncodedLRUCache]:
        pre = X @ params["W_e"].T + params["b_e"]
        lru = {k: v for k, v in params.items() if k in vg.lru.PARAM_NAMES}
        H_all, cache = vg.lru.forward(np.maximum(pre, 0.0), lru)
        return H_all, EncodedLRUCache(X, pre, params["W_e"], cache)

    @staticmethod
    def backward(dH_all: np.ndarray, cache: EncodedLRUCache) -> tuple[dict[str, np.ndarray], np.ndarray, Any]:
        grads, dE, ds0 = vg.lru.backward(dH_all, cache.lru)
        dpre = dE * (cache.pre > 0)
        T, B, D = cache.X.shape
        grads["W_e"] = dpre.reshape(T * B, -1).T @ cache.X.reshape(T * B, D)
        grads["b_e"] = dpre.sum(axis=(0, 1))
        return grads, dpre @ cache.W_e, ds0


def _lstm_chrono(T: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """`vg.lstm.init`, then chrono biases for T_max = T drawn with `vg.experiments.chrono.chrono_biases`
    from the run's own generator (so, unlike the chrono sweep, the readout weights and the batches that
    follow differ from the default LSTM's run with the same seed; the weight matrices are the same)."""
    params = vg.lstm.init(2, H, rng=rng)
    params["b_f"], params["b_i"] = chrono.chrono_biases(T, H, rng)
    return params


# name -> (cell, init function of (T, rng), forward kwargs)
MODELS: dict[str, tuple[Any, Any, dict]] = {
    "tanh RNN": (vg.rnn, lambda T, rng: vg.rnn.init(2, H, rng=rng), {}),
    "orthogonal tanh RNN": (vg.rnn, lambda T, rng: vg.rnn.init(2, H, rng=rng, init="orthogonal"), {}),
    "IRNN": (vg.rnn, lambda T, rng: vg.rnn.init(2, H, rng=rng, init="identity"), {"activation": "relu"}),
    "LSTM": (vg.lstm, lambda T, rng: vg.lstm.init(2, H, rng=rng), {}),
    "LSTM, chrono": (vg.lstm, _lstm_chrono, {}),
    "GRU": (vg.gru, lambda T, rng: vg.gru.init(2, H, rng=rng), {}),
    "minGRU": (vg.mingru, lambda T, rng: vg.mingru.init(2, H, rng=rng), {}),
    "LRU": (EncodedLRU, lambda T, rng: EncodedLRU.init(2, H, rng), {}),
}
# The vanilla cells run at T = 100 only: at T = 1000 they would spend most of the sweep's CPU on a
# foregone failure (the page prints how they do at T = 100).
MODELS_AT = {100: tuple(MODELS), 1000: ("LSTM", "LSTM, chrono", "GRU", "minGRU", "LRU")}


def code_hash() -> str:
    """The stamp of the code this sweep runs: `vg.experiments.code_stamp` of `SOURCES`."""
    return experiments.code_stamp(SOURCES)


def load() -> dict:
    """The results file, checked against the stamp of the code installed now."""
    return experiments.load_results(NAME, code_hash())


def test_set(T: int) -> tuple[np.ndarray, np.ndarray]:
    """The fixed test sequences for length T (the same for every model)."""
    return vg.tasks.adding_problem(T, N_TESTS[T], np.random.default_rng(20_000 + T))


def run(name: str, T: int, lr: float, seed: int, budget: int | None = None) -> dict:
    """Train one model once and return its record."""
    cell, init, fkw = MODELS[name]
    rng = np.random.default_rng(seed)
    params = init(T, rng)
    readout = vg.readout.init(H, 1, rng=rng)
    record, _ = protocol.train(
        cell, params, readout, T=T, batch=BATCHES[T], test=test_set(T), lr=lr,
        budget=BUDGETS[T] if budget is None else budget, rng=rng, clip=CLIP, eval_every=EVAL_EVERY,
        solved=SOLVED, forward_kwargs=fkw,
    )
    return {"model": name, "T": T, "seed": seed, **record}


def tune_and_evaluate(name: str, T: int) -> dict:
    """The tuning race of `vg.experiments.protocol.tune` on TUNE_SEEDS, then the chosen rate on EVAL_SEEDS."""
    lr, tuning = protocol.tune(lambda lr, seed, budget: run(name, T, lr, seed, budget),
                               rates=RATES, seeds=TUNE_SEEDS, budget=BUDGETS[T], eval_every=EVAL_EVERY)
    return {"model": name, "T": T, "lr": lr, "tuning": tuning, "runs": [run(name, T, lr, seed) for seed in EVAL_SEEDS]}


def main() -> None:
    stamp = code_hash()
    jobs = [(name, T) for T in sorted(LENGTHS, reverse=True) for name in MODELS_AT[T]]
    start = time.perf_counter()
    with ProcessPoolExecutor(max_workers=2, mp_context=multiprocessing.get_context("fork")) as pool:
        futures = {job: pool.submit(tune_and_evaluate, *job) for job in jobs}
        cells = []
        for job, fut in futures.items():
            cells.append(fut.result())
            print(f"{job[0]:20s} T = {job[1]:4d}: lr {cells[-1]['lr']:g}, "
                  f"{time.perf_counter() - start:6.0f} s", flush=True)
    changed = code_hash() != stamp
    out = {
        "stamp": stamp,
        "sources": list(SOURCES),
        "command": f"OPENBLAS_NUM_THREADS=1 python -m vg.experiments.{NAME}",
        "config": {"H": H, "clip": CLIP, "eval_every": EVAL_EVERY, "solved": SOLVED,
                   "lengths": list(LENGTHS), "budgets": {str(k): v for k, v in BUDGETS.items()},
                   "batches": {str(k): v for k, v in BATCHES.items()},
                   "n_tests": {str(k): v for k, v in N_TESTS.items()}, "rates": list(RATES),
                   "tune_seeds": list(TUNE_SEEDS), "eval_seeds": list(EVAL_SEEDS),
                   "r_min": R_MIN, "r_max": R_MAX, "models": list(MODELS),
                   "models_at": {str(k): list(v) for k, v in MODELS_AT.items()}},
        "machine": protocol.machine(start, cells),
        "cells": cells,
    }
    path = experiments.save_results(NAME, out)
    print(f"wrote {path} (stamp {stamp[:12]})")
    if changed:
        sys.exit("the code changed while the sweep ran, so the file is already stale; run it again")


if __name__ == "__main__":
    main()
