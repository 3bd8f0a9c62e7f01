"""The trained judge: a multinomial logistic regression over `features.FEATURES`, with a
temperature fitted on held-out predictions so its probabilities mean what they say.

Stored as plain JSON (coefficients, feature scaling, temperature, provenance): inspectable,
diffable, and loaded without pickle."""
from __future__ import annotations

import json
from dataclasses import dataclass, field

import numpy as np

from plumbline.judge.features import FEATURES
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

    def logits(self, features: np.ndarray) -> np.ndarray:
        return ((features - self.mean) / self.scale) @ self.coef.T + self.intercept

    def predict_proba(self, features: np.ndarray) -> np.ndarray:
        return softmax(self.logits(features) / self.temperature)


def softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def fit(features: np.ndarray, labels: list[str], c: float = 1.0, meta: dict | None = None,
        references: dict | None = None) -> JudgeModel:
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
    return JudgeModel(LABELS, FEATURES, mean, scale, coef, intercept, 1.0, dict(meta or {}), dict(references or {}))


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
    return JudgeModel(model.classes, model.features, model.mean, model.scale, model.coef, model.intercept,
                      temperature, {**model.meta, **meta}, model.references)


def save(model: JudgeModel, path: str) -> None:
    record = {
        "format": FORMAT,
        "classes": list(model.classes),
        "features": list(model.features),
        "mean": model.mean.round(8).tolist(),
        "scale": model.scale.round(8).tolist(),
        "coef": model.coef.round(8).tolist(),
        "intercept": model.intercept.round(8).tolist(),
        "temperature": round(model.temperature, 6),
        "meta": model.meta,
        "references": {label: list(texts) for label, texts in model.references.items()},
    }
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
    except (KeyError, TypeError, ValueError):
        raise JudgeModelError(f"{path}: judge model is missing or has malformed numbers") from None
    n_f, n_c = len(FEATURES), len(LABELS)
    shapes_ok = (arrays["mean"].shape == (n_f,) and arrays["scale"].shape == (n_f,)
                 and arrays["coef"].shape == (n_c, n_f) and arrays["intercept"].shape == (n_c,))
    if not shapes_ok or not all(np.isfinite(a).all() for a in arrays.values()) or not temperature > 0:
        raise JudgeModelError(f"{path}: judge model arrays have the wrong shape or non-finite values")
    references = record.get("references") or {}
    if not isinstance(references, dict) or not all(
            label in LABELS and isinstance(texts, list) and all(isinstance(t, str) for t in texts)
            for label, texts in references.items()):
        raise JudgeModelError(f"{path}: judge model references must map labels to lists of sentences")
    return JudgeModel(LABELS, FEATURES, arrays["mean"], arrays["scale"], arrays["coef"], arrays["intercept"],
                      temperature, dict(record.get("meta") or {}), {k: tuple(v) for k, v in references.items()})
