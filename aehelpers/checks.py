"""Checks: inputs refused at the public boundary, and the one-line ✓ check of a claim.

Every ``aehelpers`` function validates what it is given with these (``as_matrix``,
``check_int_in_range``, ``check_unit_interval``...), with messages that say what was expected
and what was received.  Two of them are the one path for their kind of input: ``check_images``
for every function that takes images (finite pixels in [0, 1]: no raw 0..255, no NaN), and
``check_stop`` for every value a slider or a pure ``render_*`` is given.  Notebooks state a
claim in prose and check it in the next cell with ``check("the code is dense", dead == 0)``:
the reader sees one ✓ line, and the notebook stops loudly (``ClaimFailed``) when the claim is
false.  An exercise's answers are judged in one line, ``check_answers(globals(), answer_1=truth,
answer_2=within(x, tol))``: each answer the learner set gets a ✓ or ✗ verdict (never raised), and
each one not set prints the expected answer.  Introduced in notebook 00.
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


def check_images(x, name: str = "images", why: str = "pixel intensities", *, dtype=np.float32) -> np.ndarray:
    """``x`` as a float array of images with finite pixels in [0, 1], else ``ValueError``.

    The one boundary check of images: every public function that takes images (training targets,
    the cross-entropies, the noise view, the VAE's ELBO, decoded grids) calls it, so raw 0..255
    pixels or NaN are refused before any work, with the shape or range found.  Any layout with
    one image per leading index is accepted: ``(k, 784)``, ``(k, 28, 28)``, ``(k, 28, 28, 1)``.
    """
    arr = as_real_array(x, name)
    if arr.ndim < 2 or arr.shape[0] == 0 or arr.size == 0:
        raise ValueError(f"{name} must be a non-empty batch of images, one per row, e.g. (k, 784) or "
                         f"(k, 28, 28, 1); got shape {arr.shape}")
    finite = np.isfinite(arr)
    if not finite.all():
        bad = int(arr.size - np.count_nonzero(finite))
        raise ValueError(f"{name} must hold finite values in [0, 1] ({why}); got {bad} NaN/inf value(s) "
                         f"in shape {arr.shape}")
    lo, hi = float(arr.min()), float(arr.max())
    if lo < 0 or hi > 1:
        raise ValueError(f"{name} must hold values in [0, 1] ({why}); got values from {lo:g} to {hi:g}"
                         + (" — divide pixels by 255" if hi > 1.5 else ""))
    if dtype is None:  # keep a float dtype as given
        dtype = arr.dtype if arr.dtype.kind == "f" else np.float32
    return arr.astype(dtype, copy=False)


def check_pixels(x, name: str, why: str = "binary cross-entropy targets") -> np.ndarray:
    """Refuse images outside [0, 1] or not finite, before any training: :func:`check_images`, keeping the dtype."""
    return check_images(x, name, why, dtype=None)


def _shown(stops) -> str:
    """The stops for a message: all of them when few, else the first and last few."""
    plain = [v.item() if hasattr(v, "item") else v for v in stops]
    if len(plain) <= 12:
        return str(plain)
    return f"[{', '.join(map(str, plain[:4]))}, …, {', '.join(map(str, plain[-3:]))}]"


def check_stop(value, stops, name: str, *, nearest: bool = False):
    """``value`` as one of ``stops``, else ``ValueError`` naming the value and the stops.

    The one check of a slider value: the shell's start and moves, a control set by hand, and
    every pure ``render_*`` called directly go through it.  A value must be a stop of the same
    kind (32.0 and True are not the stop 32).  ``nearest=True`` (number stops only): any number
    within the first and last stop gives the nearest stop; outside that range it is refused.
    """
    if nearest:
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise ValueError(f"{name} must be a number in the slider's range [{min(stops):g}, {max(stops):g}]; "
                             f"got {value!r} ({type(value).__name__})")
        lo, hi, v = float(min(stops)), float(max(stops)), float(value)
        slack = 1e-9 * max(1.0, abs(lo), abs(hi))
        if not np.isfinite(v) or v < lo - slack or v > hi + slack:
            raise ValueError(f"{name} must lie in the slider's range [{lo:g}, {hi:g}]; got {v:g} "
                             f"(stops {_shown(stops)})")
        return min(stops, key=lambda s: abs(float(s) - v))
    if isinstance(value, (numbers.Number, str)) and not isinstance(value, bool):
        whole = isinstance(value, numbers.Integral)
        for stop in stops:
            if value == stop and whole == isinstance(stop, numbers.Integral):
                return stop
    raise ValueError(f"{name} must be one of the slider's stops {_shown(stops)}; got {value!r}")


def check_model_batch(fn, args) -> None:
    """Refuse, before Keras sees it, an array for ``model.predict`` (or ``evaluate``, ``predict_on_batch``)
    whose shape the model does not take, naming both shapes (Keras may say only "as_list() is not
    defined on an unknown TensorShape" once it has been called on another shape).  Other calls pass.
    """
    model, what = getattr(fn, "__self__", None), getattr(fn, "__name__", "")
    if what not in ("predict", "predict_on_batch", "evaluate") or not args or not isinstance(args[0], np.ndarray):
        return
    try:  # an unbuilt or subclassed Keras model may have no inputs: nothing to compare with
        inputs = model.inputs
    except Exception:  # noqa: BLE001 — Keras raises several types here
        return
    if not isinstance(inputs, (list, tuple)) or len(inputs) != 1:
        return
    want, got = tuple(inputs[0].shape)[1:], args[0].shape
    if len(got) != len(want) + 1 or any(w is not None and w != g for w, g in zip(want, got[1:])):
        shape = ", ".join("any" if w is None else str(w) for w in want)
        raise ValueError(f"{getattr(model, 'name', 'the model')}.{what} takes a batch of shape (k, {shape}); got {got}"
                         + (f" (use x.reshape(-1, {shape}))" if None not in want else ""))


# --- claims -----------------------------------------------------------------------------------------

class ClaimFailed(AssertionError):
    """Raised by ``check`` when a claim the prose makes does not hold on this run."""


def check(claim: str, holds, detail: str = "") -> None:
    """Print ``✓ claim`` when ``holds`` is true, else raise ``ClaimFailed`` naming the claim.

    ``holds`` must be a single truth value (a Python or NumPy bool): an array is refused, so a
    check cannot pass by accident on ``if array:``.  ``detail`` (e.g. the measured numbers) is
    shown after the claim either way.  Returns nothing, so a cell may end with it.
    """
    line = _verdict("check", claim, holds, detail)
    if not holds:
        raise ClaimFailed(line)
    print(line)


def check_answer(claim: str, holds, detail: str = "") -> None:
    """An exercise's verdict on the learner's own answer: ``✓ claim`` or ``✗ claim``, printed, never raised.

    A wrong prediction is part of learning, not an error: the notebook runs on (``Run All`` does not
    stop at the first exercise the learner got wrong).  Same arguments, and the same refusals, as ``check``.
    """
    line = _verdict("check_answer", claim, holds, detail)
    print(line if holds else f"{line} — this run says otherwise; this cell's output shows why")


def within(value, tolerance) -> "_Within":
    """An exercise's numeric answer with its slack: ``ae.within(best, 0.15)`` accepts any number
    no further than 0.15 from ``best``, in ``check_answers``."""
    for what, x in (("value", value), ("tolerance", tolerance)):
        if isinstance(x, (bool, np.bool_)) or not isinstance(x, numbers.Real) or not np.isfinite(float(x)):
            raise TypeError(f"within(value, tolerance) needs finite numbers; got {what} = {x!r}")
    if tolerance < 0:
        raise ValueError(f"within(value, tolerance) needs a tolerance >= 0; got {tolerance!r}")
    return _Within(float(value), float(tolerance))


class _Within(tuple):
    """``(value, tolerance)`` from ``within``, shown as the answer it stands for."""

    def __new__(cls, value: float, tolerance: float):
        return super().__new__(cls, (value, tolerance))

    def __repr__(self):
        return f"{self[0]:.4g} (within {self[1]:g})"


def check_answers(namespace, /, **expected) -> None:
    """Judge the learner's answers, one verdict line each: ``ae.check_answers(globals(), answer_1=truth)``.

    Each keyword names the variable the exercise asked for and gives this run's answer.  A variable
    the learner set gets a ``check_answer`` verdict; one not set prints the answer instead.  Strings
    match ignoring case and surrounding spaces, ``True``/``False`` only a bool, whole numbers any
    equal number, and ``ae.within(x, tol)`` any number within ``tol`` of ``x``.
    """
    if not hasattr(namespace, "get") or not hasattr(namespace, "__contains__"):
        raise TypeError(f"check_answers(namespace, ...) needs a mapping of names, such as globals(); "
                        f"got {type(namespace).__name__}")
    if not expected:
        raise ValueError("check_answers(globals(), ...) needs at least one answer, such as answer_1=truth")
    for name, truth in expected.items():
        if not isinstance(truth, (_Within, str, bool, np.bool_, numbers.Integral)):
            raise TypeError(f"check_answers: {name}'s answer must be a str, a bool, a whole number or "
                            f"ae.within(x, tol); got {type(truth).__name__} {truth!r}")
    for name, truth in expected.items():
        shown = repr(truth) if isinstance(truth, (_Within, str)) else str(truth)
        if name not in namespace:
            print(f"no {name} set — here is the answer: {shown}")
            continue
        given = namespace.get(name)
        check_answer(f"your {name} matches this run", _matches(given, truth), f"you said {given!r}, it is {shown}")


def _matches(given, truth) -> bool:
    """Whether the learner's ``given`` is ``truth``, by the rules ``check_answers`` states."""
    is_number = isinstance(given, numbers.Real) and not isinstance(given, (bool, np.bool_))
    if isinstance(truth, _Within):
        return bool(is_number and abs(float(given) - truth[0]) <= truth[1] * (1 + 1e-9))  # 0.5 - 0.35 > 0.15 in floats
    if isinstance(truth, str):
        return isinstance(given, str) and given.strip().lower() == truth.strip().lower()
    if isinstance(truth, (bool, np.bool_)):
        return isinstance(given, (bool, np.bool_)) and bool(given) == bool(truth)
    return bool(is_number and float(given) == float(truth))


def check_timing(claim: str, holds, detail: str = "") -> None:
    """A claim about speed on the learner's machine: ``✓ claim`` or ``✗ claim``, printed, never raised.

    Timings depend on what else the machine is doing (a shared classroom server, a busy laptop), so a
    slow moment must not stop ``Run All``; the ✗ line says so.  The side-by-side measurements that
    back such claims live in ``make bench``.  Same arguments, and the same refusals, as ``check``.
    """
    line = _verdict("check_timing", claim, holds, detail)
    print(line if holds else f"{line} — timings vary with the machine's load; run the cell again when it is idle")


def _verdict(what: str, claim, holds, detail) -> str:
    """``"✓ claim (detail)"`` or ``"✗ claim (detail)"``, after refusing an empty claim or a non-bool ``holds``."""
    if not isinstance(claim, str) or not claim.strip():
        raise ValueError(f"claim must be a non-empty sentence; got {claim!r}")
    if not isinstance(holds, (bool, np.bool_)):
        raise TypeError(f"{what}({claim!r}, ...) needs a single bool; got {type(holds).__name__} "
                        f"{holds!r} (use .all(), .any() or a comparison)")
    return f"{'✓' if holds else '✗'} {claim}" + (f" ({detail})" if detail else "")
