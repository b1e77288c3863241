"""World news: articles that name nothing of the DPRK (codebook ruling 6).

KCNA in 2011 carried a great deal of news from elsewhere: foreign ministers' talks, a
port opened in Peru, world grain prices. By ruling 6 it is all none, unless the DPRK
takes part. A quarter of 2011's articles are such news, against 1 of 12,000 articles
of 2015-2017 and none of 2024's, so a model trained on the later eras has no such none
to learn from and tags them as the DPRK's own: held out on 2011, the shipped recipe
without the rule gave about 40 of the 124 world-news articles of its random sample a
theme, most of them ``diplomacy`` (benchmarks/world_news.txt).
The ruling is about whether the article is about the DPRK, which a name settles far
better than a vector of its first 64 tokens does, so ``ThemeClassifier`` applies it as
written (``world_news_rule``): world news scores zero on every theme.

"Names nothing of the DPRK" is read off a gazetteer written from the codebook and an
atlas, before any article was looked at: the state, its leaders, party, army and
papers, its provinces, main cities, mountains and rivers, its ideas and monuments, and
the Korean kingdoms its heritage articles go back to. KCNA names its own officials but calls
Pyongyang "here", so a person named as Koreans are ("Pak Ui Chun") counts too. A name the
gazetteer lacks errs towards scoring an article as usual, never towards dropping a DPRK
article's themes.
"""

from __future__ import annotations

import re

_NAMES = [
    # the state, its leaders, institutions and papers
    r"DPRK", r"Korea", r"P(?:h)?yongyang", r"Kim\s*(?:Jong\s*Un|Jong\s*Il|Il\s*Sung|Jong\s*Suk|Yo\s*Jong)",
    r"Juche", r"Songun", r"WPK\b", r"KPA\b", r"Workers' Party", r"Supreme People's Assembly",
    r"Rodong Sinmun", r"Chollima", r"Mangyongdae", r"Kumsusan", r"Mansudae",
    # provinces, cities, counties and resorts
    r"P(?:h)?yong-?an", r"Hwanghae", r"Hamgyong", r"Kangwon", r"[JC]hagang", r"R?yanggang", r"Rason",
    r"Rajin", r"Sonbong", r"Namp(?:h)?o", r"Kaesong", r"Sinuiju", r"Hamhung", r"Chongjin", r"Wonsan",
    r"Haeju", r"Sariwon", r"Kanggye", r"Hyesan", r"Anju", r"Kimchaek", r"Tanchon", r"Sunchon", r"Kusong",
    r"Huichon", r"Songnim", r"Samjiyon", r"Masikryong", r"Kalma", r"Mirim", r"Ryomyong", r"Kumsu",
    r"Ryongsong", r"Hungnam", r"Songdowon", r"Munsu",
    # mountains and rivers
    r"Paektu", r"Kumgang", r"Myohyang", r"Chilbo", r"Taedong", r"Chongchon", r"Amnok", r"Tuman",
    # the kingdoms and founders of Korean history
    r"Koguryo", r"Koryo", r"Silla", r"Paek(?:j|ch)e", r"Tangun", r"Kija", r"[JC]hoson",
]
_NAMES_THE_DPRK = re.compile(r"\b(?:" + "|".join(_NAMES) + ")", re.IGNORECASE)
# a person named as the DPRK's papers name Koreans, "Pak Ui Chun", "Ri Su Yong": a common Korean
# surname and a given name of two syllables (KCNA leaves "here" for Pyongyang unnamed, not its people)
_SURNAMES = ("Kim Ri Pak Choe Jong Kang Jang Han Ryu Yun Jo Hong Ho Ko Mun Yang Son Paek Sin Kwon Hwang An "
             "Song Jon Chon Ju Nam Chae Ryom O Thae Kye Rim Cha Ra Ryang Sim No Chu Jin Pyon Tong Hyon Ma Min")
_KOREAN_PERSON = re.compile(r"\b(?:" + "|".join(_SURNAMES.split()) + r") [A-Z][a-z]{1,4} [A-Z][a-z]{1,5}\b")


def names_the_dprk(text: str) -> bool:
    """Whether the text names the DPRK or anything of it in the gazetteer above, or a Korean."""
    return _NAMES_THE_DPRK.search(text) is not None or _KOREAN_PERSON.search(text) is not None


def is_world_news(text: str) -> bool:
    """Whether a classifier text (headline, newline, body) is world news under ruling 6."""
    return bool(text.strip()) and not names_the_dprk(text)
