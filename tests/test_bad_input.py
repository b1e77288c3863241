"""Broken inputs: each is skipped with one clear line, the batch goes on, exit status says so."""

import json
import os
import stat

import pytest

from kcna_themes.batch import BatchLog
from kcna_themes.captures import read_captures

from .conftest import invoke, make_labelled, write_jsonl

GOOD = "Farmers in South Hwanghae Province finished the rice harvest ahead of schedule.\n"


def test_empty_and_whitespace_files_are_skipped_and_the_batch_goes_on(tmp_path, tag_small):
    (tmp_path / "empty.txt").write_text("")
    (tmp_path / "blank.txt").write_text("  \n\t\n")
    (tmp_path / "good.txt").write_text(GOOD)
    result = tag_small(tmp_path)
    assert result.exit_code == 1
    assert f"skipped {tmp_path / 'empty.txt'}: empty file" in result.stderr
    assert f"skipped {tmp_path / 'blank.txt'}: empty file" in result.stderr
    assert len(result.stdout.splitlines()) == 1
    assert "1 captures processed, 2 skipped (2 empty file)" in result.stderr


def test_binary_files_are_skipped(tmp_path, tag_small):
    (tmp_path / "photo.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)))
    (tmp_path / "scan.pdf").write_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n")
    result = tag_small(tmp_path / "photo.png", tmp_path / "scan.pdf")
    assert result.exit_code == 1
    assert f"skipped {tmp_path / 'photo.png'}: binary file" in result.stderr
    assert "0 captures processed, 2 skipped (2 binary file)" in result.stderr


def test_non_utf8_text_is_read_with_a_fallback_and_says_which(tmp_path, tag_small):
    path = tmp_path / "cp1252.txt"
    path.write_bytes("Kim Jong Il\u2019s visit to the farm \u2013 a report.\n".encode("cp1252"))
    result = tag_small(path)
    assert result.exit_code == 0
    assert f"note {path}: not UTF-8, read as cp1252" in result.stderr
    assert len(result.stdout.splitlines()) == 1
    latin = tmp_path / "latin.txt"
    latin.write_bytes(b"Caf\xe9 opened in Pyongyang \x81.\n")  # 0x81 is undefined in cp1252
    assert "read as latin-1" in tag_small(latin).stderr


def test_header_without_body_and_teaser_list_only(tmp_path, tag_small):
    (tmp_path / "header.txt").write_text(
        "March 01, 2026Mar 01, 2026\nKCNA KCNA.kp (En)\n\nTitle Only\n\n"
        "Date: 21/01/2021 | Source: KCNA.kp (En) | Read original version at source\n\nMore From KCNA.kp (En)\n")
    (tmp_path / "teasers.txt").write_text("More From Voice of Korea (EN)\nA teaser.\nFebruary 23, 2026\nA teaser.\n")
    result = tag_small(tmp_path)
    assert result.exit_code == 1
    assert "header.txt: header but no body" in result.stderr
    assert "teasers.txt: no article body" in result.stderr


def test_file_over_the_size_cap_is_skipped_unread(tmp_path, tag_small, monkeypatch):
    big = tmp_path / "big.txt"
    big.write_text(GOOD * 20_000)  # ~1.6 MB
    opened = []
    real_read_bytes = type(big).read_bytes
    monkeypatch.setattr(type(big), "read_bytes", lambda self: opened.append(self) or real_read_bytes(self))
    result = tag_small(big, "--max-size", "1")
    assert result.exit_code == 1
    assert "big.txt: file too large" in result.stderr and "cap of 1,000,000" in result.stderr
    assert big not in opened


def test_record_files_are_streamed_past_the_cap_but_an_oversized_record_is_skipped(tmp_path, tag_small):
    jl = tmp_path / "archive.jsonl"
    rows = [json.dumps({"id": f"r{i}", "text": GOOD * 30}) for i in range(600)]  # ~1.4 MB in all
    rows.insert(3, json.dumps({"id": "huge", "text": GOOD * 20_000}))  # one 1.6 MB record
    jl.write_text("\n".join(rows) + "\n")
    result = tag_small(jl, "--max-size", "1")
    assert result.exit_code == 1
    assert f"skipped {jl}:4: record too large" in result.stderr
    assert len(result.stdout.splitlines()) == 600


def test_malformed_json_line_and_csv_without_text_column(tmp_path, tag_small):
    jl = tmp_path / "records.jsonl"
    jl.write_text(json.dumps({"id": "a", "text": GOOD}) + "\n{not json\n"
                  + json.dumps({"id": "b", "text": GOOD + "x"}) + "\n")
    bad_csv = tmp_path / "records.csv"
    bad_csv.write_text("id,title,body\n1,T,Some body text.\n")
    result = tag_small(jl, bad_csv)
    assert result.exit_code == 1
    assert f"skipped {jl}:2: malformed JSON line" in result.stderr
    assert f"skipped {bad_csv}: CSV without a text column (columns: id, title, body)" in result.stderr
    assert [json.loads(ln)["id"] for ln in result.stdout.splitlines()] == ["a", "b"]


def test_duplicate_ids_are_kept_once_and_the_same_file_twice_is_read_once(tmp_path, tag_small):
    jl = tmp_path / "dups.jsonl"
    jl.write_text(json.dumps({"id": "a", "text": GOOD}) + "\n" + json.dumps({"id": "a", "text": "Other."}) + "\n")
    result = tag_small(jl, jl, str(tmp_path / "." / "dups.jsonl"))
    assert [json.loads(ln)["id"] for ln in result.stdout.splitlines()] == ["a"]
    assert f"skipped {jl}:2: duplicate id (a)" in result.stderr
    assert result.stderr.count(": same file given twice") == 2
    assert result.exit_code == 1


def test_strict_stops_at_the_first_bad_input(tmp_path, tag_small):
    (tmp_path / "a.txt").write_text("")
    (tmp_path / "b.txt").write_text(GOOD)
    result = tag_small(tmp_path, "--strict")
    assert result.exit_code == 1 and result.stdout == ""
    assert "a.txt: empty file" in result.stderr and "--strict" in result.stderr


def test_missing_input_is_named(tmp_path, tag_small):
    result = tag_small(tmp_path / "nowhere.txt")
    assert result.exit_code == 1 and "nowhere.txt: no such file" in result.stderr


@pytest.mark.parametrize("problem", ["unknown theme", "empty text", "duplicate id", "malformed line"])
def test_label_files_with_problems_are_refused_naming_file_and_line(tmp_path, problem, fake_embedder):
    rows = make_labelled(n_per_theme=6, n_none=6)
    good = write_jsonl(tmp_path / "good.jsonl", rows)
    bad_rows = [dict(r, id=f"x{r['id']}") for r in rows[:5]]
    lines = [json.dumps(r) for r in bad_rows]
    if problem == "unknown theme":
        lines[2] = json.dumps(dict(bad_rows[2], themes=["leader", "Sport!"]))
        expected = "bad.jsonl:3: unknown theme ('sport!')"
    elif problem == "empty text":
        lines[2] = json.dumps(dict(bad_rows[2], text="   "))
        expected = "bad.jsonl:3: empty text"
    elif problem == "duplicate id":
        lines[2] = json.dumps(dict(bad_rows[2], id=bad_rows[0]["id"]))
        expected = "bad.jsonl:3: duplicate id (xa1 also on line 1"
    else:
        lines[2] = '{"id": "broken", "text": '
        expected = "bad.jsonl:3: malformed JSON line"
    bad = tmp_path / "bad.jsonl"
    bad.write_text("\n".join(lines) + "\n")
    result = invoke(["train", str(good), str(bad), "--model", str(tmp_path / "m"), "--folds", "2"])
    assert expected in result.stderr and "bad.jsonl: labelled file refused (1 bad line(s)" in result.stderr
    assert result.exit_code == 1  # trained on the good file, reported the bad one
    meta = json.loads((tmp_path / "m" / "metadata.json").read_text())
    assert meta["training"]["size"] == len(rows)


def test_a_theme_typo_with_too_few_articles_is_refused(tmp_path, fake_embedder):
    rows = make_labelled(n_per_theme=6, n_none=6)
    rows[0]["themes"] = ["leadr"]
    labels = write_jsonl(tmp_path / "l.jsonl", rows)
    result = invoke(["train", str(labels), "--model", str(tmp_path / "m")])
    assert result.exit_code == 2
    assert "unknown theme(s) 'leadr' (first at" in result.stderr and "l.jsonl:1" in result.stderr


def test_evaluate_refuses_a_theme_the_model_does_not_know(tmp_path, small_model_dir, fake_embedder):
    rows = make_labelled(n_per_theme=3, n_none=3)
    rows[4]["themes"] = ["weather"]
    labels = write_jsonl(tmp_path / "l.jsonl", rows)
    result = invoke(["evaluate", str(labels), "--model", str(small_model_dir)])
    assert "l.jsonl:5: unknown theme ('weather')" in result.stderr
    assert result.exit_code == 2 and "no labelled articles to evaluate on" in result.stderr


@pytest.mark.parametrize("damage", ["missing", "corrupt", "other embedder", "newer format"])
def test_unusable_model_folders_exit_2_with_a_clear_message(tmp_path, small_model_dir, tag_small, damage):
    folder = tmp_path / "model"
    if damage != "missing":
        folder.mkdir()
        for f in small_model_dir.iterdir():
            (folder / f.name).write_bytes(f.read_bytes())
        meta = json.loads((folder / "metadata.json").read_text())
    if damage == "corrupt":
        (folder / "classifier.npz").write_bytes(b"PK\x03\x04garbage")
        expected = "checksum does not match"
    elif damage == "other embedder":
        meta["embedder"]["id"] = "sentence-transformers/paraphrase-mpnet-base-v2|torch|truncate"
        (folder / "metadata.json").write_text(json.dumps(meta))
        expected = "was trained on embedder 'sentence-transformers/paraphrase-mpnet-base-v2"
    elif damage == "newer format":
        meta["format_version"] = 99
        (folder / "metadata.json").write_text(json.dumps(meta))
        expected = "newer than this kcna-themes"
    else:
        expected = "does not exist"
    (tmp_path / "a.txt").write_text(GOOD)
    result = invoke(["tag", str(tmp_path / "a.txt"), "--model", str(folder)])
    assert result.exit_code == 2
    assert expected in result.stderr and "Traceback" not in result.stderr


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write anywhere")
def test_unwritable_output_path_exit_2_before_any_work(tmp_path, tag_small):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(stat.S_IRUSR | stat.S_IXUSR)
    (tmp_path / "a.txt").write_text(GOOD)
    result = tag_small(tmp_path / "a.txt", "-o", locked / "out.jsonl")
    assert result.exit_code == 2 and "permission denied" in result.stderr


def test_output_into_a_missing_folder_or_onto_a_folder_exit_2(tmp_path, tag_small):
    (tmp_path / "a.txt").write_text(GOOD)
    result = tag_small(tmp_path / "a.txt", "-o", tmp_path / "no" / "such" / "out.jsonl")
    assert result.exit_code == 2 and "does not exist" in result.stderr
    result = tag_small(tmp_path / "a.txt", "-o", tmp_path)
    assert result.exit_code == 2 and "is a directory" in result.stderr


def test_a_failed_run_leaves_the_previous_output_untouched(tmp_path, tag_small, monkeypatch):
    out = tmp_path / "out.jsonl"
    out.write_text("previous complete output\n")
    (tmp_path / "a.txt").write_text(GOOD)
    from kcna_themes import tagging

    def boom(*a, **k):
        raise RuntimeError("disk on fire")
        yield

    monkeypatch.setattr(tagging, "tag_stream", boom)
    result = tag_small(tmp_path / "a.txt", "-o", out)
    assert result.exit_code != 0
    assert out.read_text() == "previous complete output\n"
    assert not [p for p in os.listdir(tmp_path) if p.endswith(".part")]


def test_reader_reports_through_the_log_without_raising(tmp_path):
    (tmp_path / "a.txt").write_text("")
    log = BatchLog()
    assert list(read_captures([str(tmp_path)], log)) == []
    assert log.skipped == {"empty file": 1}


def test_a_multibyte_character_across_the_sniffed_sample_is_still_utf8(tmp_path, tag_small):
    path = tmp_path / "big.csv"
    head = "id,title,text\n"
    filler = "a" * (65536 - len(head) - 5)  # put "’" (3 bytes) across the 64 KB mark
    path.write_text(head + f"1,T,{filler}’ end of the story.\n", encoding="utf-8")
    result = tag_small(path)
    assert result.exit_code == 0 and "not UTF-8" not in result.stderr


def test_train_jobs_below_one_is_a_usage_error(tmp_path):
    labels = write_jsonl(tmp_path / "labels.jsonl", make_labelled())
    result = invoke(["train", str(labels), "--model", str(tmp_path / "m"), "--jobs", "0"])
    assert result.exit_code == 2 and "--jobs" in result.stderr and "Traceback" not in result.output


def test_a_sample_that_is_not_text_refuses_the_labelled_file_naming_the_line(tmp_path):
    rows = make_labelled()
    rows[3]["sample"] = 5
    labels = write_jsonl(tmp_path / "labels.jsonl", rows)
    result = invoke(["train", str(labels), "--model", str(tmp_path / "m")])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "labels.jsonl:4" in result.stderr and "malformed sample" in result.stderr


@pytest.mark.parametrize("field, value", [("themes", "leader"), ("embedder", "fake-hash-64"),
                                          ("thresholds", ["leader"]), ("classifier", "classifier.npz")])
def test_metadata_with_a_field_of_the_wrong_type_is_refused_as_corrupt(tmp_path, small_model_dir, fake_embedder,
                                                                      field, value):
    folder = tmp_path / "model"
    folder.mkdir()
    for f in small_model_dir.iterdir():
        (folder / f.name).write_bytes(f.read_bytes())
    meta = json.loads((folder / "metadata.json").read_text())
    meta[field] = value
    (folder / "metadata.json").write_text(json.dumps(meta))
    (tmp_path / "a.txt").write_text(GOOD)
    result = invoke(["tag", tmp_path / "a.txt", "--model", folder], fake_embedder)
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "metadata.json is corrupt" in result.stderr and repr(field).strip("'") in result.stderr
