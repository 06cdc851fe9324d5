"""Greedy layer-wise training of the blog's deep autoencoder, versus training it end to end.

Greedy: train a shallow autoencoder 784 → 128 → 784 on the images, then 128 → 64 → 128 on its
codes, then 64 → 32 → 64 on those; stack the encoders and (in reverse) the decoders into the
deep 784-128-64-32-64-128-784 model; fine-tune it end to end.  Each layer is a vertical
composition step in Baldi's sense.  Notebook 05 writes this loop in its own cells (the lesson's
model code stays visible) and uses :func:`mean_image_loss` and :func:`plot_losses` from here;
:func:`train_greedy` and :func:`train_end_to_end` are the same recipe as tested functions.
Introduced in notebook 05.
"""
from __future__ import annotations

import dataclasses
import time
import numpy as np

from aehelpers.checks import as_matrix, check_int_in_range
from aehelpers.theory.framework import binary_cross_entropy
from aehelpers.nets.models import KerasAutoencoder, build_autoencoder, predict_in_chunks
from aehelpers.runtime import seed_everything
from aehelpers.nets.training import train

def _mean_bce(z, x) -> float:
    """Keras' ``binary_crossentropy``: the framework's Δ (notebook 01) per pixel, averaged over images."""
    return float(np.mean(binary_cross_entropy(z, x)) / x.shape[1])


def mean_image_loss(x_train, x_test) -> float:
    """Binary cross-entropy (Keras' per-pixel mean) of predicting the mean training image for every test image.

    The baseline any autoencoder must beat: it uses no information about the input.
    """
    x_train, x_test = as_matrix(x_train, "x_train"), as_matrix(x_test, "x_test")
    if x_train.shape[1] != x_test.shape[1]:
        raise ValueError(f"x_train and x_test must have the same width; got {x_train.shape[1]} and {x_test.shape[1]}")
    return _mean_bce(np.broadcast_to(x_train.mean(axis=0), x_test.shape), x_test)


@dataclasses.dataclass
class GreedyResult:
    """The greedily trained deep autoencoder, its shallow layers and the loss after every stage."""

    deep: KerasAutoencoder
    layers: list                     # the shallow KerasAutoencoders, bottom first
    histories: list                  # one training history per stage (layers, then fine-tuning)
    stacked_loss: float              # deep model's validation loss right after stacking, before fine-tuning
    final_loss: float                # after fine-tuning
    epochs: int                      # total epochs spent (all stages)
    seconds: float


def _evaluate(model, x) -> float:
    """Keras' binary cross-entropy of ``model`` on ``x`` (mean over pixels and images), without tracing."""
    return _mean_bce(predict_in_chunks(model, x, chunk=8192), x)


def train_greedy(x_train, x_val, *, p: int = 32, hidden=(128, 64), pretrain_epochs=(1, 1, 1),
                 finetune_epochs: int = 1, batch_size: int = 256, seed: int = 0,
                 progress: bool = True) -> GreedyResult:
    """Pretrain each layer as a shallow autoencoder on the previous codes, stack, then fine-tune.

    The bottom layer reconstructs images (sigmoid output, binary cross-entropy); upper layers
    reconstruct ReLU codes (ReLU output, mean squared error), so their decoders slot straight
    into the deep model's ReLU decoder layers.  ``pretrain_epochs`` has one entry per layer
    (``len(hidden) + 1``).
    """
    x_train = as_matrix(x_train, "x_train", dtype=np.float32)
    x_val = as_matrix(x_val, "x_val", n_cols=x_train.shape[1], dtype=np.float32)
    widths = (*tuple(hidden), check_int_in_range(p, "p", 1))
    pretrain_epochs = tuple(pretrain_epochs)
    if len(pretrain_epochs) != len(widths):
        raise ValueError(f"pretrain_epochs needs one entry per layer ({len(widths)} for widths {widths}); "
                         f"got {pretrain_epochs}")
    for e in pretrain_epochs:
        check_int_in_range(e, "each pretraining epoch count", 1)
    finetune_epochs = check_int_in_range(finetune_epochs, "finetune_epochs", 0)
    start = time.perf_counter()
    layers, histories = [], []
    h_train, h_val, n_in = x_train, x_val, x_train.shape[1]
    for i, (width, epochs) in enumerate(zip(widths, pretrain_epochs)):
        bottom = i == 0
        seed_everything(seed + i)  # the order training visits the images in
        layer = build_autoencoder(width, n=n_in, output_activation="sigmoid" if bottom else "relu",
                                  loss="binary_crossentropy" if bottom else "mse", name=f"layer_{i + 1}",
                                  seed=seed + 10 * i)
        histories.append(train(layer.model, h_train, epochs=epochs, batch_size=batch_size,
                               validation_data=(h_val,), progress=f"layer {i + 1}: {n_in}→{width}" if progress else False))
        layers.append(layer)
        h_train, h_val = predict_in_chunks(layer.encoder, h_train, 8192), predict_in_chunks(layer.encoder, h_val, 8192)
        n_in = width
    seed_everything(seed + len(widths))
    deep = build_autoencoder(widths[-1], n=x_train.shape[1], hidden=widths[:-1], name="deep_greedy",
                             seed=seed + 10 * len(widths))
    stack_layers(deep, layers)
    stacked_loss = _evaluate(deep.model, x_val)
    final_loss = stacked_loss
    if finetune_epochs:
        histories.append(train(deep.model, x_train, epochs=finetune_epochs, batch_size=batch_size,
                               validation_data=(x_val,), progress="fine-tune" if progress else False))
        final_loss = _evaluate(deep.model, x_val)
    return GreedyResult(deep=deep, layers=layers, histories=histories, stacked_loss=stacked_loss,
                        final_loss=final_loss, epochs=sum(pretrain_epochs) + finetune_epochs,
                        seconds=time.perf_counter() - start)


def stack_layers(deep: KerasAutoencoder, layers) -> None:
    """Copy shallow layers' weights into the deep model: encoders bottom-up, decoders top-down."""
    model = deep.model
    enc_names = [f"enc_{i + 1}" for i in range(len(layers) - 1)] + ["encoding"]
    dec_names = [f"dec_{i + 1}" for i in range(len(layers) - 1)] + ["decoding"]
    if len(model.layers) - 1 != 2 * len(layers):
        raise ValueError(f"the deep model has {len(model.layers) - 1} dense layers; {len(layers)} shallow "
                         f"autoencoders fill exactly {2 * len(layers)}")
    for name, layer in zip(enc_names, layers):
        model.get_layer(name).set_weights(layer.model.get_layer("encoding").get_weights())
    for name, layer in zip(dec_names, reversed(layers)):
        model.get_layer(name).set_weights(layer.model.get_layer("decoding").get_weights())


def train_end_to_end(x_train, x_val, *, p: int = 32, hidden=(128, 64), epochs: int = 4, batch_size: int = 256,
                     seed: int = 0, progress: bool = True) -> tuple[KerasAutoencoder, dict, float]:
    """The blog's way: build the deep model and train all of it at once; returns (model, history, val loss)."""
    x_train = as_matrix(x_train, "x_train", dtype=np.float32)
    x_val = as_matrix(x_val, "x_val", n_cols=x_train.shape[1], dtype=np.float32)
    seed_everything(seed)  # the order training visits the images in
    deep = build_autoencoder(p, n=x_train.shape[1], hidden=tuple(hidden), name="deep_end_to_end", seed=seed)
    history = train(deep.model, x_train, epochs=epochs, batch_size=batch_size, validation_data=(x_val,),
                    progress="end to end" if progress else False)
    return deep, history, _evaluate(deep.model, x_val)


def greedy_history(result: GreedyResult) -> dict:
    """A :class:`GreedyResult` as the flat history ``plot_losses`` reads (and the model cache stores).

    Keys: ``pretrain_epochs`` (epochs spent on the shallow layers), ``stacked_loss`` (validation
    loss right after stacking) and the fine-tuning ``loss``/``val_loss`` lists.
    """
    tuned = result.histories[len(result.layers):]
    out = {"pretrain_epochs": sum(len(h["val_loss"]) for h in result.histories[:len(result.layers)]),
           "stacked_loss": float(result.stacked_loss), "loss": [], "val_loss": []}
    if tuned:
        out["loss"], out["val_loss"] = list(tuned[0]["loss"]), list(tuned[0]["val_loss"])
    return out


def plot_losses(end_to_end: dict, greedy, baseline: float, ax=None):
    """Validation loss against cumulative epochs: end to end versus greedy stages then fine-tuning.

    ``end_to_end`` is a training history (``val_loss`` per epoch); ``greedy`` a dict with
    ``pretrain_epochs``, ``stacked_loss`` and the fine-tuning ``val_loss`` (as notebook 05's greedy
    fit returns it), or a :class:`GreedyResult`.
    """
    import matplotlib.pyplot as plt

    if isinstance(greedy, GreedyResult):
        greedy = greedy_history(greedy)
    missing = {"pretrain_epochs", "stacked_loss", "val_loss"} - set(greedy)
    if missing or "val_loss" not in end_to_end:
        raise ValueError(f"expected greedy keys pretrain_epochs, stacked_loss, val_loss and an end-to-end val_loss; "
                         f"missing {sorted(missing) or ['val_loss (end to end)']}")
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 4))
    e2e = end_to_end["val_loss"]
    ax.plot(np.arange(1, len(e2e) + 1), e2e, "o-", label="end to end")
    done = int(greedy["pretrain_epochs"])
    ax.axvspan(0.5, done + 0.5, color="0.9", label="greedy: pretraining layers (other losses)")
    ax.plot([done], [greedy["stacked_loss"]], "s", color="C1", label="greedy: stacked, before fine-tuning")
    ft = list(greedy["val_loss"])
    if ft:
        ax.plot(np.arange(done + 1, done + len(ft) + 1), ft, "o-", color="C1", label="greedy: fine-tuning")
    ax.axhline(baseline, color="k", ls="--", lw=1, label="predict the mean image")
    ax.set_xlabel("epochs spent (all stages)")
    ax.set_ylabel("validation binary cross-entropy")
    ax.set_title("Deep 784-128-64-32-64-128-784: end to end vs greedy layer-wise")
    ax.legend(fontsize=8)
    return ax
