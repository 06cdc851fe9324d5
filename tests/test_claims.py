import numpy as np
import pytest

from aehelpers.checks import ClaimFailed, check


def test_true_claim_prints_one_tick_line(capsys):
    assert check("two is even", 2 % 2 == 0, "2 mod 2 = 0") is None
    assert capsys.readouterr().out == "✓ two is even (2 mod 2 = 0)\n"


def test_false_claim_raises_naming_it():
    with pytest.raises(ClaimFailed, match="three is even"):
        check("three is even", 3 % 2 == 0)


def test_numpy_bool_accepted_array_refused():
    check("all positive", bool(np.all(np.array([1, 2]) > 0)))
    check("numpy bool", np.all(np.array([1, 2]) > 0))
    with pytest.raises(TypeError, match="single bool"):
        check("array", np.array([True, True]))
    with pytest.raises(ValueError, match="non-empty"):
        check("", True)
