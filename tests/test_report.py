"""Tests of ``kcna-themes report``: counts, thresholds, ACC adjustment, errors, chart.

The small data set below is written by hand and every expected number was
counted by hand from it (see the comments), not computed by the code under test.
"""

import csv
import json
import time

import numpy as np
import pytest
from click.testing import CliRunner

from kcna_themes import report as rp
from kcna_themes.batch import BatchLog
from kcna_themes.errors import InputError, ModelError
from kcna_themes.report_cli import report

THEMES = ["leader", "construction", "agriculture", "sport", "heritage", "diplomacy"]
MODEL = "kcna-themes-test-1"


def record(i, published, source, themes, model=MODEL, **special):
    """A tagged record: tagged themes score 0.9, others 0.1 unless given in ``special``."""
    scores = {t: (0.9 if t in themes else 0.1) for t in THEMES}
    scores.update(special)
    return {"id": f"a{i:02d}", "title": f"article {i}", "published": published, "source": source,
            "path": f"/corpus/{i}.txt", "themes": list(themes), "scores": scores, "model": model}


# Hand-made corpus. Months: Jan 3 articles, Feb none, Mar 2, Apr 1, plus 3 undated.
ARTICLES = [
    record(1, "2011-01-05", "KCNA", ["leader"]),
    record(2, "2011-01-20", "KCNA", ["leader", "diplomacy"]),
    record(3, "2011-01-31", "Rodong", [], sport=0.35),      # none; sport 0.35 (re-cut at 0.3)
    record(4, "2011-03-02", "KCNA", ["sport"]),
    record(5, "2011-03-15", "Rodong", ["leader"]),
    record(6, "2011-04-01", "KCNA", ["agriculture"], leader=0.45),  # leader 0.45 (re-cut at 0.3)
    record(7, None, "KCNA", ["heritage"]),
    record(8, "", "Rodong", []),
    record(9, "not a date", "KCNA", ["leader"]),
]


def write_jsonl(path, records):
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def write_csv(path, records):
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "title", "published", "source", "path", "model", "themes"]
                        + [f"score_{t}" for t in THEMES])
        for r in records:
            writer.writerow([r["id"], r["title"], r["published"] or "", r["source"], r["path"], r["model"],
                             ";".join(r["themes"])] + [r["scores"][t] for t in THEMES])
    return path


def write_model(folder, *, counts=True, tp=80, fp=45, fn=20, tn=855, model_id=MODEL):
    folder.mkdir(exist_ok=True)
    per_theme = {}
    for t in THEMES:
        entry = {"precision": 0.6, "recall": 0.8, "f1": 0.69, "support": tp + fn,
                 "tpr": tp / (tp + fn), "fpr": fp / (fp + tn)}
        if counts:
            entry.update(tp=tp, fp=fp, fn=fn, tn=tn)
        per_theme[t] = entry
    meta = {"format_version": 1, "model_id": model_id, "themes": THEMES,
            "embedder": {"id": "fake-hash-64", "dim": 64},
            "classifier": {"file": "classifier.joblib", "sha256": "0" * 64},
            "thresholds": {t: 0.5 for t in THEMES}, "evaluation": {"per_theme": per_theme}}
    (folder / "metadata.json").write_text(json.dumps(meta), encoding="utf-8")
    return folder


def zero(period, source=None):
    """Expected row with n = 0."""
    return expected(period, 0, {}, 0, source)


def expected(period, n, counts, none, source=None):
    """Expected row; shares rounded to the 6 decimals that JSON and CSV output carry."""
    row = {"period": period}
    if source is not None:
        row["source"] = source
    row["n"] = n
    for t in THEMES:
        row[t] = counts.get(t, 0)
        row[f"{t}_share"] = round(counts.get(t, 0) / n, 6) if n else 0.0
    row["none"] = none
    row["none_share"] = round(none / n, 6) if n else 0.0
    return row


def run(args, input=None):
    return CliRunner().invoke(report, [str(a) for a in args], input=input)


@pytest.fixture
def jsonl(tmp_path):
    return write_jsonl(tmp_path / "tagged_small.jsonl", ARTICLES)


@pytest.fixture
def csvfile(tmp_path):
    return write_csv(tmp_path / "tagged_small.csv", ARTICLES)


# ----------------------------------------------------------------- counts

MONTHLY = [
    expected("2011-01", 3, {"leader": 2, "diplomacy": 1}, 1),
    zero("2011-02"),
    expected("2011-03", 2, {"sport": 1, "leader": 1}, 0),
    expected("2011-04", 1, {"agriculture": 1}, 0),
    expected("undated", 3, {"heritage": 1, "leader": 1}, 1),
]


@pytest.mark.parametrize("kind", ["jsonl", "csvfile"])
def test_monthly_counts_jsonl_and_csv(kind, request):
    path = request.getfixturevalue(kind)
    result = run([path, "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == MONTHLY
    assert "9 articles processed, 0 skipped" in result.stderr


def test_quarterly_counts(jsonl):
    result = run([jsonl, "--by", "quarter", "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == [
        expected("2011-Q1", 5, {"leader": 3, "diplomacy": 1, "sport": 1}, 1),
        expected("2011-Q2", 1, {"agriculture": 1}, 0),
        expected("undated", 3, {"heritage": 1, "leader": 1}, 1),
    ]


def test_monthly_counts_by_source(csvfile):
    result = run([csvfile, "--by-source", "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == [
        expected("2011-01", 2, {"leader": 2, "diplomacy": 1}, 0, "KCNA"),
        expected("2011-01", 1, {}, 1, "Rodong"),
        zero("2011-02", "KCNA"),
        zero("2011-02", "Rodong"),
        expected("2011-03", 1, {"sport": 1}, 0, "KCNA"),
        expected("2011-03", 1, {"leader": 1}, 0, "Rodong"),
        expected("2011-04", 1, {"agriculture": 1}, 0, "KCNA"),
        zero("2011-04", "Rodong"),
        expected("undated", 2, {"heritage": 1, "leader": 1}, 0, "KCNA"),
        expected("undated", 1, {}, 1, "Rodong"),
    ]


def test_by_all_counts_every_article(jsonl):
    rows = json.loads(run([jsonl, "--by", "all", "--format", "json"]).stdout)
    assert rows == [expected("all", 9, {"leader": 4, "diplomacy": 1, "sport": 1, "agriculture": 1,
                                        "heritage": 1}, 2)]


def test_csv_output_file_and_format_from_extension(jsonl, tmp_path):
    out = tmp_path / "report.csv"
    result = run([jsonl, "--output", out])
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    lines = out.read_text().splitlines()
    header = ["period", "n"] + [c for t in THEMES for c in (t, f"{t}_share")] + ["none", "none_share"]
    assert lines[0].split(",") == header
    assert lines[1].split(",")[:4] == ["2011-01", "3", "2", "0.666667"]
    assert lines[2].split(",")[:4] == ["2011-02", "0", "0", "0.0"]
    assert lines[-1].startswith("undated,3,")


def test_markdown_is_default(jsonl):
    result = run([jsonl, "--by", "quarter"])
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0].startswith("| period | n | leader | construction |")
    assert "| 2011-Q1 | 5 | 3 (60.0%) |" in lines[2]


def test_stdin(jsonl):
    result = run(["-", "--by", "year", "--format", "json"], input=jsonl.read_text())
    assert result.exit_code == 0, result.output
    assert [(r["period"], r["n"]) for r in json.loads(result.stdout)] == [("2011", 6), ("undated", 3)]


@pytest.mark.parametrize("by,day,key", [
    ("day", "2011-02-01", "2011-02-01"), ("week", "2011-02-01", "2011-W05"),
    ("week", "2010-01-03", "2009-W53"), ("month", "2011-02-01", "2011-02"),
    ("quarter", "2011-12-31", "2011-Q4"), ("year", "2011-02-01", "2011"), ("all", "2011-02-01", "all"),
])
def test_period_key(by, day, key):
    assert rp.period_key(rp.parse_published(day), by) == key
    assert rp.period_key(rp.period_start(key, by), by) == key


def test_period_range_crosses_years():
    assert rp.period_range("2010-Q4", "2011-Q2", "quarter") == ["2010-Q4", "2011-Q1", "2011-Q2"]
    assert rp.period_range("2009-W52", "2010-W02", "week") == ["2009-W52", "2009-W53", "2010-W01", "2010-W02"]


# ----------------------------------------------------------------- thresholds


def test_threshold_per_theme_recounts_from_scores(jsonl):
    rows = json.loads(run([jsonl, "--threshold", "sport=0.3", "--format", "json"]).stdout)
    # article 3 (Jan, no theme, sport 0.35) now counts as sport; nothing else moves
    assert rows[0] == expected("2011-01", 3, {"leader": 2, "diplomacy": 1, "sport": 1}, 0)
    assert rows[2:] == MONTHLY[2:]


def test_threshold_overall_recounts_every_theme(jsonl):
    rows = json.loads(run([jsonl, "--threshold", "0.3", "--format", "json"]).stdout)
    # sport 0.35 (article 3) and leader 0.45 (article 6) now pass; 0.1 and 0.9 do not change
    assert rows[0] == expected("2011-01", 3, {"leader": 2, "diplomacy": 1, "sport": 1}, 0)
    assert rows[3] == expected("2011-04", 1, {"agriculture": 1, "leader": 1}, 0)
    rows = json.loads(run([jsonl, "--threshold", "0.95", "--format", "json"]).stdout)
    assert [(r["n"], r["none"]) for r in rows] == [(3, 3), (0, 0), (2, 2), (1, 1), (3, 3)]


def test_threshold_unknown_theme_is_usage_error(jsonl):
    result = run([jsonl, "--threshold", "weather=0.4"])
    assert result.exit_code == 2
    assert "unknown theme 'weather'" in result.stderr
    assert run([jsonl, "--threshold", "sport=high"]).exit_code == 2
    assert run([jsonl, "--threshold", "1.5"]).exit_code == 2


# ----------------------------------------------------------------- ACC


def test_acc_recovers_known_share():
    rng = np.random.default_rng(7)
    n, true_share, tpr, fpr = 20_000, 0.10, 0.8, 0.05
    truth = rng.random(n) < true_share
    tagged = np.where(truth, rng.random(n) < tpr, rng.random(n) < fpr)
    count = int(tagged.sum())
    rows = [rp.ReportRow.from_columns({"period": "all", "n": n, "leader": count, "leader_share": count / n,
                                       "none": n - count, "none_share": (n - count) / n})]
    rates = {"leader": rp.ThemeRates(tp=800, fp=450, fn=200, tn=8550)}  # TPR 0.8, FPR 0.05
    out = rp.adjusted_shares(rows, ["leader"], rates, n_resamples=1000, seed=0)[0].columns()
    raw = out["leader_share"]
    assert abs(raw - 0.125) < 0.01 and abs(raw - true_share) > 0.015
    assert abs(out["leader_adjusted"] - true_share) < 0.01
    assert out["leader_low"] <= true_share <= out["leader_high"]
    assert not out["leader_low"] <= raw <= out["leader_high"]
    assert list(out) == ["period", "n", "leader", "leader_share", "leader_adjusted", "leader_low",
                         "leader_high", "none", "none_share"]


def test_acc_interval_is_seeded_and_widens_with_fewer_validation_counts():
    rows = [rp.ReportRow.from_columns({"period": "p", "n": 500, "leader": 60, "leader_share": 0.12, "none": 440,
                                       "none_share": 0.88})]
    many = {"leader": rp.ThemeRates(tp=8000, fp=4500, fn=2000, tn=85500)}
    few = {"leader": rp.ThemeRates(tp=8, fp=4, fn=2, tn=86)}
    a = rp.adjusted_shares(rows, ["leader"], many, seed=3)[0].columns()
    assert a == rp.adjusted_shares(rows, ["leader"], many, seed=3)[0].columns()
    b = rp.adjusted_shares(rows, ["leader"], few, seed=3)[0].columns()
    assert b["leader_high"] - b["leader_low"] > a["leader_high"] - a["leader_low"]


def test_acc_tiny_gap_and_empty_period_give_none():
    rows = [rp.ReportRow.from_columns(r) for r in (
        {"period": "a", "n": 100, "sport": 10, "sport_share": 0.1, "none": 90, "none_share": 0.9},
        {"period": "b", "n": 0, "sport": 0, "sport_share": 0.0, "none": 0, "none_share": 0.0})]
    good = [r.columns() for r in rp.adjusted_shares(rows, ["sport"], {"sport": rp.ThemeRates(80, 45, 20, 855)})]
    assert good[0]["sport_adjusted"] is not None and good[1]["sport_adjusted"] is None
    poor = [r.columns() for r in rp.adjusted_shares(rows, ["sport"], {"sport": rp.ThemeRates(52, 50, 48, 50)})]
    assert poor[0]["sport_adjusted"] is None and poor[0]["sport_low"] is None  # gap 0.02


def test_adjust_is_fast_enough():
    rng = np.random.default_rng(1)
    articles = [rp.TaggedArticle(id=str(i), published=rp.parse_published(f"{2005 + i % 10}-{1 + i % 12:02d}-15"),
                                 source="KCNA", themes=frozenset(t for t in THEMES if rng.random() < 0.15),
                                 scores={t: 0.5 for t in THEMES}, model=MODEL) for i in range(10_000)]
    rates = {t: rp.ThemeRates(80, 45, 20, 855) for t in THEMES}
    start = time.perf_counter()
    rows = rp.build_report(articles, THEMES, by="month", rates=rates)
    assert time.perf_counter() - start < 3.0
    assert sum(r.n for r in rows) == 10_000


def test_adjust_via_cli(jsonl, tmp_path):
    model = write_model(tmp_path / "model")
    result = run([jsonl, "--adjust", "--model", model, "--by", "quarter", "--format", "json", "--seed", "1"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    q1 = rows[0]
    # leader 3/5 = 0.6 observed; TPR 0.8, FPR 0.05 -> (0.6 - 0.05) / 0.75
    assert q1["leader_adjusted"] == pytest.approx(0.55 / 0.75, abs=1e-6)
    assert q1["construction_adjusted"] == 0.0  # (0 - 0.05) / 0.75 clipped
    assert q1["leader_low"] <= q1["leader_adjusted"] <= q1["leader_high"]
    assert result.stdout == run([jsonl, "--adjust", "--model", model, "--by", "quarter",
                                 "--format", "json", "--seed", "1"]).stdout


def test_adjust_tiny_gap_says_so(jsonl, tmp_path):
    model = write_model(tmp_path / "model", tp=51, fn=49, fp=49, tn=51)
    result = run([jsonl, "--adjust", "--model", model, "--format", "csv"])
    assert result.exit_code == 0, result.output
    assert "leader not adjusted: TPR - FPR = 0.020" in result.stderr
    assert next(csv.DictReader(result.stdout.splitlines()))["leader_adjusted"] == ""


def test_adjust_without_counts_is_model_error(jsonl, tmp_path):
    model = write_model(tmp_path / "model", counts=False)
    result = run([jsonl, "--adjust", "--model", model])
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: --adjust needs the model's cross-validated tp/fp/fn/tn")
    assert "Traceback" not in result.output


def test_adjust_refuses_changed_threshold(jsonl, tmp_path):
    model = write_model(tmp_path / "model")
    result = run([jsonl, "--adjust", "--model", model, "--threshold", "sport=0.3"])
    assert result.exit_code == 2
    assert "--adjust cannot be combined with a changed --threshold for sport" in result.stderr
    # the model's own threshold is not a change
    assert run([jsonl, "--adjust", "--model", model, "--threshold", "sport=0.5"]).exit_code == 0


def test_adjust_with_other_model_is_refused(jsonl, tmp_path):
    model = write_model(tmp_path / "model", model_id="some-other-model")
    result = run([jsonl, "--adjust", "--model", model])
    assert result.exit_code == 2
    assert "tagged with model 'kcna-themes-test-1'" in result.stderr


def test_theme_rates_needs_counts():
    with pytest.raises(ModelError, match="sport"):
        rp.theme_rates({"per_theme": {"leader": {"tp": 1, "fp": 1, "fn": 1, "tn": 1}}},
                       ["leader", "sport"])


# ----------------------------------------------------------------- bad input and errors


def test_bad_lines_are_skipped_and_reported(tmp_path):
    path = tmp_path / "tagged_bad.jsonl"
    extra = record(12, "2011-01-09", "KCNA", ["leader"])
    extra["scores"]["weather"] = 0.2
    lines = [json.dumps(ARTICLES[0]), "{not json", json.dumps({"id": "x", "themes": []}),
             json.dumps(record(11, "2011-01-08", "KCNA", ["weather"])), json.dumps(extra),
             json.dumps(ARTICLES[1])]
    path.write_text("\n".join(lines) + "\n")
    result = run([path, "--format", "json"])
    assert result.exit_code == 1
    assert json.loads(result.stdout) == [expected("2011-01", 2, {"leader": 2, "diplomacy": 1}, 0)]
    assert f"skipped {path}:2: malformed JSON" in result.stderr
    assert f"skipped {path}:3: missing field (no 'scores')" in result.stderr
    assert f"skipped {path}:4: unknown theme" in result.stderr
    assert f"skipped {path}:5: unknown theme (scores for weather" in result.stderr
    assert "2 articles processed, 4 skipped (1 malformed JSON line, 1 missing field, 2 unknown theme)" in result.stderr


def test_strict_stops_at_first_bad_line(tmp_path):
    path = tmp_path / "tagged_bad.jsonl"
    path.write_text(json.dumps(ARTICLES[0]) + "\n{not json\n")
    result = run([path, "--strict"])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert f"Error: {path}:2: malformed JSON" in result.stderr


def test_csv_without_needed_columns_is_skipped(tmp_path, jsonl):
    bad = tmp_path / "tagged_nocols.csv"
    bad.write_text("id,title,published\nx,y,2011-01-01\n")
    result = run([bad, jsonl, "--by", "all", "--format", "json"])
    assert result.exit_code == 1
    assert f"skipped {bad}: missing column (no themes, score_<theme> column)" in result.stderr
    assert json.loads(result.stdout)[0]["n"] == 9


def test_missing_file_is_skipped(tmp_path, jsonl):
    result = run([tmp_path / "nope.jsonl", jsonl, "--by", "all"])
    assert result.exit_code == 1
    assert "nope.jsonl: cannot read" in result.stderr


def test_empty_input(tmp_path):
    empty = tmp_path / "tagged_empty.jsonl"
    empty.write_text("")
    result = run([empty])
    assert result.exit_code == 2
    assert result.stderr.strip() == "Error: no tagged articles in the input"


def test_mixed_models_names_files(tmp_path, jsonl):
    other = write_jsonl(tmp_path / "tagged_other.jsonl", [record(1, "2011-01-01", "KCNA", [], model="old-model")])
    result = run([jsonl, other])
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: mixed models:")
    assert str(jsonl) in result.stderr and str(other) in result.stderr and "'old-model'" in result.stderr


def test_mixed_models_within_one_file(tmp_path):
    path = write_jsonl(tmp_path / "tagged_cat.jsonl",
                       [ARTICLES[0], record(2, "2011-01-01", "KCNA", [], model="old-model")])
    result = run([path])
    assert result.exit_code == 2 and "mixed models" in result.stderr


def test_undated_only_input_is_reported_not_dropped(tmp_path):
    path = write_jsonl(tmp_path / "tagged_undated.jsonl", [ARTICLES[6], ARTICLES[7]])
    result = run([path, "--format", "json"])
    assert result.exit_code == 0
    assert json.loads(result.stdout) == [expected("undated", 2, {"heritage": 1}, 1)]
    result = run([path, "--plot", tmp_path / "chart.png"])
    assert result.exit_code == 2 and "no dated articles" in result.stderr
    assert not (tmp_path / "chart.png").exists()


def test_unwritable_output_fails_before_work(jsonl, tmp_path):
    result = run([jsonl, "--output", tmp_path / "missing-folder" / "r.csv"])
    assert result.exit_code == 2
    assert "does not exist" in result.stderr


def test_read_tagged_library_api(jsonl):
    log = BatchLog()
    articles = rp.read_tagged([str(jsonl)], log)
    assert len(articles) == 9 and log.processed == 9
    assert rp.theme_order(articles) == THEMES
    assert articles[2].published.isoformat() == "2011-01-31" and articles[6].published is None
    with pytest.raises(InputError):
        rp.read_tagged([str(jsonl) + ".missing"], BatchLog(strict=True))


# ----------------------------------------------------------------- chart


def monthly_rows(months, source=None):
    rows = []
    for i in range(months):
        year, month = 2005 + i // 12, i % 12 + 1
        rows.append(rp.ReportRow.from_columns(
            expected(f"{year}-{month:02d}", 10, {"leader": i % 5, "sport": 1}, 2, source)))
    return rows


def test_plot_written_as_png(jsonl, tmp_path):
    png = tmp_path / "chart.png"
    result = run([jsonl, "--plot", png])
    assert result.exit_code == 0, result.output
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".part")]


def test_plot_needs_png_name(jsonl, tmp_path):
    assert run([jsonl, "--plot", tmp_path / "chart.svg"]).exit_code == 2


def test_figure_lines_colours_and_thinned_ticks():
    rows = monthly_rows(72) + [rp.ReportRow.from_columns(expected("undated", 4, {"leader": 1}, 3))]
    fig = rp.share_figure(rows, THEMES, by="month")
    (ax,) = fig.axes
    lines = ax.get_lines()
    assert len(lines) == len(THEMES)
    assert len(lines[0].get_xdata()) == 72  # undated row not plotted
    assert {ln.get_label(): ln.get_color() for ln in lines}["sport"] == rp.THEME_COLOURS["sport"]
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert 6 <= len(labels) <= rp.MAX_TICK_LABELS
    assert labels[0] == "2005-01" and all(ln.endswith(("-01", "-07")) for ln in labels)
    assert ax.get_xticklabels()[0].get_rotation() == 45
    assert ax.get_xlabel() == "period (month)" and ax.get_ylabel() == "share of articles"
    assert fig.legends and fig.get_suptitle()


def test_figure_colour_fixed_whatever_else_is_plotted():
    rows = monthly_rows(3)
    one = rp.share_figure(rows, THEMES, by="month").axes[0].get_lines()
    two = rp.share_figure([rp.ReportRow.from_columns({k: v for k, v in r.columns().items()
                                                      if not k.startswith(("leader", "construction"))})
                           for r in rows], THEMES[2:], by="month").axes[0].get_lines()
    colour = {ln.get_label(): ln.get_color() for ln in one}
    assert all(colour[ln.get_label()] == ln.get_color() for ln in two)
    assert rp.theme_colours(["zeta", "alpha", "leader"]) == {
        "leader": rp.THEME_COLOURS["leader"], "alpha": "#000000", "zeta": "#7F7F7F"}


def test_figure_by_source_has_one_subplot_per_source():
    rows = sorted(monthly_rows(24, "KCNA") + monthly_rows(24, "Rodong"), key=lambda r: (r.period, r.source))
    fig = rp.share_figure(rows, THEMES, by="month")
    assert [ax.get_title(loc="left") for ax in fig.axes] == ["KCNA", "Rodong"]
    assert all(len(ax.get_lines()) == len(THEMES) for ax in fig.axes)


def test_figure_adjusted_has_shaded_intervals(jsonl, tmp_path):
    model = write_model(tmp_path / "model")
    log = BatchLog()
    articles = rp.read_tagged([str(jsonl)], log)
    rates = rp.theme_rates(json.loads((model / "metadata.json").read_text())["evaluation"], THEMES)
    rows = rp.build_report(articles, THEMES, rates=rates)
    ax = rp.share_figure(rows, THEMES).axes[0]
    assert len(ax.get_lines()) == len(THEMES)
    assert len(ax.collections) == len(THEMES)  # one fill_between per theme
    assert "Adjusted" in ax.figure.get_suptitle()


def test_adjustment_prefers_rates_measured_on_the_random_sample(tmp_path):
    model = write_model(tmp_path / "model", tp=80, fp=45, fn=20, tn=855)
    meta = json.loads((model / "metadata.json").read_text())
    meta["evaluation"]["adjustment_rates"] = {t: {"tp": 80, "fn": 20, "fp": 2, "tn": 438} for t in THEMES}
    (model / "metadata.json").write_text(json.dumps(meta))
    rates = rp.theme_rates(json.loads((model / "metadata.json").read_text())["evaluation"], THEMES)
    assert rates["sport"].fpr == pytest.approx(2 / 440) and rates["sport"].tpr == pytest.approx(0.8)
