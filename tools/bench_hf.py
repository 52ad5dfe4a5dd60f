#!/usr/bin/env python3
"""The sightline-bench measurement, done with Hugging Face transformers' Glm4vForConditionalGeneration
(eager generate) on the same config, image size, prompt and token count, so the two engines can be
compared in one run.

  python3 tools/bench_hf.py --model FIXTURE_MODEL_DIR --random-weights tools/configs/glm-4.6v-mid.config.json \
      --image-size 1024x768 --max-new-tokens 32 --device cpu --dtype float32 [--ours sightline-bench.json] [--json OUT]

As in sightline-bench --random-weights, the architecture comes from the config file and the tokenizer,
image processor and special-token ids from --model. A streamer timestamps every generated token (with a
device sync): time to first token = preprocessing + generate() start to the first token; decode
tokens/s = (N-1) / (last token - first token), as sightline-bench computes it.
"""
import argparse
import json
import statistics
import sys
import time

import numpy as np
import torch


def synthetic_image(w, h):
    from PIL import Image
    x = np.arange(w)[None, :].repeat(h, 0)
    y = np.arange(h)[:, None].repeat(w, 1)
    rgb = np.stack([x * 255 // max(1, w - 1), y * 255 // max(1, h - 1), (x ^ y) & 0xFF], -1).astype(np.uint8)
    return Image.fromarray(rgb, "RGB")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", required=True)
    ap.add_argument("--random-weights", required=True)
    ap.add_argument("--image-size", default="1024x768")
    ap.add_argument("--prompt", default="Describe this image in detail, listing every object you can see and its colour.")
    ap.add_argument("--max-new-tokens", type=int, default=64)
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("-n", type=int, default=3)
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--dtype", default=None)
    ap.add_argument("--attn", default="sdpa")
    ap.add_argument("--ours", help="sightline-bench --json output to compare against")
    ap.add_argument("--json")
    a = ap.parse_args()
    from transformers import AutoTokenizer, Glm4vConfig, Glm4vForConditionalGeneration
    from transformers.models.glm4v.image_processing_pil_glm4v import Glm4vImageProcessorPil

    dtype = {"float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16}[
        a.dtype or ("bfloat16" if a.device == "cuda" else "float32")]
    arch = json.load(open(a.random_weights))
    base = json.load(open(f"{a.model}/config.json"))
    for k in ("image_token_id", "video_token_id", "image_start_token_id", "image_end_token_id", "video_start_token_id",
              "video_end_token_id", "pad_token_id", "eos_token_id"):
        arch[k] = base[k]
    cfg = Glm4vConfig(**{k: v for k, v in arch.items() if k not in ("architectures", "model_type", "dtype", "_comment")})
    torch.manual_seed(0)
    with torch.device(a.device):
        torch.set_default_dtype(dtype)
        model = Glm4vForConditionalGeneration(cfg).eval()
        torch.set_default_dtype(torch.float32)
    model.config._attn_implementation = a.attn
    tok = AutoTokenizer.from_pretrained(a.model)
    proc = Glm4vImageProcessorPil.from_pretrained(a.model)
    proc.size = {"shortest_edge": proc.size["shortest_edge"], "longest_edge": max(proc.size["longest_edge"], 9633792)}
    proc.min_pixels, proc.max_pixels = proc.size["shortest_edge"], proc.size["longest_edge"]
    w, h = map(int, a.image_size.split("x"))
    messages = [{"role": "user", "content": [{"type": "image"}, {"type": "text", "text": a.prompt}]}]
    prompt = tok.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)

    def prepare():
        t0 = time.perf_counter()
        out = proc(images=[synthetic_image(w, h)], return_tensors="pt")
        ids = tok(prompt, add_special_tokens=False)["input_ids"]
        n_img = int(out["image_grid_thw"][0].prod()) // proc.merge_size ** 2
        expanded = []
        for i in ids:
            expanded += [i] * n_img if i == cfg.image_token_id else [i]
        ids = torch.tensor([expanded], device=a.device)
        return ids, out["pixel_values"].to(a.device), out["image_grid_thw"].to(a.device), (time.perf_counter() - t0) * 1000

    def sync():
        if a.device == "cuda":
            torch.cuda.synchronize()

    class Clock:
        """A generate() streamer that timestamps every token (the prompt comes first, then one put per step)."""

        def __init__(self):
            self.times = []

        def put(self, value):
            sync()
            self.times.append(time.perf_counter())

        def end(self):
            pass

    def gen(n):
        ids, pv, grid, pre_ms = prepare()
        clock = Clock()
        sync()
        t0 = time.perf_counter()
        with torch.inference_mode():
            model.generate(input_ids=ids, pixel_values=pv, image_grid_thw=grid, mm_token_type_ids=(ids == cfg.image_token_id).int(),
                           do_sample=False, max_new_tokens=n, min_new_tokens=n, eos_token_id=None, pad_token_id=cfg.pad_token_id,
                           streamer=clock)
        sync()
        t_end = time.perf_counter()
        steps = clock.times[1:]  # [0] is the prompt
        ttft = (steps[0] - t0) * 1000 + pre_ms
        rate = (len(steps) - 1) / (steps[-1] - steps[0]) if len(steps) > 1 else 0
        return ttft, (t_end - t0) * 1000 + pre_ms, rate, pre_ms, ids.shape[1]

    for _ in range(a.warmup):
        gen(2)
    if a.device == "cuda":
        torch.cuda.reset_peak_memory_stats()
    ttft, total, rates, pre = [], [], [], []
    for _ in range(a.n):
        t1, tn, rate, p, L = gen(a.max_new_tokens)
        ttft.append(t1)
        total.append(tn)
        pre.append(p)
        rates.append(rate)
    report = {
        "engine": "transformers", "device": torch.cuda.get_device_name() if a.device == "cuda" else "cpu", "dtype": str(dtype),
        "torch": torch.__version__, "attn": a.attn, "prompt_tokens": L, "generated_tokens": a.max_new_tokens,
        "ms": {"preprocess_best": min(pre), "ttft_best": min(ttft), "ttft_median": statistics.median(ttft),
               "total_best": min(total), "total_median": statistics.median(total)},
        "decode_tokens_per_s_best": max(rates), "decode_tokens_per_s_median": statistics.median(rates),
        "peak_memory_bytes": torch.cuda.max_memory_allocated() if a.device == "cuda" else None,
    }
    print(f"transformers {report['device']} {dtype}: prompt {L} tokens, ttft best {min(ttft):.1f} ms, "
          f"decode {max(rates):.2f} tok/s best ({statistics.median(rates):.2f} median), total best {min(total):.1f} ms")
    if a.ours:
        ours = json.load(open(a.ours))
        o_ttft = ours["ms"]["ttft"]["best"]
        r = ours["decode_tokens_per_s"]
        o_rate = max(r["best"], r["worst"])  # the highest sample (reports before the fix had best/worst swapped)
        o_total = ours["ms"]["total"]["best"]
        report["comparison"] = {"ttft_speedup": min(ttft) / o_ttft, "decode_speedup": o_rate / max(rates) if max(rates) else None,
                                "total_speedup": min(total) / o_total}
        print(f"sightline vs transformers: ttft {min(ttft) / o_ttft:.2f}x faster, decode {o_rate / max(rates):.2f}x faster, "
              f"total {min(total) / o_total:.2f}x faster (sightline: ttft {o_ttft:.1f} ms, decode {o_rate:.2f} tok/s)")
    if a.json:
        json.dump(report, open(a.json, "w"), indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
