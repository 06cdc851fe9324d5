"""Training with a progress bar that stays one line, and a plain history dict back.

Introduced in notebook 04.
"""
from __future__ import annotations

import time

import numpy as np

from .checks import as_matrix, check_int_in_range, check_pixels, check_same_length

# Batches Keras hands TensorFlow per call (``compile(steps_per_execution=...)``). A step of the
# course's small dense models is mostly fixed per-call cost on a CPU; 16 steps per call do the
# same arithmetic in the same order (tests/test_models.py) and made epochs of the 784-32-784
# model 0.71× as long here (`make bench`: aehelpers_recipe.epoch_time_ratio, against one step per call).
STEPS_PER_EXECUTION = 16


def _progress_callback(epochs: int, desc: str):
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
        cbs.append(_progress_callback(epochs, progress if isinstance(progress, str) else model.name))
    start = time.perf_counter()
    hist = model.fit(x, y, epochs=epochs, batch_size=batch_size, shuffle=shuffle,
                     validation_data=validation_data, verbose=0, callbacks=cbs)
    seconds = time.perf_counter() - start
    out = {key: [float(v) for v in values] for key, values in hist.history.items()}
    out.update(seconds=seconds, epochs=epochs)
    return out
