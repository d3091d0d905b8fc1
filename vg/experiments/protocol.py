"""The protocol the adding-problem sweeps share: one training run and its record, and the tuning race.

`vg.experiments.head_to_head`, `vg.experiments.chrono` and `vg.experiments.head_to_head_long` judge
every model the same way, so that a comparison is fair (each model gets its own learning rate, tuned
at the budget where it is judged):

1. **Tuning** (`tune`). Each learning rate is tried on the tuning seeds with the full step budget,
   from the largest rate down. A rate is scored by its median steps to solve (an unsolved run counts
   as infinitely slow). Once a rate has a finite median, the runs of later rates stop one evaluation
   interval before it, since a slower run cannot beat it; a rate's remaining seeds are skipped as
   soon as half of them are unsolved (its median can then no longer be finite). The smallest median
   wins; ties go to the rate tried first. If no rate solves a majority of the tuning seeds, the rate
   with the lowest median final test MSE over its full-budget runs wins (a diverged run counts as
   infinitely bad; ties go to the larger rate).
2. **Evaluation.** The chosen rate trains on fresh seeds that tuning never saw.

A run's record (`train`) holds its steps to solve (None if the budget ran out) and the CPU seconds of
training and of the periodic test-set evaluations, separately (`vg.train.History.cpu_seconds`,
`vg.train.History.eval_cpu_seconds`).
"""

from __future__ import annotations

import platform
import time
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

import vg.optim
import vg.tasks
import vg.train


def train(
    cell: Any,
    params: Mapping[str, np.ndarray],
    readout: Mapping[str, np.ndarray],
    *,
    T: int,
    batch: int,
    test: tuple[np.ndarray, np.ndarray],
    lr: float,
    budget: int,
    rng: np.random.Generator,
    clip: float,
    eval_every: int,
    solved: float,
    forward_kwargs: Mapping[str, Any] | None = None,
) -> tuple[dict[str, Any], vg.train.FitResult]:
    """Train on the adding problem of length T with Adam and global-norm clipping until the test
    MSE is below `solved` (checked every `eval_every` steps) or `budget` steps; a run that diverges
    stops and counts as unsolved. Returns the run's record and `vg.train.fit`'s result."""
    result = vg.train.fit(
        cell, params, readout, lambda r: vg.tasks.adding_problem(T, batch, r),
        optimizer=vg.optim.Adam(lr=lr), steps=budget, rng=rng, clip=clip, forward_kwargs=forward_kwargs,
        eval_data=test, eval_every=eval_every, stop_below=solved, on_nonfinite="stop",
    )
    h = result.history
    record = {
        "lr": lr, "budget": budget, "solved_at": h.solved_at, "steps": h.steps,
        "diverged": bool(h.stopped_nonfinite),
        "final_mse": float(h.eval_loss[-1]) if h.eval_loss.size else None,
        "cpu_train": round(h.cpu_seconds, 3), "cpu_eval": round(h.eval_cpu_seconds, 3),
    }
    return record, result


def tune(
    run: Callable[[float, int, int], dict[str, Any]],
    *,
    rates: tuple[float, ...],
    seeds: tuple[int, ...],
    budget: int,
    eval_every: int,
) -> tuple[float, list[dict[str, Any]]]:
    """The tuning race (see the module docstring): ``run(lr, seed, budget)`` trains once and returns
    its record. Returns the chosen rate and the records of every tuning run."""
    tuning: list[dict[str, Any]] = []
    best_rate, best_median = None, np.inf
    for lr in rates:
        cut = budget if not np.isfinite(best_median) else int(best_median) - eval_every
        times: list[float] = []
        for seed in seeds:
            if cut < eval_every or 2 * sum(t == np.inf for t in times) >= len(seeds):
                break
            rec = run(lr, seed, cut)
            tuning.append(rec)
            times.append(np.inf if rec["solved_at"] is None else rec["solved_at"])
        if len(times) == len(seeds):
            median = float(np.median(times))
            if median < best_median:
                best_rate, best_median = lr, median
    if best_rate is None:
        finals: dict[float, list[float]] = {}
        for rec in tuning:
            if rec["budget"] == budget:
                bad = rec["final_mse"] is None or rec["diverged"]
                finals.setdefault(rec["lr"], []).append(np.inf if bad else rec["final_mse"])
        best_rate = min(finals, key=lambda lr: (np.median(finals[lr]), -lr))
    return best_rate, tuning


def machine(start: float, cells: list[dict[str, Any]]) -> dict[str, Any]:
    """Where and how long a sweep ran: processor, versions, wall seconds since `start`
    (``time.perf_counter``) and the CPU seconds of all its runs (training and evaluations)."""
    runs = [r for c in cells for r in c.get("tuning", []) + c.get("runs", [])]
    return {
        "processor": platform.processor() or platform.machine(),
        "python": platform.python_version(), "numpy": np.__version__,
        "wall_seconds": round(time.perf_counter() - start),
        "cpu_seconds_all_runs": round(sum(r["cpu_train"] + r["cpu_eval"] for r in runs)),
    }
