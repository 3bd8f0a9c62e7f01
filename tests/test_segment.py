"""Sentences come out with the source line and column where they start, and spaCy cues."""
import pytest

from plumbline.model import Block, Message
from plumbline.segment import mask_brand, segment_messages, text_units

EMAIL = """Hi Sam,

Thanks for your time on Tuesday. Acme is basically an HR suite now, and
we can knock 20% off if you sign by Friday. I guarantee you will never see an error again.

Best,
Dana Whitfield
Account Executive | Acme Payroll
"""


def segment(text, **block):
    return segment_messages([Message(path="m.txt", blocks=(Block(text=text, line=1, **block),))], ("Acme", "Acme Payroll"))


def test_lines_columns_and_standalone_lines():
    got = [(s.line, s.column, s.text) for s in segment(EMAIL)]
    assert got == [
        (1, 1, "Hi Sam,"),
        (3, 1, "Thanks for your time on Tuesday."),
        (3, 34, "Acme is basically an HR suite now, and we can knock 20% off if you sign by Friday."),
        (4, 45, "I guarantee you will never see an error again."),
        (6, 1, "Best,"),
        (7, 1, "Dana Whitfield"),
        (8, 1, "Account Executive | Acme Payroll"),
    ]


def test_cues_and_brand_masking():
    by_text = {s.text[:12]: s for s in segment(EMAIL)}
    drift = by_text["Acme is basi"]
    assert {"discount:percent-off", "discount:expiring-offer"} <= set(drift.signals)
    assert drift.mentions_brand and drift.embed_text.startswith("the company is basically")
    assert "guarantee:guarantee" in by_text["I guarantee "].signals
    assert not by_text["Hi Sam,"].has_verb is True or by_text["Hi Sam,"].n_tokens == 2


def test_block_offsets_columns_and_line_map():
    [first, second] = segment("Hello there.\nWe remove risk.", column=10, line_offsets=(5, 9))
    assert (first.line, first.column) == (5, 10)
    assert (second.line, second.column) == (9, 1)


def test_unjudged_blocks_are_never_segmented():
    message = Message(path="t.txt", blocks=(Block("We are cheap.", 1, speaker="Pat", judged=False),
                                            Block("We remove risk.", 2, speaker="Dana")))
    assert [s.text for s in segment_messages([message])] == ["We remove risk."]


def test_text_units_join_wrapped_lines_only():
    text = "Hi Sam,\nThis sentence is wrapped across two lines because the\nemail client wrapped it.\n\nThanks"
    assert [u for _, u in text_units(text)] == [
        "Hi Sam,", "This sentence is wrapped across two lines because the email client wrapped it.", "Thanks"]


def test_short_wrapped_line_joins_a_lowercase_continuation():
    text = "Here's a quick\nsummary before the formal quote arrives.\nDana Whitfield\nAccount Executive"
    assert [u for _, u in text_units(text)] == [
        "Here's a quick summary before the formal quote arrives.", "Dana Whitfield", "Account Executive"]


def test_short_line_cut_mid_phrase_joins_a_capitalised_continuation():
    text = "Hi Ana,\nThe suite you saw, with\nRosa and Mei next door, would be hers.\nBest,\nClaire Donnelly"
    assert [u for _, u in text_units(text)] == [
        "Hi Ana,", "The suite you saw, with Rosa and Mei next door, would be hers.", "Best,", "Claire Donnelly"]


def test_mask_brand_is_whole_word_and_case_insensitive():
    assert mask_brand("ACME's plan beats Acmeville", ("Acme",)) == ("the company's plan beats Acmeville", True)
    assert mask_brand("nothing here", ()) == ("nothing here", False)


@pytest.mark.parametrize("text,present,absent", [
    ("List is 42 a truck, but for you I can do 35 if we sign this month.", "discount:special-price", None),
    ("There's another two grand off on top if the paperwork is done tonight.", "discount:percent-off", None),
    ("I can take $500 off the install.", "discount:percent-off", None),
    ("We'll beat Valley Wholesale on any item by ten percent.", "discount:price-match", None),
    ("Alerts took 30 minutes off each shift handover.", None, "discount:percent-off"),
    ("I won't promise that, because anyone who does is guessing.", "hedge:refuses-guarantee", "guarantee:guarantee"),
    ("No one can guarantee that.", "hedge:refuses-guarantee", "guarantee:guarantee"),
    ("I promise you will never lose a lawsuit.", "guarantee:guarantee", "hedge:refuses-guarantee"),
    ("As promised, here is the deck.", None, "guarantee:guarantee"),
    ("If you sign up on this call, the first two months are on us.", "discount:free-period", None),
    ("The first two months on the platform are for setup.", None, "discount:free-period"),
    ("We're the only HVAC company in the region with a parts warehouse.", "claim:superlative", None),
    ("Our batteries are just better than what everyone else uses.", "claim:superlative", None),
    ("The only thing we need is your payroll register.", None, "claim:superlative"),
    ("I got you special launch pricing, but it expires this Friday.", "discount:special-price", None),
    ("And that ten percent is only good through Friday.", "discount:expiring-offer", None),
    ("I could do the first two months at half price.", "discount:special-price", None),
    ("Book before the holidays and December is on the house.", "discount:free-period", None),
    ("I'll add French at no cost for the first three months.", "discount:free-period", None),
    ("It's included at no extra cost.", None, "discount:free-period"),
    ("We're available until Friday.", None, "discount:expiring-offer"),
    ("A covered claim never gets denied.", "claim:absolute", None),
    ("You won't see a single error go live.", "claim:absolute", None),
    ("Get me their invoice and we'll come in under it.", "discount:price-match", None),
    ("We've priced the whole order below what Granite Supply charges.", "discount:price-match", None),
    ("I'll have finance waive the first quarter's setup fees.", "discount:free-period", None),
    ("Sign this month and the onboarding fee is waived.", "discount:free-period", None),
    ("The first pallet of filters is on us.", "discount:free-period", None),
    ("If a seal we fitted ever leaks, it's on us to fix.", None, "discount:free-period"),
    ("I can throw in the second site if you commit today.", "discount:free-period", None),
    ("The waiver wording goes on the certificate.", None, "discount:free-period"),
    ("Nobody outside your team will ever open those files.", "claim:absolute", None),
    ("You won't lose another shift to a jammed press.", "claim:absolute", None),
    ("Did you ever get the report we sent?", None, "claim:absolute"),
    ("Would you like the lowest rates in town and next-day shipping?", "claim:offer", None),
    ("Want me to set you up with my brother's landscaping crew?", "claim:offer", None),
    ("If you're interested in the tour, I can show you the warehouse.", "claim:offer", None),
    ("How many sites do you run today?", None, "claim:offer"),
    ("Do you want to loop in finance on Thursday?", "claim:offer", None),
    ("We'd need the order signed by Friday to get the crane booked.", None, "discount:expiring-offer"),
    ("As I said, we need it signed by Friday for the crane.", None, "discount:expiring-offer"),
    ("As long as it's signed by Friday, the install crew keeps that slot and the price.", "discount:expiring-offer", None),
    ("The proposal is valid through March 31.", None, "discount:expiring-offer"),
    ("Repeats are billed at the lower match rate.", None, "discount:price-match"),
    ("Send me their number and we'll match their rate.", "discount:price-match", None),
])
def test_discount_guarantee_and_refusal_cues(text, present, absent):
    [sentence] = segment(text)
    if present:
        assert present in sentence.signals
    if absent:
        assert absent not in sentence.signals


@pytest.mark.parametrize("text,present", [
    # issue 16 item 6: free with a deadline, "this month only", "who signs before"
    ("This month only, the first 500 sensors are free for new customers who sign before the 31st.",
     {"discount:free-with-deadline", "discount:expiring-offer"}),
    ("Onboarding is complimentary for teams that sign by Friday.", {"discount:free-with-deadline"}),
    ("This week only: the premium connector comes free with every annual plan.", {"discount:expiring-offer"}),
    ("Anyone who signs up before Monday gets the training seats at no cost.", {"discount:free-with-deadline"}),
    ("The audit module is free for anyone who commits by the end of the quarter.", {"discount:free-with-deadline"}),
    # a free product and a delivery date are not offers
    ("The starter tier is free for up to five users.", set()),
    ("Our free tier stays free, with no deadline and no card.", set()),
    ("The migration is free, and we finish it before the end of the quarter.", set()),
    ("We ship before the 15th of each month.", set()),
    ("I'll be in the office today only, back Monday.", set()),
])
def test_free_with_a_deadline_is_an_offer(text, present):
    [sentence] = segment(text)
    assert {s for s in sentence.signals if s.startswith("discount:")} >= present
    if not present:
        assert not [s for s in sentence.signals if s.startswith("discount:")]


@pytest.mark.parametrize("text,present", [
    ("Sign by the end of the month and the rate holds.", "discount:expiring-offer"),
    ("If you book before next Friday I can keep it.", "discount:expiring-offer"),
    ("Close by the 30th and it is yours.", "discount:expiring-offer"),
    ("The deal is only good until this quarter closes.", "discount:expiring-offer"),
])
def test_deadlines_without_ner(text, present):
    """Expiring offers are found by date patterns (no statistical NER on the hot path)."""
    [sentence] = segment(text)
    assert present in sentence.signals


@pytest.mark.parametrize("text,entities", [
    ("It costs $40,000 a year, 20% less than the 25 percent you pay now.",
     (("MONEY", "$40,000"), ("PERCENT", "20%"), ("PERCENT", "25 percent"))),
    ("We may be able to start next week or in May.", (("DATE", "next week"), ("DATE", "May"))),
    ("Five thousand dollars over three years.", (("MONEY", "Five thousand dollars"),)),
    ("Our team handles the rest.", ()),
])
def test_amount_and_date_entities_from_patterns(text, entities):
    [sentence] = segment(text)
    assert sentence.entities == entities


def test_only_short_sentences_are_tagged_for_verbs():
    by_text = {s.text: s for s in segment("Best regards,\n\nDana Whitfield\n\nWe keep every filing on time in all states.")}
    assert not by_text["Best regards,"].has_verb and not by_text["Dana Whitfield"].has_verb
    assert by_text["We keep every filing on time in all states."].has_verb


def test_a_pattern_on_an_attribute_segmentation_never_sets_is_refused(monkeypatch):
    from plumbline import signals
    from plumbline.segment import load_nlp

    monkeypatch.setitem(signals.CLAIM_PATTERNS, "dated", [[{"ENT_TYPE": "DATE"}]])
    with pytest.raises(ValueError, match="claim:dated uses \\['ENT_TYPE'\\]"):
        signals.build_matcher(load_nlp().vocab)


def test_person_names_for_redaction():
    from plumbline.segment import person_names

    assert "Jennifer Martinez" in person_names(["I told Jennifer Martinez from finance about it.", "", "Thanks."])
    assert person_names([]) == []


def test_a_missing_spacy_pipeline_is_a_clear_error():
    from plumbline.segment import load_nlp

    with pytest.raises(RuntimeError, match="spaCy pipeline 'no_such_pipeline' is not installed$"):
        load_nlp("no_such_pipeline")


@pytest.mark.parametrize("text,sentences", [
    ("Uh, well, it's a partner fleet that only runs for us. Anyway, we hit the dock on time.",
     ["Uh, well, it's a partner fleet that only runs for us.", "Anyway, we hit the dock on time."]),
    ("1. Your volume doubles in the fall, so add a truck. 2. Starting in May we can ship for you.",
     ["1. Your volume doubles in the fall, so add a truck.", "2. Starting in May we can ship for you."]),
    ("Thanks, Dana. See you Friday.", ["Thanks, Dana.", "See you Friday."]),
])
def test_splits_inside_a_sentence_are_mended(text, sentences):
    """A piece opening with a comma continues the sentence before; a lone "1." opens the one after."""
    assert [s.text for s in segment(text)] == sentences


@pytest.mark.parametrize("text,sentences", [
    ("How about Tuesday, March 9? I'm free all afternoon.", ["How about Tuesday, March 9?", "I'm free all afternoon."]),
    ("Does Tuesday, March 9? Works for me.", ["Does Tuesday, March 9?", "Works for me."]),
    ("Would you have twenty minutes the week of March 9? I'm happy to bring a few cases by.",
     ["Would you have twenty minutes the week of March 9?", "I'm happy to bring a few cases by."]),
    ("Does May 4? I'm free, and uh, well, so is Marco.", ["Does May 4?", "I'm free, and uh, well, so is Marco."]),
])
def test_a_question_after_a_date_ends_its_sentence(text, sentences):
    """senter misses the cut after "March 9?" when a capitalised word follows; the mend makes it."""
    assert [s.text for s in segment(text)] == sentences


@pytest.mark.parametrize("text,units", [
    ("We file payroll taxes in every state you hire in and answer every notice\nDana Whitfield\n"
     "Account Executive, Northwind",
     ["We file payroll taxes in every state you hire in and answer every notice", "Dana Whitfield",
      "Account Executive, Northwind"]),
    ("Looking forward to it\nDana Whitfield | Senior Account Executive | Northwind Payroll\n(312) 555-0148\n"
     "dana@northwind.example",
     ["Looking forward to it", "Dana Whitfield | Senior Account Executive | Northwind Payroll", "(312) 555-0148",
      "dana@northwind.example"]),
    ("Please send the signed copy back to\nDana Whitfield", ["Please send the signed copy back to Dana Whitfield"]),
    ("Our filing team sets up the accounts and files in\nIllinois and Ohio.", [
        "Our filing team sets up the accounts and files in Illinois and Ohio."]),
])
def test_signature_lines_are_never_glued_to_a_sentence(text, units):
    """Name, title and contact lines closing a paragraph stand alone, however the line above ends."""
    assert [u for _, u in text_units(text)] == units


def test_an_eml_keeps_the_sign_off_and_signature_like_a_txt_email(tmp_path):
    from plumbline.formats import LoadOptions, load_path

    body = ("Hi Sam,\n\nWe file payroll taxes in every state you hire in.\n\nBest,\nDana\n\n-- \nDana Whitfield\n"
            "Account Executive, Northwind\n(312) 555-0148\nSent from my iPhone\n")
    (tmp_path / "m.eml").write_text("From: Dana Whitfield <dana@northwind.example>\nTo: sam@acme.example\n"
                                    "Subject: Next steps\nDate: Thu, 04 Jun 2026 19:42:11 -0400\n\n" + body)
    (tmp_path / "m.txt").write_text(body.replace("Sent from my iPhone\n", ""))
    options = LoadOptions(reps=("Dana Whitfield",))
    eml, txt = (segment_messages(load_path(str(tmp_path / name), options)) for name in ("m.eml", "m.txt"))
    assert [s.text for s in eml] == [s.text for s in txt] == [
        "Hi Sam,", "We file payroll taxes in every state you hire in.", "Best,", "Dana", "Dana Whitfield",
        "Account Executive, Northwind", "(312) 555-0148"]
    assert [s.line - 5 for s in eml] == [s.line for s in txt]


def test_a_markdown_blank_stays_as_written(tmp_path):
    from plumbline.formats import LoadOptions, load_path

    (tmp_path / "script.md").write_text("# Opening\n\nHi ___, this is __Dana__ from **Northwind**.\n"
                                        "Your team has ____ drivers, right?\n")
    sentences = segment_messages(load_path(str(tmp_path / "script.md"), LoadOptions()))
    assert [s.text for s in sentences] == ["Hi ___, this is Dana from Northwind .", "Your team has ____ drivers, right?"]
