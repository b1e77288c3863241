"""CSV injection: no text cell this package writes starts a spreadsheet formula, and its own reads undo the quote."""

import csv
import io
import json

from hypothesis import given
from hypothesis import strategies as st

from kcna_themes.csvsafe import FORMULA_TRIGGERS, neutralise_cell, restore_cell

from .conftest import invoke

HOSTILE = ["=HYPERLINK(\"http://evil.example\",\"x\")", "+1+1", "-2+3", "@SUM(A1)", "\tleading tab",
           "\rcarriage", "'=already quoted"]


def _cells(text: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(text)) for cell in row]


def _opens_as_formula(cell: str) -> bool:
    return cell.startswith(FORMULA_TRIGGERS)


@given(st.text())
def test_restore_undoes_neutralise_and_nothing_starts_a_formula(value):
    safe = neutralise_cell(value)
    assert restore_cell(safe) == value
    assert not _opens_as_formula(safe)


def test_numbers_and_plain_text_pass_unchanged():
    assert neutralise_cell(-0.5) == -0.5 and neutralise_cell(None) is None
    assert neutralise_cell("Kim Jong Un visits a farm") == "Kim Jong Un visits a farm"
    assert neutralise_cell("=1+1") == "'=1+1"


def _hostile_records(tmp_path):
    rows = [{"id": h, "title": h, "source": h, "date": "2024-01-0" + str(i + 1),
             "text": f"Farmers finished the rice harvest in county {i}."} for i, h in enumerate(HOSTILE)]
    path = tmp_path / "hostile.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def test_tag_and_report_csv_cells_never_start_a_formula(tmp_path, tag_small):
    records = _hostile_records(tmp_path)
    out = tmp_path / "tagged.csv"
    assert tag_small(records, "-o", out).exit_code == 0
    cells = _cells(out.read_text(encoding="utf-8"))
    assert "'=HYPERLINK(\"http://evil.example\",\"x\")" in cells and "''=already quoted" in cells
    assert not [c for c in cells if _opens_as_formula(c)]

    table = tmp_path / "report.csv"
    result = invoke(["report", out, "--by-source", "--by", "all", "-o", table])
    assert result.exit_code == 0, result.stderr
    cells = _cells(table.read_text(encoding="utf-8"))
    assert "'@SUM(A1)" in cells
    assert not [c for c in cells if _opens_as_formula(c)]


def test_report_and_resume_read_the_original_values_back(tmp_path, tag_small):
    records = _hostile_records(tmp_path)
    out = tmp_path / "tagged.csv"
    assert tag_small(records, "-o", out).exit_code == 0
    whole = out.read_text(encoding="utf-8")
    out.write_text(whole.splitlines(keepends=True)[0] + "".join(whole.splitlines(keepends=True)[1:4]))
    result = tag_small(records, "-o", out, "--resume")
    assert result.exit_code == 0, result.stderr
    assert out.read_text(encoding="utf-8") == whole  # the three kept ids were recognised, not tagged twice

    as_json = tmp_path / "report.json"
    assert invoke(["report", out, "--by-source", "--by", "all", "-o", as_json]).exit_code == 0
    assert {row["source"] for row in json.loads(as_json.read_text())} == {h.strip() for h in HOSTILE}
