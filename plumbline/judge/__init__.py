"""Judge each sentence: aligned (with its story), off-message, drift or neutral; then turn
judgements into findings and coverage.

Two judges share one interface: the trained model (default, calibrated probabilities) and
plain cosine thresholds (`--judge thresholds`, for a plumb line no model has seen the like of)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

import numpy as np

from plumbline.judge.classifier import JudgeModel
from plumbline.judge.evidence import avoid_evidence, discount_words, drift_evidence, words_evidence
from plumbline.judge.features import FEATURES, SentenceScores
from plumbline.judge.rules import RULES_BY_ID
from plumbline.model import LABELS, Finding, Judgement, Sentence

JUDGES = ("model", "thresholds")


@dataclass(frozen=True)
class JudgeSettings:
    judge: str = "model"
    min_confidence: float = 0.0
    severities: Mapping[str, str] = field(default_factory=dict)
    story_threshold: float = 0.45  # thresholds judge: aligned at or above this similarity
    avoid_threshold: float = 0.55  # thresholds judge: off-message at or above this
    neutral_threshold: float = 0.5  # thresholds judge: neutral when this close to a neutral exemplar (and closer than to the plumb line)
    requirements: tuple = ()  # judge.require.Requirement: stories messages must tell

    def severity(self, rule: str) -> str:
        return self.severities.get(rule, RULES_BY_ID[rule].default_severity)


def probabilities(scores: SentenceScores, model: JudgeModel | None, settings: JudgeSettings) -> np.ndarray:
    """(n, 4) probabilities over LABELS."""
    if settings.judge == "model" and model is not None:
        return model.predict_proba(scores.features)
    return _threshold_probabilities(scores.features, settings)


def _threshold_probabilities(features: np.ndarray, settings: JudgeSettings) -> np.ndarray:
    """Cosine thresholds as one-hot 'probabilities' (confidence 1.0: they are not calibrated)."""
    col = {name: features[:, i] for i, name in enumerate(FEATURES)}
    label = np.full(len(features), LABELS.index("drift"))
    aligned = col["story_max"] >= settings.story_threshold
    off = (col["avoid_max"] >= settings.avoid_threshold) & (col["avoid_max"] > col["story_max"])
    neutral = (((col["neutral_max"] >= settings.neutral_threshold)
                & (col["neutral_max"] > np.maximum(col["story_max"], col["avoid_max"])))
               | (col["has_verb"] == 0) | (col["is_question"] == 1))
    label[aligned] = LABELS.index("aligned")
    label[neutral & ~off] = LABELS.index("neutral")
    label[off] = LABELS.index("off-message")
    return np.eye(len(LABELS))[label]


def judge_sentences(
    sentences: list[Sentence], scores: SentenceScores, model: JudgeModel | None, settings: JudgeSettings,
    explainer=None,
) -> list[Judgement]:
    """One Judgement per sentence. An off-message judgement names the avoid entry only when
    the sentence matches that entry (`evidence.avoid_matched`): the judge may call a discount
    offer off-message against a plumb line whose only avoid entry is about guarantees."""
    from plumbline.judge.evidence import avoid_matched, closest

    proba = probabilities(scores, model, settings)
    picks = proba.argmax(axis=1)
    judgements = []
    for i, sentence in enumerate(sentences):
        label = LABELS[picks[i]]
        near = closest(scores, i)
        if label == "off-message":
            story = scores.best_avoid[i] if avoid_matched(explainer, near, bool(discount_cues(sentence))) else None
            score = float(scores.avoid_score[i])
        else:
            story, score = scores.best_story[i], float(scores.story_score[i])
        judgements.append(Judgement(sentence, label, story if label in ("aligned", "off-message") else None,
                                    score, float(proba[i, picks[i]]), near))
    return judgements


def findings_for(judgements: list[Judgement], settings: JudgeSettings, titles: Mapping[str, str],
                 explainer=None) -> list[Finding]:
    """Findings with their evidence and, for drift and off-message, a plumb-line sentence to
    say instead (when `explainer`, built from the plumb line, is given)."""
    findings = []
    for j in judgements:
        s = j.sentence
        if j.label in ("drift", "off-message") and j.confidence >= settings.min_confidence:
            findings.append(_judged_finding(j, settings, titles, explainer))
        discount = discount_cues(s)
        if discount:
            words = discount_words(s)
            findings.append(Finding("discount-language", settings.severity("discount-language"), s.path, s.line,
                                    s.column, f"discount-led selling ({', '.join(discount)})", None, None,
                                    s.text, s.speaker, evidence=words_evidence(words) if words else None,
                                    suggestion=_suggestion(explainer, j)))
    return findings


def _judged_finding(j: Judgement, settings: JudgeSettings, titles: Mapping[str, str], explainer) -> Finding:
    s = j.sentence
    evidence = None
    if j.label == "drift":
        message = "claim matches no story in the plumb line"
        if explainer is not None and j.closest is not None:
            evidence = drift_evidence(explainer, j.closest)
    elif j.story:
        message = f"matches what the plumb line says to avoid: {titles.get(j.story, j.story)}"
    else:
        message = "reads as off-message selling, though no avoid entry of the plumb line matches it"
    if j.label == "off-message" and explainer is not None and j.closest is not None:
        evidence = avoid_evidence(explainer, j.closest, j.story is not None)
    return Finding(j.label, settings.severity(j.label), s.path, s.line, s.column, message, j.story, j.confidence,
                   s.text, s.speaker, evidence=evidence, suggestion=_suggestion(explainer, j))


def _suggestion(explainer, j: Judgement):
    if explainer is None or j.closest is None:
        return None
    return explainer.story_sentence(j.closest.suggest_row)


def discount_cues(sentence: Sentence) -> list[str]:
    """What the `discount-language` rule fires on in a sentence.

    The cue patterns are precise (78 of 79 labelled sentences with one are off-message), so the
    rule does not wait for the judge's label; only a question ("did they offer you a discount?")
    is discovery, not selling."""
    if sentence.is_question:
        return []
    return sorted(sig.split(":", 1)[1] for sig in sentence.signals if sig.startswith("discount:"))


def coverage(judgements: list[Judgement]) -> tuple[str, ...]:
    """Stories told at least once, in the order first told."""
    return tuple(dict.fromkeys(j.story for j in judgements if j.label == "aligned" and j.story))
