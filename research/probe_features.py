"""Experiment (not shipped): learned cross-company features from the sentence vectors, scored
exactly like `plumbline eval` (leave one company out, then held-out).

Two kinds of extra feature block, appended to the judge's features and always fitted on
*other* companies only, nested like the reference block (`evaluation.features_against`): each
company's block in a training fold comes from a fit on the fold's other companies.

- probe: a regularised multinomial logistic regression on the sentence vector `x`, optionally
  with difference vectors (`x - s`, `x - a`: the best-matching story / avoid exemplar row); its
  four log-probabilities become features.
- metric: a low-rank metric sim(x, r) = x.r + (xU).(rV) trained so each labelled sentence
  picks its gold story or avoid entry (drift and neutral pick "none"); six features: learned
  best story and avoid similarity, their difference, log p(none), log p(any story), log p(any
  avoid).

    python research/probe_features.py --block none                   # today's judge
    python research/probe_features.py --block probe --rep xsa --c 0.05
    python research/probe_features.py --block metric --k 16 --wd 0.01
Loading the corpus takes a few minutes the first time and under a minute once plumbline's
embedding and parse caches hold it (no pickle: nothing a user hands in is unpickled).
"""
from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)

import plumbline.evaluation as ev  # noqa: E402

LABELS = ("aligned", "off-message", "drift", "neutral")


def load():
    from plumbline.embed import load_encoder
    from plumbline.judge.features import build_index, index_texts
    from plumbline.plumbline_file import load_plumbline

    encoder = load_encoder(None)
    train = ev.load_corpus(os.path.join(REPO, "corpus/companies"), encoder)
    held = ev.load_corpus(os.path.join(REPO, "corpus/heldout"), encoder)
    index = {}
    for d in train + held:
        plumbline = load_plumbline(d.company.plumbline_path)
        index[d.company.name] = build_index(plumbline, encoder.encode(index_texts(plumbline)))
    return train, held, index


class Probe:
    def __init__(self, index, rep: str, c: float):
        self.index, self.rep, self.c, self.width, self.cache = index, rep, c, 4, {}

    def vectors(self, d) -> np.ndarray:
        x = d.vectors.astype(np.float64)
        ix = self.index[d.company.name]
        s = ix.story_rows[(x @ ix.story_rows.T).argmax(axis=1)]
        a = ix.avoid_rows[(x @ ix.avoid_rows.T).argmax(axis=1)]
        return np.hstack({"x": [x], "xs": [x, x - s], "xsa": [x, x - s, x - a], "sa": [x - s, x - a]}[self.rep])

    def block(self, d, refs) -> np.ndarray:
        from sklearn.linear_model import LogisticRegression

        key = tuple(sorted(r.company.name for r in refs))
        if key not in self.cache:
            y = np.array([LABELS.index(g) for r in refs for g in r.gold])
            self.cache[key] = LogisticRegression(C=self.c, max_iter=500, tol=1e-3).fit(
                np.vstack([self.vectors(r) for r in refs]), y)
        return self.cache[key].predict_log_proba(self.vectors(d))


class Metric:
    EM, RM = 10, 12  # most entries (stories + avoids) per plumb line, most rows per entry

    def __init__(self, index, k: int, wd: float, steps: int):
        import torch

        torch.set_num_threads(1)
        self.index, self.k, self.wd, self.steps, self.width, self.cache = index, k, wd, steps, 6, {}

    def packed(self, refs):
        """Sentence vectors, every entry row, (n, EM, RM) row indices of each sentence's own
        company's entries, their validity, and the gold entry (EM = none)."""
        import torch

        xs, rows_all, gidx, valid, targets, offset = [], [], [], [], [], 0
        for d in refs:
            ix = self.index[d.company.name]
            rows = np.vstack([ix.story_rows, ix.story_whole, ix.avoid_rows, ix.avoid_whole])
            ns, na = len(ix.story_ids), len(ix.avoid_ids)
            owner = np.concatenate([ix.story_owner, np.arange(ns), ns + ix.avoid_owner, ns + np.arange(na)])
            g, ok = np.zeros((self.EM, self.RM), dtype=np.int64), np.zeros((self.EM, self.RM), dtype=bool)
            for e in range(ns + na):
                r = np.nonzero(owner == e)[0]
                g[e, :len(r)], ok[e, :len(r)] = offset + r, True
            n = len(d.gold)
            xs.append(d.vectors)
            rows_all.append(rows)
            gidx.append(np.broadcast_to(g, (n, self.EM, self.RM)))
            valid.append(np.broadcast_to(ok, (n, self.EM, self.RM)))
            targets.append([ix.story_ids.index(s) if label == "aligned" and s in ix.story_ids
                            else ns + ix.avoid_ids.index(s) if label == "off-message" and s in ix.avoid_ids
                            else self.EM for label, s in zip(d.gold, d.gold_story)])
            offset += len(rows)
        t = lambda a, dtype=None: torch.tensor(np.concatenate(a), dtype=dtype)  # noqa: E731
        return (t(xs, torch.float32), t(rows_all, torch.float32), t(gidx), t(valid), t(targets))

    def scores(self, X, R, G, ok, U, V):
        import torch

        sims = X @ R.T + (X @ U) @ (R @ V).T
        picked = torch.gather(sims, 1, G.view(len(X), -1)).view(G.shape)
        return torch.where(ok, picked, torch.tensor(-1e4)).max(dim=2).values  # (n, EM)

    def fit(self, refs):
        import torch

        torch.manual_seed(0)
        U = torch.nn.Parameter(0.01 * torch.randn(384, self.k))
        V = torch.nn.Parameter(0.01 * torch.randn(384, self.k))
        scale, bias = torch.nn.Parameter(torch.tensor(10.0)), torch.nn.Parameter(torch.tensor(5.0))
        opt = torch.optim.Adam([U, V, scale, bias], lr=0.03)
        X, R, G, ok, target = self.packed(refs)
        for _ in range(self.steps):
            opt.zero_grad()
            logits = torch.cat([self.scores(X, R, G, ok, U, V) * scale, bias.expand(len(X), 1)], dim=1)
            loss = torch.nn.functional.cross_entropy(logits, target) + self.wd * ((U ** 2).sum() + (V ** 2).sum())
            loss.backward()
            opt.step()
        return U.detach(), V.detach(), scale.detach(), bias.detach()

    def block(self, d, refs) -> np.ndarray:
        import torch

        key = tuple(sorted(r.company.name for r in refs))
        if key not in self.cache:
            self.cache[key] = self.fit(refs)
        U, V, scale, bias = self.cache[key]
        X, R, G, ok, _ = self.packed([d])
        ix = self.index[d.company.name]
        ns, na = len(ix.story_ids), len(ix.avoid_ids)
        with torch.no_grad():
            s = self.scores(X, R, G, ok, U, V)
            lp = torch.log_softmax(torch.cat([s * scale, bias.expand(len(X), 1)], dim=1), dim=1)
            story, avoid = s[:, :ns].max(1).values, s[:, ns:ns + na].max(1).values
            out = torch.stack([story, avoid, story - avoid, lp[:, -1], torch.logsumexp(lp[:, :ns], 1),
                               torch.logsumexp(lp[:, ns:ns + na], 1)], 1)
        return out.numpy()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--block", choices=("none", "probe", "metric"), default="probe")
    parser.add_argument("--rep", choices=("x", "xs", "xsa", "sa"), default="xsa")
    parser.add_argument("--c", type=float, default=0.05, help="probe: inverse regularisation")
    parser.add_argument("--k", type=int, default=16, help="metric: rank")
    parser.add_argument("--wd", type=float, default=0.01, help="metric: L2 on U and V")
    parser.add_argument("--steps", type=int, default=100, help="metric: Adam steps")
    args = parser.parse_args()
    train, held, index = load()
    extra = None if args.block == "none" else (
        Probe(index, args.rep, args.c) if args.block == "probe" else Metric(index, args.k, args.wd, args.steps))
    base = ev.features_against

    def features_against(company, references):
        features = base(company, references)
        if extra is None:
            return features
        block = extra.block(company, references) if len(references) >= 2 else np.zeros((len(features), extra.width))
        return np.hstack([features, block]).astype(np.float32)

    ev.features_against = features_against  # _fit and predict look it up at call time
    start = time.time()
    loco = ev.metrics(train, ev.leave_one_company_out(train))
    model = ev.train_model(train)
    heldout = ev.metrics(held, [ev.predict(model, d, train) for d in held])
    for name, m in (("LOCO", loco), ("held-out", heldout)):
        print(f"{name:9s} F1 {m['flagged_f1']:.3f} P {m['flagged_precision']:.3f} R {m['flagged_recall']:.3f} "
              f"story {m['story_attribution']:.3f} neutral flagged {m['neutral_flagged']} ECE {m['ece']:.3f}")
    print(f"({time.time() - start:.0f} s)")


if __name__ == "__main__":
    main()
