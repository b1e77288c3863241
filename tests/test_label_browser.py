"""The labelling page in a real browser: Playwright for Python driving Debian's Chromium.

The server runs in a thread on a free port, over queues written by `suggest` with a
model trained on the fake embedder. Where Chromium or Playwright is missing these
tests skip, with one line saying so; they never fail for that reason.
"""

import json
import os
import shutil
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from kcna_themes.batch import BatchLog
from kcna_themes.labelling.server import LabellingServer
from kcna_themes.labelling.session import open_label_session
from kcna_themes.labels import read_labelled

from .conftest import CORPUS, FILLER, invoke, make_labelled, write_jsonl

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        pytest.skip("browser tests need Debian's Chromium at /usr/bin/chromium (apt-get install -y chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("browser tests need Playwright for Python (pip install '.[test]')")
    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium"),
                                     args=["--no-sandbox", "--disable-gpu"])
        yield launched
        launched.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 860})
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


def expect(locator):
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(locator)


@pytest.fixture
def model_dir(fake_model_dir):
    return fake_model_dir


class Served:
    """A labelling server over ``queue`` and ``labels`` in a thread; restartable."""

    def __init__(self, queue, labels, **kwargs):
        self.queue, self.labels, self.kwargs = queue, labels, kwargs
        self.server = None

    def start(self):
        session = open_label_session(self.queue, self.labels, **self.kwargs)
        self.server = LabellingServer(session, port=0).start()
        return self.server.url

    def stop(self):
        if self.server is not None:
            self.server.stop()
            self.server = None


@pytest.fixture
def served():
    started = []

    def make(queue, labels, **kwargs):
        s = Served(queue, labels, **kwargs)
        started.append(s)
        return s

    yield make
    for s in started:
        s.stop()


def read_jsonl(path):
    return [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]


def open_page(page, url):
    page.goto(url)
    page.wait_for_selector("body[data-ready=true]")


def ticked(page):
    return page.eval_on_selector_all("#themes li.ticked", "els => els.map(e => e.dataset.theme)")


def suggest_queue(tmp_path, model_dir, fake, n=4, labels=None):
    out = tmp_path / f"queue-{len(list(tmp_path.glob('queue-*')))}.jsonl"
    args = ["suggest", CORPUS, "--model", model_dir, "-n", n, "-o", out]
    if labels:
        args += ["--labels", labels]
    result = invoke(args, fake)
    assert result.exit_code == 0, result.output
    return out


def test_three_articles_by_keyboard_survive_a_reload_and_a_restart(tmp_path, page, served, model_dir,
                                                                   fake_embedder):
    queue_file = suggest_queue(tmp_path, model_dir, fake_embedder)
    queue = read_jsonl(queue_file)
    labels = tmp_path / "labels.jsonl"
    server = served(queue_file, labels)
    open_page(page, server.start())

    # the first article, whole, with the model's suggestions pre-ticked and marked as the model's
    first = queue[0]
    assert page.text_content("#title") == first["title"]
    assert page.text_content("#text").replace("\n", "") == first["text"].replace("\n", "")
    assert ticked(page) == first["suggested"]
    assert page.eval_on_selector_all("#themes li:has(.badge)", "els => els.map(e => e.dataset.theme)") == \
        first["suggested"]
    assert "leader" in page.text_content("#themes") and "a supreme leader" in page.text_content("#themes")
    assert page.text_content("#counter") == "0 / 4 done"

    page.keyboard.press("0")
    page.keyboard.press("1")  # leader
    page.keyboard.press("Enter")
    expect(page.locator("#counter")).to_have_text("1 / 4 done")
    assert page.text_content("#title") == queue[1]["title"]
    page.keyboard.press("0")
    page.keyboard.press("6")  # diplomacy
    page.keyboard.press("2")  # construction
    page.keyboard.press("Enter")
    expect(page.locator("#counter")).to_have_text("2 / 4 done")
    assert [r["id"] for r in read_jsonl(labels)] == [queue[0]["id"], queue[1]["id"]]  # on disk at once

    page.reload()  # mid-way: back at the first unlabelled article
    page.wait_for_selector("body[data-ready=true]")
    assert page.text_content("#title") == queue[2]["title"]
    page.keyboard.press("0")
    page.keyboard.press("Enter")  # none of the themes
    expect(page.locator("#counter")).to_have_text("3 / 4 done")
    shot = os.environ.get("KCNA_THEMES_SCREENSHOT")
    page.screenshot(path=shot or str(tmp_path / "label-page.png"))

    server.stop()  # as if killed: everything given is on disk
    open_page(page, server.start())
    assert page.text_content("#title") == queue[3]["title"]
    page.keyboard.press("Backspace")  # back to the third, saved with no theme
    assert page.text_content("#title") == queue[2]["title"] and ticked(page) == []
    page.keyboard.press("4")  # sport: a relabelling
    page.keyboard.press("Enter")
    expect(page.locator("#status")).to_contain_text("saved")

    lines = read_jsonl(labels)
    assert [r["id"] for r in lines] == [queue[0]["id"], queue[1]["id"], queue[2]["id"], queue[2]["id"]]
    assert [r["themes"] for r in lines] == [["leader"], ["construction", "diplomacy"], [], ["sport"]]
    assert all(r["text"] == q["text"] and r["via"] == "label" and r["labelled_at"]
               for r, q in zip(lines, [queue[0], queue[1], queue[2], queue[2]]))
    # what train reads: the latest line of each id
    articles = read_labelled([str(labels)], BatchLog(), min_support=1)
    assert {a.capture.id: a.themes for a in articles} == {queue[0]["id"]: ["leader"],
                                                          queue[1]["id"]: ["construction", "diplomacy"],
                                                          queue[2]["id"]: ["sport"]}
    # and suggest skips what was labelled
    again = read_jsonl(suggest_queue(tmp_path, model_dir, fake_embedder, n=10, labels=labels))
    assert not {r["id"] for r in again} & {q["id"] for q in queue[:3]}


@pytest.mark.parametrize("csp", ["with", "without"])
def test_an_article_with_markup_is_shown_as_those_characters(tmp_path, browser, csp, served, model_dir,
                                                             fake_embedder):
    context = browser.new_context(bypass_csp=csp == "without")  # without: textContent alone must hold
    page = context.new_page()
    hostile = {"id": "x1", "title": "<img src=x onerror=\"window.pwned='title'\">Title",
               "text": "Before <script>window.pwned='script'</script> between "
                       "<img src=x onerror=\"window.pwned='img'\"> after.\n<b>not bold</b>"}
    queue = write_jsonl(tmp_path / "queue.jsonl", [hostile])
    server = served(queue, tmp_path / "labels.jsonl", model_dir=model_dir, load_embedder=fake_loader(fake_embedder))
    open_page(page, server.start())
    assert page.text_content("#title") == hostile["title"]
    assert page.text_content("#text") == hostile["text"].replace("\n", "")
    assert page.evaluate("window.pwned") is None
    assert page.eval_on_selector_all("#title *, #text p *, #article img, #article script", "els => els.length") == 0
    context.close()


def fake_loader(fake):
    from .conftest import fake_services

    return fake_services(fake).load_embedder


def test_a_theme_added_on_the_page_is_learnt_by_train(tmp_path, page, served, model_dir, fake_embedder):
    words = "army soldiers artillery drill missile launch tanks combat units officers".split()
    articles = [{"id": f"m{k}", "title": f"Drill {k}",
                 "text": " ".join(words[(k + i) % len(words)] for i in range(25)) + " " + " ".join(FILLER)}
                for k in range(6)]
    queue = write_jsonl(tmp_path / "queue.jsonl", articles)
    labels = tmp_path / "labels.jsonl"
    server = served(queue, labels, model_dir=model_dir, load_embedder=fake_loader(fake_embedder))
    open_page(page, server.start())
    page.keyboard.press("n")
    page.fill("#new-theme", "military")
    page.keyboard.press("Enter")
    page.wait_for_selector("#themes li[data-theme=military].ticked")
    assert "(your theme)" in page.text_content("#themes li[data-theme=military]")
    page.keyboard.press("0")
    page.keyboard.press("7")  # the new theme has the next key
    page.keyboard.press("Enter")
    for k in range(2, 7):
        expect(page.locator("#counter")).to_have_text(f"{k - 1} / 6 done")
        page.keyboard.press("0")
        page.keyboard.press("7")
        page.keyboard.press("Enter")
    page.wait_for_selector("#finished:not([hidden])")
    assert [r["themes"] for r in read_jsonl(labels)] == [["military"]] * 6

    others = write_jsonl(tmp_path / "others.jsonl", make_labelled(n_per_theme=8, n_none=10))
    result = invoke(["train", others, labels, "--model", tmp_path / "new-model", "--folds", 2, "--no-headline"],
                    fake_embedder)
    assert result.exit_code == 0, result.output
    meta = json.loads((tmp_path / "new-model" / "metadata.json").read_text())
    assert meta["themes"][-1] == "military" and meta["training"]["positives"]["military"] == 6


def test_requests_without_the_token_or_from_another_host_are_refused(tmp_path, served, model_dir, fake_embedder):
    queue = suggest_queue(tmp_path, model_dir, fake_embedder, n=2)
    labels = tmp_path / "labels.jsonl"
    server = served(queue, labels)
    url = server.start()
    token = server.server.token
    first = read_jsonl(queue)[0]["id"]

    def post(headers, body=None):
        data = json.dumps(body or {"id": first, "themes": ["leader"]}).encode()
        request = urllib.request.Request(url + "api/label", data=data,
                                         headers={"Content-Type": "application/json", **headers})
        try:
            return urllib.request.urlopen(request).status
        except urllib.error.HTTPError as err:
            return err.code

    assert post({}) == 403
    assert post({"X-Kcna-Token": "guess"}) == 403
    assert post({"X-Kcna-Token": token, "Host": "evil.example:80"}) == 403
    assert post({"X-Kcna-Token": token, "Origin": "http://evil.example"}) == 403
    assert post({"X-Kcna-Token": token, "Content-Type": "text/plain"}) == 400
    assert post({"X-Kcna-Token": token}, {"id": "../../etc/passwd", "themes": []}) == 400
    assert not labels.exists()
    assert post({"X-Kcna-Token": token}) == 200
    assert [r["id"] for r in read_jsonl(labels)] == [first]


def test_review_shows_a_deliberately_wrong_label_first_and_appends_the_correction(tmp_path, page, model_dir,
                                                                                  fake_embedder):
    from kcna_themes.labelling.session import open_review_session
    from kcna_themes.labelling.store import LabelStore
    from kcna_themes.review import rank_labels

    rows = make_labelled(n_per_theme=8, n_none=10)
    wrong = next(r for r in rows if r["themes"] == ["sport"])
    wrong["themes"] = ["agriculture"]
    labels = write_jsonl(tmp_path / "labels.jsonl", rows)
    ranked = rank_labels(labels, model_dir=model_dir, load_embedder=fake_loader(fake_embedder), folds=3)
    server = LabellingServer(open_review_session(ranked, LabelStore(labels)), port=0).start()
    try:
        open_page(page, server.url)
        assert page.text_content("#title") == wrong["title"]
        assert page.is_visible("#review") and page.text_content("#given") == "agriculture"
        assert page.text_content("#model-view").startswith("sport ")
        assert ticked(page) == ["agriculture"]  # the given label, to correct
        page.keyboard.press("0")
        page.keyboard.press("4")  # sport
        page.keyboard.press("Enter")
        expect(page.locator("#counter")).to_have_text(f"1 / {len(rows)} done")
    finally:
        server.stop()
    last = read_jsonl(labels)[-1]
    assert len(read_jsonl(labels)) == len(rows) + 1
    assert (last["id"], last["themes"], last["via"]) == (wrong["id"], ["sport"], "review")
    latest = {a.capture.id: a.themes for a in read_labelled([str(labels)], BatchLog())}
    assert latest[wrong["id"]] == ["sport"] and len(latest) == len(rows)
