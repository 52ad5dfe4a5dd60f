#!/usr/bin/env python3
"""Summary table of a device check: reads the reports that tools/device_bench.sh leaves in OUT and
prints goal, measured and met / not met for each goal of the CUDA issue. Usage: device_summary.py OUT"""
import json
import os
import re
import sys

# Peak HBM bandwidth by GPU name (vendor data sheets), for the weight-bandwidth roofline of decode.
BANDWIDTH = [("H200", 4.8e12), ("H100 PCIe", 2.0e12), ("H100 NVL", 3.9e12), ("H100", 3.35e12), ("A100-SXM4-80GB", 2.039e12),
             ("A100", 1.555e12)]


def load(out, name):
    try:
        with open(os.path.join(out, name)) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def rate_high(summary):
    # Highest sample of a rate, whichever key a report version puts it under.
    return max(summary.get("best", 0), summary.get("worst", 0))


def main():
    out = sys.argv[1]
    rows = []

    def row(goal, measured, met):
        rows.append((goal, measured, "met" if met is True else "NOT met" if met is False else "n/a"))

    steps = open(os.path.join(out, "steps.log")).read() if os.path.exists(os.path.join(out, "steps.log")) else ""
    m = re.search(r"== gpu_tests:.*\n\s+(ok|FAILED)", steps)
    row("gpu tests pass", m.group(1) if m else "not run", m is not None and m.group(1) == "ok")

    gpu = open(os.path.join(out, "gpu.txt")).read() if os.path.exists(os.path.join(out, "gpu.txt")) else ""
    bw = next((b for name, b in BANDWIDTH if name in gpu), None)
    bf16 = load(out, "bf16_batch1.json")
    hf = load(out, "transformers.json")
    if bf16:
        weights = bf16["settings"]["weight_bytes"]
        rate = bf16["decode_tokens_per_s"]["median"]
        if bw:
            roof = bw / weights
            row("decode bf16 batch 1 >= 85% of roofline", f"{rate:.1f} tok/s = {100 * rate / roof:.0f}% of {roof:.1f}", rate >= 0.85 * roof)
        else:
            row("decode bf16 batch 1 >= 85% of roofline", f"{rate:.1f} tok/s (GPU bandwidth unknown)", None)
        if hf:
            hf_rate = hf["decode_tokens_per_s_median"]
            row(">= 4x transformers generate", f"{rate / hf_rate:.1f}x ({hf_rate:.1f} tok/s)", rate >= 4 * hf_rate)
        ttft = bf16["ms"]["ttft"]["median"]
        row("TTFT 1024x768 image < 100 ms", f"{ttft:.1f} ms", ttft < 100)
        idle = bf16["memory"]["idle_allocated_bytes"] - weights
        row("bf16 idle after load: weights + < 1 GB", f"weights + {idle / 2**30:.2f} GiB", idle < 2**30)
    else:
        row("decode bf16 batch 1", "no report", False)
    c32 = load(out, "bf16_concurrency32.json")
    if c32 and "concurrency" in c32:
        s = c32["concurrency"]["speedup_vs_single_stream"]
        row("32 concurrent >= 12x single stream", f"{s:.1f}x (mean batch {c32['concurrency'].get('mean_batch', 0):.1f})", s >= 12)
    else:
        row("32 concurrent >= 12x single stream", "no report", False)
    i8 = load(out, "int8_batch1.json")
    if i8 and bf16:
        ratio = i8["decode_tokens_per_s"]["median"] / bf16["decode_tokens_per_s"]["median"]
        row("INT8 >= 1.6x bf16 at batch 1", f"{ratio:.2f}x", ratio >= 1.6)
        peak = i8["memory"]["peak_bytes"]
        row("INT8 peak VRAM < 12 GB", f"{peak / 1e9:.2f} GB", peak < 12e9)
    else:
        row("INT8 batch 1", "no report", False)
    row("moderation >= 50 items/s, P99 < 300 ms", "sightline-bench --moderation not built yet", None)
    # The fit estimate (sightline-bench writes it for its own settings) beside the allocator's measured
    # peak, which leaves out the CUDA context: the estimate's runtime term is taken off for the comparison.
    for q, report in (("bf16", bf16), ("int8", i8)):
        est = (report or {}).get("memory_estimate", {})
        if "total_bytes" in est:
            e = est["total_bytes"] - est["runtime_bytes"]
            p = report["memory"]["peak_bytes"]
            row(f"memory estimate {q} vs measured peak", f"{e / 2**30:.2f} vs {p / 2**30:.2f} GiB ({100 * (e - p) / p:+.0f}%)", None)

    # The demo model's answers on the GPU beside its CPU float32 release figures (the same questions):
    # a drop of more than 2 points is a defect to explain (issue #13).
    cpu = load(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "resources", "demo-model"), "accuracy.json")
    cpu = (cpu or {}).get("float32", {}).get("accuracy", {})
    for v in ("float32", "bfloat16", "int8"):
        acc = load(out, f"demo_accuracy_{v}.json")
        if not acc:
            row(f"demo accuracy cuda {v}", "no report", False)
            continue
        a = acc["accuracy"]
        drops = [k for k in a if k in cpu and a[k] < cpu[k] - 0.02]
        row(f"demo accuracy cuda {v} within 2 pts of CPU", " ".join(f"{k} {a[k]:.3f}" for k in sorted(a))
            + (f"; {acc['failed']} failed" if acc.get("failed") else ""), not drops and not acc.get("failed"))

    print(gpu.strip())
    width = max(len(r[0]) for r in rows)
    for goal, measured, met in rows:
        print(f"{goal:<{width}}  {measured:<40}  {met}")


if __name__ == "__main__":
    main()
