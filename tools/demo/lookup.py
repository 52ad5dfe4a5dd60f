#!/usr/bin/env python3
"""Where a demo-model checkpoint looks when it answers (issue #13; docs/demo-model.md, "The lookup").

For held-out scenes and their colour, shape and count questions (or word questions: --kinds), at the position that predicts the
first answer token: the attention mass each head of each text layer puts on the image tokens the
question is about (`dense.asked_tokens`) and, for layer L2H0, on the other objects; the mass each head
puts on the question's own colour and shape words (`data.encode`'s word_target); and whether the asked
attribute (the colour a shape question names, the shape a colour question names) can be read linearly
from the residual stream there (a probe fitted on two thirds of the questions, scored on the rest).
A lookup that works shows a head with mass near 1 on its targets; one that attends to every object
alike shows the share of the asked object among them.

  .venv/bin/python3 tools/demo/lookup.py resources/demo-model [--scenes 60] [--json out.json]
"""
import argparse
import json
import os
import random
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from demo import checkpoint, data, dense, scenes  # noqa: E402


def load(path):
    from tokenizers import Tokenizer
    from transformers import Glm4vForConditionalGeneration
    tok = Tokenizer.from_file(os.path.join(path, "tokenizer.json"))
    model = Glm4vForConditionalGeneration.from_pretrained(path, dtype=torch.float32).eval()
    model.set_attn_implementation("eager")  # the weights
    with open(os.path.join(path, "preprocessor_config.json")) as f:
        checkpoint.MAX_PIXELS = json.load(f)["size"]["longest_edge"]
    return tok, model


def run(model, batch):
    """One forward pass of an encoded batch (data.encode) with its image features in place; returns the
    attention weights of every text layer and the residual stream entering each."""
    import train_demo_model as T
    inner = model.model
    attn, resid = {}, {}
    hooks = []
    for li, layer in enumerate(inner.language_model.layers):
        hooks.append(layer.self_attn.register_forward_hook(lambda m, i, o, li=li: attn.__setitem__(li, o[1][0])))
        hooks.append(layer.register_forward_pre_hook(
            lambda m, a, kw, li=li: resid.__setitem__(li, (a[0] if a else kw["hidden_states"])[0]), with_kwargs=True))
    try:
        with torch.no_grad():
            T.forward_shared.attn_weight = 0
            T.forward_shared(model, batch, None)
    finally:
        for h in hooks:
            h.remove()
    return attn, resid


def probe(feats, labels):
    """Held-out accuracy of a linear read-out of labels from feats (fitted on the first two thirds)."""
    y = torch.tensor(labels)
    n = len(y)
    cut = n * 2 // 3
    if cut < 2 or n - cut < 1:
        return float("nan")
    x = torch.stack(feats)
    mu, sd = x[:cut].mean(0), x[:cut].std(0) + 1e-6
    x = (x - mu) / sd
    clf = torch.nn.Linear(x.shape[1], int(y.max()) + 1)
    opt = torch.optim.Adam(clf.parameters(), 1e-2)
    for _ in range(300):
        opt.zero_grad()
        torch.nn.functional.cross_entropy(clf(x[:cut]), y[:cut]).backward()
        opt.step()
    return (clf(x[cut:]).argmax(1) == y[cut:]).float().mean().item()


def report(path, n_scenes=60, seed=99, kinds=("colour", "shape", "count")):
    import train_demo_model as T
    T.fast_patch_embed()
    tok, model = load(path)
    cfg = model.config
    proc = checkpoint.image_processor()
    rng = random.Random(seed)
    mass, words, spread = {}, {}, {}
    asked, asked_y = {}, {}
    colours = list(scenes.COLOURS)
    for _ in range(n_scenes):
        sc = scenes.make_scene(rng, with_word=True if tuple(kinds) == ("word",) else None)
        for kind, q, a in scenes.questions(sc):
            if kind not in kinds:
                continue
            b = data.encode([data.Sample(kind, sc.image, q, a, None, sc)], tok, proc, cfg)
            tgt = b["attn_target"][0]
            if not tgt.any():
                continue
            attn, resid = run(model, b)
            p = int((b["labels"][0] != -100).nonzero()[0, 0]) - 1  # predicts the first answer token
            per = dense.object_tokens(sc, b["unique_grid_thw"][0])[0]
            first = b["input_ids"][0].tolist().index(cfg.image_token_id)
            objs = torch.zeros_like(tgt)
            for k in set().union(*per):
                objs[first + k] = True
            for li, a_ in attn.items():
                mass.setdefault((kind, li), []).append((a_[:, p] * tgt).sum(-1))
                if b["word_target"][0].any():
                    words.setdefault((kind, li), []).append((a_[:, p] * b["word_target"][0]).sum(-1))
            spread.setdefault(kind, []).append(float((attn[2][0, p] * (objs & ~tgt)).sum()) if 2 in attn else 0.0)
            if kind in ("colour", "shape"):
                o = next(o for o in sc.objects if (f"the {o.shape}?" in q if kind == "colour" else f"the {o.colour} object" in q))
                y = scenes.SHAPES.index(o.shape) if kind == "colour" else colours.index(o.colour)
                for li, r in resid.items():
                    asked.setdefault((kind, li), []).append(r[p])
                asked_y.setdefault(kind, []).append(y)
            elif kind == "word":  # the word itself: at the answer position, and in the image (its tokens' mean)
                for li, r in resid.items():
                    asked.setdefault((kind, li), []).append(r[p])
                asked.setdefault(("word-in-image", 0), []).append(resid[0][tgt].mean(0))
                asked_y.setdefault(kind, []).append(scenes.WORDS.index(sc.word))
                asked_y.setdefault("word-in-image", []).append(scenes.WORDS.index(sc.word))
    out = {"checkpoint": path, "scenes": n_scenes,
           "target_mass": {f"{k}/L{li}": [round(v, 3) for v in torch.stack(m).mean(0).tolist()] for (k, li), m in sorted(mass.items())},
           "question_word_mass": {f"{k}/L{li}": [round(v, 3) for v in torch.stack(m).mean(0).tolist()] for (k, li), m in sorted(words.items())},
           "L2H0_other_objects": {k: round(sum(v) / len(v), 3) for k, v in spread.items()},
           "asked_readable": {f"{k}/L{li}": round(probe(f, asked_y[k]), 3) for (k, li), f in sorted(asked.items())},
           "questions": {k: len(v) for k, v in spread.items()}}
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("checkpoint")
    ap.add_argument("--scenes", type=int, default=60)
    ap.add_argument("--json", help="also write the report here")
    ap.add_argument("--kinds", default="colour,shape,count",
                    help="question kinds (word: every scene has a word; the word is probed at the answer position "
                         "and in the image tokens, 50 classes: give --scenes 400 or more)")
    args = ap.parse_args()
    out = report(args.checkpoint, args.scenes, kinds=tuple(args.kinds.split(",")))
    print(f"{args.checkpoint}: {out['questions']} questions")
    print("attention mass on the asked object's tokens, per head (rows: question kind / text layer):")
    for k, v in out["target_mass"].items():
        print(f"  {k:10s} " + " ".join(f"{x:.2f}" for x in v))
    print("attention mass on the question's colour and shape words, per head:")
    for k, v in out["question_word_mass"].items():
        print(f"  {k:10s} " + " ".join(f"{x:.2f}" for x in v))
    print("L2H0 mass on the other objects: " + ", ".join(f"{k} {v:.2f}" for k, v in out["L2H0_other_objects"].items()))
    print("asked attribute readable at the answer position (layer input): " +
          ", ".join(f"{k} {v:.2f}" for k, v in out["asked_readable"].items()))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(out, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
