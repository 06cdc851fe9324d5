"""Keras autoencoders of the blog post, as one builder: shallow, deep, sparse, overcomplete.

``build_autoencoder(32)`` is the blog's 784 → Dense(32, relu) → Dense(784, sigmoid) with Adam
and binary cross-entropy; ``hidden=(128, 64)`` gives its deep 784-128-64-32-64-128-784.  The
code layer is always named ``"encoding"`` and the output layer ``"decoding"``, so encoder and
decoder can be recovered from any saved model.  Introduced in notebook 04.
"""
from __future__ import annotations

import dataclasses

from .checks import check_int_in_range
from .setup import import_tensorflow_quietly


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
                      loss: str = "binary_crossentropy", name: str | None = None) -> KerasAutoencoder:
    """Build and compile an n → hidden… → p → …hidden → n autoencoder (Adam, ``loss``).

    ``code_activation`` defaults to ``activation``; ``activity_l1`` adds the blog's L1 activity
    penalty on the code (sparsity).  Seed with ``seed_everything`` before calling.
    """
    p = check_int_in_range(p, "p", 1)
    n = check_int_in_range(n, "n", 1)
    for width in hidden:
        check_int_in_range(width, "each hidden width", 1)
    if activity_l1 < 0:
        raise ValueError(f"activity_l1 must be ≥ 0; got {activity_l1}")
    if not learning_rate > 0:
        raise ValueError(f"learning_rate must be > 0; got {learning_rate}")
    import_tensorflow_quietly()
    import keras

    code_activation = activation if code_activation is None else code_activation
    regularizer = keras.regularizers.L1(activity_l1) if activity_l1 else None
    x = keras.Input(shape=(n,), name="image")
    h = x
    for i, width in enumerate(hidden):
        h = keras.layers.Dense(width, activation=activation, use_bias=use_bias, name=f"enc_{i + 1}")(h)
    h = keras.layers.Dense(p, activation=code_activation, use_bias=use_bias,
                           activity_regularizer=regularizer, name="encoding")(h)
    for i, width in enumerate(reversed(hidden)):
        h = keras.layers.Dense(width, activation=activation, use_bias=use_bias, name=f"dec_{i + 1}")(h)
    z = keras.layers.Dense(n, activation=output_activation, use_bias=use_bias, name="decoding")(h)
    model = keras.Model(x, z, name=name or f"autoencoder_{'-'.join(map(str, (n, *hidden, p)))}")
    model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss=loss)
    return split_autoencoder(model)
