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
])
def test_invalid_model_files_are_rejected(tmp_path, mutate):
    model = fit(np.random.default_rng(1).normal(size=(40, len(FEATURES))), list(LABELS) * 10)
    save(model, str(tmp_path / "m.json"))
    record = json.loads((tmp_path / "m.json").read_text())
    mutate(record)
    (tmp_path / "m.json").write_text(json.dumps(record))
    with pytest.raises(JudgeModelError):
        load(str(tmp_path / "m.json"))


def test_every_rule_documents_a_bad_and_a_good_example():
    for rule in RULES:
        assert rule.bad_example and rule.good_example and rule.description.endswith(".")
        assert rule.default_severity in ("info", "warning", "error")
