"""BERTScore-style token alignment as judge features: does it separate drift from aligned
better than the sentence-level cosines? (An experiment; the shipped judge does not use it.)

For each rep sentence, MiniLM's contextual token embeddings (the vectors that mean pooling
turns into the sentence vector) of its content words are matched against the content-word
tokens of the company's plumb line (story titles and sentences; avoid titles, sentences and
example bullets), brand names masked as everywhere else. Per content token: its best cosine
against any story token. Features are the mean / min / share below a cut of those, an
IDF-weighted mean (IDF over the company's own plumb-line entries, no labels), the best story's
mean, and against the avoid entries the mean best match and the best BERTScore F1 with one
avoid sentence. Nothing here is fitted on labels; the judge's regression learns the weights,
inside each training fold, exactly as `plumbline eval` does (harness: research/judge_variants.py).

    nice -n 19 python research/token_alignment.py            # leave one company out only
    nice -n 19 python research/token_alignment.py --heldout  # also held-out (once, after choosing)

Token embeddings are cached as .npy + .json under the plumbline cache dir (never pickle).
"""
from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import re
import sys
import warnings

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import judge_variants as jv  # noqa: E402  (installs the harness's caching of reference features)

from plumbline import evaluation as ev  # noqa: E402
from plumbline.judge.features import _stop_words, neutral_exemplars  # noqa: E402
from plumbline.plumbline_file import load_plumbline  # noqa: E402
from plumbline.segment import mask_brand  # noqa: E402

WORD = re.compile(r"^[a-z]+$")
TOKEN_FEATURES = ("tok_mean", "tok_min", "tok_low", "tok_idf_mean", "tok_story_best",
                  "tok_avoid_mean", "tok_avoid_f1", "tok_rel")


class TokenEmbedder:
    """Per text: (content-token vectors, their wordpiece ids), L2-normalised, from
    sentence-transformers' token_embeddings (the same forward pass as the sentence vector)."""

    def __init__(self):
        from plumbline.embed import default_model_dir, go_offline

        go_offline()
        from sentence_transformers import SentenceTransformer

        self.model = SentenceTransformer(default_model_dir(), device="cpu", local_files_only=True)
        self.stop = _stop_words() | {"company"}  # "the company" is the brand mask, in every entry
        self.memo: dict[str, tuple[np.ndarray, np.ndarray]] = {}

    def content_mask(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """Which wordpieces (with [CLS]/[SEP]) belong to a content word, and their ids."""
        enc = self.model.tokenizer(text, truncation=True, max_length=self.model.max_seq_length,
                                   return_offsets_mapping=True)
        words = enc.word_ids()
        spans: dict[int, tuple[int, int]] = {}
        for w, (a, b) in zip(words, enc["offset_mapping"]):
            if w is not None:
                spans[w] = (min(a, spans.get(w, (a, b))[0]), max(b, spans.get(w, (a, b))[1]))
        keep = []
        for w in words:
            word = text[spans[w][0]:spans[w][1]].lower() if w is not None else ""
            keep.append(bool(WORD.match(word)) and len(word) > 2 and word not in self.stop)
        return np.array(keep, dtype=bool), np.array(enc["input_ids"])

    def embed(self, texts: list[str]) -> None:
        missing = [t for t in dict.fromkeys(texts) if t not in self.memo]
        if not missing:
            return
        cached = self._load(missing)
        missing = [t for t in missing if t not in cached]
        self.memo.update(cached)
        if missing:
            tokens = self.model.encode(missing, output_value="token_embeddings", batch_size=64,
                                       convert_to_numpy=False, show_progress_bar=False)
            fresh = {}
            for text, vecs in zip(missing, tokens):
                vecs = vecs.float().numpy()
                keep, ids = self.content_mask(text)
                assert len(keep) == len(vecs), (text, len(keep), len(vecs))
                vecs = vecs[keep]
                fresh[text] = (vecs / np.linalg.norm(vecs, axis=1, keepdims=True).clip(1e-9), ids[keep])
            self.memo.update(fresh)
            self._save(fresh)

    def __call__(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        return self.memo[text]

    # cache: one .npy of stacked token vectors + one .json (texts, row counts, ids) per batch
    def _dir(self) -> str:
        from plumbline.cache import cache_dir

        path = os.path.join(cache_dir(), "token-alignment-v1")
        os.makedirs(path, exist_ok=True)
        return path

    def _load(self, wanted: list[str]) -> dict:
        out, wanted = {}, set(wanted)
        for name in sorted(os.listdir(self._dir())):
            if not name.endswith(".json"):
                continue
            with open(os.path.join(self._dir(), name), encoding="utf-8") as fh:
                meta = json.load(fh)
            if not wanted & set(meta["texts"]):
                continue
            vecs = np.load(os.path.join(self._dir(), name[:-5] + ".npy"), allow_pickle=False)
            start = 0
            for text, n, ids in zip(meta["texts"], meta["counts"], meta["ids"]):
                if text in wanted:
                    out[text] = (vecs[start:start + n], np.array(ids, dtype=int))
                start += n
        return out

    def _save(self, fresh: dict) -> None:
        texts = list(fresh)
        key = hashlib.sha256("\x1f".join(texts).encode()).hexdigest()[:16]
        np.save(os.path.join(self._dir(), key + ".npy"),
                np.vstack([fresh[t][0] for t in texts]).astype(np.float32), allow_pickle=False)
        with open(os.path.join(self._dir(), key + ".json"), "w", encoding="utf-8") as fh:
            json.dump({"texts": texts, "counts": [len(fresh[t][0]) for t in texts],
                       "ids": [fresh[t][1].tolist() for t in texts]}, fh)


def plumbline_texts(company) -> dict[str, list[list[str]]]:
    """Per kind, per entry: its title and sentences (examples), brand names masked."""
    plumbline = load_plumbline(company.plumbline_path)
    out = {"story": [], "avoid": []}
    for entry in plumbline.stories:
        out[entry.kind].append([mask_brand(t, plumbline.brand_names)[0] for t in (entry.title, *entry.examples)])
    return out


def bertscore_f1(t: np.ndarray, e: np.ndarray) -> float:
    if len(t) == 0 or len(e) == 0:
        return 0.0
    sims = t @ e.T
    r, p = sims.max(axis=1).mean(), sims.max(axis=0).mean()
    return float(2 * p * r / (p + r)) if p + r > 0 else 0.0


def company_features(texts: list[str], entries: dict, tok: TokenEmbedder, cut: float) -> np.ndarray:
    """(n, len(TOKEN_FEATURES)) for texts against one company's plumb line."""
    story = [[tok(t) for t in entry] for entry in entries["story"]]
    s_vecs = np.vstack([v for entry in story for v, _ in entry])
    s_owner = np.concatenate([[k] * len(v) for k, entry in enumerate(story) for v, _ in entry]).astype(int)
    avoid = [tok(t) for entry in entries["avoid"] for t in entry]
    a_vecs = np.vstack([v for v, _ in avoid]) if avoid else np.zeros((0, s_vecs.shape[1]), np.float32)
    # IDF over the plumb line's entries (stories and avoid): a wordpiece few entries use weighs more
    docs = [set(np.concatenate([ids for _, ids in map(tok, entry)]).tolist())
            for kind in ("story", "avoid") for entry in entries[kind]]
    df: dict[int, int] = {}
    for d in docs:
        for i in d:
            df[i] = df.get(i, 0) + 1
    n_docs = len(docs)

    def row(text):
        t, ids = tok(text)
        if len(t) == 0:  # no content word: nothing new said (greetings, "Thanks,")
            return [1.0, 1.0, 0.0, 1.0, 1.0, 1.0, 1.0]
        sims = t @ s_vecs.T
        best = sims.max(axis=1)
        idf = np.array([math.log((n_docs + 1) / (df.get(int(i), 0) + 1)) + 1.0 for i in ids])
        per_story = max(sims[:, s_owner == k].max(axis=1).mean() for k in range(len(story)))
        avoid_mean = (t @ a_vecs.T).max(axis=1).mean() if len(a_vecs) else 0.0
        avoid_f1 = max((bertscore_f1(t, v) for v, _ in avoid), default=0.0)
        return [best.mean(), best.min(), (best < cut).mean(), (best * idf).sum() / idf.sum(), per_story,
                avoid_mean, avoid_f1]

    rows = np.array([row(t) for t in texts], dtype=np.float32)
    neutral = np.array([row(t)[0] for t in neutral_exemplars()], dtype=np.float32)
    rel = rows[:, 0] - neutral.mean()  # like story_rel: how far above generic neutral text
    return np.column_stack([rows, rel])


def label_means(train, feats) -> None:
    print("training labels, mean of each token feature:")
    print("  " + " ".join(f"{n:>14}" for n in ("label",) + TOKEN_FEATURES))
    for label in ("aligned", "drift", "off-message", "neutral"):
        rows = np.vstack([feats[id(d)][[g == label for g in d.gold]] for d in train])
        print(f"  {label:>14} " + " ".join(f"{v:14.3f}" for v in rows.mean(axis=0)))
    from sklearn.metrics import roc_auc_score

    def auc(values, a, b):  # how well one column alone ranks label a above label b (0.5: not at all)
        pairs = [(v, g == a) for d in train for v, g in zip(values(d), d.gold) if g in (a, b)]
        return roc_auc_score([y for _, y in pairs], [v for v, _ in pairs])

    print("AUC alone, aligned vs drift / flagged vs aligned+neutral:")
    columns = {n: (lambda d, i=i: feats[id(d)][:, i]) for i, n in enumerate(TOKEN_FEATURES)}
    columns.update({n: (lambda d, n=n: d.scores.features[:, jv.IX[n]]) for n in ("story_max", "novel_share", "story_minus_neutral")})
    for n, values in columns.items():
        flagged = lambda d, values=values: values(d)
        pairs = [(v, g in ev.FLAGGED) for d in train for v, g in zip(flagged(d), d.gold)]
        f_auc = roc_auc_score([y for _, y in pairs], [v for v, _ in pairs])
        print(f"  {n:<20} {auc(values, 'aligned', 'drift'):.3f} / {f_auc:.3f}")


def score_loco(train, name: str) -> dict:
    predicted = ev.leave_one_company_out(train)
    m = ev.metrics(train, predicted)
    print(f"{name:<34} LOCO F1 {m['flagged_f1']:.3f} P {m['flagged_precision']:.3f} R {m['flagged_recall']:.3f} "
          f"story {m['story_attribution']:.3f} neutral flagged {m['neutral_flagged']} ECE {m['ece']:.3f}", flush=True)
    print("    per company F1: " + " ".join(f"{d.company.name.split()[0].lower()} {ev.metrics([d], [p])['flagged_f1']:.3f}"
                                           for d, p in zip(train, predicted)), flush=True)
    return m


VARIANTS = {
    "mean/min/low": ("tok_mean", "tok_min", "tok_low"),
    "mean": ("tok_mean",),
    "idf mean": ("tok_idf_mean",),
    "rel (mean - neutral exemplars)": ("tok_rel",),
    "best story mean": ("tok_story_best",),
    "story block (all story)": ("tok_mean", "tok_min", "tok_low", "tok_idf_mean", "tok_story_best"),
    "avoid mean + avoid F1": ("tok_avoid_mean", "tok_avoid_f1"),
    "all": TOKEN_FEATURES,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", default=os.path.join(jv.REPO, "corpus"))
    parser.add_argument("--cut", type=float, nargs="*", default=[0.5])
    parser.add_argument("--only", nargs="*", choices=list(VARIANTS))
    parser.add_argument("--heldout", nargs="*", choices=list(VARIANTS),
                        help="score these variants (and the baseline) on corpus/heldout too")
    args = parser.parse_args()
    warnings.filterwarnings("ignore", category=RuntimeWarning)
    train, held = jv.prepare(args.corpus)
    tok = TokenEmbedder()
    entries = {d.company.name: plumbline_texts(d.company) for d in train + held}
    tok.embed([t for d in train + held for t in d.embed_texts] + neutral_exemplars()
              + [t for e in entries.values() for kind in e.values() for entry in kind for t in entry])
    ix = {n: i for i, n in enumerate(TOKEN_FEATURES)}
    if args.heldout is not None:
        feats = {id(d): company_features(d.embed_texts, entries[d.company.name], tok, args.cut[0]) for d in train + held}
        for name in ["baseline"] + args.heldout:
            cols = [] if name == "baseline" else [ix[c] for c in VARIANTS[name]]
            jv.EXTRA[0] = (lambda d, F, cols=cols: feats[id(d)][:, cols]) if cols else None
            jv.score(train, held, name)
        return
    jv.EXTRA[0] = None
    score_loco(train, "baseline (shipped judge)")
    for cut in args.cut:
        feats = {id(d): company_features(d.embed_texts, entries[d.company.name], tok, cut) for d in train}
        print(f"-- cut {cut}")
        label_means(train, feats)
        for name in args.only or VARIANTS:
            cols = [ix[c] for c in VARIANTS[name]]
            jv.EXTRA[0] = lambda d, F, cols=cols: feats[id(d)][:, cols]
            score_loco(train, f"+ {name}")


if __name__ == "__main__":
    main()
