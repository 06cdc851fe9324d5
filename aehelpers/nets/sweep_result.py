"""What a finished sweep holds: the ``Sweep`` a slider reads (models, losses, the digits it shows, all
computed once), and the NumPy forward pass and scores it is computed with (``nets.sweep`` trains it)."""
from __future__ import annotations

import dataclasses

import numpy as np

from aehelpers.checks import check_int_in_range
from aehelpers.nets.models import KerasAutoencoder, split_autoencoder
from aehelpers.nets.recipes import Recipe, RecipeByP
from aehelpers.theory.framework import binary_cross_entropy


def _show_indices(show, n_eval: int) -> np.ndarray:
    """``show`` (a count of first test digits, or their indices) as indices, else ``ValueError``."""
    if np.ndim(show) == 0:
        return np.arange(check_int_in_range(show, "show", 1, n_eval))
    idx = np.asarray(show)
    if idx.ndim != 1 or idx.size == 0 or idx.dtype.kind not in "iu" or idx.min() < 0 or idx.max() >= n_eval:
        raise ValueError(f"show must be a count or 1-D indices into the {n_eval} test images; got {show!r}")
    return idx.astype(int)


@dataclasses.dataclass
class Sweep:
    """Trained models for every p plus everything a slider move needs, computed once.

    ``val_loss[p]``/``mse[p]``: BCE and squared error on the evaluation images; ``x_show``,
    ``x_hat[p]``, ``codes[p]``: the digits a view shows; ``dead[p]``: units zero on every image;
    ``hits[p]`` False for a p trained by this run.  Introduced in notebook 04.
    """

    p_values: tuple
    models: dict
    histories: dict
    hits: dict
    val_loss: dict
    mse: dict
    dead: dict
    zero_fraction: dict
    x_show: np.ndarray
    x_hat: dict
    codes: dict
    recipe: Recipe | RecipeByP  # as given to start_sweep (epochs applied)
    recipes: dict  # p -> the Recipe that p was trained with
    seconds: float  # wall time from start_sweep to the result (training, or loading from the cache)
    fit_seconds: dict  # p -> wall time of its fit in this run (0 when loaded from the cache)
    floor: float | None = None  # mean binary entropy of the evaluation images (the loss floor)
    paths: dict = dataclasses.field(default_factory=dict)

    @property
    def hit(self) -> bool:  # every model came from the cache (nothing was trained)
        return all(self.hits.values())

    @property
    def train_seconds(self) -> float:  # the fits of this run added up (side by side: more than wall time)
        return float(sum(self.fit_seconds.values()))

    def summary(self) -> str:
        """One line per p: validation loss, MSE, dead units, where the model came from."""
        lines = [f"{'p':>4} {'val loss':>9} {'MSE':>7} {'dead':>5}  source"]
        for p in self.p_values:
            lines.append(f"{p:>4} {self.val_loss[p]:>9.4f} {self.mse[p]:>7.4f} {self.dead[p]:>2}/{p:<3} "
                         f"{'cache' if self.hits[p] else 'trained'}")
        return "\n".join(lines)


def evaluate_codes(codes: np.ndarray) -> tuple[int, float]:
    """``(dead, zero_fraction)`` of a ReLU code matrix: units zero on every row, share of zeros.  Notebook 04."""
    codes = np.asarray(codes)
    dead = int(np.sum(np.all(codes <= 0, axis=0)))
    return dead, float(np.mean(codes <= 0))


def shallow_forward(net: KerasAutoencoder, x: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """``(codes, reconstructions, mean BCE)`` of a 784 → p → 784 model, in NumPy from its weights: what
    ``evaluate``/``predict`` give (BCE per pixel) without Keras' per-call set-up (~1 s per model here)."""
    if (names := [layer.name for layer in net.model.layers if layer.weights]) != ["encoding", "decoding"]:
        raise ValueError(f"shallow_forward expects layers ['encoding', 'decoding']; got {names}")
    w1, b1 = net.model.get_layer("encoding").get_weights()
    w2, b2 = net.model.get_layer("decoding").get_weights()
    codes = np.maximum(x @ w1 + b1, np.float32(0))
    logits = (codes @ w2 + b2).astype(np.float64)
    e = np.exp(-np.abs(logits))  # in (0, 1]: a sigmoid without overflow
    recon = np.where(logits >= 0, 1 / (1 + e), e / (1 + e))
    bce = binary_cross_entropy(recon, x).mean() / x.shape[1]
    return codes, recon.astype(np.float32), float(bce)


def _evaluate(model, x_eval: np.ndarray, rows: int = 2048) -> dict:
    """``val_loss``, ``mse``, ``dead`` units and ``zero`` share of codes of one model on ``x_eval``, ``rows``
    at a time (the float64 logits stay small; nothing of size len(x_eval) × 784 is kept)."""
    net, bce, se, alive, zeros = split_autoencoder(model), 0.0, 0.0, None, 0
    for lo in range(0, len(x_eval), rows):
        x = x_eval[lo:lo + rows]
        codes, recon, loss = shallow_forward(net, x)
        bce, se = bce + loss * len(x), se + float(np.sum(np.square(recon - x), dtype=np.float64))
        alive = np.any(codes > 0, axis=0) | (False if alive is None else alive)
        zeros += int(np.sum(codes <= 0))
    return {"val_loss": bce / len(x_eval), "mse": se / x_eval.size, "dead": int(np.sum(~alive)),
            "zero": zeros / (len(x_eval) * net.p)}
