"""tests/invited.py injects the invited values where a reader would type them, and refuses what is not invited."""
import nbformat
import pytest

from invited import parameters_cell, with_values


def _nb(*cells):
    nb = nbformat.v4.new_notebook()
    nb.cells = list(cells)
    return nb


def _params(source="p = 32\nepochs = 5"):
    cell = nbformat.v4.new_code_cell(source)
    cell.metadata["tags"] = ["parameters"]
    return cell


def test_values_go_right_after_the_parameters_cell():
    nb = _nb(nbformat.v4.new_code_cell("import x"), _params(), nbformat.v4.new_code_cell("use(p)"))
    out = with_values(nb, p=8)
    assert [c.source.split("   #")[0] for c in out.cells] == ["import x", "p = 32\nepochs = 5", "p = 8", "use(p)"]
    assert len(nb.cells) == 3  # the original is untouched


def test_a_name_the_parameters_cell_does_not_set_is_refused():
    with pytest.raises(ValueError, match="'q' is not set in the parameters cell"):
        with_values(_nb(_params()), q=3)


@pytest.mark.parametrize("cells, found", [((), 0), ((_params(), _params()), 2)])
def test_exactly_one_parameters_cell(cells, found):
    with pytest.raises(ValueError, match=f"exactly one cell tagged 'parameters', found {found}"):
        parameters_cell(_nb(*cells))
