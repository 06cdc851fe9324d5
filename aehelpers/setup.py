"""One call at the top of every notebook: seeds, determinism, quiet TensorFlow, plot style.

Introduced in notebook 00.
"""
from __future__ import annotations

import atexit
import contextlib
import dataclasses
import logging
import os
import random
import tempfile
import warnings
from pathlib import Path

import numpy as np

from .mode import is_offline, is_quick, mode_name
from .paths import cache_dir, figures_dir

# TensorFlow reads these when it loads; aehelpers/__init__ sets them before anything imports it.
TF_QUIET_ENV = {"TF_CPP_MIN_LOG_LEVEL": "2", "TF_ENABLE_ONEDNN_OPTS": "0"}


def quiet_tensorflow_env() -> None:
    """Set TensorFlow's start-up switches unless the user already chose values."""
    for key, value in TF_QUIET_ENV.items():
        os.environ.setdefault(key, value)


def _warm_up(tf) -> None:
    """Probe devices and run one tiny fit, so TensorFlow's one-off C++ log lines happen here."""
    import keras

    tf.config.list_physical_devices()
    x = np.zeros((600, 2), dtype=np.float32)
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    model.fit(x, x[:, :1], validation_data=(x, x[:, :1]), batch_size=256, shuffle=True, epochs=1, verbose=0)
    model.predict(x, verbose=0)
    keras.backend.clear_session()


@contextlib.contextmanager
def _fd2_captured():
    """Send file descriptor 2 to a temporary file; replay it only if the block fails."""
    import sys

    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile(mode="w+b") as sink:
        os.dup2(sink.fileno(), 2)
        try:
            yield
        except BaseException:
            os.dup2(saved, 2)
            sink.seek(0)
            sys.stderr.write(sink.read().decode(errors="replace"))
            raise
        finally:
            os.dup2(saved, 2)
            os.close(saved)


# C++ log lines TensorFlow 2.21 prints while working that say nothing a reader can act on.
HARMLESS_TF_LINES = (
    "NodeDef mentions attribute use_unbounded_threadpool",  # tf.data graph/op version skew
    "failed call to cuInit",  # no GPU driver on a CPU machine
)
_relay_started = False


def filter_tensorflow_stderr() -> None:
    """Relay file descriptor 2 through a thread that drops ``HARMLESS_TF_LINES``.

    Everything else (Python tracebacks, real TensorFlow errors) passes through unchanged.
    Started once per process by ``setup_notebook``.
    """
    import sys
    import threading

    global _relay_started
    if _relay_started:
        return
    sys.stderr.flush()
    target = os.dup(2)
    read_end, write_end = os.pipe()
    os.dup2(write_end, 2)
    os.close(write_end)

    def relay() -> None:
        pending = b""
        while chunk := os.read(read_end, 65536):
            pending += chunk
            *lines, pending = pending.split(b"\n")
            kept = [ln for ln in lines if not any(m.encode() in ln for m in HARMLESS_TF_LINES)]
            if kept:
                os.write(target, b"\n".join(kept) + b"\n")
        if pending:
            os.write(target, pending)

    thread = threading.Thread(target=relay, name="aehelpers-stderr-filter", daemon=True)
    thread.start()
    _relay_started = True

    def drain() -> None:  # at exit: restore fd 2 (closing the pipe) and let the relay finish
        sys.stderr.flush()
        os.dup2(target, 2)
        thread.join(timeout=2.0)

    atexit.register(drain)


def import_tensorflow_quietly():
    """Import TensorFlow with its C++ start-up lines (CUDA probing, CPU features) kept off screen.

    Those lines go straight to file descriptor 2, past ``TF_CPP_MIN_LOG_LEVEL``; they are
    captured while TensorFlow loads and probes devices, and shown only if that fails.
    """
    import sys

    if "tensorflow" in sys.modules:
        return sys.modules["tensorflow"]
    quiet_tensorflow_env()
    with _fd2_captured():
        import tensorflow as tf

        tf.config.list_physical_devices()
    return tf


def seed_everything(seed: int) -> None:
    """Seed Python, NumPy and Keras (and so TensorFlow); call it again before each model build."""
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer; got {seed!r}")
    random.seed(int(seed))
    np.random.seed(int(seed))
    import_tensorflow_quietly()
    import keras

    keras.utils.set_random_seed(int(seed))


@dataclasses.dataclass(frozen=True)
class NotebookSetup:
    """What ``setup_notebook`` did, for the notebook to print or use."""

    seed: int
    quick: bool
    offline: bool
    figures: Path
    cache: Path

    def __str__(self) -> str:
        return (f"seed {self.seed}, {mode_name()} mode{' (AEHELPERS_QUICK=1)' if self.quick else ''}, "
                f"{'offline' if self.offline else 'online allowed'}; figures -> {self.figures}")


def setup_notebook(seed: int = 42, *, deterministic: bool = True) -> NotebookSetup:
    """Seed everything, make TensorFlow ops deterministic, quiet its logs, set plot defaults."""
    quiet_tensorflow_env()
    filter_tensorflow_stderr()
    import matplotlib as mpl

    tf = import_tensorflow_quietly()

    logging.getLogger("tensorflow").setLevel(logging.ERROR)
    try:
        import absl.logging

        absl.logging.set_verbosity(absl.logging.ERROR)
    except ImportError:  # absl ships with TensorFlow; nothing to quiet without it
        pass
    warnings.filterwarnings("ignore", category=UserWarning, module="keras")
    seed_everything(seed)
    if deterministic:
        tf.config.experimental.enable_op_determinism()
    with _fd2_captured():  # TensorFlow logs a one-off C++ line on the first fit; keep it off screen
        _warm_up(tf)
    seed_everything(seed)  # again, so the warm-up leaves no trace in the seeded streams
    mpl.rcParams.update({
        "figure.dpi": 100, "savefig.dpi": 110, "savefig.bbox": "tight",
        "axes.grid": True, "grid.alpha": 0.3, "axes.spines.top": False, "axes.spines.right": False,
        "image.cmap": "gray", "figure.figsize": (7.0, 4.0), "font.size": 10,
    })
    return NotebookSetup(seed=int(seed), quick=is_quick(), offline=is_offline(),
                         figures=figures_dir(), cache=cache_dir())
