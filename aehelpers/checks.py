"""Checks: inputs refused at the public boundary, and the one-line ✓ check of a claim.

Every ``aehelpers`` function validates what it is given with these (``as_matrix``,
``check_int_in_range``, ``check_unit_interval``...), with messages that say what was expected
and what was received.  Notebooks state a claim in prose and check it in the next cell with
``check("the code is dense", dead == 0)``: the reader sees one ✓ line, and the notebook stops
loudly (``ClaimFailed``) when the claim is false.  Introduced in notebook 00.
"""
from __future__ import annotations

import numbers

import numpy as np


# --- inputs -----------------------------------------------------------------------------------------

def as_real_array(x, name: str = "X") -> np.ndarray:
    """``x`` as a NumPy array of real numbers (bool, int or float), else ``ValueError``.

    Strings are not parsed as numbers and complex values are not silently cut to their real part.
    """
    try:
        arr = np.asarray(x)
    except (TypeError, ValueError) as err:  # ragged nested lists
        raise ValueError(f"{name} must be a numeric array; got {type(x).__name__} ({err})") from err
    if arr.dtype.kind not in "biuf":
        what = {"c": "complex numbers", "U": "strings", "S": "bytes", "O": "Python objects"}.get(
            arr.dtype.kind, f"dtype {arr.dtype}")
        raise ValueError(f"{name} must hold real numbers; got {what} (dtype {arr.dtype})")
    return arr


def as_matrix(x, name: str = "X", *, n_cols: int | None = None, finite: bool = True,
              dtype=np.float64) -> np.ndarray:
    """``x`` as a 2-D float array (rows are data points), or a ``ValueError`` that says why not."""
    arr = as_real_array(x, name)
    try:
        arr = arr.astype(dtype, copy=False)
    except (TypeError, ValueError, OverflowError) as err:
        raise ValueError(f"{name} must be a numeric array; got {type(x).__name__} ({err})") from err
    if arr.ndim != 2:
        raise ValueError(f"{name} must be 2-D (points × features); got shape {arr.shape}")
    if n_cols is not None and arr.shape[1] != n_cols:
        raise ValueError(f"{name} must have {n_cols} columns; got shape {arr.shape}")
    if arr.shape[0] == 0:
        raise ValueError(f"{name} must hold at least one row; got shape {arr.shape}")
    if finite and not np.all(np.isfinite(arr)):
        bad = int(np.size(arr) - np.count_nonzero(np.isfinite(arr)))
        raise ValueError(f"{name} must be finite; got {bad} NaN/inf value(s) in shape {arr.shape}")
    return arr


def check_same_length(a, b, name_a: str = "X", name_b: str = "Y") -> None:
    """Raise ``ValueError`` unless ``a`` and ``b`` have the same number of rows."""
    if len(a) != len(b):
        raise ValueError(f"{name_a} and {name_b} must have the same number of rows; "
                         f"got {len(a)} and {len(b)}")


def check_int_in_range(value, name: str, low: int, high: int | None = None) -> int:
    """``value`` as an int in ``[low, high]`` (``high=None``: no upper bound), else ``ValueError``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ValueError(f"{name} must be an integer; got {value!r} ({type(value).__name__})")
    value = int(value)
    if value < low or (high is not None and value > high):
        span = f"{low}…{high}" if high is not None else f"≥ {low}"
        raise ValueError(f"{name} must be in {span}; got {value}")
    return value


def check_binary(x, name: str = "X") -> np.ndarray:
    """``x`` as a uint8 array of 0s and 1s, else ``ValueError`` naming the offending values."""
    arr = as_real_array(x, name)
    if arr.size and not np.isin(arr, (0, 1)).all():
        bad = np.unique(arr[~np.isin(arr, (0, 1))])[:5]
        raise ValueError(f"{name} must be binary (0/1 only); got values such as {bad.tolist()}")
    return arr.astype(np.uint8)


def check_unit_interval(x, name: str = "x") -> np.ndarray:
    """``x`` as a float array in [0, 1], else ``ValueError`` giving its range."""
    arr = as_real_array(x, name).astype(np.float64)
    if arr.size and (not np.all(np.isfinite(arr)) or arr.min() < 0 or arr.max() > 1):
        raise ValueError(f"{name} must lie in [0, 1]; got values from {np.nanmin(arr):g} to {np.nanmax(arr):g}"
                         f"{' (with NaN/inf)' if not np.all(np.isfinite(arr)) else ''}")
    return arr


def check_pixels(x, name: str, why: str = "binary cross-entropy targets") -> None:
    """Refuse values outside [0, 1] (pixels not divided by 255) with the range found, before any training."""
    arr = np.asarray(x)
    lo, hi = float(arr.min()), float(arr.max())
    if lo < 0 or hi > 1:
        raise ValueError(f"{name} must hold values in [0, 1] ({why}); got values from {lo:g} to {hi:g}"
                         + (" — divide pixels by 255" if hi > 1.5 else ""))


# --- claims -----------------------------------------------------------------------------------------

class ClaimFailed(AssertionError):
    """Raised by ``check`` when a claim the prose makes does not hold on this run."""


def check(claim: str, holds, detail: str = "") -> None:
    """Print ``✓ claim`` when ``holds`` is true, else raise ``ClaimFailed`` naming the claim.

    ``holds`` must be a single truth value (a Python or NumPy bool): an array is refused, so a
    check cannot pass by accident on ``if array:``.  ``detail`` (e.g. the measured numbers) is
    shown after the claim either way.  Returns nothing, so a cell may end with it.
    """
    if not isinstance(claim, str) or not claim.strip():
        raise ValueError(f"claim must be a non-empty sentence; got {claim!r}")
    if not isinstance(holds, (bool, np.bool_)):
        raise TypeError(f"check({claim!r}, ...) needs a single bool; got {type(holds).__name__} "
                        f"{holds!r} (use .all(), .any() or a comparison)")
    suffix = f" ({detail})" if detail else ""
    if not holds:
        raise ClaimFailed(f"✗ {claim}{suffix}")
    print(f"✓ {claim}{suffix}")
