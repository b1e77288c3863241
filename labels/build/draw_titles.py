"""Draws by title: every unread article of 2011 and 2015-2017 whose title names a genre the
held-out error analysis showed the model weak on, leaving out titles about other countries
(world news, ruling 6: the earlier draws cover it).

Like the other draws this only *chooses which articles get read*; it never assigns a label:
readers label what each article turns out to be.

* ``round6`` (``search:disasters``): the DPRK's own floods, typhoons, drought, relief, aid,
  recovery, rehabilitation, restoration, damage and volunteers (not AIDS). Trained on 2011
  and 2015-2017 and scored on 2024's random sample, the model took aid to flood victims for
  ``construction`` and missed youth volunteering for recovery sites. The codebook tells them
  apart (ruling 5: flood recovery, the rebuilding, is ``construction``; relief goods and aid
  are not), but the labelled set of the earlier eras had 14 articles of recovery for one of
  relief: the 2016 flood's relief reports were never drawn.
* ``round7`` (``search:heritage-genres``): stamps, museums, UNESCO's registers and Tangun's
  Foundation Day. Trained on 2011 and 2024 and scored on 2015-2017's random sample, the model
  missed `heritage` in new stamps telling history, a Foundation Day, a museum visit and a
  register of world memory; the labelled set held three stamp articles of 2011 and none of
  them `heritage`.
* ``round8`` (``search:history-south-japan``): titles naming South Korea or Japan (or Kwangju,
  Jeju, sexual slavery) together with history, an anniversary, a memorial, a massacre, an
  uprising, martyrs, victims, a textbook or past crimes, but no leader; other countries are
  not left out here, since the genre is South Korea's and Japan's. Trained on 2011 and 2024
  and scored on 2015-2017's random sample, the model took South Korean commemorations and a
  drama on the Kanto massacre staged in Japan for `heritage`, which the labels make none
  (polemic, or South Korea's own affairs), while the codebook makes the nation's history told
  as history `heritage`: the line runs through this genre, which the labelled set had barely
  drawn.

Run from the repository root: ``python labels/build/draw_titles.py ROUND ../shared/corpus OUTFILE``.
"""

import re
import sys
from pathlib import Path

from drawing import taken_before, write_draw
from merge import read_jsonl

CORPORA = ("kcna-2011.jsonl", "kcna-2015-2017.jsonl")
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
SOUTH_OR_JAPAN = re.compile(r"S\. ?Korea|South Korea|Japan|Kwangju|Jeju|Sexual Slave", re.I)
LEADERS = re.compile(r"Kim Il Sung|Kim Jong Il|Kim Jong Un|Kim Jong Suk")
ROUNDS = {  # round -> (sample, what the title must all name, what it must not name)
    "round6": ("search:disasters",
               (re.compile(r"flood|typhoon|heavy rain|downpour|drought|relief|\baids?\b|recover|rehabilitat|"
                           r"restor|disaster|damage|victim|volunteer|north hamgyong", re.I),), (ELSEWHERE, AIDS)),
    "round7": ("search:heritage-genres",
               (re.compile(r"stamp|museum|memory of (the )?world|unesco|world heritage|foundation day|tangun",
                           re.I),), (ELSEWHERE,)),
    "round8": ("search:history-south-japan",
               (SOUTH_OR_JAPAN, re.compile(r"histor|anniversar|memor|massacre|uprising|martyr|victim|"
                                           r"commemorat|remember|textbook|past crimes?", re.I)), (LEADERS,)),
}


def main(round_name: str, corpus_dir: str, outfile: str) -> None:
    """Draw a round from the articles no draw before it took (``drawing.taken_before``)."""
    sample, names, unless = ROUNDS[round_name]
    read = taken_before(int(round_name.removeprefix("round")))
    chosen = []
    for name in CORPORA:
        for rec in read_jsonl(Path(corpus_dir) / name):
            title = rec["title"] or ""
            if (rec["id"] not in read and all(p.search(title) for p in names)
                    and not any(p.search(title) for p in unless)):
                chosen.append({k: rec[k] for k in ("id", "date", "title")} | {"sample": sample})
    write_draw(outfile, chosen)


if __name__ == "__main__":
    main(*sys.argv[1:4])
