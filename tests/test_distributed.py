"""Tagging on a local Dask cluster of worker processes gives the single-machine result."""


import pytest
from click.testing import CliRunner

from kcna_themes.cli import cli
from kcna_themes.distributed import Shard, merge_shards, plan_shards, tag_on_dask

from .conftest import CORPUS, SEEDS


def test_shards_cover_every_line_once_in_order(tmp_path):
    jl = tmp_path / "a.jsonl"
    jl.write_text("".join(f'{{"id": "{i}", "text": "t{i}"}}\n' for i in range(45)))
    (tmp_path / "b.txt").write_text("Some text.")
    shards = plan_shards([str(jl), str(tmp_path / "b.txt")], shard_size=20)
    assert shards == [Shard((str(jl),), 0, 20), Shard((str(jl),), 20, 40), Shard((str(jl),), 40, 45),
                      Shard((str(tmp_path / "b.txt"),))]


def test_merge_keeps_shard_order_and_the_first_of_a_repeated_id(tmp_path):
    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    a.write_text('{"id": "1"}\n{"id": "2"}\n')
    b.write_text('{"id": "2", "x": 1}\n{"id": "3"}\n')
    out = tmp_path / "out.jsonl"
    summary = merge_shards([{"out": str(a)}, {"out": str(b)}], str(out))
    assert out.read_text() == '{"id": "1"}\n{"id": "2"}\n{"id": "3"}\n'
    assert summary == {"written": 3, "duplicate_ids": 1}


@pytest.mark.integration
def test_local_cluster_output_equals_single_machine_run(tmp_path):
    distributed = pytest.importorskip("distributed")
    cache = tmp_path / "cache"
    corpus = tmp_path / "corpus.jsonl"
    lines = CORPUS.read_text(encoding="utf-8").splitlines()[:50]
    corpus.write_text("\n".join(lines + lines[:3]) + "\n", encoding="utf-8")  # 3 repeated ids
    inputs = [str(corpus), str(SEEDS)]

    single = tmp_path / "single.jsonl"
    result = CliRunner().invoke(cli, ["tag", *inputs, "-o", str(single), "--cache-dir", str(cache), "--quiet"])
    assert result.exit_code == 1 and "3 skipped (3 duplicate id)" in result.stderr

    explained = tmp_path / "explained.jsonl"
    result = CliRunner().invoke(cli, ["tag", *inputs, "--explain", "-o", str(explained), "--cache-dir", str(cache),
                                      "--quiet"])
    assert result.exit_code == 1

    work = tmp_path / "shards"
    work.mkdir()
    merged, merged_explained = tmp_path / "merged.jsonl", tmp_path / "merged-explained.jsonl"
    fresh_cache = tmp_path / "cache2"  # the workers embed for themselves, sharing their own cache
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, distributed.Client(cluster) as client:
        summary = tag_on_dask(client, inputs, str(merged), str(work), cache_dir=str(fresh_cache), shard_size=20)
        # the sentences were embedded by the single-machine run: its cache spares the workers that time
        tag_on_dask(client, inputs, str(merged_explained), str(work), cache_dir=str(cache), shard_size=20,
                    explain=True)
    assert summary["shards"] == 4 and summary["duplicate_ids"] == 3
    assert merged.read_text() == single.read_text()
    assert len(single.read_text().splitlines()) == 55
    assert merged_explained.read_text() == explained.read_text()
    assert '"explanation": {' in merged_explained.read_text().splitlines()[0]
