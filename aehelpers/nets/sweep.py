"""The bottleneck sweep: one shallow autoencoder per code size p, trained once, cached on disk.

``train_sweep(data, p_values, epochs=..., seed=...)`` gets one ``build_autoencoder(p)`` model
per p through ``cache.cached_model``, the path notebook 04's blog model takes: loaded when a
trusted entry exists, else built, trained (``training.train``) and stored.  Models missing from the
cache of a full-size sweep are trained in worker processes, one TensorFlow thread each, two at a time
on two cores (``workers``): a step of these small models is mostly fixed per-step cost that one
process cannot spread over two cores (an epoch of p = 128 took 1.40 s with two threads and 1.47 s
with one), so two one-thread processes side by side train about 1.9× as many epochs per second.
The workers are fresh interpreters (``aehelpers.nets.sweep_worker``), not forks or ``multiprocessing``
spawns, so a script that calls ``train_sweep`` needs no ``if __name__ == "__main__"`` guard.

The default recipe is faster than the blog's 50 epochs at a constant learning rate: fewer
epochs with a higher peak rate that decays to zero along a cosine (``FAST``); ``make bench``
compares it with the blog's recipe (``PLAIN``) at every p.
Introduced in notebook 04.
"""
from __future__ import annotations

import atexit
import dataclasses
import itertools
import os
import pickle
import tempfile
import time
import warnings
from pathlib import Path
import numpy as np

from aehelpers import cache
from aehelpers.checks import as_matrix, check_int_in_range, check_pixels
from aehelpers.nets.models import KerasAutoencoder, build_autoencoder, split_autoencoder
from aehelpers.cache import fingerprint
from aehelpers.runtime import seed_everything
from aehelpers.runtime import import_tensorflow_quietly
from aehelpers.nets.training import STEPS_PER_EXECUTION, train

DEFAULT_P = (2, 4, 8, 16, 32, 64, 128)
ARCHITECTURE = "784-p-784 dense, relu code, sigmoid output, binary cross-entropy"


@dataclasses.dataclass(frozen=True)
class Recipe:
    """How a sweep is trained: epochs, batch size, peak learning rate and its schedule."""

    epochs: int
    batch_size: int = 256
    learning_rate: float = 1e-3
    schedule: str = "constant"  # "constant" (the blog) or "cosine" (decay to 0 over all steps)
    warmup_epochs: int = 0  # cosine only: rise linearly from 0 to learning_rate over these first epochs

    def __post_init__(self):
        check_int_in_range(self.epochs, "epochs", 1)
        check_int_in_range(self.batch_size, "batch_size", 1)
        if not self.learning_rate > 0:
            raise ValueError(f"learning_rate must be > 0; got {self.learning_rate}")
        if self.schedule not in ("constant", "cosine"):
            raise ValueError(f"schedule must be 'constant' or 'cosine'; got {self.schedule!r}")
        check_int_in_range(self.warmup_epochs, "warmup_epochs", 0, self.epochs - 1)
        if self.warmup_epochs and self.schedule != "cosine":
            raise ValueError(f"warmup_epochs needs schedule='cosine'; got schedule={self.schedule!r}")

    def optimizer(self, steps_per_epoch: int):
        """A fresh Adam with this recipe's learning rate (schedule)."""
        import keras

        lr = self.learning_rate
        if self.schedule == "cosine":
            warmup = self.warmup_epochs * steps_per_epoch
            lr = keras.optimizers.schedules.CosineDecay(
                0.0 if warmup else self.learning_rate, self.epochs * steps_per_epoch - warmup,
                warmup_target=self.learning_rate if warmup else None, warmup_steps=warmup)
        return keras.optimizers.Adam(lr)

    def for_p(self, p: int) -> "Recipe":
        """The recipe for code size ``p``: this one, whatever p is."""
        return self

    def describe(self) -> str:
        """One line in words: epochs, batch size, learning rate and schedule."""
        rate = f"Adam at {self.learning_rate:g}" if self.schedule == "constant" else \
            (f"Adam warming up over {self.warmup_epochs} epoch{'s' * (self.warmup_epochs != 1)} to {self.learning_rate:g}, "
             if self.warmup_epochs else f"Adam from {self.learning_rate:g}, ") + "then a cosine decay to 0"
        return f"{self.epochs} epochs, batches of {self.batch_size}, {rate}"

    def with_epochs(self, epochs: int) -> "Recipe":
        """This recipe over ``epochs`` epochs, keeping at most ``epochs - 1`` of warm-up."""
        epochs = check_int_in_range(epochs, "epochs", 1)
        return dataclasses.replace(self, epochs=epochs, warmup_epochs=min(self.warmup_epochs, epochs - 1))


@dataclasses.dataclass(frozen=True)
class RecipeByP:
    """A recipe per range of code sizes: ``steps = ((p_max, Recipe), ...)`` with increasing ``p_max``.

    Code size p is trained with the first step whose ``p_max`` is at least p; the last step also
    covers every larger p.  Small codes are cheap per epoch and slow to converge; large ones the
    other way round, so the fast sweep gives them different numbers of epochs.
    """

    steps: tuple

    def __post_init__(self):
        steps = tuple(self.steps) if isinstance(self.steps, (tuple, list)) else None
        if not steps or not all(isinstance(s, (tuple, list)) and len(s) == 2 and isinstance(s[1], Recipe)
                                for s in steps):
            raise ValueError(f"steps must be a non-empty sequence of (p_max, Recipe) pairs; got {self.steps!r}")
        bounds = [check_int_in_range(s[0], "p_max", 1) for s in steps]
        if any(b <= a for a, b in zip(bounds, bounds[1:])):
            raise ValueError(f"the p_max of the steps must increase; got {bounds}")
        object.__setattr__(self, "steps", tuple((b, s[1]) for b, s in zip(bounds, steps)))

    def for_p(self, p: int) -> Recipe:
        """The recipe code size ``p`` is trained with."""
        p = check_int_in_range(p, "p", 1)
        return next((recipe for p_max, recipe in self.steps if p <= p_max), self.steps[-1][1])

    def describe(self) -> str:
        """One line per step: which code sizes, and how they are trained."""
        lines, low = [], 1
        for i, (p_max, recipe) in enumerate(self.steps):
            which = f"p ≥ {low}" if i == len(self.steps) - 1 else f"p ≤ {p_max}" if low == 1 else f"{low} ≤ p ≤ {p_max}"
            lines.append(f"{which}: {recipe.describe()}")
            low = p_max + 1
        return "\n".join(lines)

    def with_epochs(self, epochs: int) -> "RecipeByP":
        """Every step over ``epochs`` epochs (a short run for tests and quick mode)."""
        return RecipeByP(tuple((p_max, recipe.with_epochs(epochs)) for p_max, recipe in self.steps))


PLAIN = Recipe(epochs=50, batch_size=256, learning_rate=1e-3, schedule="constant")  # the blog's
# FAST: within 2% of PLAIN's validation loss at every p in 2…128 on full MNIST (`make bench`, seed 0) in a
# fraction of its time. Where the time goes (2 cores): at batch 256 a step of a small model is mostly fixed
# per-step cost, so batches of 512 make an epoch ~0.6–0.9× as long; fewer, larger steps then need a higher
# peak rate, reached over a 2-epoch warm-up so that no unit dies (6e-3 at batch 1024 killed 3–8 units at
# p ≥ 64). Small codes learn slowest and cost least per epoch: they get 30 epochs at 8e-3 (p = 2: +1.5%);
# from p = 8 up 20 epochs at 6e-3 are enough (+0.7…1.4%; 20 epochs at 3e-3 missed by 3–4%).
# XLA (jit_compile) made epochs slower here; 16 steps per execution made a one-thread epoch alone ~0.8× as long
# (/tmp runs), two workers side by side ~0.9× (`make bench`: sweep.fit_s against the run before).
FAST = RecipeByP(((4, Recipe(epochs=30, batch_size=512, learning_rate=8e-3, schedule="cosine", warmup_epochs=2)),
                  (784, Recipe(epochs=20, batch_size=512, learning_rate=6e-3, schedule="cosine", warmup_epochs=2))))


@dataclasses.dataclass
class Sweep:
    """Trained models for every p plus everything a slider move needs, computed once.

    ``val_loss[p]`` is the binary cross-entropy ``model.evaluate`` gives on the evaluation images,
    ``mse[p]`` the mean squared error there; ``x_show``/``x_hat[p]``/``codes[p]`` are the few
    digits a view shows, their reconstructions and their codes; ``dead[p]`` counts code units
    that are zero on every evaluation image.
    """

    p_values: tuple
    models: dict
    histories: dict
    hits: dict
    val_loss: dict
    mse: dict
    dead: dict
    zero_fraction: dict
    x_show: np.ndarray
    x_hat: dict
    codes: dict
    recipe: "Recipe | RecipeByP"  # as given to train_sweep
    recipes: dict  # p -> the Recipe that p was trained with
    seconds: float  # wall time of train_sweep (training, or loading from the cache)
    train_seconds: float  # wall time of the fits alone (0 when everything was cached)
    floor: float | None = None  # mean binary entropy of the evaluation images (the loss floor)
    paths: dict = dataclasses.field(default_factory=dict)

    @property
    def hit(self) -> bool:
        """True when every model came from the cache (nothing was trained)."""
        return all(self.hits.values())

    def summary(self) -> str:
        """One line per p: validation loss, MSE, dead units, where the model came from."""
        lines = [f"{'p':>4} {'val loss':>9} {'MSE':>7} {'dead':>5}  source"]
        for p in self.p_values:
            lines.append(f"{p:>4} {self.val_loss[p]:>9.4f} {self.mse[p]:>7.4f} {self.dead[p]:>2}/{p:<3} "
                         f"{'cache' if self.hits[p] else 'trained'}")
        return "\n".join(lines)


def check_p_values(p_values, n: int = 784) -> tuple:
    """``p_values`` as a strictly increasing tuple of code sizes in 1…n, else ``ValueError``."""
    try:
        values = tuple(p_values)
    except TypeError as err:
        raise ValueError(f"p_values must be a sequence of integers; got {p_values!r}") from err
    if not values:
        raise ValueError("p_values must hold at least one code size; got none")
    values = tuple(check_int_in_range(p, "each p", 1, n) for p in values)
    if any(b <= a for a, b in zip(values, values[1:])):
        raise ValueError(f"p_values must be strictly increasing (no repeats); got {list(values)}")
    return values




def sweep_key(p: int, recipe: Recipe, *, seed: int, source: str, x_train: np.ndarray) -> dict:
    """The cache key of one p: architecture, p, recipe, data (source, size, hash), seed, versions."""
    return cache.make_key(kind="bottleneck-sweep", architecture=ARCHITECTURE, p=int(p),
                          epochs=recipe.epochs, batch_size=recipe.batch_size,
                          learning_rate=recipe.learning_rate, schedule=recipe.schedule,
                          warmup_epochs=recipe.warmup_epochs,
                          data_source=source, n_train=int(len(x_train)), data_sha=fingerprint(x_train),
                          seed=int(seed))


def build_for_sweep(p: int, recipe: Recipe, *, seed: int, n: int = 784, n_train: int = 60_000):
    """The blog's 784 → p → 784 model (``build_autoencoder``), compiled with the recipe's optimizer."""
    net = build_autoencoder(p, n=n, learning_rate=recipe.learning_rate, seed=seed)
    net.model.compile(optimizer=recipe.optimizer(-(-n_train // recipe.batch_size)), loss="binary_crossentropy",
                      steps_per_execution=STEPS_PER_EXECUTION)
    return net.model


def evaluate_codes(codes: np.ndarray) -> tuple[int, float]:
    """``(dead, zero_fraction)`` of a ReLU code matrix: units zero on every row, share of zeros."""
    codes = np.asarray(codes)
    dead = int(np.sum(np.all(codes <= 0, axis=0)))
    return dead, float(np.mean(codes <= 0))


def _sweep_parts(p: int, recipe: Recipe, x_train: np.ndarray, seed: int, progress):
    """``(build, fit)`` of p's model, as ``cache.cached_model`` takes them."""
    def build():
        return build_for_sweep(p, recipe, seed=seed, n=x_train.shape[1], n_train=len(x_train))

    def fit(model):
        seed_everything(seed)  # the order of the mini-batches
        return train(model, x_train, epochs=recipe.epochs, batch_size=recipe.batch_size, progress=progress)

    return build, fit


def _sweep_entry(p: int, recipe: Recipe, key: dict, x_train: np.ndarray, *, seed: int, root, progress,
                 verbose: bool) -> "cache.CachedModel":
    """p's model from the cache, or built, trained and stored: the one path, in this process or a worker."""
    build, fit = _sweep_parts(p, recipe, x_train, seed, progress)
    return cache.cached_model(f"sweep_p{p}", key, build, fit, root=root, verbose=verbose)


def _entry_exists(p: int, recipe: Recipe, key: dict, x_train: np.ndarray, seed: int, root) -> bool:
    """Whether p's cache folder exists (trusting it is ``cached_model``'s job; this only spares a worker)."""
    return cache.model_folder(f"sweep_p{p}", key, *_sweep_parts(p, recipe, x_train, seed, False), root=root).exists()


def default_workers(n_missing: int, n_train: int) -> int:
    """How many processes train a sweep: one per core (at most one per missing model) for full-size data,
    else 1 (a worker's start-up, about 5 s to import TensorFlow, would cost more than it saves)."""
    if n_missing < 2 or n_train < 10_000:
        return 1
    return max(1, min(os.cpu_count() or 1, n_missing))


def _share_out(missing: list, recipes: dict, workers: int) -> list:
    """The missing p's in at most ``workers`` lists whose largest total cost is smallest.

    Cost ~ epochs × (p + 200): measured, an epoch of p = 2 took 0.85× as long as one of p = 128 at
    batch 512 (most of a step is fixed cost).  Exhaustive for the few models of a sweep, else largest first.
    """
    cost = {q: recipes[q].epochs * (q + 200) for q in missing}
    order = sorted(missing, key=lambda q: -cost[q])
    workers = max(1, min(workers, len(order)))
    if workers ** len(order) <= 20_000:
        best = min(itertools.product(range(workers), repeat=len(order)),
                   key=lambda a: max(sum(cost[q] for q, w in zip(order, a) if w == i) for i in range(workers)))
    else:
        loads, best = [0.0] * workers, []
        for q in order:
            best.append(loads.index(min(loads)))
            loads[best[-1]] += cost[q]
    lists = [[q for q, w in zip(order, best) if w == i] for i in range(workers)]
    return [jobs for jobs in lists if jobs]


class _Workers:
    """Processes (``aehelpers.nets.sweep_worker``) training some p's of a sweep; ``wait()`` collects them.

    Each process gets one TensorFlow thread per core it has.  A process that fails only costs time:
    ``wait`` warns with the end of its error output, and whatever was not stored is trained afterwards
    in this process.  Interrupting ``wait`` stops the workers too.
    """

    def __init__(self, missing: list, recipes: dict, keys: dict, x_train: np.ndarray, seed: int, root, workers: int):
        import queue
        import subprocess
        import sys
        import threading

        self.missing, self.plan = list(missing), _share_out(missing, recipes, workers)
        self.done, self.lines, self.procs, self.errs, self.relays = set(), queue.Queue(), [], [], []
        self.failed = None
        threads = str(max(1, (os.cpu_count() or 1) // len(self.plan)))
        package_parent = str(Path(__file__).resolve().parents[1])
        env = dict(os.environ, TF_NUM_INTRAOP_THREADS=threads, TF_NUM_INTEROP_THREADS=threads,
                   OMP_NUM_THREADS=threads,
                   PYTHONPATH=os.pathsep.join(filter(None, [package_parent, os.environ.get("PYTHONPATH")])))
        self.tmp = tempfile.mkdtemp(prefix="aehelpers-sweep-")
        try:
            x_file = os.path.join(self.tmp, "x_train.npy")
            np.save(x_file, x_train)
            for i, jobs in enumerate(self.plan):
                job_file = os.path.join(self.tmp, f"job{i}.pkl")
                with open(job_file, "wb") as f:
                    pickle.dump({"x_file": x_file, "seed": seed, "root": root,
                                 "jobs": [(q, recipes[q], keys[q]) for q in jobs]}, f)
                self.errs.append(open(os.path.join(self.tmp, f"job{i}.err"), "w+"))
                proc = subprocess.Popen([sys.executable, "-m", "aehelpers.nets.sweep_worker", job_file], env=env,
                                        stdout=subprocess.PIPE, stderr=self.errs[-1], text=True)
                self.procs.append((proc, jobs))
                self.relays.append(threading.Thread(target=self._relay, args=(proc.stdout,), daemon=True))
                self.relays[-1].start()
        except OSError as err:  # no processes here (sandbox, frozen app...): train in this process
            self.failed = f"{type(err).__name__}: {err}"

    def _relay(self, stream) -> None:
        """Pass a worker's stdout lines ("done <p>") to ``wait``, from a thread of its own; ends with the stream."""
        for line in stream:
            self.lines.put(line)

    def wait(self, progress=False) -> set:
        """Block until every worker has stopped; the p's whose models they stored."""
        import queue

        bar = None
        if progress and self.procs:
            from tqdm.auto import tqdm

            bar = tqdm(total=len(self.missing), initial=len(self.done), unit="model", leave=True,
                       desc=f"sweep: {len(self.missing)} models in {len(self.plan)} processes")
        try:
            if self.failed:
                warnings.warn(f"sweep: could not train in worker processes ({self.failed}); training here instead",
                              RuntimeWarning, stacklevel=3)
            # until every relay has read its worker's output to the end: a line printed just before a
            # worker exits is still counted
            while any(relay.is_alive() for relay in self.relays) or not self.lines.empty():
                try:
                    line = self.lines.get(timeout=0.5)
                except queue.Empty:
                    continue
                if line.startswith("done "):
                    self.done.add(int(line.split()[1]))
                    if bar is not None:
                        bar.set_postfix_str(f"p={line.split()[1]} done")
                        bar.update(1)
            for (proc, jobs), err in zip(self.procs, self.errs):
                if proc.wait() != 0 or not set(jobs) <= self.done:
                    err.seek(0)
                    tail = " | ".join(err.read().strip().splitlines()[-3:])
                    warnings.warn(f"sweep: the worker process for p={jobs} stopped with exit code {proc.returncode} "
                                  f"({tail or 'no error output'}); training p={sorted(set(jobs) - self.done)} "
                                  "here instead", RuntimeWarning, stacklevel=3)
        finally:
            self.close()
            if bar is not None:
                bar.close()
        return self.done

    def close(self) -> None:
        """Stop workers still running (an interrupted wait), release their pipes and files."""
        import shutil

        for proc, _ in self.procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            proc.stdout.close()
        for err in self.errs:
            err.close()
        self.procs, self.errs, self.relays = [], [], []
        shutil.rmtree(self.tmp, ignore_errors=True)


_BACKGROUND: list = []  # workers started by start_sweep in this process, collected by the next train_sweep


@atexit.register
def _stop_background() -> None:
    """At exit (a kernel restart, say): stop background workers nobody waited for and remove their files.
    Models they finished are already stored; a half-trained one is trained again by the next run."""
    while _BACKGROUND:
        _BACKGROUND.pop().close()


def _prepare(data, p_values, epochs, seed, recipe):
    """Validated ``(x_train, x_eval, p_values, seed, recipe, recipes, keys)`` of a sweep."""
    x_train = as_matrix(data.x_train, "data.x_train", dtype=np.float32)
    x_eval = as_matrix(data.x_test, "data.x_test", n_cols=x_train.shape[1], dtype=np.float32)
    p_values = check_p_values(p_values, x_train.shape[1])
    seed = check_int_in_range(seed, "seed", 0)
    check_pixels(x_train, "data.x_train")
    check_pixels(x_eval, "data.x_test")
    if not isinstance(recipe, (Recipe, RecipeByP)):
        raise ValueError(f"recipe must be a Recipe or a RecipeByP; got {type(recipe).__name__}")
    if epochs is not None:  # a shorter run keeps at most epochs - 1 warm-up epochs
        recipe = recipe.with_epochs(epochs)
    recipes = {p: recipe.for_p(p) for p in p_values}
    source = getattr(data, "source", "unknown")
    keys = {p: sweep_key(p, recipes[p], seed=seed, source=source, x_train=x_train) for p in p_values}
    return x_train, x_eval, p_values, seed, recipe, recipes, keys


def _missing(x_train, p_values, seed, recipes, keys, root) -> list:
    return [p for p in p_values if not _entry_exists(p, recipes[p], keys[p], x_train, seed, root)]


def start_sweep(data, p_values=DEFAULT_P, *, epochs: int | None = None, seed: int = 42,
                recipe: Recipe | RecipeByP = FAST, root: Path | None = None, workers: int | None = None) -> str:
    """Start training the sweep's missing models in background processes and return at once.

    ``train_sweep`` with the same arguments, later in the same process, waits for them and loads
    what they stored.  Nothing starts when every model is cached or the data is small (see
    ``default_workers``; ``train_sweep`` then trains in this process as usual).  Returns one line
    saying what happened.
    """
    x_train, _, p_values, seed, _, recipes, keys = _prepare(data, p_values, epochs, seed, recipe)
    missing = _missing(x_train, p_values, seed, recipes, keys, root)
    workers = check_int_in_range(default_workers(len(missing), len(x_train)) if workers is None else workers,
                                 "workers", 1)
    if not missing:
        return f"sweep: all {len(p_values)} models are in the cache"
    if workers < 2 or len(missing) < 2:
        return f"sweep: {len(missing)} models to train, later, in this process"
    _BACKGROUND.append(_Workers(missing, recipes, keys, x_train, seed, root, workers))
    return f"sweep: training p={missing} in {len(_BACKGROUND[-1].plan)} background processes"


def train_sweep(data, p_values=DEFAULT_P, *, epochs: int | None = None, seed: int = 42,
                recipe: Recipe | RecipeByP = FAST, show=10, root: Path | None = None, progress: bool | str = True,
                verbose: bool = True, eval_batch: int = 2048, workers: int | None = None) -> Sweep:
    """Load each p's model from the cache, training the missing ones (``recipe``); precompute views.

    ``data`` is an ``MNIST`` (training images ``x_train``, evaluation images ``x_test``);
    ``epochs`` overrides the recipe's; ``show`` is a number of test digits (the first ones) or
    their indices.  A corrupt or stale cache entry is retrained, never trusted.  ``workers``: how
    many processes train the missing models (``None``: ``default_workers``; 1: all in this process).
    """
    start = time.perf_counter()
    x_train, x_eval, p_values, seed, recipe, recipes, keys = _prepare(data, p_values, epochs, seed, recipe)
    if workers is not None:
        workers = check_int_in_range(workers, "workers", 1)
    show_idx = np.arange(check_int_in_range(show, "show", 1, len(x_eval))) if np.ndim(show) == 0 \
        else np.asarray(show, dtype=int)
    if show_idx.ndim != 1 or show_idx.size == 0 or show_idx.min() < 0 or show_idx.max() >= len(x_eval):
        raise ValueError(f"show must be a count or 1-D indices into the {len(x_eval)} test images; got {show!r}")
    import_tensorflow_quietly()

    in_workers = set()
    while _BACKGROUND:  # models start_sweep began training: wait for them, then load them like any entry
        in_workers |= _BACKGROUND.pop(0).wait(progress)
    missing = _missing(x_train, p_values, seed, recipes, keys, root)
    if workers is None:
        workers = default_workers(len(missing), len(x_train))
    if workers > 1 and len(missing) > 1:
        in_workers |= _Workers(missing, recipes, keys, x_train, seed, root, workers).wait(progress)
    models, histories, hits, folders = {}, {}, {}, {}
    for p in p_values:  # one model per p: on 2 CPU cores this beat one model with a branch per p ~3× per epoch
        label = f"sweep p={p}" if progress is True else progress
        entry = _sweep_entry(p, recipes[p], keys[p], x_train, seed=seed, root=root, progress=label, verbose=verbose)
        models[p], histories[p], folders[p] = split_autoencoder(entry.model), entry.history, entry.path
        hits[p] = entry.hit and p not in in_workers
    missing = tuple(p for p in p_values if not hits[p])
    train_seconds = float(sum(histories[p].get("seconds", 0.0) for p in missing))  # summed over processes
    sweep = _precompute(models, histories, hits, x_eval, show_idx, recipe, recipes, eval_batch)
    sweep.train_seconds = train_seconds
    sweep.paths = folders
    sweep.seconds = time.perf_counter() - start
    if verbose:
        how = "all loaded from the cache" if sweep.hit else \
            f"trained p={list(missing)}" + (" (in worker processes)" if in_workers else "")
        print(f"sweep: {len(p_values)} models, {how}; {sweep.seconds:.1f} s in all")
    return sweep


def shallow_forward(net: KerasAutoencoder, x: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """``(codes, reconstructions, mean BCE)`` of a 784 → p → 784 model, computed in NumPy from its weights.

    Same numbers as ``model.evaluate``/``predict`` (the BCE from logits, as Keras computes it for
    a sigmoid output) without Keras' per-call set-up, which costs ~1 s per model here.
    """
    names = [layer.name for layer in net.model.layers if layer.weights]
    if names != ["encoding", "decoding"]:
        raise ValueError(f"shallow_forward expects layers ['encoding', 'decoding']; got {names}")
    w1, b1 = net.model.get_layer("encoding").get_weights()
    w2, b2 = net.model.get_layer("decoding").get_weights()
    codes = np.maximum(x @ w1 + b1, np.float32(0))
    logits = codes @ w2 + b2
    e = np.exp(-np.abs(logits))  # in (0, 1]: no overflow; float32 like Keras
    bce = np.maximum(logits, 0) - logits * x + np.log1p(e)
    recon = np.where(logits >= 0, 1 / (1 + e), e / (1 + e)).astype(np.float32)
    return codes, recon, float(bce.mean(dtype=np.float64))


def _precompute(models: dict, histories: dict, hits: dict, x_eval: np.ndarray, show_idx: np.ndarray,
                recipe, recipes: dict, eval_batch: int) -> Sweep:
    from aehelpers.theory.framework import entropy_floor

    val_loss, mse, dead, zero, x_hat, codes = {}, {}, {}, {}, {}, {}
    x_show = x_eval[show_idx]
    for p, ae_p in models.items():
        all_codes, recon = np.empty((len(x_eval), p), np.float32), np.empty_like(x_eval)
        total = 0.0
        for lo in range(0, len(x_eval), eval_batch):  # in chunks: the float64 logits stay small
            c, r, loss = shallow_forward(ae_p, x_eval[lo:lo + eval_batch])
            all_codes[lo:lo + len(c)], recon[lo:lo + len(c)] = c, r
            total += loss * len(c)
        val_loss[p] = total / len(x_eval)
        mse[p] = float(np.mean(np.square(recon - x_eval), dtype=np.float64))
        dead[p], zero[p] = evaluate_codes(all_codes)
        x_hat[p], codes[p] = recon[show_idx], all_codes[show_idx]
    p_values = tuple(sorted(models))
    return Sweep(p_values=p_values, models={p: models[p] for p in p_values}, histories=histories, hits=hits,
                 val_loss=val_loss, mse=mse, dead=dead, zero_fraction=zero, x_show=x_show, x_hat=x_hat,
                 codes=codes, recipe=recipe, recipes=recipes, seconds=0.0, train_seconds=0.0, floor=entropy_floor(x_eval))
