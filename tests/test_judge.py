"""The judge on a small plumb line, with the deterministic fake encoder."""
import json

import numpy as np
import pytest

from plumbline.judge import JudgeSettings, coverage
from plumbline.judge.classifier import JudgeModelError, fit, fit_temperature, load, save
from plumbline.judge.features import FEATURES
from plumbline.judge.rules import RULES
from plumbline.model import LABELS, Block, Message
from plumbline.pipeline import judge_messages, prepare_judge
from plumbline.plumbline_file import load_plumbline

PLUMBLINE = {
    "brand.md": "---\nkind: brand\nnames: [Acme]\n---\n",
    "payroll.md": "---\nid: payroll\ntitle: Payroll run right every time\nkind: story\n---\nAcme runs payroll and files every tax form on time.\n",
    "support.md": "---\nid: support\ntitle: A named specialist\nkind: story\n---\nYou get one named payroll specialist who knows your company.\n",
    "discounts.md": "---\nid: discounts\ntitle: Leading with discounts\nkind: avoid\n---\nDo not lead with price.\n\n- I can take 20 percent off the price today.\n",
}


@pytest.fixture
def plumbline(tmp_path):
    for name, text in PLUMBLINE.items():
        (tmp_path / name).write_text(text)
    return load_plumbline(str(tmp_path))


def judge(plumbline, encoder, text, **settings):
    j = prepare_judge(plumbline, JudgeSettings(judge="thresholds", **settings), encoder=encoder, use_cache=False)
    return judge_messages(j, [Message("m.txt", (Block(text, 1),))])[1]


def test_thresholds_judge_labels_and_stories(plumbline, fake_encoder):
    got = {j.sentence.text: (j.label, j.story) for j in judge(plumbline, fake_encoder,
           "Acme runs payroll and files every tax form on time.\nI can take 20 percent off the price today.\n"
           "Our robots can paint every house purple.\nThanks")}
    assert got["Acme runs payroll and files every tax form on time."] == ("aligned", "payroll")
    assert got["I can take 20 percent off the price today."] == ("off-message", "discounts")
    assert got["Our robots can paint every house purple."] == ("drift", None)
    assert got["Thanks"][0] == "neutral"


def test_coverage_lists_stories_told_once_in_order(plumbline, fake_encoder):
    judgements = judge(plumbline, fake_encoder, "You get one named payroll specialist who knows your company.\n"
                       "Acme runs payroll and files every tax form on time.\nAcme runs payroll and files every tax form.")
    assert coverage(judgements) == ("support", "payroll")


def test_plumbline_embedded_once_then_cached(plumbline, fake_encoder):
    prepare_judge(plumbline, JudgeSettings(judge="thresholds"), encoder=fake_encoder)
    prepare_judge(plumbline, JudgeSettings(judge="thresholds"), encoder=fake_encoder)
    assert fake_encoder.calls == 1


def test_model_roundtrip_and_calibration(tmp_path):
    rng = np.random.default_rng(0)
    features = rng.normal(size=(400, len(FEATURES)))
    classes = (features[:, 0] > 0).astype(int) + 2 * (features[:, 1] > 0).astype(int)
    noisy = np.where(rng.random(400) < 0.15, rng.integers(0, 4, 400), classes)  # 15% label noise
    labels = [LABELS[i] for i in noisy]
    model = fit(features, labels)
    path = tmp_path / "judge.json"
    save(model, str(path))
    again = load(str(path))
    assert np.allclose(again.predict_proba(features), model.predict_proba(features), atol=1e-6)
    assert (again.predict_proba(features).argmax(1) == classes).mean() > 0.8
    overconfident = model.logits(features) * 5
    assert fit_temperature(overconfident, labels) > 2


@pytest.mark.parametrize("mutate", [
    lambda r: r.update(format="other"),
    lambda r: r.update(features=r["features"][:-1]),
    lambda r: r.update(coef=[[float("nan")] * len(FEATURES)] * len(LABELS)),
    lambda r: r.update(temperature=-1),
    lambda r: r.update(story_word_weight=-0.1),
    lambda r: r.update(story_word_weight="lots"),
    lambda r: r.update(story_word_weight=float("nan")),
    lambda r: r.update(question_neutral=1.0),
    lambda r: r.update(question_neutral=-0.5),
])
def test_invalid_model_files_are_rejected(tmp_path, mutate):
    model = fit(np.random.default_rng(1).normal(size=(40, len(FEATURES))), list(LABELS) * 10)
    save(model, str(tmp_path / "m.json"))
    record = json.loads((tmp_path / "m.json").read_text())
    mutate(record)
    (tmp_path / "m.json").write_text(json.dumps(record))
    with pytest.raises(JudgeModelError):
        load(str(tmp_path / "m.json"))


def test_story_word_weight_is_saved_and_older_models_load_with_it_off(tmp_path):
    from dataclasses import replace

    model = replace(fit(np.random.default_rng(1).normal(size=(40, len(FEATURES))), list(LABELS) * 10),
                    story_context=0.2, story_word_weight=0.3)
    save(model, str(tmp_path / "m.json"))
    assert load(str(tmp_path / "m.json")).story_word_weight == 0.3
    record = json.loads((tmp_path / "m.json").read_text())
    del record["story_word_weight"]
    (tmp_path / "m.json").write_text(json.dumps(record))
    assert load(str(tmp_path / "m.json")).story_word_weight == 0.0


def test_every_rule_documents_a_bad_and_a_good_example():
    for rule in RULES:
        assert rule.bad_example and rule.good_example and rule.description.endswith(".")
        assert rule.default_severity in ("info", "warning", "error")


def _model_with_vectors(encoder_fingerprint="torch:mini@abc"):
    rng = np.random.default_rng(2)
    references = {"aligned": ("a one", "a two"), "neutral": ("thanks",), "drift": ("d",)}
    vectors = rng.normal(size=(4, 8)).astype(np.float32)  # aligned, (off-message), drift, neutral order
    return fit(rng.normal(size=(40, len(FEATURES))), list(LABELS) * 10, references=references,
               reference_vectors=vectors, reference_encoder=encoder_fingerprint), vectors


def test_reference_vectors_ship_beside_the_model_and_are_used_only_for_the_same_weights(tmp_path):
    model, vectors = _model_with_vectors()
    save(model, str(tmp_path / "judge.json"))
    assert (tmp_path / "judge.references.npy").is_file()
    again = load(str(tmp_path / "judge.json"))
    same = again.reference_matrices("onnx:mini@abc")  # fp32 ONNX computes the same vectors
    assert np.array_equal(same["aligned"], vectors[:2]) and np.array_equal(same["drift"], vectors[2:3])
    assert np.array_equal(same["neutral"], vectors[3:]) and "off-message" not in same
    assert again.reference_matrices("onnx-int8:mini@abc") is None  # quantised: not the same vectors
    assert again.reference_matrices("torch:mini@def") is None  # other weights
    assert again.reference_matrices("torch:name@hub-cache") is None


@pytest.mark.parametrize("damage", ["flip", "delete", "pickle"])
def test_damaged_reference_vectors_are_a_one_line_error(tmp_path, damage):
    model, _ = _model_with_vectors()
    save(model, str(tmp_path / "judge.json"))
    target = tmp_path / "judge.references.npy"
    if damage == "flip":
        data = bytearray(target.read_bytes())
        data[-1] ^= 1
        target.write_bytes(bytes(data))
    elif damage == "delete":
        target.unlink()
    else:
        import io
        buffer = io.BytesIO()
        np.save(buffer, np.array([{"x": 1}] * 4, dtype=object), allow_pickle=True)
        target.write_bytes(buffer.getvalue())
    with pytest.raises(JudgeModelError, match="references.npy"):
        load(str(tmp_path / "judge.json"))


def test_prepare_judge_uses_shipped_vectors_instead_of_embedding(plumbline, fake_encoder):
    fake_encoder.fingerprint = "torch:fake@123"  # as if the fake were the exact model the judge was trained with
    rng = np.random.default_rng(3)
    vectors = rng.normal(size=(4, fake_encoder.dim)).astype(np.float32)
    references = {"aligned": ("a one", "a two"), "neutral": ("thanks",), "drift": ("d",)}
    model = fit(rng.normal(size=(40, len(FEATURES))), list(LABELS) * 10, references=references,
                reference_vectors=vectors, reference_encoder="torch:fake@123")
    shipped = prepare_judge(plumbline, JudgeSettings(), encoder=fake_encoder, judge_model=model, use_cache=False)
    assert np.array_equal(shipped.references["aligned"], vectors[:2])
    fake_encoder.fingerprint = "onnx-int8:fake@123"
    embedded = prepare_judge(plumbline, JudgeSettings(), encoder=fake_encoder, judge_model=model, use_cache=False)
    assert np.allclose(embedded.references["aligned"], fake_encoder.encode(["a one", "a two"]))


def test_discount_language_fires_whatever_the_label_but_not_on_a_question():
    from plumbline.judge import findings_for
    from plumbline.model import Judgement, Sentence

    offer = Sentence("m.txt", 3, 1, "That ten percent is only good through Friday.", signals=("discount:expiring-offer",))
    question = Sentence("m.txt", 4, 1, "Did they offer you a discount?", signals=("discount:percent-off",), is_question=True)
    found = findings_for([Judgement(offer, "neutral", None, 0.2, 0.6), Judgement(question, "neutral", None, 0.2, 0.9)],
                         JudgeSettings(), {})
    assert [(f.rule, f.line) for f in found] == [("discount-language", 3)]


def test_lexical_features_read_the_text_as_judged_not_the_template_tags(plumbline, fake_encoder, tmp_path):
    from plumbline.formats import load_path
    from plumbline.judge.features import FEATURES, build_index, index_texts, score_sentences
    from plumbline.segment import segment_messages

    index = build_index(plumbline, fake_encoder.encode(index_texts(plumbline)))
    (tmp_path / "plain.txt").write_text("Acme files every tax form for you, Alex.\n")
    (tmp_path / "tagged.txt").write_text("Acme files every tax form for you, {{ first_name }}.\n")
    novel = FEATURES.index("novel_count")
    counts = []
    for name in ("plain.txt", "tagged.txt"):
        [sentence] = segment_messages(load_path(str(tmp_path / name)), plumbline.brand_names)
        counts.append(score_sentences([sentence], fake_encoder.encode([sentence.embed_text]), index).features[0, novel])
    assert sentence.text.endswith("{{ first_name }}.")  # findings quote the template as written
    assert counts[0] == counts[1]  # but "first" and "name" are not new words in what is judged


def test_headings_are_subject_and_signature_lines_not_sentences():
    from plumbline.judge.phrases import is_heading

    assert is_heading("Partnerships, Tessellate Translate")
    assert is_heading("Subject: Options for Bramble Labs as you go hybrid")
    assert is_heading("Dana Ruiz | account executive at the company")
    assert not is_heading("Our Team Covers It.")  # closing punctuation: a sentence, not a heading
    assert not is_heading("we handle the filings for you and answer notices")


def test_is_heading_handles_empty_and_long_lines():
    from plumbline.judge.phrases import is_heading

    assert is_heading("—")  # no words at all: not a sentence a rep says
    assert not is_heading("Acme Payroll Runs Your Whole Back Office For You Every Single Week")  # more than eight words
    assert is_heading("Re: Thursday")


def test_a_plain_question_is_neutral_but_a_question_that_offers_or_promises_is_the_models_call(tmp_path):
    from dataclasses import replace

    column = {name: i for i, name in enumerate(FEATURES)}
    model = replace(fit(np.random.default_rng(2).normal(size=(80, len(FEATURES))), list(LABELS) * 20),
                    question_neutral=0.95)
    rows = np.zeros((5, len(FEATURES)))
    rows[:4, column["is_question"]] = 1  # four questions, one statement
    rows[1, column["discount_cue"]] = rows[2, column["guarantee_cue"]] = rows[3, column["offer"]] = 1
    proba = model.predict_proba(rows)
    unruled = replace(model, question_neutral=0.0).predict_proba(rows)
    n = LABELS.index("neutral")
    assert proba[0, n] == pytest.approx(0.95) and proba[0].sum() == pytest.approx(1.0)
    others = [i for i in range(len(LABELS)) if i != n]  # the other labels keep the model's proportions
    assert proba[0, others] / proba[0, others].sum() == pytest.approx(unruled[0, others] / unruled[0, others].sum())
    assert np.allclose(proba[1:], unruled[1:])  # discount, guarantee, offer, and the statement
    save(model, str(tmp_path / "m.json"))
    assert load(str(tmp_path / "m.json")).question_neutral == pytest.approx(0.95)
