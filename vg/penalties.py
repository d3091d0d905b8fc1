r"""Penalties added to the loss to steer the recurrent weights: weight decay, and Pascanu's Omega.

``l2``
    The weight penalty $\tfrac{\lambda}{2}\sum_k \|W_k\|_F^2$ on the arrays you name (usually
    only ``W_h``). It pulls every singular value of ``W_h`` towards zero: that keeps the gradient
    from exploding and, for the same reason, makes it vanish faster.
``omega``
    The regulariser of Pascanu, Mikolov & Bengio (2013), which asks each backward step to
    keep the norm of the error it carries: with $\delta_t = (\partial L/\partial h_t)^\top$ (a
    column) and the step Jacobian
    $J_t = \partial h_t/\partial h_{t-1} = \operatorname{diag}(\phi'(a_t)) W_h$,

    $$
        \Omega = \sum_{t=1}^{T}
        \Big( \frac{\|J_t^\top \delta_t\|}{\|\delta_t\|} - 1 \Big)^2 ,
    $$

    averaged over the examples of a batch. As in the paper, the errors $\delta_t$ are treated
    as constants when Omega is differentiated: the gradient returned is that of Omega as a function
    of the parameters with $\delta_t$ held fixed (it does flow through the forward pass, since
    $\phi'(a_t)$ depends on every parameter).

The total gradients $\delta_t = \partial L/\partial h_t$ that `omega` needs come from
`vg.bptt.state_gradients` (what `vg.rnn.backward` computes on its way but does not return):
``vg.bptt.state_gradients(vg.rnn, X, params, dH_all, states=cache.Hs)[1:]`` (along the states of the
`vg.rnn.forward` cache that `omega` also reads).

Both penalties return ``(value, grads)`` with ``grads`` keyed like ``params``, so adding a penalty
to a training step is ``{k: g[k] + pen_grads[k] for k in g}``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from vg import activations, analysis, rnn
from vg._checks import check_array, check_array_dict, check_positive

__all__ = ["l2", "omega"]

# d phi'(a) / d h, with phi' written in terms of the output h = phi(a) (as vg.activations does):
# tanh' = 1 - h^2, sigmoid' = h (1 - h); relu' and identity' are piecewise constant.
_DPHI_DH = {
    "tanh": lambda h: -2.0 * h,
    "sigmoid": lambda h: 1.0 - 2.0 * h,
    "relu": np.zeros_like,
    "identity": np.zeros_like,
}


def l2(
    params: Mapping[str, np.ndarray], keys: Sequence[str], weight: float
) -> tuple[float, dict[str, np.ndarray]]:
    r"""The weight penalty $\tfrac{\lambda}{2} \sum_{k \in \text{keys}} \|p_k\|_F^2$.

    Its gradient is $\lambda p_k$, so with plain SGD the penalty shrinks each named array by
    the factor $1 - \eta\lambda$ per step before the loss gradient acts ("weight decay").

    Args:
        params: dict name -> array (any cell's parameters, a readout's, ...).
        keys: the names of the arrays to penalise, e.g. ``["W_h"]``; each must be a key of `params`.
        weight: lambda, >= 0.

    Returns:
        ``(value, grads)``: the penalty as a float, and a dict with *every* key of `params` (zeros
        for the arrays not penalised), ready to be added to the loss gradients.
    """
    p = check_array_dict("params", params)
    if isinstance(keys, str) or not isinstance(keys, Sequence):
        raise TypeError(f"keys must be a list of parameter names such as ['W_h'], got {keys!r}")
    if len(keys) == 0:
        raise ValueError("keys must name at least one parameter, got an empty list")
    for k in keys:
        if k not in p:
            raise ValueError(f"keys must be keys of params {list(p)}, got {k!r}")
    lam = check_positive("weight", weight, allow_zero=True)
    chosen = set(keys)
    value = 0.5 * lam * sum(float(np.sum(p[k] * p[k])) for k in chosen)
    grads = {k: lam * v if k in chosen else np.zeros_like(v) for k, v in p.items()}
    return value, grads


def omega(cache: rnn.RNNCache, dH: np.ndarray) -> tuple[float, dict[str, np.ndarray]]:
    r"""Pascanu, Mikolov & Bengio's (2013) norm-preserving regulariser and its gradient.

    $$
        \Omega = \frac{1}{B}\sum_{b=1}^{B} \sum_{t=1}^{T}
        \Big( \frac{\|J_t^\top \delta_t\|}{\|\delta_t\|} - 1 \Big)^2,
        \qquad J_t^\top \delta_t = W_h^\top \big(\phi'(a_t) \odot \delta_t\big),
    $$

    where $\delta_t = \partial L/\partial h_t$ (total, as from `vg.bptt.state_gradients`) for example b.
    Each ratio is the factor by which one backward step scales the error, measured in the direction
    the error actually points; Omega is zero when every step preserves it. A term whose
    $\delta_t$ is exactly zero has no direction and contributes nothing.

    The gradient treats `dH` as a constant, as Pascanu et al. do; the other dependences on the
    parameters are exact: ``W_h`` appears directly in $J_t^\top$, and $\phi'(a_t)$
    depends on ``W_x``, ``W_h`` and ``b`` through the forward pass (that part is backpropagated with
    `vg.rnn.backward`). For ``relu`` and ``identity``, $\phi'$ is piecewise constant, so only
    the direct term remains.

    Args:
        cache: the cache returned by `vg.rnn.forward` (states, parameters and activation).
        dH: (T, B, H) the total gradients $\partial L/\partial h_t$, held constant.

    Returns:
        ``(value, grads)``: Omega as a float, and its gradient with the keys and shapes of the
        cell's parameters (``W_x``, ``W_h``, ``b``).
    """
    c = analysis.check_cache(cache)
    Hs = c.Hs
    T, B, H = Hs.shape[0] - 1, Hs.shape[1], Hs.shape[2]
    dH = check_array("dH", dH, (T, B, H), dtype=Hs.dtype)
    W_h = c.params["W_h"]
    H_all = Hs[1:]
    S = activations.ACTIVATIONS[c.activation].grad(H_all)  # phi'(a_t), (T, B, H)

    # Normalise the errors first: the ratio does not depend on their size, and tiny or huge errors
    # (the very thing this regulariser is about) then cause no underflow or overflow.
    # Divide by the largest entry before squaring, so that even 1e-200 or 1e200 survive.
    biggest = np.max(np.abs(dH), axis=2, keepdims=True)
    live = biggest > 0
    N = np.divide(dH, biggest, out=np.zeros_like(dH), where=live)
    N /= np.where(live, np.sqrt(np.sum(N * N, axis=2, keepdims=True)), 1.0)
    U = S * N  # phi'(a_t) * delta_t / ||delta_t||
    V = U @ W_h  # rows are (W_h^T u)^T: the error after one backward step, (T, B, H)
    r = np.sqrt(np.sum(V * V, axis=2, keepdims=True))  # the ratios, (T, B, 1)
    value = float(np.sum(np.where(live, (r - 1.0) ** 2, 0.0)) / B)

    # dOmega/dv = 2 (r - 1) v / r (and 0 where r = 0, where the norm has no gradient), times 1/B.
    E = np.divide(2.0 * (r - 1.0) * V, r, out=np.zeros_like(V), where=(r > 0) & live) / B
    # v = W_h^T u: direct dependence on W_h, and on u = phi'(a_t) * n, which depends on h_t.
    dW_h_direct = np.einsum("tbi,tbj->ij", U, E)
    dS = (E @ W_h.T) * N  # dOmega/dphi'(a_t)
    dH_pen = dS * _DPHI_DH[c.activation](H_all)  # dOmega/dh_t through phi'(a_t) = g(h_t)
    grads, _, _ = rnn.backward(dH_pen, c)
    grads["W_h"] = grads["W_h"] + dW_h_direct
    return value, grads
