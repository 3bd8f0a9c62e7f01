"""The evaluation's arithmetic and the story-attribution context, on hand-made numbers."""
import numpy as np
import pytest

from plumbline.evaluation import (CompanyData, Predicted, f1_interval, expected_calibration_error, fit_story_weights, metrics,
                                  stories_for)
from plumbline.judge.features import SentenceScores, pick_stories, stem, story_terms, story_word_scores
from plumbline.model import LABELS


def test_pick_stories_without_context_is_the_best_match():
    m = np.array([[0.50, 0.49], [0.1, 0.9]])
    assert list(pick_stories(m, [("a", 0, None)] * 2, 0.0)) == [0, 1]


def test_neighbours_in_the_same_message_break_a_near_tie_but_not_a_clear_choice():
    m = np.array([[0.50, 0.49], [0.1, 0.9], [0.9, 0.1]])
    same = [("a", 0, "rep")] * 2 + [("b", 0, "rep")]
    assert list(pick_stories(m, same, 0.2)) == [1, 1, 0]  # row 0 leans to its neighbour's story
    apart = [("a", 0, "rep"), ("a", 1, "rep"), ("b", 0, "rep")]
    assert list(pick_stories(m, apart, 0.2)) == [0, 1, 0]  # another message is not a neighbour
    other_speaker = [("a", 0, "rep"), ("a", 0, "other rep"), ("b", 0, "rep")]
    assert list(pick_stories(m, other_speaker, 0.2)) == [0, 1, 0]


def test_story_words_break_a_near_tie_only_with_weight():
    m = np.array([[0.50, 0.49], [0.1, 0.9]])
    words = np.array([[0.0, 1.0], [0.0, 0.0]])
    groups = [("a", 0, None), ("b", 0, None)]
    assert list(pick_stories(m, groups, 0.0, words, 0.0)) == [0, 1]
    assert list(pick_stories(m, groups, 0.0, words, 0.1)) == [1, 1]
    assert list(pick_stories(m, groups, 0.0, None, 0.1)) == [0, 1]  # no word scores: similarity alone


def test_attribution_averages_a_storys_best_exemplars_so_one_lucky_line_does_not_win():
    from plumbline.judge.features import _per_entry_best

    sentence = np.array([[1.0, 0.0]])
    # story 0: one close exemplar and two far ones; story 1: three fairly close ones
    rows = np.array([[0.9, 0.1], [0.0, 1.0], [0.1, 0.9], [0.7, 0.3], [0.7, 0.3], [0.6, 0.4]])
    owner = np.array([0, 0, 0, 1, 1, 1])
    assert _per_entry_best(sentence @ rows.T, owner, 2).argmax() == 0  # the single best exemplar
    assert _per_entry_best(sentence @ rows.T, owner, 2, top=3).argmax() == 1
    two = _per_entry_best(sentence @ rows[[0, 3]].T, np.array([0, 1]), 2, top=3)  # fewer than three: all of them
    assert np.allclose(two, [[0.9, 0.7]])


def test_stem_folds_plurals_but_not_double_s():
    assert [stem(w) for w in ("drivers", "business", "gas", "fleets", "bus")] == ["driver", "business", "gas", "fleet", "bus"]


def test_story_terms_weigh_words_by_how_few_stories_use_them():
    from plumbline.model import PlumbLine, Story

    stories = (Story(id="a", title="Installers at night", kind="story", body="Our installers come at night.", path="a.md",
                     examples=("Our installers come at night.",)),
               Story(id="b", title="Fuel savings", kind="story", body="Acme cuts fuel costs at night.", path="b.md",
                     examples=("Acme cuts fuel costs at night.",)),
               Story(id="c", title="Night proof", kind="story", body="Fleets trust us at night.", path="c.md", examples=()),
               Story(id="x", title="Discounts", kind="avoid", body="Never discount fuel.", path="x.md", examples=()))
    terms = story_terms(PlumbLine(path="p", stories=stories, brand_names=("Acme",)))
    assert len(terms) == 3  # stories only, in order
    assert "night" not in terms[0]  # every story says it: no evidence
    assert terms[0]["installer"] == pytest.approx(np.log(3))  # plural folded, one story of three
    assert "acme" not in terms[1]  # brand names masked
    scores = story_word_scores(["The installers will be there", "", "Fuel and costs"], terms)
    assert scores.shape == (3, 3)
    assert scores[0].argmax() == 0 and scores[0, 1] == 0 and not scores[1].any()
    assert scores[2, 1] == pytest.approx(2 * np.log(3) / np.sqrt(2))  # fuel, cost over sqrt(2 content words)


def test_expected_calibration_error():
    conf = np.array([0.95, 0.95, 0.95, 0.95, 0.55, 0.55])
    correct = np.array([1, 1, 1, 0, 1, 0], dtype=bool)
    # bin 0.9-1.0: |0.75-0.95| × 4/6; bin 0.5-0.6: |0.5-0.55| × 2/6
    assert expected_calibration_error(conf, correct) == pytest.approx(0.2 * 4 / 6 + 0.05 * 2 / 6)
    assert expected_calibration_error(np.array([]), np.array([], dtype=bool)) == 0.0


def company(gold, gold_story, matrix, groups):
    scores = SentenceScores(np.zeros((len(gold), 1)), ["x"] * len(gold), np.zeros(len(gold)), [None] * len(gold),
                            np.zeros(len(gold)), np.asarray(matrix, dtype=float), tuple(groups))
    return CompanyData(None, scores, list(gold), list(gold_story), [""] * len(gold), [""] * len(gold), 0, 0, 0, 0,
                       None, ("s1", "s2"))


def onehot(labels, confidence=0.9):
    p = np.full((len(labels), len(LABELS)), (1 - confidence) / (len(LABELS) - 1))
    for i, label in enumerate(labels):
        p[i, LABELS.index(label)] = confidence
    return p


def test_metrics_count_flagged_neutral_and_stories():
    d = company(["aligned", "drift", "off-message", "neutral", "neutral"], ["s1", None, None, None, None],
                [[0.9, 0.1]] * 5, [("m", 0, None)] * 5)
    predicted = Predicted(onehot(["aligned", "drift", "neutral", "off-message", "neutral"]), ["s2"] * 5)
    m = metrics([d], [predicted])
    # drift→drift is a true positive, off-message→neutral a miss, neutral→off-message a false alarm
    assert (m["flagged_precision"], m["flagged_recall"], m["flagged_f1"]) == (0.5, 0.5, 0.5)
    assert m["neutral_flagged"] == 1 and m["story_attribution"] == 0.0
    assert m["label_accuracy"] == pytest.approx(3 / 5)


def test_check_scores_count_what_the_discount_rule_flags_as_well():
    d = company(["off-message", "neutral", "aligned"], [None, None, "s1"], [[0.9, 0.1]] * 3, [("m", 0, None)] * 3)
    d.rule_flagged = (True, True, False)  # the rule catches the missed offer, and fires on a neutral line
    m = metrics([d], [Predicted(onehot(["aligned", "neutral", "aligned"]), ["s1"] * 3)])
    assert m["flagged_recall"] == 0.0 and m["neutral_flagged"] == 0  # the judge alone misses it
    assert (m["check_flagged_precision"], m["check_flagged_recall"]) == (0.5, 1.0)
    assert m["check_neutral_flagged"] == 1
    without_rule = company(["off-message"], [None], [[0.9, 0.1]], [("m", 0, None)])
    assert metrics([without_rule], [Predicted(onehot(["drift"]), [None])])["check_flagged_f1"] == 1.0


def test_f1_interval_brackets_the_score_and_narrows_with_more_sentences():
    labels = ["drift", "off-message", "neutral", "aligned"] * 5
    judged = ["drift", "neutral", "drift", "aligned"] * 5  # F1 0.5 on any multiple of this block
    small = company(labels, [None] * 20, [[0.9, 0.1]] * 20, [("m", 0, None)] * 20)
    large = company(labels * 20, [None] * 400, [[0.9, 0.1]] * 400, [("m", 0, None)] * 400)
    low, high = f1_interval([small], [Predicted(onehot(judged), [None] * 20)])
    assert low < 0.5 < high
    big_low, big_high = f1_interval([large], [Predicted(onehot(judged * 20), [None] * 400)])
    assert low < big_low < 0.5 < big_high < high
    assert f1_interval([small], [Predicted(onehot(labels), [None] * 20)]) == (1.0, 1.0)


def test_story_context_is_fitted_on_labelled_stories_and_stays_off_when_it_does_not_help():
    tie_broken = company(["aligned", "aligned"], ["s2", "s2"], [[0.50, 0.49], [0.1, 0.9]], [("m", 0, None)] * 2)
    assert stories_for(tie_broken, 0.0) == ["s1", "s2"]
    context, word_weight = fit_story_weights([tie_broken])
    assert context > 0 and word_weight == 0.0  # no word scores: the smallest word weight on the tie
    assert stories_for(tie_broken, context) == ["s2", "s2"]
    independent = company(["aligned", "aligned"], ["s1", "s2"], [[0.50, 0.49], [0.1, 0.9]], [("m", 0, None)] * 2)
    assert fit_story_weights([independent]) == (0.0, 0.0)


def test_story_word_weight_is_fitted_when_the_words_decide():
    apart = [("m", 0, None), ("n", 0, None)]
    d = company(["aligned", "aligned"], ["s2", "s2"], [[0.50, 0.49], [0.1, 0.9]], apart)
    d.scores = SentenceScores(d.scores.features, d.scores.best_story, d.scores.story_score, d.scores.best_avoid,
                              d.scores.avoid_score, d.scores.story_matrix, d.scores.groups, np.array([[0.0, 0.5], [0.0, 0.0]]))
    context, word_weight = fit_story_weights([d])
    assert context == 0.0 and word_weight > 0
    assert stories_for(d, context, word_weight) == ["s2", "s2"]


@pytest.fixture(scope="module")
def three_companies(tmp_path_factory):
    """Three bundled companies, segmented and embedded with the fake encoder."""
    import os
    import shutil

    from conftest import CORPUS, FakeEncoder
    from plumbline.evaluation import load_corpus

    root = tmp_path_factory.mktemp("corpus")
    for name in ("atlas", "keystone", "northwind"):
        shutil.copytree(os.path.join(CORPUS, "companies", name), root / name)
    return load_corpus(str(root), FakeEncoder())


def test_train_save_load_and_leave_one_company_out(three_companies, tmp_path):
    from plumbline.evaluation import leave_one_company_out, predict, train_model
    from plumbline.judge.classifier import load, save

    data = three_companies
    assert [d.company.name for d in data] == ["atlas", "keystone", "northwind"]
    assert all(d.prospect_judged == 0 and d.unmatched == 0 and len(d.gold) > 100 for d in data)
    model = train_model(data, meta={"embedding_model": "torch:fake@1"})
    assert model.temperature > 0 and model.story_context in (0.0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3)
    save(model, str(tmp_path / "judge.json"))
    again = load(str(tmp_path / "judge.json"))
    for label, texts in again.references.items():
        rows = again.reference_matrices("onnx:fake@1")[label]
        assert rows.shape == (len(texts), data[0].vectors.shape[1])
    assert np.allclose(predict(again, data[0], data[1:]).proba, predict(model, data[0], data[1:]).proba, atol=1e-5)
    predicted = leave_one_company_out(data)
    assert [len(p.stories) for p in predicted] == [len(d.gold) for d in data]
    m = metrics(data, predicted)
    assert m["sentences"] == sum(len(d.gold) for d in data) and 0 <= m["ece"] <= 1
    assert m["flagged_f1"] > 0.3  # far above chance even with a bag-of-words fake encoder


def test_transplants_are_other_companies_story_lines_labelled_drift(three_companies):
    from plumbline.evaluation import transplants

    data = three_companies
    from plumbline.judge.features import FEATURES

    fake, donors = transplants(data[0], data, n=12)
    assert data[0].company.name not in donors and donors
    assert len(fake.gold) >= 12 and set(fake.gold) == {"drift"} and fake.who == data[0].company.name
    donor_aligned = {t for d in data if d.company.name in donors for t, g in zip(d.texts, d.gold) if g == "aligned"}
    assert set(fake.texts) <= donor_aligned  # story-telling lines of the donors, none of the company's own
    assert fake.scores.features.shape == (len(fake.gold), data[0].scores.features.shape[1])
    assert len(fake.scores.best_story) == len(fake.scores.groups) == len(fake.scores.story_matrix) == len(fake.gold)
    # scored within their donor messages: a transplant told beside other sentences keeps that
    # context (scored alone, every one had none, and the judge learnt "no neighbours = drift")
    no_context = fake.scores.features[:, FEATURES.index("no_context")]
    assert (no_context < 0.5).mean() > 0.5
    again, _ = transplants(data[0], data, n=12)
    assert again.texts == fake.texts  # seeded by the company's name: a retrain is reproducible


def test_companions_share_the_plumb_line_and_never_score(three_companies, tmp_path):
    from dataclasses import replace

    from conftest import FakeEncoder
    from plumbline.corpus_background import companion_companies
    from plumbline.evaluation import leave_one_company_out, prepare_company, primary, train_model

    writer = tmp_path / "background" / "writer-x"
    writer.mkdir(parents=True)
    (writer / "pitches.tsv").write_text("category\ttext\n" + "".join(
        f"{cat}\t{text}\n" for cat, text in [("discount", "Half off everything until Sunday."),
                                             ("offtopic", "Follow my travel blog for weekly photos."),
                                             ("guarantee", "Results guaranteed or you pay nothing."),
                                             ("unknown", "This row has a category no label maps to.")]), encoding="utf-8")
    (writer / "neutral.tsv").write_text("register\ttext\nemail\tThanks for the quick reply.\ncall\tCan you hear me okay?\n",
                                        encoding="utf-8")
    data = three_companies
    companions = companion_companies([d.company for d in data], str(tmp_path / "background"), str(tmp_path / "out"))
    assert [owner for _, owner in companions] == [d.company.name for d in data]
    assert all(c.plumbline_path == d.company.plumbline_path for (c, _), d in zip(companions, data))
    extra = [replace(prepare_company(c, FakeEncoder()), owner=owner) for c, owner in companions]
    labels = sorted(g for e in extra for g in e.gold)
    assert labels == ["drift", "neutral", "neutral", "off-message", "off-message"]  # each line dealt once; unknown skipped
    everything = data + extra
    assert primary(everything) == data
    assert len(leave_one_company_out(everything)) == len(data)  # companions train, never score
    model = train_model(everything)
    assert sum(len(v) for v in model.references.values()) == sum(len(d.gold) for d in everything)


def test_malformed_background_table_is_a_one_line_error(tmp_path):
    from plumbline.corpus import CorpusError
    from plumbline.corpus_background import background_lines

    (tmp_path / "w").mkdir()
    (tmp_path / "w" / "pitches.tsv").write_text("kind\tline\ndiscount\tHalf off.\n", encoding="utf-8")
    with pytest.raises(CorpusError, match="pitches.tsv: needs columns category and text"):
        background_lines(str(tmp_path))
