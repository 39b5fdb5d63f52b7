"""Claims with the pair model, on hand-written pairs (fictional places and people): the same
claim reworded shares a claim; negated, opposite, one-word-swapped and same-topic statements
do not; a claim needs two articles; only propositions count; labels keep the text's apostrophes."""

from __future__ import annotations

import pytest

from storyline.article.embed import MemoryCache
from storyline.article.units import claim_text, is_proposition, label_text, tagged
from storyline.core.options import Options
from storyline.core.records import Article, Corpus
from storyline.corpus.claim_veto import WORD_SWAP, swap_kind
from storyline.corpus.local import run_corpus_stages

DAM = "The Tessel dam will be closed for repairs until the end of March"


@pytest.fixture(scope="module")
def options():
    return Options(embedding_cache=MemoryCache())


def claims_of(options, texts, same_article=False):
    """Each text a statement of its own article (or all in one), through the claims stage: the claims found."""
    articles, statements = [], []
    for n, text in enumerate(texts, 1):
        article_id = "a1" if same_article else f"a{n}"
        body = f"Ilse Marr said: {text}."
        if not same_article or n == 1:
            articles.append(Article(source=article_id, input_hash=article_id, content_hash="h" + article_id,
                                    body=body if not same_article else " ".join(f"Ilse Marr said: {t}." for t in texts),
                                    outlet=f"Outlet {n}", published="2026-03-0{}".format(n), id=article_id))
    for n, text in enumerate(texts, 1):
        article = articles[0] if same_article else articles[n - 1]
        start = article.body.index(text)
        statements.append({"id": f"st{n}", "article": article.id, "kind": "direct", "speaker": "e-marr", "text": text,
                           "start": start, "end": start + len(text), "said_on": None, "claim": None})
    return run_corpus_stages(Corpus(articles=articles, statements=statements), options, stages=["claims"]).claims


def test_claim_pairs_same_claim_reworded_shares_a_claim(options):
    found = claims_of(options, [DAM, "Repairs will keep the Tessel dam closed until the end of March"])
    assert len(found) == 1 and found[0]["statements"] == ["st1", "st2"]


@pytest.mark.parametrize("other", [
    "The Tessel dam will not be closed for repairs until the end of March",  # negated
    "The Tessel dam will be closed for repairs until the end of June",  # another date
    "The Tessel dam repairs will cost the region forty million crowns",  # same topic, another claim
])
def test_claim_pairs_negated_swapped_or_other_claim_stays_apart(options, other):
    assert claims_of(options, [DAM, other]) == []


@pytest.mark.parametrize("pair", [
    ("Kim Oskland denied any role in the deadly attack on the Harlow bridge",
     "Kim Oskland was behind the deadly attack on the Harlow bridge"),
    ("The Tessel dam is safe for the thousands of people living below it",
     "The Tessel dam is unsafe for the thousands of people living below it"),
    ("The Valdorian minister will attend the summit in Lisbeth next week",
     "The Osklandic minister will attend the summit in Lisbeth next week"),
])
def test_claim_pairs_opposite_positions_never_share_a_claim(options, pair):
    assert claims_of(options, list(pair)) == []


def test_claim_pairs_supports_and_opposes_stay_apart(options):
    # the pair model reads this as the same claim (tests/test_pairmodel.py); the verb swap veto does not
    assert claims_of(options, ["The Harlow council supports the new fuel tax on lorries",
                               "The Harlow council opposes the new fuel tax on lorries"]) == []


def test_claim_pairs_a_negated_statement_does_not_join_the_claim_as_a_whole(options):
    found = claims_of(options, [DAM, "Repairs will keep the Tessel dam closed until the end of March",
                                "The Tessel dam will not be closed for repairs until the end of March"])
    assert len(found) == 1 and "st3" not in found[0]["statements"]


def test_claim_pairs_one_article_repeating_itself_is_no_claim(options):
    assert claims_of(options, [DAM, "Repairs will keep the Tessel dam closed until the end of March"], same_article=True) == []


def test_claim_pairs_label_keeps_the_apostrophe(options):
    found = claims_of(options, ["Varga's own initiative must guide the talks with Strand",
                                "Varga's own initiative has to guide the talks with Strand"])
    assert len(found) == 1 and "Varga's own initiative" in found[0]["label"]


def test_claim_pairs_topic_phrase_is_no_claim(options):
    assert claims_of(options, ["on plans to hold an in-person summit in Lisbeth next spring",
                               "on plans to hold an in-person summit in Lisbeth this spring"]) == []


def test_units_propositions_need_a_verb_content_and_no_question():
    texts = ["we have a real chance to get", "which requires efforts at various expert levels",
             "on plans to hold an in-person summit", "Will the summit in Lisbeth go ahead next month?",
             "The Harlow council approved the new harbour budget on Monday", "Two Valdorian reporters killed in Lisbeth",
             "As soon as the preparations are completed and the conditions are in place", "on what terms the Harlow strike could end",
             "On Monday the new harbour budget was approved by the council"]
    assert [is_proposition(doc) for doc in tagged(texts)] == [False, False, False, False, True, True, False, False, True]


def test_units_name_or_acronym_spelled_like_a_stop_word_is_a_content_word():
    # "US" and "IT" are the stop words "us" and "it" lower-cased; here they are the fourth content word
    texts = ["Varga: US, Oskland must do more against smugglers", "Lund: IT firms must pay more taxes",
             "Varga: we must do more against smugglers"]
    assert [is_proposition(doc) for doc in tagged(texts)] == [True, True, False]


def test_units_headline_verb_read_as_plural_noun_is_still_a_verb():
    # spaCy's small tagger reads "lands" after a noun as NNS; a plural noun before a preposition
    # whose stem is not a verb ("tourists"), or with no noun before it ("Plans"), stays a noun.
    texts = ["Valdorian lunar rover lands on moon", "Harlow tourists in Lisbeth for the winter festival",
             "Plans for new talks on trade with Oskland"]
    assert [is_proposition(doc) for doc in tagged(texts)] == [True, False, False]


def test_units_headline_future_with_its_verb_read_as_a_noun_is_a_proposition():
    # "X to do Y" with "detonate" tagged NN; no object after the verb ("return to power"), or an
    # opening article ("a bridge to land developers": headlines drop theirs), and it stays a noun phrase.
    texts = ["Harlow police to detonate devices in suspect's home", "the return to power of the old guard in Lisbeth",
             "a bridge to land developers in north Harlow"]
    assert [is_proposition(doc) for doc in tagged(texts)] == [True, False, False]


def test_units_title_case_headline_is_tagged_in_sentence_case():
    from storyline.article.units import sentence_case

    # style guides leave "for" and "on" lower case in a title; a sentence of names is not a title
    assert sentence_case("Oskland Set for New Sanctions on Valdoria") == "Oskland set for new sanctions on valdoria"
    assert sentence_case("Varga met Lund in Lisbeth") == "Varga met Lund in Lisbeth"
    assert is_proposition(tagged(["Oskland Set for New Sanctions on Valdoria"])[0])


def test_units_label_and_claim_text_keep_apostrophes_inside_words():
    assert label_text("“Varga’s own initiative,”") == "Varga’s own initiative"
    assert label_text('"We\'d love to see that happen."') == "We'd love to see that happen."
    assert claim_text("“Varga’s own initiative”") == "Varga’s own initiative"
    assert claim_text("the 'best' offer") == "the best offer"


def test_claim_veto_swap_is_a_substitution_not_a_rewording():
    docs = tagged(["Several women stand near the yellow line", "Several women stand near the red line",
                   "Twelve people were hurt in the Harlow fire", "12 people were hurt in the Harlow fire",
                   "The Harlow council approved the budget on Monday", "On Monday the budget was approved by the Harlow council"])
    assert swap_kind(docs[0], docs[1])  # one colour for another
    assert not swap_kind(docs[2], docs[3])  # "twelve" and "12" are one number
    assert not swap_kind(docs[4], docs[5])  # reordered, nothing swapped


def test_claim_veto_a_number_and_its_scale_word_are_one_value():
    docs = tagged(["Valdor buying the Harlow shipyard for $356 million", "Valdor buying the Harlow shipyard for $356M",
                   "Oskland signs a 1.2bn euro grain deal with Lisbeth", "Oskland signs a 1.2 billion euro grain deal with Lisbeth",
                   "Two hundred people marched through Harlow on Sunday", "200 people marched through Harlow on Sunday",
                   "Valdor buying the Harlow shipyard for $365M"])
    assert not swap_kind(docs[0], docs[1])  # "356 million" is "356M"
    assert not swap_kind(docs[2], docs[3])  # "1.2bn" is "1.2 billion"
    assert not swap_kind(docs[4], docs[5])  # "two hundred" is "200"
    assert swap_kind(docs[0], docs[6]) == "number"  # another value


def test_claim_veto_a_swapped_word_of_place_or_direction_is_another_claim():
    docs = tagged(["The Harlow ferry will dock near the old Tessel lighthouse",
                   "The Harlow ferry will dock far from the old Tessel lighthouse",
                   "The Harlow protest was held inside the old town hall on Sunday",
                   "The Harlow protest was held outside the old town hall on Sunday",
                   "Two blasts hit the Valdorian capital on Monday",
                   "Two blasts rock the Valdorian capital on Monday"])
    assert swap_kind(docs[0], docs[1])  # near / far from
    assert swap_kind(docs[2], docs[3])  # inside / outside
    assert swap_kind(docs[4], docs[5]) == WORD_SWAP  # a verb for another: the pair model decides


@pytest.mark.parametrize("pair", [
    ("The Harlow ferry will dock near the old Tessel lighthouse on Sunday",
     "The Harlow ferry will dock far from the old Tessel lighthouse on Sunday"),
    ("Mira Daskal said the Harlow protest was held inside the old town hall",
     "Mira Daskal said the Harlow protest was held outside the old town hall"),
])
def test_claim_pairs_opposite_place_or_direction_never_shares_a_claim(options, pair):
    assert claims_of(options, list(pair)) == []


def claims_said_by(options, said):
    """Each (speaker, outlet, text) a one-statement article of its own, through the claims stage."""
    articles, statements = [], []
    for n, (speaker, outlet, text) in enumerate(said, 1):
        body = f"{speaker} told reporters: {text}."
        articles.append(Article(source=f"a{n}", input_hash=f"a{n}", content_hash=f"h{n}", body=body, outlet=outlet,
                                published=f"2026-04-0{n}", id=f"a{n}"))
        start = body.index(text)
        statements.append({"id": f"st{n}", "article": f"a{n}", "kind": "direct", "speaker": speaker.lower().replace(" ", "-"),
                           "text": text, "start": start, "end": start + len(text), "said_on": None, "claim": None})
    return run_corpus_stages(Corpus(articles=articles, statements=statements), options, stages=["claims"]).claims


def test_claim_pairs_paraphrases_by_other_speakers_in_other_outlets_share_one_claim(options):
    found = claims_said_by(options, [
        ("Ilse Marr", "Harlow Courier", "The Tessel bridge will stay closed for repairs until the end of May"),
        ("Joran Vell", "Lisbeth Post", "Repairs will keep the Tessel bridge closed until the end of May"),
        ("Tamsin Oro", "Valdoria Today", "The Tessel bridge is to stay closed for repairs until the end of May"),
    ])
    assert len(found) == 1 and found[0]["statements"] == ["st1", "st2", "st3"]
    assert sorted(found[0]["outlets"]) == ["Harlow Courier", "Lisbeth Post", "Valdoria Today"]


def test_claim_pairs_opposite_positions_with_most_words_shared_stay_apart(options):
    found = claims_said_by(options, [
        ("Ilse Marr", "Harlow Courier", "The Valdorian troops will pull back north of the Tessel river by Friday"),
        ("Joran Vell", "Lisbeth Post", "The Valdorian troops will pull back south of the Tessel river by Friday"),
        ("Tamsin Oro", "Valdoria Today", "The Valdorian troops will not pull back north of the Tessel river by Friday"),
    ])
    assert found == []
