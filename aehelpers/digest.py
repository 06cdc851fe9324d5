"""Short content hashes: of arrays (which data a result came from) and of code (which code made it).

NumPy and the standard library only, so the theory modules can key their results without
loading Keras.  Introduced in notebook 02.
"""
from __future__ import annotations

import functools
import hashlib
import inspect
import json
import sys

import numpy as np


def fingerprint(x) -> str:
    """A short hash of an array's shape, dtype and bytes: cache keys name the exact data."""
    arr = np.ascontiguousarray(x)
    h = hashlib.blake2b(f"{arr.shape}{arr.dtype}".encode(), digest_size=16)  # ~2× faster than sha256
    h.update(arr.data)
    return h.hexdigest()[:16]


def digest_json(obj) -> str:
    """A short hash of a JSON-serialisable object, independent of dict order."""
    return hashlib.sha256(json.dumps(obj, sort_keys=True).encode()).hexdigest()[:16]


def _module_source(name: str) -> str | None:
    module = sys.modules.get(name)
    try:
        return inspect.getsource(module) if module is not None else None
    except (OSError, TypeError):
        return None


def _callable_source(fn) -> str:
    while isinstance(fn, functools.partial):
        fn = fn.func
    module = getattr(fn, "__module__", "") or ""
    if module == "aehelpers" or module.startswith("aehelpers."):
        source = _module_source(module)  # the whole module: what the function calls changes with it
        if source is not None:
            return source
    try:
        return inspect.getsource(fn)  # a notebook cell's function: IPython keeps its source
    except (OSError, TypeError):
        code = getattr(fn, "__code__", None)
        return repr((code.co_code, code.co_consts)) if code is not None else repr(fn)


def code_digest(*callables, modules: tuple[str, ...] = ()) -> str:
    """A short hash of the code behind ``callables`` (and of the named modules' source).

    A function of ``aehelpers`` contributes its whole module's source; any other function (one
    defined in a notebook cell) its own source.  Changing that code changes the digest.
    """
    h = hashlib.sha256()
    for name in modules:
        h.update((_module_source(name) or name).encode())
    for fn in callables:
        h.update(_callable_source(fn).encode())
    return h.hexdigest()[:16]
