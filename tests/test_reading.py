"""The one reading layer: per-line decoding, capped reads, and Dask shards that read as one machine does."""

import io
import json

from kcna_themes import reading
from kcna_themes.batch import BatchLog
from kcna_themes.captures import read_captures
from kcna_themes.distributed import Shard, _shard_captures, merge_shards, plan_shards, save_story, story_file
from kcna_themes.tagging import load_tagger, write_tagged

from .conftest import fake_services, train_on_fake_embedder

UTF8_TEXT = "Kim Jong Un\u2019s visit to the farm \u2013 the harvest was praised."
CP1252_TEXT = "The delegation\u2019s talks with the foreign minister \u2013 friendship."


def mixed_encoding_jsonl(path, n=45):
    """JSON Lines, UTF-8 except every seventh line, which is cp1252; all hold a ’."""
    with open(path, "wb") as fh:
        for i in range(n):
            text = CP1252_TEXT if i % 7 == 3 else UTF8_TEXT
            line = json.dumps({"id": f"r{i}", "title": f"T{i}", "text": f"{text} {i}."}, ensure_ascii=False)
            fh.write(line.encode("cp1252" if i % 7 == 3 else "utf-8") + b"\n")
    return path


def test_each_line_decodes_on_its_own_so_a_cp1252_line_cannot_garble_the_utf8_ones(tmp_path):
    path = mixed_encoding_jsonl(tmp_path / "mixed.jsonl", n=10)
    log = BatchLog()
    texts = {c.id: c.text for c in read_captures([str(path)], log)}
    assert texts["r3"] == f"{CP1252_TEXT} 3." and texts["r4"] == f"{UTF8_TEXT} 4."
    assert not any("\u00e2\u20ac" in t for t in texts.values())  # ’ read as cp1252 is â€™
    assert f"note {path}:4: not UTF-8, read as cp1252" in log.notes


def test_shards_read_exactly_what_one_machine_reads_on_mixed_encodings(tmp_path):
    path = mixed_encoding_jsonl(tmp_path / "mixed.jsonl")
    single = [c.to_dict() for c in read_captures([str(path)], BatchLog())]
    shards = plan_shards([str(path)], shard_size=10)
    assert len(shards) == 5
    sharded = [c.to_dict() for s in shards for c in _shard_captures(s, BatchLog())]
    assert sharded == single


def test_shard_output_merged_equals_single_machine_output_on_mixed_encodings(tmp_path):
    """What the Dask workers run (read a shard, tag it, merge in order), run in-process."""
    model_dir, _ = train_on_fake_embedder(tmp_path, folds=2)
    model, _ = load_tagger(model_dir, use_cache=False, load_embedder=fake_services().load_embedder)
    path = mixed_encoding_jsonl(tmp_path / "mixed.jsonl")
    single = io.StringIO()
    write_tagged(read_captures([str(path)], BatchLog()), model, single)

    results = []
    for i, shard in enumerate(plan_shards([str(path)], shard_size=10)):
        out = tmp_path / f"shard-{i}.jsonl"
        kept: list = []
        with open(out, "w", encoding="utf-8") as fh:  # as tag_shard does, keeping the story vectors
            write_tagged(_shard_captures(shard, BatchLog()), model, fh,
                         on_story=lambda v, b, kept=kept: kept.append((v, b)))
        save_story(story_file(str(out)), [v for v, _ in kept], [b for _, b in kept])
        results.append({"out": str(out), "story": story_file(str(out))})
    merge_shards(results, str(tmp_path / "merged.jsonl"))
    assert (tmp_path / "merged.jsonl").read_text(encoding="utf-8") == single.getvalue()
    assert "\u00e2\u20ac" not in single.getvalue()


def test_a_shard_seeks_to_its_lines_and_reads_no_others(tmp_path):
    path = tmp_path / "a.jsonl"
    lines = [json.dumps({"id": f"r{i}", "text": f"Text {i}."}) for i in range(30)]
    lines[0] = lines[29] = "{broken"  # outside the middle shard: it must never parse them
    path.write_text("\n".join(lines) + "\n")
    shards = plan_shards([str(path)], shard_size=10)
    middle = shards[1]
    assert (middle.start, middle.stop) == (10, 20)
    with open(path, "rb") as fh:
        fh.seek(middle.offset)
        assert json.loads(fh.readline())["id"] == "r10"
    log = BatchLog()
    assert [c.id for c in _shard_captures(middle, log)] == [f"r{i}" for i in range(10, 20)]
    assert log.n_skipped == 0
    log = BatchLog()
    assert len(list(_shard_captures(shards[2], log))) == 9
    assert log.skipped == {"malformed JSON line": 1}


def test_shards_keep_the_per_record_cap_and_the_files_line_numbers(tmp_path):
    path = tmp_path / "a.jsonl"
    rows = [json.dumps({"id": f"r{i}", "text": f"Text {i}."}) for i in range(20)]
    rows[13] = json.dumps({"id": "huge", "text": "word " * 300})
    path.write_text("\n".join(rows) + "\n")
    messages: list[str] = []
    captures = [c for s in plan_shards([str(path)], shard_size=10)
                for c in _shard_captures(s, BatchLog(echo=messages.append), max_bytes=1000)]
    assert len(captures) == 19
    size = len(rows[13]) + 1
    assert messages == [f"skipped {path}:14: record too large ({size:,} bytes > cap of 1,000)"]


def test_an_empty_or_binary_record_file_is_one_shard_skipped_once(tmp_path):
    empty, binary = tmp_path / "empty.jsonl", tmp_path / "bin.jsonl"
    empty.write_text("")
    binary.write_bytes(b"\x00" * 100)
    shards = plan_shards([str(empty), str(binary)], shard_size=10)
    assert shards == [Shard((str(empty), str(binary)))]
    log = BatchLog()
    assert list(_shard_captures(shards[0], log)) == []
    assert log.skipped == {"empty file": 1, "binary file": 1}


def test_resume_reader_drops_a_torn_last_line_and_keeps_lines_as_written(tmp_path):
    path = tmp_path / "t.jsonl"
    path.write_text('{"id": "a", "model": "m"}\n\n{"id": "b", "model": "m"}\n{"id": "c", "mo', encoding="utf-8")
    header, lines = reading.read_tagged_lines(path, "jsonl")
    assert header is None
    assert [(t.line, t.text, t.record["id"]) for t in lines] == [
        (1, '{"id": "a", "model": "m"}\n', "a"), (3, '{"id": "b", "model": "m"}\n', "b")]
    csv_path = tmp_path / "t.csv"
    csv_path.write_text('id,title\na,"Two\nlines"\nb,T\nc,tor', encoding="utf-8")
    header, lines = reading.read_tagged_lines(csv_path, "csv")
    assert header == ["id", "title"]
    assert [(t.line, t.text, t.record) for t in lines] == [
        (3, 'a,"Two\nlines"\n', {"id": "a", "title": "Two\nlines"}), (4, "b,T\n", {"id": "b", "title": "T"})]


def test_one_date_parser_for_every_spelling():
    for spelling in ("2021-01-19", "19/01/2021", "2021/01/19", "January 19, 2021", "Jan 19, 2021", "20210119",
                     "2021-01-19T10:00:00+09:00", " 2021-01-19 "):
        assert reading.parse_date(spelling) == "2021-01-19", spelling
    for nothing in (None, "", "soon", "2021-02-30", True, "9" * 500):
        assert reading.parse_date(nothing) is None
