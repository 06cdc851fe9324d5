"""The bottleneck sweep: one shallow autoencoder per code size p, trained once, kept in the cache.

``plan_sweep`` computes, once per p, everything that p needs (its recipe, its model, its cache
entry; the models may be built and compiled by the caller: ``start_sweep(data, {p: model})``, as
notebook 04's loop does); ``start_sweep`` starts training the p's whose entry is missing and returns a
``SweepJob`` at once; ``job.result()`` waits and returns the ``Sweep`` a slider reads.
``train_sweep`` is the two in one call.  Each p is trained by ``cache.cached_fit``, so a p is
trained once even when a notebook kernel asks for it while a worker trains it (one lock per entry).

Missing models of a full-size sweep are trained in worker processes, one TensorFlow thread each,
two at a time on two cores (``nets.workers``: about 1.9× the epochs per second of one process).
"""
from __future__ import annotations

import concurrent.futures as cf
import dataclasses
import os
import shutil
import time
import warnings
import weakref
from pathlib import Path

import numpy as np

from aehelpers import cache
from aehelpers.checks import as_matrix, check_int_in_range, check_pixels
from aehelpers.data import check_mnist
from aehelpers.nets.models import KerasAutoencoder, build_autoencoder, split_autoencoder
from aehelpers.nets.recipes import FAST, Recipe, RecipeByP, check_recipe
from aehelpers.nets.training import JIT_COMPILE, STEPS_PER_EXECUTION
from aehelpers.nets.workers import (default_workers, kill_worker_pool, share_array, start_worker_pool,
                                   submission_order, wait_for_jobs)
from aehelpers.runtime import import_tensorflow_quietly, seed_everything
from aehelpers.theory.framework import binary_cross_entropy, entropy_floor

DEFAULT_P = (2, 4, 8, 16, 32, 64, 128)


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


def build_for_sweep(p: int, recipe: Recipe, *, seed: int, n: int = 784, n_train: int = 60_000):
    """The blog's 784 → p → 784 Keras model (``build_autoencoder``), compiled with the recipe's optimizer, XLA on."""
    net = build_autoencoder(p, n=n, learning_rate=recipe.learning_rate, seed=seed)
    net.model.compile(optimizer=recipe.optimizer(recipe.steps_per_epoch(n_train)), loss="binary_crossentropy",
                      jit_compile=JIT_COMPILE, steps_per_execution=STEPS_PER_EXECUTION)
    return net.model


def _check_given(model, p: int, n: int):
    """A model handed in for code size p: a compiled Keras n → p → n model, layers 'encoding'/'decoding'."""
    if not (hasattr(model, "get_layer") and getattr(model, "optimizer", None) is not None):
        raise ValueError(f"each model must be a Keras model, compiled; got {type(model).__name__} for p={p}")
    code = split_autoencoder(model).p  # names the layers it misses
    if code != p or model.input_shape[-1] != n or model.output_shape[-1] != n:
        raise ValueError(f"the model for p={p} must map {n} → {p} → {n} numbers; got "
                         f"{model.input_shape[-1]} → {code} → {model.output_shape[-1]}")
    return model


# --- the plan: one record per p, computed once ------------------------------------------------

@dataclasses.dataclass(frozen=True)
class SweepStep:
    """One p of a plan: its recipe, its compiled (untrained) model and its cache entry (``cache.fit_entry``)."""

    p: int
    recipe: Recipe
    entry: object
    model: object = dataclasses.field(repr=False, compare=False)

    @property
    def folder(self) -> Path:  # the cache folder p's model is stored in (it may not exist yet)
        return Path(self.entry.path)


@dataclasses.dataclass(frozen=True, eq=False)
class SweepPlan:
    """What a sweep trains (made by ``plan_sweep``): checked images, seed, recipe, one ``SweepStep`` per p."""

    x_train: np.ndarray = dataclasses.field(repr=False)
    x_eval: np.ndarray = dataclasses.field(repr=False)
    seed: int
    recipe: Recipe | RecipeByP
    steps: tuple
    given: bool = False  # the models were built by the caller (workers load them from a file)

    @property
    def p_values(self) -> tuple:  # the code sizes, in increasing order
        return tuple(step.p for step in self.steps)

    def missing(self) -> tuple:  # the p's whose cache entry does not exist (yet): the ones a start trains
        return tuple(step.p for step in self.steps if not step.entry.exists())


def plan_sweep(data, p_values=DEFAULT_P, *, epochs: int | None = None, seed: int = 42,
               recipe: Recipe | RecipeByP = FAST, root: Path | None = None) -> SweepPlan:
    """Check the inputs and make one ``SweepStep`` per p: recipe, seeded model, cache entry; train nothing.

    ``data``: an ``MNIST`` (``x_train``, ``x_test`` in [0, 1]); ``p_values``: code sizes, or ``{p: compiled
    model}`` (the recipe then gives only epochs and batch size); ``epochs`` overrides the recipe's;
    ``root``: the cache folder (default: the series' cache).
    """
    x_train = as_matrix(check_mnist(data).x_train, "data.x_train", dtype=np.float32)
    x_eval = as_matrix(data.x_test, "data.x_test", n_cols=x_train.shape[1], dtype=np.float32)
    given = dict(p_values) if isinstance(p_values, dict) else None
    p_values = check_p_values(p_values if given is None else sorted(given), x_train.shape[1])
    seed = check_int_in_range(seed, "seed", 0)
    check_pixels(x_train, "data.x_train"), check_pixels(x_eval, "data.x_test")
    recipe = check_recipe(recipe)
    if epochs is not None:
        recipe = recipe.with_epochs(epochs)
    import_tensorflow_quietly()
    models = {p: _check_given(given[p], p, x_train.shape[1]) if given is not None else
              build_for_sweep(p, recipe.for_p(p), seed=seed, n=x_train.shape[1], n_train=len(x_train))
              for p in p_values}

    def step(p: int) -> SweepStep:
        entry = cache.fit_entry(models[p], x_train, x_train, root=root, **recipe.for_p(p).fit_kwargs())
        return SweepStep(p, recipe.for_p(p), entry, models[p])

    with cf.ThreadPoolExecutor(os.cpu_count() or 1) as threads:  # hashing the data releases the GIL
        return SweepPlan(x_train, x_eval, seed, recipe, tuple(threads.map(step, p_values)), given is not None)


# --- training one p: the same call in this process and in a worker ------------------------------

@dataclasses.dataclass(frozen=True)
class _Fitted:
    """What fitting one p left; ``weights`` only when it was not stored (the parent uses them, never retrains)."""

    p: int
    history: dict
    seconds: float
    hit: bool
    saved: bool
    weights: list | None = None


def _fit_step(model, x_train, p: int, recipe: Recipe, entry, seed: int) -> _Fitted:
    """``cache.cached_fit`` of one p's model: loaded in place on a hit, else trained (seeded) and stored."""
    seed_everything(seed)  # the order of the mini-batches
    out = cache.cached_fit(model, x_train, x_train, entry=entry, **recipe.fit_kwargs())
    return _Fitted(p, dict(out.history), 0.0 if out.hit else out.seconds, out.hit, out.saved)


def _fit_in_worker(x_file: str, p: int, recipe: Recipe, entry, seed: int, model_file: str | None = None) -> _Fitted:
    """A worker's task: build p's model as the plan did (or load the caller's), fit it through the cache, report."""
    x_train = np.load(x_file)
    if model_file is not None:  # the caller's compiled model, saved with its initial weights
        import_tensorflow_quietly()
        import keras
        with warnings.catch_warnings():  # "Skipping variable loading for optimizer": it has no state yet
            warnings.filterwarnings("ignore", message="Skipping variable loading", category=UserWarning)
            model = keras.saving.load_model(model_file)
    else:
        model = build_for_sweep(p, recipe, seed=seed, n=x_train.shape[1], n_train=len(x_train))
    fitted = _fit_step(model, x_train, p, recipe, entry, seed)
    if not fitted.saved:  # the parent cannot load it: send the weights rather than train it twice
        fitted = dataclasses.replace(fitted, weights=[np.asarray(w) for w in model.get_weights()])
    return fitted


# --- the job: training started now, collected later ---------------------------------------------

class SweepJob:
    """A sweep in training: ``start_sweep`` returns it at once; ``result()`` waits and returns the ``Sweep``.

    A worker that fails only costs time: ``result`` warns and trains that p here; a model a worker
    could not store is taken from the worker.  Interrupting ``result``, ``stop()`` or interpreter exit
    stop the workers.  Introduced in notebook 04.
    """

    def __init__(self, plan: SweepPlan, workers: int | None = None):
        self._pool, self._futures, self._tmp, self._done, self._t0 = None, {}, None, None, time.perf_counter()
        missing = plan.missing()
        if workers is None:
            workers = default_workers(len(missing), len(plan.x_train))
        self.plan, self.workers = plan, check_int_in_range(workers, "workers", 1)
        self._steps = {step.p: step for step in plan.steps}
        if self.workers > 1 and len(missing) > 1:
            self._start_pool(missing)
        self.message = f"sweep: all {len(plan.steps)} models are in the cache" if not missing else \
            f"sweep: training p={list(missing)} in {self.workers} background processes" if self._pool else \
            f"sweep: {len(missing)} models to train, later, in this process"

    def __str__(self) -> str:  # what was started, in one line
        return self.message

    def _start_pool(self, missing: tuple) -> None:
        steps, self.workers = self._steps, min(self.workers, len(missing))
        try:
            self._tmp, x_file = share_array(self.plan.x_train)  # once, not once per task; a killed run's is removed
            weakref.finalize(self, shutil.rmtree, self._tmp, True)  # at exit, or when the job is dropped
            self._pool = start_worker_pool(self.workers)
            costs = {p: steps[p].recipe.epochs * (p + 200) for p in missing}  # an epoch of p=2: 0.85× p=128's
            for p in submission_order(costs, self.workers):
                step, model_file = steps[p], None
                if self.plan.given:  # a worker cannot receive a live model: it loads it from a .keras file
                    step.model.save(model_file := str(Path(self._tmp) / f"p{p}.keras"))
                self._futures[p] = self._pool.submit(_fit_in_worker, x_file, p, step.recipe, step.entry,
                                                     self.plan.seed, model_file)
        except (OSError, RuntimeError, NotImplementedError) as err:  # no processes here (sandbox, frozen app...)
            warnings.warn(f"sweep: could not train in worker processes ({type(err).__name__}: {err}); "
                          "training here instead", RuntimeWarning, stacklevel=4)
            self.stop()
            self._futures = {}

    def done(self) -> bool:  # no worker is still training (or none was started)
        return all(f.done() for f in self._futures.values())

    def stop(self) -> None:  # what the workers stored stays stored
        """Stop the workers and remove their temporary files."""
        if self._pool is not None:
            kill_worker_pool(self._pool)
            self._pool = None
        for p in [p for p, f in self._futures.items() if f.cancelled() or not f.done()]:  # else as_completed hangs
            self._futures[p] = cf.Future()
            self._futures[p].set_exception(RuntimeError("its worker was stopped"))
        if self._tmp is not None:
            shutil.rmtree(self._tmp, ignore_errors=True)

    def _land(self, p: int, fitted: _Fitted) -> None:
        """A p a worker trained, into the plan's model (from the cache, else the worker's weights), evaluated."""
        step = self._steps[p]
        if fitted.weights is not None:
            step.model.set_weights(fitted.weights)
            fitted = dataclasses.replace(fitted, weights=None)
        else:  # cached_fit on the entry the worker stored only loads it
            here = _fit_step(step.model, self.plan.x_train, step.p, step.recipe, step.entry, self.plan.seed)
            fitted = dataclasses.replace(fitted, saved=here.saved)
        self._landed[p] = fitted, _evaluate(step.model, self.plan.x_eval)

    def _fit_all(self, progress) -> dict:
        """``{p: (_Fitted, metrics)}``, once per job: each worker's p evaluated as it lands, the rest trained here."""
        if self._done is not None:
            return self._done
        from tqdm.auto import tqdm

        done = self._landed = {}
        try:
            _, failed = wait_for_jobs(self._futures, progress=progress, on_result=self._land,
                                      desc=f"sweep: {len(self._futures)} models in {self.workers} processes")
        finally:  # an interrupted wait stops the workers too
            self.stop()
        for p, err in sorted(failed.items()):
            how = "stopped abruptly" if "BrokenProcessPool" in type(err).__name__ else "failed"
            warnings.warn(f"sweep: the worker process training p={p} {how} ({type(err).__name__}: {err}); "
                          f"training p={p} here instead", RuntimeWarning, stacklevel=4)
        todo = [step for step in self.plan.steps if step.p not in done]
        for step in tqdm(todo, unit="model", desc=f"sweep: {len(todo)} models",
                         disable=not (progress and todo) or bool(self._futures)):
            fitted = _fit_step(step.model, self.plan.x_train, step.p, step.recipe, step.entry, self.plan.seed)
            done[step.p] = fitted, _evaluate(step.model, self.plan.x_eval)
        self._done = done
        return done

    def result(self, *, show=10, progress: bool = True, verbose: bool = True) -> "Sweep":
        """Wait for the workers, load or train every p, precompute what the views show (``show``: a count of
        first test digits, or their indices; ``progress``: one bar over the models)."""
        show_idx = _show_indices(show, len(self.plan.x_eval))
        done, steps, x_show = self._fit_all(progress), self.plan.steps, self.plan.x_eval[show_idx]
        nets = {step.p: split_autoencoder(step.model) for step in steps}
        shown = {p: shallow_forward(net, x_show) for p, net in nets.items()}
        metrics = {name: {p: done[p][1][name] for p in nets} for name in ("val_loss", "mse", "dead", "zero")}
        sweep = Sweep(self.plan.p_values, nets, {p: done[p][0].history for p in nets},
                      {p: done[p][0].hit for p in nets}, *metrics.values(), x_show,
                      {p: shown[p][1] for p in nets}, {p: shown[p][0] for p in nets}, self.plan.recipe,
                      {s.p: s.recipe for s in steps}, time.perf_counter() - self._t0,
                      {p: done[p][0].seconds for p in nets}, entropy_floor(self.plan.x_eval),
                      {s.p: s.folder for s in steps})
        if verbose:
            trained = [p for p in sweep.p_values if not sweep.hits[p]]
            how = "all loaded from the cache" if not trained else \
                f"trained p={trained}" + (" (in worker processes)" if self._futures else "")
            print(f"sweep: {len(sweep.p_values)} models, {how}; {sweep.seconds:.1f} s in all")
        return sweep


def start_sweep(data, p_values=DEFAULT_P, *, epochs: int | None = None, seed: int = 42,
                recipe: Recipe | RecipeByP = FAST, root: Path | None = None, workers: int | None = None) -> SweepJob:
    """Plan the sweep (``plan_sweep``) and start training its missing models in background processes.

    ``p_values`` may be ``{p: compiled model}``: then those models are trained (notebook 04's loop).
    Returns a ``SweepJob`` at once; ``result()`` waits and returns the ``Sweep``.  Nothing starts when
    every model is cached or the data is small: ``result()`` trains here.  ``workers``: how many
    processes (``None``: ``default_workers``; 1: none).  Introduced in notebook 04.
    """
    return SweepJob(plan_sweep(data, p_values, epochs=epochs, seed=seed, recipe=recipe, root=root), workers)


def train_sweep(data, p_values=DEFAULT_P, *, epochs: int | None = None, seed: int = 42,
                recipe: Recipe | RecipeByP = FAST, show=10, root: Path | None = None, progress: bool = True,
                verbose: bool = True, workers: int | None = None) -> "Sweep":
    """``start_sweep(...).result(...)`` in one call; a corrupt or stale cache entry is retrained.  Notebook 04."""
    plan = plan_sweep(data, p_values, epochs=epochs, seed=seed, recipe=recipe, root=root)
    _show_indices(show, len(plan.x_eval))  # a bad value is named before anything is trained
    return SweepJob(plan, workers).result(show=show, progress=progress, verbose=verbose)


def _show_indices(show, n_eval: int) -> np.ndarray:
    """``show`` (a count of first test digits, or their indices) as indices, else ``ValueError``."""
    if np.ndim(show) == 0:
        return np.arange(check_int_in_range(show, "show", 1, n_eval))
    idx = np.asarray(show)
    if idx.ndim != 1 or idx.size == 0 or idx.dtype.kind not in "iu" or idx.min() < 0 or idx.max() >= n_eval:
        raise ValueError(f"show must be a count or 1-D indices into the {n_eval} test images; got {show!r}")
    return idx.astype(int)


@dataclasses.dataclass
class Sweep:
    """Trained models for every p plus everything a slider move needs, computed once.

    ``val_loss[p]``/``mse[p]``: BCE and squared error on the evaluation images; ``x_show``,
    ``x_hat[p]``, ``codes[p]``: the digits a view shows; ``dead[p]``: units zero on every image;
    ``hits[p]`` False for a p trained by this run.  Introduced in notebook 04.
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
    recipe: Recipe | RecipeByP  # as given to start_sweep (epochs applied)
    recipes: dict  # p -> the Recipe that p was trained with
    seconds: float  # wall time from start_sweep to the result (training, or loading from the cache)
    fit_seconds: dict  # p -> wall time of its fit in this run (0 when loaded from the cache)
    floor: float | None = None  # mean binary entropy of the evaluation images (the loss floor)
    paths: dict = dataclasses.field(default_factory=dict)

    @property
    def hit(self) -> bool:  # every model came from the cache (nothing was trained)
        return all(self.hits.values())

    @property
    def train_seconds(self) -> float:  # the fits of this run added up (side by side: more than wall time)
        return float(sum(self.fit_seconds.values()))

    def summary(self) -> str:
        """One line per p: validation loss, MSE, dead units, where the model came from."""
        lines = [f"{'p':>4} {'val loss':>9} {'MSE':>7} {'dead':>5}  source"]
        for p in self.p_values:
            lines.append(f"{p:>4} {self.val_loss[p]:>9.4f} {self.mse[p]:>7.4f} {self.dead[p]:>2}/{p:<3} "
                         f"{'cache' if self.hits[p] else 'trained'}")
        return "\n".join(lines)


def evaluate_codes(codes: np.ndarray) -> tuple[int, float]:
    """``(dead, zero_fraction)`` of a ReLU code matrix: units zero on every row, share of zeros.  Notebook 04."""
    codes = np.asarray(codes)
    dead = int(np.sum(np.all(codes <= 0, axis=0)))
    return dead, float(np.mean(codes <= 0))


def shallow_forward(net: KerasAutoencoder, x: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """``(codes, reconstructions, mean BCE)`` of a 784 → p → 784 model, in NumPy from its weights: what
    ``evaluate``/``predict`` give (BCE per pixel) without Keras' per-call set-up (~1 s per model here)."""
    if (names := [layer.name for layer in net.model.layers if layer.weights]) != ["encoding", "decoding"]:
        raise ValueError(f"shallow_forward expects layers ['encoding', 'decoding']; got {names}")
    w1, b1 = net.model.get_layer("encoding").get_weights()
    w2, b2 = net.model.get_layer("decoding").get_weights()
    codes = np.maximum(x @ w1 + b1, np.float32(0))
    logits = (codes @ w2 + b2).astype(np.float64)
    e = np.exp(-np.abs(logits))  # in (0, 1]: a sigmoid without overflow
    recon = np.where(logits >= 0, 1 / (1 + e), e / (1 + e))
    bce = binary_cross_entropy(recon, x).mean() / x.shape[1]
    return codes, recon.astype(np.float32), float(bce)


def _evaluate(model, x_eval: np.ndarray, rows: int = 2048) -> dict:
    """``val_loss``, ``mse``, ``dead`` units and ``zero`` share of codes of one model on ``x_eval``, ``rows``
    at a time (the float64 logits stay small; nothing of size len(x_eval) × 784 is kept)."""
    net, bce, se, alive, zeros = split_autoencoder(model), 0.0, 0.0, None, 0
    for lo in range(0, len(x_eval), rows):
        x = x_eval[lo:lo + rows]
        codes, recon, loss = shallow_forward(net, x)
        bce, se = bce + loss * len(x), se + float(np.sum(np.square(recon - x), dtype=np.float64))
        alive = np.any(codes > 0, axis=0) | (False if alive is None else alive)
        zeros += int(np.sum(codes <= 0))
    return {"val_loss": bce / len(x_eval), "mse": se / x_eval.size, "dead": int(np.sum(~alive)),
            "zero": zeros / (len(x_eval) * net.p)}
