"""The trained judge on hard cases it was never trained on (tests/data/hard_cases.tsv), with
the real model: greetings and signatures, discovery questions, paraphrases sharing no words
with the story, drift that names the brand, discount offers with no avoid entry written,
and guarantees."""
import csv
import os

import pytest

from plumbline.formats import LoadOptions
from plumbline.judge import JudgeSettings
from plumbline.model import Block, Message
from plumbline.pipeline import judge_messages, prepare_judge
from plumbline.plumbline_file import load_plumbline

HERE = os.path.dirname(__file__)
pytestmark = pytest.mark.slow


def cases():
    with open(os.path.join(HERE, "data", "hard_cases.tsv"), encoding="utf-8") as fh:
        rows = [line for line in fh if not line.startswith("#")]
    return [pytest.param(r["expect"], r["story"] or None, r["sentence"], id=r["sentence"][:40],
                         marks=[pytest.mark.xfail(strict=True, reason=r["known"])] if r.get("known") else [])
            for r in csv.DictReader(rows, delimiter="\t")]


@pytest.fixture(scope="module")
def judge(real_encoder):
    from plumbline.judge.model_store import default_judge_model

    model = default_judge_model()
    if model is None:
        pytest.fail("models/judge.json is missing: run `plumbline train`")
    plumbline = load_plumbline(os.path.join(HERE, "data", "check", "plumbline"))
    return prepare_judge(plumbline, JudgeSettings(), encoder=real_encoder, judge_model=model, use_cache=False)


@pytest.mark.parametrize("expect,story,sentence", cases())
def test_hard_case(judge, expect, story, sentence):
    from plumbline.judge import findings_for

    [judgement] = judge_messages(judge, [Message("case.txt", (Block(sentence, 1),))])[1]
    rules = {f.rule for f in findings_for([judgement], judge.settings, judge.titles)}
    flagged = judgement.label in ("drift", "off-message") or "discount-language" in rules
    if expect == "flagged":
        assert flagged, judgement
    elif expect == "not-flagged":
        assert not flagged, judgement
    else:
        assert judgement.label == expect, judgement
        if story:
            assert judgement.story == story


def test_shipped_reference_vectors_are_what_the_default_model_computes(real_encoder):
    """models/judge.references.npy saves a cold run from embedding the judge's references; it
    must hold exactly what the bundled model gives for those sentences (same weights)."""
    import numpy as np

    from plumbline.judge.model_store import default_judge_model

    model = default_judge_model()
    shipped = model.reference_matrices(real_encoder.fingerprint)
    assert shipped is not None, "judge.json has no reference vectors for the bundled model: run `plumbline train`"
    for label, texts in model.references.items():
        picks = np.linspace(0, len(texts) - 1, 5).astype(int)
        computed = real_encoder.encode([texts[i] for i in picks])
        assert np.abs(computed - shipped[label][picks]).max() < 1e-4, label
