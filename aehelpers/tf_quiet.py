"""TensorFlow without the noise: start-up switches, a quiet import, a filter for its C++ log lines.

TensorFlow writes one-off C++ lines (CUDA probing, CPU features, graph version skew) straight
to file descriptor 2, past Python's logging; this module keeps those a reader cannot act on off
the screen and lets everything else through.  Used by ``notebook_setup`` and every module
that imports TensorFlow.  Introduced in notebook 00.
"""
from __future__ import annotations

import atexit
import contextlib
import os
import sys
import tempfile
import threading

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


def import_tensorflow_quietly():
    """Import TensorFlow with its C++ start-up lines (CUDA probing, CPU features) kept off screen.

    Those lines go straight to file descriptor 2, past ``TF_CPP_MIN_LOG_LEVEL``; they are
    captured while TensorFlow loads and probes devices, and shown only if that fails.
    """
    if "tensorflow" in sys.modules:
        return sys.modules["tensorflow"]
    quiet_tensorflow_env()
    with capture_fd2():
        import tensorflow as tf

        tf.config.list_physical_devices()
    return tf


