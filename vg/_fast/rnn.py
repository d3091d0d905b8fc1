"""The vanilla RNN's fast sequence forward and backward (BPTT, optionally truncated).

The equations, and the readable one-step versions, are in `vg.rnn`; this is the same computation
arranged for speed (see `vg._fast`). Arguments are validated by `vg.rnn.forward`/`backward`.
"""

from __future__ import annotations

import numpy as np

from vg import activations
from vg._fast import accumulate, chunk_length, inplace_kernel, projection_length

__all__ = ["backward", "forward"]


def forward(
    X: np.ndarray,
    params: dict[str, np.ndarray],
    h0: np.ndarray | None,
    activation: str,
    *,
    chunk: int | None = None,
    exp_kernels: bool | None = None,
) -> np.ndarray:
    """``Hs`` (T + 1, B, H): ``h_0`` (zeros if `h0` is None) then the T states.

    `chunk`: steps whose input projections are computed in one product (None: `vg._fast.projection_length`'s
    choice).
    `exp_kernels`: apply tanh through exp (True), np.tanh (False) or by size (None).
    """
    T, B, D = X.shape
    H = params["W_h"].shape[0]
    # The in-place kernel may want the pre-activation times a factor (2 for tanh, -1 for sigmoid,
    # see vg._fast.inplace_kernel): fold it into the weights once (exact: a power of two or -1).
    s, kernel = inplace_kernel(activation, B * H, exp_kernels)
    W_x, W_hT, b = params["W_x"] * s, params["W_h"].T * s, params["b"] * s

    Hs = np.empty((T + 1, B, H), dtype=X.dtype)
    Hs[0] = 0.0 if h0 is None else h0
    rec = np.empty((B, H), dtype=X.dtype)
    h_views = list(Hs)  # per-step views made once (indexing inside the loop costs more than a list)
    C = projection_length(T, B * H * X.itemsize, chunk)
    with np.errstate(over="ignore"):  # exp overflowing to inf in the kernel gives the right limit
        for start in range(0, T, C):
            stop = min(T, start + C)
            n = stop - start
            # Input projections of the chunk's steps in one matrix product, written straight into
            # the state buffer; the loop then only adds the recurrent term and applies phi in place.
            A = Hs[start + 1 : stop + 1]
            np.dot(X[start:stop].reshape(n * B, D), W_x.T, out=A.reshape(n * B, H))
            A += b
            # (np.dot and ufuncs with a positional `out`, bound to locals: for batch-1 networks the
            # per-call overhead is the cost, and this form has the least of it.)
            dot, add = np.dot, np.add
            for t in range(start, stop):
                a = h_views[t + 1]
                dot(h_views[t], W_hT, rec)
                add(a, rec, a)
                kernel(a)  # h = phi(a)
    return Hs


def backward(
    dH_all: np.ndarray,
    X: np.ndarray,
    Hs: np.ndarray,
    params: dict[str, np.ndarray],
    activation: str,
    truncate: int | None,
    *,
    chunk: int | None = None,
) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray]:
    """``(grads, dX, dh0)``; `truncate` is None or the window k >= 1 (see `vg.rnn.backward`), `chunk`
    the steps per chunk (None: `vg._fast.chunk_length`'s choice)."""
    T, B, D = X.shape
    H = Hs.shape[2]
    S, reset = (1, False) if truncate is None or truncate >= T else (truncate, True)
    W_h, W_x = params["W_h"], params["W_x"]
    phi_grad = activations.ACTIVATIONS[activation].grad
    dt = X.dtype
    # The running gradient dh_next: one (B, H) array for full BPTT; for truncation S "slots"
    # (S, B, H), slot t % S carrying the error injected at step t back through its window.
    state_shape = (S, B, H) if reset else (B, H)
    dh_next = np.zeros(state_shape, dtype=dt)
    dh_next_2d = dh_next.reshape(-1, H)
    if reset:
        da_slots = np.empty((S, B, H), dtype=dt)
        da_slots_2d = da_slots.reshape(S * B, H)
    C = chunk_length(T, B, B * H * X.itemsize, chunk)
    dA_buf = np.empty((C, B, H), dtype=dt)
    grads: dict[str, np.ndarray] = {}
    dX = np.empty_like(X)
    for stop in range(T, 0, -C):  # chunks of steps [start, stop), latest first
        start = max(0, stop - C)
        n = stop - start
        dA = dA_buf[:n]
        # phi'(a_t) for the chunk's steps at once, from the stored outputs h_t = Hs[t + 1].
        Dphi = phi_grad(Hs[start + 1 : stop + 1])
        # Per-step views made once: list lookups are cheaper than slicing inside the loop.
        dA_t, dH_t, Dphi_t = list(dA), list(dH_all[start:stop]), list(Dphi)
        dot, add, mul = np.dot, np.add, np.multiply  # positional `out`: least per-call overhead
        for j in range(n - 1, -1, -1):  # step t = start + j
            if reset:  # the error injected at t + S has travelled its S steps: replace it
                dh_next[(start + j) % S] = dH_t[j]
                mul(dh_next, Dphi_t[j], da_slots)
                da_slots.sum(axis=0, out=dA_t[j])
                dot(da_slots_2d, W_h, dh_next_2d)
            else:
                dh = dh_next
                add(dh, dH_t[j], dh)  # dh = dH_all[t] + dh_next
                da = dA_t[j]
                mul(dh, Dphi_t[j], da)
                dot(da, W_h, dh)  # becomes dh_next for step t - 1
        # The chunk's weight gradients, summed over its steps and the batch in one product each.
        dA_2d = dA.reshape(n * B, H)
        accumulate(grads, "W_x", dA_2d.T @ X[start:stop].reshape(n * B, D))
        accumulate(grads, "W_h", dA_2d.T @ Hs[start:stop].reshape(n * B, H))
        accumulate(grads, "b", dA_2d.sum(axis=0))
        np.dot(dA_2d, W_x, out=dX[start:stop].reshape(n * B, D))
    grads = {name: grads[name] for name in ("W_x", "W_h", "b")}
    dh0 = dh_next.sum(axis=0) if reset else dh_next
    return grads, dX, dh0
