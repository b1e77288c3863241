"""What the nearest-neighbour draws share: the first readers' notes (the draws seed
from what readers wrote), taking the closest unread articles in a given order, and
writing a draw file that ``merge.py`` reads."""

import json
from collections.abc import Iterable

from merge import LABELS, read_jsonl


def first_reading_notes() -> dict[str, str]:
    """id -> the first reader's note, over every first reading."""
    return {r["id"]: r.get("note", "") for path in sorted((LABELS / "readings").glob("first_*.jsonl"))
            for r in read_jsonl(path)}


def take_nearest(order: Iterable[int], pool: list[dict], taken: set[str], n: int, sample: str) -> list[dict]:
    """The first ``n`` articles of ``pool`` in ``order`` not ``taken`` already (which it
    extends), as draw rows marked with ``sample``."""
    chosen = []
    for k in order:
        if len(chosen) >= n:
            break
        if pool[k]["id"] in taken:
            continue
        taken.add(pool[k]["id"])
        chosen.append({key: pool[k][key] for key in ("id", "date", "title")} | {"sample": sample})
    return chosen


def write_draw(outfile: str, chosen: list[dict]) -> None:
    with open(outfile, "w", encoding="utf-8") as fh:
        for row in chosen:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"drew {len(chosen)} articles into {outfile}")
