r"""Linear recurrences $h_t = a_t \odot h_{t-1} + b_t$, by a loop and by a parallel (associative) scan.

A linear recurrence composes: two steps $h \mapsto a_1 h + b_1$ then $h \mapsto a_2 h + b_2$ are one
step $h \mapsto (a_2 a_1) h + (a_2 b_1 + b_2)$. This composition is associative, so the T prefixes
$h_1, \dots, h_T$ can be computed in $\lceil \log_2 T \rceil$ rounds in which every position combines
with the one $2^j$ places earlier (Hillis & Steele 1986; Blelloch 1990 for the work-efficient form).
Each round is one vectorised NumPy operation over all T positions, which is what the linear recurrent
models rely on (`vg.lru`, `vg.mingru`, S5 and Mamba; S4 uses a convolution instead): their recurrence
is linear in the state, so a sequence need not be processed one step at a time.

Work against depth. `linear_scan` does $O(T \log T)$ multiply-adds in $O(\log T)$ rounds; the loop
`linear_recurrence` does $O(T)$ in $T$ steps; `blocked_scan` does $O(T)$ in about $2\sqrt T$ steps. On
parallel hardware the depth is what counts. On one core there is no parallelism to buy, and the
scans win only where the loop's per-step Python overhead dominates, i.e. for narrow states; for wide
ones the loop is fastest. `solve` picks by width, and `benchmarks/bench_scan.py` measures all three.

Shapes: ``a`` and ``b`` are (T, ...) with the same trailing shape (``a`` may broadcast against
``b``, e.g. a constant ``(1, N)`` decay), real or complex; ``h0`` has the trailing shape.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["blocked_scan", "linear_recurrence", "linear_scan", "solve"]


def _check(a: object, b: object, h0: object) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    a_arr, b_arr = np.asarray(a), np.asarray(b)
    for name, x in (("a", a_arr), ("b", b_arr)):
        if x.dtype.kind not in "fc":
            raise TypeError(f"{name} must be a float or complex array, got dtype {x.dtype}")
        if x.ndim < 1:
            raise ValueError(f"{name} must have a time axis first (shape (T, ...)), got shape {x.shape}")
    if a_arr.ndim != b_arr.ndim:
        raise ValueError(
            f"a must have b's number of axes, time first ({b_arr.ndim}; use shape (1, ...) for a decay "
            f"that is the same at every step), got shape {a_arr.shape}"
        )
    if b_arr.shape[0] == 0:
        raise ValueError(f"b must have at least one time step, got shape {b_arr.shape}")
    try:
        shape = np.broadcast_shapes(a_arr.shape, b_arr.shape)
    except ValueError:
        raise ValueError(f"a of shape {a_arr.shape} does not broadcast against b of shape {b_arr.shape}") from None
    if shape != b_arr.shape:
        raise ValueError(f"a of shape {a_arr.shape} must broadcast to b's shape {b_arr.shape}, not to {shape}")
    h = None
    if h0 is not None:
        h = np.asarray(h0)
        if h.shape != b_arr.shape[1:]:
            raise ValueError(f"h0 must have shape {b_arr.shape[1:]} (b without its time axis), got {h.shape}")
    return a_arr, b_arr, h


def linear_recurrence(
    a: np.ndarray, b: np.ndarray, h0: np.ndarray | None = None, *, reverse: bool = False
) -> np.ndarray:
    """``h_t = a_t * h_{t-1} + b_t`` for t = 1..T by a plain loop (the reference); returns (T, ...).

    Args:
        a: (T, ...) or (1, ...) broadcastable to `b`: the per-step decay (``a[t - 1]`` is $a_t$).
        b: (T, ...) the per-step input.
        h0: the initial state, trailing shape of `b` (default zero).
        reverse: run backwards in time, ``h_t = a_t * h_{t+1} + b_t`` from ``h_{T+1} = h0``.
    """
    a, b, h0 = _check(a, b, h0)
    if reverse:
        return linear_recurrence(a[::-1], b[::-1], h0)[::-1]
    a = np.broadcast_to(a, b.shape)
    out = np.empty(b.shape, dtype=np.result_type(a, b, h0 if h0 is not None else b))
    h = np.zeros(b.shape[1:], out.dtype) if h0 is None else h0
    for t in range(b.shape[0]):
        h = a[t] * h + b[t]
        out[t] = h
    return out


def linear_scan(
    a: np.ndarray, b: np.ndarray, h0: np.ndarray | None = None, *, reverse: bool = False
) -> np.ndarray:
    """The same recurrence as `linear_recurrence`, by a parallel scan in ceil(log2 T) vectorised rounds.

    With ``reverse=True`` the recurrence runs backwards in time, ``h_t = a_t * h_{t+1} + b_t`` from
    ``h_{T+1} = h0`` (what backpropagation through a linear recurrence needs).

    Round j combines every position with the one ``2**j`` places earlier: afterwards ``B[t]`` holds the
    recurrence started at zero ``2**(j+1)`` steps back, and ``A[t]`` the product of the decays over that
    window. ``h0`` enters at the end as ``A[t] * h0`` (``A[t]`` is then the product of all decays up to t).
    """
    a, b, h0 = _check(a, b, h0)
    if reverse:
        out = linear_scan(a[::-1] if a.shape[0] > 1 else a, b[::-1], h0)
        return out[::-1]
    dtype = np.result_type(a, b, h0 if h0 is not None else b)
    A = np.array(np.broadcast_to(a, b.shape), dtype=dtype)  # copies: the rounds work in place
    B = np.array(b, dtype=dtype)
    T, shift = b.shape[0], 1
    while shift < T:
        # Right-hand sides are evaluated before assignment, so each round reads the previous round.
        B[shift:] = A[shift:] * B[:-shift] + B[shift:]
        A[shift:] = A[shift:] * A[:-shift]
        shift *= 2
    if h0 is not None:
        B += A * h0
    return B


def blocked_scan(
    a: np.ndarray, b: np.ndarray, h0: np.ndarray | None = None, *, reverse: bool = False, block: int | None = None
) -> np.ndarray:
    """The same recurrence by a two-level scan: O(T) work in about 2 sqrt(T) vectorised steps.

    The sequence is cut into blocks of length L (default ceil(sqrt(T))). (1) Within every block at once,
    the recurrence runs from a zero state, and the running product of the decays is kept: L steps, each
    one operation over all blocks. (2) The state carried into each block follows from the previous
    block's last values: T / L steps. (3) Each position adds its product of decays times the state
    carried into its block: one operation. Unlike `linear_scan` it does no more work than the loop
    (about three multiply-adds per entry), and unlike the loop it takes about 2 sqrt(T) Python-level
    steps instead of T.
    """
    a, b, h0 = _check(a, b, h0)
    if reverse:
        return blocked_scan(a[::-1], b[::-1], h0, block=block)[::-1]
    T = b.shape[0]
    L = block or max(1, math.isqrt(T - 1) + 1)
    n = -(-T // L)
    dtype = np.result_type(a, b, h0 if h0 is not None else b)
    pad = n * L - T
    rest = b.shape[1:]
    A = np.ones((n * L, *rest), dtype)
    A[:T] = a  # broadcasts a constant decay; the padding steps keep the state (a = 1, b = 0)
    B = np.zeros((n * L, *rest), dtype)
    B[:T] = b
    A, B = A.reshape(n, L, *rest), B.reshape(n, L, *rest)
    for j in range(1, L):  # (1) inside every block: running state from zero, running product of decays
        B[:, j] += A[:, j] * B[:, j - 1]
        A[:, j] *= A[:, j - 1]
    carry = np.zeros((n, *rest), dtype)  # (2) the state entering each block
    if h0 is not None:
        carry[0] = h0
    for k in range(1, n):
        carry[k] = A[k - 1, -1] * carry[k - 1] + B[k - 1, -1]
    out = B + A * carry[:, None]  # (3)
    return out.reshape(n * L, *rest)[: n * L - pad]


# Widths (entries per time step) up to which the scans beat the loop on one core; measured by
# benchmarks/bench_scan.py. Above them every loop step is already one vectorised operation over the
# whole width that stays in cache, while the scans stream arrays of T x width entries through memory.
SCAN_MAX_WIDTH = 4
BLOCKED_MAX_WIDTH = 32


def solve(a: np.ndarray, b: np.ndarray, h0: np.ndarray | None = None, *, reverse: bool = False) -> np.ndarray:
    """The recurrence by whichever method is fastest on one core for this width (same result).

    `linear_scan` for the narrowest states, `blocked_scan` up to `BLOCKED_MAX_WIDTH` entries per step,
    the loop above that. This is what `vg.lru` and `vg.mingru` call.
    """
    width = int(np.prod(np.shape(b)[1:], dtype=np.int64))
    if width <= SCAN_MAX_WIDTH:
        return linear_scan(a, b, h0, reverse=reverse)
    if width <= BLOCKED_MAX_WIDTH:
        return blocked_scan(a, b, h0, reverse=reverse)
    return linear_recurrence(a, b, h0, reverse=reverse)
