r"""An orthogonal recurrent matrix that stays orthogonal while it is trained: the Cayley map.

Orthogonal *initialisation* (``vg.rnn.init(..., init="orthogonal")``) only chooses the starting point;
the first gradient step moves ``W_h`` off the orthogonal matrices. A *parametrisation* writes ``W_h``
as a function of a free matrix ``M`` whose every value gives an orthogonal ``W_h``, and trains ``M``:

$$
    A = M - M^\top, \qquad W = (I + A)^{-1} (I - A)\, \operatorname{diag}(s),
$$

with ``A`` skew-symmetric (``A.T == -A``) and fixed signs ``s`` in {+1, -1}. ``I + A`` is always
invertible (the eigenvalues of a real skew-symmetric matrix are imaginary, so those of ``I + A`` have real
part 1), and ``W.T @ W = I`` for every ``M``. Without the signs the map never reaches an orthogonal matrix
with eigenvalue -1; the fixed diagonal of signs is the "scaled Cayley transform" of Helfrich, Willmott & Ye
(2018, scoRNN). Lezcano-Casado & Martínez-Rubio (2019, expRNN) use the matrix exponential ``W = expm(A)``
instead; its derivative is harder to write down, so we use the Cayley map.

The derivative, for a loss L with ``G = dL/dW``: since ``I - A = 2I - (I + A)``, the map is
``W = (2 S - I) diag(s)`` with ``S = (I + A)^{-1}``; and ``dS = -S dA S``, so

$$
    \frac{\partial L}{\partial A} = -2\, S^\top \big(G \operatorname{diag}(s)\big) S^\top, \qquad
    \frac{\partial L}{\partial M} = \frac{\partial L}{\partial A} - \Big(\frac{\partial L}{\partial A}\Big)^{\!\top}.
$$

Shapes: ``M``, ``A``, ``W``, ``G`` are (H, H); ``s`` is (H,).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from vg._checks import check_array, check_float_dtype, check_positive, check_rng, check_size

__all__ = ["CayleyCache", "cayley", "cayley_backward", "init", "skew"]


def init(
    hidden_size: int, rng: np.random.Generator, *, scale: float | None = None, dtype: Any = np.float64
) -> np.ndarray:
    """A free matrix ``M`` (H, H) with entries N(0, scale**2), ``scale = 1/sqrt(2 H)`` by default.

    With that default the entries of ``A = M - M.T`` have variance 1/H, so the eigenvalues of A spread
    over an interval of order one on the imaginary axis, and those of W over a wide arc of the unit
    circle (the Cayley map sends ``i lam`` to ``(1 - i lam) / (1 + i lam)``, of angle ``-2 arctan(lam)``).
    """
    H = check_size("hidden_size", hidden_size)
    check_rng("rng", rng)
    dtype = check_float_dtype("dtype", dtype)
    scale = 1.0 / np.sqrt(2 * H) if scale is None else check_positive("scale", scale)
    return (scale * rng.standard_normal((H, H))).astype(dtype)


def skew(M: np.ndarray) -> np.ndarray:
    """The skew-symmetric matrix ``A = M - M.T`` (H, H) built from a free (H, H) matrix."""
    M = check_array("M", M, ("H", "H"))
    return M - M.T


@dataclass(frozen=True)
class CayleyCache:
    """What `cayley_backward` needs: ``S = (I + A)^{-1}`` and the signs (both as used by `cayley`)."""

    S: np.ndarray
    signs: np.ndarray


def cayley(M: np.ndarray, signs: np.ndarray | None = None) -> tuple[np.ndarray, CayleyCache]:
    """The orthogonal matrix ``W = (I + A)^{-1} (I - A) diag(signs)``, ``A = M - M.T``.

    Args:
        M: (H, H) free parameter, any real matrix.
        signs: (H,) entries +1 or -1 (default all +1, the plain Cayley map).

    Returns:
        ``W`` (H, H), orthogonal up to rounding, and the cache for `cayley_backward`.
    """
    A = skew(M)
    H = A.shape[0]
    if signs is None:
        signs = np.ones(H, dtype=A.dtype)
    else:
        signs = check_array("signs", signs, (H,), dtype=A.dtype)
        if not np.all(np.abs(signs) == 1):
            raise ValueError(f"signs must hold only +1 and -1, got {np.unique(signs)}")
    eye = np.eye(H, dtype=A.dtype)
    S = np.linalg.inv(eye + A)
    W = (2.0 * S - eye) * signs  # (I + A)^{-1}(I - A) = 2 (I + A)^{-1} - I; columns times the signs
    return W, CayleyCache(S=S, signs=signs)


def cayley_backward(dW: np.ndarray, cache: CayleyCache) -> np.ndarray:
    """From ``dW`` = dL/dW (H, H) to ``dM`` = dL/dM (H, H), through the Cayley map and ``A = M - M.T``."""
    if not isinstance(cache, CayleyCache):
        raise TypeError(f"cache must be the CayleyCache returned by vg.orthogonal.cayley, got {type(cache).__name__}")
    H = cache.S.shape[0]
    dW = check_array("dW", dW, (H, H), dtype=cache.S.dtype)
    St = cache.S.T
    dA = -2.0 * St @ (dW * cache.signs) @ St  # W = (2 S - I) diag(s), dS = -S dA S
    return dA - dA.T  # A = M - M.T: M enters A twice, once transposed
