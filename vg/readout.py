"""Linear readout: the output layer that turns hidden states into predictions.

In the maths (column vectors) the readout at step t is

    z_t = W_y h_t + b_y,

with `W_y` of shape (O, H) and `b_y` of shape (O,). In batched code a hidden state is a row per
example, so the same equation reads ``Z = H @ W_y.T + b_y``.

The readout can be applied to every step of a sequence, ``H_all`` of shape (T, B, H), or to a single
step, usually the last one, ``H_all[-1]`` of shape (B, H): the synthetic tasks in `vg.tasks` score
only the final step, so their loss depends on ``h_T`` alone and every gradient reaching earlier
steps has to travel back through the recurrence. That is exactly the path along which gradients
vanish or explode.
"""

from __future__ import annotations

import numpy as np

from vg._checks import check_array, check_params, check_positive, check_rng, check_size

__all__ = ["backward", "forward", "init"]


def _param_shapes(hidden_size: int | str = "H", output_size: int | str = "O") -> dict:
    return {"W_y": (output_size, hidden_size), "b_y": (output_size,)}


def init(
    hidden_size: int, output_size: int, rng: np.random.Generator, *, scale: float | None = None
) -> dict[str, np.ndarray]:
    """Create readout parameters.

    `W_y` is drawn from a Gaussian with standard deviation ``scale`` (default ``1 / sqrt(H)``, so
    that each output has roughly the size of one hidden unit when the hidden units are of order 1),
    `b_y` is zero.

    Args:
        hidden_size: H, the size of the hidden state read from.
        output_size: O, the number of outputs.
        rng: the random generator (never NumPy's global state).
        scale: standard deviation of the entries of `W_y`; default ``1 / sqrt(H)``.

    Returns:
        ``{"W_y": (O, H), "b_y": (O,)}``, float64.
    """
    H = check_size("hidden_size", hidden_size)
    O = check_size("output_size", output_size)
    rng = check_rng("rng", rng)
    if scale is None:
        scale = 1.0 / np.sqrt(H)
    else:
        scale = check_positive("scale", scale)
    return {"W_y": scale * rng.standard_normal((O, H)), "b_y": np.zeros(O)}


def forward(H_all: np.ndarray, params: dict[str, np.ndarray], *, check: bool = True) -> tuple[np.ndarray, dict]:
    """Apply the readout ``z_t = W_y h_t + b_y`` to every hidden state given.

    Args:
        H_all: hidden states, either a whole sequence (T, B, H) or one step (B, H) (e.g.
            ``H_all[-1]`` for a task scored at the last step only).
        params: ``{"W_y": (O, H), "b_y": (O,)}``.
        check: validate the arguments (shapes, finite values). `vg.train.fit` passes False: it
            validates once, and reports non-finite hidden states itself instead of refusing them.

    Returns:
        ``(Z, cache)``: outputs ``Z`` of shape (T, B, O) or (B, O), matching `H_all`, and the cache
        that `backward` needs.
    """
    if check:
        H_all, params = _checked(H_all, params)
    Z = H_all @ params["W_y"].T + params["b_y"]
    return Z, {"H_all": H_all, "W_y": params["W_y"]}


def _checked(H_all: object, params: object) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    dims: dict[str, int] = {}
    p = check_params("params", params, _param_shapes(), dims=dims)
    ndim = np.ndim(H_all) if not isinstance(H_all, (str, bytes, dict)) and H_all is not None else 0
    if ndim not in (2, 3):
        check_array("H_all", H_all, ("B", "H"))  # raises TypeError for non-arrays
        raise ValueError(f"H_all must have shape (T, B, H) or (B, H), got {np.shape(H_all)}")
    shape = ("T", "B", "H") if ndim == 3 else ("B", "H")
    return check_array("H_all", H_all, shape, dims=dims), p


def _backward(dZ: np.ndarray, cache: dict) -> tuple[dict[str, np.ndarray], np.ndarray]:
    H_all, W_y = cache["H_all"], cache["W_y"]
    H = H_all.shape[-1]
    O = W_y.shape[0]
    # Every step and every example uses the same W_y, so its gradient is a sum over all of them:
    # dW_y = sum_t sum_b dz_t h_t^T (flattening (T, B) into one axis makes that a single matmul).
    dZ2 = dZ.reshape(-1, O)
    grads = {"W_y": dZ2.T @ H_all.reshape(-1, H), "b_y": dZ2.sum(axis=0)}
    dH = dZ @ W_y  # dL/dh_t = W_y^T dL/dz_t, as rows
    return grads, dH


def backward(dZ: np.ndarray, cache: dict) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Backward pass of `forward`.

    Args:
        dZ: dL/dZ, the same shape as the ``Z`` returned by `forward`: (T, B, O) or (B, O).
        cache: the cache returned by `forward`.

    Returns:
        ``(grads, dH)``: ``grads = {"W_y": (O, H), "b_y": (O,)}`` and ``dH = dL/dH_all`` with the
        shape of `H_all`. For a last-step readout, put ``dH`` into ``dH_all[-1]`` of a zero (T, B,
        H) array before calling a cell's backward.
    """
    if not isinstance(cache, dict) or "H_all" not in cache or "W_y" not in cache:
        raise TypeError("cache must be the cache dict returned by vg.readout.forward")
    H_all, W_y = cache["H_all"], cache["W_y"]
    shape = (*H_all.shape[:-1], W_y.shape[0])
    names = ("T", "B", "O") if H_all.ndim == 3 else ("B", "O")
    dims = dict(zip(names, shape, strict=True))
    dZ = check_array("dZ", dZ, names, dims=dims)
    return _backward(dZ, cache)
