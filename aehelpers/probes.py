"""Inputs made to probe or train a model: non-digits drawn with NumPy, and noisy digits.

An autoencoder that learned *digits* reconstructs digits well and everything else badly; one
that learned the *identity* reconstructs everything.  Each family here returns ``(k, 784)``
float32 images in [0, 1], drawn from the ``rng`` argument (a ``numpy.random.Generator`` or an
int seed), so the same seed gives the same probes.

Every probe is drawn inside the central 20×20 box (rows and columns 4…23): that is where MNIST
put its digits (NIST digits were size-normalised into 20×20 and centred in 28×28), and the only
place a model trained on MNIST ever sees ink, so the only place it *could* learn to copy.  The one
exception is ``shifted_digits(..., keep_ink=True)`` (notebook 06): a digit moved whole, none of
its ink cut, so that "moved" is not confounded with "lost ink".

``add_noise`` is the series' one corruption, the Keras post's x̃ = clip(x + level · N(0, 1), 0, 1):
the denoising remedy of notebook 03 trains on it, notebook 06's noise slider shows it.
Introduced in notebook 03.
"""
from __future__ import annotations

import numpy as np

from aehelpers.checks import as_matrix, as_real_array, check_int_in_range, check_unit_interval

SIDE = 28
N_PIXELS = SIDE * SIDE
FRAME = (4, 24)  # rows/columns [4, 24): MNIST's 20×20 digit box
FAMILIES = ("noise", "inverted", "shifted", "letters", "shapes")

# A 5×7 bitmap font for capitals that do not look like digits (no O, I, S, Z, B, G, Q, D).
_FONT = {
    "A": ("01110", "10001", "10001", "11111", "10001", "10001", "10001"),
    "C": ("01111", "10000", "10000", "10000", "10000", "10000", "01111"),
    "E": ("11111", "10000", "10000", "11110", "10000", "10000", "11111"),
    "F": ("11111", "10000", "10000", "11110", "10000", "10000", "10000"),
    "H": ("10001", "10001", "10001", "11111", "10001", "10001", "10001"),
    "K": ("10001", "10010", "10100", "11000", "10100", "10010", "10001"),
    "M": ("10001", "11011", "10101", "10101", "10001", "10001", "10001"),
    "N": ("10001", "11001", "10101", "10011", "10001", "10001", "10001"),
    "P": ("11110", "10001", "10001", "11110", "10000", "10000", "10000"),
    "R": ("11110", "10001", "10001", "11110", "10100", "10010", "10001"),
    "U": ("10001", "10001", "10001", "10001", "10001", "10001", "01110"),
    "V": ("10001", "10001", "10001", "10001", "01010", "01010", "00100"),
    "W": ("10001", "10001", "10001", "10101", "10101", "11011", "10001"),
    "X": ("10001", "01010", "00100", "00100", "00100", "01010", "10001"),
    "Y": ("10001", "01010", "00100", "00100", "00100", "00100", "00100"),
}
LETTERS = tuple(_FONT)
SHAPES = ("ring", "disc", "box", "square", "cross", "triangle", "stripes")


def _rng(rng) -> np.random.Generator:
    if isinstance(rng, np.random.Generator):
        return rng
    if isinstance(rng, (int, np.integer)) and not isinstance(rng, bool) and rng >= 0:
        return np.random.default_rng(int(rng))
    raise ValueError(f"rng must be a numpy.random.Generator or a non-negative int seed; "
                     f"got {rng!r} ({type(rng).__name__})")


def _k(k) -> int:
    return check_int_in_range(k, "k (number of images)", 1)


def _digits(digits) -> np.ndarray:
    x = as_matrix(digits, "digits", n_cols=N_PIXELS, dtype=np.float32)
    check_unit_interval(x, "digits")
    return x


def frame_mask() -> np.ndarray:
    """``(784,)`` bool: True inside MNIST's central 20×20 digit box."""
    mask = np.zeros((SIDE, SIDE), dtype=bool)
    mask[FRAME[0]:FRAME[1], FRAME[0]:FRAME[1]] = True
    return mask.ravel()


def _ink(images) -> np.ndarray:
    """``images`` as ``(k, 784)`` non-negative ink, each image with some: the one validator of the ink measures."""
    arr = as_real_array(images, "images")
    if arr.ndim >= 2 and arr.shape[0] and arr.size == arr.shape[0] * N_PIXELS:
        arr = arr.reshape(arr.shape[0], N_PIXELS)
    x = as_matrix(arr, "images", n_cols=N_PIXELS)
    if np.any(x < 0):
        raise ValueError(f"images must be non-negative (ink); got a minimum of {float(x.min()):.4g}")
    total = x.sum(axis=1)
    if np.any(total == 0):
        raise ValueError(f"every image needs some ink; got {int(np.sum(total == 0))} blank image(s) "
                         f"(the first at row {int(np.argmax(total == 0))})")
    return x


def share_inside_box(images) -> np.ndarray:
    """``(k,)``: each image's share of its ink (sum of pixel values) inside the 20×20 digit box.

    ``images`` holds ``k`` non-negative images of 784 pixels each, flat or as ``(k, 28, 28[, 1])``; every
    image needs some ink, since an empty picture has no share to measure.  Noise spread evenly over the
    28×28 frame puts 400 / 784 ≈ 51 % of its ink inside."""
    x = _ink(images)
    return x[:, frame_mask()].sum(axis=1) / x.sum(axis=1)


def ink_offset(images) -> np.ndarray:
    """``(k,)``: how far, in pixels, each image's centre of mass (its ink's mean position) lies from pixel
    (14, 14), where MNIST centred its digits by their centre of mass.  Same ``images`` as ``share_inside_box``."""
    x = _ink(images).reshape(-1, SIDE, SIDE)
    rows, cols = np.indices((SIDE, SIDE))
    total = x.sum(axis=(1, 2))
    r, c = (x * rows).sum(axis=(1, 2)) / total, (x * cols).sum(axis=(1, 2)) / total
    return np.hypot(r - 14.0, c - 14.0)


def _blur(images: np.ndarray) -> np.ndarray:
    """Soften hard edges with a [1, 2, 1]/4 kernel along both axes (MNIST strokes are anti-aliased)."""
    p = np.pad(images, ((0, 0), (1, 1), (1, 1)))
    rows = 0.25 * p[:, :-2, :] + 0.5 * p[:, 1:-1, :] + 0.25 * p[:, 2:, :]
    out = 0.25 * rows[:, :, :-2] + 0.5 * rows[:, :, 1:-1] + 0.25 * rows[:, :, 2:]
    peak = out.reshape(len(out), -1).max(axis=1).reshape(-1, 1, 1)
    return np.clip(out / np.maximum(peak, 1e-6), 0.0, 1.0)


def _finish(images: np.ndarray) -> np.ndarray:
    """Zero outside the frame, flatten to (k, 784) float32 in [0, 1]."""
    flat = np.clip(images.reshape(len(images), N_PIXELS), 0.0, 1.0) * frame_mask()
    return flat.astype(np.float32)


def uniform_noise(k: int, rng) -> np.ndarray:
    """Independent uniform [0, 1] pixels inside the digit box, black outside."""
    rng, k = _rng(rng), _k(k)
    return _finish(rng.uniform(0.0, 1.0, size=(k, SIDE, SIDE)))


def inverted_digits(digits, k: int, rng) -> np.ndarray:
    """k digits drawn from ``digits`` with ink and background swapped inside the digit box."""
    x, rng, k = _digits(digits), _rng(rng), _k(k)
    return _finish(1.0 - x[rng.integers(0, len(x), size=k)])


def _ink_room(images: np.ndarray) -> np.ndarray:
    """``(k, 4)`` free rows above, below, free columns left, right of each image's ink (28 on a blank image)."""
    rows, cols = images.any(axis=2), images.any(axis=1)
    out = []
    for a in (rows, cols):
        first = np.where(a.any(axis=1), a.argmax(axis=1), SIDE)
        last = np.where(a.any(axis=1), a[:, ::-1].argmax(axis=1), SIDE)
        out += [first, last]
    return np.stack(out, axis=1)


def shifted_digits(digits, k: int, rng, *, shift: int = 5, keep_ink: bool = False,
                   with_originals: bool = False):
    """k digits moved ``shift`` pixels both vertically and horizontally (random signs), zero-filled.

    MNIST centres every digit by its centre of mass, so a digit off-centre by ``shift`` pixels
    in both directions is something the training set never shows.

    ``keep_ink=False`` (notebook 03): the result is cut to the 20×20 box like every probe, so ink
    moved out of the box is lost (about 30 % of it for a 5-pixel shift).  ``keep_ink=True``
    (notebook 06): only digits and directions for which the whole digit stays inside the 28×28
    image are used, and nothing is cut, so a shifted digit carries exactly its original ink.
    ``with_originals=True`` returns ``(shifted, originals)``: the same digits unmoved (cut to the
    box too when ``keep_ink=False``), the control that separates "moved" from "cut".
    """
    x, rng, k = _digits(digits), _rng(rng), _k(k)
    shift = check_int_in_range(shift, "shift", 1, SIDE // 2)
    for flag, name in ((keep_ink, "keep_ink"), (with_originals, "with_originals")):
        if not isinstance(flag, (bool, np.bool_)):
            raise ValueError(f"{name} must be True or False; got {flag!r} ({type(flag).__name__})")
    pool = x.reshape(-1, SIDE, SIDE)
    if keep_ink:  # the digits whose ink has room to move `shift` pixels one way on both axes
        room = _ink_room(pool > 0)
        fits = (np.maximum(room[:, 0], room[:, 1]) >= shift) & (np.maximum(room[:, 2], room[:, 3]) >= shift)
        if not fits.any():
            raise ValueError(f"keep_ink=True needs digits with room to move {shift} pixels inside 28×28; "
                             f"none of the {len(pool)} given has it (try a smaller shift)")
        pool, room = pool[fits], room[fits]
    pick = rng.integers(0, len(pool), size=k)
    images = pool[pick]
    signs = rng.choice([-1, 1], size=(k, 2))
    if keep_ink:  # turn a sign round when the ink has no room that way (it has room the other way)
        r = room[pick]
        signs[:, 0] = np.where(signs[:, 0] > 0, np.where(r[:, 1] >= shift, 1, -1), np.where(r[:, 0] >= shift, -1, 1))
        signs[:, 1] = np.where(signs[:, 1] > 0, np.where(r[:, 3] >= shift, 1, -1), np.where(r[:, 2] >= shift, -1, 1))
    out = np.zeros_like(images)
    for i, (sy, sx) in enumerate(signs * shift):
        src = images[i, max(0, -sy):SIDE - max(0, sy), max(0, -sx):SIDE - max(0, sx)]
        out[i, max(0, sy):max(0, sy) + src.shape[0], max(0, sx):max(0, sx) + src.shape[1]] = src
    finish = (lambda a: a.reshape(k, N_PIXELS).astype(np.float32)) if keep_ink else _finish
    return (finish(out), finish(images)) if with_originals else finish(out)


def letters(k: int, rng) -> np.ndarray:
    """Block capitals that are not digit look-alikes, from a 5×7 font scaled ×3, anti-aliased."""
    rng, k = _rng(rng), _k(k)
    out = np.zeros((k, SIDE, SIDE))
    lo, hi = FRAME
    for i, letter in enumerate(rng.choice(LETTERS, size=k)):
        glyph = np.array([[c == "1" for c in row] for row in _FONT[str(letter)]], dtype=float)
        glyph = np.kron(glyph, np.ones((3, 3)))  # 21 × 15
        top = rng.integers(lo - 1, hi - glyph.shape[0] + 2)
        left = rng.integers(lo, hi - glyph.shape[1] + 1)
        out[i, top:top + glyph.shape[0], left:left + glyph.shape[1]] = glyph
    return _finish(_blur(out))


def _shape(kind: str, rng: np.random.Generator) -> np.ndarray:
    yy, xx = np.mgrid[0:SIDE, 0:SIDE].astype(float)
    cy, cx = 13.5 + rng.uniform(-2, 2, size=2)
    if kind in ("ring", "disc"):
        r = rng.uniform(5.5, 9.0)
        d = np.hypot(yy - cy, xx - cx)
        return (d <= r) & ((d >= r - 2.2) if kind == "ring" else True)
    if kind in ("box", "square"):
        hy, hx = rng.uniform(3.5, 9.0, size=2)
        inside = (abs(yy - cy) <= hy) & (abs(xx - cx) <= hx)
        if kind == "square":
            return inside
        return inside & ~((abs(yy - cy) <= hy - 2) & (abs(xx - cx) <= hx - 2))
    if kind == "cross":
        arm, width = rng.uniform(6, 9.5), rng.uniform(1.0, 1.8)
        return ((abs(yy - cy) <= width) & (abs(xx - cx) <= arm)) | ((abs(xx - cx) <= width) & (abs(yy - cy) <= arm))
    if kind == "triangle":
        h = rng.uniform(7, 9.5)
        return (yy - cy <= h) & (yy - cy >= -h) & (abs(xx - cx) <= (yy - cy + h) / 2)
    if kind == "stripes":
        period = int(rng.integers(3, 6))
        vertical = rng.random() < 0.5
        return ((xx if vertical else yy).astype(int) // (period // 2 + 1)) % 2 == 0
    raise ValueError(f"shape kind must be one of {SHAPES}; got {kind!r}")


def shapes(k: int, rng) -> np.ndarray:
    """Geometric shapes (rings, discs, boxes, squares, crosses, triangles, stripes), anti-aliased."""
    rng, k = _rng(rng), _k(k)
    kinds = rng.choice(SHAPES, size=k)
    out = np.stack([_shape(str(kind), rng) for kind in kinds]).astype(float)
    return _finish(_blur(out * frame_mask().reshape(SIDE, SIDE)))


def add_noise(x, level: float = 0.5, rng=0) -> np.ndarray:
    """``clip(x + level · N(0, 1), 0, 1)`` as float32, any shape; the same ``rng`` seed gives the same noise.

    A fixed seed draws one noise pattern: calls at several levels scale that one pattern.
    """
    if isinstance(level, bool) or not isinstance(level, (int, float, np.integer, np.floating)) \
            or not np.isfinite(level) or level < 0:
        raise ValueError(f"noise level must be a finite number ≥ 0; got {level!r}")
    x = np.asarray(x, dtype=np.float32)
    noise = _rng(rng).standard_normal(x.shape, dtype=np.float32)
    return np.clip(x + np.float32(level) * noise, 0.0, 1.0)


def make_probes(digits, k: int, rng, families=FAMILIES, *, keep_ink: bool = False) -> dict[str, np.ndarray]:
    """One ``(k, 784)`` array per non-digit family, in the order of ``families``.

    ``keep_ink`` goes to :func:`shifted_digits` (True: shifted digits lose no ink; notebook 06).
    """
    x, rng, k = _digits(digits), _rng(rng), _k(k)
    makers = {"noise": lambda: uniform_noise(k, rng), "inverted": lambda: inverted_digits(x, k, rng),
              "shifted": lambda: shifted_digits(x, k, rng, keep_ink=keep_ink), "letters": lambda: letters(k, rng),
              "shapes": lambda: shapes(k, rng)}
    unknown = [f for f in families if f not in makers]
    if unknown or not len(families):
        raise ValueError(f"families must be a non-empty selection of {FAMILIES}; got {tuple(families)}")
    return {name: makers[name]() for name in families}
