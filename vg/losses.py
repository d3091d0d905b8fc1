"""Loss functions, each returning the loss and its gradient.

Every loss here is a *mean*, so that its size (and the size of its gradient) does not change with
the batch size or the sequence length; the docstrings say exactly what the mean runs over. Each
function returns ``(loss, grad)`` because the backward pass starts from the loss's gradient: there
is nothing else to cache.
"""

from __future__ import annotations

import numpy as np

from vg._checks import check_array, check_class_targets

__all__ = ["mse", "softmax", "softmax_cross_entropy"]


def _mse(Y_pred: np.ndarray, Y: np.ndarray) -> tuple[float, np.ndarray]:
    diff = Y_pred - Y
    n = diff.size
    return float(np.sum(diff * diff) / n), (2.0 / n) * diff


def mse(Y_pred: np.ndarray, Y: np.ndarray, *, check: bool = True) -> tuple[float, np.ndarray]:
    """Mean squared error over all elements, and its gradient.

    ``loss = mean((Y_pred - Y) ** 2)`` where the mean runs over *every element* (examples, outputs
    and, for per-step targets, time steps), so ``dY_pred = 2 (Y_pred - Y) / N`` with ``N = Y.size``.

    Args:
        Y_pred: predictions of any shape, e.g. (B, O) for a last-step readout or (T, B, O) per step.
        Y: targets, the same shape as `Y_pred`.
        check: validate the arguments (shapes, finite values). `vg.train.fit` passes False: it
            validates once, and reports a non-finite prediction itself instead of refusing it.

    Returns:
        ``(loss, dY_pred)``: a Python float and dL/dY_pred with the shape of `Y_pred`.
    """
    if not check:
        return _mse(Y_pred, Y)
    ndim = np.ndim(Y_pred) if isinstance(Y_pred, (np.ndarray, list, tuple)) else 1
    Y_pred = check_array("Y_pred", Y_pred, [None] * ndim)
    Y = check_array("Y", Y, Y_pred.shape)
    return _mse(Y_pred, Y)


def softmax(Z: np.ndarray) -> np.ndarray:
    """Softmax along the last axis, computed stably.

    Subtracting each row's maximum before exponentiating changes nothing mathematically
    (softmax is invariant to adding a constant to all logits) but keeps every ``exp`` in [0, 1], so
    logits of 1e4 do not overflow.

    Args:
        Z: logits of shape (..., O), e.g. (B, O) or (T, B, O).

    Returns:
        Probabilities of the same shape; each slice along the last axis sums to 1.
    """
    ndim = np.ndim(Z) if isinstance(Z, (np.ndarray, list, tuple)) else 0
    Z = check_array("Z", Z, [None] * max(ndim, 1))
    return _softmax(Z)


def _softmax(Z: np.ndarray) -> np.ndarray:
    E = np.exp(Z - Z.max(axis=-1, keepdims=True))
    return E / E.sum(axis=-1, keepdims=True)


def _softmax_cross_entropy(Z: np.ndarray, targets: np.ndarray) -> tuple[float, np.ndarray]:
    O = Z.shape[-1]
    Z2 = Z.reshape(-1, O)
    t = targets.reshape(-1)
    n = Z2.shape[0]
    shifted = Z2 - Z2.max(axis=1, keepdims=True)
    # log-sum-exp on shifted logits: the largest term is exp(0) = 1, so the sum is in [1, O] and its
    # log is safe; log p = shifted - log(sum exp(shifted)) never forms exp of a large number.
    log_norm = np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    log_p = shifted - log_norm
    rows = np.arange(n)
    loss = -float(log_p[rows, t].sum()) / n
    # d(-log p_target)/dz = p - onehot(target); divided by n because the loss is a mean.
    dZ2 = np.exp(log_p)
    dZ2[rows, t] -= 1.0
    dZ2 /= n
    return loss, dZ2.reshape(Z.shape)


def softmax_cross_entropy(
    Z: np.ndarray, targets: np.ndarray, *, check: bool = True
) -> tuple[float, np.ndarray]:
    """Softmax cross-entropy with integer class targets, and its gradient.

    ``loss = mean_n( -log softmax(z_n)[y_n] )`` where the mean runs over *examples* (every position
    of `Z` but the last axis: the batch, and the time steps for per-step targets), so
    ``dZ = (softmax(Z) - onehot(targets)) / N`` with ``N = targets.size``. Computed with the
    log-sum-exp shift: finite for logits as large as ±1e4 (indeed for any logits whose
    differences are finite).

    Args:
        Z: logits of shape (..., O), e.g. (B, O) for a last-step readout or (T, B, O) per step.
        targets: integer class indices in [0, O) with the shape of `Z` without its last axis,
            e.g. (B,) or (T, B).
        check: validate the arguments, as for `mse`.

    Returns:
        ``(loss, dZ)``: a Python float and dL/dZ with the shape of `Z`.
    """
    if not check:
        return _softmax_cross_entropy(Z, targets)
    ndim = np.ndim(Z) if isinstance(Z, (np.ndarray, list, tuple)) else 0
    if ndim < 2:
        check_array("Z", Z, ("B", "O"))  # raises TypeError/ValueError naming Z
    Z = check_array("Z", Z, [None] * ndim)
    targets = check_class_targets(targets, Z.shape[:-1], Z.shape[-1])
    return _softmax_cross_entropy(Z, targets)
