r"""Backpropagation through time for the states: the total derivatives dL/dh_t of any cell.

A cell's `backward` (e.g. `vg.rnn.backward`) runs the recursion

$$
    \frac{\partial L}{\partial h_t} = \bar g_t
        + \Big(\frac{\partial h_{t+1}}{\partial h_t}\Big)^{\!\top} \frac{\partial L}{\partial h_{t+1}}
$$

($\bar g_t$ the error arriving from outside the recurrence, e.g. a readout) and keeps only what the
parameters and inputs need. The pages want the states' gradients themselves: how much error reaches
each $h_t$, and how that changes with the distance it travelled. `state_gradients` computes them for
every cell with the cell's literal `step` and `step_backward`, so the numbers on the pages come from
the same equations the cells are written in.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import ModuleType
from typing import Any

import numpy as np

from vg._checks import check_array

__all__ = ["state_gradients"]


def state_gradients(
    cell: ModuleType,
    X: np.ndarray,
    params: Mapping[str, np.ndarray],
    dH_all: np.ndarray,
    *,
    initial: np.ndarray | tuple[np.ndarray, ...] | None = None,
    states: np.ndarray | tuple[np.ndarray, ...] | None = None,
    **options: Any,
) -> np.ndarray:
    r"""The total derivatives $\partial L / \partial h_k$, k = 0..T, of any cell: the one dL/dh_t of `vg`.

    Backpropagation through time that keeps every state's gradient (a cell's `backward` keeps only
    the parameter and input gradients). It runs the cell's literal `step` forward from the initial
    state, then its `step_backward` from the last step to the first, adding at each step the error
    that reaches ``h_t`` from outside the recurrence: ``dh = dH_all[t] + dh_next``. For the LSTM the
    state is (h, c) and the c part travels along; the h part, the state a readout sees, is returned.
    `vg.train.fit` (``record_dh_every``), `vg.analysis.hidden_gradients`, `vg.analysis.gradient_norms`
    and the pages all use it.

    Args:
        cell: a cell module whose recurrent state starts with h (``cell.STATES`` is ``("h",)`` or
            ``("h", "c")``): `vg.rnn`, `vg.lstm`, `vg.gru`, `vg.mingru`, `vg.indrnn`.
        X: (T, B, D) the inputs.
        params: the cell's parameters.
        dH_all: (T, B, H) the errors arriving at each state from outside the recurrence (e.g. from a
            readout); ``dH_all[t]`` belongs to ``H_all[t]``, which is ``h_{t+1}``.
        initial: the initial state, ``h0`` (B, H) or, for the LSTM, ``(h0, c0)``; zeros if None.
        states: the trajectory to differentiate along, ``Hs`` (T + 1, B, H) or, for the LSTM,
            ``(Hs, Cs)``, as a `forward` cache holds them (``cache.Hs``, ``cache.Cs``); then each
            step starts from the stored state and `initial` must be None. Without it the states are
            recomputed by the literal `step` from `initial`, which matches the cache up to rounding
            except in a network that amplifies differences in its state (an exploding, chaotic one),
            where the two trajectories, and so their gradients, drift apart along the sequence.
        **options: the cell's step options, e.g. ``activation="relu"`` for `vg.rnn`.

    Returns:
        (T + 1, B, H) array in the maths' numbering: ``out[k]`` is dL/dh_k through all later steps,
        ``out[T] == dH_all[T - 1]`` and ``out[0]`` is dL/dh_0. Where an example's gradient overflows,
        its rows are +inf from that step back (no warning is raised).
    """
    names = getattr(cell, "STATES", None)
    if not (callable(getattr(cell, "step", None)) and callable(getattr(cell, "step_backward", None))
            and isinstance(names, tuple) and names[:1] == ("h",)):
        raise TypeError(
            "cell must be a cell module whose state starts with h, with step and step_backward "
            f"(vg.rnn, vg.lstm, vg.gru, vg.mingru, vg.indrnn), got {getattr(cell, '__name__', cell)!r}"
        )
    X = check_array("X", X, ("T", "B", "D"))
    T, B, _ = X.shape
    dH_all = check_array("dH_all", dH_all, (T, B, "H"))
    H = dH_all.shape[2]
    if states is not None:
        if initial is not None:
            raise TypeError("pass initial or states, not both (states[0] is the initial state)")
        states = (states,) if len(names) == 1 else states
        if not (isinstance(states, tuple) and len(states) == len(names)):
            raise TypeError(f"states must be a tuple of {len(names)} arrays {names}, got {type(states).__name__}")
        states = tuple(check_array(f"states[{i}]", s, (T + 1, B, H)) for i, s in enumerate(states))
        initial = tuple(s[0] for s in states)
    elif initial is None:
        initial = tuple(np.zeros((B, H), dtype=X.dtype) for _ in names)
    elif len(names) == 1:
        initial = (initial,)
    elif not (isinstance(initial, tuple) and len(initial) == len(names)):
        raise TypeError(f"initial must be a tuple of {len(names)} arrays {names}, got {type(initial).__name__}")

    # Forward with the literal step, keeping each step's cache; with `states`, each step starts from
    # the stored state, so rounding cannot accumulate along a trajectory the cache does not hold.
    state, caches = initial, []
    for t in range(T):
        if states is not None:
            state = tuple(s[t] for s in states)
        new, step_cache = cell.step(X[t], *state, params, **options)
        state = new if len(names) > 1 else (new,)
        caches.append(step_cache)
    # Backward: the error from outside plus the one from the future, one step at a time.
    out = np.empty((T + 1, B, H), dtype=np.result_type(dH_all, state[0]))
    d_next = tuple(np.zeros_like(s) for s in state)
    overflowed = np.zeros(B, dtype=bool)  # examples whose gradient is no longer a finite number
    with np.errstate(over="ignore", invalid="ignore"):
        for t in range(T - 1, -1, -1):
            dh = dH_all[t] + d_next[0]  # dL/dh_{t+1}, total
            overflowed |= ~np.all(np.isfinite(dh), axis=1)
            for d in d_next[1:]:
                overflowed |= ~np.all(np.isfinite(d), axis=1)
            out[t + 1] = dh
            if overflowed.any():
                # An overflowed gradient is infinitely large from here back; carry zeros for those
                # examples so that the others, and the cell's checks, see finite numbers.
                out[t + 1, overflowed] = np.inf
                dh = np.where(overflowed[:, None], 0.0, dh)
                d_next = tuple(np.where(overflowed[:, None], 0.0, d) for d in d_next)
            _, _, d_prev = cell.step_backward(dh, *d_next[1:], caches[t])
            d_next = d_prev if len(names) > 1 else (d_prev,)
    out[0] = d_next[0]
    out[0, overflowed | ~np.all(np.isfinite(out[0]), axis=1)] = np.inf
    return out
