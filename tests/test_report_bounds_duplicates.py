"""Tests of ``report``'s duplicate handling (each story counted once) and of its
bounds on dates and rows (issue 10: one mistyped date must not make a million rows).

Expected numbers are counted by hand from the records written here.
"""

import csv
import json
import subprocess
import sys
from datetime import date

import pytest

from kcna_themes import report as rp
from kcna_themes.errors import ReportOptionError

from .test_report import record as plain_record
from .test_report import run, write_csv, write_jsonl, write_model


def record(i, published, source, themes, duplicate_of=None, **extra):
    out = plain_record(i, published, source, themes)
    out["duplicate_of"] = duplicate_of
    out.update(extra)
    return out


# a01 is a story; a02 is the same capture saved twice (marked), a03 a reprint by
# Rodong with a changed headline (marked), a04 another story on the same event
# (not marked: two stories stay two). a05 is in March.
STORIES = [
    record(1, "2011-01-05", "KCNA", ["leader"]),
    record(2, "2011-01-05", "KCNA", ["leader"], duplicate_of="a01"),
    record(3, "2011-01-06", "Rodong", ["leader", "diplomacy"], duplicate_of="a01"),
    record(4, "2011-01-06", "KCNA", ["diplomacy"]),
    record(5, "2011-03-01", "KCNA", []),
]


def rows_of(result):
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


# ----------------------------------------------------------------- duplicates


def test_each_story_counted_once_by_default(tmp_path):
    path = write_jsonl(tmp_path / "tagged.jsonl", STORIES)
    jan, feb, mar = rows_of(run([path, "--format", "json"]))
    assert (jan["period"], jan["n"], jan["leader"], jan["diplomacy"], jan["duplicates"]) == ("2011-01", 2, 1, 1, 2)
    assert (feb["n"], feb["duplicates"]) == (0, 0)
    assert (mar["n"], mar["none"], mar["duplicates"]) == (1, 1, 0)


def test_keep_duplicates_counts_every_copy(tmp_path):
    path = write_jsonl(tmp_path / "tagged.jsonl", STORIES)
    jan = rows_of(run([path, "--format", "json", "--keep-duplicates"]))[0]
    assert (jan["n"], jan["leader"], jan["diplomacy"], jan["duplicates"]) == (4, 3, 2, 2)


def test_duplicates_by_source_fall_in_the_copy_s_row(tmp_path):
    path = write_jsonl(tmp_path / "tagged.jsonl", STORIES)
    rows = rows_of(run([path, "--format", "json", "--by-source", "--by", "year"]))
    by_source = {r["source"]: (r["n"], r["duplicates"]) for r in rows}
    assert by_source == {"KCNA": (3, 1), "Rodong": (0, 1)}


def test_markdown_and_csv_say_how_many_were_set_aside(tmp_path):
    path = write_csv(tmp_path / "tagged.csv", STORIES)
    # write_csv has no duplicate_of column: add it, as tag writes it
    with open(path, newline="", encoding="utf-8") as fh:
        table = list(csv.reader(fh))
    table[0].append("duplicate_of")
    for row, story in zip(table[1:], STORIES):
        row.append(story["duplicate_of"] or "")
    with open(path, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(table)
    markdown = run([path, "--by", "all"]).stdout
    assert "| duplicates |" in markdown.splitlines()[0]
    assert "2 duplicate copies of stories already counted set aside" in markdown
    kept = run([path, "--by", "all", "--keep-duplicates"]).stdout
    assert "2 duplicate copies of stories already counted are included" in kept
    out = tmp_path / "report.csv"
    assert run([path, "--by", "all", "-o", out]).exit_code == 0
    row = next(csv.DictReader(out.read_text().splitlines()))
    assert (row["n"], row["duplicates"]) == ("3", "2")


def test_older_files_without_the_field_have_no_duplicates_column(tmp_path):
    path = write_jsonl(tmp_path / "tagged.jsonl", [plain_record(1, "2011-01-05", "KCNA", ["leader"])])
    (row,) = rows_of(run([path, "--format", "json", "--by", "all"]))
    assert "duplicates" not in row and row["n"] == 1
    assert "duplicate" not in run([path, "--by", "all"]).stdout


def test_first_copy_stands_in_when_the_original_is_not_in_the_input():
    articles = [rp.TaggedArticle(id=i, published=date(2011, 1, 5), source="KCNA", themes=frozenset(),
                                 scores={"leader": 0.1}, model="m", duplicate_of=d, dedup_marked=True)
                for i, d in (("b", "a"), ("c", "a"), ("d", None), ("e", "d"))]
    counted, copies = rp.split_duplicates(articles)
    assert [a.id for a in counted] == ["b", "d"] and [a.id for a in copies] == ["c", "e"]


# ----------------------------------------------------------------- bounds


@pytest.mark.parametrize("by", ["day", "week", "month", "quarter", "year", "all"])
def test_a_far_future_date_is_a_named_skip_not_a_crash(tmp_path, by):
    records = [plain_record(i, f"2011-01-{i:02d}", "KCNA", ["leader"]) for i in range(1, 6)]
    records.append(plain_record(6, "9999-12-31", "KCNA", []))
    path = write_jsonl(tmp_path / "tagged.jsonl", records)
    result = run([path, "--by", by, "--format", "json"])
    assert result.exit_code == 1, result.output
    assert f"skipped {path}:6: implausible date (9999-12-31 is outside 1945-01-01.." in result.stderr
    assert "5 articles processed, 1 skipped (1 implausible date)" in result.stderr
    assert sum(r["n"] for r in json.loads(result.stdout)) == 5
    assert "Traceback" not in result.output


def test_a_mistyped_old_date_does_not_make_a_row_per_day(tmp_path):
    records = [plain_record(i, f"2011-01-0{i}", "KCNA", ["leader"]) for i in range(1, 6)]
    records.append(plain_record(6, "0001-01-01", "KCNA", ["sport"]))
    path = write_jsonl(tmp_path / "tagged.jsonl", records)
    result = run([path, "--by", "day", "--format", "json"])
    assert result.exit_code == 1
    assert f"{path}:6: implausible date (0001-01-01" in result.stderr
    assert [r["period"] for r in json.loads(result.stdout)] == [f"2011-01-0{i}" for i in range(1, 6)]
    model = write_model(tmp_path / "model")
    adjusted = run([path, "--by", "day", "--adjust", "--model", model, "--format", "json"])
    assert adjusted.exit_code == 1 and len(json.loads(adjusted.stdout)) == 5


def test_too_many_rows_are_refused_naming_the_dates_and_a_coarser_period():
    articles = [rp.TaggedArticle(id=str(i), published=day, source=f"outlet{i}", themes=frozenset(),
                                 scores={"leader": 0.1}, model="m")
                for i, day in enumerate([date(1950, 1, 1), date(2011, 1, 1), date(2020, 6, 30), date(2021, 1, 1)])]
    assert rp.period_count(date(1950, 1, 1), date(2021, 1, 1), "day") == 25_934
    rp.build_report(articles, ["leader"], by="day")  # 25,934 rows: under the limit
    with pytest.raises(ReportOptionError, match=r"--by day from 1950-01-01 to 2021-01-01 would make 103,736 rows "
                                                r"\(the limit is 100,000\); check those dates, or use --by week"):
        rp.build_report(articles, ["leader"], by="day", by_source=True)


@pytest.mark.parametrize("by,first,last,count", [
    ("week", date(2009, 12, 28), date(2010, 1, 17), 3), ("month", date(2010, 11, 30), date(2011, 2, 1), 4),
    ("quarter", date(2010, 12, 31), date(2011, 4, 1), 3), ("year", date(2010, 1, 1), date(2012, 12, 31), 3),
])
def test_period_count_matches_period_range(by, first, last, count):
    assert rp.period_count(first, last, by) == count
    assert len(rp.period_range(rp.period_key(first, by), rp.period_key(last, by), by)) == count


def test_period_range_stops_at_the_last_representable_period():
    assert rp.period_range("9999-11", "9999-12", "month") == ["9999-11", "9999-12"]


def test_report_does_not_import_scikit_learn(tmp_path):
    path = write_jsonl(tmp_path / "tagged.jsonl", STORIES)
    code = ("import sys; from click.testing import CliRunner; from kcna_themes.cli import cli; "
            f"r = CliRunner().invoke(cli, ['report', {str(path)!r}, '--by', 'year']); "
            "print(r.exit_code, 'sklearn' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "0 False"
