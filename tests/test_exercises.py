"""The exercise checker: placeholders, right answers and wrong answers."""
import numpy as np
import pytest

from nnlib.exercises import check, rejects


def test_placeholders_are_not_attempted(capsys):
    assert check(None, 1.0, name="E1") is None
    assert check(..., 1.0) is None

    def todo(z):
        raise NotImplementedError

    assert check(todo, np.zeros(2), args=(1,)) is None
    assert capsys.readouterr().out.count("not attempted yet") == 3


def test_right_and_wrong_answers(capsys):
    assert check(lambda z: 2 * z, lambda z: z + z, name="E2", args=(np.arange(3),)) is True
    assert "E2: correct." in capsys.readouterr().out
    with pytest.raises(AssertionError, match=r"E3: not quite. 1 of 2 entries differ; the first is at "
                                             r"index \(1,\), where your answer 3 is too large"):
        check(np.array([1.0, 3.0]), np.array([1.0, 2.0]), name="E3")
    with pytest.raises(AssertionError, match=r"expected shape \(2,\), got \(3,\)"):
        check(np.zeros(3), np.zeros(2))
    assert check(["relu", "elu"], ["relu", "elu"]) is True


def test_quiet_check_prints_nothing_for_a_right_answer(capsys):
    from nnlib.exercises import check

    assert check(2.0, 2.0, name="Exercise 0.1", quiet=True) is True
    assert capsys.readouterr().out == ""
    with pytest.raises(AssertionError, match="not quite"):
        check(3.0, 2.0, name="Exercise 0.1", quiet=True)



@pytest.mark.parametrize("answer, expected, words, hidden", [
    (0.3, 0.25, "Your answer 0.3 is too large.", "0.25"),
    (np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([[1.0, 2.0], [3.5, 4.5]]),
     "2 of 4 entries differ; the first is at index (1, 0), where your answer 3 is too small.", "3.5"),
    (np.array([np.nan, 1.0]), np.array([0.25, 1.0]), "where your answer nan is not a finite number.", "0.25"),
    ("dead ReLUs", "saturated units", "Your answer 'dead ReLUs' is not the expected one.", "saturated"),
    (["relu", "tanh"], ["relu", "elu"],
     "1 of 2 entries differ; the first is at index (1,), where your answer has 'tanh'.", "elu"),
])
def test_a_wrong_answer_is_located_without_giving_the_expected_value_away(answer, expected, words, hidden):
    with pytest.raises(AssertionError) as wrong:
        check(answer, expected, name="E5")
    message = str(wrong.value)
    assert words in message and "answer key" in message
    assert hidden not in message


def test_rejects_says_whether_check_calls_an_answer_wrong(capsys):
    assert rejects(np.array([1.0, 3.0]), np.array([1.0, 2.0]))
    assert rejects(lambda scale: scale * np.ones(2), np.ones(2), args=(2.0,))
    assert not rejects(np.array([1.0, 2.0 + 1e-9]), np.array([1.0, 2.0]))
    assert not rejects(1.0, 1.01, rtol=0.1)
    assert not rejects(None, 1.0)                        # a placeholder is not attempted, not wrong
    assert "correct" not in capsys.readouterr().out      # quiet
