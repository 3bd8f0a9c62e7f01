"""The trained judge: a multinomial logistic regression over `features.FEATURES`, with a
temperature fitted on held-out predictions so its probabilities mean what they say.

Stored as plain JSON (coefficients, feature scaling, temperature, provenance): inspectable,
diffable, and loaded without pickle. The reference sentences' embeddings may ship beside it
(`<name>.references.npy`, sha256 in the JSON) so a cold run need not embed them again."""
from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field, replace

import numpy as np

from plumbline.judge.features import FEATURES, REFERENCE_LABELS
from plumbline.model import LABELS

FORMAT = "plumbline-judge/1"


class JudgeModelError(Exception):
    """A judge model file that cannot be used (one line, exit code 2)."""


@dataclass(frozen=True)
class JudgeModel:
    classes: tuple[str, ...]
    features: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray  # (n_classes, n_features)
    intercept: np.ndarray  # (n_classes,)
    temperature: float = 1.0
    meta: dict = field(default_factory=dict)
    references: dict = field(default_factory=dict)  # label -> texts of labelled training sentences
    # the references embedded at training time, rows in REFERENCE_LABELS then text order, and
    # the encoder fingerprint ("backend:model@sha") that embedded them
    reference_vectors: np.ndarray | None = None
    reference_encoder: str | None = None
    story_context: float = 0.0  # weight of neighbouring sentences in story attribution (features.pick_stories)
    story_word_weight: float = 0.0  # weight of words only some stories use (features.story_word_scores)
    # share of labelled rep questions without a discount or guarantee cue that are neutral
    # (0: the rule is off, as in models trained before it); see plain_question
    question_neutral: float = 0.0

    def reference_matrices(self, fingerprint: str) -> dict | None:
        """label -> shipped reference vectors, if they are what this encoder would compute."""
        if self.reference_vectors is None or not same_vectors(self.reference_encoder, fingerprint):
            return None
        out, cursor = {}, 0
        for label in REFERENCE_LABELS:
            n = len(self.references.get(label, ()))
            if n:
                out[label] = self.reference_vectors[cursor:cursor + n]
            cursor += n
        return out

    def logits(self, features: np.ndarray) -> np.ndarray:
        return ((features - self.mean) / self.scale) @ self.coef.T + self.intercept

    def predict_proba(self, features: np.ndarray) -> np.ndarray:
        """Calibrated probabilities; a plain question gets neutral at the rate labelled questions
        were (the other labels keep the model's proportions)."""
        proba = softmax(self.logits(features) / self.temperature)
        asking = plain_question(features)
        if self.question_neutral > 0 and asking.any():
            n = LABELS.index("neutral")
            rest = proba[asking].copy()
            rest[:, n] = 0.0
            rest *= (1.0 - self.question_neutral) / np.maximum(rest.sum(axis=1, keepdims=True), 1e-12)
            rest[:, n] = self.question_neutral
            proba[asking] = rest
        return proba


def plain_question(features: np.ndarray) -> np.ndarray:
    """Rows that ask a question and carry no discount or guarantee cue.

    A question asserts nothing, so it tells no story and drifts from none: of the labelled rep
    questions, 182 of 183 in the training corpus and 92 of 93 in real sales text are neutral
    (discovery: "how do you deploy today?"). The model alone flagged real discovery questions
    as drift, since their topic words match no story. "Want 20% off if you sign today?" is
    still an offer, so a discount, guarantee or offer cue ("would you like the best prices on
    the market?", "want me to put you in touch?") keeps the model's call."""
    column = {name: i for i, name in enumerate(FEATURES)}
    return ((features[:, column["is_question"]] > 0.5) & (features[:, column["discount_cue"]] < 0.5)
            & (features[:, column["guarantee_cue"]] < 0.5) & (features[:, column["offer"]] < 0.5))


EXACT_BACKENDS = ("torch", "sentence-transformers", "onnx")  # the same vectors to ~1e-6 (docs/performance.md)


def same_vectors(trained: str | None, fingerprint: str) -> bool:
    """True when two encoder fingerprints give the same vectors: same weights, exact backends.
    onnx-int8 and models named without a weights digest never match."""
    if not trained or ":" not in trained or ":" not in fingerprint:
        return False
    (b1, w1), (b2, w2) = trained.split(":", 1), fingerprint.split(":", 1)
    return w1 == w2 and "@hub-cache" not in w1 and b1 in EXACT_BACKENDS and b2 in EXACT_BACKENDS


def softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def fit(features: np.ndarray, labels: list[str], c: float = 1.0, meta: dict | None = None,
        references: dict | None = None, reference_vectors: np.ndarray | None = None,
        reference_encoder: str | None = None) -> JudgeModel:
    from sklearn.linear_model import LogisticRegression

    mean = features.mean(axis=0)
    scale = features.std(axis=0)
    scale[scale < 1e-6] = 1.0
    y = np.array([LABELS.index(label) for label in labels])
    clf = LogisticRegression(C=c, max_iter=5000)  # unweighted: balanced weights cost precision and calibration
    clf.fit((features - mean) / scale, y)
    coef = np.zeros((len(LABELS), features.shape[1]))
    intercept = np.full(len(LABELS), -30.0)  # a class absent from training is never predicted
    for row, cls in enumerate(clf.classes_):
        coef[cls], intercept[cls] = clf.coef_[row], clf.intercept_[row]
    return JudgeModel(LABELS, FEATURES, mean, scale, coef, intercept, 1.0, dict(meta or {}), dict(references or {}),
                      reference_vectors, reference_encoder)


def fit_temperature(logits: np.ndarray, labels: list[str]) -> float:
    """The temperature minimising negative log-likelihood of held-out predictions."""
    y = np.array([LABELS.index(label) for label in labels])
    best, best_nll = 1.0, np.inf
    for t in np.exp(np.linspace(np.log(0.25), np.log(4.0), 121)):
        p = softmax(logits / t)[np.arange(len(y)), y]
        nll = -np.log(np.clip(p, 1e-12, 1)).mean()
        if nll < best_nll:
            best, best_nll = float(t), nll
    return best


def with_temperature(model: JudgeModel, temperature: float, **meta) -> JudgeModel:
    return replace(model, temperature=temperature, meta={**model.meta, **meta})


def vectors_path(path: str) -> str:
    return os.path.splitext(path)[0] + ".references.npy"


def save(model: JudgeModel, path: str) -> None:
    """Write the JSON (and the reference vectors beside it, when the model has them)."""
    record = {
        "format": FORMAT,
        "classes": list(model.classes),
        "features": list(model.features),
        "mean": model.mean.round(8).tolist(),
        "scale": model.scale.round(8).tolist(),
        "coef": model.coef.round(8).tolist(),
        "intercept": model.intercept.round(8).tolist(),
        "temperature": round(model.temperature, 6),
        "story_context": round(model.story_context, 6),
        "story_word_weight": round(model.story_word_weight, 6),
        "question_neutral": round(model.question_neutral, 6),
        "meta": model.meta,
        "references": {label: list(texts) for label, texts in model.references.items()},
    }
    if model.reference_vectors is not None:
        import io

        buffer = io.BytesIO()
        np.save(buffer, np.ascontiguousarray(model.reference_vectors, dtype="<f4"), allow_pickle=False)
        with open(vectors_path(path), "wb") as fh:
            fh.write(buffer.getvalue())
        record["reference_vectors"] = {"file": os.path.basename(vectors_path(path)), "encoder": model.reference_encoder,
                                       "sha256": hashlib.sha256(buffer.getvalue()).hexdigest()}
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(record, fh, indent=1)
        fh.write("\n")


def load(path: str) -> JudgeModel:
    try:
        with open(path, encoding="utf-8") as fh:
            record = json.load(fh)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise JudgeModelError(f"{path}: cannot read judge model: {exc}") from None
    if not isinstance(record, dict) or record.get("format") != FORMAT:
        raise JudgeModelError(f"{path}: not a plumbline judge model (expected format {FORMAT})")
    if tuple(record.get("features", ())) != FEATURES or tuple(record.get("classes", ())) != LABELS:
        raise JudgeModelError(f"{path}: judge model was trained for other features or labels; retrain with `plumbline train`")
    try:
        arrays = {k: np.asarray(record[k], dtype=np.float64) for k in ("mean", "scale", "coef", "intercept")}
        temperature = float(record["temperature"])
        story_context = float(record.get("story_context", 0.0))
        story_word_weight = float(record.get("story_word_weight", 0.0))  # older models: off
        question_neutral = float(record.get("question_neutral", 0.0))
    except (KeyError, TypeError, ValueError):
        raise JudgeModelError(f"{path}: judge model is missing or has malformed numbers") from None
    n_f, n_c = len(FEATURES), len(LABELS)
    shapes_ok = (arrays["mean"].shape == (n_f,) and arrays["scale"].shape == (n_f,)
                 and arrays["coef"].shape == (n_c, n_f) and arrays["intercept"].shape == (n_c,))
    if not shapes_ok or not all(np.isfinite(a).all() for a in arrays.values()) or not temperature > 0:
        raise JudgeModelError(f"{path}: judge model arrays have the wrong shape or non-finite values")
    if not 0.0 <= story_context <= 1.0:
        raise JudgeModelError(f"{path}: story_context must be between 0 and 1")
    if not 0.0 <= story_word_weight <= 1.0:
        raise JudgeModelError(f"{path}: story_word_weight must be between 0 and 1")
    if not 0.0 <= question_neutral < 1.0:
        raise JudgeModelError(f"{path}: question_neutral must be at least 0 and below 1")
    references = record.get("references") or {}
    if not isinstance(references, dict) or not all(
            label in LABELS and isinstance(texts, list) and all(isinstance(t, str) for t in texts)
            for label, texts in references.items()):
        raise JudgeModelError(f"{path}: judge model references must map labels to lists of sentences")
    references = {k: tuple(v) for k, v in references.items()}
    vectors, encoder = _load_vectors(path, record.get("reference_vectors"), references)
    return JudgeModel(LABELS, FEATURES, arrays["mean"], arrays["scale"], arrays["coef"], arrays["intercept"],
                      temperature, dict(record.get("meta") or {}), references, vectors, encoder, story_context,
                      story_word_weight, question_neutral)


def _load_vectors(path: str, entry, references: dict) -> tuple[np.ndarray | None, str | None]:
    """The shipped reference vectors, checked against the sha256 the JSON records (read without
    np.load, so never unpickled). A model without them is fine: they are embedded at run time."""
    if entry is None:
        return None, None
    from plumbline.cache import read_checked_matrix

    rows = sum(len(references.get(label, ())) for label in REFERENCE_LABELS)
    if not isinstance(entry, dict) or not all(isinstance(entry.get(k), str) for k in ("file", "encoder", "sha256")) \
            or os.path.basename(entry["file"]) != entry["file"]:
        raise JudgeModelError(f"{path}: reference_vectors must name a file beside the model, its encoder and sha256")
    target = os.path.join(os.path.dirname(path), entry["file"])
    matrix = read_checked_matrix(target, entry["sha256"], rows)
    if matrix is None:
        raise JudgeModelError(f"{target}: missing, or not the reference vectors this judge model records "
                              "(checksum or shape); retrain or reinstall")
    return matrix, entry["encoder"]
