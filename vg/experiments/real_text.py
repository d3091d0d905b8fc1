"""The real-text sweep: character-level language models of Moby-Dick, and what context they use.

Run from a clone of the repository (about 20 minutes of CPU in all; two worker processes):

    OPENBLAS_NUM_THREADS=1 python -m vg.experiments.real_text

It writes ``vg/experiments/data/real_text.json`` and ``vg/experiments/data/real_text_models.npz`` (the trained
parameters of the example seed of every model, float32). The JSON is stamped with `code_hash()`: a
SHA-256 of this script, of the `vg` modules that training uses (`SOURCES`) and of the corpus file;
the page ``docs/beyond/real-text.md`` refuses a file whose stamp differs from the hash of the current
code and corpus, and re-runs a sample of the measurements to check them.

For each model (tanh RNN, LSTM, GRU), all with `H` hidden units and a softmax readout at every step:

1. **Tuning.** Each learning rate in `RATES` trains on the tuning seed with the full budget `STEPS`;
   the one with the lowest final validation loss wins.
2. **Evaluation.** The chosen rate trains on the seeds `EVAL_SEEDS`, which tuning never saw. The
   first of them is the example seed whose parameters are saved.
3. **Measurements** on each evaluation run, with its parameters rounded to float32 (as saved), on
   windows of the validation text: the effective context by gradient and by ablation, and the probes
   of the page (quotation marks, subject-verb agreement, "France ... French").

Training: windows of `T` characters at random places in the training text (the first 90 %), `BATCH`
of them per step, the hidden state starting from zero in every window (it is not carried from one
window to the next), full backpropagation through the window, loss = mean cross-entropy of the next
character at every step, Adam, global-norm clipping at `CLIP`.
"""

from __future__ import annotations

import functools
import hashlib
import multiprocessing
import sys
import time
from concurrent.futures import ProcessPoolExecutor

import numpy as np

import vg
import vg.gru
import vg.losses
import vg.lstm
import vg.optim
import vg.readout
import vg.rnn
import vg.text
import vg.train  # all imported now, before the stamp is taken and the workers fork
from vg import experiments
from vg.experiments import protocol
from vg.experiments.probes import (
    FRANCE_FILLERS,
    MIDDLES,
    QUOTE_BINS,
    agreement_probe,
    france_probe,
    last_step_loss,
    quote_probe,
)

NAME = "real_text"  # results: vg/experiments/data/real_text.json
MODELS_FILE = experiments.DATA / "real_text_models.npz"
COMMAND = "OPENBLAS_NUM_THREADS=1 python -m vg.experiments.real_text"

# What determines the results: this script, the vg modules it trains with, and the corpus.
SOURCES = (
    "vg.experiments.real_text",
    "vg.experiments.protocol",
    "vg.experiments.probes",
    "vg._fast",
    "vg._fast.gru",
    "vg._fast.lstm",
    "vg._fast.rnn",
    "vg._fit",
    "vg.analysis",
    "vg.bptt",
    "vg.tasks",
    "vg._checks",
    "vg.activations",
    "vg.rnn",
    "vg.lstm",
    "vg.gru",
    "vg.readout",
    "vg.losses",
    "vg.clip",
    "vg.optim",
    "vg.train",
    "vg.text",
)

H = 128  # hidden units
T = 64  # characters per training window
BATCH = 32  # windows per training step
CLIP = 1.0  # global-norm clipping threshold
STEPS = 1500  # training steps per run (the budget at which every model is judged)
EVAL_EVERY = 100  # steps between validation evaluations
N_VALID = 256  # fixed validation windows of T characters for the learning curves
VALID_FRACTION = 0.1
RATES = (3e-3, 1e-2, 3e-2)
TUNE_SEED = 0
EVAL_SEEDS = (1, 2, 3)
N_CONTEXT = 1024  # validation windows for the effective-context measurements
ABLATE_KEEP = (1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64)  # characters kept before the prediction
N_CHECK = 16  # windows of the gradient measurement that the page re-runs

MODELS = {
    "tanh RNN": vg.rnn,
    "LSTM": vg.lstm,
    "GRU": vg.gru,
}


def code_hash() -> str:
    """The stamp of the code this sweep runs: `vg.experiments.code_stamp` of `SOURCES` and the corpus."""
    return experiments.code_stamp(SOURCES, [("corpus", vg.text.load().encode("utf-8"))])


def load() -> dict:
    """The results file, checked against the stamp of the code installed now (`vg.experiments.load_results`)."""
    return experiments.load_results(NAME, code_hash())


@functools.lru_cache(maxsize=1)
def corpus() -> tuple[str, np.ndarray, np.ndarray]:
    """The vocabulary and the encoded training and validation text."""
    text = vg.text.normalize(vg.text.load())
    vocab = vg.text.vocabulary(text)
    train, valid = vg.text.split(vg.text.encode(text, vocab), VALID_FRACTION)
    return vocab, train, valid


def init(name: str, V: int, seed: int) -> tuple[dict, dict, np.random.Generator]:
    """Initial cell and readout parameters of a run, and the generator that then draws its batches."""
    rng = np.random.default_rng(seed)
    params = MODELS[name].init(V, H, rng=rng)
    readout = vg.readout.init(H, V, rng=rng)
    return params, readout, rng


def as_saved(d: dict) -> dict:
    """Parameters rounded to float32 (as saved) and back to float64."""
    return {k: np.asarray(v, dtype=np.float32).astype(np.float64) for k, v in d.items()}


def train(name: str, lr: float, seed: int, steps: int = STEPS):
    """One training run: returns the record, and the trained params and readout."""
    vocab, tr, va = corpus()
    V = len(vocab)
    X_val, Y_val = vg.text.fixed_windows(va, T, N_VALID, V)
    params, readout, rng = init(name, V, seed)
    params, readout, hist = vg.train.fit(
        MODELS[name], params, readout, lambda r: vg.text.sample_batch(tr, T, BATCH, r, V),
        optimizer=vg.optim.Adam(lr=lr), steps=steps, rng=rng, loss="xent", clip=CLIP,
        eval_data=(X_val, Y_val), eval_every=EVAL_EVERY, on_nonfinite="stop")
    record = {
        "model": name, "lr": lr, "seed": seed, "steps": hist.steps,
        "diverged": bool(hist.stopped_nonfinite),
        "eval_steps": hist.eval_steps.tolist(),
        "eval_bpc": [float(x) / np.log(2) for x in hist.eval_loss],
        "first_losses": [float(x) for x in hist.loss[:5]],
        "cpu_train": round(hist.cpu_seconds, 2), "cpu_eval": round(hist.eval_cpu_seconds, 2),
    }
    return record, params, readout


# --- measurements on a trained model --------------------------------------------------------------


def gradient_context(cell, params, readout, X, Y) -> np.ndarray:
    """mean over windows of ||dL_t / dx_{t-k}||, k = 0 .. T-1, for the loss L_t at the last step t."""
    _, (Z, cache, rcache) = last_step_loss(cell, params, readout, X, Y)
    _, dZ = vg.losses.softmax_cross_entropy(Z, Y)
    _, dh = vg.readout.backward(dZ * len(Y), rcache)  # per-window losses, not their mean
    dH_all = np.zeros(cache.X.shape[:2] + (dh.shape[1],))
    dH_all[-1] = dh
    _, dX, _ = cell.backward(dH_all, cache)
    return np.linalg.norm(dX, axis=2).mean(axis=1)[::-1]  # index k = distance back from t


def ablation_context(cell, params, readout, X, Y, keep=ABLATE_KEEP) -> np.ndarray:
    """Increase of the last-step loss (bits) when all but the last `k` characters of each window
    are replaced by the same positions of another validation window (a fixed derangement)."""
    n = X.shape[1]
    other = X[:, (np.arange(n) + n // 2) % n]
    base, _ = last_step_loss(cell, params, readout, X, Y)
    out = []
    for k in keep:
        Xa = X.copy()
        Xa[: X.shape[0] - k] = other[: X.shape[0] - k]
        loss, _ = last_step_loss(cell, params, readout, Xa, Y)
        out.append(float(np.mean(loss - base)) / np.log(2))
    return np.array(out)


def first_below(curve, xs, fraction=0.1):
    """The first x at which curve / curve[0] falls below `fraction` (None if it never does)."""
    below = np.nonzero(np.asarray(curve) < fraction * curve[0])[0]
    return None if below.size == 0 else int(xs[below[0]])


def measure(name: str, params: dict, readout: dict) -> dict:
    """Every measurement of the page on one trained model (parameters as saved)."""
    vocab, _, va = corpus()
    cell, V = MODELS[name], len(vocab)
    params, readout = as_saved(params), as_saved(readout)
    X, Y = vg.text.fixed_windows(va, T, N_CONTEXT, V)
    Y = Y[-1]
    t0 = time.process_time()
    grad = gradient_context(cell, params, readout, X, Y)
    check = gradient_context(cell, params, readout, X[:, :N_CHECK], Y[:N_CHECK])
    abl = ablation_context(cell, params, readout, X, Y)
    base, _ = last_step_loss(cell, params, readout, X, Y)
    return {
        "last_step_bpc": float(base.mean()) / np.log(2),
        "grad": grad.tolist(), "grad_check": check.tolist(),
        "grad_k10": first_below(grad, np.arange(T)),
        "ablation": abl.tolist(), "ablation_k10": first_below(abl, ABLATE_KEEP),
        "quotes": quote_probe(cell, params, readout, vocab, va, T),
        "agreement": agreement_probe(cell, params, readout, vocab),
        "france": france_probe(cell, params, readout, vocab),
        "cpu_measure": round(time.process_time() - t0, 2),
    }


def tune_and_evaluate(name: str) -> dict:
    tuning = [train(name, lr, TUNE_SEED)[0] for lr in RATES]
    finals = [r["eval_bpc"][-1] if not r["diverged"] else np.inf for r in tuning]
    lr = RATES[int(np.argmin(finals))]
    runs, saved = [], {}
    for seed in EVAL_SEEDS:
        record, params, readout = train(name, lr, seed)
        record["measure"] = measure(name, params, readout)
        runs.append(record)
        if seed == EVAL_SEEDS[0]:
            saved = {k: np.asarray(v, dtype=np.float32) for k, v in {**params, **readout}.items()}
    return {"model": name, "lr": lr, "tuning": tuning, "runs": runs, "saved": saved}


def main() -> None:
    stamp = code_hash()
    start = time.perf_counter()
    ctx = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=2, mp_context=ctx) as pool:
        futures = {name: pool.submit(tune_and_evaluate, name) for name in ("LSTM", "GRU", "tanh RNN")}
        cells = {}
        for name, fut in futures.items():
            cells[name] = fut.result()
            print(f"{name:9s} lr {cells[name]['lr']:g}  {time.perf_counter() - start:6.0f} s", flush=True)
    arrays = {f"{name}/{k}": v for name in MODELS for k, v in cells[name].pop("saved").items()}
    np.savez_compressed(MODELS_FILE, **arrays)
    vocab, tr, va = corpus()
    out = {
        "stamp": stamp,
        "models_sha256": hashlib.sha256(MODELS_FILE.read_bytes()).hexdigest(),
        "sources": list(SOURCES),
        "command": COMMAND,
        "config": {"H": H, "T": T, "batch": BATCH, "clip": CLIP, "steps": STEPS,
                   "eval_every": EVAL_EVERY, "n_valid": N_VALID, "valid_fraction": VALID_FRACTION,
                   "rates": list(RATES), "tune_seed": TUNE_SEED, "eval_seeds": list(EVAL_SEEDS),
                   "n_context": N_CONTEXT, "ablate_keep": list(ABLATE_KEEP), "n_check": N_CHECK,
                   "models": list(MODELS), "vocab": vocab, "n_train": len(tr), "n_valid_chars": len(va),
                   "quote_bins": [list(b) for b in QUOTE_BINS], "middles": list(MIDDLES),
                   "france_fillers": list(FRANCE_FILLERS)},
        "machine": protocol.machine(start, list(cells.values())),  # CPU: training and evaluations
        "cells": [cells[name] for name in MODELS],
    }
    path = experiments.save_results(NAME, out)
    print(f"wrote {path} and {MODELS_FILE} (stamp {stamp[:12]})")
    if code_hash() != stamp:
        sys.exit("the code changed while the sweep ran, so the file is already stale; run it again")


if __name__ == "__main__":
    main()
