"""``storyline serve``: the report's views live from a store, with search and a JSON API.

Read-only: the store is opened with SQLite ``mode=ro`` (:class:`StoreView`)
and reloaded when ``analyze`` commits, so the app can run beside a growing
store. (One write: ``POST /api/tracked`` adds a tracked claim for ``storyline watch``, one row,
only as JSON from the app's own pages.) Every response carries a Content-Security-Policy that allows scripts,
styles and requests from the app's own origin only; templates autoescape
every text; pages load no inline script (data travels in JSON blocks).

``/docs`` is a self-contained page rendered from ``/openapi.json``:
FastAPI's Swagger UI and ReDoc load their scripts from a CDN, so both are
switched off.
"""

from __future__ import annotations

import asyncio
import math
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timezone
from importlib import resources
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit

from fastapi import Depends, FastAPI, HTTPException, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, Field
from starlette.datastructures import MutableHeaders
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from storyline.present.report import DossierViews, Links, article_heading, date_span, environment, overview, people
from storyline.store.search import HIT_END, HIT_START, Hit, snippet_parts
from storyline.store.view import StoreView
from storyline.store.query import QueryError, match_expression
from storyline.store import pages
from storyline.store import watch as watch_tables
from storyline.store.sqlite import Store
from storyline.corpus.alerts import refind_claim, track_claim
from storyline.present.outlets import label_comparison, labels_of, outlet_list, outlet_profile

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
MAX_PER_PAGE = 200
MAX_QUERY = 500  # characters; a longer query is refused, and never echoed back
LINKS = Links(app=True)


# -- filters and pagination ---------------------------------------------------


@dataclass(slots=True)
class Filters:
    """Narrow statements (and the articles holding them). Empty fields do not filter."""

    q: str = ""
    speaker: str = ""
    outlet: str = ""
    date_from: str = ""
    date_to: str = ""
    claim: str = ""
    story: str = ""

    def as_query(self) -> dict[str, str]:
        return {name: getattr(self, name) for name in self.__slots__ if getattr(self, name)}

    def words_only(self) -> bool:
        """No field but ``q`` is set (what SQLite alone can rank and page)."""
        return not any(getattr(self, name) for name in self.__slots__ if name != "q")


async def filters(
    q: Annotated[str, Query(description="Free text, matched in statements, speakers and article bodies, best match "
                            "first: words (any of them), \"a phrase\" (required), summ* (prefix), a AND b, a OR b, "
                            "-word or NOT word (left out). At most 500 characters.")] = "",
    speaker: Annotated[str, Query(description="Entity id, name or alias of the speaker.", max_length=200)] = "",
    outlet: Annotated[str, Query(description="Outlet name (case-insensitive).", max_length=200)] = "",
    date_from: Annotated[str, Query(description="ISO date (YYYY, YYYY-MM or YYYY-MM-DD): items on or after.", max_length=10)] = "",
    date_to: Annotated[str, Query(description="ISO date: items on or before.", max_length=10)] = "",
    claim: Annotated[str, Query(description="Claim id.", max_length=100)] = "",
    story: Annotated[str, Query(description="Story id.", max_length=100)] = "",
) -> Filters:
    if len(q) > MAX_QUERY:
        raise HTTPException(status_code=422, detail=f"q: a query may have at most {MAX_QUERY} characters")
    for name, value in (("date_from", date_from), ("date_to", date_to)):
        if value and date_span(value) is None:
            raise HTTPException(status_code=422, detail=f"{name}: not an ISO date (YYYY, YYYY-MM or YYYY-MM-DD)")
    if date_from and date_to and date_span(date_from)[0] >= date_span(date_to)[1]:
        raise HTTPException(status_code=422, detail=f"date_from ({date_from}) is after date_to ({date_to})")
    try:
        match_expression(q)
    except QueryError as error:
        raise HTTPException(status_code=422, detail=f"q: {error}") from None
    return Filters(q.strip(), speaker.strip(), outlet.strip(), date_from, date_to, claim.strip(), story.strip())


@dataclass(slots=True)
class Paging:
    page: int = 1
    per_page: int = 50

    def cut(self, items: list[Any]) -> dict[str, Any]:
        start = (self.page - 1) * self.per_page
        return {
            "total": len(items), "page": self.page, "per_page": self.per_page,
            "pages": max(1, math.ceil(len(items) / self.per_page)), "items": items[start : start + self.per_page],
        }


async def paging(
    page: Annotated[int, Query(ge=1, le=100_000, description="Page number, from 1.")] = 1,
    per_page: Annotated[int, Query(ge=1, le=MAX_PER_PAGE, description="Items per page.")] = 50,
) -> Paging:
    return Paging(page, per_page)


FiltersDep = Annotated[Filters, Depends(filters)]
PagingDep = Annotated[Paging, Depends(paging)]


class Explorer:
    """Queries over the store's dossier: the filters, search and lookups behind every route."""

    def __init__(self, store: StoreView) -> None:
        self.store = store
        self._views: tuple[int, DossierViews] | None = None

    def views(self) -> DossierViews:
        dossier = self.store.dossier()
        if self._views is None or self._views[0] != id(dossier):
            self._views = (id(dossier), DossierViews(dossier, LINKS))
        return self._views[1]

    def frame(self, views: DossierViews) -> dict[str, Any]:
        """What every page drawn from the dossier passes to its template (the header's search form too)."""
        return {"views": views, "dossier": views.dossier, "facets": self.facets()}

    def facets(self) -> dict[str, list[Any]]:
        """The search form's choices, read once per store generation (not the whole dossier)."""
        return self.store.cached(("facets",), lambda: self.store.query(pages.facets))

    def headings(self, articles: list[dict[str, Any]]) -> dict[str, str]:
        """Each article's heading; an untitled summary (no body) gets its opening words from SQLite."""
        untitled = [a["id"] for a in articles if not a.get("title") and "body" not in a]
        opening = self.store.query(pages.openings, untitled) if untitled else {}
        return {a["id"]: article_heading(a if "body" in a else {**a, "body": opening.get(a["id"], "")}) for a in articles}

    def statement_counts(self, articles: list[dict[str, Any]]) -> dict[str, int]:
        return self.store.query(pages.statement_counts, [a["id"] for a in articles])

    def flat_statement_hits(self, f: Filters, p: Paging) -> dict[str, Any]:
        """The statements filters alone keep, as search results (the /search page without words)."""
        page = self.flat_statements(f, p)
        _, articles = self.store.query(pages.items_by_id, [], sorted({s["article"] for s in page["items"]}))
        return {**page, "items": [{"kind": "statement", "id": s["id"], "article": s["article"], "parts": [], "item": s,
                                   "source": articles.get(s["article"])} for s in page["items"]]}

    # -- pages answered by SQLite alone (storyline.store.pages): memory flat as the store grows --

    def is_flat(self, f: Filters) -> bool:
        """Filters the rows can answer alone (a speaker by alias, a claim or a story need the corpus lists)."""
        return not (f.speaker or f.claim or f.story) and self.store.flat()

    def flat_articles(self, f: Filters, p: Paging) -> dict[str, Any]:
        return self.store.query(pages.articles_page, lambda a: self._keeps_article(a, f, None, None), p.page, p.per_page)

    def flat_statements(self, f: Filters, p: Paging) -> dict[str, Any]:
        def keep(statement: dict[str, Any], article: dict[str, Any]) -> bool:
            said_on = statement.get("said_on")
            return self._keeps_article(article, f, None, None, said_on if date_span(said_on) else article.get("published"))

        return self.store.query(pages.statements_page, keep, p.page, p.per_page)

    def flat_hits(self, q: str, p: Paging) -> dict[str, Any]:
        hits, total, snippets = self.store.search_flat(q, p.per_page, (p.page - 1) * p.per_page)
        statements, articles = self.store.query(
            pages.items_by_id, [h.ref for h in hits if h.kind == "statement"], sorted({h.article for h in hits}))
        items = []
        for hit in hits:
            item = statements.get(hit.ref) if hit.kind == "statement" else articles.get(hit.ref)
            if item is not None:
                items.append(_hit_result(hit, snippets.get(hit.row, ""), item, articles.get(hit.article, {})))
        return {"total": total, "page": p.page, "per_page": p.per_page,
                "pages": max(1, math.ceil(total / p.per_page)), "items": items}

    def search_answer(self, f: Filters, p: Paging) -> bytes:
        """The ``/api/search`` answer, encoded as JSON the way FastAPI's ``JSONResponse`` encodes."""
        page = self.flat_hits(f.q, p) if f.words_only() and self.store.flat() else self.hits(f, p)
        page["items"] = [{k: v for k, v in hit.items() if k not in ("parts", "item", "source")} for hit in page["items"]]
        return JSONResponse(page).body

    def statements(self, f: Filters) -> list[dict[str, Any]]:
        views = self.views()
        if f.q:
            ranked = [views.statements[h.ref] for h in self.store.search(f.q, "statement") if h.ref in views.statements]
        else:
            ranked = list(views.dossier["statements"])
        return [s for s in ranked if self._keeps_statement(s, f, views)]

    def articles(self, f: Filters) -> list[dict[str, Any]]:
        views = self.views()
        if f.q:
            found = [views.articles[h.ref] for h in self.store.search(f.q, "article") if h.ref in views.articles]
        else:
            found = list(views.dossier["articles"])
        holding = self._holding(f, views)
        return [a for a in found if self._keeps_article(a, f, views, holding)]

    def hits(self, f: Filters, paging: Paging) -> dict[str, Any]:
        """One page of search results of both kinds, best first, after the filters, with snippets."""
        views = self.views()
        if f.words_only():
            return self._unfiltered_hits(f.q, paging, views)
        holding = self._holding(f, views)
        kept = [hit for hit in self.store.search(f.q) if self._keeps_hit(hit, f, views, holding)]
        page = paging.cut(kept)
        snippets = self.store.snippets(f.q, page["items"])
        page["items"] = [self._result(hit, snippets.get(hit.row, ""), views) for hit in page["items"]]
        return page

    def _unfiltered_hits(self, q: str, paging: Paging, views: DossierViews) -> dict[str, Any]:
        """Search alone: SQLite ranks and cuts the page; no hit needs a look in Python."""
        hits = self.store.search(q, limit=paging.per_page, offset=(paging.page - 1) * paging.per_page)
        total = self.store.count(q)
        snippets = self.store.snippets(q, hits)
        known = [hit for hit in hits if hit.ref in views.statements or hit.ref in views.articles]
        return {"total": total, "page": paging.page, "per_page": paging.per_page,
                "pages": max(1, math.ceil(total / paging.per_page)),
                "items": [self._result(hit, snippets.get(hit.row, ""), views) for hit in known]}

    def _keeps_hit(self, hit: Hit, f: Filters, views: DossierViews, holding: set[str] | None) -> bool:
        if hit.kind == "statement" and hit.ref in views.statements:
            return self._keeps_statement(views.statements[hit.ref], f, views)
        if hit.kind == "article" and hit.ref in views.articles:
            return self._keeps_article(views.articles[hit.ref], f, views, holding)
        return False

    @staticmethod
    def _result(hit: Hit, snippet: str, views: DossierViews) -> dict[str, Any]:
        item = views.statements[hit.ref] if hit.kind == "statement" else views.articles[hit.ref]
        return _hit_result(hit, snippet, item, views.articles.get(hit.article, {}))

    def _holding(self, f: Filters, views: DossierViews) -> set[str] | None:
        """Articles holding a statement by the speaker / of the claim asked for (None: no such filter)."""
        if not (f.speaker or f.claim):
            return None
        only = Filters(speaker=f.speaker, claim=f.claim)
        return {s["article"] for s in views.dossier["statements"] if self._keeps_statement(s, only, views)}

    def _keeps_statement(self, s: dict[str, Any], f: Filters, views: DossierViews) -> bool:
        if f.speaker and not _is_speaker(s, f.speaker, views):
            return False
        if f.claim and s.get("claim") != f.claim and s["id"] not in views.claims.get(f.claim, {}).get("statements", []):
            return False
        article = views.articles.get(s["article"], {})
        # Dated by when it was said, else by when it was published.
        when = s.get("said_on") if date_span(s.get("said_on")) else article.get("published")
        return self._keeps_article(article, f, views, None, when)

    def _keeps_article(self, a: dict[str, Any], f: Filters, views: DossierViews, holding: set[str] | None,
                       when: str | None = None) -> bool:
        if holding is not None and a.get("id") not in holding:
            return False
        if f.outlet and (a.get("outlet") or "").casefold() != f.outlet.casefold():
            return False
        if f.story and a.get("id") not in _story_articles(views, f.story):
            return False
        if f.date_from or f.date_to:
            return _within(when or a.get("published"), f.date_from, f.date_to)
        return True


def _hit_result(hit: Hit, snippet: str, item: dict[str, Any], article: dict[str, Any]) -> dict[str, Any]:
    said_on = item.get("said_on") if hit.kind == "statement" else None
    return {"kind": hit.kind, "id": hit.ref, "article": hit.article, "score": round(-hit.rank, 4),
            "snippet": snippet.replace(HIT_START, "").replace(HIT_END, ""), "parts": snippet_parts(snippet),
            # Who, where and when, so a hit reads on its own.
            "speaker": item.get("speaker") if hit.kind == "statement" else None,
            "speaker_name": item.get("speaker_name") if hit.kind == "statement" else None,
            "outlet": article.get("outlet"), "title": article.get("title"),
            "date": said_on if date_span(said_on) else article.get("published"),
            "item": item, "source": article or None}


def _is_speaker(statement: dict[str, Any], wanted: str, views: DossierViews) -> bool:
    if statement.get("speaker") == wanted:
        return True
    wanted = wanted.casefold()
    entity = views.entities.get(statement.get("speaker") or "")
    names = [statement.get("speaker_name") or ""] + ([entity["name"], *entity.get("aliases", [])] if entity else [])
    return any(name.casefold() == wanted for name in names if name)


def _story_articles(views: DossierViews, story_id: str) -> set[str]:
    for story in views.dossier["stories"]:
        if story["id"] == story_id:
            return set(story["articles"])
    return set()


def _within(date: str | None, date_from: str, date_to: str) -> bool:
    """Whether a date (at any precision) overlaps the range; an unplaceable date never does."""
    span = date_span(date)
    if span is None:
        return False
    if date_from and span[1] <= date_span(date_from)[0]:
        return False
    if date_to and span[0] >= date_span(date_to)[1]:
        return False
    return True


def _article_summary(article: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in article.items() if key not in ("body", "comments")}


# -- the app ----------------------------------------------------------------------


class SecurityHeaders:
    """Sets the security headers on every HTTP response.

    A plain ASGI middleware that edits the response's start message: Starlette's
    ``@app.middleware("http")`` wraps each request in a task group and memory streams,
    which cost milliseconds a request under a burst of searches.
    """

    HEADERS = {"Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"}

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in self.HEADERS.items():
                    headers[name] = value
            await send(message)

        await self.app(scope, receive, send_with_headers)


def create_app(db_path: str | Path) -> FastAPI:
    store = StoreView(db_path)
    explorer = Explorer(store)
    match_expression("warm")  # loads spaCy's stop words now, not inside the first search request
    app = FastAPI(
        title="storyline",
        summary="Explore a storyline store: statements, timeline, claims, people, articles.",
        version="1",
        docs_url=None,
        redoc_url=None,
    )
    app.state.explorer = explorer

    app.add_middleware(SecurityHeaders)
    app.mount("/static", StaticFiles(directory=str(resources.files("storyline.present") / "static")), name="static")
    _add_api(app, explorer)
    _add_pages(app, explorer)
    _add_watch(app, explorer, db_path)
    return app


def _add_api(app: FastAPI, explorer: Explorer) -> None:
    @app.get("/api/overview", tags=["api"], summary="Counts, outlets, date span, top speakers and claims")
    def api_overview() -> dict[str, Any]:
        dossier = explorer.views().dossier
        summary = overview(dossier)
        summary["top_claims"] = [{"id": c["id"], "label": c["label"], "statements": len(c["statements"])} for c in summary["top_claims"]]
        summary["top_speakers"] = [{"name": n, "statements": c} for n, c in summary["top_speakers"]]
        return {**summary, **{name: len(dossier[name]) for name in ("statements", "events", "claims", "stories", "entities")}}

    @app.get("/api/search", tags=["api"], summary="Full-text search over statements and article bodies",
             response_class=JSONResponse)
    async def api_search(f: FiltersDep, p: PagingDep) -> Response:
        """Ranked hits of kind ``statement`` or ``article``, each with a plain-text snippet
        around the matched words; the other filters narrow the hits."""
        if not f.q:
            raise HTTPException(status_code=422, detail="q: a search needs words")
        key = ("api/search", tuple(f.as_query().items()), p.page, p.per_page)
        # A question asked before in this store generation waits in the event loop for its one
        # encoded answer (no pool thread held); only a new one goes to the pool and SQLite.
        future = explorer.store.pending(key)
        if future is not None:
            body = await asyncio.wrap_future(future)
        else:
            body = await run_in_threadpool(explorer.store.cached, key, lambda: explorer.search_answer(f, p))
        return Response(body, media_type="application/json")

    @app.get("/api/statements", tags=["api"], summary="Statements, filtered and paginated")
    def api_statements(f: FiltersDep, p: PagingDep) -> dict[str, Any]:
        if not f.q and explorer.is_flat(f):
            return explorer.flat_statements(f, p)
        return p.cut(explorer.statements(f))

    @app.get("/api/articles", tags=["api"], summary="Articles without their bodies, filtered and paginated")
    def api_articles(f: FiltersDep, p: PagingDep) -> dict[str, Any]:
        if not f.q and explorer.is_flat(f):
            return explorer.flat_articles(f, p)
        return p.cut([_article_summary(a) for a in explorer.articles(f)])

    @app.get("/api/articles/{article_id}", tags=["api"], summary="One article with body, comments and statements")
    def api_article(article_id: str) -> dict[str, Any]:
        views = explorer.views()
        article = _found(views.articles, article_id)
        return {**article, "statements": views.statements_by_article.get(article_id, [])}

    @app.get("/api/events", tags=["api"], summary="Events on the timeline, filtered by date and paginated")
    def api_events(f: FiltersDep, p: PagingDep) -> dict[str, Any]:
        events = explorer.views().dossier["events"]
        if f.date_from or f.date_to:
            events = [e for e in events if _within(e.get("date"), f.date_from, f.date_to)]
        return p.cut(events)

    @app.get("/api/claims", tags=["api"], summary="Recurring claims, paginated")
    def api_claims(p: PagingDep) -> dict[str, Any]:
        return p.cut(explorer.views().dossier["claims"])

    @app.get("/api/claims/{claim_id}", tags=["api"], summary="One claim with its statements and recurrence series")
    def api_claim(claim_id: str) -> dict[str, Any]:
        views = explorer.views()
        claim = _found(views.claims, claim_id)
        return {**claim, "statements": views.claim_statements(claim), "recurrence": views.series(claim)}

    @app.get("/api/entities", tags=["api"], summary="People and organizations with roles, paginated")
    def api_entities(p: PagingDep) -> dict[str, Any]:
        return p.cut(explorer.views().dossier["entities"])

    @app.get("/api/entities/{entity_id}", tags=["api"], summary="One person or organization with all their statements")
    def api_entity(entity_id: str) -> dict[str, Any]:
        return _found({person["id"]: person for person in people(explorer.views().dossier)}, entity_id)

    @app.get("/api/stories", tags=["api"], summary="Stories (groups of articles), paginated")
    def api_stories(p: PagingDep) -> dict[str, Any]:
        return p.cut(explorer.views().dossier["stories"])


def _found(items: dict[str, Any], key: str) -> Any:
    if key not in items:
        raise HTTPException(status_code=404, detail="not found")
    return items[key]


def _page(name: str, **context: Any) -> HTMLResponse:
    html = environment().get_template(f"app_{name}.html.j2").render(links=LINKS, **context)
    return HTMLResponse(html)


def _add_pages(app: FastAPI, explorer: Explorer) -> None:
    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def home() -> HTMLResponse:
        views = explorer.views()
        return _page("overview", overview=overview(views.dossier), **explorer.frame(views))

    @app.get("/timeline", response_class=HTMLResponse, include_in_schema=False)
    def timeline_page() -> HTMLResponse:
        views = explorer.views()
        return _page("timeline", timeline=views.context()["timeline"], **explorer.frame(views))

    @app.get("/claims", response_class=HTMLResponse, include_in_schema=False)
    def claims_page() -> HTMLResponse:
        return _page("claims", **explorer.frame(explorer.views()))

    @app.get("/claims/{claim_id}", response_class=HTMLResponse, include_in_schema=False)
    def claim_page(claim_id: str) -> HTMLResponse:
        views = explorer.views()
        return _page("claim", claim=_found(views.claims, claim_id), **explorer.frame(views))

    @app.get("/people", response_class=HTMLResponse, include_in_schema=False)
    def people_page() -> HTMLResponse:
        views = explorer.views()
        return _page("people", people=people(views.dossier), **explorer.frame(views))

    @app.get("/people/{entity_id}", response_class=HTMLResponse, include_in_schema=False)
    def person_page(entity_id: str) -> HTMLResponse:
        views = explorer.views()
        person = _found({p["id"]: p for p in people(views.dossier)}, entity_id)
        return _page("person", person=person, **explorer.frame(views))

    @app.get("/articles", response_class=HTMLResponse, include_in_schema=False)
    def articles_page(f: FiltersDep, p: PagingDep) -> HTMLResponse:
        # Paged by SQLite where the filters allow: memory does not grow with the store.
        page = explorer.flat_articles(f, p) if not f.q and explorer.is_flat(f) else p.cut(explorer.articles(f))
        return _page("articles", page=page, filters=f, headings=explorer.headings(page["items"]),
                     counts=explorer.statement_counts(page["items"]), facets=explorer.facets())

    @app.get("/articles/{article_id}", response_class=HTMLResponse, include_in_schema=False)
    def article_page(article_id: str) -> HTMLResponse:
        views = explorer.views()
        return _page("article", article=_found(views.articles, article_id), **explorer.frame(views))

    @app.get("/search", response_class=HTMLResponse, include_in_schema=False)
    def search_page(f: FiltersDep, p: PagingDep) -> HTMLResponse:
        if f.q and f.words_only() and explorer.store.flat():  # SQLite ranks and pages: no dossier in memory
            results = explorer.flat_hits(f.q, p)
        elif f.q:
            results = explorer.hits(f, p)
        elif explorer.is_flat(f):  # filters alone list the statements they keep
            results = explorer.flat_statement_hits(f, p)
        else:
            views = explorer.views()
            results = p.cut([{"kind": "statement", "id": s["id"], "article": s["article"], "parts": [], "item": s,
                              "source": views.articles.get(s["article"])} for s in explorer.statements(f)])
        shown = [hit["item"] for hit in results["items"] if hit["kind"] == "article"]
        return _page("search", page=results, filters=f, headings=explorer.headings(shown), facets=explorer.facets())

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon() -> Response:
        return Response(status_code=204)  # browsers ask for it; an error would show in their console

    @app.get("/docs", response_class=HTMLResponse, include_in_schema=False)
    def docs_page() -> HTMLResponse:
        return _page("docs", openapi=app.openapi())

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> HTMLResponse | JSONResponse:
        message = "Not found" if error.status_code == 404 else str(error.detail)
        return _error(request, error.status_code, message, error.detail)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, error: RequestValidationError) -> HTMLResponse | JSONResponse:
        # FastAPI's own answer quotes the offending value whole ("input"): a 100 KB query came back
        # in full. Only where and what.
        details = [{"loc": list(e.get("loc", ())), "msg": e.get("msg", ""), "type": e.get("type", "")} for e in error.errors()]
        message = "; ".join(f"{'.'.join(str(part) for part in d['loc'][1:]) or 'request'}: {d['msg']}" for d in details)
        return _error(request, 422, message, details)


# -- watch: outlets, label comparison, tracked claims and alerts ----------------------------------


class TrackRequest(BaseModel):
    claim: str | None = Field(default=None, max_length=100, description="Claim id.")
    text: str | None = Field(default=None, max_length=MAX_QUERY, description="Or: track by text.")


def _sources(explorer: Explorer) -> list[dict[str, Any]]:
    """The sources file's outlets (``storyline watch``'s ``sources`` table)."""
    return explorer.store.query(watch_tables.read_sources_table)


def _alerts(explorer: Explorer) -> list[dict[str, Any]]:
    return explorer.store.query(watch_tables.all_alerts)


def _tracked(explorer: Explorer) -> list[dict[str, Any]]:
    return explorer.store.query(watch_tables.tracked_claims)


def _tracked_views(views: DossierViews, tracked: list[dict[str, Any]], alerts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each tracked claim with the claim it is now (re-found as ``watch`` does) and its alert count."""
    claims = views.dossier["claims"]
    counts = Counter(alert["tracked"] for alert in alerts)
    return [{**t, "current": views.claims.get(t.get("claim") or "") or refind_claim(t, claims, views.statements),
             "alerts": counts.get(t["id"], 0)} for t in tracked]


def _add_watch(app: FastAPI, explorer: Explorer, db_path: str | Path) -> None:
    def outlet_or_404(name: str) -> dict[str, Any]:
        profile = outlet_profile(explorer.views().dossier, _sources(explorer), name)
        if profile is None:
            raise HTTPException(status_code=404, detail="not found")
        return profile

    @app.get("/api/outlets", tags=["api"], summary="Outlets with their country, owner, labels and article counts")
    def api_outlets() -> list[dict[str, Any]]:
        return outlet_list(explorer.views().dossier, _sources(explorer))

    @app.get("/api/outlet", tags=["api"], summary="One outlet's profile: articles over time, speakers, claims, shared")
    def api_outlet(name: Annotated[str, Query(max_length=500, description="Outlet name.")]) -> dict[str, Any]:
        return outlet_or_404(name)

    @app.get("/api/compare", tags=["api"], summary="Claims carried by outlets with a label versus the others")
    def api_compare(label: Annotated[str, Query(max_length=200, description="A label of the sources file.")]) -> dict[str, Any]:
        return label_comparison(explorer.views().dossier, _sources(explorer), label)

    @app.get("/api/alerts", tags=["api"], summary="Alerts raised by watch on tracked claims, newest first")
    def api_alerts(p: PagingDep) -> dict[str, Any]:
        return p.cut(_alerts(explorer))

    @app.get("/api/tracked", tags=["api"], summary="Tracked claims with the claim each is now and its alert count")
    def api_tracked() -> list[dict[str, Any]]:
        views = explorer.views()
        return [{**t, "current": t["current"]["id"] if t["current"] else None,
                 "recurrence": views.series(t["current"]) if t["current"] else None}
                for t in _tracked_views(views, _tracked(explorer), _alerts(explorer))]

    @app.post("/api/tracked", tags=["api"], summary="Track a claim (by id or text): watch alerts on its new statements",
              status_code=201)
    def api_track(body: TrackRequest, request: Request) -> dict[str, Any]:
        # The one write the app makes, one row. Only a JSON body from the app's own pages: a form on
        # another site can send neither this content type nor this origin.
        origin = request.headers.get("origin")
        if "application/json" not in request.headers.get("content-type", "") or (
                origin is not None and urlsplit(origin).netloc != request.headers.get("host")):
            raise HTTPException(status_code=403, detail="only from the app's own pages")
        if not body.claim and not (body.text or "").strip():
            raise HTTPException(status_code=422, detail="give a claim id or a text")
        with Store(db_path) as store:
            try:
                return track_claim(store, body.claim, body.text, datetime.now(timezone.utc).isoformat(timespec="seconds"))
            except LookupError:
                raise HTTPException(status_code=404, detail="not found") from None

    @app.get("/outlets", response_class=HTMLResponse, include_in_schema=False)
    def outlets_page() -> HTMLResponse:
        views = explorer.views()
        sources = _sources(explorer)
        return _page("outlets", outlets=outlet_list(views.dossier, sources), labels=labels_of(sources), **explorer.frame(views))

    @app.get("/outlet", response_class=HTMLResponse, include_in_schema=False)
    def outlet_page(name: Annotated[str, Query(max_length=500)]) -> HTMLResponse:
        views = explorer.views()
        return _page("outlet", profile=outlet_or_404(name), **explorer.frame(views))

    @app.get("/compare", response_class=HTMLResponse, include_in_schema=False)
    def compare_page(label: Annotated[str, Query(max_length=200)] = "") -> HTMLResponse:
        views = explorer.views()
        sources = _sources(explorer)
        labels = labels_of(sources)
        chosen = label or (labels[0] if labels else "")
        return _page("compare", comparison=label_comparison(views.dossier, sources, chosen), labels=labels, **explorer.frame(views))

    @app.get("/alerts", response_class=HTMLResponse, include_in_schema=False)
    def alerts_page() -> HTMLResponse:
        views = explorer.views()
        return _page("alerts", alerts=_alerts(explorer), **explorer.frame(views))

    @app.get("/tracked", response_class=HTMLResponse, include_in_schema=False)
    def tracked_page() -> HTMLResponse:
        views = explorer.views()
        return _page("tracked", tracked=_tracked_views(views, _tracked(explorer), _alerts(explorer)), **explorer.frame(views))


def _error(request: Request, status: int, message: str, detail: Any) -> HTMLResponse | JSONResponse:
    """JSON under /api/, an HTML page (the message escaped by the template) everywhere else."""
    if request.url.path.startswith("/api/") or request.url.path == "/openapi.json":
        return JSONResponse({"detail": detail}, status_code=status)
    html = environment().get_template("app_error.html.j2").render(links=LINKS, message=message)
    return HTMLResponse(html, status_code=status)


def run(db_path: str | Path, host: str = "127.0.0.1", port: int = 8000) -> None:
    import uvicorn

    uvicorn.run(create_app(db_path), host=host, port=port, log_level="warning", access_log=False)
