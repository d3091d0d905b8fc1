"""The LSTM's fast sequence forward and backward (BPTT, optionally truncated).

The equations, and the readable one-step versions, are in `vg.lstm`; this is the same computation
arranged for speed (see `vg._fast`). The four gates are stacked into one matrix (rows in the order
`ORDER` = o, i, f, c: the three sigmoid gates contiguous, and the three gates that multiply dc in the
backward pass contiguous too) so that each time step needs one matrix product. Arguments are
validated by `vg.lstm.forward`/`backward`.
"""

from __future__ import annotations

import numpy as np

from vg._fast import accumulate, chunk_length, inplace_kernel, projection_length, use_exp_kernels

__all__ = ["GATES", "ORDER", "backward", "forward"]

GATES = ("i", "f", "o", "c")  # the order of the parameter names
ORDER = ("o", "i", "f", "c")  # the stacking order


def forward(
    X: np.ndarray,
    params: dict[str, np.ndarray],
    h0: np.ndarray,
    c0: np.ndarray,
    *,
    chunk: int | None = None,
    exp_kernels: bool | None = None,
) -> tuple[np.ndarray, ...]:
    """``(Hs, Cs, gates, tanh_c, W_x, W_h)``: states (T + 1, B, H) from ``h_0``, cell states likewise,
    gate values (T, B, 4H) and ``tanh(c_t)`` (T, B, H), and the stacked weights (4H, D), (4H, H).

    `chunk`: steps whose input projections are computed in one product (None: `vg._fast.projection_length`'s
    choice).
    `exp_kernels`: gate nonlinearities through exp (True), np.tanh (False) or by size (None).
    """
    T, B, D = X.shape
    H = params["W_hi"].shape[0]
    dt = X.dtype
    W_x = np.concatenate([params[f"W_x{g}"] for g in ORDER])  # (4H, D)
    W_h = np.concatenate([params[f"W_h{g}"] for g in ORDER])  # (4H, H)
    b = np.concatenate([params[f"b_{g}"] for g in ORDER])
    # Gate nonlinearities, applied in place with one call for all four gates. Large batches go through
    # exp (see vg._fast.inplace_kernel): sigmoid rows negated, sigmoid(a) = 1 / (1 + exp(-a)),
    # candidate rows doubled, tanh(a) = 1 - 2 / (1 + exp(2a)). Small ones go through np.tanh, which
    # is then cheaper: sigmoid rows halved, sigmoid(a) = 0.5 * tanh(a / 2) + 0.5. Either way the
    # rescaling is exact and folded into the weights.
    use_exp = use_exp_kernels(B * 4 * H, exp_kernels)
    scale = np.full((4 * H, 1), -1.0 if use_exp else 0.5, dtype=dt)
    scale[3 * H :] = 2.0 if use_exp else 1.0
    W_x_s, W_hT_s, b_s = W_x * scale, (W_h * scale).T, b * scale[:, 0]
    tc_scale, tanh_kernel = inplace_kernel("tanh", B * H, exp_kernels)

    gates = np.empty((T, B, 4 * H), dtype=dt)
    Hs = np.empty((T + 1, B, H), dtype=dt)
    Cs = np.empty((T + 1, B, H), dtype=dt)
    tanh_c = np.empty((T, B, H), dtype=dt)
    Hs[0], Cs[0] = h0, c0
    # Per-step views, made once: a list lookup is cheaper than slicing inside the loop, which
    # matters for small networks where the loop's Python overhead dominates.
    o, i, f, c_tilde = (list(gates[:, :, k * H : (k + 1) * H]) for k in range(4))
    sig = list(gates[:, :, : 3 * H])
    z_t, h_t, c_t, tc_t = list(gates), list(Hs), list(Cs), list(tanh_c)
    rec = np.empty((B, 4 * H), dtype=dt)
    tmp = np.empty((B, H), dtype=dt)
    C = projection_length(T, B * 4 * H * X.itemsize, chunk)
    # Positional `out`, 0-d constants of the right dtype and local names: for batch-1 networks
    # NumPy's per-call overhead is the cost, and this form has the least of it.
    dot, add, mul, exp, recip, div, tanh = np.dot, np.add, np.multiply, np.exp, np.reciprocal, np.divide, np.tanh
    half, one, minus_two, tc_s = (np.array(v, dtype=dt) for v in (0.5, 1.0, -2.0, tc_scale))
    with np.errstate(over="ignore"):  # exp overflowing to inf gives the right limits
        for start in range(0, T, C):
            stop = min(T, start + C)
            n = stop - start
            # Input projections of the chunk's steps in one matrix product (the working set stays
            # in cache for the steps that follow).
            Z = gates[start:stop]
            np.dot(X[start:stop].reshape(n * B, D), W_x_s.T, out=Z.reshape(n * B, 4 * H))
            Z += b_s
            for t in range(start, stop):
                z = z_t[t]
                dot(h_t[t], W_hT_s, rec)
                add(z, rec, z)
                ct, s = c_tilde[t], sig[t]
                if use_exp:
                    exp(z, z)
                    add(z, one, z)
                    recip(s, s)  # o, i, f
                    div(minus_two, ct, ct)
                    add(ct, one, ct)  # c_tilde
                else:
                    tanh(z, z)  # c_tilde, and tanh(a / 2) for o, i, f
                    mul(s, half, s)
                    add(s, half, s)
                c = c_t[t + 1]
                mul(f[t], c_t[t], c)  # c = f * c_prev + i * c_tilde
                mul(i[t], ct, tmp)
                add(c, tmp, c)
                tc = tc_t[t]
                if tc_scale == 1.0:
                    tanh(c, tc)
                else:
                    mul(c, tc_s, tc)
                    tanh_kernel(tc)
                mul(o[t], tc, h_t[t + 1])  # h = o * tanh(c)
    return Hs, Cs, gates, tanh_c, W_x, W_h


def backward(
    dH_all: np.ndarray,
    X: np.ndarray,
    Hs: np.ndarray,
    Cs: np.ndarray,
    gates: np.ndarray,
    tanh_c: np.ndarray,
    W_x: np.ndarray,
    W_h: np.ndarray,
    truncate: int | None,
    *,
    chunk: int | None = None,
) -> tuple[dict[str, np.ndarray], np.ndarray, tuple[np.ndarray, np.ndarray]]:
    """``(grads, dX, (dh0, dc0))`` from what `forward` returned; `truncate` is None or the window
    k >= 1 (see `vg.lstm.backward`), `chunk` the steps per chunk (None: `vg._fast.chunk_length`'s choice)."""
    T, B, D = X.shape
    H = Hs.shape[2]
    dt = X.dtype
    S, reset = (1, False) if truncate is None or truncate >= T else (truncate, True)

    o, i, f, c_tilde = (gates[:, :, k_ * H : (k_ + 1) * H] for k_ in range(4))
    # The running gradients: one (B, H) array each for full BPTT; S "slots" (S, B, H) for
    # truncation, slot t % S carrying the error injected at step t. (2-D arrays when S = 1 because
    # NumPy's per-call overhead is about twice as high for 3-D broadcasting; small networks feel it.)
    state_shape = (S, B, H) if reset else (B, H)
    dh = np.zeros(state_shape, dtype=dt)
    dc = np.zeros(state_shape, dtype=dt)
    dh_2d = dh.reshape(-1, H)
    dc_b = dc[..., None, :]
    tmp = np.empty(state_shape, dtype=dt)
    if reset:
        dz_buf = np.empty((S, B, 4 * H), dtype=dt)
    C = chunk_length(T, B, B * 4 * H * X.itemsize, chunk)
    P_buf = np.empty((C, B, 4, H), dtype=dt)
    R_buf = np.empty((C, B, H), dtype=dt)
    dZ_buf = np.empty((C, B, 4 * H), dtype=dt)
    acc: dict[str, np.ndarray] = {}
    dX = np.empty_like(X)
    for stop in range(T, 0, -C):  # chunks of steps [start, stop), latest first
        start = max(0, stop - C)
        n = stop - start
        sl = slice(start, stop)
        # Every factor that does not depend on the incoming gradient, for the chunk's steps at once:
        # dz_o = dh * tanh(c) * o(1-o);  dc += dh * R with R = o * (1 - tanh(c)^2);
        # dz_i = dc * c_tilde * i(1-i);  dz_f = dc * c_prev * f(1-f);  dz_c = dc * i * (1 - c_tilde^2).
        P, R, dZ = P_buf[:n], R_buf[:n], dZ_buf[:n]
        Po, Pi, Pf, Pc = (P[:, :, k_] for k_ in range(4))
        np.subtract(1.0, o[sl], out=Po)
        Po *= o[sl]
        Po *= tanh_c[sl]
        np.subtract(1.0, i[sl], out=Pi)
        Pi *= i[sl]
        Pi *= c_tilde[sl]
        np.subtract(1.0, f[sl], out=Pf)
        Pf *= f[sl]
        Pf *= Cs[sl]
        np.multiply(c_tilde[sl], c_tilde[sl], out=Pc)
        np.subtract(1.0, Pc, out=Pc)
        Pc *= i[sl]
        np.multiply(tanh_c[sl], tanh_c[sl], out=R)
        np.subtract(1.0, R, out=R)
        R *= o[sl]
        # Where each step's dz goes: straight into dZ[j] for full BPTT; for truncation into a buffer
        # whose S slots are then summed into dZ[j]. Per-step views made once: list lookups are
        # cheaper than slicing inside the loop.
        if reset:
            dz4 = dz_buf.reshape(S, B, 4, H)
            dzo_t, dzifc_t = [dz4[:, :, 0]] * n, [dz4[:, :, 1:]] * n
            dz2_t = [dz_buf.reshape(S * B, 4 * H)] * n
        else:  # list(view) makes the per-step views in C, faster than a comprehension
            dZ4 = dZ.reshape(n, B, 4, H)
            dzo_t, dzifc_t, dz2_t = list(dZ4[:, :, 0]), list(dZ4[:, :, 1:]), list(dZ)
        dH_t, dZ_t, f_t, R_t = list(dH_all[sl]), list(dZ), list(f[sl]), list(R)
        Po_t, Pifc_t = list(Po), list(P[:, :, 1:])
        dot, add, mul = np.dot, np.add, np.multiply  # positional `out`: least per-call overhead
        for j in range(n - 1, -1, -1):  # step t = start + j
            if reset:  # the error injected at t + S has travelled its S steps: replace it
                dh[(start + j) % S] = dH_t[j]
                dc[(start + j) % S] = 0.0
            else:
                add(dh, dH_t[j], dh)  # dh = dH_all[t] + dh_next
            mul(dh, Po_t[j], dzo_t[j])
            mul(dh, R_t[j], tmp)
            add(dc, tmp, dc)
            mul(dc_b, Pifc_t[j], dzifc_t[j])
            mul(dc, f_t[j], dc)  # dc_next for step t - 1
            if reset:
                dz_buf.sum(axis=0, out=dZ_t[j])
            dot(dz2_t[j], W_h, dh_2d)  # dh_next for step t - 1
        # The chunk's weight gradients, summed over its steps and the batch in one product each.
        dZ_2d = dZ.reshape(n * B, 4 * H)
        accumulate(acc, "W_x", dZ_2d.T @ X[sl].reshape(n * B, D))
        accumulate(acc, "W_h", dZ_2d.T @ Hs[sl].reshape(n * B, H))
        accumulate(acc, "b", dZ_2d.sum(axis=0))
        np.dot(dZ_2d, W_x, out=dX[sl].reshape(n * B, D))
    dW_x, dW_h, db = acc["W_x"], acc["W_h"], acc["b"]
    grads = {}
    for g in GATES:  # split the stacked gradients (block j of ORDER holds rows j*H:(j+1)*H)
        j = ORDER.index(g)
        grads[f"W_x{g}"] = dW_x[j * H : (j + 1) * H]
        grads[f"W_h{g}"] = dW_h[j * H : (j + 1) * H]
        grads[f"b_{g}"] = db[j * H : (j + 1) * H]
    if reset:
        dh, dc = dh.sum(axis=0), dc.sum(axis=0)
    return grads, dX, (dh, dc)

