"""bench/prose_numbers.py: every number the prose quotes is looked for in the run's outputs (issue #27)."""
import pathlib
import sys

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # for bench.prose_numbers

from bench import prose_numbers as pn  # noqa: E402


def executed(prose: str, printed: str = "", *, code: str = "print(x)", display: dict | None = None):
    """A two-cell executed notebook: ``prose`` in markdown, then a code cell that printed ``printed``."""
    outputs = [new_output("stream", name="stdout", text=printed)] if printed else []
    if display:
        outputs.append(new_output("display_data", data=display))
    return new_notebook(cells=[new_markdown_cell(prose), new_code_cell(code, outputs=outputs, execution_count=1)])


def numbers(nb) -> list[str]:
    return [m.number for m in pn.check(nb, "nb")]


def test_a_number_the_run_never_printed_is_listed_with_its_cell_and_sentence():
    found = pn.check(executed("The loss ends at 0.0928 after training.", "val_loss 0.1234\n"), "04_x")
    assert [(m.notebook, m.cell, m.number) for m in found] == [("04_x", 0, "0.0928")]
    assert "ends at 0.0928 after" in found[0].context and "04_x cell 0: 0.0928" in found[0].short()


def test_the_prose_may_round_the_printed_number_but_not_change_it():
    assert numbers(executed("It ends near a loss of 0.09.", "val_loss 0.0928\n")) == []
    assert numbers(executed("It ends at a loss of 0.09.", "val_loss 0.0928\n")) == []
    assert numbers(executed("It ends at a loss of 0.093.", "val_loss 0.0928\n")) == []
    assert numbers(executed("It ends at a loss of 0.10.", "val_loss 0.0928\n")) == ["0.10"]
    assert numbers(executed("It ends at a loss of 0.092.", "val_loss 0.0928\n")) == ["0.092"]  # truncated: wrong
    assert numbers(executed("Training took 146 s.", "fit: 146.3 s\n")) == []
    assert numbers(executed("Training took 148 s.", "fit: 146.3 s\n")) == ["148"]


def test_about_allows_ten_per_cent():
    assert numbers(executed("A perfect copy costs about 0.06 nats.", "floor 0.0545\n")) == []
    assert numbers(executed("A perfect copy costs about 0.06 nats.", "floor 0.0531\n")) == ["0.06"]  # 11 % off
    assert numbers(executed("A perfect copy costs 0.06 nats.", "floor 0.0545\n")) == ["0.06"]  # rounds to 0.05
    assert numbers(executed("Each epoch takes roughly 120 s.", "epoch 131.0 s\n")) == []


def test_percentages_ratios_and_separators():
    assert numbers(executed("It keeps 93% of the variance.", "kept 0.932\n")) == []
    assert numbers(executed("It keeps 93 % of the variance.", "kept 93.2 %\n")) == []
    assert numbers(executed("It keeps 95% of the variance.", "kept 0.932\n")) == ["95%"]
    assert numbers(executed("The series is 3.1× faster.", "ratio 3.11\n")) == []
    assert numbers(executed("The series is 3.4× faster.", "ratio 3.11\n")) == ["3.4"]
    assert numbers(executed("Epochs take 0.70 × the seed code's time.", "0.7032\n")) == []
    assert numbers(executed("It searches 16,384 autoencoders.", "searched 16384\n")) == []
    assert numbers(executed("It searches 16,384 autoencoders.", "searched 16383\n")) == ["16,384"]


def test_outputs_of_every_kind_count_and_display_markdown_is_an_output_not_prose():
    html = {"text/html": "<style>td {width: 0.0928px}</style><table><td>0.0417</td></table>", "text/plain": "<table>"}
    assert numbers(executed("The score is 0.0417.", display=html)) == []
    assert numbers(executed("The score is 0.0928.", display=html)) == ["0.0928"]  # CSS is not an output
    md = {"text/markdown": "The run's error: **0.0168**, 23.5 % of PCA's", "text/plain": "<IPython.core.display.Markdown>"}
    assert numbers(executed("As printed, 0.0168.", display=md)) == []
    assert numbers(executed("No number here.", display=md)) == []  # numbers of a Markdown display are not prose
    assert numbers(executed("The run says 0.0168.", "MSE 0.0168\n", code="print(mse)")) == []


def test_definitions_references_and_code_are_not_quoted_numbers():
    prose = """# 2 · Section 12.5
Baldi & Hornik (1989) and Baldi (2012, §2) showed it; see notebook 04, notebooks 02, 03 and 04 and
section 3. The blog's 784-32-784 model maps a 28 × 28 image through 784 → 32 → 784 (a 3/1/3 code is
smaller), trained on 4,000 / 1,000 digits for 50 epochs on 60,000 digits; the digit 7 and classes 0–9.
Raw pixels are 0–255. Code `Dense(137, activation="relu")`, math $x_{137} = 0.731$ and
```python
loss = 0.4242
```
The penalty 1e-4 (written `10e-5`, i.e. 10⁻⁴), the Conv2D layer, float32, x64; with p = 36 and
p = 28 … 36, n = 784. A tolerance |h| < 0.013. Try 0.37; the codes 000 and 111; 2⁸ = 256.
<!-- not from the run: 0.094, 0.11 --> The post's 0.094 and 0.11. Batches of 256 as in the code.
[04a](04a_speed_and_details.ipynb) · Python 3.11 and Keras 3.15.
"""
    nb = executed(prose, "nothing\n", code="batch_size = 256\nepochs = 50")
    assert pn.quoted_numbers(prose, pn.code_numbers(nb)) == []
    assert numbers(nb) == []


def test_the_code_rule_and_marker_only_cover_what_they_name():
    nb = executed("Batches of 256 and a loss of 0.094; a learning rate of 0.003.", "nothing\n",
                  code="batch_size = 128")
    assert numbers(nb) == ["256", "0.094", "0.003"]
    marked = executed("<!-- not from the run: 0.094 --> A loss of 0.094 and 0.095.", "nothing\n")
    assert numbers(marked) == ["0.095"]


def test_the_command_line_lists_mismatches_and_fails(tmp_path, capsys):
    bad, good = tmp_path / "01_bad.ipynb", tmp_path / "02_good.ipynb"
    nbformat.write(executed("The loss is 0.0928.", "loss 0.1234\n"), bad)
    nbformat.write(executed("The loss is 0.0928.", "loss 0.0928\n"), good)
    assert pn.main([str(good)]) == 0
    assert pn.main([str(bad), str(good)]) == 1
    out = capsys.readouterr().out
    assert "01_bad cell 0: 0.0928" in out and "02_good cell" not in out and "1 number(s)" in out
