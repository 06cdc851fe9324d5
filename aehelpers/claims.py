"""One short line per claim: ``check("the code is dense", dead == 0)`` prints ✓ or raises.

Notebooks state a claim in prose and check it in the next cell with one call, so the reader
sees a single ✓ line and the notebook stops loudly when the claim is false.  Introduced in
notebook 00.
"""
from __future__ import annotations

import numpy as np


class ClaimFailed(AssertionError):
    """Raised by ``check`` when a claim the prose makes does not hold on this run."""


def check(claim: str, holds, detail: str = "") -> None:
    """Print ``✓ claim`` when ``holds`` is true, else raise ``ClaimFailed`` naming the claim.

    ``holds`` must be a single truth value (a Python or NumPy bool): an array is refused, so a
    check cannot pass by accident on ``if array:``.  ``detail`` (e.g. the measured numbers) is
    shown after the claim either way.  Returns nothing, so a cell may end with it.
    """
    if not isinstance(claim, str) or not claim.strip():
        raise ValueError(f"claim must be a non-empty sentence; got {claim!r}")
    if not isinstance(holds, (bool, np.bool_)):
        raise TypeError(f"check({claim!r}, ...) needs a single bool; got {type(holds).__name__} "
                        f"{holds!r} (use .all(), .any() or a comparison)")
    suffix = f" ({detail})" if detail else ""
    if not holds:
        raise ClaimFailed(f"✗ {claim}{suffix}")
    print(f"✓ {claim}{suffix}")
