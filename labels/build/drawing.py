"""What the nearest-neighbour draws share: the first readers' notes (the draws seed
from what readers wrote), taking the closest unread articles in a given order, and
writing a draw file that ``merge.py`` reads."""

import json
import re
from collections.abc import Iterable

from merge import HERE, LABELS, read_jsonl


def first_reading_notes() -> dict[str, str]:
    """id -> the first reader's note, over every first reading."""
    return {r["id"]: r.get("note", "") for path in sorted((LABELS / "readings").glob("first_*.jsonl"))
            for r in read_jsonl(path)}


def taken_before(round_number: int) -> set[str]:
    """The ids of every draw before round ``round_number``: the unnumbered first draws and the
    rounds numbered below it. Its own and later rounds' files do not count, so a round drawn
    again is the same draw."""
    def earlier(name: str) -> bool:
        number = re.fullmatch(r"drawn-round(\d+)\.jsonl", name)
        return number is None or int(number.group(1)) < round_number

    return {r["id"] for path in sorted(HERE.glob("drawn*.jsonl")) if earlier(path.name) for r in read_jsonl(path)}


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
