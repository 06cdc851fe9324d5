"""Keras autoencoders of the blog post, as one builder: shallow, deep, sparse, overcomplete.

``build_autoencoder(32)`` is the blog's 784 → Dense(32, relu) → Dense(784, sigmoid) with Adam
and binary cross-entropy; ``hidden=(128, 64)`` gives its deep 784-128-64-32-64-128-784.  The
code layer is always named ``"encoding"`` and the output layer ``"decoding"``, so encoder and
decoder can be recovered from any saved model.  Introduced in notebook 04.
"""
from __future__ import annotations

import dataclasses
import warnings

import numpy as np

from aehelpers.nets.recipes import check_settings
from aehelpers.nets.training import JIT_COMPILE, STEPS_PER_EXECUTION
from aehelpers.runtime import import_tensorflow_quietly
from aehelpers.theory import framework as fw


@dataclasses.dataclass(frozen=True)
class KerasAutoencoder:
    """The full model A∘B with its encoder B and decoder A, all sharing the same layers."""

    model: object
    encoder: object
    decoder: object

    @property
    def p(self) -> int:
        """The code size (width of the ``"encoding"`` layer)."""
        return int(self.model.get_layer("encoding").units)


def split_autoencoder(model) -> KerasAutoencoder:
    """Recover encoder and decoder from a model whose code layer is named ``"encoding"``."""
    import keras

    names = [layer.name for layer in model.layers]
    if "encoding" not in names or "decoding" not in names:
        raise ValueError(f"expected a model with layers named 'encoding' and 'decoding'; got layers {names}")
    code = model.get_layer("encoding")
    encoder = keras.Model(model.inputs, code.output, name="encoder")
    code_input = keras.Input(shape=(code.units,), name="code")
    h = code_input
    for layer in model.layers[names.index("encoding") + 1:]:
        h = layer(h)
    decoder = keras.Model(code_input, h, name="decoder")
    return KerasAutoencoder(model=model, encoder=encoder, decoder=decoder)


def build_autoencoder(p: int = 32, *, n: int = 784, hidden: tuple[int, ...] = (), activation: str = "relu",
                      code_activation: str | None = None, output_activation: str = "sigmoid",
                      activity_l1: float = 0.0, use_bias: bool = True, learning_rate: float = 1e-3,
                      loss: str = "binary_crossentropy", name: str | None = None,
                      seed: int | None = None) -> KerasAutoencoder:
    """Build and compile an n → hidden… → p → …hidden → n autoencoder (Adam, ``loss``).

    Compiled with ``STEPS_PER_EXECUTION`` batches per call and XLA (``JIT_COMPILE``), as notebook 04
    explains.  ``code_activation`` defaults to ``activation``; ``activity_l1`` adds the blog's L1 activity
    penalty on the code (sparsity).  ``seed`` fixes the initial weights (layer k is drawn with
    seed + k) without touching any global random state; ``None`` draws them from Keras' global
    generator, as a plain ``Dense`` does.  Every argument is checked by ``recipes.check_settings``
    (types, finite rates, at most ``MAX_WEIGHTS`` weights) before Keras is imported.
    """
    checked = check_settings(p=p, n=n, hidden=hidden, activity_l1=activity_l1, learning_rate=learning_rate,
                             seed=seed, activation=activation, code_activation=code_activation,
                             output_activation=output_activation, loss=loss, name=name)
    p, n, hidden, activity_l1, learning_rate, seed = (checked[k] for k in ("p", "n", "hidden", "activity_l1",
                                                                             "learning_rate", "seed"))
    if not isinstance(use_bias, bool):
        raise ValueError(f"use_bias must be True or False; got {use_bias!r} ({type(use_bias).__name__})")
    import_tensorflow_quietly()
    import keras

    code_activation = activation if code_activation is None else code_activation
    regularizer = keras.regularizers.L1(activity_l1) if activity_l1 else None
    layer_count = iter(range(2 * len(hidden) + 2))

    def dense(width, act, name, **kwargs):
        init = "glorot_uniform" if seed is None else keras.initializers.GlorotUniform(seed=seed + next(layer_count))
        return keras.layers.Dense(width, activation=act, use_bias=use_bias, kernel_initializer=init, name=name, **kwargs)

    x = keras.Input(shape=(n,), name="image")
    h = x
    for i, width in enumerate(hidden):
        h = dense(width, activation, f"enc_{i + 1}")(h)
    h = dense(p, code_activation, "encoding", activity_regularizer=regularizer)(h)
    for i, width in enumerate(reversed(hidden)):
        h = dense(width, activation, f"dec_{i + 1}")(h)
    z = dense(n, output_activation, "decoding")(h)
    model = keras.Model(x, z, name=name or f"autoencoder_{'-'.join(map(str, (n, *hidden, p)))}")
    model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss=loss, steps_per_execution=STEPS_PER_EXECUTION,
                  jit_compile=JIT_COMPILE)
    return split_autoencoder(model)


def predict_in_chunks(keras_model, X, chunk: int = 2048) -> np.ndarray:
    """``keras_model(X)`` in eager chunks: for one-off passes far quicker than ``predict`` (no tracing)."""
    X = np.asarray(X, np.float32)
    with warnings.catch_warnings():  # a model split off another expects its input as a 1-list; an array is fine
        warnings.filterwarnings("ignore", message="The structure of `inputs`", category=UserWarning)
        return np.concatenate([np.asarray(keras_model(X[i:i + chunk], training=False))
                               for i in range(0, len(X), chunk)])


def as_framework(kae: KerasAutoencoder) -> fw.Autoencoder:
    """A Keras autoencoder as Baldi's pair (notebook 01): B = its encoder, A = its decoder.  Notebook 03."""
    for part in ("encoder", "decoder", "model"):
        if not hasattr(kae, part):
            raise ValueError(f"expected a KerasAutoencoder with .model, .encoder, .decoder; got {type(kae).__name__}")
    n = int(kae.model.inputs[0].shape[-1])
    p = int(kae.encoder.outputs[0].shape[-1])
    return fw.Autoencoder(A=lambda H: predict_in_chunks(kae.decoder, H), B=lambda X: predict_in_chunks(kae.encoder, X),
                          n=n, p=p, name=kae.model.name)
