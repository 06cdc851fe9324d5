import numpy as np
import pytest

from aehelpers.checks import ClaimFailed, check, check_answer, check_timing


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


def test_an_answer_gets_a_verdict_and_a_wrong_one_does_not_raise(capsys):
    check_answer("your count is right", 3 == 3, "you said 3")
    check_answer("your count is right", np.bool_(2 == 3), "you said 2, it is 3")
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "✓ your count is right (you said 3)"
    assert lines[1].startswith("✗ your count is right (you said 2, it is 3)") and "otherwise" in lines[1]


def test_check_answer_refuses_what_check_refuses():
    with pytest.raises(TypeError, match=r"check_answer\('x', \.\.\.\) needs a single bool; got ndarray"):
        check_answer("x", np.array([True]))
    with pytest.raises(ValueError, match="non-empty"):
        check_answer("  ", True)


def test_a_timing_claim_is_reported_never_raised(capsys):
    check_timing("XLA makes an epoch shorter", 0.36 < 0.52, "0.36 s against 0.52 s")
    check_timing("XLA makes an epoch shorter", np.bool_(0.61 < 0.52), "0.61 s against 0.52 s")
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "✓ XLA makes an epoch shorter (0.36 s against 0.52 s)"
    assert lines[1].startswith("✗ XLA makes an epoch shorter (0.61 s against 0.52 s)") and "load" in lines[1]
    with pytest.raises(TypeError, match=r"check_timing\('x', \.\.\.\) needs a single bool; got float"):
        check_timing("x", 0.5)
