"""The figure tables of the READMEs are what benchmarks/readme_tables.py renders from the
committed JSON of benchmarks/results/."""

import pytest

from benchmarks import readme_tables as rt


def test_every_readme_table_agrees_with_the_results():
    marked = {m["name"] for doc in rt.DOCS for m in rt.MARKED.finditer(doc.read_text())}
    assert marked == set(rt.TABLES)  # every table is used, and every marked name renders
    assert {str(doc.name): rt.drifted(doc.read_text()) for doc in rt.DOCS} == {d.name: [] for d in rt.DOCS}


def test_a_changed_figure_is_found_and_rendered_back():
    text = rt.DOCS[0].read_text()
    row = next(line for line in text.splitlines() if line.startswith("| `cnv_w1a1` ("))
    changed = text.replace(row, row.replace("| 3,052 |", "| 3,050 |"))
    assert changed != text and rt.drifted(changed) == ["cnv"]
    assert rt.render(changed) == text


def test_an_indented_table_keeps_its_indentation():
    text = "- item\n\n  <!-- table:faults_tfc_w1a1 -->\n  stale\n  <!-- /table -->\n"
    rendered = rt.render(text)
    assert rendered.splitlines()[3].startswith("  | kind |") and rt.drifted(rendered) == []


def test_an_unknown_table_is_named():
    with pytest.raises(ValueError, match="table 'nope': no such table"):
        rt.render("<!-- table:nope -->\n<!-- /table -->")


def test_bnn_pynq_is_never_given_the_finn_compilers_rate():
    """BNN-PYNQ's CNV-W1A1 runs 9,150 images/s; 3,050 is about finn-examples' FINN build."""
    for doc in rt.DOCS:
        for line in doc.read_text().splitlines():
            assert not ("BNN-PYNQ" in line and ("3,050" in line or "3050" in line) and "finn-examples" not in line), line
