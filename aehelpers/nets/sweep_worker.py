"""Train some of a sweep's models in a process of its own: ``python -m aehelpers.nets.sweep_worker JOB``.

``JOB`` is a pickle written by ``sweep._Workers``: the training images' ``.npy`` file, the
seed, the cache folder and a list of ``(p, recipe, key)``.  Each model goes through the same
``cached_model`` call as in the notebook's process, so the entry it stores is the one that
process then loads.  One line ``done <p>`` on stdout per stored model tells the parent how far it
got.  Introduced in notebook 04.
"""
from __future__ import annotations

import pickle
import sys


def main(argv=None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m aehelpers.nets.sweep_worker JOB_FILE", file=sys.stderr)
        return 2
    with open(args[0], "rb") as f:
        job = pickle.load(f)  # written by this package's parent process, never by a user

    import numpy as np

    from aehelpers.nets.sweep import _sweep_entry

    x_train = np.load(job["x_file"])
    for p, recipe, key in job["jobs"]:
        _sweep_entry(p, recipe, key, x_train, seed=job["seed"], root=job["root"], progress=False, verbose=False)
        print(f"done {p}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
