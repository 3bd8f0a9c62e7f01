"""Judge variants scored on the synthetic held-out companies and on real sales text at once.

Every variant is trained on corpus/companies only (reference features from other companies,
temperature from leave-one-company-out logits, exactly as `plumbline train`) and scored on
corpus/heldout and on a real-text folder in the corpus layout (`--realtext`, e.g.
../shared/realtext/heldout). Real text is for measuring and deciding only: nothing of it is
fitted on, stored or printed beyond counts.

    nice python research/realtext_lab.py --realtext ../shared/realtext/heldout [--only NAME ...]
"""
from __future__ import annotations

import argparse
import os
import sys
import warnings

import numpy as np

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)

from plumbline import evaluation as ev  # noqa: E402
from plumbline.judge.classifier import fit_temperature, softmax  # noqa: E402
from plumbline.judge.features import FEATURES  # noqa: E402
from plumbline.model import LABELS  # noqa: E402

IX = {name: i for i, name in enumerate(FEATURES)}


SENTENCES = {}  # company name -> its labelled Sentence objects, row-aligned with CompanyData.gold


def _recording_prepare(company, encoder):
    """ev.prepare_company, keeping the sentences (transplants need their spaCy signals)."""
    import plumbline.judge.features as features

    original = features.score_sentences

    def record(sentences, *args, **kwargs):
        SENTENCES[company.name] = list(sentences)
        return original(sentences, *args, **kwargs)
    features.score_sentences = record
    try:
        return _prepare(company, encoder)
    finally:
        features.score_sentences = original


_prepare = ev.prepare_company
ev.prepare_company = _recording_prepare


def owner(d):
    """The training company a companion (`X--extra`) belongs to."""
    return os.path.basename(d.company.path.rstrip("/")).split("--")[0]


def others_of(d, pool):
    return [r for r in pool if owner(r) != owner(d)]


def load_sets(corpus: str, realtext: str, background: str | None = None, augment_dir: str | None = None):
    from plumbline.embed import load_encoder
    from plumbline.embed import CachedEncoder

    encoder = CachedEncoder(load_encoder(None, "torch"), disk=True)
    sets = {}
    for name, root in (("train", os.path.join(corpus, "companies")), ("heldout", os.path.join(corpus, "heldout")),
                       ("real", realtext)) + ((("bg", background),) if background else ()) \
            + ((("aug", augment_dir),) if augment_dir else ()):
        sets[name] = ev.load_corpus(root, encoder, warn=lambda m: print("warning:", m, file=sys.stderr))
    for data in sets.values():
        for d in data:
            INDEX[d.company.name] = plumbline_index(d.company.plumbline_path, encoder)
    return sets, encoder


INDEX = {}  # company name -> PlumbLineIndex


def plumbline_index(path, encoder):
    from plumbline.judge.features import build_index, index_texts
    from plumbline.plumbline_file import load_plumbline

    plumbline = load_plumbline(path)
    return build_index(plumbline, encoder.encode(index_texts(plumbline)))


def background_rows(refs, kind="story"):
    """Story (or avoid) exemplar rows of the reference companies' plumb lines."""
    rows = [getattr(INDEX[r.company.name], f"{kind}_rows") for r in refs]
    rows = [r for r in rows if len(r)]
    return np.vstack(rows) if rows else np.zeros((0, 384), dtype=np.float32)


def topk_mean(sims, k):
    k = min(k, sims.shape[1])
    return np.sort(sims, axis=1)[:, -k:].mean(axis=1)


def background_block(d, refs, k=10):
    """Own plumb line against other companies' plumb lines and their labelled claims."""
    idx = INDEX[d.company.name]
    x = d.vectors
    own = x @ idx.story_rows.T
    bg = background_rows(refs, "story")
    bg_sims = x @ bg.T
    bg_avoid = background_rows(refs, "avoid")
    claims = np.vstack([r.vectors[[i for i, g in enumerate(r.gold) if g in ("aligned", "drift", "off-message")]] for r in refs])
    hub = topk_mean(idx.story_rows @ claims.T, k)  # how close each own story row sits to claims in general
    r_s = topk_mean(bg_sims, k)
    csls = (2 * own - hub[None, :]).max(axis=1) - r_s
    own_max = own.max(axis=1)
    bg_max = bg_sims.max(axis=1)
    rank = (bg_sims > own_max[:, None]).mean(axis=1)
    avoid_own = (x @ idx.avoid_rows.T).max(axis=1) if len(idx.avoid_rows) else np.zeros(len(x))
    avoid_bg = (x @ bg_avoid.T).max(axis=1)
    return np.column_stack([bg_max, own_max - bg_max, r_s, csls, rank, avoid_bg, avoid_own - own_max,
                            np.maximum(avoid_own, avoid_bg) - own_max]).astype(np.float32)


def base_features(d, references):
    return ev.features_against(d, references)


def fit_lr(x, y, c=1.0, weights=None):
    from sklearn.linear_model import LogisticRegression

    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale < 1e-6] = 1.0
    clf = LogisticRegression(C=c, max_iter=5000)
    clf.fit((x - mean) / scale, y, sample_weight=weights)

    def logits(z):
        out = np.full((len(z), len(LABELS)), -30.0)
        scores = clf.decision_function((z - mean) / scale)
        if scores.ndim == 1:  # binary: log-odds of the second class
            scores = np.column_stack([np.zeros_like(scores), scores])
        out[:, clf.classes_] = scores
        return out
    return logits


def run_variant(sets, featurize, c=1.0, loco=False, augment=None):
    """featurize(d, others) -> (n, k) features. Returns metrics per set. augment: a list of
    (company, fake CompanyData, donor names) added to training (never to any score)."""
    train = sets["train"] + sets.get("bg", []) + sets.get("aug", [])
    n_scored = len(sets["train"])  # leave-one-company-out is reported on the corpus companies only
    y_all = np.array([LABELS.index(g) for d in train for g in d.gold])
    feats = [featurize(d, others_of(d, train)) for d in train]
    x_all = np.vstack(feats)
    aug_x, aug_y, aug_owner = [], [], []
    for x, fake, donors in augment or ():
        aug_x.append(featurize(fake, [r for r in train if r is not x and r.company.name not in donors]))
        aug_y += [LABELS.index(g) for g in fake.gold]
        aug_owner += [x.company.name] * len(fake.gold)
    if aug_x:
        aug_x, aug_y, aug_owner = np.vstack(aug_x), np.array(aug_y), np.array(aug_owner)
    # temperature from leave-one-company-out logits (each fold's features computed within it)
    lo_logits, lo_gold, lo_pred = [], [], []
    for i, held in enumerate(train[:n_scored]):
        keep_rows = [j for j, d in enumerate(train) if owner(d) != owner(held)]
        others = [train[j] for j in keep_rows]
        xo = np.vstack([featurize(d, others_of(d, others)) for d in others]) if loco else \
            np.vstack([feats[j] for j in keep_rows])
        yo = np.array([LABELS.index(g) for d in others for g in d.gold])
        if len(aug_owner):
            keep = aug_owner != held.company.name
            xo, yo = np.vstack([xo, aug_x[keep]]), np.concatenate([yo, aug_y[keep]])
        lg = fit_lr(xo, yo, c)(featurize(held, others) if loco else feats[i])
        lo_logits.append(lg)
        lo_gold += held.gold
    temperature = fit_temperature(np.vstack(lo_logits), lo_gold)
    if len(aug_owner):
        x_all, y_all = np.vstack([x_all, aug_x]), np.concatenate([y_all, aug_y])
    model = fit_lr(x_all, y_all, c)
    out = {"temperature": temperature}
    lo_pred = [ev.Predicted(softmax(lg / temperature), d.scores.best_story) for lg, d in zip(lo_logits, train)]
    out["loco"] = summarise(train[:n_scored], lo_pred)
    for name in ("heldout", "real"):
        data = sets[name]
        pred = [ev.Predicted(softmax(model(featurize(d, train)) / temperature), d.scores.best_story) for d in data]
        out[name] = summarise(data, pred)
        out[name + "_by"] = {d.company.name: summarise([d], [p])["flagged_f1"] for d, p in zip(data, pred)}
    return out


NEUTRAL = LABELS.index("neutral")
SUBSTANTIVE = [LABELS.index(x) for x in ("aligned", "off-message", "drift")]


def run_two_stage(sets, neutral_featurize, claim_featurize, c=1.0, augment=None, extra_neutral=None):
    """P(neutral) from one binary model (is this a claim or pitch at all?), the claim's label
    from a second, fitted on substantive sentences only (and the transplants). extra_neutral:
    (x, y) rows added to the first model's training (background text), y 1 = neutral."""
    train = sets["train"]
    refs = lambda d: [r for r in train if r is not d]  # noqa: E731
    xn = [neutral_featurize(d, refs(d)) for d in train]
    xc = [claim_featurize(d, refs(d)) for d in train]
    ys = [np.array([LABELS.index(g) for g in d.gold]) for d in train]
    aug = []
    for x, fake, donors in augment or ():
        aug.append((x.company.name, claim_featurize(fake, [r for r in train if r is not x and r.company.name not in donors]),
                    np.array([LABELS.index(g) for g in fake.gold])))

    def fit_pair(idx):
        xa = np.vstack([xn[i] for i in idx]); ya = np.concatenate([ys[i] for i in idx]) == NEUTRAL
        if extra_neutral is not None:
            xa, ya = np.vstack([xa, extra_neutral[0]]), np.concatenate([ya, extra_neutral[1]])
        stage_a = fit_lr(xa, ya.astype(int), c)
        names = {train[i].company.name for i in idx}
        xb = np.vstack([xc[i][ys[i] != NEUTRAL] for i in idx] + [a[1] for a in aug if a[0] in names])
        yb = np.concatenate([ys[i][ys[i] != NEUTRAL] for i in idx] + [a[2] for a in aug if a[0] in names])
        stage_b = fit_lr(xb, yb, c)

        def logits(d_n, d_c):
            la = stage_a(d_n)[:, :2]  # classes 0 (claim), 1 (neutral) land in columns 0, 1
            p_neutral = 1 / (1 + np.exp(-(la[:, 1] - la[:, 0])))
            pb = softmax(stage_b(d_c)[:, SUBSTANTIVE])
            p = np.zeros((len(d_n), len(LABELS)))
            p[:, SUBSTANTIVE] = (1 - p_neutral)[:, None] * pb
            p[:, NEUTRAL] = p_neutral
            return np.log(np.clip(p, 1e-9, 1))
        return logits
    lo_logits, lo_gold = [], []
    for i, held in enumerate(train):
        lo_logits.append(fit_pair([j for j in range(len(train)) if j != i])(xn[i], xc[i]))
        lo_gold += held.gold
    temperature = fit_temperature(np.vstack(lo_logits), lo_gold)
    model = fit_pair(list(range(len(train))))
    out = {"temperature": temperature}
    out["loco"] = summarise(train, [ev.Predicted(softmax(lg / temperature), d.scores.best_story) for lg, d in zip(lo_logits, train)])
    for name in ("heldout", "real"):
        data = sets[name]
        pred = [ev.Predicted(softmax(model(neutral_featurize(d, train), claim_featurize(d, train)) / temperature),
                             d.scores.best_story) for d in data]
        out[name] = summarise(data, pred)
        out[name + "_by"] = {d.company.name: summarise([d], [p])["flagged_f1"] for d, p in zip(data, pred)}
    return out


def summarise(data, predicted):
    m = ev.metrics(data, predicted)
    gold = [g for d in data for g in d.gold]
    proba = np.vstack([p.proba for p in predicted])
    flagged = [LABELS[i] in ev.FLAGGED for i in proba.argmax(axis=1)]
    n_al = sum(g == "aligned" for g in gold)
    n_ne = sum(g == "neutral" for g in gold)
    m["aligned_flagged_share"] = sum(f for g, f in zip(gold, flagged) if g == "aligned") / max(n_al, 1)
    m["neutral_flagged_share"] = sum(f for g, f in zip(gold, flagged) if g == "neutral") / max(n_ne, 1)
    return m


def show(name, out):
    row = []
    for part in ("loco", "heldout", "real"):
        m = out[part]
        row.append(f"{part} F1 {m['flagged_f1']:.3f} (P {m['flagged_precision']:.2f} R {m['flagged_recall']:.2f}) "
                   f"al {m['aligned_flagged_share']:.2f} ne {m['neutral_flagged_share']:.2f} "
                   f"story {m['story_attribution']:.2f} ece {m['ece']:.3f}")
    print(f"== {name}  T={out['temperature']:.2f}")
    for r in row:
        print("   ", r)
    conf = out["real"]["confusion"]
    print("    real confusion (gold: pred a/o/d/n):", "; ".join(
        f"{g[:3]} " + "/".join(str(conf[g][p]) for p in LABELS) for g in LABELS))
    print("    real by company:", " ".join(f"{k} {v:.3f}" for k, v in out["real_by"].items()))
    sys.stdout.flush()


def columns(names):
    gone = [n for n in names if n not in IX]
    if gone:  # the phrase and brand cues left the judge with issue 19
        sys.exit(f"this variant needs {', '.join(gone)}, which the judge no longer computes; run it on the "
                 f"judge before issue 19: git worktree add ../plumbline-603f578 603f578")
    idx = [IX[n] for n in names]
    return lambda d, refs: base_features(d, refs)[:, idx]


PHRASE_CUES = ["add_on", "candour", "competitor", "fear", "paperwork"]
REFERENCE = ["ref_aligned", "ref_off_message", "ref_drift", "ref_neutral",
             "ref_off_minus_neutral", "ref_drift_minus_neutral", "ref_aligned_minus_drift"]


def transplants(train, per_company=100, seed=0, labels=("aligned",), donor_count=4):
    """For each training company X: sentences other companies' reps said that tell *their*
    stories, judged against X's plumb line: another company's claims are drift here."""
    from dataclasses import replace as dc_replace

    from plumbline.judge.features import score_sentences

    rng = np.random.default_rng(seed)
    out = []
    for x in train:
        others = [r for r in train if r is not x]
        donors = [others[k] for k in rng.choice(len(others), size=min(donor_count, len(others)), replace=False)]
        pool = [(r, i) for r in donors for i, g in enumerate(r.gold) if g in labels]
        pick = rng.choice(len(pool), size=min(per_company, len(pool)), replace=False)
        chosen = sorted((pool[k] for k in pick), key=lambda t: (t[0].company.name, t[1]))
        sentences = [SENTENCES[r.company.name][i] for r, i in chosen]
        vectors = np.vstack([r.vectors[i] for r, i in chosen])
        scores = score_sentences(sentences, vectors, INDEX[x.company.name])
        donors = {r.company.name for r, _ in chosen}
        fake = dc_replace(x, scores=scores, gold=["drift"] * len(sentences), gold_story=[None] * len(sentences),
                          texts=[s.text for s in sentences], embed_texts=[s.embed_text for s in sentences],
                          vectors=vectors, rule_flagged=())
        out.append((x, fake, donors))
    return out


def bank_vectors(refs, labels=("aligned", "drift", "off-message")):
    return np.vstack([r.vectors[[i for i, g in enumerate(r.gold) if g in labels]] for r in refs])


def _sims(x, idx):
    """story_max, story_whole, avoid_max of vectors x against one plumb line."""
    story = (x @ idx.story_rows.T).max(axis=1)
    whole = (x @ idx.story_whole.T).max(axis=1)
    avoid = (x @ idx.avoid_rows.T).max(axis=1) if len(idx.avoid_rows) else np.zeros(len(x))
    return np.column_stack([story, whole, avoid, story - avoid])


_ZCACHE = {}


def zscore_block(d, refs):
    """The sentence's similarities standardised against how other companies' claims (a
    background that tells none of these stories) score on this plumb line."""
    idx = INDEX[d.company.name]
    key = (d.company.name, tuple(r.company.name for r in refs))
    if key not in _ZCACHE:
        bank = _sims(bank_vectors(refs), idx)
        _ZCACHE[key] = (bank.mean(axis=0), bank.std(axis=0) + 1e-6, np.sort(bank, axis=0))
    mean, std, ordered = _ZCACHE[key]
    own = _sims(d.vectors, idx)
    z = (own - mean) / std
    pct = np.column_stack([np.searchsorted(ordered[:, j], own[:, j]) / len(ordered) for j in range(own.shape[1])])
    return np.column_stack([z, pct]).astype(np.float32)


def with_z(names, background=False):
    base = columns(names)
    if background:
        return lambda d, refs: np.column_stack([base(d, refs), background_block(d, refs), zscore_block(d, refs)])
    return lambda d, refs: np.column_stack([base(d, refs), zscore_block(d, refs)])


def with_background(names):
    base = columns(names)
    return lambda d, refs: np.column_stack([base(d, refs), background_block(d, refs)])


NO_PHRASE = [f for f in FEATURES if f not in PHRASE_CUES]
NO_PHRASE_REF = [f for f in NO_PHRASE if f not in REFERENCE]

SIMILARITY = ["story_max", "story_whole", "story_gap", "avoid_max", "avoid_whole", "neutral_max", "story_rel", "avoid_rel",
              "story_minus_avoid", "story_minus_neutral", "avoid_minus_neutral"]
FORM = ["is_question", "has_verb", "log_tokens", "short"]
LINGUISTIC = ["discount_cue", "guarantee_cue", "refuses_guarantee", "superlative", "absolute", "money_or_percent", "date",
              "mentions_brand", "we", "you"]
LEXICAL = ["novel_share", "novel_count", "avoid_word_share"]
CONTEXT = ["context_story", "context_avoid", "no_context"]

def drop(*names, base=FEATURES):
    return [f for f in base if f not in names]


VARIANTS = {
    "no_phrase_z_bg": lambda: with_z(NO_PHRASE, True),
    **{f"drop_{name}": (lambda name=name: lambda: columns(drop(name)))() for name in
       ("add_on", "candour", "competitor", "fear", "paperwork", "heading", "mentions_brand", "superlative", "absolute", "we")},
    "drop_5phrase_keep_heading": lambda: columns(drop(*PHRASE_CUES)),
    "drop_5phrase_brand_superl": lambda: columns(drop(*PHRASE_CUES, "mentions_brand", "superlative")),
    "z_sim_form": lambda: with_z(SIMILARITY + FORM),
    "z_sim_form_ling": lambda: with_z(SIMILARITY + FORM + drop("mentions_brand", base=LINGUISTIC)),
    "z_nobrand": lambda: with_z(drop("mentions_brand")),
    "z_nobrand_phrase": lambda: with_z(drop("mentions_brand", *PHRASE_CUES)),
    "z_nobrand_phrase_bg": lambda: with_z(drop("mentions_brand", *PHRASE_CUES), True),
    "no_brand": lambda: columns(drop("mentions_brand")),
    "no_brand_phrase": lambda: columns(drop("mentions_brand", *PHRASE_CUES)),
    "no_brand_phrase_bg": lambda: with_background(drop("mentions_brand", *PHRASE_CUES)),
    "no_brand_we_phrase_bg": lambda: with_background(drop("mentions_brand", "we", "superlative", *PHRASE_CUES)),
    "no_brand_phrase_ref_bg": lambda: with_background(drop("mentions_brand", *PHRASE_CUES, *REFERENCE)),
    "sim_form": lambda: columns(SIMILARITY + FORM),
    "sim_form_ling": lambda: columns(SIMILARITY + FORM + LINGUISTIC),
    "sim_form_ling_bg": lambda: with_background(SIMILARITY + FORM + LINGUISTIC),
    "sim_form_ling_lex_bg": lambda: with_background(SIMILARITY + FORM + LINGUISTIC + LEXICAL),
    "sim_form_ling_ctx_bg": lambda: with_background(SIMILARITY + FORM + LINGUISTIC + CONTEXT),
    "sim_form_ling_ctx_lex_bg": lambda: with_background(SIMILARITY + FORM + LINGUISTIC + CONTEXT + LEXICAL),
    "bg": lambda: with_background(FEATURES),
    "bg_no_phrase": lambda: with_background(NO_PHRASE),
    "bg_no_phrase_ref": lambda: with_background(NO_PHRASE_REF),
    "baseline": lambda: columns(FEATURES),
    "no_phrase_cues": lambda: columns([f for f in FEATURES if f not in PHRASE_CUES]),
    "no_phrase_no_ref": lambda: columns([f for f in FEATURES if f not in PHRASE_CUES + REFERENCE]),
}


NEUTRAL_FEATURES = ["is_question", "has_verb", "log_tokens", "short", "neutral_max", "story_minus_neutral",
                    "avoid_minus_neutral", "discount_cue", "guarantee_cue", "money_or_percent", "date", "we", "you"]
CLAIM_BASE = SIMILARITY + ["discount_cue", "guarantee_cue", "refuses_guarantee", "absolute", "money_or_percent"]
TWO_STAGE = {
    "two_basic": (lambda: columns(NEUTRAL_FEATURES), lambda: columns(CLAIM_BASE)),
    "two_ref": (lambda: columns(NEUTRAL_FEATURES + REFERENCE), lambda: columns(CLAIM_BASE)),
    "two_ref_z": (lambda: columns(NEUTRAL_FEATURES + REFERENCE), lambda: with_z(CLAIM_BASE)),
    "two_ref_zbg": (lambda: columns(NEUTRAL_FEATURES + REFERENCE), lambda: with_z(CLAIM_BASE, True)),
    "two_ref_zbg_ctx": (lambda: columns(NEUTRAL_FEATURES + REFERENCE + CONTEXT), lambda: with_z(CLAIM_BASE + CONTEXT, True)),
    "two_ref_zbg_lex": (lambda: columns(NEUTRAL_FEATURES + REFERENCE), lambda: with_z(CLAIM_BASE + LEXICAL, True)),
}


def main():
    warnings.filterwarnings("ignore")
    parser = argparse.ArgumentParser()
    parser.add_argument("--corpus", default=os.path.join(REPO, "corpus"))
    parser.add_argument("--realtext", required=True)
    parser.add_argument("--only", nargs="*")
    parser.add_argument("--transplants", type=int, default=0, help="per training company: other companies' aligned sentences added as drift")
    parser.add_argument("--background", help="extra training companies (research/background_companies.py output)")
    parser.add_argument("--augment", help="companion companies (research/augment_companies.py output)")
    parser.add_argument("--loco", action="store_true", help="recompute featurize inside each fold (slower)")
    args = parser.parse_args()
    sets, _ = load_sets(args.corpus, args.realtext, args.background, args.augment)
    augment = transplants(sets["train"], args.transplants) if args.transplants else None
    if "bg" in sets:
        print(f"background: {len(sets['bg'])} companies, {sum(len(d.gold) for d in sets['bg'])} sentences")
    for name, (make_n, make_c) in TWO_STAGE.items():
        if args.only and name not in args.only:
            continue
        show(name + (f" +{args.transplants} transplants" if augment else ""),
             run_two_stage(sets, make_n(), make_c(), augment=augment))
    for name, make in VARIANTS.items():
        if args.only and name not in args.only:
            continue
        show(name + (f" +{args.transplants} transplants" if augment else ""), run_variant(sets, make(), loco=args.loco, augment=augment))


if __name__ == "__main__":
    main()
