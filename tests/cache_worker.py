"""A second process for the model-cache tests: ``python cache_worker.py ROOT MODE [SECONDS]``.

Uses a stand-in model (bytes on disk) so that no Keras start-up is timed.  Modes:
``make`` asks for one entry and prints ``hit``/``trained``; ``die`` starts saving the entry and
kills itself (SIGKILL) in the middle of the save.  With ``CACHE_WORKER_GATE=path`` set, the
"training" writes ``path.started`` and waits for ``path.release``, so a test can hold it while a
second process arrives.
"""
import os
import signal
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from aehelpers import cache  # noqa: E402

KEY = {"test": "two writers", "p": [128, 64]}


class FakeModel:
    def __init__(self, payload=b"trained"):
        self.payload = payload

    def save(self, path):
        Path(path).write_bytes(self.payload)
        if MODE == "die":
            os.kill(os.getpid(), signal.SIGKILL)


def load(path):
    return FakeModel(Path(path).read_bytes())


def make():
    gate = os.environ.get("CACHE_WORKER_GATE")
    if gate:  # tell the test we are training, then wait until it lets us finish
        Path(gate + ".started").write_text(str(os.getpid()))
        deadline = time.monotonic() + 120
        while not Path(gate + ".release").exists() and time.monotonic() < deadline:
            time.sleep(0.05)
    time.sleep(SECONDS)  # "training"
    with open(Path(ROOT) / "trainings.log", "a") as fh:
        fh.write(f"{os.getpid()}\n")
    return FakeModel(), {"loss": [0.5, 0.25]}


if __name__ == "__main__":
    ROOT, MODE = sys.argv[1], sys.argv[2]
    SECONDS = float(sys.argv[3]) if len(sys.argv) > 3 else 0.0
    cache._load_model = load
    got = cache.get_or_make("worker", KEY, make, root=Path(ROOT), verbose=True)
    print("hit" if got.hit else "trained", got.model.payload.decode(), flush=True)
