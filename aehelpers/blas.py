"""One BLAS thread for the small matrices of the linear theory (n × n and n × p, n = 784).

Extra BLAS threads only add overhead there, and on a busy machine they spin: alternating least
squares took 17 s instead of 2 s.  Introduced in notebook 02.
"""
from __future__ import annotations

import contextlib
import functools

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
