"""Speaker coreference (storyline.article.coref) on short fictional articles."""

from __future__ import annotations

import pytest

from storyline.article import coref
from storyline.article.parse import load_nlp
from storyline.article.statements import find_statements


def _speakers(text: str) -> dict[str, str | None]:
    """Each statement's cue text and content start -> its speaker's article-level name."""
    statements, mentions = find_statements(load_nlp()(text))
    names = {m["key"]: m["name"] for m in mentions}
    return {text[s["start"] : s["start"] + 25]: names.get(s["speaker_key"]) for s in statements}


def _speaker_of(text: str, content_start: str) -> str | None:
    found = _speakers(text)
    hits = [name for content, name in found.items() if content.startswith(content_start[:25])]
    assert hits, f"no statement starting {content_start!r} in {found}"
    return hits[0]


def test_coref_relative_pronoun_is_its_antecedent() -> None:
    text = ("The new ferry timetable was defended on Monday by Joris Veldt, who said the boats "
            "would run every hour from May.\n")
    assert _speaker_of(text, "the boats would run") == "Joris Veldt"


def test_coref_relative_who_climbs_past_a_place_to_the_person() -> None:
    text = ("The fees were criticised by Marta Solberg, a baker from Veldhaven, Ostland, who said the "
            "harbour fees had doubled since the spring.\n")
    assert _speaker_of(text, "the harbour fees had") == "Marta Solberg"


def test_coref_she_skips_a_man_titled_mr() -> None:
    text = ("Mayor Lena Ostrova met the port director, Mr. Tomas Brandt, on Monday.\n\n"
            "Brandt said the cranes were forty years old and needed replacing.\n\n"
            "She said the city would pay for two new cranes next year.\n")
    assert _speaker_of(text, "the city would pay") == "Lena Ostrova"


def test_coref_he_is_the_latest_speaker_not_a_person_named_in_a_statement() -> None:
    text = ("Piet Haldane, a city councillor, said the vote on the new bridge would be held in June.\n\n"
            "Haldane said that Anna Ruud, the planning chief, had approved the drawings.\n\n"
            "He added that the bridge would open in 2031.\n")
    assert _speaker_of(text, "the bridge would open") == "Piet Haldane"


def test_coref_first_person_in_a_letter_is_its_signature() -> None:
    text = ("LETTERS.\n\n"
            "I wrote to the council last year that the ferry fares were far too high for families.\n\n"
            "Nobody answered, and the fares went up again in March.\n\n"
            "Marta Solberg.\n\n"
            "Veldhaven.\n")
    assert _speaker_of(text, "the ferry fares were") == "Marta Solberg"


def test_coref_role_noun_is_the_person_with_that_title() -> None:
    text = ("Sen. Ines Kovac toured the Veldhaven shipyard on Friday with two union leaders.\n\n"
            "The senator said the yard would receive new funding before the winter.\n")
    assert _speaker_of(text, "the yard would receive") == "Ines Kovac"


def test_coref_the_statement_is_its_issuer() -> None:
    text = ("The Veldmark Port Authority said in a statement that the north berth was closed after a collision.\n\n"
            "The statement added that repairs would take at least a week.\n")
    assert _speaker_of(text, "repairs would take") == "Veldmark Port Authority"


def test_coref_possessive_office_is_the_possessor() -> None:
    text = ("Mayor Lena Ostrova opened the new library on Tuesday.\n\n"
            "Her office said that the building had cost less than planned.\n")
    assert _speaker_of(text, "the building had cost") == "Lena Ostrova"


@pytest.mark.parametrize("sentence", [
    "An official said the talks on the fishing quota had stalled.",
    "The official said the talks on the fishing quota had stalled.",
])
def test_coref_unnamed_people_stay_null(sentence: str) -> None:
    text = "Veldmark and Ostland met in Brussels on Monday.\n\n" + sentence + "\n"
    assert _speaker_of(text, "the talks on the fishing") is None


def test_coref_disabled_keeps_the_older_rules() -> None:
    text = ("The Veldmark Port Authority said in a statement that the north berth was closed after a collision.\n\n"
            "The statement added that repairs would take at least a week.\n")
    with coref.disabled():
        assert _speaker_of(text, "repairs would take") is None
    assert coref.enabled()


def test_coref_the_latter_is_the_last_named_before_it() -> None:
    text = ("The ministry confirmed that Prime Minister Anna Ruud called President Tomas Brandt on Friday, "
            "while the latter said that his government was ready to resume the ferry talks.\n")
    assert _speaker_of(text, "his government was ready") == "Tomas Brandt"


def test_coref_first_person_of_a_column_is_the_writer_its_last_line_presents() -> None:
    text = ("Ferry fares in Veldhaven have doubled in two years.\n\n"
            "I told the harbour board last week that the new fares would empty the morning boats.\n\n"
            "Nobody on the board has answered yet.\n\n"
            "Brandvold is a reporter for the Veldhaven Courier.\n")
    assert _speaker_of(text, "the new fares would empty") == "Brandvold"
    assert _speaker_of(text.replace("is a reporter for", "is the town on"), "the new fares would empty") is None


def test_coref_relative_clause_on_a_predicate_noun_is_the_subject() -> None:
    text = "The ferry dispute was raised by Oskar Lind. Lind is a councillor who said the fares were unfair.\n"
    assert _speaker_of(text, "the fares were unfair") == "Oskar Lind"


def test_coref_shared_surname_is_the_person_named_most() -> None:
    text = ("Sen. Marta Quist and her brother Tomas Quist spoke in Veldhaven. Marta Quist said the bridge was "
            "unsafe. Marta Quist said the ferry was late. Tomas Quist said nothing.\n\n"
            "Quist said the council had ignored the warnings.\n")
    assert _speaker_of(text, "the council had ignored") == "Marta Quist"


def test_coref_the_company_is_the_organisation_that_spoke_just_before() -> None:
    text = ("The Halden Trading Company lost the port contract last year.\n\n"
            "Veldtron Shipping says its yards have doubled their output since then.\n\n"
            "The company said the new cranes would arrive in May.\n")
    assert _speaker_of(text, "the new cranes would") == "Veldtron Shipping"


def test_coref_the_governor_is_the_one_in_office_not_a_former_governor() -> None:
    text = ("Former Gov. Lena Ostrova and Gov. Piet Haldane toured the new quay on Monday.\n\n"
            "\"This quay will serve the town for fifty years,\" the governor said.\n")
    assert _speaker_of(text, "This quay will serve") == "Piet Haldane"


def test_coref_group_noun_with_a_place_possessor_is_still_the_group() -> None:
    text = ("The Veldhaven Anglers Association says the new fishing rules are unfair.\n\n"
            "The nation's largest fishing group said the rules would cost 2,000 jobs.\n")
    assert _speaker_of(text, "the rules would cost") == "Veldhaven Anglers Association"


def test_coref_first_and_surname_after_a_role_is_a_person_whatever_the_tagger_says() -> None:
    text = ("Former Veldtron CEO Karen Holt named a quiet harbour as her favourite place.\n\n"
            "She said the harbour was the best in the country.\n")
    assert _speaker_of(text, "the harbour was the best") == "Karen Holt"


def test_coref_relative_pronoun_after_a_misparsed_name_is_the_name_before_it() -> None:
    text = ("The story was traced to a website called Harbour News Right Now, which claimed that the mayor "
            "had resigned.\n")
    speaker = _speaker_of(text, "the mayor had resigned")
    assert speaker is not None and speaker.startswith("Harbour News")


def test_coref_mrs_with_a_shared_surname_is_the_woman() -> None:
    text = ("Martha Quist and her husband Thomas Quist own the ferry company. Thomas Quist runs the boats. "
            "Thomas Quist hired ten crew.\n\n"
            "Mrs. Quist said the fares would stay the same.\n")
    assert _speaker_of(text, "the fares would stay") == "Martha Quist"


def test_coref_an_age_description_is_the_person_in_view() -> None:
    text = ("The harbour film was made by Joris Veldt, who has starred in two ferry dramas. Veldt posted the "
            "clip online on Thursday.\n\n"
            "\"Every boat deserves a captain,\" the 43-year-old said.\n")
    assert _speaker_of(text, "Every boat deserves") == "Joris Veldt"


def test_coref_he_is_the_main_subject_not_one_in_a_subordinate_clause() -> None:
    text = ("Piet Haldane, the harbour master, recalled the winter when Tomas Brandt first took charge of "
            "the port. \"The cranes froze every night,\" he said.\n")
    assert _speaker_of(text, "The cranes froze") == "Piet Haldane"


def test_coref_he_with_no_subject_in_view_is_a_man_named_in_the_sentence_before() -> None:
    text = ("The ferry advert shows a clip of an interview with Thomas Brandt, filmed in the spring.\n\n"
            "In the clip he says the new boats will be cheaper than the old ones.\n")
    assert _speaker_of(text, "the new boats will be") == "Thomas Brandt"


def test_coref_relative_after_a_list_of_predicate_nouns_is_the_subject() -> None:
    text = ("Editor's note: Joris Veldt is a harbour pilot, a ferry captain, a part-time baker and a critic "
            "who has said the new bridge will ruin the harbour.\n")
    assert _speaker_of(text, "the new bridge will ruin") == "Joris Veldt"


def test_coref_relative_after_a_list_of_names_is_the_last_name() -> None:
    text = ("The mayor dismissed criticism from Anna Ruud, Piet Haldane and Marta Solberg, a baker "
            "and former councillor who has said the harbour fees are too high.\n")
    assert _speaker_of(text, "the harbour fees are") == "Marta Solberg"


def test_coref_the_group_is_the_name_inside_its_earlier_description() -> None:
    text = ("Veldtron Insurance says it will leave the market. Veldtron is a small insurer in most towns.\n\n"
            "This week the trade group for the Blue Harbour Green Shield plans, which dominate the north, "
            "spelled out its worries. \"The ferry market is out of balance,\" the group wrote.\n")
    assert _speaker_of(text, "The ferry market is out") == "Blue Harbour Green Shield"


def test_coref_first_person_of_an_introduced_book_excerpt_is_its_author() -> None:
    text = ("Harbour Days, part 2.\n\n"
            "Editor's note: The following is an excerpt from harbour pilot Joris Veldt's new memoir, "
            "Harbour Days.\n\n"
            "The storm came in the night and the boats were still out.\n\n"
            "\"Nobody move,\" I said, and I told the crew the ferry would wait until dawn.\n")
    assert _speaker_of(text, "the ferry would wait") == "Joris Veldt"


def test_coref_first_person_of_an_introduced_speech_is_its_speaker() -> None:
    text = ("The speech we want to hear.\n\n"
            "On Friday, Mayor Lena Ostrova will give her budget speech at the town hall. Here is the "
            "version we would like to see on her teleprompter.\n\n"
            "Friends and neighbours. I am here to tell you that the ferry fares will fall next year.\n")
    assert _speaker_of(text, "the ferry fares will fall") == "Lena Ostrova"


def test_coref_a_name_addressed_in_the_quote_is_not_the_speaker() -> None:
    text = ("Sen. Lance Ostrova recorded a video message for the mayor on Monday.\n\n"
            "\"My dear Anna Ruud,\" the senator says into the camera. \"The harbour will be full of boats "
            "this summer.\"\n")
    assert _speaker_of(text, "The harbour will be full") == "Lance Ostrova"


def test_coref_an_epithet_is_the_person_its_sentence_is_about() -> None:
    text = ("Piet Haldane said the fees were fair. Thomas Brandt said the fees were too high.\n\n"
            "The prospect of Haldane's visit to the port had caused anger, largely because the "
            "businessman said the ferry would close on Sundays.\n")
    assert _speaker_of(text, "the ferry would close") == "Piet Haldane"


def test_coref_it_after_a_document_subject_is_the_document_not_a_firm() -> None:
    text = ("Veldtron Media fired its host on Monday after a post he shared.\n\n"
            "The post showed a drawing of a ferry on fire. It says: \"Burn the boats before they sink.\"\n")
    assert _speaker_of(text, "Burn the boats") is None


def test_coref_the_study_is_whoever_found_its_findings() -> None:
    text = ("Dr. Anna Ruud and her colleagues found that ferry fares rose fastest in the north.\n\n"
            "Fares in the south rose more slowly, the study concluded.\n")
    assert _speaker_of(text, "Fares in the south") == "Anna Ruud"


def test_coref_it_in_a_dependent_clause_is_the_group_of_the_main_clause() -> None:
    text = ("Veldtron Insurance says it will leave the ferry market. Veldtron is a small insurer.\n\n"
            "This week the trade group for the Blue Harbour Green Shield plans, which dominate the north, "
            "spelled out its worries as it commented that the ferry market was out of balance.\n")
    assert _speaker_of(text, "the ferry market was out") == "Blue Harbour Green Shield"


def test_coref_who_after_plural_common_noun_is_no_one_named() -> None:
    text = ("The vote tends to favour the leader, as it does this year for Anna Ruud, who leads Piet Haldane "
            "40 to 12 among delegates who have said they will vote for her.\n")
    assert _speaker_of(text, "they will vote for her") is None


def test_coref_relative_in_a_cleft_is_the_noun_not_it() -> None:
    text = ("Veldtron Party leaders said the deadline went unnoticed in many districts.\n\n"
            "But it's the selection process that explains why Anna Ruud is sure to lose the vote.\n")
    assert _speaker_of(text, "why Anna Ruud is sure") is None


def test_coref_his_office_statement_is_the_man_named_just_before() -> None:
    text = ("Rep. Zoe Ostrova, who wrote the ferry bill, said in a statement that the changes were a first "
            "step.\n\n"
            "The bill, also backed in the Senate by the harbour caucus, would fund two new boats.\n\n"
            "Critics quickly pounced on the plan, tying it to the port's debts and, in Sen. David Brandt's "
            "case, to safety. His office put out a statement saying the port could not cope with more "
            "ferries.\n")
    assert _speaker_of(text, "the port could not cope") == "David Brandt"


def test_coref_he_is_not_a_firm_the_tagger_calls_a_person_in_his_sentence() -> None:
    from spacy.tokens import Span

    text = ("Nicole Varga, a Brandt worker, said she was undecided. \"If Brandt paid more, they'd stay,\" she "
            "said.\n\nThomas Veldt, 55, started work at Brandt 24 years ago. \"I have two brothers in Ostland,\" he "
            "said.\n\nBut when it comes to Brandt, ''we have all worked hard,'' he said. ''And now they want to "
            "close?''\n")
    doc = load_nlp()(text)
    firm = [t.i for t in doc if t.text == "Brandt"]
    doc.ents = [e for e in doc.ents if not any(e.start <= i < e.end for i in firm)] \
        + [Span(doc, i, i + 1, label="PERSON") for i in firm]  # the tagger's mistake, as it makes it
    statements, mentions = find_statements(doc)
    names = {m["key"]: m["name"] for m in mentions}
    closing = [s for s in statements if "they want to close" in text[s["start"] : s["end"]]]
    assert closing and names.get(closing[0]["speaker_key"]) == "Thomas Veldt"
