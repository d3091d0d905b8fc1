"""The GRU's fast sequence forward and backward (BPTT, optionally truncated).

The equations, and the readable one-step versions, are in `vg.gru`; this is the same computation
arranged for speed (see `vg._fast`): the input weights stacked (z, r, h) for one input projection per
chunk of steps, the two gates' recurrent weights stacked (``W_hzr``) for one product per step.
Arguments are validated by `vg.gru.forward`/`backward`.
"""

from __future__ import annotations

import numpy as np

from vg._fast import accumulate, chunk_length, inplace_kernel, projection_length

__all__ = ["backward", "forward"]


def forward(
    X: np.ndarray,
    params: dict[str, np.ndarray],
    h0: np.ndarray | None,
    *,
    chunk: int | None = None,
    exp_kernels: bool | None = None,
) -> tuple[np.ndarray, ...]:
    """``(Hs, gates, RH, W_x, W_hzr, W_hh)``: states (T + 1, B, H) from ``h_0`` (zeros if `h0` is
    None), gate values (T, B, 3H) in the blocks z, r, h_tilde, ``r_t * h_{t-1}`` (T, B, H), and the
    stacked weights (3H, D), (2H, H) and ``W_hh`` (H, H).

    `chunk`: steps whose input projections are computed in one product (None: `vg._fast.projection_length`'s
    choice).
    `exp_kernels`: the candidate's tanh through exp (True), np.tanh (False) or by size (None).
    """
    T, B, D = X.shape
    H = params["W_hh"].shape[0]
    dt = X.dtype
    W_x = np.concatenate([params["W_xz"], params["W_xr"], params["W_xh"]])  # (3H, D)
    b = np.concatenate([params["b_z"], params["b_r"], params["b_h"]])
    W_hzr = np.concatenate([params["W_hz"], params["W_hr"]])  # (2H, H)
    W_hh = params["W_hh"]
    # Nonlinearities through exp (see vg._fast.inplace_kernel): the gate rows are negated,
    # sigmoid(a) = 1 / (1 + exp(-a)); the candidate's rows (and W_hh) are scaled for the tanh kernel.
    # Both are exact rescalings folded into the weights.
    h_scale, tanh_kernel = inplace_kernel("tanh", B * H, exp_kernels)
    scale = np.full((3 * H, 1), -1.0, dtype=dt)
    scale[2 * H :] = h_scale
    W_hzrT_s = (-W_hzr).T
    W_hhT_s = (W_hh * h_scale).T

    W_x_sT, b_s = (W_x * scale).T, b * scale[:, 0]
    gates = np.empty((T, B, 3 * H), dtype=dt)
    Hs = np.empty((T + 1, B, H), dtype=dt)
    Hs[0] = 0.0 if h0 is None else h0
    RH = np.empty((T, B, H), dtype=dt)
    # Per-step views, made once: a list lookup is cheaper than slicing inside the loop.
    zr = list(gates[:, :, : 2 * H])
    z, r, h_tilde = (list(gates[:, :, k * H : (k + 1) * H]) for k in range(3))
    h_t, rh_t = list(Hs), list(RH)
    rec_zr = np.empty((B, 2 * H), dtype=dt)
    rec = np.empty((B, H), dtype=dt)
    C = projection_length(T, B * 3 * H * X.itemsize, chunk)
    # Positional `out`, 0-d constants of the right dtype and local names: for batch-1 networks
    # NumPy's per-call overhead is the cost, and this form has the least of it.
    dot, add, sub, mul, exp, recip, tanh = np.dot, np.add, np.subtract, np.multiply, np.exp, np.reciprocal, np.tanh
    copy, one = np.copyto, np.array(1.0, dtype=dt)
    with np.errstate(over="ignore"):  # exp overflowing to inf gives the right limits
        for start in range(0, T, C):
            stop = min(T, start + C)
            n = stop - start
            # Input projections of the chunk's steps in one matrix product.
            Z = gates[start:stop]
            np.dot(X[start:stop].reshape(n * B, D), W_x_sT, out=Z.reshape(n * B, 3 * H))
            Z += b_s
            # Each step works in the contiguous scratch buffers rec_zr and rec and writes its results
            # into the strided gate views once: ufuncs on those (B, H) views of (B, 3H) rows are
            # markedly slower than on contiguous buffers (measured: the forward pass 10% faster).
            for t in range(start, stop):
                g = zr[t]
                dot(h_t[t], W_hzrT_s, rec_zr)
                add(rec_zr, g, rec_zr)
                exp(rec_zr, rec_zr)
                add(rec_zr, one, rec_zr)
                recip(rec_zr, g)  # z, r = sigmoid(...)
                mul(r[t], h_t[t], rh_t[t])
                a = h_tilde[t]
                dot(rh_t[t], W_hhT_s, rec)
                add(rec, a, rec)
                if h_scale == 1.0:
                    tanh(rec, a)  # h_tilde
                    ht = a
                else:
                    tanh_kernel(rec)
                    copy(a, rec)
                    ht = rec  # the contiguous copy
                h = h_t[t + 1]  # h = z * h_prev + (1 - z) * h_tilde = h_tilde + z * (h_prev - h_tilde)
                sub(h_t[t], ht, h)
                mul(h, z[t], h)
                add(h, ht, h)
    return Hs, gates, RH, W_x, W_hzr, W_hh


def backward(
    dH_all: np.ndarray,
    X: np.ndarray,
    Hs: np.ndarray,
    gates: np.ndarray,
    RH: np.ndarray,
    W_x: np.ndarray,
    W_hzr: np.ndarray,
    W_hh: np.ndarray,
    truncate: int | None,
    *,
    chunk: int | None = None,
) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray]:
    """``(grads, dX, dh0)`` from what `forward` returned; `truncate` is None or the window k >= 1
    (see `vg.gru.backward`), `chunk` the steps per chunk (None: `vg._fast.chunk_length`'s choice)."""
    T, B, D = X.shape
    H = Hs.shape[2]
    dt = X.dtype
    S, reset = (1, False) if truncate is None or truncate >= T else (truncate, True)

    z, r, h_tilde = (gates[:, :, k_ * H : (k_ + 1) * H] for k_ in range(3))
    # The running gradient: one (B, H) array for full BPTT; S "slots" (S, B, H) for truncation, slot
    # t % S carrying the error injected at step t. (2-D when S = 1 because NumPy's per-call overhead
    # is about twice as high for 3-D broadcasting, and small networks feel it.)
    state_shape = (S, B, H) if reset else (B, H)
    dh = np.zeros(state_shape, dtype=dt)
    dh_2d = dh.reshape(-1, H)
    drh = np.empty(state_shape, dtype=dt)
    drh_2d = drh.reshape(-1, H)
    tmp = np.empty((S * B, H), dtype=dt)
    if reset:
        dz_buf = np.empty((S, B, 3 * H), dtype=dt)
    C = chunk_length(T, B, B * 3 * H * X.itemsize, chunk)
    # The three factors in separate contiguous blocks (not interleaved per row like the gates): the
    # per-step ufuncs then read contiguous (B, H) arrays (measured: the backward pass 7% faster).
    P_buf = np.empty((3, C, B, H), dtype=dt)
    tmp_c = np.empty((C, B, H), dtype=dt)
    dZ_buf = np.empty((C, B, 3 * H), dtype=dt)
    acc: dict[str, np.ndarray] = {}
    dX = np.empty_like(X)
    for stop in range(T, 0, -C):  # chunks of steps [start, stop), latest first
        start = max(0, stop - C)
        n = stop - start
        sl = slice(start, stop)
        H_prev = Hs[sl]
        # Factors independent of the incoming gradient, for the chunk's steps at once:
        # dz_z = dh * Pz with Pz = (h_prev - h_tilde) * z(1-z);
        # da_h = dh * Ph with Ph = (1-z) * (1 - h_tilde^2);  d(r*h_prev) = da_h @ W_hh;
        # dz_r = d(r*h_prev) * Pr with Pr = h_prev * r(1-r);
        # dh_prev = dh * z + d(r*h_prev) * r + [dz_z, dz_r] @ [W_hz; W_hr].
        dZ, t_c = dZ_buf[:n], tmp_c[:n]
        Pz, Pr, Ph = (P_buf[k_, :n] for k_ in range(3))
        np.subtract(1.0, z[sl], out=Pz)
        Pz *= z[sl]
        np.subtract(H_prev, h_tilde[sl], out=t_c)
        Pz *= t_c
        np.subtract(1.0, r[sl], out=Pr)
        Pr *= r[sl]
        Pr *= H_prev
        np.multiply(h_tilde[sl], h_tilde[sl], out=Ph)
        np.subtract(1.0, Ph, out=Ph)
        np.subtract(1.0, z[sl], out=t_c)
        Ph *= t_c
        # Where each step's dz goes: straight into dZ[j] for full BPTT; for truncation into a buffer
        # whose S slots are then summed into dZ[j]. Per-step views made once: list lookups are
        # cheaper than slicing inside the loop.
        if reset:
            dz4, dz2 = dz_buf.reshape(S, B, 3, H), dz_buf.reshape(S * B, 3 * H)
            dzz_t, dzr_t, dzh_t = ([dz4[:, :, k_]] * n for k_ in range(3))
            dzh2_t, dzzr2_t = [dz2[:, 2 * H :]] * n, [dz2[:, : 2 * H]] * n
        else:  # list(view) makes the per-step views in C, faster than a comprehension
            dZ4 = dZ.reshape(n, B, 3, H)
            dzz_t, dzr_t, dzh_t = (list(dZ4[:, :, k_]) for k_ in range(3))
            dzh2_t, dzzr2_t = list(dZ[:, :, 2 * H :]), list(dZ[:, :, : 2 * H])
        dH_t, dZ_t, z_t, r_t = list(dH_all[sl]), list(dZ), list(z[sl]), list(r[sl])
        Pz_t, Pr_t, Ph_t = list(Pz), list(Pr), list(Ph)
        dot, add, mul = np.dot, np.add, np.multiply  # positional `out`: least per-call overhead
        for j in range(n - 1, -1, -1):  # step t = start + j
            if reset:  # the error injected at t + S has travelled its S steps: replace it
                dh[(start + j) % S] = dH_t[j]
            else:
                add(dh, dH_t[j], dh)  # dh = dH_all[t] + dh_next
            mul(dh, Pz_t[j], dzz_t[j])  # dz_z
            mul(dh, Ph_t[j], dzh_t[j])  # da_h
            dot(dzh2_t[j], W_hh, drh_2d)  # d(r * h_prev)
            mul(drh, Pr_t[j], dzr_t[j])  # dz_r
            mul(dh, z_t[j], dh)
            mul(drh, r_t[j], drh)
            add(dh, drh, dh)
            dot(dzzr2_t[j], W_hzr, tmp)
            add(dh_2d, tmp, dh_2d)  # dh_next for step t - 1
            if reset:
                dz_buf.sum(axis=0, out=dZ_t[j])
        # The chunk's weight gradients, summed over its steps and the batch in one product each.
        dZ_2d = dZ.reshape(n * B, 3 * H)
        accumulate(acc, "W_x", dZ_2d.T @ X[sl].reshape(n * B, D))
        accumulate(acc, "W_hzr", dZ_2d[:, : 2 * H].T @ H_prev.reshape(n * B, H))
        accumulate(acc, "W_hh", dZ_2d[:, 2 * H :].T @ RH[sl].reshape(n * B, H))
        accumulate(acc, "b", dZ_2d.sum(axis=0))
        np.dot(dZ_2d, W_x, out=dX[sl].reshape(n * B, D))
    dW_x, dW_hzr, db = acc["W_x"], acc["W_hzr"], acc["b"]
    grads = {
        "W_xz": dW_x[:H],
        "W_hz": dW_hzr[:H],
        "b_z": db[:H],
        "W_xr": dW_x[H : 2 * H],
        "W_hr": dW_hzr[H:],
        "b_r": db[H : 2 * H],
        "W_xh": dW_x[2 * H :],
        "W_hh": acc["W_hh"],
        "b_h": db[2 * H :],
    }
    return grads, dX, (dh.sum(axis=0) if reset else dh)

