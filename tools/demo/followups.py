#!/usr/bin/env python3
"""How a demo-model checkpoint answers inside a conversation (docs/demo-model.md, "The demo model in
the app"): held-out two-turn conversations through `sightline-cli serve` (greedy, thinking off), the
colour, shape or count question asked last.

- follow-up: the image and a question, its right answer, then a second question about the same image
  without sending the image again (what a person does next in a chat);
- text-first: a question without an image and its answer, then the image and its question (a chat
  that began with text).

Prints the share answered right per kind of conversation.

  .venv/bin/python3 tools/demo/followups.py --cli build/app/sightline-cli resources/demo-model [MODEL...]
"""
import argparse
import base64
import collections
import io
import os
import random
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from demo import evaluate, scenes  # noqa: E402


def conversations(seed, n):
    rng = random.Random(seed)
    items = []
    while len(items) < n:
        sc = scenes.make_scene(rng)
        qs = [q for q in scenes.questions(sc) if q[0] in ("colour", "shape", "count")]
        if len(qs) < 2:
            continue
        buf = io.BytesIO()
        sc.image.save(buf, "PNG")
        image = {"type": "image_url", "image_url": {"url": "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()}}
        (_, q1, a1), (_, q2, a2) = rng.sample(qs, 2)
        if len(items) % 2 == 0:
            msgs = [{"role": "user", "content": [image, {"type": "text", "text": q1}]}, {"role": "assistant", "content": a1},
                    {"role": "user", "content": q2}]
            items.append(("follow-up", msgs, a2))
        else:
            _, q0, a0 = scenes.pick_question(scenes.make_scene(rng), rng)
            msgs = [{"role": "user", "content": q0}, {"role": "assistant", "content": a0},
                    {"role": "user", "content": [image, {"type": "text", "text": q2}]}]
            items.append(("text-first", msgs, a2))
    return items


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cli", required=True)
    ap.add_argument("--n", type=int, default=120)
    ap.add_argument("--seed", type=int, default=777)
    ap.add_argument("models", nargs="+")
    args = ap.parse_args()
    items = conversations(args.seed, args.n)
    for model in args.models:
        got = evaluate.serve_map(args.cli, model, lambda base, it: evaluate.chat(base, it[1], 40), items, parallel=4)
        right = collections.defaultdict(list)
        for (kind, _, want), a in zip(items, got):
            right[kind].append(a.strip().lower() == want.lower())
        print(model + ": " + "  ".join(f"{k} {sum(v) / len(v):.3f} ({len(v)})" for k, v in right.items()), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
