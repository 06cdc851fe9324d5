"""One call at the top of every notebook: seeds, determinism, quiet TensorFlow, plot style.

Introduced in notebook 00.
"""
from __future__ import annotations

import dataclasses
import logging
import random
import warnings
from pathlib import Path

import numpy as np

from .mode import is_offline, is_quick, mode_name
from .paths import cache_dir, figures_dir
from .tf_quiet import capture_fd2, filter_tensorflow_stderr, import_tensorflow_quietly, quiet_tensorflow_env


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
    with capture_fd2():  # TensorFlow logs a one-off C++ line on the first fit; keep it off screen
        _warm_up(tf)
    seed_everything(seed)  # again, so the warm-up leaves no trace in the seeded streams
    mpl.rcParams.update({
        "figure.dpi": 100, "savefig.dpi": 110, "savefig.bbox": "tight",
        "axes.grid": True, "grid.alpha": 0.3, "axes.spines.top": False, "axes.spines.right": False,
        "image.cmap": "gray", "figure.figsize": (7.0, 4.0), "font.size": 10,
    })
    return NotebookSetup(seed=int(seed), quick=is_quick(), offline=is_offline(),
                         figures=figures_dir(), cache=cache_dir())
