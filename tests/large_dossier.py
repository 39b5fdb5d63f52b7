"""A synthetic dossier of a given number of articles, sized like real news (fictional outlets and people).

Bodies of about 3,500 characters with eight statements each, 120 people and
organizations, claims of five statements, two events per article: what the
report has to show for a corpus of that size, without running the pipeline.
"""

from __future__ import annotations

import random
from typing import Any

OUTLETS = ["Harbor Gazette", "Meridian Wire", "Northgate Herald", "Lanport Daily", "Ostria Today", None]
SENTENCE = ("Officials in {place} said on {day} that the talks on the {topic} would resume after a pause of "
            "several weeks, and that both delegations had agreed to meet again before the end of the month.")
QUOTE = '"We will not accept a deal on the {topic} that leaves the crews behind," {name} said.'
PLACES = ["Lanport", "Gullen", "Veldmark", "Ostria", "Harlow"]
TOPICS = ["fishing quota", "ferry line", "port fees", "coast guard hotline", "harbour wall"]


def large_dossier(articles: int, seed: int = 7) -> dict[str, Any]:
    rng = random.Random(seed)
    people = [{"id": f"e{n}", "name": f"Person{n} Surname{n}", "kind": "person", "aliases": [f"Surname{n}"],
               "roles": ["minister"]} for n in range(1, 121)]
    dossier: dict[str, Any] = {"schema": "storyline.dossier/1", "articles": [], "skipped": [], "entities": people,
                               "statements": [], "times": [], "events": [], "claims": [], "stories": [], "syndicated": []}
    for number in range(1, articles + 1):
        article_id = f"a{number}"
        parts, spans = [], []
        for index in range(8):
            topic = rng.choice(TOPICS)
            parts.append(SENTENCE.format(place=rng.choice(PLACES), day="Monday", topic=topic) + " ")
            person = rng.choice(people)
            quote = QUOTE.format(topic=topic, name=person["name"])
            start = sum(map(len, parts)) + 1
            spans.append((start, start + len(quote) - len(person["name"]) - 8, person))
            parts.append(quote + "\n\n")
        body = "".join(parts) + SENTENCE.format(place="Gullen", day="Friday", topic="ferry line")
        year = rng.choice([2017, 2023, 2024, 2024, 2025])
        published = f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        dossier["articles"].append({
            "id": article_id, "source": f"corpus/{number:04d}.txt", "url": None, "title": None if number % 3 else f"Talks {number}",
            "outlet": OUTLETS[number % len(OUTLETS)], "published": published, "published_from": "text",
            "author": None, "language": "en", "body": body, "comments": [], "warnings": [], "copy_of": None,
        })
        for index, (start, end, person) in enumerate(spans):
            sid = f"s{len(dossier['statements']) + 1}"
            dossier["statements"].append({
                "id": sid, "article": article_id, "kind": "direct", "speaker": person["id"],
                "speaker_name": person["name"], "speaker_mention": None, "cue": "said", "text": body[start:end],
                "start": start, "end": end, "said_on": published if index % 2 else None, "claim": None,
            })
        for index in range(2):
            start = body.index("Officials", index * 400)
            dossier["events"].append({
                "id": f"v{len(dossier['events']) + 1}", "date": published, "date_end": None,
                "summary": body[start : start + 60], "entities": [],
                "mentions": [{"article": article_id, "start": start, "end": start + 60, "text": body[start : start + 60]}],
            })
    statements = dossier["statements"]
    for number in range(len(statements) // 25):
        members = statements[number * 25 : number * 25 + 5]
        claim_id = f"c{number + 1}"
        for statement in members:
            statement["claim"] = claim_id
        dossier["claims"].append({
            "id": claim_id, "label": members[0]["text"], "statements": [s["id"] for s in members],
            "articles": sorted({s["article"] for s in members}), "speakers": sorted({s["speaker"] for s in members}),
            "outlets": [], "first_seen": None, "last_seen": None, "spans": [],
        })
    return dossier
