#!/usr/bin/env python3
"""`sightline-cli moderate-eval` gives tools/demo/evaluate.py's numbers on the same run (issue #13).

Judges a small generated listing queue with the demo model (`evaluate.moderation_eval`: moderate,
export, Python metrics), then evaluates the same database and labels with `moderate-eval --json` and
compares every figure: per-label and per-category precision/recall/F1/support, macro-F1, agreement,
unusable verdicts, ECE and the reliability bins. Then again with labels that name an item the store
lacks and leave out one it has (the C++ counts both; the Python glue below scores the first as a
wrong answer and ignores the second, as moderation_eval does). Malformed labels exit 2 naming the row.

  check_moderate_eval.py --cli build/app/sightline-cli --model resources/demo-model [--n 24]
"""
import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools"))
from demo import evaluate, listings  # noqa: E402

SEED = 616161  # neither training's nor check_demo_accuracy's


def close(a, b, tol, what):
    if abs(a - b) > tol:
        raise AssertionError(f"{what}: C++ {a!r} != Python {b!r}")


def compare(cpp, py):
    assert cpp["n"] == py["n"], (cpp["n"], py["n"])
    assert cpp["errors"] == py["errors"], (cpp["errors"], py["errors"])
    close(cpp["agreement"], py["agreement"], 1e-12, "agreement")
    close(cpp["macro_f1"], py["macro_f1"], 1e-12, "macro_f1")
    for group in ("per_label", "per_category"):
        for name, p in py[group].items():
            c = cpp[group].get(name)
            if c is None:  # the C++ lists the categories it saw; evaluate.py lists a fixed set
                assert p["support"] == 0 and p["precision"] == 0, (group, name, p)
                continue
            for k in ("precision", "recall", "f1"):
                close(c[k], p[k], 1e-12, f"{group} {name} {k}")
            assert c["support"] == p["support"], (group, name, c, p)
        for name, c in cpp[group].items():
            if name not in py[group]:  # a category the model made up: nothing labelled with it
                assert c["support"] == 0, (group, name, c)
    close(cpp["calibration"]["ece"], py["calibration"]["ece"], 1e-12, "ece")
    cb, pb = cpp["calibration"]["reliability"], py["calibration"]["reliability"]
    assert [b["n"] for b in cb] == [b["n"] for b in pb], (cb, pb)
    for c, p in zip(cb, pb):  # evaluate.py rounds the table to 3 decimals
        close(c["confidence"], p["confidence"], 5e-4 + 1e-12, "bin confidence")
        close(c["accuracy"], p["accuracy"], 5e-4 + 1e-12, "bin accuracy")


def moderate_eval(cli, db, labels_path, env):
    out = subprocess.run([cli, "moderate-eval", "--db", db, "--labels", labels_path, "--json"], env=env, check=True,
                         capture_output=True, text=True)
    return json.loads(out.stdout)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cli", required=True)
    ap.add_argument("--model", required=True)
    ap.add_argument("--n", type=int, default=24)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="sightline-moderate-eval-") as d:
        env = dict(os.environ, SIGHTLINE_AUDIT_KEY=os.path.join(d, "audit.key"))
        py = evaluate.moderation_eval(args.cli, args.model, d, SEED, args.n)
        db, labels_path = os.path.join(d, "moderation.db"), os.path.join(d, "labels.csv")
        cpp = moderate_eval(args.cli, db, labels_path, env)
        compare(cpp, py)
        assert cpp["missing"] == 0 and cpp["unlabelled"] == 0, cpp
        print(f"same numbers on {py['n']} listings: macro-F1 {cpp['macro_f1']:.3f}, agreement {cpp['agreement']:.3f}, "
              f"ECE {cpp['calibration']['ece']:.3f}, unusable verdicts {cpp['errors']}")

        # Labels that disagree with the store: one item left out, one that was never queued.
        labels = list(csv.DictReader(open(labels_path)))
        dropped = labels.pop(0)
        labels.append({"id": "never-queued", "label": "reject", "category": "prohibited_goods"})
        partial = os.path.join(d, "partial.csv")
        with open(partial, "w", newline="") as f:
            w = csv.DictWriter(f, ["id", "label", "category"])
            w.writeheader()
            w.writerows(labels)
        cpp = moderate_eval(args.cli, db, partial, env)
        compare(cpp, evaluate.score_export(os.path.join(d, "verdicts.jsonl"), labels))
        assert cpp["missing"] == 1 and cpp["missing_ids"] == ["never-queued"], cpp
        assert cpp["unlabelled"] == 1 and cpp["unlabelled_ids"] == [dropped["id"]], cpp
        text = subprocess.run([args.cli, "moderate-eval", "--db", db, "--labels", partial], env=env, check=True,
                              capture_output=True, text=True).stdout
        for want in ("macro-F1", "confusion", "ECE", "never-queued", dropped["id"]):
            assert want in text, (want, text)

        # Malformed labels: exit 2 and the row named, never a crash.
        bad = os.path.join(d, "bad.csv")
        for content, want in ((b"id,label,category\nitem0000,approve,\nitem0001,reject,\xff\n", "row 3"),
                              (b"id,label,category\nitem0000,approve,\nitem0000,reject,x\n", "row 3"),
                              (b"id,category\nitem0000,x\n", "no \"label\" column")):
            open(bad, "wb").write(content)
            r = subprocess.run([args.cli, "moderate-eval", "--db", db, "--labels", bad], env=env, capture_output=True, text=True)
            assert r.returncode == 2 and want in r.stderr, (content, r.returncode, r.stderr)
        r = subprocess.run([args.cli, "moderate-eval", "--db", os.path.join(d, "absent.db"), "--labels", labels_path], env=env,
                           capture_output=True, text=True)
        assert r.returncode == 2 and "no such moderation database" in r.stderr, r.stderr
        assert not os.path.exists(os.path.join(d, "absent.db"))
    print("moderate-eval: OK")


if __name__ == "__main__":
    main()
