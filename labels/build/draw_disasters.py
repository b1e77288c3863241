"""Round 6: the DPRK's own disasters, and the volunteers sent to them, from 2011 and 2015-2017.

Like the other draws this only *chooses which articles get read*; it never assigns a label.

Trained on 2011 and 2015-2017 and scored on 2024's random sample, the model took aid to
flood victims for ``construction`` and missed youth volunteering for recovery sites. The
codebook tells them apart (ruling 5: flood recovery, the rebuilding, is ``construction``;
relief goods and aid are not), but the labelled set of the earlier eras had 14 articles of
recovery for one of relief: the 2016 flood's relief reports were never drawn. This draw
takes every unread article of 2011 and 2015-2017 whose title names a flood, typhoon, heavy
rain, drought, relief, aid, recovery, rehabilitation, restoration, damage or volunteers,
leaving out titles about other countries (world news, ruling 6: the earlier draws cover
it) and about AIDS. Readers label what each article turns out to be.

Run from the repository root: ``python labels/build/draw_disasters.py ../shared/corpus OUTFILE``.
"""

import re
import sys
from pathlib import Path

from drawing import write_draw
from merge import HERE, read_jsonl

SAMPLE = "search:disasters"
CORPORA = ("kcna-2011.jsonl", "kcna-2015-2017.jsonl")
ABOUT = re.compile(r"flood|typhoon|heavy rain|downpour|drought|relief|\baids?\b|recover|rehabilitat|restor|"
                   r"disaster|damage|victim|volunteer|north hamgyong", re.I)
ELSEWHERE = re.compile(
    r"S\. ?Korea|Sewol|Japan|Tokyo|Tohoku|U\.S\.|\bUS\b|China|Russia|India|Pakistan|Thailan|Vietnam|Cambodia|"
    r"Philippines|Different Countries|Various Countries|Worldwide|World\b|Southeast Asian|Mideast|Mongolia|"
    r"Zambia|Kenya|Ghana|Honduras|Turkey|Brazil|Canada|Indonesia|Italy|Myanmar|Ukraine|Nepal|Africa|Europe|"
    r"ASEAN Countries|\bUK\b|Nigeria|Cuba|Chile|Mexico|Yemen|Sri Lanka|Malaysia|Colombia|Guatemala|Puerto Rico|"
    r"Ethiopia|Hamas|Gaza|Israel|Sexual|Kwangju|GIs|Chongryon|Koreans in|Int'l Body|Russian Media|Probe|"
    r"Radioactiv|Quake|Natural Dis|Sanctions|Rebellion|Fatal Disaster|Nuclear Disaster|Disaster of War|"
    r"Disgrace and Disaster|Face Disaster|Casualties|A-Bomb|Smoking|Refuges|Tornado|Storm|Lawsuit|Suit\b|"
    r"Compensat|Damages\b|Remains|Reducing Disaster|Disability|Not Guilty|False Cases|Forcible|Demise", re.I)
AIDS = re.compile(r"AIDS|HIV")  # the illness, in capitals


def main(corpus_dir: str, outfile: str) -> None:
    read = {r["id"] for path in sorted(HERE.glob("drawn*.jsonl")) for r in read_jsonl(path)}
    chosen = []
    for name in CORPORA:
        for rec in read_jsonl(Path(corpus_dir) / name):
            title = rec["title"] or ""
            if (rec["id"] not in read and ABOUT.search(title) and not ELSEWHERE.search(title)
                    and not AIDS.search(title)):
                chosen.append({k: rec[k] for k in ("id", "date", "title")} | {"sample": SAMPLE})
    write_draw(outfile, chosen)


if __name__ == "__main__":
    main(*sys.argv[1:3])
