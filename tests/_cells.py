"""One interface over the three cells, so that the cell tests can share their reference computations.

Every helper here builds its answer from `forward`/`step` (or finite differences), never from the
`backward` under test, except `window_backprop`, which uses full BPTT on a short window (itself checked
against finite differences) to build the truncated-BPTT reference.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from types import ModuleType

import numpy as np

import vg


@dataclass(frozen=True)
class Cell:
    """How to call one cell module: its state names and keyword options."""

    name: str
    module: ModuleType
    states: tuple[str, ...]  # ("h0",) or ("h0", "c0")
    options: tuple[tuple[str, object], ...] = ()  # e.g. (("activation", "relu"),)

    def init(self, D: int, H: int, rng: np.random.Generator, dtype=np.float64) -> dict:
        return self.module.init(D, H, rng, dtype=dtype)

    def forward(self, X, params, states):
        kwargs = dict(zip(self.states, states))
        return self.module.forward(X, params, **kwargs, **dict(self.options))

    def backward(self, G, cache, truncate=None):
        """Return grads, dX and a tuple of state gradients (dh0,) or (dh0, dc0)."""
        grads, dX, dstate = self.module.backward(G, cache, truncate=truncate)
        return grads, dX, (dstate if isinstance(dstate, tuple) else (dstate,))

    def step(self, x_t, states, params):
        """One step; returns the new states as a tuple and the step cache."""
        if len(self.states) == 2:
            (h, c), sc = self.module.step(x_t, *states, params)
            return (h, c), sc
        h, sc = self.module.step(x_t, *states, params, **dict(self.options))
        return (h,), sc

    def step_backward(self, dstates, step_cache):
        """One step back; `dstates` is (dh,) or (dh, dc); returns grads, dx_t, (dh_prev[, dc_prev])."""
        grads, dx, dprev = self.module.step_backward(*dstates, step_cache)
        return grads, dx, (dprev if isinstance(dprev, tuple) else (dprev,))


RNN_CELLS = [Cell(f"rnn-{a}", vg.rnn, ("h0",), (("activation", a),)) for a in ("tanh", "sigmoid", "relu", "identity")]
LSTM = Cell("lstm", vg.lstm, ("h0", "c0"))
GRU = Cell("gru", vg.gru, ("h0",))


def random_problem(cell: Cell, T: int, B: int, D: int, H: int, seed: int = 0):
    """Parameters, inputs, random initial states and a random G (dL/dH_all) for the loss sum(G * H_all).

    Biases are drawn at random too (init sets most to zero), so that their gradients are exercised.
    """
    rng = np.random.default_rng(seed)
    params = cell.init(D, H, rng)
    params = {k: (v + 0.3 * rng.standard_normal(v.shape)) if k.startswith("b") else v for k, v in params.items()}
    X = rng.standard_normal((T, B, D))
    states = tuple(0.5 * rng.standard_normal((B, H)) for _ in cell.states)
    G = rng.standard_normal((T, B, H))
    return params, X, states, G


def states_by_steps(cell: Cell, X, params, states):
    """All states by a loop over `step`: a list of length T + 1 of state tuples, and the step caches."""
    out, caches = [tuple(states)], []
    for t in range(X.shape[0]):
        new, sc = cell.step(X[t], out[-1], params)
        out.append(new)
        caches.append(sc)
    return out, caches


def window_backprop(cell: Cell, G, X, params, states, k: int):
    """Truncated-BPTT reference, built the slow and obvious way.

    For every step s, the loss term sum(G[s] * h_s) is backpropagated on its own, by full BPTT through
    the window of steps s-k+1 .. s only, starting from the state before the window held *fixed*
    (or, if the window reaches step 0, from the initial state, whose gradient is then kept). The
    T results are summed.
    """
    T = X.shape[0]
    all_states, _ = states_by_steps(cell, X, params, states)
    grads = {name: np.zeros_like(v) for name, v in params.items()}
    dX = np.zeros_like(X)
    dstates = [np.zeros_like(s) for s in states]
    for s in range(T):
        start = max(0, s - k + 1)
        Xw = X[start : s + 1]
        _, cache = cell.forward(Xw, params, all_states[start])
        Gw = np.zeros((Xw.shape[0], *G.shape[1:]))
        Gw[-1] = G[s]
        g, dXw, dst = cell.backward(Gw, cache)
        for name in grads:
            grads[name] += g[name]
        dX[start : s + 1] += dXw
        if start == 0:
            for acc, d in zip(dstates, dst):
                acc += d
    return grads, dX, tuple(dstates)


def window_loss(cell: Cell, G, X, params, states, fixed_states, k: int) -> float:
    """The function whose gradient truncated BPTT computes, for finite differences.

    ``sum_s sum(G[s] * h_s^(k))`` where ``h_s^(k)`` is recomputed from `params`, `X` and (if the window
    reaches step 0) `states` over the window s-k+1 .. s, starting from the constants `fixed_states`
    (the states of an unperturbed forward pass) otherwise.
    """
    total = 0.0
    for s in range(X.shape[0]):
        start = max(0, s - k + 1)
        init_state = states if start == 0 else fixed_states[start]
        H_w, _ = cell.forward(X[start : s + 1], params, init_state)
        total += float(np.sum(G[s] * H_w[-1]))
    return total


@contextmanager
def kernel_path(large: bool) -> Iterator[None]:
    """Force the fast paths' large-network variant (exp-based kernels, backward in chunks of 3
    steps) or their small-network variant (np.tanh kernels, backward in one chunk)."""
    old = vg.activations.TANH_KERNEL_MIN_SIZE, vg.rnn._chunk_length
    vg.activations.TANH_KERNEL_MIN_SIZE = 0 if large else 10**9
    vg.rnn._chunk_length = (lambda T, nbytes: min(T, 3)) if large else (lambda T, nbytes: T)
    try:
        yield
    finally:
        vg.activations.TANH_KERNEL_MIN_SIZE, vg.rnn._chunk_length = old
