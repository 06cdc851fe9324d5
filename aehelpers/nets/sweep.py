"""The bottleneck sweep: one shallow autoencoder per code size p, trained once, kept in the cache.

``plan_sweep`` computes, once per p, everything that p needs (its recipe, its model, its cache
entry; the models may be built and compiled by the caller: ``start_sweep(data, {p: model})``, as
notebook 04's loop does); ``start_sweep`` starts training the p's whose entry is missing and returns a
``SweepJob`` at once; ``job.result()`` waits and returns the ``Sweep`` a slider reads.
``train_sweep`` is the two in one call.  Each p is trained by ``cache.cached_fit``, so a p is
trained once even when a notebook kernel asks for it while a worker trains it (one lock per entry).
While the workers train, ``job.ready()`` is the ``Sweep`` of the p's done so far and ``job.watch``
calls back as each lands: the bottleneck slider shows them before the last one is trained.

Missing models of a full-size sweep are trained in worker processes (``nets.workers``), two at a time.
"""
from __future__ import annotations

import concurrent.futures as cf
import dataclasses
import os
import shutil
import threading
import time
import warnings
import weakref
from pathlib import Path

import numpy as np

from aehelpers import cache
from aehelpers.checks import as_matrix, check_int_in_range, check_pixels
from aehelpers.data import check_mnist
from aehelpers.nets.models import build_autoencoder, split_autoencoder
from aehelpers.nets.recipes import FAST, Recipe, RecipeByP, check_recipe
from aehelpers.nets.training import JIT_COMPILE, STEPS_PER_EXECUTION
from aehelpers.nets.workers import (default_workers, kill_worker_pool, share_array, start_worker_pool,
                                   submission_order, wait_for_jobs)
from aehelpers.runtime import import_tensorflow_quietly, seed_everything
from aehelpers.nets.sweep_result import Sweep, _evaluate, _show_indices, shallow_forward
from aehelpers.theory.framework import entropy_floor

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


def _load_step(step: SweepStep, x_train) -> _Fitted:
    """A stored p loaded into the plan's model (``cache.cached_fit`` on an existing entry); seeded and trained,
    in the calling thread, only if the entry is gone.  Loading leaves the random generators alone: a
    background thread must not re-seed them under a cell building its model."""
    if not step.entry.exists():
        raise FileNotFoundError(f"the cache entry of p={step.p} is gone")
    out = cache.cached_fit(step.model, x_train, x_train, entry=step.entry, **step.recipe.fit_kwargs())
    return _Fitted(step.p, dict(out.history), 0.0 if out.hit else out.seconds, out.hit, out.saved)


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

    def __init__(self, plan: SweepPlan, workers: int | None = None, first=()):
        self._pool, self._futures, self._tmp, self._done, self._t0 = None, {}, None, None, time.perf_counter()
        self._landed, self._lock, self._first, self._watchers = {}, threading.RLock(), tuple(first), []
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
            first = [p for p in self._first if p in costs]  # e.g. the p a slider opens on
            rest = submission_order({p: c for p, c in costs.items() if p not in first}, self.workers) if \
                len(costs) > len(first) else []
            for p in [*first, *rest]:
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

    @property
    def in_background(self) -> bool:  # workers were started for this job (else ``result`` trains here)
        return bool(self._futures)

    def training(self) -> tuple:  # the p's a worker still trains (or whose model has not landed here yet)
        return tuple(p for p in self.plan.p_values if p in self._futures and p not in self._landed)

    def stop(self) -> None:  # stop the workers, remove their temporary files; what they stored stays stored
        if self._pool is not None:
            kill_worker_pool(self._pool)
            self._pool = None
        for p in [p for p, f in self._futures.items() if f.cancelled() or not f.done()]:  # else as_completed hangs
            self._futures[p] = cf.Future()
            self._futures[p].set_exception(RuntimeError("its worker was stopped"))
        if self._tmp is not None:
            shutil.rmtree(self._tmp, ignore_errors=True)

    def _land(self, p: int, fitted: _Fitted, may_train: bool = True) -> None:
        """A p a worker trained, into the plan's model (from the cache, else the worker's weights), evaluated.
        Once per p, whichever thread comes first (``result`` or a ``watch``, which never trains)."""
        with self._lock:
            if p in self._landed:
                return
            step = self._steps[p]
            if fitted.weights is not None:
                step.model.set_weights(fitted.weights)
                fitted = dataclasses.replace(fitted, weights=None)
            else:  # the entry the worker stored is only loaded (re-seeded and trained here if it vanished)
                here = _load_step(step, self.plan.x_train) if step.entry.exists() or not may_train else \
                    _fit_step(step.model, self.plan.x_train, step.p, step.recipe, step.entry, self.plan.seed)
                fitted = dataclasses.replace(fitted, saved=here.saved)
            self._landed[p] = fitted, _evaluate(step.model, self.plan.x_eval)

    def _land_cached(self) -> None:
        """The p's no worker trains whose entry exists, loaded (they are shown at once)."""
        with self._lock:
            for step in self.plan.steps:
                if step.p not in self._landed and step.p not in self._futures and step.entry.exists():
                    self._landed[step.p] = _load_step(step, self.plan.x_train), _evaluate(step.model, self.plan.x_eval)

    def watch(self, on_land) -> threading.Thread | None:
        """Call ``on_land(p)`` in a background thread as each worker's p lands here (cached p's first,
        at once), and ``on_land(None)`` when ``result`` has every p (failed ones trained here); returns the
        thread, or None when no worker was started."""
        if not callable(on_land):
            raise TypeError(f"watch expects a function called with each p as it lands; got {on_land!r}")
        if not self._futures:
            return None
        self._watchers.append(on_land)
        self._land_cached()
        name_of = {future: p for p, future in self._futures.items()}

        def run():
            for future in cf.as_completed(name_of):
                p = name_of[future]
                try:
                    fitted = future.result()
                except BaseException:  # noqa: BLE001 (``result`` reports it and trains p here)
                    continue
                try:
                    self._land(p, fitted, may_train=False)
                    on_land(p)
                except FileNotFoundError:  # nothing to load: ``result`` trains it, seeded, in the main thread
                    continue
                except Exception as err:  # noqa: BLE001 (a view that fails to refresh must not hide the result)
                    warnings.warn(f"sweep: showing p={p} failed ({type(err).__name__}: {err})", RuntimeWarning)

        thread = threading.Thread(target=run, name="sweep-watch", daemon=True)
        thread.start()
        return thread

    def ready(self, *, show=10) -> "Sweep | None":
        """The ``Sweep`` of the p's landed so far (all of them once ``result`` ran), or None if none has."""
        show_idx = _show_indices(show, len(self.plan.x_eval))
        with self._lock:
            done = dict(self._done if self._done is not None else self._landed)
        return self._sweep(done, show_idx) if done else None

    def _fit_all(self, progress) -> dict:
        """``{p: (_Fitted, metrics)}``, once per job: each worker's p evaluated as it lands, the rest trained here."""
        if self._done is not None:
            return self._done
        from tqdm.auto import tqdm

        done = self._landed
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
            with self._lock:
                fitted = _fit_step(step.model, self.plan.x_train, step.p, step.recipe, step.entry, self.plan.seed)
                done[step.p] = fitted, _evaluate(step.model, self.plan.x_eval)
        self._done = dict(done)
        for on_land in self._watchers:
            try:
                on_land(None)
            except Exception as err:  # noqa: BLE001 (a view that fails to refresh must not hide the result)
                warnings.warn(f"sweep: refreshing a view failed ({type(err).__name__}: {err})", RuntimeWarning)
        return self._done

    def _sweep(self, done: dict, show_idx: np.ndarray) -> "Sweep":
        """The ``Sweep`` of the p's in ``done`` (``{p: (_Fitted, metrics)}``), in increasing p."""
        steps = [step for step in self.plan.steps if step.p in done]
        x_show = self.plan.x_eval[show_idx]
        nets = {step.p: split_autoencoder(step.model) for step in steps}
        shown = {p: shallow_forward(net, x_show) for p, net in nets.items()}
        metrics = {name: {p: done[p][1][name] for p in nets} for name in ("val_loss", "mse", "dead", "zero")}
        return Sweep(tuple(nets), nets, {p: done[p][0].history for p in nets}, {p: done[p][0].hit for p in nets},
                     *metrics.values(), x_show, {p: shown[p][1] for p in nets}, {p: shown[p][0] for p in nets},
                     self.plan.recipe, {s.p: s.recipe for s in steps}, time.perf_counter() - self._t0,
                     {p: done[p][0].seconds for p in nets}, entropy_floor(self.plan.x_eval),
                     {s.p: s.folder for s in steps})

    def result(self, *, show=10, progress: bool = True, verbose: bool = True) -> "Sweep":
        """Wait for the workers, load or train every p, precompute what the views show (``show``: a count of
        first test digits, or their indices; ``progress``: one bar over the models)."""
        show_idx = _show_indices(show, len(self.plan.x_eval))
        sweep = self._sweep(self._fit_all(progress), show_idx)
        if verbose:
            trained = [p for p in sweep.p_values if not sweep.hits[p]]
            how = "all loaded from the cache" if not trained else \
                f"trained p={trained}" + (" (in worker processes)" if self._futures else "")
            print(f"sweep: {len(sweep.p_values)} models, {how}; {sweep.seconds:.1f} s in all")
        return sweep


def start_sweep(data, p_values=DEFAULT_P, *, epochs: int | None = None, seed: int = 42,
                recipe: Recipe | RecipeByP = FAST, root: Path | None = None, workers: int | None = None,
                first=()) -> SweepJob:
    """Plan the sweep (``plan_sweep``) and start training its missing models in background processes.

    ``p_values`` may be ``{p: compiled model}``: then those models are trained (notebook 04's loop).
    Returns a ``SweepJob`` at once; ``result()`` waits and returns the ``Sweep``.  Nothing starts when
    every model is cached or the data is small: ``result()`` trains here.  ``workers``: how many
    processes (``None``: ``default_workers``; 1: none); ``first``: a p (or p's) handed to the workers
    before the others, e.g. the one a slider opens on.  Introduced in notebook 04.
    """
    plan = plan_sweep(data, p_values, epochs=epochs, seed=seed, recipe=recipe, root=root)
    first = (first,) if np.ndim(first) == 0 else tuple(first)
    for p in first:
        if p not in plan.p_values:
            raise ValueError(f"first must name p's of the sweep {list(plan.p_values)}; got {p!r}")
    return SweepJob(plan, workers, first)


def train_sweep(data, p_values=DEFAULT_P, *, epochs: int | None = None, seed: int = 42,
                recipe: Recipe | RecipeByP = FAST, show=10, root: Path | None = None, progress: bool = True,
                verbose: bool = True, workers: int | None = None) -> "Sweep":
    """``start_sweep(...).result(...)`` in one call; a corrupt or stale cache entry is retrained.  Notebook 04."""
    plan = plan_sweep(data, p_values, epochs=epochs, seed=seed, recipe=recipe, root=root)
    _show_indices(show, len(plan.x_eval))  # a bad value is named before anything is trained
    return SweepJob(plan, workers).result(show=show, progress=progress, verbose=verbose)
