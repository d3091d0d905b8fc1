"""Argument validation shared by every module.

Every public function of `vg` checks its inputs with these helpers, so that bad input fails early with a
message that names the argument, the expected value or shape and the actual one, instead of a broadcasting
error from deep inside NumPy or, worse, a silently wrong answer.
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable, Mapping, Sequence

import numpy as np

FLOAT_DTYPES = (np.float32, np.float64)


def _shape_str(shape: Sequence[object]) -> str:
    return "(" + ", ".join(str(s) for s in shape) + ("," if len(shape) == 1 else "") + ")"


def check_size(name: str, value: object, *, minimum: int = 1) -> int:
    """Return `value` as an int after checking that it is an integer >= `minimum`.

    Booleans and floats are refused even when they look whole: `hidden_size=16.0` is a bug upstream.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer >= {minimum}, got {value!r} ({type(value).__name__})")
    if value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value}")
    return int(value)


def check_positive(name: str, value: object, *, allow_zero: bool = False) -> float:
    """Return `value` as a float after checking that it is a finite real number > 0 (or >= 0)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {value!r} ({type(value).__name__})")
    value = float(value)
    ok = value >= 0 if allow_zero else value > 0
    if not np.isfinite(value) or not ok:
        bound = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"{name} must be a finite number {bound}, got {value}")
    return value


def check_choice(name: str, value: object, choices: Iterable[str]) -> str:
    """Check that `value` is one of the strings in `choices`."""
    choices = tuple(choices)
    if not isinstance(value, str) or value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(repr(c) for c in choices)}; got {value!r}")
    return value


def check_rng(name: str, rng: object) -> np.random.Generator:
    """Check that `rng` is a `np.random.Generator` (we never touch NumPy's global random state)."""
    if not isinstance(rng, np.random.Generator):
        raise TypeError(
            f"{name} must be a numpy.random.Generator (e.g. np.random.default_rng(0)), "
            f"got {type(rng).__name__}"
        )
    return rng


def check_array(
    name: str,
    x: object,
    shape: Sequence[int | str | None],
    *,
    dtype: np.dtype | type | None = None,
    finite: bool = True,
    dims: dict[str, int] | None = None,
) -> np.ndarray:
    """Check an array's rank, shape and values, and return it as a float ndarray.

    Args:
        name: the argument's name, used in error messages (e.g. ``"X"``).
        x: the value to check. Lists are accepted and converted.
        shape: the expected shape. Each entry is an int (that exact size), a letter such as ``"T"``
            (any size, but the same letter must mean the same size everywhere; sizes found are written
            into `dims`), or None (any size).
        dtype: convert to this float dtype; by default float32 stays float32 and everything else
            becomes float64.
        finite: refuse NaN and Inf.
        dims: the sizes already bound to letters, updated in place.

    Returns:
        The array, as float32 or float64.
    """
    if dims is None:
        dims = {}
    if isinstance(x, (str, bytes)) or x is None or isinstance(x, Mapping):
        raise TypeError(f"{name} must be an array of shape {_shape_str(shape)}, got {type(x).__name__}")
    arr = np.asarray(x)
    if arr.dtype == object or not (
        np.issubdtype(arr.dtype, np.floating)
        or np.issubdtype(arr.dtype, np.integer)
        or arr.dtype == bool
    ):
        raise TypeError(f"{name} must be a real-valued array, got dtype {arr.dtype}")
    if arr.ndim != len(shape):
        raise ValueError(
            f"{name} must have {len(shape)} dimensions {_shape_str(shape)}, "
            f"got {arr.ndim} dimensions with shape {arr.shape}"
        )
    for axis, (want, got) in enumerate(zip(shape, arr.shape)):
        if want is None:
            continue
        if isinstance(want, str):
            if want in dims and dims[want] != got:
                expected = tuple(dims.get(s, s) if isinstance(s, str) else s for s in shape)
                raise ValueError(
                    f"{name} must have shape {_shape_str(expected)} ({', '.join(map(str, shape))}), "
                    f"got {arr.shape}: axis {axis} ({want}) is {got} but {want} = {dims[want]} elsewhere"
                )
            dims.setdefault(want, got)
        elif want != got:
            raise ValueError(f"{name} must have shape {_shape_str(shape)}, got {arr.shape}")
    if arr.size == 0:
        raise ValueError(f"{name} must not be empty, got shape {arr.shape}")
    if dtype is None:
        dtype = np.float32 if arr.dtype == np.float32 else np.float64
    arr = np.asarray(arr, dtype=dtype)
    if finite and not np.all(np.isfinite(arr)):
        bad = np.argwhere(~np.isfinite(arr))[0]
        raise ValueError(
            f"{name} must be finite, but it contains NaN or Inf "
            f"(first at index {tuple(int(i) for i in bad)}: {arr[tuple(bad)]})"
        )
    return arr


def _key_mismatch(expected: Iterable[str], got: Mapping[str, object]) -> str:
    """'missing [...]; unexpected [...]' for two key sets, or '' when they are equal."""
    expected = list(expected)
    missing = [k for k in expected if k not in got]
    extra = [k for k in got if k not in expected]
    parts = ([f"missing {missing}"] if missing else []) + ([f"unexpected {extra}"] if extra else [])
    return "; ".join(parts)


def check_params(
    name: str,
    params: object,
    shapes: Mapping[str, Sequence[int | str | None]],
    *,
    dims: dict[str, int] | None = None,
    dtype: np.dtype | type | None = None,
) -> dict[str, np.ndarray]:
    """Check a parameter dict: exactly the expected keys, each with the expected shape.

    Returns a new dict of float arrays (the caller's dict is not modified). All arrays share one dtype:
    float32 if every array is float32, float64 otherwise, unless `dtype` is given.
    """
    if not isinstance(params, Mapping):
        raise TypeError(f"{name} must be a dict of arrays, got {type(params).__name__}")
    mismatch = _key_mismatch(shapes, params)
    if mismatch:
        raise ValueError(f"{name} must have exactly the keys {list(shapes)}: {mismatch}")
    if dims is None:
        dims = {}
    if dtype is None:
        all32 = all(np.asarray(params[k]).dtype == np.float32 for k in shapes)
        dtype = np.float32 if all32 else np.float64
    return {
        k: check_array(f"{name}[{k!r}]", params[k], shape, dtype=dtype, dims=dims)
        for k, shape in shapes.items()
    }


def check_array_dict(
    name: str,
    value: object,
    *,
    finite: bool = True,
    dtype: np.dtype | type | None = None,
) -> dict[str, np.ndarray]:
    """Check a non-empty dict of name -> array of any shape (e.g. ``grads``) and return a new dict.

    Unlike `check_params` the keys and shapes are not prescribed: clipping and optimisers work on
    the parameters of any cell. Each array is converted as by `check_array`; the caller's dict is
    untouched.
    """
    if not isinstance(value, Mapping):
        raise TypeError(f"{name} must be a dict of arrays, got {type(value).__name__}")
    if len(value) == 0:
        raise ValueError(f"{name} must not be empty, got an empty dict")
    out = {}
    for key, arr in value.items():
        if not isinstance(key, str):
            raise TypeError(f"{name} keys must be strings, got {key!r} ({type(key).__name__})")
        ndim = np.ndim(arr) if not isinstance(arr, (str, bytes, Mapping)) and arr is not None else 0
        out[key] = check_array(f"{name}[{key!r}]", arr, [None] * ndim, dtype=dtype, finite=finite)
    return out


def check_same_keys(
    name_a: str, a: Mapping[str, np.ndarray], name_b: str, b: Mapping[str, np.ndarray]
) -> None:
    """Check that two array dicts have the same keys and, key by key, the same shapes."""
    mismatch = _key_mismatch(a, b)
    if mismatch:
        raise ValueError(f"{name_b} must have the same keys as {name_a} {list(a)}: {mismatch}")
    for k in a:
        if np.shape(a[k]) != np.shape(b[k]):
            raise ValueError(
                f"{name_b}[{k!r}] must have the shape of {name_a}[{k!r}] {np.shape(a[k])}, "
                f"got {np.shape(b[k])}"
            )


def check_float_dtype(name: str, dtype: object) -> type:
    """Check that `dtype` names float32 or float64 and return the NumPy scalar type."""
    try:
        dt = np.dtype(dtype)  # type: ignore[call-overload]
    except TypeError:
        dt = None
    if dt is None or dt.type not in FLOAT_DTYPES:
        raise ValueError(f"{name} must be np.float32 or np.float64, got {dtype!r}")
    return dt.type


def check_optional_size(name: str, value: object, *, minimum: int = 1) -> int | None:
    """Like `check_size`, but None is allowed (and returned) too, e.g. for an optional truncation length."""
    if value is None:
        return None
    return check_size(name, value, minimum=minimum)


def check_params_fast(
    name: str,
    params: object,
    shapes: Mapping[str, Sequence[int | str | None]],
    *,
    dims: dict[str, int] | None = None,
) -> dict[str, np.ndarray]:
    """`check_params` with a quick path for the common case; same results, same errors.

    When `params` is a dict with exactly the expected keys, holding nonempty, finite float32 or float64
    ndarrays (all of one dtype) with the expected shapes, the arrays are returned as they are (which is
    what `check_params` returns then too) at a fraction of the cost: the cells call this on every
    forward pass, and for tiny networks validation would otherwise take a fifth of the time. Anything
    else goes through `check_params`, which converts or raises as usual.
    """
    if dims is None:
        dims = {}
    if type(params) is dict and len(params) == len(shapes):
        trial = dict(dims)
        out = {}
        dtype = None
        for key, shape in shapes.items():
            a = params.get(key)
            if type(a) is not np.ndarray or a.ndim != len(shape) or a.size == 0:
                break
            if dtype is None:
                dtype = a.dtype
                if dtype != np.float64 and dtype != np.float32:
                    break
            elif a.dtype != dtype:
                break
            if not _shape_fits(shape, a.shape, trial):
                break
            out[key] = a
        else:
            # one finiteness test for all arrays: a single call is far cheaper than one per array
            flat = np.concatenate([a.reshape(-1) for a in out.values()])
            if np.isfinite(flat).all():
                dims.update(trial)
                return out
    return check_params(name, params, shapes, dims=dims)


def _shape_fits(shape: Sequence[int | str | None], actual: tuple[int, ...], trial: dict[str, int]) -> bool:
    """Whether `actual` fits `shape` (same rank assumed), binding new letters in `trial` as it goes."""
    ok = True
    for want, got in zip(shape, actual):
        if isinstance(want, str):
            ok = ok and trial.setdefault(want, got) == got
        elif want is not None:
            ok = ok and want == got
    return ok


def check_array_fast(
    name: str,
    x: object,
    shape: Sequence[int | str | None],
    *,
    dtype: np.dtype | type | None = None,
    dims: dict[str, int] | None = None,
) -> np.ndarray:
    """`check_array` (with ``finite=True``) with a quick path for the common case; same results and errors.

    A nonempty, finite float32/float64 ndarray of the expected shape (and of `dtype`, if given) is
    returned as it is, which is what `check_array` returns then too; anything else goes through
    `check_array`, which converts or raises as usual.
    """
    if dims is None:
        dims = {}
    if (
        type(x) is np.ndarray
        and (x.dtype == np.float64 or x.dtype == np.float32)
        and (dtype is None or x.dtype == dtype)
        and x.ndim == len(shape)
        and x.size
    ):
        trial = dict(dims)
        if _shape_fits(shape, x.shape, trial) and np.isfinite(x).all():
            dims.update(trial)
            return x
    return check_array(name, x, shape, dtype=dtype, dims=dims)


def read_only_view(x: np.ndarray) -> np.ndarray:
    """A read-only view of `x`: what a cell's `forward` returns when the array also lives in its cache.

    `H_all` is a view of ``cache.Hs``, which `backward` reads; an in-place edit of `H_all` would change
    the gradients silently. As a read-only view it raises instead (copy it to modify it).
    """
    view = x.view()
    view.flags.writeable = False
    return view


def check_class_targets(targets: object, shape: tuple[int, ...], n_classes: int) -> np.ndarray:
    """Check integer class targets for logits of shape ``(*shape, n_classes)``; return them as ints."""
    if isinstance(targets, (str, bytes, dict)) or targets is None:
        raise TypeError(f"targets must be an integer array of shape {shape}, got {type(targets)}")
    t = np.asarray(targets)
    if t.dtype == bool or not np.issubdtype(t.dtype, np.integer):
        # Whole floats (e.g. 1.0) are accepted: tasks may store class labels in float arrays.
        whole = np.all(np.isfinite(t)) and np.all(t == np.round(t))
        if np.issubdtype(t.dtype, np.floating) and whole:
            t = t.astype(np.int64)
        else:
            raise TypeError(f"targets must hold integer class indices, got dtype {t.dtype}")
    if t.shape != shape:
        raise ValueError(f"targets must have shape {shape} (the shape of Z without its last axis), "
                         f"got {t.shape}")
    if t.size and (t.min() < 0 or t.max() >= n_classes):
        raise ValueError(
            f"targets must be class indices in [0, {n_classes - 1}] (Z has {n_classes} classes), "
            f"got values from {t.min()} to {t.max()}"
        )
    return t
