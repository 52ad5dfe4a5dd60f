"""Accuracy of a demo-model checkpoint through the real engine (issue #13).

Contract:
- `question_set(out_dir, seed, per_kind)` writes `per_kind` held-out questions of each kind (colour,
  shape, count, word, box) with their images under out_dir and returns them as dicts.
- `ask_all(cli, model, items, extra)` starts `sightline-cli serve` (CPU, `extra` adds e.g.
  ["--dtype", "bfloat16"] or ["--quantize", "int8"]), asks every question greedily with thinking off
  through the OpenAI API, stops the server, and returns the answers in order.
- `write_question_file(out_dir, seed, per_kind)`: the same set as questions.jsonl beside its images, for
  `sightline-bench --questions` (the GPU check) and score_answers.py.
- `score(item, answer)` (score_answers.py) is whether the answer is right: the exact text for colour/shape/count/word
  (case and surrounding space ignored), IoU >= 0.5 with the true box for boxes.
- `moderation_eval(cli, model, out_dir, seed, n, extra)` writes a held-out labelled queue, runs
  `sightline-cli moderate` over it, exports the verdicts and returns per-label precision/recall/F1,
  macro-F1, per-category F1 and agreement.
"""
import base64
import concurrent.futures
import csv
import io
import json
import os
import random
import subprocess
import time
import urllib.request

from . import listings, scenes
from .score_answers import BOX_RE, iou, score  # noqa: F401 (the scoring rule, shared with the GPU check)



def question_set(out_dir, seed, per_kind):
    rng = random.Random(seed)
    os.makedirs(out_dir, exist_ok=True)
    items, counts = [], {k: 0 for k in scenes.KINDS}
    while min(counts.values()) < per_kind:
        scene = scenes.make_scene(rng)
        qs = [q for q in scenes.questions(scene) if counts[q[0]] < per_kind]
        if not qs:
            continue
        kind, q, a = rng.choice(qs)
        path = os.path.join(out_dir, f"q{len(items):04d}.png")
        scene.image.save(path)
        item = {"kind": kind, "image": path, "question": q, "answer": a}
        if kind == "box":
            o = next(o for o in scene.objects if q == f"Where is the {o.colour} {o.shape}?")
            item["box"] = scenes.norm_box(o.box, *scene.image.size)
        items.append(item)
        counts[kind] += 1
    return items


def write_question_file(out_dir, seed, per_kind):
    """question_set's questions and images under out_dir, and out_dir/questions.jsonl listing them (image
    paths relative to it): the input of `sightline-bench --questions` and score_answers.py."""
    items = question_set(out_dir, seed, per_kind)
    with open(os.path.join(out_dir, "questions.jsonl"), "w", encoding="utf-8") as f:
        for it in items:
            f.write(json.dumps(dict(it, image=os.path.basename(it["image"]))) + "\n")
    return items


def start_server(cli, model, extra, parallel=8):
    srv = subprocess.Popen([cli, "serve", "--model", model, "--device", "cpu", "--port", "0", "--parallel", str(parallel),
                            "--no-auth"] + extra,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    # Loopback only, so the evaluation runs without a key (serve requires one by default).
    # Notices (e.g. "the API has no authentication") may come before the address line.
    seen = []
    line = srv.stdout.readline()
    while line and not line.startswith("listening on http://127.0.0.1:") and len(seen) < 20:
        seen.append(line.strip())
        line = srv.stdout.readline()
    if not line.startswith("listening on http://127.0.0.1:"):
        line = " / ".join(seen + [line.strip()])
        srv.kill()
        raise RuntimeError(f"server did not start: {line.strip()} {srv.stdout.read()[-2000:]}")
    return srv, "http://127.0.0.1:" + line.split(":")[2].split("/")[0]


def chat(base, messages, max_tokens=32):
    """One chat completion (greedy, thinking off) of an OpenAI messages list; the answer's text."""
    body = {"messages": messages, "temperature": 0, "max_tokens": max_tokens, "chat_template_kwargs": {"enable_thinking": False}}
    req = urllib.request.Request(base + "/v1/chat/completions", data=json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=600) as r:
        return json.loads(r.read())["choices"][0]["message"]["content"] or ""


def ask(base, item, max_tokens=32):
    b64 = base64.b64encode(open(item["image"], "rb").read()).decode()
    return chat(base, [{"role": "user", "content": [
        {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{b64}"}},
        {"type": "text", "text": item["question"]}]}], max_tokens)


def serve_map(cli, model, fn, items, extra=(), parallel=8):
    """fn(base, item) for every item against one `sightline-cli serve` of the model, in order."""
    srv, base = start_server(cli, model, list(extra), parallel)
    try:
        with concurrent.futures.ThreadPoolExecutor(parallel) as pool:
            return list(pool.map(lambda it: fn(base, it), items))
    finally:
        srv.terminate()
        try:
            srv.wait(timeout=30)
        except subprocess.TimeoutExpired:
            srv.kill()


def ask_all(cli, model, items, extra=(), parallel=8):
    return serve_map(cli, model, ask, items, extra, parallel)


def accuracy(items, answers):
    table = {}
    for it, a in zip(items, answers):
        ok, n = table.get(it["kind"], (0, 0))
        table[it["kind"]] = (ok + int(score(it, a)), n + 1)
    return {k: ok / n for k, (ok, n) in table.items()}


def f1_table(truth, pred, labels):
    out = {}
    for lab in labels:
        tp = sum(1 for t, p in zip(truth, pred) if t == lab and p == lab)
        fp = sum(1 for t, p in zip(truth, pred) if t != lab and p == lab)
        fn = sum(1 for t, p in zip(truth, pred) if t == lab and p != lab)
        prec = tp / (tp + fp) if tp + fp else 0.0
        rec = tp / (tp + fn) if tp + fn else 0.0
        out[lab] = {"precision": prec, "recall": rec, "f1": 2 * prec * rec / (prec + rec) if prec + rec else 0.0,
                    "support": tp + fn}
    return out


def calibration(conf, correct, bins=5):
    """Expected calibration error of the verdict-token probability, and the reliability table
    (per confidence bin: count, mean confidence, accuracy)."""
    table, ece = [], 0.0
    for b in range(bins):
        lo, hi = b / bins, (b + 1) / bins
        idx = [i for i, c in enumerate(conf) if lo <= c < hi or (b == bins - 1 and c == 1.0)]
        if not idx:
            continue
        mc = sum(conf[i] for i in idx) / len(idx)
        acc = sum(correct[i] for i in idx) / len(idx)
        ece += len(idx) / len(conf) * abs(mc - acc)
        table.append({"bin": f"{lo:.1f}-{hi:.1f}", "n": len(idx), "confidence": round(mc, 3), "accuracy": round(acc, 3)})
    return {"ece": ece, "reliability": table}


def moderation_eval(cli, model, out_dir, seed, n, extra=(), parallel=4):
    rng = random.Random(seed)
    queue = [listings.make_listing(rng) for _ in range(n)]
    listings.write_queue(out_dir, queue)
    db = os.path.join(out_dir, "moderation.db")
    for suffix in ("", ".checkpoints", "-wal", "-shm"):
        if os.path.exists(db + suffix):
            os.remove(db + suffix)
    env = dict(os.environ)
    env["SIGHTLINE_AUDIT_KEY"] = os.path.join(out_dir, "audit.key")  # a throwaway audit key for the run
    t0 = time.time()
    subprocess.run([cli, "moderate", "--model", model, "--input", os.path.join(out_dir, "queue.csv"), "--db", db,
                    "--device", "cpu", "--parallel", str(parallel)] + list(extra), check=True, env=env,
                   stdout=subprocess.DEVNULL)
    wall = time.time() - t0
    export = os.path.join(out_dir, "verdicts.jsonl")
    subprocess.run([cli, "export", "--db", db, "--jsonl", export], check=True, env=env, stdout=subprocess.DEVNULL)
    with open(os.path.join(out_dir, "labels.csv")) as f:
        report = score_export(export, list(csv.DictReader(f)))
    report["wall_s"] = round(wall, 1)
    return report


def score_export(export_path, labels):
    """Scores `sightline-cli export --jsonl` rows against labels (dicts id, label, category): per label
    and per reject category F1, macro-F1, agreement, calibration. A labelled item without a usable
    verdict counts as wrong at confidence 0 (`moderate-eval` scores the same way)."""
    if not labels:
        raise ValueError("no labelled items to score")
    rows = {}
    with open(export_path) as f:
        for line in f:
            r = json.loads(line)
            rows[str(r.get("id"))] = r
    truth, pred, cat_truth, cat_pred, conf, errors = [], [], [], [], [], 0
    for lab in labels:
        r = rows.get(lab["id"], {})
        v = r.get("verdict") or "error"
        v = "escalate" if v == "review" else v
        errors += v not in listings.LABELS
        truth.append(lab["label"])
        pred.append(v)
        conf.append(float(r.get("confidence") or 0.0))
        cats = r.get("categories") or []
        cat_truth.append(lab["category"] if lab["label"] == "reject" else "")
        cat_pred.append(cats[0] if v == "reject" and cats else "")
    per_label = f1_table(truth, pred, listings.LABELS)
    n = len(labels)
    return {"n": n, "calibration": calibration(conf, [t == p for t, p in zip(truth, pred)]),
            "agreement": sum(t == p for t, p in zip(truth, pred)) / n, "errors": errors,
            "macro_f1": sum(v["f1"] for v in per_label.values()) / len(per_label), "per_label": per_label,
            "per_category": f1_table(cat_truth, cat_pred, listings.CATEGORIES)}


def markdown(report):
    """The accuracy and moderation tables (docs/demo-model.md) of a check_demo_accuracy report."""
    names = list(report)
    kinds = ["colour", "shape", "count", "word", "box"]
    lines = ["| question kind | " + " | ".join(names) + " |", "|---|" + "---|" * len(names)]
    for k in kinds:
        label = "box (IoU ≥ 0.5)" if k == "box" else k
        lines.append(f"| {label} | " + " | ".join(f"{report[n]['accuracy'].get(k, 0):.3f}" for n in names) + " |")
    lines.append("| moderation macro-F1 | " + " | ".join(f"{report[n]['moderation']['macro_f1']:.3f}" for n in names) + " |")
    lines.append("| moderation agreement | " + " | ".join(f"{report[n]['moderation']['agreement']:.3f}" for n in names) + " |")
    lines.append("| verdict ECE | " + " | ".join(f"{report[n]['moderation']['calibration']['ece']:.3f}" for n in names) + " |")
    lines.append("| unparsable verdicts | " + " | ".join(str(report[n]['moderation']['errors']) for n in names) + " |")
    for n in names:
        mod = report[n]["moderation"]
        lines += ["", f"Moderation, {n} ({mod['n']} listings): per label and per reject category", "",
                  "| | precision | recall | F1 | support |", "|---|---|---|---|---|"]
        for group in ("per_label", "per_category"):
            for lab, v in mod[group].items():
                lines.append(f"| {lab} | {v['precision']:.3f} | {v['recall']:.3f} | {v['f1']:.3f} | {v['support']} |")
        lines += ["", "| verdict-token confidence | n | mean confidence | accuracy |", "|---|---|---|---|"]
        for r in mod["calibration"]["reliability"]:
            lines.append(f"| {r['bin']} | {r['n']} | {r['confidence']:.3f} | {r['accuracy']:.3f} |")
    return "\n".join(lines)
