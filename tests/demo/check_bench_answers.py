#!/usr/bin/env python3
"""`sightline-bench --questions` answers as the CLI's server does, and score_answers.py scores as
evaluate.py does (issue #13: the GPU check measures the demo's accuracy with the bench, the only
program an engine-only GPU build has).

Writes a small held-out question file (`evaluate.write_question_file`), answers it with
`sightline-bench --questions` on the CPU (float32, 4 decoded together), asks the same questions through
`sightline-cli serve` (`evaluate.ask_all`), and checks: every answer is the same text, and
score_answers.py prints the accuracy evaluate.accuracy computes. Then a question file with a missing
image, a bad line and a relative path: the missing image fails that question only ({"error"}), a line
that is not a question exits 2 naming the line.

  check_bench_answers.py --bench build/app/sightline-bench --cli build/app/sightline-cli --model resources/demo-model
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tools"))
from demo import evaluate, score_answers  # noqa: E402

SEED = 626262  # neither training's nor the other checks' (check_demo_accuracy: 424242, 515151)


def bench(args, questions, out, extra=()):
    return subprocess.run([args.bench, "--model", args.model, "--device", "cpu", "--questions", questions, "--json", out,
                           "--concurrency", "4", *extra], capture_output=True, text=True, timeout=300)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bench", required=True)
    ap.add_argument("--cli", required=True)
    ap.add_argument("--model", required=True)
    ap.add_argument("--per-kind", type=int, default=4)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        items = evaluate.write_question_file(tmp, SEED, args.per_kind)
        qfile, afile = os.path.join(tmp, "questions.jsonl"), os.path.join(tmp, "answers.jsonl")
        r = bench(args, qfile, afile)
        assert r.returncode == 0, r.stderr
        got = score_answers.read_jsonl(afile)
        assert len(got) == len(items), (len(got), len(items))
        assert all("answer" in g for g in got), got
        served = evaluate.ask_all(args.cli, args.model, items, parallel=2)
        for it, g, s in zip(items, got, served):
            assert g["answer"] == s, f"{it['question']} ({it['image']}): bench {g['answer']!r}, server {s!r}"
        expected = evaluate.accuracy(items, served)
        table, failed = score_answers.accuracy(score_answers.read_jsonl(qfile), got)
        assert failed == 0
        assert {k: ok / n for k, (ok, n) in table.items()} == expected, (table, expected)
        out = subprocess.run([sys.executable, os.path.join(HERE, "..", "..", "tools", "demo", "score_answers.py"), qfile, afile,
                              "--label", "cpu float32", "--json", os.path.join(tmp, "score.json")],
                             capture_output=True, text=True, check=True).stdout
        with open(os.path.join(tmp, "score.json")) as f:
            assert json.load(f)["accuracy"] == {k: round(v, 3) for k, v in sorted(expected.items())}
        print(out.strip())

        # A question whose image is missing fails alone; the relative path of the next is the file's folder's.
        bad = os.path.join(tmp, "bad.jsonl")
        with open(bad, "w") as f:
            f.write(json.dumps({"image": "nowhere.png", "question": "What colour is the circle?"}) + "\n\n")
            f.write(json.dumps({"image": os.path.basename(items[0]["image"]), "question": items[0]["question"]}) + "\n")
        r = bench(args, bad, afile)
        assert r.returncode == 0, r.stderr
        got = score_answers.read_jsonl(afile)
        assert len(got) == 2 and "error" in got[0] and "nowhere.png" in got[0]["error"], got
        assert got[1].get("answer") == served[0], (got, served[0])
        with open(bad, "a") as f:
            f.write('{"image": "q0000.png"}\n')
        r = bench(args, bad, afile)
        assert r.returncode == 2 and "bad.jsonl line 4" in r.stderr, (r.returncode, r.stderr)
    print("bench answers = server answers; score_answers = evaluate.accuracy")
    return 0


if __name__ == "__main__":
    sys.exit(main())
