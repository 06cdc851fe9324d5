"""Diagrams of autoencoders: Baldi's n/p/n framework drawn with Matplotlib, Keras models drawn by Graphviz.

``plot_framework`` draws A∘B as an input box, a code box and an output box with B and A between
and Δ below (pure Matplotlib patches: no Graphviz needed); introduced in notebook 01.
``plot_architecture`` draws a Keras model with ``keras.utils.plot_model``, which needs pydot and
Graphviz's ``dot`` program; when either is missing Keras prints a hint and returns ``None``, so
``graphviz_status`` checks both first and says in one line what is missing and how to get it.
Otherwise the PNG is written atomically into the figures folder.  Introduced in notebook 04.
"""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np

from aehelpers.checks import check_int_in_range
from aehelpers.files import atomic_path, figure_path


# --- Baldi's framework (notebook 01) ------------------------------------------------------------------

def _box_height(dim: int, biggest: int, tallest: float = 3.0, shortest: float = 0.7) -> float:
    """Box height growing like √dim, so 32 next to 784 is still visible."""
    return max(shortest, tallest * np.sqrt(dim / biggest))


def plot_framework(n: int = 784, p: int = 32, *, x_image=None, z_image=None, side: int = 28,
                   hetero: bool = False, ax=None):
    """Draw A∘B as three boxes (n, p, n) with the maps B: Fⁿ → Gᵖ, A: Gᵖ → Fⁿ and the error Δ.

    ``x_image``/``z_image`` (``side*side`` values in [0, 1]) are drawn inside the input and output
    boxes, white digits on black.
    ``hetero=True`` labels the comparison Δ(A∘B(x), y).  Returns the axes.
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

    n, p = check_int_in_range(n, "n", 1), check_int_in_range(p, "p", 1)
    if ax is None:
        _, ax = plt.subplots(figsize=(9, 4.6))
    biggest = max(n, p)
    boxes = {  # name: (x centre, height, colour, title, dimension line)
        "in": (1.0, _box_height(n, biggest), "#dbe9f6", r"input $x \in \mathbb{F}^n$", f"n = {n}"),
        "code": (4.5, _box_height(p, biggest), "#fde2c8", r"code $h = B(x) \in \mathbb{G}^p$", f"p = {p}"),
        "out": (8.0, _box_height(n, biggest), "#d9f0d3", r"output $z = A \circ B(x) \in \mathbb{F}^n$", f"n = {n}"),
    }
    width, mid = 1.5, 2.0
    for key, (xc, h, colour, title, dim) in boxes.items():
        ax.add_patch(FancyBboxPatch((xc - width / 2, mid - h / 2), width, h, boxstyle="round,pad=0.04",
                                    facecolor=colour, edgecolor="#333333", linewidth=1.2))
        ax.text(xc, mid + h / 2 + 0.35, title, ha="center", va="bottom", fontsize=10)
        ax.text(xc, mid + h / 2 + 0.1, dim, ha="center", va="bottom", fontsize=9, color="#444444")
        image = {"in": x_image, "out": z_image}.get(key)
        if image is not None:
            img = np.asarray(image, dtype=np.float32)
            if img.size != side * side:
                name = "x_image" if key == "in" else "z_image"
                raise ValueError(f"{name} must hold side² = {side * side} values; got shape {img.shape}")
            img = img.reshape(side, side)
            s = min(width, h) * 0.8
            ax.imshow(img, cmap="gray", vmin=0, vmax=1, extent=(xc - s / 2, xc + s / 2, mid - s / 2, mid + s / 2),
                      zorder=3)  # white digit on black, as MNIST and every other picture of the series
    for (a, b), label in ((("in", "code"), r"encoder $B \in \mathcal{B}$" + "\n" + r"$\mathbb{F}^n \to \mathbb{G}^p$"),
                          (("code", "out"), r"decoder $A \in \mathcal{A}$" + "\n" + r"$\mathbb{G}^p \to \mathbb{F}^n$")):
        x0, x1 = boxes[a][0] + width / 2 + 0.08, boxes[b][0] - width / 2 - 0.08
        ax.add_patch(FancyArrowPatch((x0, mid), (x1, mid), arrowstyle="-|>", mutation_scale=18, linewidth=1.6,
                                     color="#333333"))
        ax.text((x0 + x1) / 2, mid - 0.15, label, ha="center", va="top", fontsize=9)
    tallest = max(h for _, h, *_ in boxes.values())
    low = mid - tallest / 2 - 0.2
    ax.add_patch(FancyArrowPatch((boxes["out"][0], low), (boxes["in"][0], low), connectionstyle="arc3,rad=-0.2",
                                 arrowstyle="<|-|>", mutation_scale=14, linewidth=1.2, color="#a23b3b"))
    target = "y" if hetero else "x"
    ax.text(4.5, low - 0.75, rf"$\Delta(A \circ B(x_t), {target}_t)$, summed: "
            rf"$E(A,B) = \sum_t \Delta(A \circ B(x_t), {target}_t)$", ha="center", va="top", fontsize=10,
            color="#a23b3b")
    ax.set_xlim(-0.2, 9.2)
    ax.set_ylim(low - 1.3, mid + tallest / 2 + 1.0)
    ax.set_aspect("equal")
    ax.axis("off")
    regime = "compressive, p < n" if p < n else "p ≥ n: the identity is a solution"
    ax.set_title(f"Baldi's n/p/n autoencoder ({regime})")
    return ax


# --- Keras architectures (notebook 04) ---------------------------------------------------------------

INSTALL_HINT = "install Graphviz (apt-get install graphviz, brew install graphviz or conda install graphviz)"


def graphviz_status() -> tuple[bool, str]:
    """``(True, version)`` when pydot and Graphviz's ``dot`` both work, else ``(False, why)``."""
    try:
        import pydot  # noqa: F401
    except ImportError:
        return False, "pydot is not installed (pip install pydot)"
    dot = shutil.which("dot")
    if dot is None:
        return False, f"Graphviz's 'dot' program is not on PATH; {INSTALL_HINT}"
    try:
        run = subprocess.run([dot, "-V"], capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.SubprocessError) as err:
        return False, f"Graphviz's 'dot' at {dot} does not run ({err}); {INSTALL_HINT}"
    if run.returncode != 0:
        return False, f"Graphviz's 'dot' at {dot} failed (exit {run.returncode}); {INSTALL_HINT}"
    return True, (run.stderr or run.stdout).strip()


def plot_architecture(model, name: str, *, show_shapes: bool = True, show_layer_names: bool = True,
                      rankdir: str = "TB", dpi: int = 80, verbose: bool = True) -> Path | None:
    """Draw ``model`` with ``keras.utils.plot_model`` into ``<figures_dir>/<name>.png``.

    Returns the path, or ``None`` after printing one line saying what is missing (pydot or
    Graphviz) so that the notebook goes on without the picture.
    """
    path = figure_path(name, "diagram")
    if rankdir not in ("TB", "LR"):
        raise ValueError(f"rankdir must be 'TB' or 'LR'; got {rankdir!r}")
    ok, why = graphviz_status()
    if not ok:
        if verbose:
            print(f"architecture diagram skipped: {why}")
        return None
    import keras

    with atomic_path(path) as tmp:
        keras.utils.plot_model(model, to_file=str(tmp), show_shapes=show_shapes,
                               show_layer_names=show_layer_names, rankdir=rankdir, dpi=dpi)
    return path
