#!/usr/bin/env python3
"""The demo model's answers are right, through the real engine (issue #13).

Generates its own held-out set (seeds that training never used), asks every question through
`sightline-cli serve` (greedy, thinking off, CPU), judges a held-out labelled listing queue with
`sightline-cli moderate`, and asserts the issue's thresholds on the float32 run:
  colour, shape, count, word accuracy >= 0.95; boxes IoU >= 0.5 in >= 0.90; moderation macro-F1 >= 0.90.
Other variants (--variants float32,bfloat16,int8) are measured and reported beside it; with
--no-assert the script only reports (tools for docs/demo-model.md).

--floor FILE asserts instead that the checkpoint still answers as well as when it was shipped: every
figure of every variant at least FILE's float32 figure (the `--report` of the release measurement,
`resources/demo-model/accuracy.json`) less --margin, and bfloat16 / INT8 within --margin of this
run's float32. The held-out set is the same, so only an engine that answers worse can fail it (a
broken RoPE, attention or quantizer brings answers to chance); --margin absorbs near-ties that
another CPU's rounding may flip.

  check_demo_accuracy.py --cli build/app/sightline-cli --model resources/demo-model [--per-kind 40]
  check_demo_accuracy.py ... --floor resources/demo-model/accuracy.json --variants float32,bfloat16,int8
"""
import argparse
import json
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools"))
from demo import evaluate  # noqa: E402

THRESHOLDS = {"colour": 0.95, "shape": 0.95, "count": 0.95, "word": 0.95, "box": 0.90}
MACRO_F1 = 0.90
QUESTION_SEED, MODERATION_SEED = 424242, 515151  # training uses 20261201 and its derivatives
VARIANTS = {"float32": [], "bfloat16": ["--dtype", "bfloat16"], "int8": ["--quantize", "int8"]}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cli", required=True)
    ap.add_argument("--model", required=True)
    ap.add_argument("--per-kind", type=int, default=40)
    ap.add_argument("--moderation", type=int, default=60)
    ap.add_argument("--variants", default="float32")
    ap.add_argument("--report", help="write the measured figures here as JSON")
    ap.add_argument("--no-assert", action="store_true")
    ap.add_argument("--show-wrong", type=int, default=5, help="print this many wrong answers per kind")
    ap.add_argument("--floor", help="assert no figure fell below this report's float32 figures (less --margin)")
    ap.add_argument("--margin", type=float, default=0.05)
    args = ap.parse_args()
    if args.moderation < 1 or args.per_kind < 1:
        ap.error("--per-kind and --moderation must be at least 1 (the figures are shares of them)")
    report = {}
    with tempfile.TemporaryDirectory(prefix="demo-acc-") as tmp:
        items = evaluate.question_set(os.path.join(tmp, "questions"), QUESTION_SEED, args.per_kind)
        for name in args.variants.split(","):
            t0 = time.time()
            answers = evaluate.ask_all(args.cli, args.model, items, VARIANTS[name])
            acc = evaluate.accuracy(items, answers)
            q_wall = time.time() - t0
            mod = evaluate.moderation_eval(args.cli, args.model, os.path.join(tmp, f"moderation-{name}"), MODERATION_SEED,
                                           args.moderation, VARIANTS[name])
            report[name] = {"accuracy": acc, "questions_wall_s": round(q_wall, 1), "moderation": mod}
            print(f"[{name}] " + "  ".join(f"{k} {v:.3f}" for k, v in sorted(acc.items())) +
                  f"  moderation macro-F1 {mod['macro_f1']:.3f} agreement {mod['agreement']:.3f} ECE {mod['calibration']['ece']:.3f}"
                  f" ({len(items)} questions {q_wall:.0f}s, {mod['n']} listings {mod['wall_s']:.0f}s)", flush=True)
            shown = {}
            for it, a in zip(items, answers):
                if not evaluate.score(it, a) and shown.get(it["kind"], 0) < args.show_wrong:
                    shown[it["kind"]] = shown.get(it["kind"], 0) + 1
                    print(f"  wrong {it['kind']}: {it['question']!r} -> {a!r} (want {it['answer']!r})")
    if args.report:
        with open(args.report, "w") as f:
            json.dump(report, f, indent=1)
        print(evaluate.markdown(report))
    if args.no_assert or "float32" not in report:
        return 0
    if args.floor:
        failures = floor_failures(report, args.floor, args.margin)
        for f in failures:
            print("FAIL: " + f)
        print(f"floor: {len(failures)} figure(s) below {args.floor} less {args.margin}")
        return 1 if failures else 0
    failures = [f"{k} {report['float32']['accuracy'].get(k, 0):.3f} < {t}" for k, t in THRESHOLDS.items()
                if report["float32"]["accuracy"].get(k, 0) < t]
    if report["float32"]["moderation"]["macro_f1"] < MACRO_F1:
        failures.append(f"moderation macro-F1 {report['float32']['moderation']['macro_f1']:.3f} < {MACRO_F1}")
    for f in failures:
        print("FAIL: " + f)
    return 1 if failures else 0


def figures(variant):
    """The figures a floor compares: accuracy per question kind and the moderation macro-F1."""
    return {**variant["accuracy"], "moderation macro-F1": variant["moderation"]["macro_f1"]}


def floor_failures(report, floor_path, margin):
    with open(floor_path) as f:
        shipped = figures(json.load(f)["float32"])
    now32 = figures(report["float32"])
    failures = []
    for name, variant in report.items():
        for k, v in figures(variant).items():
            if k in shipped and v < shipped[k] - margin - 1e-9:
                failures.append(f"[{name}] {k} {v:.3f} < shipped float32 {shipped[k]:.3f} - {margin}")
            if name != "float32" and k in now32 and v < now32[k] - margin - 1e-9:
                failures.append(f"[{name}] {k} {v:.3f} < this run's float32 {now32[k]:.3f} - {margin}")
    missing = [k for k in shipped if k not in now32]
    failures += [f"[float32] no figure for {k}" for k in missing]
    return failures


if __name__ == "__main__":
    sys.exit(main())
