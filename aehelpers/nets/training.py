"""Training with a progress bar that stays one line, and a plain history dict back.

Introduced in notebook 04.

The linear autoencoder in Keras, and how to train it to the PCA optimum in seconds.

784 → Dense(p, no bias, no activation) → Dense(784, no bias, no activation), MSE on centred
data: Baldi's linear n/p/n autoencoder with B = encoder kernelᵀ (p × n) and A = decoder
kernelᵀ (n × p).  What makes it fast and reliable: an orthogonal encoder with the decoder tied
to its transpose at the start (A B is already a projection), large batches, a cosine-decaying
learning rate, and the Muon optimiser, which replaces each kernel's momentum gradient by its
nearest orthogonal matrix so that every singular direction moves at the same speed; the
direction between u_p and u_{p+1}, slow for Adam when the eigengap λ_p − λ_{p+1} is small,
is then no slower than the rest.  It is still gradient descent on the autoencoder loss: the
eigenvectors are never given to the network.  Introduced in notebook 02.
"""
from __future__ import annotations

import time
import numpy as np

from aehelpers.checks import as_matrix, check_int_in_range, check_pixels, check_same_length
from aehelpers.nets.recipes import check_settings
from aehelpers.theory.pca import check_centred
from aehelpers.runtime import seed_everything
from aehelpers.runtime import import_tensorflow_quietly


# --- Training with a progress bar that stays one line, and a plain history dict back. ---------

# Batches Keras hands TensorFlow per call (``compile(steps_per_execution=...)``). A step of the
# course's small dense models is mostly fixed per-call cost on a CPU; 16 steps per call do the
# same arithmetic in the same order (tests/test_models.py).
STEPS_PER_EXECUTION = 16
# ``compile(jit_compile=...)`` for the dense models trained with Adam: XLA compiles one training step
# (forward pass, gradient, Adam update) into one fused program; Keras loops it 16 times per call.
# With the TensorFlow backend on a CPU "auto" leaves XLA off; asking for it made an epoch of the
# 784-32-784 model about 0.4x as long as the blog's code as written, at the same loss
# (tests/test_xla.py; `make bench`: aehelpers_recipe.epoch_time_ratio). Keras ignores the request while
# TensorFlow's op determinism is on, so ``setup_notebook`` leaves that switch off (seeded runs are still
# reproducible bit for bit: tests/test_reproducible.py). XLA costs a few seconds of compiling in the
# first epoch, and does not pay for the linear models below (Muon, 8 epochs: twice the time) nor for
# the convolutional ones of notebook 06 (epochs twice as long).
JIT_COMPILE = True


def progress_callback(epochs: int, desc: str):
    """A Keras callback showing one tqdm bar over ``epochs`` epochs, labelled ``desc``, with the loss."""
    import keras
    from tqdm.auto import tqdm

    class _Bar(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            self.bar = tqdm(total=epochs, desc=desc, unit="epoch", leave=True)

        def on_epoch_end(self, epoch, logs=None):
            logs = logs or {}
            self.bar.set_postfix({k: f"{v:.4f}" for k, v in logs.items() if k in ("loss", "val_loss")})
            self.bar.update(1)

        def on_train_end(self, logs=None):
            self.bar.close()

    return _Bar()


def _loss_name(model) -> str:
    loss = getattr(model, "loss", None)
    return str(getattr(loss, "name", None) or getattr(loss, "__name__", None) or loss).lower()


def check_model_fits(model, x: np.ndarray, y: np.ndarray, what: str = "") -> None:
    """Refuse, before ``fit``, data the model cannot learn: wrong widths, or cross-entropy targets outside [0, 1].

    A wrong width found by Keras inside ``fit`` leaves the model unable to train again in this
    process, and targets of 0…255 (a forgotten ``/ 255``) train silently to a huge loss.
    """
    if getattr(model, "optimizer", None) is None or getattr(model, "loss", None) is None:
        raise ValueError(f"compile the model before training it (model {getattr(model, 'name', model)!r} "
                         "has no optimizer or loss)")
    n_in, n_out = model.inputs[0].shape[-1], model.outputs[0].shape[-1]
    if len(model.inputs) == 1 and n_in is not None and x.shape[1] != n_in:
        raise ValueError(f"{what}x must have {n_in} columns to match the model's input; got shape {x.shape}")
    if len(model.outputs) == 1 and n_out is not None and y.shape[1] != n_out:
        raise ValueError(f"{what}y must have {n_out} columns to match the model's output; got shape {y.shape}")
    if "crossentropy" in _loss_name(model).replace("_", "") or _loss_name(model) == "bce":
        check_pixels(y, f"{what}y", "targets of a cross-entropy loss")


def train(model, x, y=None, *, epochs: int, batch_size: int = 256, validation_data=None,
          shuffle: bool = True, progress: bool | str = True, callbacks=()) -> dict:
    """Fit ``model`` on ``x`` → ``y`` (``y=None``: auto-associative, targets are ``x``).

    Returns ``{"loss": [...], "val_loss": [...], "seconds": total, "epochs": epochs}``.  Data the
    model cannot learn is refused before ``fit`` (see ``check_model_fits``).
    ``progress`` shows one tqdm bar over epochs (a string sets its label); ``False`` is silent.
    """
    epochs = check_int_in_range(epochs, "epochs", 1)
    batch_size = check_int_in_range(batch_size, "batch_size", 1)
    x = as_matrix(x, "x", dtype=np.float32)
    y = x if y is None else as_matrix(y, "y", dtype=np.float32)
    check_same_length(x, y, "x", "y")
    check_model_fits(model, x, y)
    if validation_data is not None:
        if not isinstance(validation_data, (tuple, list)) or len(validation_data) not in (1, 2):
            raise ValueError("validation_data must be (x_val,) or (x_val, y_val); "
                             f"got {type(validation_data).__name__}")
        vx = as_matrix(validation_data[0], "validation x", n_cols=x.shape[1], dtype=np.float32)
        vy = vx if len(validation_data) < 2 or validation_data[1] is None else \
            as_matrix(validation_data[1], "validation y", n_cols=y.shape[1], dtype=np.float32)
        check_same_length(vx, vy, "validation x", "validation y")
        check_model_fits(model, vx, vy, "validation ")
        validation_data = (vx, vy)
    cbs = list(callbacks)
    if progress:
        cbs.append(progress_callback(epochs, progress if isinstance(progress, str) else model.name))
    start = time.perf_counter()
    hist = model.fit(x, y, epochs=epochs, batch_size=batch_size, shuffle=shuffle,
                     validation_data=validation_data, verbose=0, callbacks=cbs)
    seconds = time.perf_counter() - start
    out = {key: [float(v) for v in values] for key, values in hist.history.items()}
    out.update(seconds=seconds, epochs=epochs)
    return out


# --- The linear autoencoder in Keras, and how to train it to the PCA optimum in seconds. ------

def default_batch_size(m: int) -> int:
    """Large batches on big data, but at least ~32 steps per epoch on small data: clip(m // 32, 32, 1024)."""
    return int(np.clip(m // 32, 32, 1024))


def build_linear_autoencoder(n: int, p: int, *, n_out: int | None = None, seed: int = 0, tied: bool = True):
    """Uncompiled Keras model x ↦ x Bᵀ Aᵀ: layers ``"encoding"`` (n → p) and ``"decoding"`` (p → n_out).

    The encoder starts orthogonal; with ``tied`` (and n_out = n) the decoder starts as its
    transpose, so A B starts as a random rank-p projection.
    """
    n = check_int_in_range(n, "n", 2)
    n_out = n if n_out is None else check_int_in_range(n_out, "n_out", 1)
    p = check_int_in_range(p, "p", 1, min(n, n_out))
    import_tensorflow_quietly()
    import keras

    x = keras.Input(shape=(n,), name="x")
    enc = keras.layers.Dense(p, use_bias=False, kernel_initializer=keras.initializers.Orthogonal(seed=seed),
                             name="encoding")
    dec = keras.layers.Dense(n_out, use_bias=False,
                             kernel_initializer=keras.initializers.Orthogonal(seed=seed + 1), name="decoding")
    model = keras.Model(x, dec(enc(x)), name=f"linear_autoencoder_{n}-{p}-{n_out}")
    if tied and n_out == n:
        dec.kernel.assign(np.asarray(enc.kernel.numpy()).T)
    return model


def weights_AB(model) -> tuple[np.ndarray, np.ndarray]:
    """(A, B) of a linear autoencoder model in Baldi's layout: A (n × p), B (p × n), float64."""
    names = [layer.name for layer in model.layers]
    if "encoding" not in names or "decoding" not in names:
        raise ValueError(f"expected layers named 'encoding' and 'decoding'; got {names}")
    B = np.asarray(model.get_layer("encoding").kernel.numpy(), dtype=np.float64).T
    A = np.asarray(model.get_layer("decoding").kernel.numpy(), dtype=np.float64).T
    return A, B


OPTIMIZERS = ("muon", "adam", "sgd")


def make_optimizer(name: str, schedule):
    """Keras optimiser ``name`` (one of ``OPTIMIZERS``) without weight decay: decay would bias the optimum."""
    import keras

    if name == "muon":
        return keras.optimizers.Muon(schedule, weight_decay=0.0, adam_weight_decay=0.0)
    if name == "adam":
        return keras.optimizers.Adam(schedule)
    if name == "sgd":
        return keras.optimizers.SGD(schedule, momentum=0.9)
    raise ValueError(f"optimizer must be one of {OPTIMIZERS}; got {name!r}")


def train_linear_autoencoder(x_train, p, *, y_train=None, epochs: int = 8, batch_size: int | None = None,
                             learning_rate: float = 0.02, final_lr_fraction: float = 0.01, seed: int = 0,
                             optimizer: str = "muon", snapshots: bool = True):
    """Train the linear n/p/n autoencoder on the MSE by gradient descent; return ``(A, B, history, seconds)``.

    ``x_train`` must be centred: the model has no biases, and on centred data its optimum is
    covariance PCA (the theorem itself holds for uncentred Σ = Σₜ xₜxₜᵀ too).  ``y_train``
    gives the hetero-associative case (targets, centred too).  ``history`` holds the
    per-epoch ``"loss"`` and, with ``snapshots``, ``"A"`` and ``"B"`` after every epoch and
    ``"seconds_at_epoch"`` (their time stamps, snapshot cost included).
    ``seconds`` is the wall time of ``fit`` alone (model building excluded).
    """
    x = check_centred(as_matrix(x_train, "x_train", dtype=np.float32), "x_train")
    y = x if y_train is None else check_centred(as_matrix(y_train, "y_train", dtype=np.float32), "y_train")
    check_same_length(x, y, "x_train", "y_train")
    p = check_int_in_range(p, "p", 1, min(x.shape[1], y.shape[1]))
    epochs = check_int_in_range(epochs, "epochs", 1)
    batch_size = default_batch_size(len(x)) if batch_size is None else check_int_in_range(batch_size, "batch_size", 1)
    checked = check_settings(learning_rate=learning_rate, final_lr_fraction=final_lr_fraction, seed=seed)
    learning_rate, final_lr_fraction = checked["learning_rate"], checked["final_lr_fraction"]
    if not isinstance(optimizer, str) or optimizer not in OPTIMIZERS:
        raise ValueError(f"optimizer must be one of {OPTIMIZERS}; got {optimizer!r}")
    import keras

    model = build_linear_autoencoder(x.shape[1], p, n_out=y.shape[1], seed=seed, tied=y_train is None)
    seed_everything(seed)  # the order of the mini-batches
    steps = epochs * -(-len(x) // batch_size)
    schedule = keras.optimizers.schedules.CosineDecay(learning_rate, steps, alpha=final_lr_fraction)
    model.compile(optimizer=make_optimizer(optimizer, schedule), loss="mse", steps_per_execution=STEPS_PER_EXECUTION)
    decoders: list[np.ndarray] = []
    encoders: list[np.ndarray] = []
    clock: list[float] = []

    class _Snapshot(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            clock.append(time.perf_counter() - start)
            A_now, B_now = weights_AB(model)
            decoders.append(A_now)
            encoders.append(B_now)

    start = time.perf_counter()
    hist = model.fit(x, y, batch_size=batch_size, epochs=epochs, shuffle=True, verbose=0,
                     callbacks=[_Snapshot()] if snapshots else [])
    seconds = time.perf_counter() - start
    A, B = weights_AB(model)
    history = {"loss": [float(v) for v in hist.history["loss"]], "epochs": epochs, "batch_size": batch_size,
               "learning_rate": learning_rate, "optimizer": optimizer, "p": p, "model": model}
    if snapshots:
        history.update(A=decoders, B=encoders, seconds_at_epoch=clock)
    return A, B, history, seconds


def train_linear_tracked(x_train, p, *, x_test=None, U_ref=None, **train_kwargs):
    """:func:`train_linear_autoencoder`, its result reduced to what a notebook keeps: ``(A, B, history)``.

    ``history`` holds ``"loss"`` per epoch, ``"seconds"`` (training time), ``"epochs"`` and
    ``"batch_size"``.  With ``x_test`` and ``U_ref`` (the reference basis, e.g. u₁…u_p) it also
    holds ``"test_mse"`` (test MSE after each epoch), ``"cosines"`` (principal cosines of col(A) with
    ``U_ref``, epochs × k, flattened), ``"captured"`` (:func:`~aehelpers.theory.linear.captured_fraction`
    after the first epoch) and ``"seconds_at_epoch"``.  Only arrays, numbers and lists: notebook 02
    remembers it with ``ae.cached(ae.train_linear_tracked, ...)``.
    """
    from aehelpers.theory import linear as lin

    track = x_test is not None and U_ref is not None
    if (x_test is None) != (U_ref is None):
        raise ValueError("give both x_test and U_ref (to track convergence) or neither; got only one")
    A, B, history, seconds = train_linear_autoencoder(x_train, p, snapshots=track, **train_kwargs)
    kept = {"loss": history["loss"], "seconds": seconds, "epochs": history["epochs"],
            "batch_size": history["batch_size"]}
    if track:
        kept["seconds_at_epoch"] = history["seconds_at_epoch"]
        kept["test_mse"] = [lin.reconstruction_mse(x_test, a, b) for a, b in zip(history["A"], history["B"])]
        kept["cosines"] = np.concatenate([lin.principal_cosines(a, U_ref) for a in history["A"]]).tolist()
        kept["captured"] = lin.captured_fraction(U_ref, history["A"][0]).tolist()
    return A, B, kept
