"""A small, readable training loop for any cell plus a linear readout.

One training step is the whole story of the site in seven lines: sample a batch, run the cell
forward, read out, compute the loss, backpropagate through the readout and through time,
(optionally) clip, and update::

    X, Y = task(rng)
    H_all, cache = cell.forward(X, params)
    Z, rcache = vg.readout.forward(H_all[-1], readout)         # last step only
    loss, dZ = vg.losses.mse(Z, Y)
    rgrads, dh_T = vg.readout.backward(dZ, rcache)
    grads, dX, dh0 = cell.backward(dH_all, cache)     # dH_all: zeros, but dH_all[-1] = dh_T
    params, state = optimizer.update(params, grads, state)

`fit` runs that loop, records what the pages plot (loss, gradient norm before clipping, optionally
the norms of dL/dh_k for every k) and watches for the symptom of exploding gradients: once the loss,
a gradient or a parameter is not a finite number, it raises `NonFiniteError` naming the step and the
parameters, with the last finite parameters (or, with ``on_nonfinite="stop"``, returns those).

Overflow would emit a RuntimeWarning; inside the loop it is silenced (``np.errstate``) and non-finite
values are *detected explicitly* after each stage, which gives a better message. The plumbing
(argument checks, the checked forward and backward pass, the log) is in `vg._fit`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial
from types import ModuleType
from typing import Any, NamedTuple

import numpy as np

from vg import _fit
from vg._checks import check_array, check_choice
from vg.clip import global_norm
from vg.optim import OPTIMIZERS
from vg.readout import forward as readout_forward

__all__ = ["Evaluation", "FitResult", "History", "NonFiniteError", "evaluate", "fit", "predict"]


@dataclass
class History:
    """What `fit` recorded. Training steps are numbered 0, 1, ...: ``loss[k]`` belongs to step k.

    Attributes:
        loss: (S,) training loss of each completed step (S = steps completed).
        grad_norm: (S,) global L2 norm of all gradients (cell and readout together), *before*
            clipping.
        clipped: (S,) bool, whether clipping changed the gradients at that step.
        dh_steps: (R,) int, the training steps at which `dh_norms` was recorded (0, n, 2n, ... for
            ``record_dh_every=n``; empty if not recorded).
        dh_norms: (R, T) with ``dh_norms[r, t]`` = the mean over the batch of ``||dl_b / dh_t||_2``,
            the norm of the total derivative of example b's loss with respect to its hidden state at
            array index t (``h_{t+1}`` in the pages' 1-based numbering), through full BPTT; None if
            not recorded. For a loss at the last step only, column -1 is the gradient as it enters
            the recurrence and column 0 what is left after travelling T - 1 steps back. Computed by
            `vg.bptt.state_gradients`.
        eval_steps: (E,) the number of completed steps at each evaluation.
        eval_loss: (E,) loss on the evaluation data.
        eval_accuracy: (E,) accuracy on the evaluation data (cross-entropy tasks; NaN for MSE).
        stopped_nonfinite: True if training stopped early because of a non-finite value
            (``on_nonfinite="stop"``).
        nonfinite_step: the training step at which that happened, else None.
        nonfinite_names: names of the offending quantities (e.g. ``("W_h",)`` or ``("loss",)``).
        message: the explanation, as in `NonFiniteError`; empty if none.
        solved_at: with ``fit(..., stop_below=...)``, the number of steps after which the evaluation
            loss first fell below the threshold (training stopped there); None if it never did.
        seconds: wall-clock time of the loop.
        cpu_seconds: CPU time (``time.process_time``) of the loop without the periodic evaluations:
            the cost of training, which the pages compare between models.
        eval_cpu_seconds: CPU time of the evaluations on `eval_data`.
    """

    loss: np.ndarray
    grad_norm: np.ndarray
    clipped: np.ndarray
    dh_steps: np.ndarray
    dh_norms: np.ndarray | None
    eval_steps: np.ndarray
    eval_loss: np.ndarray
    eval_accuracy: np.ndarray
    stopped_nonfinite: bool = False
    nonfinite_step: int | None = None
    nonfinite_names: tuple[str, ...] = ()
    message: str = ""
    solved_at: int | None = None
    seconds: float = 0.0
    cpu_seconds: float = 0.0
    eval_cpu_seconds: float = 0.0

    @property
    def steps(self) -> int:
        """Number of completed training steps."""
        return int(self.loss.size)


class NonFiniteError(FloatingPointError):
    """A loss, gradient or parameter became NaN or Inf during `fit`.

    Attributes:
        step: the training step (0-based, the index it would have had in ``history.loss``).
        names: what was non-finite: ``"loss"``, parameter names (for gradients and updated
            parameters) or ``"dL/dh_T"`` (the gradient entering the recurrence).
        loss: the loss at that step (may itself be inf or nan).
        history: the `History` of the steps completed before.
        params: the cell parameters at the start of the failing step: all finite, but possibly
            already ruined by the huge updates that led here (the exploding-gradients page shows
            such a case); an earlier checkpoint is the safer place to restart from.
        readout: the readout parameters at the same moment.
    """

    def __init__(
        self,
        message: str,
        *,
        step: int,
        names: tuple[str, ...],
        loss: float,
        history: History,
        params: dict[str, np.ndarray],
        readout: dict[str, np.ndarray],
    ) -> None:
        super().__init__(message)
        self.step = step
        self.names = names
        self.loss = loss
        self.history = history
        self.params = params
        self.readout = readout


class FitResult(NamedTuple):
    """What `fit` returns; unpacks as ``params, readout, history = fit(...)``."""

    params: dict[str, np.ndarray]
    readout: dict[str, np.ndarray]
    history: History


class Evaluation(NamedTuple):
    """Loss (and, for cross-entropy, accuracy) of a model on fixed data."""

    loss: float
    accuracy: float | None


def fit(
    cell: ModuleType,
    params: Mapping[str, np.ndarray],
    readout: Mapping[str, np.ndarray],
    task: Callable[[np.random.Generator], tuple[np.ndarray, np.ndarray]],
    *,
    optimizer: Any,
    steps: int,
    rng: np.random.Generator,
    loss: str = "mse",
    clip: float | Callable | None = None,
    truncate: int | None = None,
    forward_kwargs: Mapping[str, Any] | None = None,
    record_dh_every: int | None = None,
    eval_data: tuple[np.ndarray, np.ndarray] | None = None,
    eval_every: int | None = None,
    stop_below: float | None = None,
    on_nonfinite: str = "raise",
    progress: bool = False,
) -> FitResult:
    """Train a cell and a linear readout on a task.

    Targets decide where the loss is taken: with ``loss="mse"``, targets (B, O) score the readout of
    the last hidden state only and targets (T, B, O) score every step; with ``loss="xent"`` (softmax
    cross-entropy), integer targets (B,) score the last step and (T, B) every step.

    Args:
        cell: a cell module, e.g. ``vg.rnn``, ``vg.lstm`` or ``vg.gru``.
        params: the cell's initial parameters (not modified).
        readout: initial readout parameters ``{"W_y": (O, H), "b_y": (O,)}`` (not modified),
            e.g. from ``vg.readout.init(H, O, rng)``.
        task: called as ``task(rng)`` each step; returns ``(X, Y)`` with X (T, B, D) and targets as
            above, e.g. ``lambda rng: vg.tasks.adding_problem(100, 32, rng)``.
        optimizer: a `vg.optim` optimiser, e.g. ``vg.optim.Adam(lr=1e-3)``, or any object with the
            same ``init(params)`` and ``update(params, grads, state)`` (vg's own skip their argument
            checks inside the loop, which has checked everything already).
        steps: number of training steps (parameter updates).
        rng: the random generator that `task` draws from.
        loss: ``"mse"`` or ``"xent"``.
        clip: None (no clipping), a float (global-norm clipping at that threshold, Pascanu et
            al. 2013), or a function ``grads -> clipped grads`` (if it returns a tuple, its first
            element is used, so ``functools.partial(vg.clip.clip_norm_per_parameter, max_norm=1.0)``
            works).
        truncate: passed to ``cell.backward`` (truncated BPTT window), None for full BPTT.
        forward_kwargs: extra arguments of ``cell.forward``, e.g. ``{"activation": "relu"}``.
        record_dh_every: record the norms of dL/dh_t for every t (see `History.dh_norms`) at steps
            0, n, 2n, ... for ``record_dh_every=n``; None (the default) records none. Each record
            costs about one extra forward and backward pass; it is always full BPTT, whatever
            `truncate` is, and the task must keep T fixed.
        eval_data: fixed ``(X, Y)`` to evaluate on every `eval_every` steps.
        eval_every: evaluation period in steps (needs `eval_data`; default: only at the end).
        stop_below: stop as soon as an evaluation's loss is below this value (needs `eval_every`);
            `History.solved_at` is then the number of steps it took. None trains for all `steps`.
        on_nonfinite: ``"raise"`` (raise `NonFiniteError`) or ``"stop"`` (stop and return the last
            finite parameters with ``history.stopped_nonfinite = True``).
        progress: show a tqdm progress bar (off by default; silently absent if tqdm is not
            installed).

    Returns:
        ``FitResult(params, readout, history)``: trained parameters (new arrays) and the `History`.

    Raises:
        NonFiniteError: the loss, a gradient or an updated parameter is NaN or Inf (with
            ``on_nonfinite="raise"``).
    """
    cell = _fit.check_cell(cell)
    s = _fit.Settings.check(
        params, readout, task, optimizer, steps=steps, rng=rng, loss=loss, clip=clip, truncate=truncate,
        forward_kwargs=forward_kwargs, record_dh_every=record_dh_every, eval_data=eval_data,
        eval_every=eval_every, stop_below=stop_below, on_nonfinite=on_nonfinite,
    )
    p, r, fkw = s.params, s.readout, s.forward_kwargs
    opt_state = optimizer.init({**p, **r})
    update = partial(optimizer.update, check=False) if isinstance(optimizer, OPTIMIZERS) else optimizer.update
    log = _fit.Log(record_dh=record_dh_every is not None)
    bar = _fit.progress_bar(s.steps) if progress else None
    try:
        for k in range(s.steps):
            X, Y, per_step = _fit.check_data("task(rng)", task(s.rng), s.loss, r["W_y"].shape[0])
            # Overflow is expected when gradients explode: detected and reported below, not warned.
            with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                step = _fit.gradients(cell, s, p, r, X, Y, per_step)
                if step.names:
                    what = _fit.headline(step.names, step.grads)
                    return _failed(s, log, k, step.loss, p, r, what, step.names, ", ".join(step.details))
                if s.record_dh_every is not None and k % s.record_dh_every == 0:
                    log.dh_steps.append(k)
                    log.dh_rows.append(_fit.dh_norms(cell, X, p, step, fkw))
                norm = global_norm(step.grads, check=False)  # checked finite by _fit.gradients
                g, was_clipped = _fit.clipped(s.clip, step.grads, norm, first=k == 0)
                new, opt_state = update({**p, **r}, g, opt_state)
                bad = _fit.nonfinite_counts(new)
                if bad:
                    detail = ", ".join(f"{n} has {c} NaN/Inf entries" for n, c in bad.items())
                    what = "non-finite parameter after the update"
                    return _failed(s, log, k, step.loss, p, r, what, list(bad), detail, norm)
            p, r = {n: new[n] for n in p}, {n: new[n] for n in r}
            log.loss.append(step.loss)
            log.grad_norm.append(norm)
            log.clipped.append(was_clipped)
            if s.eval_every is not None and (k + 1) % s.eval_every == 0:
                log.evaluate(k + 1, evaluate, cell, p, r, *s.eval_data, loss=s.loss, forward_kwargs=fkw)
                if s.stop_below is not None and log.eval_loss[-1] < s.stop_below:
                    return FitResult(p, r, History(**log.fields(solved_at=k + 1)))
            if bar is not None:
                bar.update(1)
                bar.set_postfix(loss=f"{step.loss:.3e}", refresh=False)
    finally:
        if bar is not None:
            bar.close()
    if s.eval_data is not None and (not log.eval_steps or log.eval_steps[-1] != s.steps):
        log.evaluate(s.steps, evaluate, cell, p, r, *s.eval_data, loss=s.loss, forward_kwargs=fkw)
    return FitResult(p, r, History(**log.fields()))


def _failed(
    s: _fit.Settings, log: _fit.Log, k: int, loss: float, p: dict, r: dict, what: str, names: list[str], detail: str,
    norm: float | None = None,
) -> FitResult:
    """Stop at a non-finite value: raise `NonFiniteError`, or return the last finite parameters."""
    message = _fit.failure_message(what, detail, k, loss, norm)
    names = tuple(names)
    history = History(**log.fields(stopped_nonfinite=True, nonfinite_step=k, nonfinite_names=names, message=message))
    if s.on_nonfinite == "stop":
        return FitResult(p, r, history)
    raise NonFiniteError(message, step=k, names=names, loss=loss, history=history, params=p, readout=r)


def predict(
    cell: ModuleType,
    params: Mapping[str, np.ndarray],
    readout: Mapping[str, np.ndarray],
    X: np.ndarray,
    *,
    per_step: bool = False,
    forward_kwargs: Mapping[str, Any] | None = None,
) -> np.ndarray:
    """Run a trained model: the readout of the last hidden state (or of every state).

    Args:
        cell: the cell module, e.g. ``vg.rnn``.
        params: the cell's parameters.
        readout: ``{"W_y": (O, H), "b_y": (O,)}``.
        X: (T, B, D) inputs.
        per_step: return outputs at every step instead of the last one.
        forward_kwargs: extra arguments of ``cell.forward``, e.g. ``{"activation": "relu"}``.

    Returns:
        Outputs (B, O), or (T, B, O) with ``per_step=True`` (logits for classification tasks).
    """
    cell = _fit.check_cell(cell)
    r = _fit.check_readout(readout)
    X = check_array("X", X, ("T", "B", "D"))
    fkw = _fit.check_forward_kwargs(forward_kwargs)
    if not isinstance(per_step, bool):
        raise TypeError(f"per_step must be True or False, got {per_step!r}")
    H_all, _ = cell.forward(X, params, **fkw)
    _fit.check_readout_fits(r, H_all)
    Z, _ = readout_forward(H_all if per_step else H_all[-1], r, check=False)  # states may be non-finite
    return Z


def evaluate(
    cell: ModuleType,
    params: Mapping[str, np.ndarray],
    readout: Mapping[str, np.ndarray],
    X: np.ndarray,
    Y: np.ndarray,
    *,
    loss: str = "mse",
    forward_kwargs: Mapping[str, Any] | None = None,
) -> Evaluation:
    """Loss (and accuracy, for cross-entropy) of a model on fixed data.

    Targets are interpreted as in `fit` (last step or every step, from their shape).

    Args:
        cell: the cell module.
        params: the cell's parameters.
        readout: the readout parameters.
        X: (T, B, D) inputs.
        Y: targets: (B, O) or (T, B, O) floats for ``"mse"``; (B,) or (T, B) ints for ``"xent"``.
        loss: ``"mse"`` or ``"xent"``.
        forward_kwargs: extra arguments of ``cell.forward``.

    Returns:
        ``Evaluation(loss, accuracy)``; accuracy (fraction of argmax predictions equal to the
        target) is None for ``"mse"``. E.g. the marked adding problem counts as solved when
        ``loss < 0.01``.
    """
    check_choice("loss", loss, _fit.LOSSES)
    r = _fit.check_readout(readout)
    X = check_array("X", X, ("T", "B", "D"))
    T, B, _ = X.shape
    Y, per_step = _fit.check_targets("Y", Y, loss, T, B, r["W_y"].shape[0])
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        Z = predict(cell, params, r, X, per_step=per_step, forward_kwargs=forward_kwargs)
        value, _ = _fit.loss_and_gradient(loss, Z, Y)
    if loss == "mse":
        return Evaluation(float(value), None)
    return Evaluation(float(value), float(np.mean(Z.argmax(axis=-1) == Y)))
