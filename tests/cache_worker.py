"""A second process for the cache tests: ``python cache_worker.py ROOT MODE [SECONDS]``.

Asks ``cache.cached`` for one NumPy result, so that no Keras start-up is timed.  Modes: ``make``
asks for the entry and prints ``hit``/``trained`` and the result; ``die`` starts saving the entry
and kills itself (SIGKILL) in the middle of the save.  With ``CACHE_WORKER_GATE=path`` set, the
"training" writes ``path.started`` and waits for ``path.release``, so a test can hold it while a
second process arrives.
"""
import os
import signal
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from aehelpers import cache  # noqa: E402

MADE = []


def train(x, p):
    """The stand-in for a training: slow on purpose when asked to be."""
    gate = os.environ.get("CACHE_WORKER_GATE")
    if gate:  # tell the test we are training, then wait until it lets us finish
        Path(gate + ".started").write_text(str(os.getpid()))
        deadline = time.monotonic() + 120
        while not Path(gate + ".release").exists() and time.monotonic() < deadline:
            time.sleep(0.05)
    time.sleep(SECONDS)
    with open(Path(ROOT) / "trainings.log", "a") as fh:
        fh.write(f"{os.getpid()}\n")
    MADE.append(1)
    return {"W": x[:p] * 2.0, "loss": [0.5, 0.25]}


def _die_while_saving(path, arrays):
    with open(path, "wb") as fh:
        fh.write(b"PK half a file")
        fh.flush()
    os.kill(os.getpid(), signal.SIGKILL)


if __name__ == "__main__":
    ROOT, MODE = sys.argv[1], sys.argv[2]
    SECONDS = float(sys.argv[3]) if len(sys.argv) > 3 else 0.0
    os.environ["AEHELPERS_CACHE"] = ROOT
    if MODE == "die":
        cache._save_arrays = _die_while_saving
    got = cache.cached(train, np.arange(12.0).reshape(4, 3), 2)
    print("trained" if MADE else "hit", got["loss"], flush=True)
