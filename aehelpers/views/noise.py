"""Noisy digits for the denoising autoencoder, and the noise-level slider over frames computed once.

``add_noise(x, level, rng)`` is the Keras post's corruption: ``x + level · N(0, 1)`` clipped to
[0, 1] (the post uses ``level = 0.5``).  ``prepare_noise_view`` corrupts a few test digits at
every level of a grid once and runs the denoiser on them once; ``render_noise`` only tiles
those arrays into a PNG, so a slider move runs no model.  Introduced in notebook 06.
"""
from __future__ import annotations

import dataclasses
import numpy as np

from aehelpers.probes import SIDE
from aehelpers.views.pictures import mosaic, to_png
from aehelpers.views.slider import Frame, Slider



def check_level(level, name: str = "noise level") -> float:
    """``level`` as a float in [0, 1], else ``ValueError`` naming the value."""
    if isinstance(level, bool) or not isinstance(level, (int, float, np.integer, np.floating)):
        raise ValueError(f"{name} must be a number in [0, 1]; got {level!r} ({type(level).__name__})")
    v = float(level)
    if not np.isfinite(v) or v < 0.0 or v > 1.0:
        raise ValueError(f"{name} must lie in [0, 1]; got {v:g}")
    return v


def as_images(x, name: str = "x") -> np.ndarray:
    """``x`` as float32 ``(k, 28, 28, 1)``, the shape the convolutional models take, else ``ValueError``.

    ``(k, 28, 28)`` gets its channel axis added; anything else (e.g. flattened ``(k, 784)``) is refused.
    """
    arr = np.asarray(x, dtype=np.float32)
    if arr.ndim == 3 and arr.shape[1:] == (SIDE, SIDE):
        arr = arr[..., None]
    if arr.ndim != 4 or arr.shape[1:] != (SIDE, SIDE, 1) or len(arr) == 0:
        raise ValueError(f"{name}: the convolutional model takes images of shape (k, {SIDE}, {SIDE}, 1) "
                         f"or (k, {SIDE}, {SIDE}); got {arr.shape}"
                         + (" (flattened: use x.reshape(-1, 28, 28, 1))" if arr.ndim == 2 else ""))
    return arr


def add_noise(x, level: float = 0.5, rng=0) -> np.ndarray:
    """``clip(x + level · N(0, 1), 0, 1)``, as the Keras post corrupts its digits; same shape as ``x``."""
    level = check_level(level)
    rng = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
    x = np.asarray(x, dtype=np.float32)
    return np.clip(x + level * rng.standard_normal(x.shape).astype(np.float32), 0.0, 1.0)


def bce_per_image(x, x_hat, eps: float = 1e-7) -> np.ndarray:
    """Mean binary cross-entropy of each image (nats per pixel), as Keras computes it; shape ``(k,)``."""
    x = np.asarray(x, dtype=np.float64).reshape(len(x), -1)
    p = np.clip(np.asarray(x_hat, dtype=np.float64).reshape(len(x_hat), -1), eps, 1 - eps)
    if x.shape != p.shape:
        raise ValueError(f"x and x_hat must hold the same images; got {x.shape} and {p.shape}")
    return -(x * np.log(p) + (1 - x) * np.log(1 - p)).mean(axis=1)


@dataclasses.dataclass(frozen=True)
class NoiseView:
    """Noisy inputs and denoised outputs of a few digits at every noise level, computed once."""

    levels: tuple
    clean: np.ndarray  # (k, 28, 28)
    noisy: dict  # level -> (k, 28, 28)
    denoised: dict  # level -> (k, 28, 28)
    bce: dict  # level -> mean BCE of denoised against clean (all k digits)


def prepare_noise_view(denoise, x_clean, levels, *, seed: int = 0) -> NoiseView:
    """Corrupt ``x_clean`` at every level (one fixed noise pattern, scaled) and run ``denoise`` once on all.

    ``denoise`` maps ``(m, 28, 28, 1)`` images to the same shape (e.g. ``model.predict``).  The same
    standard-normal draw is scaled by each level, so moving the slider changes only the amount of noise.
    """
    levels = tuple(check_level(v, "each noise level") for v in levels)
    if not levels or len(set(levels)) != len(levels):
        raise ValueError(f"levels must be non-empty without repeats; got {levels!r}")
    clean = as_images(x_clean, "x_clean")
    eps = np.random.default_rng(seed).standard_normal(clean.shape).astype(np.float32)
    noisy = np.stack([np.clip(clean + v * eps, 0.0, 1.0) for v in levels])  # (L, k, 28, 28, 1)
    out = np.asarray(denoise(noisy.reshape(-1, SIDE, SIDE, 1)), dtype=np.float32).reshape(noisy.shape)
    k = len(clean)
    return NoiseView(levels, clean[..., 0],
                     {v: noisy[i, ..., 0] for i, v in enumerate(levels)},
                     {v: out[i, ..., 0] for i, v in enumerate(levels)},
                     {v: float(bce_per_image(clean, out[i]).mean()) for i, v in enumerate(levels)} if k else {})


def render_noise(view: NoiseView, level: float) -> Frame:
    """Rows: noisy input, denoised output, clean digit, at ``level`` (one of the view's levels)."""
    level = check_level(level)
    if level not in view.levels:
        raise ValueError(f"noise level must be one of the precomputed levels {list(view.levels)}; got {level:g}")
    k = len(view.clean)
    pic = mosaic(np.concatenate([view.noisy[level], view.denoised[level], view.clean]), ncols=k)
    label = f"noise level = {level:.2f} · denoised vs clean: BCE = {view.bce[level]:.4f}"
    return Frame(to_png(pic, scale=2), label, {"noise level": level, "BCE": view.bce[level]})


def noise_slider(view: NoiseView, level: float = 0.5) -> Slider:
    """One slider over the noise levels; the three rows of digits and the error follow."""
    start = min(view.levels, key=lambda v: abs(v - level))
    return Slider(lambda level: render_noise(view, level), {"level": view.levels}, {"level": start},
                  caption="rows: noisy input · denoised by the model · the clean digit")
