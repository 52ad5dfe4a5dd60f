#!/usr/bin/env python3
"""sightline-bench on the tiny fixture model produces a complete JSON report with sane figures."""
import json
import os
import subprocess
import sys
import tempfile

bench, model = sys.argv[1], sys.argv[2]
out = tempfile.mktemp(suffix=".json")
r = subprocess.run([bench, "--model", model, "--device", "cpu", "--image-size", "300x200", "--max-new-tokens", "8", "--warmup", "1",
                    "-n", "3", "-r", "2", "--concurrency", "2", "--ignore-eos", "--monitor-sampling", "--json", out],
                   capture_output=True, text=True, errors="replace", timeout=300)
fails = []
if r.returncode != 0:
    print(r.stdout, r.stderr)
    sys.exit(1)
rep = json.load(open(out))
os.unlink(out)
for phase in ("preprocess", "vision", "prefill", "ttft", "decode_per_token", "total"):
    s = rep["ms"][phase]
    for k in ("best", "median", "mean", "stddev", "p50", "p95", "p99"):
        if k not in s:
            fails.append(f"{phase}.{k} missing")
    if s["count"] != 6:
        fails.append(f"{phase}: {s['count']} samples, expected 6")
    if not (s["best"] <= s["median"] <= s["worst"]):
        fails.append(f"{phase}: best/median/worst out of order")
# A rate is better when higher: its best is the maximum, its worst the minimum.
d = rep["decode_tokens_per_s"]
if not (d["worst"] <= d["median"] <= d["best"]) or not (d["p50"] <= d["p99"] <= d["best"]):
    fails.append(f"decode tokens/s: best {d['best']} / median {d['median']} / worst {d['worst']} out of order (best must be the max)")
if f"best {d['best']:.2f}" not in r.stdout:
    fails.append("text report's best decode rate differs from the JSON's")
if rep["settings"]["generated_tokens"] != 8:
    fails.append("token count not fixed at 8")
if rep["settings"]["image_tokens"] != 24:
    fails.append(f"300x200 image should be 24 tokens, got {rep['settings']['image_tokens']}")
c = rep["concurrency"]
if c["generated_tokens"] != 16:
    fails.append("concurrency run token count")
if c["peak_batch"] != 2 or not (1.0 < c["mean_batch"] <= 2.0):
    fails.append(f"two concurrent requests were not decoded as one batch: peak {c['peak_batch']}, mean {c['mean_batch']}")
if not c["aggregate_decode_tokens_per_s"] > 0 or "median" not in c["ttft_ms"]:
    fails.append("concurrency decode rate / TTFT missing")
for k in ("device", "libtorch", "nvml"):
    if k not in rep["hardware"]:
        fails.append(f"hardware.{k} missing")
if "time to 1st token" not in r.stdout:
    fails.append("text report missing")
for f in fails:
    print("FAIL", f)
print(f"{max(0, 14 - len(fails))} passed, {len(fails)} failed")
sys.exit(1 if fails else 0)
