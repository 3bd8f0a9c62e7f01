"""Score the judge on the labelled corpus, honestly: leave one company out for every number,
including the calibration temperature (fitted only on the companies in the training fold).

Also holds the training procedure, so `plumbline train` and `plumbline eval` cannot differ."""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from plumbline.corpus import Company, load_companies, match_gold, read_gold
from plumbline.judge import JudgeSettings, discount_cues, probabilities
from plumbline.judge.classifier import JudgeModel, fit, fit_temperature, with_temperature
from plumbline.judge.features import REFERENCE_LABELS, REFERENCE_WIDTH, SentenceScores, pick_stories, reference_features
from plumbline.model import LABELS

FLAGGED = ("drift", "off-message")


@dataclass
class CompanyData:
    company: Company
    scores: SentenceScores
    gold: list[str]
    gold_story: list[str | None]
    texts: list[str]
    embed_texts: list[str]  # what was embedded (brand names masked): the judge's reference texts
    missed_flagged: int  # labelled drift/off-message rows no segmented sentence matched
    unlabelled: int
    unmatched: int
    prospect_judged: int  # prospect rows that were segmented as rep sentences (must be 0)
    vectors: np.ndarray | None = None  # sentence embeddings, row-aligned with gold
    story_ids: tuple[str, ...] = ()  # the plumb line's stories, columns of scores.story_matrix
    rule_flagged: tuple[bool, ...] = ()  # the discount-language rule fires (check flags it whatever the judge says)
    index: object = None  # the plumb line embedded (features.PlumbLineIndex)
    sentences: tuple = ()  # the labelled Sentence objects, row-aligned with gold
    owner: str = ""  # the company whose plumb line this is; a companion shares its owner's ("" = itself)

    @property
    def who(self) -> str:
        return self.owner or self.company.name

    @property
    def is_companion(self) -> bool:
        return bool(self.owner) and self.owner != self.company.name


def primary(data: list[CompanyData]) -> list[CompanyData]:
    """The companies themselves, without companions (which are training lines only)."""
    return [d for d in data if not d.is_companion]


def apart_from(company: CompanyData, data: list[CompanyData]) -> list[CompanyData]:
    """Everything in data that does not share the company's plumb line."""
    return [d for d in data if d.who != company.who]


def prepare_company(company: Company, encoder) -> CompanyData:
    from plumbline.formats import LoadOptions, load_path
    from plumbline.judge.features import score_sentences
    from plumbline.pipeline import judge_messages, prepare_judge
    from plumbline.plumbline_file import load_plumbline

    plumbline = load_plumbline(company.plumbline_path)
    judge = prepare_judge(plumbline, JudgeSettings(judge="thresholds"), encoder=encoder)
    options = LoadOptions(reps=company.reps)
    pairs, unlabelled, unmatched, prospect_judged = [], 0, [], 0
    for path in company.message_paths:
        sentences = judge_messages(judge, load_path(path, options))[0]
        gold = read_gold(path)
        matched, extra, missing = match_gold(sentences, gold)
        pairs += matched
        unlabelled += len(extra)
        unmatched += missing
        prospect_keys = {g.text.casefold().strip() for g in gold if g.label == "prospect"}
        prospect_judged += sum(1 for s in sentences if s.text.casefold().strip() in prospect_keys)
    sentences = [s for s, _ in pairs]
    vectors = encoder.encode([s.embed_text for s in sentences])
    return CompanyData(
        company, score_sentences(sentences, vectors, judge.index), [g.label for _, g in pairs],
        [g.story for _, g in pairs], [s.text for s in sentences], [s.embed_text for s in sentences],
        sum(1 for g in unmatched if g.label in FLAGGED), unlabelled, len(unmatched), prospect_judged, vectors,
        judge.index.story_ids, tuple(bool(discount_cues(s)) for s in sentences), judge.index, tuple(sentences),
    )


@dataclass
class Predicted:
    """What a judge said about one company's labelled sentences."""

    proba: np.ndarray  # (n, len(LABELS))
    stories: list[str | None]  # the story each sentence tells, if it is aligned


STORY_CONTEXTS = (0.0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3)
STORY_WORD_WEIGHTS = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5)


def stories_for(company: CompanyData, context: float, word_weight: float = 0.0) -> list[str | None]:
    ids = company.story_ids
    picks = pick_stories(company.scores.story_matrix, company.scores.groups, context, company.scores.word_matrix,
                         word_weight)
    return [ids[i] if ids else None for i in picks]


def fit_story_weights(data: list[CompanyData]) -> tuple[float, float]:
    """The (neighbour, story-word) weights that attribute the most labelled aligned sentences
    correctly; the smaller weights on a tie."""
    def correct(weights):
        return sum(s == gold for d in data for s, gold, label in zip(stories_for(d, *weights), d.gold_story, d.gold)
                   if label == "aligned" and gold)
    grid = [(c, w) for c in STORY_CONTEXTS for w in STORY_WORD_WEIGHTS]
    return max(grid, key=lambda weights: (correct(weights), -weights[1], -weights[0]))


def fit_question_neutral(data: list[CompanyData]) -> float:
    """Share of labelled plain questions (classifier.plain_question) that are neutral,
    add-one smoothed so a corpus without questions gives 0.5, not certainty."""
    from plumbline.judge.classifier import plain_question

    gold = [g for d in data for g, asking in zip(d.gold, plain_question(d.scores.features)) if asking]
    return (sum(g == "neutral" for g in gold) + 1) / (len(gold) + 2)


def train_model(data: list[CompanyData], c: float = 1.0, meta: dict | None = None) -> JudgeModel:
    """Fit on all companies; the temperature comes from their leave-one-company-out logits,
    the story attribution weights from their labelled stories."""
    context, word_weight = fit_story_weights(primary(data))
    model = replace(_fit(data, c, meta), story_context=context, story_word_weight=word_weight,
                    question_neutral=fit_question_neutral(primary(data)))
    if len(primary(data)) < 2:
        return model
    logits, gold = [], []
    for held in primary(data):
        others = apart_from(held, data)
        logits.append(_fit(others, c).logits(features_against(held, others)))
        gold += held.gold
    return with_temperature(model, fit_temperature(np.vstack(logits), gold))


def features_against(company: CompanyData, references: list[CompanyData]) -> np.ndarray:
    """The company's features with the reference block computed from other companies only."""
    vectors = {label: np.vstack([r.vectors[[i for i, g in enumerate(r.gold) if g == label]] for r in references])
               for label in REFERENCE_LABELS} if references else None  # one company: no references
    features = company.scores.features.copy()
    features[:, -REFERENCE_WIDTH:] = reference_features(company.vectors, vectors)
    return features


TRANSPLANTS = 20  # per training company: other companies' story-telling sentences, as drift
TRANSPLANT_DONORS = 4


def transplants(company: CompanyData, data: list[CompanyData], n: int = TRANSPLANTS) -> tuple[CompanyData, set] | None:
    """Sentences in which other companies' reps tell *their* stories, judged against this
    company's plumb line and labelled drift: another company's claims match no story here.

    The corpus writers' drift is mostly near-story (invented features in the same trade), so
    without these the judge learns little about the plainest drift of real text: a claim about
    something else entirely. Donors are a few companies picked by a seed from the company's
    name (deterministic), their sentences brand-masked as every sentence is. Whole donor
    messages are scored, so each transplant keeps the neighbours it was said with: scored
    alone, every transplant had no context, and the judge learnt that a sentence with no
    neighbours (a one-line template, a signature) is drift. Only the story-telling sentences
    are kept as training rows; the others are there as context."""
    from plumbline.judge.features import score_sentences

    donors = [d for d in primary(apart_from(company, data)) if d.sentences]
    if not n or not donors or company.index is None:
        return None
    rng = np.random.default_rng(int.from_bytes(company.company.name.encode()[:8].ljust(8, b"_"), "little"))
    donors = [donors[k] for k in sorted(rng.choice(len(donors), size=min(TRANSPLANT_DONORS, len(donors)), replace=False))]
    messages = []  # (donor, row indices of one message) for messages that tell a story
    for donor in donors:
        rows_of = {}
        for i, sentence in enumerate(donor.sentences):
            rows_of.setdefault((sentence.path, sentence.message_index), []).append(i)
        messages += [(donor, rows) for rows in rows_of.values() if any(donor.gold[i] == "aligned" for i in rows)]
    if not messages:
        return None
    chosen, told = [], 0
    for k in rng.permutation(len(messages)):
        if told >= n:
            break
        chosen.append(k)
        told += sum(messages[k][0].gold[i] == "aligned" for i in messages[k][1])
    rows = [(messages[k][0], i) for k in sorted(chosen) for i in messages[k][1]]
    sentences = [d.sentences[i] for d, i in rows]
    vectors = np.vstack([d.vectors[i] for d, i in rows])
    keep = [j for j, (d, i) in enumerate(rows) if d.gold[i] == "aligned"]
    scores = score_sentences(sentences, vectors, company.index)
    return replace(company, scores=scores.take(keep), gold=["drift"] * len(keep),
                   gold_story=[None] * len(keep), texts=[sentences[j].text for j in keep],
                   embed_texts=[sentences[j].embed_text for j in keep], vectors=vectors[keep], rule_flagged=(),
                   sentences=tuple(sentences[j] for j in keep), owner=company.who, missed_flagged=0, unlabelled=0,
                   unmatched=0, prospect_judged=0), {d.who for d in donors}


def _fit(data: list[CompanyData], c: float, meta: dict | None = None) -> JudgeModel:
    """Each company's reference features come from the others, as they will for a new company;
    each company's transplants (drift) have theirs from neither it nor their donors."""
    features = [features_against(d, apart_from(d, data)) for d in data]
    labels = [label for d in data for label in d.gold]
    for d in primary(data):
        made = transplants(d, data)
        if made:
            fake, donors = made
            features.append(features_against(fake, [r for r in apart_from(d, data) if r.who not in donors]))
            labels += fake.gold
    features = np.vstack(features)
    references = {label: [t for d in data for t, g in zip(d.embed_texts, d.gold) if g == label] for label in REFERENCE_LABELS}
    vectors = np.vstack([d.vectors[[i for i, g in enumerate(d.gold) if g == label]]
                         for label in REFERENCE_LABELS for d in data])
    return fit(features, labels, c, meta, references, vectors, (meta or {}).get("embedding_model"))


def predict(model: JudgeModel, company: CompanyData, references: list[CompanyData]) -> Predicted:
    return Predicted(model.predict_proba(features_against(company, references)), stories_for(company, model.story_context,
                                                                                           model.story_word_weight))


def leave_one_company_out(data: list[CompanyData], c: float = 1.0) -> list[Predicted]:
    """Each company (not its companion) judged by a model (temperature and story weights too)
    that never saw it, nor its plumb line; one prediction per `primary(data)` entry."""
    predicted = []
    for held in primary(data):
        others = apart_from(held, data)
        predicted.append(predict(train_model(others, c), held, others))
    return predicted


def metrics(data: list[CompanyData], predicted: list[Predicted]) -> dict:
    gold = [g for d in data for g in d.gold]
    gold_story = [s for d in data for s in d.gold_story]
    best_story = [s for p in predicted for s in p.stories]
    proba = np.vstack([p.proba for p in predicted]) if predicted else np.zeros((0, len(LABELS)))
    pred = [LABELS[i] for i in proba.argmax(axis=1)]
    conf = proba.max(axis=1)
    missed = sum(d.missed_flagged for d in data)
    judge_flags = [p in FLAGGED for p in pred]
    rule_flags = [r for d in data for r in (d.rule_flagged or (False,) * len(d.gold))]
    check_flags = [j or r for j, r in zip(judge_flags, rule_flags)]
    aligned = [(s, b) for g, s, b in zip(gold, gold_story, best_story) if g == "aligned" and s]
    return {
        "sentences": len(gold),
        **flagged_scores(gold, judge_flags, missed),
        **flagged_scores(gold, check_flags, missed, prefix="check_"),
        "label_accuracy": float(np.mean([g == p for g, p in zip(gold, pred)])) if gold else 0.0,
        "story_attribution": sum(1 for s, b in aligned if s == b) / len(aligned) if aligned else 0.0,
        "neutral_flagged": sum(1 for g, f in zip(gold, judge_flags) if g == "neutral" and f),
        "aligned_flagged": sum(1 for g, f in zip(gold, judge_flags) if g == "aligned" and f),
        "aligned_sentences": sum(1 for g in gold if g == "aligned"),
        "neutral_sentences": sum(1 for g in gold if g == "neutral"),
        "check_neutral_flagged": sum(1 for g, f in zip(gold, check_flags) if g == "neutral" and f),
        "prospect_judged": sum(d.prospect_judged for d in data),
        "ece": expected_calibration_error(conf, np.array([g == p for g, p in zip(gold, pred)])),
        "unlabelled": sum(d.unlabelled for d in data),
        "unmatched_labels": sum(d.unmatched for d in data),
        "confusion": {g: {p: sum(1 for a, b in zip(gold, pred) if a == g and b == p) for p in LABELS} for g in LABELS},
    }


def flagged_scores(gold: list[str], flagged: list[bool], missed: int, prefix: str = "") -> dict:
    """Precision, recall and F1 of flagging drift and off-message; `missed` labelled flagged rows
    that no segmented sentence matched count as misses."""
    tp = sum(1 for g, f in zip(gold, flagged) if g in FLAGGED and f)
    fp = sum(1 for g, f in zip(gold, flagged) if g not in FLAGGED and f)
    fn = sum(1 for g, f in zip(gold, flagged) if g in FLAGGED and not f) + missed
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {f"{prefix}flagged_precision": precision, f"{prefix}flagged_recall": recall, f"{prefix}flagged_f1": f1}


def f1_interval(data: list[CompanyData], predicted: list[Predicted], rounds: int = 1000,
                seed: int = 0) -> tuple[float, float]:
    """95% bootstrap interval of flagged F1, resampling sentences: how far the F1 of a corpus
    this size moves by chance, so a change well inside it is not evidence of a better judge."""
    proba = np.vstack([p.proba for p in predicted])
    missed = sum(d.missed_flagged for d in data)
    gold = np.array([g in FLAGGED for d in data for g in d.gold] + [True] * missed)
    flagged = np.array([LABELS[i] in FLAGGED for i in proba.argmax(axis=1)] + [False] * missed)
    rows = np.random.default_rng(seed).integers(0, len(gold), size=(rounds, len(gold)))
    g, f = gold[rows], flagged[rows]
    tp, fp, fn = (g & f).sum(axis=1), (~g & f).sum(axis=1), (g & ~f).sum(axis=1)
    f1 = 2 * tp / np.maximum(2 * tp + fp + fn, 1)
    low, high = np.percentile(f1, [2.5, 97.5])
    return float(low), float(high)


def misjudged(data: list[CompanyData], predicted: list[Predicted]) -> list[tuple]:
    """Rows (company, gold, predicted, confidence, gold story, predicted story, text) of errors."""
    rows = []
    for d, p in zip(data, predicted):
        proba = p.proba
        for i, gold in enumerate(d.gold):
            pred = LABELS[int(proba[i].argmax())]
            story = p.stories[i] if pred == "aligned" else ""
            if pred != gold or (gold == "aligned" and story != d.gold_story[i]):
                rows.append((d.company.name, gold, pred, round(float(proba[i].max()), 3), d.gold_story[i] or "",
                             story or "", " ".join(d.texts[i].split())))
    return rows


def expected_calibration_error(confidence: np.ndarray, correct: np.ndarray, bins: int = 10) -> float:
    """Mean |accuracy − confidence| over equal-width confidence bins, weighted by bin size."""
    if len(confidence) == 0:
        return 0.0
    edges = np.linspace(0, 1, bins + 1)
    which = np.clip(np.digitize(confidence, edges[1:-1]), 0, bins - 1)
    total = 0.0
    for b in range(bins):
        mask = which == b
        if mask.any():
            total += mask.mean() * abs(correct[mask].mean() - confidence[mask].mean())
    return float(total)


def load_training(corpus_dir: str, encoder, warn=print) -> list[CompanyData]:
    """corpus_dir/companies, each followed by its companion of background lines
    (corpus_dir/background, see plumbline.corpus_background) when that folder exists."""
    import os

    from plumbline.corpus_background import companion_companies

    data = load_corpus(os.path.join(corpus_dir, "companies"), encoder, warn)
    companions = companion_companies([d.company for d in data], os.path.join(corpus_dir, "background"))
    for companion, owner in companions:
        prepared = prepare_company(companion, encoder)
        if prepared.gold:
            data.append(replace(prepared, owner=owner))
    return data


def load_corpus(root: str, encoder, warn=print) -> list[CompanyData]:
    """Every company under root that has labelled sentences (others are named and skipped)."""
    data = []
    for company in load_companies(root):
        prepared = prepare_company(company, encoder)
        if prepared.gold:
            data.append(prepared)
        else:
            warn(f"skipped {company.path}: no labelled sentence matched")
    return data
