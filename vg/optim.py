"""Optimisers with explicit state: plain SGD, SGD with momentum, and Adam.

An optimiser object holds only its hyperparameters (it is frozen). Everything that changes during
training lives in a *state* value that you pass in and get back, so nothing is mutated behind your
back and an update can be replayed or inspected::

    opt = vg.optim.Adam(lr=1e-3)
    state = opt.init(params)
    params, state = opt.update(params, grads, state)   # new dicts; the old ones are untouched

`params` and `grads` are dicts name -> array with the same keys and shapes (any cell's parameters,
plus a readout's). The rules, per array p with gradient g:

- SGD: ``p <- p - lr g``.
- SGD with momentum mu (PyTorch's form): ``v <- mu v + g``, ``p <- p - lr v``; v starts at 0.
- Adam (Kingma & Ba 2015): ``m <- b1 m + (1 - b1) g``, ``v <- b2 v + (1 - b2) g²``,
  ``p <- p - lr m_hat / (sqrt(v_hat) + eps)`` with the bias corrections ``m_hat = m / (1 - b1^t)``,
  ``v_hat = v / (1 - b2^t)`` at step t = 1, 2, ... Its first step moves every entry by about lr.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from vg._checks import check_array_dict, check_positive, check_same_keys

__all__ = ["SGD", "Adam", "AdamState", "SGDState"]


def _check_update_args(params: object, grads: object) -> tuple[dict, dict]:
    p = check_array_dict("params", params)
    g = check_array_dict("grads", grads)
    check_same_keys("params", p, "grads", g)
    return p, g


def _check_fraction(name: str, value: object, *, allow_zero: bool) -> float:
    value = check_positive(name, value, allow_zero=allow_zero)
    if value >= 1.0:
        raise ValueError(f"{name} must be < 1, got {value}")
    return value


@dataclass(frozen=True)
class SGDState:
    """State of `SGD`: the velocity per parameter (None without momentum)."""

    velocity: dict[str, np.ndarray] | None


@dataclass(frozen=True)
class SGD:
    """Stochastic gradient descent, optionally with (heavy-ball) momentum.

    Args:
        lr: learning rate, > 0.
        momentum: mu in [0, 1); 0 (the default) is plain SGD.
    """

    lr: float
    momentum: float = 0.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "lr", check_positive("lr", self.lr))
        object.__setattr__(
            self, "momentum", _check_fraction("momentum", self.momentum, allow_zero=True)
        )

    def init(self, params: Mapping[str, np.ndarray]) -> SGDState:
        """Initial state for `params` (zero velocity if momentum is used)."""
        p = check_array_dict("params", params)
        if self.momentum == 0.0:
            return SGDState(velocity=None)
        return SGDState(velocity={k: np.zeros_like(v) for k, v in p.items()})

    def update(
        self, params: Mapping[str, np.ndarray], grads: Mapping[str, np.ndarray], state: SGDState,
        *, check: bool = True,
    ) -> tuple[dict[str, np.ndarray], SGDState]:
        """One step. Returns new ``(params, state)``; the arguments are not modified.

        ``check=False`` skips validating the arguments: `vg.train.fit` validates once, then calls this
        every step, when the checks would cost as much as a small network's update.
        """
        if not check:
            return self._update(params, grads, state)
        p, g = _check_update_args(params, grads)
        if not isinstance(state, SGDState):
            raise TypeError(f"state must be an SGDState from SGD.init, got {type(state).__name__}")
        if self.momentum != 0.0:
            if state.velocity is None:
                raise ValueError("state has no velocity: it was made by an SGD without momentum")
            check_same_keys("params", p, "state.velocity", state.velocity)
        return self._update(p, g, state)

    def _update(
        self, p: Mapping[str, np.ndarray], g: Mapping[str, np.ndarray], state: SGDState
    ) -> tuple[dict[str, np.ndarray], SGDState]:
        if self.momentum == 0.0:
            return {k: p[k] - self.lr * g[k] for k in p}, state
        v = {k: self.momentum * state.velocity[k] + g[k] for k in p}
        return {k: p[k] - self.lr * v[k] for k in p}, SGDState(velocity=v)


@dataclass(frozen=True)
class AdamState:
    """State of `Adam`: the step count t and the moment estimates m and v per parameter."""

    step: int
    m: dict[str, np.ndarray]
    v: dict[str, np.ndarray]


@dataclass(frozen=True)
class Adam:
    """Adam (Kingma & Ba 2015).

    Args:
        lr: learning rate (the approximate size of each entry's step), > 0.
        beta1: decay of the first-moment (mean) estimate, in [0, 1).
        beta2: decay of the second-moment estimate, in [0, 1).
        eps: added to ``sqrt(v_hat)`` to avoid division by zero, > 0.
    """

    lr: float = 1e-3
    beta1: float = 0.9
    beta2: float = 0.999
    eps: float = 1e-8

    def __post_init__(self) -> None:
        object.__setattr__(self, "lr", check_positive("lr", self.lr))
        object.__setattr__(self, "beta1", _check_fraction("beta1", self.beta1, allow_zero=True))
        object.__setattr__(self, "beta2", _check_fraction("beta2", self.beta2, allow_zero=True))
        object.__setattr__(self, "eps", check_positive("eps", self.eps))

    def init(self, params: Mapping[str, np.ndarray]) -> AdamState:
        """Initial state for `params`: t = 0 and zero moments."""
        p = check_array_dict("params", params)
        return AdamState(
            step=0,
            m={k: np.zeros_like(v) for k, v in p.items()},
            v={k: np.zeros_like(v) for k, v in p.items()},
        )

    def update(
        self, params: Mapping[str, np.ndarray], grads: Mapping[str, np.ndarray], state: AdamState,
        *, check: bool = True,
    ) -> tuple[dict[str, np.ndarray], AdamState]:
        """One step. Returns new ``(params, state)``; the arguments are not modified.

        ``check=False`` skips validating the arguments, as for `SGD.update`.
        """
        if not check:
            return self._update(params, grads, state)
        p, g = _check_update_args(params, grads)
        if not isinstance(state, AdamState):
            raise TypeError(
                f"state must be an AdamState from Adam.init, got {type(state).__name__}"
            )
        check_same_keys("params", p, "state.m", state.m)
        return self._update(p, g, state)

    def _update(
        self, p: Mapping[str, np.ndarray], g: Mapping[str, np.ndarray], state: AdamState
    ) -> tuple[dict[str, np.ndarray], AdamState]:
        t = state.step + 1
        b1, b2 = self.beta1, self.beta2
        m = {k: b1 * state.m[k] + (1.0 - b1) * g[k] for k in p}
        v = {k: b2 * state.v[k] + (1.0 - b2) * (g[k] * g[k]) for k in p}
        # Bias correction: m and v start at 0, so early averages are too small by 1 - beta^t.
        c1, c2 = 1.0 - b1**t, 1.0 - b2**t
        new = {k: p[k] - self.lr * (m[k] / c1) / (np.sqrt(v[k] / c2) + self.eps) for k in p}
        return new, AdamState(step=t, m=m, v=v)


# The optimisers of this module: `vg.train.fit` lets them skip their argument checks in its loop.
OPTIMIZERS = (SGD, Adam)
