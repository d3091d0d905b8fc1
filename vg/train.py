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

`fit` runs that loop and records what the pages plot (loss, gradient norm before clipping,
optionally the norms of dL/dh_k for every k), and watches for the symptom of exploding gradients:
the moment the loss, a gradient or a parameter stops being a finite number, it raises
`NonFiniteError` naming the training step and the parameters involved, carrying the last finite
parameters as a checkpoint (or, with ``on_nonfinite="stop"``, returns them with a flagged history).

Non-finite values and warnings: overflow in NumPy normally emits a RuntimeWarning (and this
project's tests turn warnings into errors). Inside the loop all numerical work runs under
``np.errstate(over="ignore", invalid="ignore", divide="ignore")``, and non-finite values are instead
*detected explicitly* after each stage, which gives a better message than a warning would.
"""

from __future__ import annotations

import inspect
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import ModuleType
from typing import Any, NamedTuple, NoReturn

import numpy as np

from vg import clip as _clip
from vg import losses as _losses
from vg import readout as _readout
from vg._checks import (
    check_array,
    check_array_dict,
    check_choice,
    check_params,
    check_positive,
    check_rng,
    check_same_keys,
    check_size,
)

__all__ = ["Evaluation", "FitResult", "History", "NonFiniteError", "evaluate", "fit", "predict"]

LOSSES = ("mse", "xent")


@dataclass
class History:
    """What `fit` recorded. Training steps are numbered 0, 1, ...: ``loss[k]`` belongs to step k.

    Attributes:
        loss: (S,) training loss of each completed step (S = steps completed).
        grad_norm: (S,) global L2 norm of all gradients (cell and readout together), *before*
            clipping.
        clipped: (S,) bool, whether clipping changed the gradients at that step.
        dh_steps: (R,) int, the training steps at which `dh_norms` was recorded (empty if not
            recorded).
        dh_norms: (R, T) with ``dh_norms[r, t]`` = the mean over the batch of ``||dl_b / dh_t||_2``,
            the norm of the total derivative of example b's loss with respect to its hidden state at
            array index t (``h_{t+1}`` in the pages' 1-based numbering), through full BPTT; None if
            not recorded. For a loss at the last step only, column -1 is the gradient as it enters
            the recurrence and column 0 what is left after travelling T - 1 steps back.
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


def _check_cell(cell: object) -> Any:
    for verb in ("forward", "backward"):
        if not callable(getattr(cell, verb, None)):
            raise TypeError(
                f"cell must be a cell module such as vg.rnn, vg.lstm or vg.gru (with forward and "
                f"backward), got {cell!r}"
            )
    return cell


def _check_readout(readout: object) -> dict[str, np.ndarray]:
    return check_params("readout", readout, {"W_y": ("O", "H"), "b_y": ("O",)})


def _check_readout_fits(readout: dict[str, np.ndarray], H_all: np.ndarray) -> None:
    O, H = readout["W_y"].shape
    if H != H_all.shape[-1]:
        raise ValueError(
            f"readout['W_y'] must have shape (O, H) = ({O}, {H_all.shape[-1]}) to read the cell's "
            f"hidden state of size H = {H_all.shape[-1]}, got {readout['W_y'].shape}"
        )


def _check_targets(name: str, Y: object, loss: str, T: int, B: int, O: int) -> tuple[Any, bool]:
    """Validate targets; return them and whether they are per step (True) or last step only."""
    ndim = np.ndim(Y) if isinstance(Y, (np.ndarray, list, tuple)) else -1
    if loss == "mse":
        if ndim == 3:
            return check_array(name, Y, (T, B, O)), True
        return check_array(name, Y, (B, O)), False
    shape = (T, B) if ndim == 2 else (B,)
    Z_shape = (*shape, O)
    try:
        return _losses._check_targets(Y, shape, O), ndim == 2
    except (TypeError, ValueError) as err:
        raise type(err)(f"{name}: {err} (targets for logits of shape {Z_shape})") from None


def _sample(task: Callable, rng: np.random.Generator, loss: str, O: int) -> tuple:
    out = task(rng)
    if not isinstance(out, tuple) or len(out) != 2:
        raise TypeError(f"task(rng) must return a tuple (X, Y), got {type(out).__name__}")
    X = check_array("task(rng)[0] (X)", out[0], ("T", "B", "D"))
    T, B, _ = X.shape
    Y, per_step = _check_targets("task(rng)[1] (Y)", out[1], loss, T, B, O)
    return X, Y, per_step


def _loss(kind: str, Z: np.ndarray, Y: np.ndarray) -> tuple[float, np.ndarray]:
    return _losses._mse(Z, Y) if kind == "mse" else _losses._softmax_cross_entropy(Z, Y)


def _nonfinite_counts(arrays: Mapping[str, np.ndarray]) -> dict[str, int]:
    counts = {k: int(np.count_nonzero(~np.isfinite(v))) for k, v in arrays.items()}
    return {k: c for k, c in counts.items() if c}


def _dh_norms(
    cell: Any, X: np.ndarray, params: dict, dH_all: np.ndarray, fkw: dict
) -> np.ndarray:
    """Norms of the total derivatives dL/dh_t, t = 0..T-1, by BPTT one step at a time.

    `backward` does not expose the per-step dL/dh_t (it only returns parameter and input gradients),
    so we redo the recursion ``dh = dH_all[t] + dh_next`` with the cell's literal `step` and
    `step_backward`, recording ``||dh||`` on the way. This costs about one extra forward and
    backward pass, paid only at the steps where norms are recorded. For the LSTM the state is (h,
    c); we record the h part, the state the readout sees.
    """
    step, step_backward = getattr(cell, "step", None), getattr(cell, "step_backward", None)
    if not (callable(step) and callable(step_backward)):
        raise TypeError(
            "record_dh_norms=True needs a cell module with step and step_backward, "
            f"got {getattr(cell, '__name__', cell)!r}"
        )
    T, B, _ = X.shape
    H = dH_all.shape[2]
    lstm = "c_prev" in inspect.signature(step).parameters
    h = np.zeros((B, H), X.dtype)
    c = np.zeros((B, H), X.dtype)
    caches = []
    for t in range(T):
        if lstm:
            (h, c), sc = step(X[t], h, c, params)
        else:
            h, sc = step(X[t], h, params, **fkw)
        caches.append(sc)
    norms = np.empty(T)
    dh_next = np.zeros((B, H), X.dtype)
    dc_next = np.zeros((B, H), X.dtype)
    for t in range(T - 1, -1, -1):
        dh = dH_all[t] + dh_next  # the total derivative dL/dh_t
        # mean over the batch of ||dl_b/dh_t|| = sum over b of ||dL/dh_t^(b)||, as L = mean_b l_b
        norms[t] = float(np.sqrt(np.sum(dh * dh, axis=1)).sum())
        if lstm:
            _, _, (dh_next, dc_next) = step_backward(dh, dc_next, caches[t])
        else:
            _, _, dh_next = step_backward(dh, caches[t])
    return norms


def _gradients(
    cell: Any,
    params: dict,
    readout: dict,
    X: np.ndarray,
    Y: np.ndarray,
    per_step: bool,
    loss: str,
    fkw: dict,
    bkw: dict,
    buffers: dict,
) -> tuple[float, dict | None, np.ndarray | None, list[str], list[str]]:
    """One forward and backward pass, checking every stage for NaN/Inf.

    Returns ``(loss, grads, dH_all, names, details)``: `grads` (cell and readout together) is None when
    it could not be computed; `names` lists what is non-finite (empty if all is well) and `details`
    says how, for the error message.
    """
    H_all, cache = cell.forward(X, params, **fkw)
    _check_readout_fits(readout, H_all)
    Z, rcache = _readout._forward(H_all if per_step else H_all[-1], readout)
    loss_k, dZ = _loss(loss, Z, Y)
    names: list[str] = [] if np.isfinite(loss_k) else ["loss"]
    details: list[str] = []
    dZ_finite = bool(np.all(np.isfinite(dZ)))
    if names or not dZ_finite:
        # Something overflowed. If the states did, say from which time step: that is where the
        # forward pass exploded. (Finite states with a non-finite loss mean the readout overflowed.)
        finite_t = np.isfinite(H_all).all(axis=(1, 2))
        if not finite_t.all():
            names.append("H_all")
            t0 = int(np.argmin(finite_t))
            details.append(f"the hidden states are NaN/Inf from time step {t0} on")
    if not dZ_finite:
        if not names:
            names.append("dL/dZ")
        details.append("dL/dZ is NaN/Inf, so no gradient could be computed")
        return loss_k, None, None, names, details
    rgrads, dH = _readout._backward(dZ, rcache)
    if not np.all(np.isfinite(dH)):
        names.append("dL/dh")
        details.append("dL/dh from the readout is NaN/Inf, so BPTT could not run")
        return loss_k, None, None, names, details
    if per_step:
        dH_all = dH
    else:
        # Reuse one zero buffer per shape: a fresh (T, B, H) allocation every step costs page
        # faults worth a noticeable fraction of the backward pass.
        dH_all = buffers.get(H_all.shape)
        if dH_all is None:
            dH_all = buffers[H_all.shape] = np.zeros_like(H_all)
        dH_all.fill(0.0)  # in case a cell's backward wrote into it
        dH_all[-1] = dH
    grads, _, _ = cell.backward(dH_all, cache, **bkw)
    grads = {**grads, **rgrads}
    for n, c in _nonfinite_counts(grads).items():
        names.append(n)
        details.append(f"d{n} has {c} NaN/Inf entries")
    return loss_k, grads, dH_all, names, details


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
    record_dh_norms: bool = False,
    record_every: int = 1,
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
        optimizer: a `vg.optim` optimiser, e.g. ``vg.optim.Adam(lr=1e-3)``.
        steps: number of training steps (parameter updates).
        rng: the random generator that `task` draws from.
        loss: ``"mse"`` or ``"xent"``.
        clip: None (no clipping), a float (global-norm clipping at that threshold, Pascanu et
            al. 2013), or a function ``grads -> clipped grads`` (if it returns a tuple, its first
            element is used, so ``functools.partial(vg.clip.clip_norm_per_parameter, max_norm=1.0)``
            works).
        truncate: passed to ``cell.backward`` (truncated BPTT window), None for full BPTT.
        forward_kwargs: extra arguments of ``cell.forward``, e.g. ``{"activation": "relu"}``.
        record_dh_norms: record the norms of dL/dh_t for every t (see `History.dh_norms`);
            costs about one extra forward and backward pass at each recorded step. Always full BPTT,
            whatever `truncate` is; the task must keep T fixed.
        record_every: record dh norms every this many steps (steps 0, n, 2n, ...).
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
    cell = _check_cell(cell)
    p = check_array_dict("params", params)
    r = _check_readout(readout)
    O = r["W_y"].shape[0]
    clash = sorted(set(p) & set(r))
    if clash:
        raise ValueError(f"params and readout must have distinct keys, both have {clash}")
    if not callable(task):
        raise TypeError(f"task must be a callable task(rng) -> (X, Y), got {type(task).__name__}")
    for verb in ("init", "update"):
        if not callable(getattr(optimizer, verb, None)):
            raise TypeError(
                "optimizer must be a vg.optim optimiser (e.g. vg.optim.Adam(lr=1e-3)), "
                f"got {optimizer!r}"
            )
    n_steps = check_size("steps", steps)
    rng = check_rng("rng", rng)
    check_choice("loss", loss, LOSSES)
    if clip is not None and not callable(clip):
        clip = check_positive("clip", clip)
    fkw = _check_forward_kwargs(forward_kwargs)
    record_every = check_size("record_every", record_every)
    if not isinstance(record_dh_norms, bool):
        raise TypeError(f"record_dh_norms must be True or False, got {record_dh_norms!r}")
    if eval_every is not None:
        eval_every = check_size("eval_every", eval_every)
        if eval_data is None:
            raise ValueError("eval_every needs eval_data=(X, Y) to evaluate on, got eval_data=None")
    if eval_data is not None:
        X_eval, Y_eval = _check_eval_data(eval_data, loss, O)
    check_choice("on_nonfinite", on_nonfinite, ("raise", "stop"))
    if stop_below is not None:
        stop_below = check_positive("stop_below", stop_below)
        if eval_every is None:
            raise ValueError("stop_below needs eval_every and eval_data to evaluate on, got eval_every=None")

    update = getattr(optimizer, "_update", None) or optimizer.update  # unchecked fast path if any
    all_params = {**p, **r}
    opt_state = optimizer.init(all_params)
    cell_keys, readout_keys = tuple(p), tuple(r)

    losses, norms, clipped_flags = [], [], []
    dh_steps, dh_rows, ev_steps, ev_loss, ev_acc = [], [], [], [], []
    bar = _progress_bar(n_steps) if progress else None
    t_start = time.perf_counter()

    def history(**extra: Any) -> History:
        return History(
            loss=np.array(losses, dtype=float),
            grad_norm=np.array(norms, dtype=float),
            clipped=np.array(clipped_flags, dtype=bool),
            dh_steps=np.array(dh_steps, dtype=int),
            dh_norms=(np.array(dh_rows) if dh_rows else np.empty((0, 0))) if record_dh_norms else None,
            eval_steps=np.array(ev_steps, dtype=int),
            eval_loss=np.array(ev_loss, dtype=float),
            eval_accuracy=np.array(ev_acc, dtype=float),
            seconds=time.perf_counter() - t_start,
            **extra,
        )

    def evaluate_now(done: int) -> None:
        ev = evaluate(cell, cur_p, cur_r, X_eval, Y_eval, loss=loss, forward_kwargs=fkw)
        ev_steps.append(done)
        ev_loss.append(ev.loss)
        ev_acc.append(np.nan if ev.accuracy is None else ev.accuracy)

    cur_p, cur_r = p, r
    bkw = {} if truncate is None else {"truncate": truncate}
    buffers: dict[tuple, np.ndarray] = {}
    try:
        for k in range(n_steps):
            X, Y, per_step = _sample(task, rng, loss, O)
            with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                loss_k, grads, dH_all, names, details = _gradients(
                    cell, cur_p, cur_r, X, Y, per_step, loss, fkw, bkw, buffers
                )
                if names:
                    problem = (_headline(names, grads), tuple(names), ", ".join(details))
                    _fail(problem, k, loss_k, history, cur_p, cur_r, on_nonfinite)
                if record_dh_norms and k % record_every == 0:
                    dh_rows.append(_dh_norms(cell, X, cur_p, dH_all, fkw))
                    dh_steps.append(k)
                norm = _clip._global_norm(grads)
                if clip is None:
                    g, was_clipped = grads, False
                elif callable(clip):
                    g = clip(grads)
                    g = g[0] if isinstance(g, tuple) else g
                    if k == 0:
                        check_same_keys("grads", grads, "clip(grads)", g)
                    was_clipped = any(not np.array_equal(g[n], grads[n]) for n in grads)
                else:
                    g, _ = _clip._clip_global_norm(grads, clip)
                    was_clipped = norm > clip
                new_params, opt_state = update({**cur_p, **cur_r}, g, opt_state)
                bad = _nonfinite_counts(new_params)
                if bad:
                    detail = ", ".join(f"{n} has {c} NaN/Inf entries" for n, c in bad.items())
                    problem = ("non-finite parameter after the update", tuple(bad), detail)
                    _fail(problem, k, loss_k, history, cur_p, cur_r, on_nonfinite, norm)
            cur_p = {n: new_params[n] for n in cell_keys}
            cur_r = {n: new_params[n] for n in readout_keys}
            losses.append(loss_k)
            norms.append(norm)
            clipped_flags.append(was_clipped)
            if eval_every is not None and (k + 1) % eval_every == 0:
                evaluate_now(k + 1)
                if stop_below is not None and ev_loss[-1] < stop_below:
                    return FitResult(cur_p, cur_r, history(solved_at=k + 1))
            if bar is not None:
                bar.update(1)
                if k % max(1, n_steps // 100) == 0:
                    bar.set_postfix(loss=f"{loss_k:.3e}", refresh=False)
    except _Stop as stop:
        return FitResult(cur_p, cur_r, history(**stop.fields))
    finally:
        if bar is not None:
            bar.close()
    if eval_data is not None and (not ev_steps or ev_steps[-1] != len(losses)):
        evaluate_now(len(losses))
    return FitResult(cur_p, cur_r, history())


def _headline(names: list[str], grads: dict | None) -> str:
    """E.g. "non-finite loss and gradient" for the names found non-finite."""
    what = [w for w, n in (("loss", "loss"), ("hidden state", "H_all")) if n in names]
    if grads is None or any(n in grads for n in names):
        what.append("gradient")
    if len(what) > 1:
        return "non-finite " + ", ".join(what[:-1]) + " and " + what[-1]
    return "non-finite " + what[0]


class _Stop(Exception):
    """Internal: carries the non-finite report out of the loop for on_nonfinite="stop"."""

    def __init__(self, fields: dict[str, Any]) -> None:
        super().__init__()
        self.fields = fields


def _fail(
    problem: tuple[str, tuple[str, ...], str],
    k: int,
    loss_k: float,
    history: Callable[..., History],
    cur_p: dict,
    cur_r: dict,
    on_nonfinite: str,
    norm: float | None = None,
) -> NoReturn:
    what, names, detail = problem
    msg = f"{what} at training step {k}"
    if detail:
        msg += f": {detail}"
    msg += f" (loss = {loss_k:.6g}"
    if norm is not None:
        msg += f", gradient norm before clipping = {norm:.6g}"
    # The last finite parameters are kept (error.params), but earlier huge updates may already have
    # ruined them: the advice is to go back to an earlier checkpoint, which only the caller has.
    msg += "). The parameters at the start of this step are finite (error.params) but may already be "
    msg += "ruined: restart from an earlier checkpoint with a smaller learning rate or gradient clipping."
    fields = {
        "stopped_nonfinite": True,
        "nonfinite_step": k,
        "nonfinite_names": names,
        "message": msg,
    }
    if on_nonfinite == "stop":
        raise _Stop(fields)
    raise NonFiniteError(
        msg, step=k, names=names, loss=loss_k, history=history(**fields), params=cur_p,
        readout=cur_r,
    )


def _check_forward_kwargs(forward_kwargs: object) -> dict[str, Any]:
    if forward_kwargs is None:
        return {}
    if not isinstance(forward_kwargs, Mapping):
        raise TypeError(
            f"forward_kwargs must be a dict such as {{'activation': 'tanh'}}, "
            f"got {type(forward_kwargs).__name__}"
        )
    return dict(forward_kwargs)


def _check_eval_data(eval_data: object, loss: str, O: int) -> tuple[np.ndarray, Any]:
    if not isinstance(eval_data, tuple) or len(eval_data) != 2:
        raise TypeError(f"eval_data must be a tuple (X, Y), got {type(eval_data).__name__}")
    X = check_array("eval_data[0] (X)", eval_data[0], ("T", "B", "D"))
    T, B, _ = X.shape
    Y, _ = _check_targets("eval_data[1] (Y)", eval_data[1], loss, T, B, O)
    return X, Y


def _progress_bar(total: int) -> Any:
    try:
        from tqdm.auto import tqdm  # imported lazily: optional, and slow to import
    except ImportError:
        return None
    return tqdm(total=total, desc="training", leave=False)


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
    cell = _check_cell(cell)
    r = _check_readout(readout)
    X = check_array("X", X, ("T", "B", "D"))
    fkw = _check_forward_kwargs(forward_kwargs)
    if not isinstance(per_step, bool):
        raise TypeError(f"per_step must be True or False, got {per_step!r}")
    H_all, _ = cell.forward(X, params, **fkw)
    _check_readout_fits(r, H_all)
    Z, _ = _readout._forward(H_all if per_step else H_all[-1], r)
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
    check_choice("loss", loss, LOSSES)
    r = _check_readout(readout)
    X = check_array("X", X, ("T", "B", "D"))
    T, B, _ = X.shape
    Y, per_step = _check_targets("Y", Y, loss, T, B, r["W_y"].shape[0])
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        Z = predict(cell, params, r, X, per_step=per_step, forward_kwargs=forward_kwargs)
        value, _ = _loss(loss, Z, Y)
    if loss == "mse":
        return Evaluation(float(value), None)
    return Evaluation(float(value), float(np.mean(Z.argmax(axis=-1) == Y)))
