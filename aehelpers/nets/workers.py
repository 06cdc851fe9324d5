"""Keras training in worker processes: a spawned pool, one TensorFlow thread per core a worker gets.

A step of the series' small dense models is mostly fixed per-step cost that one process cannot
spread over two cores (an epoch of the 784 → 128 → 784 model took 1.40 s with two threads and
1.47 s with one), so two one-thread processes side by side train about 1.9× as many epochs per
second.  The pool is the standard library's ``ProcessPoolExecutor`` with spawned (not forked)
workers, so a script that starts one needs the usual ``if __name__ == "__main__":`` guard; a
notebook does not.  Workers still running at interpreter exit (a kernel restart) are killed; the
data handed to them (``share_array``) lives in a folder named with the parent's pid, removed by
the next sweep if that process was killed before it could remove it.
Introduced in notebook 04 (its bottleneck sweep).
"""
from __future__ import annotations

import concurrent.futures as cf
import itertools
import math
import multiprocessing
import os
import shutil
import threading

import numpy as np

from aehelpers.checks import check_int_in_range
from aehelpers.files import process_folder
from aehelpers.runtime import import_tensorflow_quietly


def default_workers(n_jobs: int, n_train: int) -> int:
    """How many processes train ``n_jobs`` models on ``n_train`` examples: one per core (at most one per
    job) for full-size data, else 1 (a worker's start-up, about 5 s to import TensorFlow, costs more)."""
    if n_jobs < 2 or n_train < 10_000:
        return 1
    return max(1, min(os.cpu_count() or 1, n_jobs))


def submission_order(costs: dict, workers: int) -> list:
    """The order to hand jobs ``{name: cost}`` to ``workers`` processes, each taking the next one when
    free, that finishes soonest: every order tried for up to 8 jobs, else the costliest first."""
    workers = check_int_in_range(workers, "workers", 1)

    def finish(order) -> float:
        loads = [0.0] * workers
        for job in order:
            loads[loads.index(min(loads))] += costs[job]
        return max(loads)

    largest_first = sorted(costs, key=lambda job: -costs[job])
    if math.factorial(len(costs)) > 50_000:
        return largest_first
    return list(min(itertools.permutations(largest_first), key=finish))


def share_array(array: np.ndarray, name: str = "x_train", prefix: str = "aehelpers-sweep-") -> tuple[str, str]:
    """Save ``array`` once for workers to load: ``(folder, file)``, the folder this process's own
    (``files.process_folder``: folders a killed process left, 188 MB of images each, are removed first)."""
    folder = process_folder(prefix)
    try:
        np.save(folder / f"{name}.npy", array)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return str(folder), str(folder / f"{name}.npy")


def _start_worker(threads: int) -> None:
    """A worker's start: ``threads`` TensorFlow threads (set before TensorFlow loads), then load it."""
    for name in ("TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS", "OMP_NUM_THREADS"):
        os.environ[name] = str(threads)
    tf = import_tensorflow_quietly()
    try:  # in case the parent's main script had TensorFlow imported before this ran
        tf.config.threading.set_intra_op_parallelism_threads(threads)
        tf.config.threading.set_inter_op_parallelism_threads(threads)
    except RuntimeError:  # its runtime had started: too late to change, the variables above did not apply
        pass


def start_worker_pool(workers: int) -> cf.ProcessPoolExecutor:
    """A pool of ``workers`` spawned processes sharing the cores' TensorFlow threads evenly, killed
    at interpreter exit if still running.  Raises ``OSError``/``RuntimeError`` where processes cannot start.
    """
    workers = check_int_in_range(workers, "workers", 1)
    threads = max(1, (os.cpu_count() or 1) // workers)
    pool = cf.ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"),
                                  initializer=_start_worker, initargs=(threads,))
    # threading's exit hooks run before concurrent.futures waits for the pool's tasks to finish
    threading._register_atexit(kill_worker_pool, pool)
    return pool


def kill_worker_pool(pool: cf.ProcessPoolExecutor) -> None:
    """Stop a pool's workers now, mid-task (``kill_workers`` from Python 3.14; its processes before).
    A pool already shut down is left as it is."""
    if hasattr(pool, "kill_workers"):
        pool.kill_workers()
        return
    processes = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for proc in processes:
        if proc.is_alive():
            proc.kill()
    for proc in processes:
        proc.join(timeout=5)


def wait_for_jobs(futures: dict, *, progress=False, desc: str = "", on_result=None) -> tuple[dict, dict]:
    """Wait for ``{name: future}``: ``({name: result}, {name: exception})``, one bar over the jobs.

    ``on_result(name, result)`` is called here as each job finishes, while the others still run.
    A worker that died takes its unfinished jobs with it (``BrokenProcessPool`` for each).
    """
    results, errors, bar = {}, {}, None
    if progress and futures:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(futures), unit="model", leave=True, desc=desc)
    name_of = {future: name for name, future in futures.items()}
    try:
        for future in cf.as_completed(name_of):
            name = name_of[future]
            try:
                results[name] = future.result()
            except Exception as err:  # noqa: BLE001 (any failure of a job is the caller's to report)
                errors[name] = err
            else:
                if on_result is not None:
                    on_result(name, results[name])
            if bar is not None:
                bar.set_postfix_str(f"{name} done")
                bar.update(1)
    finally:
        if bar is not None:
            bar.close()
    return results, errors
