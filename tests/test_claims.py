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


def test_check_answers_judges_set_answers_and_reveals_missing_ones(capsys):
    from aehelpers.checks import check_answers, within

    ns = {"answer_1": " Worse", "answer_2": 0.6, "answer_3": 1, "answer_4": 784.0}
    check_answers(ns, answer_1="worse", answer_2=within(0.5, 0.15), answer_3=True, answer_4=784, answer_5="yes")
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "✓ your answer_1 matches this run (you said ' Worse', it is 'worse')"
    assert lines[1] == "✓ your answer_2 matches this run (you said 0.6, it is 0.5 (within 0.15))"
    assert lines[2].startswith("✗ your answer_3 matches this run (you said 1, it is True)")  # 1 is not a bool
    assert lines[3].startswith("✓ your answer_4 matches this run")
    assert lines[4] == "no answer_5 set — here is the answer: 'yes'"


@pytest.mark.parametrize("given, truth, holds", [
    (0.66, 0.5, False), (float("nan"), 0.5, False), ("0.5", 0.5, False), (True, 1.0, False), (0.35, 0.5, True)])
def test_within_needs_a_number_inside_the_slack(capsys, given, truth, holds):
    from aehelpers.checks import check_answers, within

    check_answers({"x": given}, x=within(truth, 0.15))
    assert capsys.readouterr().out.startswith("✓" if holds else "✗")


def test_check_answers_refuses_bad_calls():
    from aehelpers.checks import check_answers, within

    with pytest.raises(TypeError, match="mapping of names, such as globals\\(\\); got list"):
        check_answers(["answer_1"], answer_1="x")
    with pytest.raises(ValueError, match="at least one answer"):
        check_answers({})
    with pytest.raises(TypeError, match="answer_1's answer must be .* ae.within\\(x, tol\\); got float 0.5"):
        check_answers({}, answer_1=0.5)
    with pytest.raises(TypeError, match="finite numbers; got tolerance = nan"):
        within(1.0, float("nan"))
    with pytest.raises(ValueError, match="tolerance >= 0; got -1"):
        within(1.0, -1)
