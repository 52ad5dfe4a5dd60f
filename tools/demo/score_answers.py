#!/usr/bin/env python3
"""Scores a demo-model checkpoint's answers against the held-out questions (issue #13); the standard
library only, so it runs on a bare GPU machine too.

  tools/demo/score_answers.py QUESTIONS.jsonl ANSWERS.jsonl [--label TEXT] [--json OUT]

QUESTIONS.jsonl: one question per line as `evaluate.write_question_file` writes them (kind, image,
question, answer, and box for box questions); ANSWERS.jsonl: one {"answer"} or {"error"} per line in
the same order (`sightline-bench --questions`). Prints the accuracy per kind; a failed request counts
as wrong. `score` is the rule every accuracy figure of docs/demo-model.md uses: the exact text for
colour/shape/count/word (case and surrounding space ignored), IoU >= 0.5 with the true box for boxes.
"""
import argparse
import json
import re
import sys

BOX_RE = re.compile(r"\[\s*(\d+)\s*,\s*(\d+)\s*,\s*(\d+)\s*,\s*(\d+)\s*\]")


def iou(a, b):
    ix = max(0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def score(item, answer):
    if item["kind"] == "box":
        m = BOX_RE.search(answer)
        return bool(m) and iou([int(v) for v in m.groups()], item["box"]) >= 0.5
    return answer.strip().lower() == item["answer"].strip().lower()


def read_jsonl(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def accuracy(questions, answers):
    """{kind: (right, asked)} and the number of failed requests."""
    if len(questions) != len(answers):
        raise ValueError(f"{len(questions)} questions but {len(answers)} answers")
    table, failed = {}, 0
    for q, a in zip(questions, answers):
        ok, n = table.get(q["kind"], (0, 0))
        failed += "error" in a
        table[q["kind"]] = (ok + int("answer" in a and score(q, a["answer"])), n + 1)
    return table, failed


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("questions")
    ap.add_argument("answers")
    ap.add_argument("--label", default="", help="a name for this run in the output (e.g. cuda bfloat16)")
    ap.add_argument("--json", help="also write {kind: accuracy} here")
    args = ap.parse_args()
    table, failed = accuracy(read_jsonl(args.questions), read_jsonl(args.answers))
    result = {k: round(ok / n, 3) for k, (ok, n) in sorted(table.items())}
    print(f"{args.label + ': ' if args.label else ''}" + ", ".join(f"{k} {v:.3f} ({table[k][0]}/{table[k][1]})" for k, v in result.items())
          + (f"; {failed} requests failed" if failed else ""))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"label": args.label, "accuracy": result, "failed": failed}, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
