#!/usr/bin/env python3
"""Both image-processor backends of transformers' GLM-4V, reproduced by sightline-cli bit for bit.

transformers 5 picks the torchvision backend (AutoImageProcessor / AutoProcessor, and servers built on
them such as vLLM) when torchvision is installed; Glm4vImageProcessorPil is the other one. For every
fixture image and a few generated ones (noise downscaled, an image already at its target size, an
extreme aspect, grayscale, RGBA) `sightline-cli inspect --pixel-values` must give exactly transformers'
pixel values and grid with `--image-resize torchvision` (also the default, with no option) and with
`--image-resize pil`. Then a checkpoint saved the transformers 5 way (processor_config.json, no
preprocessor_config.json) gives the same pixels, and the greedy tokens of the fixture's image cases
through `sightline-cli ask` equal transformers' model.generate fed by AutoProcessor's pixels."""
import argparse
import inspect
import json
import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np
import torch
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from checks import FAILS, check, finish, run  # noqa: E402




def ours(cli, model, path, backend, tmp):
    """(pixel values [N, row], grid [t, h, w]) from sightline-cli inspect; backend None: no option."""
    out = os.path.join(tmp, "pv.f32")
    extra = [] if backend is None else ["--image-resize", backend]
    r = run(cli, "inspect", "--model", model, "--image", path, "--pixel-values", out, *extra)
    if r.returncode != 0:
        return None, None, r.stderr.strip()
    info = json.loads(r.stdout)
    grid = info["images"][0]["grid_thw"]
    pv = np.fromfile(out, dtype=np.float32)
    return pv, grid, info.get("image_resize")


def make_images(tmp):
    rng = np.random.default_rng(20261202)
    made = []

    def save(name, arr, mode=None):
        p = os.path.join(tmp, name)
        Image.fromarray(arr, mode=mode).save(p)
        made.append(p)

    save("noise_1000x700.png", rng.integers(0, 256, (700, 1000, 3), dtype=np.uint8))  # downscale, every kernel tap matters
    save("noise_140x112.png", rng.integers(0, 256, (112, 140, 3), dtype=np.uint8))  # already its target size (28-multiples)
    save("noise_33x500.png", rng.integers(0, 256, (500, 33, 3), dtype=np.uint8))  # extreme aspect, upscaled width
    save("gray_211x97.png", rng.integers(0, 256, (97, 211), dtype=np.uint8))
    rgba = rng.integers(0, 256, (61, 83, 4), dtype=np.uint8)
    save("rgba_83x61.png", rgba)
    grad = np.zeros((480, 640, 3), dtype=np.uint8)  # smooth gradients with hard edges: overshoot clamps at 0 and 255
    grad[:, :, 0] = np.linspace(0, 255, 640, dtype=np.uint8)[None, :]
    grad[:, :, 1] = np.linspace(255, 0, 480, dtype=np.uint8)[:, None]
    grad[100:200, 100:300] = [255, 255, 255]
    grad[300:400, 350:600] = [0, 0, 0]
    save("edges_640x480.png", grad)
    return made


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cli", required=True)
    ap.add_argument("--fixtures", required=True)
    a = ap.parse_args()

    import transformers
    from transformers import AutoImageProcessor, AutoProcessor, Glm4vForConditionalGeneration
    from transformers.models.glm4v.image_processing_pil_glm4v import Glm4vImageProcessorPil

    print(f"transformers {transformers.__version__}, torch {torch.__version__}", flush=True)
    tmp = tempfile.mkdtemp(prefix="sightline-pp-")
    model = os.path.join(a.fixtures, "model")
    tv = AutoImageProcessor.from_pretrained(model)
    check("Pil" not in type(tv).__name__, f"AutoImageProcessor picks the torchvision backend ({type(tv).__name__})")
    pil = Glm4vImageProcessorPil.from_pretrained(model)
    procs = {"torchvision": tv, "pil": pil}

    images = [os.path.join(a.fixtures, "cases", d, f) for d in ("images", "preprocess")
              for f in sorted(os.listdir(os.path.join(a.fixtures, "cases", d)))] + make_images(tmp)
    differ = 0  # images on which the two backends give different pixels: the test must be able to tell them apart
    for path in images:
        name = os.path.basename(path)
        ref = {}
        for backend, ip in procs.items():
            r = ip(images=[Image.open(path)], return_tensors="pt")
            ref[backend] = (r["pixel_values"].numpy().astype(np.float32).ravel(), r["image_grid_thw"][0].tolist())
        if not np.array_equal(ref["torchvision"][0], ref["pil"][0]):
            differ += 1
        for backend in (None, "torchvision", "pil"):
            want_pv, want_grid = ref[backend or "torchvision"]
            pv, grid, extra = ours(a.cli, model, path, backend, tmp)
            label = f"{name} --image-resize {backend or '(default)'}"
            if pv is None:
                check(False, f"{label}: inspect failed: {extra}")
                continue
            check(extra == (backend or "torchvision"), f"{label}: reports image_resize {extra}")
            check(grid == want_grid, f"{label}: grid {grid} (transformers {want_grid})")
            same = pv.shape == want_pv.shape and np.array_equal(pv, want_pv)
            worst = float(np.abs(pv - want_pv).max()) if pv.shape == want_pv.shape else float("inf")
            check(same, f"{label}: pixel values equal transformers' ({pv.size} values, max|diff| {worst:.3g})")
    check(differ >= 5, f"the backends differ on {differ} of {len(images)} images (the comparison can tell them apart)")

    # A checkpoint saved by transformers 5: processor_config.json with the image processor inside it.
    saved = os.path.join(tmp, "saved-by-transformers5")
    shutil.copytree(model, saved)
    os.remove(os.path.join(saved, "preprocessor_config.json"))
    AutoProcessor.from_pretrained(model).save_pretrained(saved)
    files = sorted(os.listdir(saved))
    if "preprocessor_config.json" in files:  # this transformers still writes the old file: make the new layout by hand
        pp = json.load(open(os.path.join(saved, "preprocessor_config.json")))
        os.remove(os.path.join(saved, "preprocessor_config.json"))
        pc_path = os.path.join(saved, "processor_config.json")
        pc = json.load(open(pc_path)) if os.path.exists(pc_path) else {}
        pc["image_processor"] = pp
        json.dump(pc, open(pc_path, "w"), indent=2)
    check(os.path.exists(os.path.join(saved, "processor_config.json"))
          and not os.path.exists(os.path.join(saved, "preprocessor_config.json")),
          f"the transformers 5 layout has processor_config.json only ({', '.join(sorted(os.listdir(saved)))})")
    for path in images[:6]:
        for backend in ("torchvision", "pil"):
            pv, grid, extra = ours(a.cli, saved, path, backend, tmp)
            base, _, _ = ours(a.cli, model, path, backend, tmp)
            check(pv is not None and base is not None and np.array_equal(pv, base),
                  f"processor_config.json checkpoint: {os.path.basename(path)} {backend} pixels as with preprocessor_config.json"
                  + ("" if pv is not None else f" ({extra})"))
    pc = json.load(open(os.path.join(saved, "processor_config.json")))
    pc["image_processor"]["resample"] = 2  # bilinear: not implemented, must be refused, never silently bicubic
    json.dump(pc, open(os.path.join(saved, "processor_config.json"), "w"))
    r = run(a.cli, "inspect", "--model", saved, "--image", images[0])
    check(r.returncode == 2 and "resample" in r.stderr, f"a bilinear resample is refused ({r.stderr.strip()[:160]})")

    # Greedy tokens: transformers' model fed by AutoProcessor's (torchvision) pixels, and by the PIL backend's.
    cases = json.load(open(os.path.join(a.fixtures, "cases", "cases.json")))
    hf = Glm4vForConditionalGeneration.from_pretrained(model, dtype=torch.float32, attn_implementation="eager").eval()
    cfg = json.load(open(os.path.join(model, "config.json")))
    eos = cases["eos_token_id"]
    pass_mm = "mm_token_type_ids" in inspect.signature(hf.forward).parameters
    for c in [c for c in cases["cases"] if c["images"]]:
        conv = os.path.join(tmp, c["name"] + ".json")
        msgs = json.loads(json.dumps(c["messages"]))
        for m in msgs:
            if isinstance(m["content"], list):
                for p in m["content"]:
                    if p.get("type") == "image":
                        p["image"] = os.path.join(a.fixtures, "cases", p["image"])
        json.dump({"messages": msgs}, open(conv, "w"))
        no_think = ["--no-think"] if c["chat_template_kwargs"].get("enable_thinking") is False else []
        for backend, ip in procs.items():
            r = ip(images=[Image.open(os.path.join(a.fixtures, "cases", f)) for f in c["images"]], return_tensors="pt")
            ids = torch.tensor([c["input_ids"]], dtype=torch.long)
            kw = dict(input_ids=ids, attention_mask=torch.ones_like(ids), pixel_values=r["pixel_values"],
                      image_grid_thw=r["image_grid_thw"])
            if pass_mm:
                kw["mm_token_type_ids"] = (ids == cfg["image_token_id"]).to(torch.int32)
            with torch.no_grad():
                if hasattr(hf.model, "rope_deltas"):
                    hf.model.rope_deltas = None
                gen = hf.generate(**kw, max_new_tokens=cases["max_new_tokens"], do_sample=False, eos_token_id=eos,
                                  pad_token_id=cfg.get("pad_token_id", eos[0]))
            want = gen[0, ids.shape[1]:].tolist()
            o = run(a.cli, "ask", "--model", model, "--messages", conv, "--temperature", "0", "--max-new-tokens",
                    str(cases["max_new_tokens"]), "--image-resize", backend, "--json", *no_think)
            got = json.loads(o.stdout)["output_ids"] if o.returncode == 0 else o.stderr.strip()[:200]
            check(got == want, f"{c['name']} {backend}: greedy tokens equal transformers' ({len(want)} tokens)"
                  + ("" if got == want else f"\n    ours {got}\n    hf   {want}"))

    if not FAILS:
        shutil.rmtree(tmp, ignore_errors=True)
    return finish()


if __name__ == "__main__":
    sys.exit(main())
