"""Search syntax (phrases, prefixes, AND/OR/NOT, -word) and how the app answers bad requests."""

import pytest
from fastapi.testclient import TestClient
from sample_dossier import sample_dossier, write_store

from storyline.store.query import QueryError, match_expression
from storyline.present.app import create_app


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    return TestClient(create_app(write_store(sample_dossier(), tmp_path_factory.mktemp("query") / "s.db")))


def found(client, q, kind="statement"):
    response = client.get("/api/search", params={"q": q, "per_page": 200})
    assert response.status_code == 200, response.text
    return sorted(h["id"] for h in response.json()["items"] if h["kind"] == kind)


def test_query_translates_syntax_into_quoted_fts5_terms():
    assert match_expression('"such a meeting"') == '"such a meeting"'
    assert match_expression("summ*") == '"summ" *'
    assert match_expression("summit -Trump") == '("summit") NOT "trump"'
    assert match_expression("summit AND fares") == '"summit" AND "fares"'
    assert match_expression('NEAR(" OR *') == '"near"'
    with pytest.raises(QueryError):
        match_expression("NOT summit")


def test_query_phrase_prefix_and_exclusion_change_the_hits(client):
    assert found(client, "sign deal") == ["s2", "s4"]
    assert found(client, '"must stay frozen"') == ["s3", "s6"]
    assert found(client, '"frozen must"') == []  # a phrase is its words in order, not a bag of them
    assert found(client, "summ*") == ["s5"]
    assert found(client, "summ") == []
    assert found(client, "fares -ferry") == []
    assert found(client, "frozen NOT city") == ["s3", "s6"]
    assert found(client, "summit AND city") == ["s5"]
    assert found(client, "summit AND deal") == []
    assert found(client, "summit OR deal") == ["s2", "s4", "s5"]


def test_query_hits_carry_speaker_outlet_and_date(client):
    (hit,) = [h for h in client.get("/api/search", params={"q": '"bad deal"'}).json()["items"] if h["id"] == "s4"]
    assert (hit["speaker"], hit["speaker_name"], hit["outlet"], hit["date"]) == ("e1", "Mara Voss", "Meridian Wire", "2025-06-02")
    (article,) = [h for h in client.get("/api/search", params={"q": "readers"}).json()["items"] if h["kind"] == "article"]
    assert (article["outlet"], article["date"], article["title"]) == ("Northgate Herald", None, "Fares frozen, says council")


def test_query_bad_requests_are_clear_errors_html_on_pages(client):
    reversed_range = client.get("/api/statements", params={"date_from": "2025-06", "date_to": "2025-03"})
    assert reversed_range.status_code == 422 and "after date_to" in reversed_range.json()["detail"]
    page = client.get("/search", params={"q": "ferry", "date_from": "March"})
    assert page.status_code == 422 and page.headers["content-type"].startswith("text/html")
    assert "not an ISO date" in page.text and "<h1>" in page.text
    excluded_only = client.get("/api/search", params={"q": "-ferry"})
    assert excluded_only.status_code == 422 and "not excluded" in excluded_only.json()["detail"]
    long_query = "x" * 20_000
    for path in ("/api/search", "/search"):
        response = client.get(path, params={"q": long_query})
        assert response.status_code == 422 and len(response.content) < 5000 and "xxxxxxxxxx" not in response.text
    bad_page = client.get("/search", params={"q": "ferry", "page": "zero"})
    assert bad_page.status_code == 422 and bad_page.headers["content-type"].startswith("text/html")
    assert "zero" not in bad_page.text


def test_query_api_lists_and_search_are_answered_without_loading_the_dossier(tmp_path):
    from storyline.present.app import Explorer, Filters, Paging
    from storyline.store.view import StoreView

    db = write_store(sample_dossier(), tmp_path / "flat.db")
    app = create_app(db)
    explorer = app.state.explorer
    fresh = TestClient(app)
    for path, params in (("/api/search", {"q": "ferry fares", "per_page": 3}), ("/api/articles", {"outlet": "meridian wire"}),
                         ("/api/statements", {"date_from": "2025-04", "per_page": 2, "page": 1})):
        assert fresh.get(path, params=params).status_code == 200
    assert explorer.store._dossier == {}  # no request above read the whole store
    # The same answers as the dossier path.
    other = Explorer(StoreView(db))
    for f in (Filters(), Filters(outlet="Harbor Gazette"), Filters(date_from="2025-04", date_to="2025-12-31"),
              Filters(date_to="2025-03-13")):
        for p in (Paging(1, 2), Paging(2, 2), Paging(1, 50)):
            assert explorer.flat_statements(f, p) == p.cut(other.statements(f))
            flat_articles = explorer.flat_articles(f, p)
            expected = p.cut([{k: v for k, v in a.items() if k not in ("body", "comments")} for a in other.articles(f)])
            assert flat_articles == expected
    flat_hits = explorer.flat_hits("ferry fares", Paging(1, 50))
    dossier_hits = other.hits(Filters(q="ferry fares"), Paging(1, 50))
    assert [(h["kind"], h["id"], h["date"], h["outlet"]) for h in flat_hits["items"]] == \
        [(h["kind"], h["id"], h["date"], h["outlet"]) for h in dossier_hits["items"]]
    assert flat_hits["total"] == dossier_hits["total"]
