"""The cliff: a one-unit recurrent network with a wall in its loss surface (Pascanu et al. 2013).

Pascanu, Mikolov & Bengio (2013), "On the difficulty of training recurrent neural networks", section
2.3 and figure 6, study the smallest recurrent network there is, one unit and no input (the state is
written x_t, as in the paper; elsewhere in vg states are h_t and x_t are inputs):

    x_t = w * sigmoid(x_{t-1}) + b,        t = 1, ..., T,    x_0 = 0.5,

run for T = 50 steps and scored by L(w, b) = (sigmoid(x_T) - 0.7)**2. For w > 4 the map
x -> w sigmoid(x) + b can have two stable fixed points with an unstable one between them. Which
stable point x_T ends near depends on which side of the unstable point x_0 lies, and that flips as
(w, b) cross a curve in the plane: across it x_T, and with it the loss, jumps. The surface has a
*cliff*. (The unstable fixed point is the boundary between the two basins of attraction; that
crossing a basin boundary makes the gradient explode is the paper's section 2.2.) Close to the cliff
x_0 sits near the unstable fixed point, where every step multiplies a perturbation by
w sigmoid'(x*) > 1, so after 50 steps x_T is extremely sensitive to w and b and the gradient is huge.
Gradient descent that steps onto the wall is thrown far away; clipping the gradient's norm (the
remedies chapter) keeps the step sane.

We keep their x_0 = 0.5, T = 50 and target 0.7. `surface` is vectorised over the grid and
`loss_and_grad` is backpropagation through time for this model, written out by hand and checked
against finite differences in the tests.
"""

from __future__ import annotations

import numbers

import numpy as np

from vg._checks import check_array, check_positive, check_size
from vg.activations import sigmoid

__all__ = ["descend", "loss", "loss_and_grad", "surface"]

#: x_0 used by Pascanu et al. (2013); it lies between the two basins for the (w, b) of interest.
X0 = 0.5
TARGET = 0.7
T_DEFAULT = 50


def _real(name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {value!r} ({type(value).__name__})")
    value = float(value)
    if not np.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}")
    return value


def _check_common(T: object, x0: object, target: object) -> tuple[int, float, float]:
    return check_size("T", T), _real("x0", x0), _real("target", target)


def _forward(w: np.ndarray, b: np.ndarray, T: int, x0: float) -> np.ndarray:
    """All states x_0..x_T, shape (T+1, *broadcast(w, b).shape); |x_t| <= |w| + |b|: no overflow."""
    shape = np.broadcast(w, b).shape
    xs = np.empty((T + 1, *shape))
    xs[0] = x0
    for t in range(1, T + 1):
        xs[t] = w * sigmoid(xs[t - 1]) + b
    return xs


def loss(w: float, b: float, T: int = T_DEFAULT, x0: float = X0, target: float = TARGET) -> float:
    """The loss L(w, b) = (sigmoid(x_T) - target)**2 of the one-unit network.

    Args:
        w: the recurrent weight.
        b: the bias.
        T: number of steps (50 in the paper).
        x0: the initial state x_0 (0.5 in the paper).
        target: the value sigmoid(x_T) should take (0.7 in the paper).

    Returns:
        The loss, a float in [0, max(target, 1 - target)**2].
    """
    w, b = _real("w", w), _real("b", b)
    T, x0, target = _check_common(T, x0, target)
    x_T = _forward(np.float64(w), np.float64(b), T, x0)[-1]
    return float((sigmoid(x_T) - target) ** 2)


def loss_and_grad(
    w: float, b: float, T: int = T_DEFAULT, x0: float = X0, target: float = TARGET
) -> tuple[float, float, float]:
    """The loss and its gradient (dL/dw, dL/db), by backpropagation through time.

    With s_t = sigmoid(x_t) the backward recursion is

        dx_T = 2 (s_T - target) s_T (1 - s_T)
        dw  += dx_t * s_{t-1},   db += dx_t,   dx_{t-1} = dx_t * w * s_{t-1} (1 - s_{t-1})

    for t = T, ..., 1. The factor w s(1 - s) per step is this model's Jacobian dx_t/dx_{t-1}; near
    the cliff many of them are larger than 1 and the gradient becomes enormous. If it overflows, the
    components come back as +-inf (no warning); `descend` reports that.

    Args:
        w: the recurrent weight.
        b: the bias.
        T: number of steps.
        x0: the initial state x_0.
        target: the value sigmoid(x_T) should take.

    Returns:
        ``(loss, dw, db)`` as floats.
    """
    w, b = _real("w", w), _real("b", b)
    T, x0, target = _check_common(T, x0, target)
    xs = _forward(np.float64(w), np.float64(b), T, x0)
    s = sigmoid(xs)
    L = float((s[-1] - target) ** 2)
    dw = db = 0.0
    with np.errstate(over="ignore", invalid="ignore"):
        dx = 2.0 * (s[-1] - target) * s[-1] * (1.0 - s[-1])  # dL/dx_T
        for t in range(T, 0, -1):
            dw += dx * s[t - 1]  # immediate dependence of x_t on w
            db += dx
            dx = dx * w * s[t - 1] * (1.0 - s[t - 1])  # dL/dx_{t-1}, through x_t
    return L, float(dw), float(db)


def surface(
    ws: np.ndarray,
    bs: np.ndarray,
    T: int = T_DEFAULT,
    x0: float = X0,
    target: float = TARGET,
) -> np.ndarray:
    """The loss on a grid, vectorised over the grid (T array operations in all).

    Args:
        ws: 1-D array of recurrent weights, shape (n_w,).
        bs: 1-D array of biases, shape (n_b,).
        T: number of steps (as in `loss`).
        x0: the initial state x_0 (as in `loss`).
        target: the target of sigmoid(x_T) (as in `loss`).

    Returns:
        Array of shape (n_b, n_w) with ``out[i, j] = loss(ws[j], bs[i])``: rows follow b and
        columns w, the layout ``ax.pcolormesh(ws, bs, out)`` expects.
    """
    ws = check_array("ws", ws, ["n_w"], dtype=np.float64)
    bs = check_array("bs", bs, ["n_b"], dtype=np.float64)
    T, x0, target = _check_common(T, x0, target)
    x_T = _forward(ws[None, :], bs[:, None], T, x0)[-1]
    return (sigmoid(x_T) - target) ** 2


def descend(
    w0: float,
    b0: float,
    lr: float,
    steps: int,
    clip: float | None = None,
    T: int = T_DEFAULT,
    x0: float = X0,
    target: float = TARGET,
) -> tuple[np.ndarray, np.ndarray]:
    """Plain gradient descent on L(w, b), optionally with global-norm clipping of (dw, db).

    Each step computes g = (dL/dw, dL/db); with ``clip = c`` it is rescaled to ``g * c / ||g||``
    when ``||g|| > c`` (Pascanu et al. 2013, Algorithm 1), and then (w, b) <- (w, b) - lr * g.

    Args:
        w0: the starting recurrent weight.
        b0: the starting bias.
        lr: the learning rate (> 0).
        steps: the number of updates (>= 1).
        clip: None for no clipping, or the threshold c > 0 on the gradient's 2-norm.
        T: number of steps (as in `loss`).
        x0: the initial state x_0 (as in `loss`).
        target: the target of sigmoid(x_T) (as in `loss`).

    Returns:
        ``(path, losses)``: `path` of shape (steps + 1, 2) holds (w, b) before the first update and
        after each one; `losses` of shape (steps + 1,) the loss at each of those points.

    Raises:
        FloatingPointError: if a gradient overflows (names the step); with clipping it cannot, for
            the ranges of w and b that stay finite.
    """
    w, b = _real("w0", w0), _real("b0", b0)
    lr = check_positive("lr", lr)
    steps = check_size("steps", steps)
    if clip is not None:
        clip = check_positive("clip", clip)
    T, x0, target = _check_common(T, x0, target)
    path = np.empty((steps + 1, 2))
    losses = np.empty(steps + 1)
    for k in range(steps + 1):
        L, dw, db = loss_and_grad(w, b, T=T, x0=x0, target=target)
        path[k] = w, b
        losses[k] = L
        if k == steps:
            break
        if not (np.isfinite(dw) and np.isfinite(db)):
            raise FloatingPointError(
                f"the gradient at step {k} (w={w:.6g}, b={b:.6g}) is not finite: dw={dw}, db={db}"
            )
        norm = float(np.hypot(dw, db))
        if clip is not None and norm > clip:
            dw, db = dw * clip / norm, db * clip / norm
        w, b = w - lr * dw, b - lr * db
        if not (np.isfinite(w) and np.isfinite(b)):
            raise FloatingPointError(f"the update at step {k} made (w, b) non-finite: ({w}, {b})")
    return path, losses
