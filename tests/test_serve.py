import hashlib
import json
import re
import sqlite3
import urllib.request
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sample_dossier import PAYLOADS, RunningServer, payload_dossier, sample_dossier, write_store

from storyline.core.records import Corpus
from storyline.store.search import match_expression, snippet_parts
from storyline.store.view import StoreView
from storyline.present.app import CSP, create_app
from storyline.store.sqlite import Store

PAGES = ["/", "/timeline", "/claims", "/claims/c1", "/people", "/people/e1", "/articles", "/articles/a1",
         "/search?q=ferry", "/search?speaker=e2", "/docs"]


@pytest.fixture(scope="module")
def sample_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_store(sample_dossier(), tmp_path_factory.mktemp("serve") / "sample.db")


@pytest.fixture(scope="module")
def client(sample_db: Path) -> TestClient:
    return TestClient(create_app(sample_db))


def ids(response) -> list[str]:
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


def test_serve_renders_every_view_from_the_store(client):
    for path in PAGES:
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.headers["content-type"].startswith("text/html")
    assert "The union will not sign a bad deal" in client.get("/claims").text
    claim = client.get("/claims/c1").text
    assert claim.count('class="statement"') == 2 and "Meridian Wire" in claim
    person = client.get("/people/e2").text
    assert "deputy mayor" in person and "the city supports a summit in 2026" in person
    article = client.get("/articles/a1").text
    assert '<mark class="statement" id="st-s2">We will not sign a bad deal</mark>' in article
    assert "About time somebody said it." in article.split("Reader comments")[1]
    assert client.get("/articles/a9").status_code == 404


def test_serve_search_answers_a_question_about_a_speaker(client):
    hits = client.get("/api/search", params={"q": "what did Brask say about the summit"}).json()["items"]
    assert hits[0] == {**hits[0], "kind": "statement", "id": "s5"}
    page = client.get("/search", params={"q": "what did Brask say about the summit"}).text
    assert "<b>summit</b>" in page
    # Words are matched, never parsed as FTS syntax.
    assert client.get("/api/search", params={"q": 'fares" OR NEAR(x'}).status_code == 200
    assert client.get("/api/search", params={"q": "  "}).status_code == 422


def test_serve_search_stems_and_finds_article_bodies(client):
    hits = client.get("/api/search", params={"q": "fare", "per_page": 50}).json()["items"]
    assert {("article", "a2"), ("statement", "s3")} <= {(h["kind"], h["id"]) for h in hits}


def test_serve_filters_statements_by_speaker_outlet_dates_claim_and_story(client):
    get = lambda **params: ids(client.get("/api/statements", params=params))  # noqa: E731
    assert get(speaker="Mara Voss") == ["s2", "s3", "s4"]
    assert get(speaker="brask") == ["s5", "s6"]  # an alias, any case
    assert get(speaker="e3") == ["s1"]
    assert get(outlet="meridian wire") == ["s4", "s5"]
    assert get(date_from="2025-04", date_to="2025-12-31") == ["s4", "s5"]
    assert get(date_to="2025-03-13") == ["s2"]  # said_on wins over the article's date
    assert get(claim="c2") == ["s3", "s6"]
    assert get(story="y2") == ["s6"]
    assert get(q="deal", outlet="Harbor Gazette") == ["s2"]
    assert client.get("/api/statements", params={"date_from": "March"}).status_code == 422


def test_serve_filters_articles_and_events(client):
    assert ids(client.get("/api/articles", params={"speaker": "e2"})) == ["a2", "a3"]
    assert ids(client.get("/api/articles", params={"claim": "c1"})) == ["a1", "a2"]
    assert ids(client.get("/api/articles", params={"q": "readers"})) == ["a3"]
    assert "body" not in client.get("/api/articles").json()["items"][0]
    # An event dated only "2017" overlaps any range inside 2017.
    assert ids(client.get("/api/events", params={"date_from": "2017-06-01", "date_to": "2017-06-30"})) == ["v2"]


def test_serve_paginates(client):
    first = client.get("/api/statements", params={"per_page": 4}).json()
    second = client.get("/api/statements", params={"per_page": 4, "page": 2}).json()
    assert (first["total"], first["pages"], len(first["items"]), len(second["items"])) == (6, 2, 4, 2)
    assert not {s["id"] for s in first["items"]} & {s["id"] for s in second["items"]}
    assert client.get("/api/statements", params={"per_page": 1000}).status_code == 422
    html = client.get("/search", params={"speaker": "Mara Voss", "per_page": 2}).text
    assert 'rel="next" href="/search?speaker=Mara+Voss&amp;page=2&amp;per_page=2"' in html


def test_serve_api_details(client):
    claim = client.get("/api/claims/c2").json()
    assert [s["id"] for s in claim["statements"]] == ["s3", "s6"]
    assert claim["recurrence"]["periods"] == ["2025-03"]  # s6: year unknown, article undated
    assert client.get("/api/entities/e1").json()["roles"] == ["union chair"]
    assert len(client.get("/api/articles/a1").json()["statements"]) == 3
    overview = client.get("/api/overview").json()
    assert overview["articles"] == 3 and overview["top_speakers"][0] == {"name": "Mara Voss", "statements": 3}


def test_serve_sends_csp_on_every_response(client):
    for path in [*PAGES, "/api/overview", "/openapi.json", "/static/storyline.js", "/nowhere", "/api/claims/zz"]:
        response = client.get(path)
        assert response.headers["content-security-policy"] == CSP, path
    assert "script-src 'self'" in CSP and "unsafe-inline" not in CSP.split("script-src")[1].split(";")[0]


def test_serve_docs_page_is_self_contained(client):
    html = client.get("/docs").text
    assert "/api/search" in html and "per_page" in html
    assert not re.findall(r'(?:src|href)="(?:https?:)?//', html)
    assert client.get("/redoc").status_code == 404
    spec = client.get("/openapi.json").json()
    assert {"/api/search", "/api/statements", "/api/articles", "/api/events", "/api/claims"} <= set(spec["paths"])


def test_serve_escapes_untrusted_text(tmp_path):
    app_client = TestClient(create_app(write_store(payload_dossier(), tmp_path / "payload.db")))
    for path in [*PAGES, "/search?q=script", "/people/e2", "/claims/c2", "/articles/a3"]:
        html = app_client.get(path).text
        for payload in PAYLOADS:
            if "<" in payload or '"' in payload:
                assert payload not in html, (path, payload)
        assert "javascript:" not in re.sub(r">[^<]*<", "><", html), path  # only ever as text, never in a tag
        assert not re.search(r"<(?:img|svg|iframe)\b", html), path


def test_serve_never_writes_to_the_store(sample_db, client):
    for path in PAGES:
        client.get(path)
    before = hashlib.sha256(sample_db.read_bytes()).hexdigest()
    client.get("/api/search", params={"q": "deal"})
    assert hashlib.sha256(sample_db.read_bytes()).hexdigest() == before
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        client.app.state.explorer.store.conn.execute("DELETE FROM articles")


def test_serve_sees_what_analyze_adds_later(tmp_path):
    db = write_store(sample_dossier(), tmp_path / "growing.db")
    app_client = TestClient(create_app(db))
    assert len(app_client.get("/api/claims").json()["items"]) == 2
    assert ids(app_client.get("/api/search", params={"q": "pledge"})) == []  # cached until the store changes
    with Store(db) as store:
        corpus = store.corpus()
        corpus.claims = corpus.claims[:1]
        corpus.statements = [*corpus.statements, {**corpus.statements[0], "id": "s7", "text": "a brand new harbour pledge"}]
        store.save_corpus(corpus)
    assert len(app_client.get("/api/claims").json()["items"]) == 1
    assert ids(app_client.get("/api/search", params={"q": "pledge"})) == ["s7"]


def test_serve_searches_a_store_without_an_index(tmp_path):
    db = write_store(sample_dossier(), tmp_path / "old.db")
    with sqlite3.connect(db) as conn:
        conn.execute("DROP TABLE search_index")
    view = StoreView(db)
    assert [h.ref for h in view.search("frozen", "statement")] == ["s3", "s6"]
    view.close()


def test_serve_search_helpers():
    assert match_expression("what did Peskov say about the summit?") == '"peskov" OR "summit"'
    assert match_expression('"* ^') is None
    assert match_expression('NEAR(" OR *') == '"near"'  # syntax becomes quoted words, stop words go
    assert snippet_parts("a \ue000b\ue001 c") == [("a ", False), ("b", True), (" c", False)]


def test_store_keeps_the_search_index_in_step(tmp_path):
    with Store(tmp_path / "s.db") as store:
        store.save_corpus(Corpus(articles=[], statements=[]))
        count = store.conn.execute("SELECT COUNT(*) FROM search_index").fetchone()[0]
    assert count == 0


def test_serve_real_server_on_loopback(sample_db):
    with RunningServer(sample_db) as server:
        with urllib.request.urlopen(f"{server.url}/api/search?q=ferry+fares&per_page=2", timeout=10) as response:
            assert response.headers["Content-Security-Policy"] == CSP
            body = json.loads(response.read())
        assert body["total"] >= 3 and len(body["items"]) == 2
        with urllib.request.urlopen(f"{server.url}/claims/c1", timeout=10) as response:
            assert "We will not sign a bad deal" in response.read().decode()


def test_serve_html_lists_and_search_page_from_sqlite_without_the_dossier(tmp_path):
    dossier = sample_dossier()
    dossier["articles"][2]["title"] = None  # untitled: headed by outlet, date and first words
    db = write_store(dossier, tmp_path / "pages.db")
    app = create_app(db)
    fresh = TestClient(app)
    articles = fresh.get("/articles", params={"per_page": 2, "page": 2}).text
    untitled = dossier["articles"][2]
    first_words = " ".join(untitled["body"].split()[:3])
    assert first_words in articles and (untitled["outlet"] or "No outlet") in articles
    search = fresh.get("/search", params={"q": "ferry fares"}).text
    assert "Results for" in search and "<b>" in search.lower()
    listed = fresh.get("/search", params={"outlet": dossier["articles"][0]["outlet"]}).text
    assert 'class="hit statement"' in listed
    assert app.state.explorer.store._dossier == {}  # none of the pages above loaded the whole store
    # The dossier path (a speaker filter needs it) lists the same statements as the SQLite path.
    speaker = fresh.get("/search", params={"speaker": "e2"}).text
    assert app.state.explorer.store._dossier != {} and 'class="hit statement"' in speaker


def test_serve_threads_share_one_computation_per_store_generation(tmp_path):
    import threading

    db = write_store(sample_dossier(), tmp_path / "gen.db")
    view = StoreView(db)
    calls = []
    gate = threading.Barrier(8)

    def ask() -> None:
        gate.wait()
        for _ in range(5):
            assert view.cached(("k",), lambda: calls.append(view.conn) or len(calls)) == 1

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(calls) == 1
    assert len({id(view.query(lambda conn: conn))} | {id(view.conn)}) == 1  # a thread keeps its connection
    with Store(db) as store:  # a commit by a writer starts a new generation: nothing stale is served
        store.save_corpus(store.corpus())
    assert view.cached(("k",), lambda: calls.append(None) or len(calls)) == 2
    view.close()


def test_serve_search_answer_encoded_once_per_question_and_generation(tmp_path, monkeypatch):
    db = write_store(sample_dossier(), tmp_path / "answers.db")
    app = create_app(db)
    explorer = app.state.explorer
    computed = []
    original = explorer.search_answer
    monkeypatch.setattr(explorer, "search_answer", lambda f, p: computed.append(f.q) or original(f, p))
    app_client = TestClient(app)
    first = app_client.get("/api/search", params={"q": "ferry fares", "per_page": 2})
    again = app_client.get("/api/search", params={"q": "ferry fares", "per_page": 2})
    other_page = app_client.get("/api/search", params={"q": "ferry fares", "per_page": 2, "page": 2})
    assert first.content == again.content and first.json()["items"] != other_page.json()["items"]
    assert computed == ["ferry fares", "ferry fares"]  # page 1 once, page 2 once
    assert again.headers["Content-Security-Policy"] == CSP and again.headers["content-type"] == "application/json"
    with Store(db) as store:  # a writer's commit: the next answer is computed afresh
        store.save_corpus(store.corpus())
    app_client.get("/api/search", params={"q": "ferry fares", "per_page": 2})
    assert len(computed) == 3
