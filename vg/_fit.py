"""The plumbing of `vg.train.fit`, kept out of the way so that `fit` reads as the training loop.

Three things live here: the arguments, checked once (`Settings`); one forward and backward pass that
checks every stage for NaN/Inf and says where things went wrong (`gradients`); and the explanation
of a failure (`failure_message`). Nothing here is public API: `vg.train` is.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np

from vg import bptt, losses, readout
from vg._checks import (
    check_array,
    check_array_dict,
    check_choice,
    check_class_targets,
    check_params,
    check_positive,
    check_rng,
    check_same_keys,
    check_size,
)
from vg.clip import clip_global_norm

LOSSES = ("mse", "xent")


def check_cell(cell: object) -> Any:
    for verb in ("forward", "backward"):
        if not callable(getattr(cell, verb, None)):
            raise TypeError(
                f"cell must be a cell module such as vg.rnn, vg.lstm or vg.gru (with forward and "
                f"backward), got {cell!r}"
            )
    return cell


def check_readout(params: object) -> dict[str, np.ndarray]:
    return check_params("readout", params, {"W_y": ("O", "H"), "b_y": ("O",)})


def check_readout_fits(params: dict[str, np.ndarray], H_all: np.ndarray) -> None:
    O, H = params["W_y"].shape
    if H != H_all.shape[-1]:
        raise ValueError(
            f"readout['W_y'] must have shape (O, H) = ({O}, {H_all.shape[-1]}) to read the cell's "
            f"hidden state of size H = {H_all.shape[-1]}, got {params['W_y'].shape}"
        )


def check_targets(name: str, Y: object, loss: str, T: int, B: int, O: int) -> tuple[Any, bool]:
    """Validate targets; return them and whether they are per step (True) or last step only."""
    ndim = np.ndim(Y) if isinstance(Y, (np.ndarray, list, tuple)) else -1
    if loss == "mse":
        if ndim == 3:
            return check_array(name, Y, (T, B, O)), True
        return check_array(name, Y, (B, O)), False
    shape = (T, B) if ndim == 2 else (B,)
    try:
        return check_class_targets(Y, shape, O), ndim == 2
    except (TypeError, ValueError) as err:
        raise type(err)(f"{name}: {err} (targets for logits of shape {(*shape, O)})") from None


def check_forward_kwargs(forward_kwargs: object) -> dict[str, Any]:
    if forward_kwargs is None:
        return {}
    if not isinstance(forward_kwargs, Mapping):
        raise TypeError(
            f"forward_kwargs must be a dict such as {{'activation': 'tanh'}}, "
            f"got {type(forward_kwargs).__name__}"
        )
    return dict(forward_kwargs)


def check_data(name: str, data: object, loss: str, O: int) -> tuple[np.ndarray, Any, bool]:
    """Validate ``(X, Y)`` as a task returns it or as `eval_data`; also say whether Y is per step."""
    if not isinstance(data, tuple) or len(data) != 2:
        raise TypeError(f"{name} must be a tuple (X, Y), got {type(data).__name__}")
    X = check_array(f"{name}[0] (X)", data[0], ("T", "B", "D"))
    T, B, _ = X.shape
    Y, per_step = check_targets(f"{name}[1] (Y)", data[1], loss, T, B, O)
    return X, Y, per_step


def loss_and_gradient(kind: str, Z: np.ndarray, Y: np.ndarray) -> tuple[float, np.ndarray]:
    # Unchecked: Z may be non-finite, which the caller detects and reports.
    if kind == "mse":
        return losses.mse(Z, Y, check=False)
    return losses.softmax_cross_entropy(Z, Y, check=False)


@dataclass(frozen=True)
class Settings:
    """`fit`'s arguments after checking (see `vg.train.fit` for their meaning)."""

    params: dict[str, np.ndarray]
    readout: dict[str, np.ndarray]
    steps: int
    rng: np.random.Generator
    loss: str
    clip: float | Callable | None
    truncate: int | None
    forward_kwargs: dict[str, Any]
    record_dh_every: int | None
    eval_data: tuple[np.ndarray, Any] | None
    eval_every: int | None
    stop_below: float | None
    on_nonfinite: str

    @classmethod
    def check(cls, params: object, readout: object, task: object, optimizer: object, **kw: Any) -> Settings:
        p, r = check_array_dict("params", params), check_readout(readout)
        clash = sorted(set(p) & set(r))
        if clash:
            raise ValueError(f"params and readout must have distinct keys, both have {clash}")
        if not callable(task):
            raise TypeError(f"task must be a callable task(rng) -> (X, Y), got {type(task).__name__}")
        if not all(callable(getattr(optimizer, verb, None)) for verb in ("init", "update")):
            raise TypeError(
                f"optimizer must be a vg.optim optimiser (e.g. vg.optim.Adam(lr=1e-3)), got {optimizer!r}"
            )
        check_choice("loss", kw["loss"], LOSSES)
        clip = kw["clip"]
        if clip is not None and not callable(clip):
            clip = check_positive("clip", clip)
        every = kw["record_dh_every"]
        eval_data, eval_every, stop_below = kw["eval_data"], kw["eval_every"], kw["stop_below"]
        if eval_every is not None:
            eval_every = check_size("eval_every", eval_every)
            if eval_data is None:
                raise ValueError("eval_every needs eval_data=(X, Y) to evaluate on, got eval_data=None")
        if eval_data is not None:
            eval_data = check_data("eval_data", eval_data, kw["loss"], r["W_y"].shape[0])[:2]
        check_choice("on_nonfinite", kw["on_nonfinite"], ("raise", "stop"))
        if stop_below is not None:
            stop_below = check_positive("stop_below", stop_below)
            if eval_every is None:
                raise ValueError("stop_below needs eval_every and eval_data to evaluate on, got eval_every=None")
        return cls(
            params=p, readout=r, steps=check_size("steps", kw["steps"]), rng=check_rng("rng", kw["rng"]),
            loss=kw["loss"], clip=clip, truncate=kw["truncate"],
            forward_kwargs=check_forward_kwargs(kw["forward_kwargs"]),
            record_dh_every=None if every is None else check_size("record_dh_every", every),
            eval_data=eval_data, eval_every=eval_every, stop_below=stop_below,
            on_nonfinite=kw["on_nonfinite"],
        )


class Pass(NamedTuple):
    """One forward and backward pass: the loss, the gradients (cell and readout together), the
    errors ``dH_all`` that entered the recurrence and the forward pass's cache; `names` lists what was
    non-finite (empty if all is well) and `details` says how. `grads` is None when it could not be
    computed."""

    loss: float
    grads: dict[str, np.ndarray] | None
    dH_all: np.ndarray | None
    names: list[str]
    details: list[str]
    cache: Any = None


def gradients(cell: Any, s: Settings, p: dict, r: dict, X: np.ndarray, Y: Any, per_step: bool) -> Pass:
    """One forward and backward pass, checking every stage for NaN/Inf."""
    H_all, cache = cell.forward(X, p, **s.forward_kwargs)
    check_readout_fits(r, H_all)
    Z, rcache = readout.forward(H_all if per_step else H_all[-1], r, check=False)
    loss, dZ = loss_and_gradient(s.loss, Z, Y)
    names: list[str] = [] if np.isfinite(loss) else ["loss"]
    details: list[str] = []
    dZ_finite = bool(np.all(np.isfinite(dZ)))
    if names or not dZ_finite:
        # Something overflowed. If the states did, say from which time step: that is where the
        # forward pass exploded. (Finite states with a non-finite loss mean the readout overflowed.)
        finite_t = np.isfinite(H_all).all(axis=(1, 2))
        if not finite_t.all():
            names.append("H_all")
            details.append(f"the hidden states are NaN/Inf from time step {int(np.argmin(finite_t))} on")
    if not dZ_finite:
        if not names:
            names.append("dL/dZ")
        details.append("dL/dZ is NaN/Inf, so no gradient could be computed")
        return Pass(loss, None, None, names, details)
    rgrads, dH = readout.backward(dZ, rcache)
    if not np.all(np.isfinite(dH)):
        names.append("dL/dh")
        details.append("dL/dh from the readout is NaN/Inf, so BPTT could not run")
        return Pass(loss, None, None, names, details)
    if per_step:
        dH_all = dH
    else:
        dH_all = np.zeros_like(H_all)
        dH_all[-1] = dH
    grads, _, _ = cell.backward(dH_all, cache, **({} if s.truncate is None else {"truncate": s.truncate}))
    grads = {**grads, **rgrads}
    for n, c in nonfinite_counts(grads).items():
        names.append(n)
        details.append(f"d{n} has {c} NaN/Inf entries")
    return Pass(loss, grads, dH_all, names, details, cache)


def nonfinite_counts(arrays: Mapping[str, np.ndarray]) -> dict[str, int]:
    counts = {k: int(np.count_nonzero(~np.isfinite(v))) for k, v in arrays.items()}
    return {k: c for k, c in counts.items() if c}


def headline(names: list[str], grads: dict | None) -> str:
    """E.g. "non-finite loss and gradient" for the names found non-finite."""
    what = [w for w, n in (("loss", "loss"), ("hidden state", "H_all")) if n in names]
    if grads is None or any(n in grads for n in names):
        what.append("gradient")
    if len(what) > 1:
        return "non-finite " + ", ".join(what[:-1]) + " and " + what[-1]
    return "non-finite " + what[0]


def failure_message(what: str, detail: str, k: int, loss: float, norm: float | None = None) -> str:
    msg = f"{what} at training step {k}"
    if detail:
        msg += f": {detail}"
    msg += f" (loss = {loss:.6g}"
    if norm is not None:
        msg += f", gradient norm before clipping = {norm:.6g}"
    # The last finite parameters are kept (error.params), but earlier huge updates may already have
    # ruined them: the advice is to go back to an earlier checkpoint, which only the caller has.
    return msg + (
        "). The parameters at the start of this step are finite (error.params) but may already be "
        "ruined: restart from an earlier checkpoint with a smaller learning rate or gradient clipping."
    )


def progress_bar(total: int) -> Any:
    try:
        from tqdm.auto import tqdm  # imported lazily: optional, and slow to import
    except ImportError:
        return None
    return tqdm(total=total, desc="training", leave=False)


@dataclass
class Log:
    """What `fit` records as it runs; `fields` gives them as the arrays of a `vg.train.History`."""

    record_dh: bool
    started: float = field(default_factory=time.perf_counter)
    started_cpu: float = field(default_factory=time.process_time)
    eval_cpu: float = 0.0  # CPU seconds spent in the periodic evaluations
    loss: list[float] = field(default_factory=list)
    grad_norm: list[float] = field(default_factory=list)
    clipped: list[bool] = field(default_factory=list)
    dh_steps: list[int] = field(default_factory=list)
    dh_rows: list[np.ndarray] = field(default_factory=list)
    eval_steps: list[int] = field(default_factory=list)
    eval_loss: list[float] = field(default_factory=list)
    eval_accuracy: list[float] = field(default_factory=list)

    def evaluate(self, done: int, evaluate: Callable[..., tuple[float, float | None]], *args: Any, **kw: Any) -> None:
        """Record ``evaluate(*args, **kw)`` after `done` steps, and the CPU time it took."""
        t0 = time.process_time()
        loss, accuracy = evaluate(*args, **kw)
        self.eval_cpu += time.process_time() - t0
        self.eval_steps.append(done)
        self.eval_loss.append(loss)
        self.eval_accuracy.append(np.nan if accuracy is None else accuracy)

    def fields(self, **extra: Any) -> dict[str, Any]:
        dh_norms = (np.array(self.dh_rows) if self.dh_rows else np.empty((0, 0))) if self.record_dh else None
        return dict(
            loss=np.array(self.loss, dtype=float),
            grad_norm=np.array(self.grad_norm, dtype=float),
            clipped=np.array(self.clipped, dtype=bool),
            dh_steps=np.array(self.dh_steps, dtype=int),
            dh_norms=dh_norms,
            eval_steps=np.array(self.eval_steps, dtype=int),
            eval_loss=np.array(self.eval_loss, dtype=float),
            eval_accuracy=np.array(self.eval_accuracy, dtype=float),
            seconds=time.perf_counter() - self.started,
            cpu_seconds=time.process_time() - self.started_cpu - self.eval_cpu,
            eval_cpu_seconds=self.eval_cpu,
            **extra,
        )


def dh_norms(cell: Any, X: np.ndarray, params: dict, step: Pass, fkw: dict) -> np.ndarray:
    """(T,) the mean over the batch of ``||dl_b/dh_t||`` at array index t (`History.dh_norms`), along
    the states of the pass's forward cache (``Hs``, and ``Cs`` for the LSTM)."""
    states = tuple(getattr(step.cache, f"{name.upper()}s") for name in cell.STATES)
    G = bptt.state_gradients(cell, X, params, step.dH_all, states=states if len(states) > 1 else states[0],
                             **fkw)[1:]  # drop dL/dh_0
    # mean over b of ||dl_b/dh_t|| = sum over b of ||dL/dh_t^(b)||, since L = mean_b l_b
    return np.sqrt(np.sum(G * G, axis=2)).sum(axis=1)


def clipped(rule: float | Callable | None, grads: dict, norm: float, *, first: bool) -> tuple[dict, bool]:
    """The gradients after `fit`'s clipping rule, and whether the rule changed them."""
    if rule is None:
        return grads, False
    if callable(rule):
        g = rule(grads)
        g = g[0] if isinstance(g, tuple) else g
        if first:
            check_same_keys("grads", grads, "clip(grads)", g)
        return g, any(not np.array_equal(g[n], grads[n]) for n in grads)
    return clip_global_norm(grads, rule, check=False)[0], norm > rule
