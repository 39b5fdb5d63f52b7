"""Hand-built dossiers and stores for the report, app and export tests.

Fictional outlets and people. The statements, events, claims and stories
have the shapes the finding stages produce, so the views can be tested
before (and independently of) those stages.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from storyline.core.records import Article, Comment, Corpus, Skipped
from storyline.store.sqlite import Store

BODIES = [
    (
        "Harbor talks stall again",
        "Harbor Gazette",
        "2025-03-14",
        "The port authority said the talks would resume in May. "
        '"We will not sign a bad deal," said Mara Voss, the union chair. '
        "Officials met on March 12 to discuss the summit. "
        "Voss added that the ferry fares must stay frozen.",
    ),
    (
        "Union chair repeats warning",
        "Meridian Wire",
        "2025-06-02",
        '"We will not sign a bad deal," Mara Voss told reporters on Monday. '
        "Deputy mayor Ilan Brask said the city supports a summit in 2026. "
        "The ferry fares were first frozen in 2017.",
    ),
    (
        "Fares frozen, says council",
        "Northgate Herald",
        None,
        "Ilan Brask said on October 21 that the ferry fares must stay frozen. "
        "Readers reacted strongly.",
    ),
]


def _span(body: str, text: str) -> tuple[int, int]:
    start = body.index(text)
    return start, start + len(text)


def sample_dossier() -> dict[str, Any]:
    articles = []
    for index, (title, outlet, published, body) in enumerate(BODIES, start=1):
        articles.append({
            "id": f"a{index}", "source": f"sample_{index}.txt", "url": f"https://news.example/{index}",
            "title": title, "outlet": outlet, "published": published,
            "published_from": "manifest" if published else None, "author": None, "language": "en",
            "body": body, "comments": [], "warnings": [],
        })
    articles[0]["comments"] = [{"author": "dockhand77", "posted": "2025-03-15", "text": "About time somebody said it."}]
    entities = [
        {"id": "e1", "name": "Mara Voss", "kind": "person", "aliases": ["Voss"], "roles": ["union chair"]},
        {"id": "e2", "name": "Ilan Brask", "kind": "person", "aliases": ["Brask"], "roles": ["deputy mayor"]},
        {"id": "e3", "name": "port authority", "kind": "organization", "aliases": [], "roles": []},
    ]
    quotes = [
        ("s1", "a1", "e3", "The port authority", "the talks would resume in May", None, None),
        ("s2", "a1", "e1", "Mara Voss", "We will not sign a bad deal", "2025-03-13", "c1"),
        ("s3", "a1", "e1", "Mara Voss", "the ferry fares must stay frozen", None, "c2"),
        ("s4", "a2", "e1", "Mara Voss", "We will not sign a bad deal", "2025-06-02", "c1"),
        ("s5", "a2", "e2", "Ilan Brask", "the city supports a summit in 2026", None, None),
        ("s6", "a3", "e2", "Ilan Brask", "the ferry fares must stay frozen", "--10-21", "c2"),
    ]
    bodies = {a["id"]: a["body"] for a in articles}
    statements = []
    for sid, aid, speaker, name, text, said_on, claim in quotes:
        start, end = _span(bodies[aid], text)
        statements.append({
            "id": sid, "article": aid, "kind": "direct", "speaker": speaker, "speaker_name": name,
            "speaker_mention": None, "cue": "said", "text": text, "start": start, "end": end,
            "said_on": said_on, "claim": claim,
        })
    events = [
        _event("v1", "2025-03-12", "Officials met to discuss the summit", "a1", "Officials met on March 12", bodies),
        _event("v2", "2017", "Ferry fares first frozen", "a2", "The ferry fares were first frozen in 2017", bodies),
        _event("v3", "2025-05", "Talks resume", "a1", "the talks would resume in May", bodies),
        _event("v4", "--10-21", "Council statement on fares", "a3", "Ilan Brask said on October 21", bodies),
    ]
    claims = [
        {"id": "c1", "label": "The union will not sign a bad deal", "statements": ["s2", "s4"], "articles": ["a1", "a2"],
         "speakers": ["e1"], "outlets": ["Harbor Gazette", "Meridian Wire"], "first_seen": "2025-03-13", "last_seen": "2025-06-02",
         "series": [
             {"period": "2025-03", "count": 1, "by_outlet": {"Harbor Gazette": 1}, "by_speaker": {"e1": 1}},
             {"period": "2025-06", "count": 1, "by_outlet": {"Meridian Wire": 1}, "by_speaker": {"e1": 1}},
         ]},
        # No series: the views count it themselves.
        {"id": "c2", "label": "Ferry fares must stay frozen", "statements": ["s3", "s6"], "articles": ["a1", "a3"],
         "speakers": ["e1", "e2"], "first_seen": "2025-03-14", "last_seen": "2025-03-14"},
    ]
    stories = [{"id": "y1", "label": "Harbor labour dispute", "articles": ["a1", "a2"]},
               {"id": "y2", "label": "Ferry fares", "articles": ["a3"]}]
    return {
        "schema": "storyline.dossier/1", "articles": articles,
        "skipped": [{"source": "broken.bin", "reason": "binary file"}],
        "entities": entities, "statements": statements, "times": [], "events": events,
        "claims": claims, "stories": stories,
    }


def _event(eid: str, date: str, summary: str, aid: str, text: str, bodies: dict[str, str]) -> dict[str, Any]:
    start, end = _span(bodies[aid], text)
    return {"id": eid, "date": date, "date_end": None, "summary": summary, "entities": [],
            "mentions": [{"article": aid, "start": start, "end": end, "text": text}]}


# Each payload, when it executes, sets window.__pwned or changes the title.
PAYLOADS = [
    "<script>window.__pwned=1;document.title='pwned'</script>",
    '"><img src=x onerror="window.__pwned=2">',
    "'><svg onload=window.__pwned=3>",
    "</script><script>window.__pwned=4</script>",
    "<svg><script>window.__pwned=5</script></svg>",
    '" onmouseover="window.__pwned=6" autofocus onfocus="window.__pwned=6" x="',
    "javascript:window.__pwned=7",
    "</textarea></title></style><img src=x onerror=window.__pwned=8>",
    "{{7*7}}<iframe srcdoc=\"<script>parent.__pwned=9</script>\"></iframe>",
]


def payload_dossier() -> dict[str, Any]:
    """Every text field carries a payload; dates stay valid so every view draws."""
    dossier = sample_dossier()
    joined = " ".join(PAYLOADS)
    for article in dossier["articles"]:
        article["title"] = f"{article['title']} {joined}"
        article["outlet"] = f"{article['outlet']} {PAYLOADS[1]}"
        article["author"] = joined
        article["source"] = f"{PAYLOADS[3]}.txt"
        article["url"] = "javascript:window.__pwned=10"
        article["warnings"] = [joined]
        article["comments"] = [{"author": PAYLOADS[2], "posted": None, "text": joined}]
    # Payloads inside the bodies, with statements covering them.
    for article in dossier["articles"]:
        article["body"] = f"{article['body']} Quoted: {joined}"
    bodies = {a["id"]: a["body"] for a in dossier["articles"]}
    for statement in dossier["statements"]:
        statement["speaker_name"] = f"{statement['speaker_name']} {PAYLOADS[5]}"
    dossier["statements"].append({
        "id": "s9", "article": "a1", "kind": "direct", "speaker": "e1", "speaker_name": PAYLOADS[0],
        "speaker_mention": None, "cue": PAYLOADS[1], "text": joined, "start": bodies["a1"].index(joined),
        "end": bodies["a1"].index(joined) + len(joined), "said_on": "2025-03-20", "claim": "c1",
    })
    dossier["claims"][0]["statements"].append("s9")
    for entity in dossier["entities"]:
        entity["name"] = f"{entity['name']} {PAYLOADS[2]}"
        entity["roles"] = [joined]
        entity["aliases"] = [PAYLOADS[6]]
    for event in dossier["events"]:
        event["summary"] = f"{event['summary']} {joined}"
    for claim in dossier["claims"]:
        claim["label"] = f"{claim['label']} {joined}"
    for row in dossier["claims"][0]["series"]:
        row["by_outlet"] = {PAYLOADS[0]: 1}
    for story in dossier["stories"]:
        story["label"] = joined
    dossier["skipped"] = [{"source": PAYLOADS[3], "reason": joined}]
    return dossier


def write_store(dossier: dict[str, Any], path: Path) -> Path:
    """A store holding ``dossier`` (article ids a1, a2, … follow insertion order)."""
    with Store(path) as store:
        articles = []
        for item in dossier["articles"]:
            digest = hashlib.sha256(item["body"].encode()).hexdigest()
            article = Article(
                source=item["source"], input_hash=f"in-{digest}", content_hash=digest, body=item["body"],
                title=item["title"], outlet=item["outlet"], published=item["published"],
                published_from=item["published_from"], author=item["author"], url=item["url"],
                comments=[Comment(**c) for c in item["comments"]], warnings=list(item["warnings"]),
            )
            assert store.add_article(article) == item["id"]
            articles.append(article)
        for skipped in dossier["skipped"]:
            store.add_skipped(Skipped(skipped["source"], skipped["reason"]))
        lists = {name: dossier[name] for name in ("entities", "statements", "times", "events", "claims", "stories")}
        store.save_corpus(Corpus(articles=articles, **lists))
    return path


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RunningServer:
    """``storyline serve`` as a real process on a free loopback port (a context manager)."""

    def __init__(self, db: Path) -> None:
        self.db = db
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: Any = None

    def __enter__(self) -> RunningServer:
        import subprocess
        import sys
        import time
        import urllib.request

        self.process = subprocess.Popen(
            [sys.executable, "-m", "storyline", "serve", "--db", str(self.db), "--port", str(self.port)],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"serve exited: {self.process.stderr.read().decode(errors='replace')}")
            try:
                with urllib.request.urlopen(f"{self.url}/api/overview", timeout=2):
                    return self
            except OSError:
                time.sleep(0.2)
        self.__exit__()
        raise RuntimeError("serve did not start within 60 s")

    def __exit__(self, *exc: object) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except Exception:  # noqa: BLE001 - a stuck server must not outlive the tests
            self.process.kill()
            self.process.wait()
        self.process.stderr.close()
