"""Print the tables in labels/README.md: counts per theme and reading agreement.

    python labels/build/stats.py
"""

from collections import Counter

from merge import LABELS, OUTPUTS, THEMES, read_jsonl, read_labels


def agreement(first: dict, second: dict, ids) -> list[str]:
    rows = []
    for t in THEMES:
        a = sum(t in first[i] for i in ids)
        b = sum(t in second[i] for i in ids)
        both = sum(t in first[i] and t in second[i] for i in ids)
        f1 = f"{2 * both / (a + b):.3f}" if a + b else "n/a"
        rows.append(f"| {t} | {a} | {b} | {both} | {f1} |")
    exact = sum(set(first[i]) == set(second[i]) for i in ids)
    rows.append(f"| *all themes exactly equal* | | | {exact} of {len(ids)} | {exact / len(ids):.3f} |")
    return rows


def counts_table(rows: list[dict], kinds: list[str]) -> None:
    print("| theme | all | " + " | ".join(kinds) + " |")
    print("|---|---:|" + "---:|" * len(kinds))
    for t in list(THEMES) + ["(none)"]:
        has = (lambda r: not r["themes"]) if t == "(none)" else (lambda r, t=t: t in r["themes"])
        cells = [str(sum(has(r) for r in rows if r["kind"] == k)) for k in kinds]
        print(f"| {t} | {sum(has(r) for r in rows)} | " + " | ".join(cells) + " |")
    print(f"| articles | {len(rows)} | " + " | ".join(str(sum(r['kind'] == k for r in rows)) for k in kinds) + " |")


def main() -> None:
    group = {"random": "random sample", "rest": "rest of 2024", "uniform": "uniform draw", "search": "title search",
             "neighbours": "nearest neighbours", "uncertain": "model uncertainty"}
    for name in OUTPUTS:
        rows = read_jsonl(LABELS / name)
        for r in rows:
            r["kind"] = group[r["sample"].split(":")[0]]
        kinds = [k for k in group.values() if any(r["kind"] == k for r in rows)]
        print(f"\n{name}")
        counts_table(rows, kinds)
        n_themes = Counter(len(r["themes"]) for r in rows)
        print("themes per article:", dict(sorted(n_themes.items())))

    raw_first = {}
    for path in sorted((LABELS / "readings").glob("first_*.jsonl")):
        for row in read_jsonl(path):
            raw_first[row["id"]] = row["themes"]
    second = read_labels("second")
    for title, batch in (("2011: random sample and title-search draws", ("second_1", "second_2")),
                         ("2011: nearest-neighbour draw", ("second_3",)),
                         ("2011: economic-front draw", ("second_4",)),
                         ("2011: all", ("second_1", "second_2", "second_3", "second_4")),
                         ("2015-2017 and 2024, first round", ("second_e01", "second_e02", "second_e03", "second_e04")),
                         ("2015-2017, second round", ("second_e05",)),
                         ("2015-2017 and 2024: all", ("second_e01", "second_e02", "second_e03", "second_e04",
                                                     "second_e05")),
                         ("round 4 (read, not merged), 2011 and 2015-2017", ("second_e06",)),
                         ("round 5, 2011 and 2015-2017", ("second_e07",)),
                         ("round 6, 2011 and 2015-2017", ("second_e08", "second_e09")),
                         ("round 7 (read, not merged), 2011 and 2015-2017", ("second_e10", "second_e11")),
                         ("round 8 (read, not merged), 2011 and 2015-2017",
                          tuple(f"second_e{k}" for k in range(27, 31))),
                         ("round 9 (read, not merged), 2015-2017 uniform", ("second_e31", "second_e32")),
                         ("the rest of the random samples, 2015-2017 and 2024",
                          tuple(f"second_e{k}" for k in range(12, 20))),
                         ("the rest of the random sample, 2011", tuple(f"second_e{k}" for k in range(20, 27)))):
        ids = [r["id"] for b in batch for r in read_jsonl(LABELS / "readings" / f"{b}.jsonl")]
        print(f"\nAgreement, {title}: {len(ids)} articles, first vs second reading (before adjudication)")
        print("| theme | first reading | second reading | both | F1 |\n|---|---:|---:|---:|---:|")
        print("\n".join(agreement(raw_first, second, ids)))


if __name__ == "__main__":
    main()
