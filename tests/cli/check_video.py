#!/usr/bin/env python3
"""Video input against transformers' GLM-4V and GLM-4.6V video processors and model (issue #16).

Generated videos (moving shapes; H.264, MPEG-4, VP9 and PNG-in-MOV; several sizes, rates and lengths,
one without a frame count in its header) go through `sightline-cli inspect --video` and through
transformers' AutoProcessor (which decodes files with torchcodec's exact scan, transformers 5's default)
for the fixture checkpoint as it is (Glm4vProcessor: 2 frames/s, "1" timestamps) and as a GLM-4.6V
checkpoint (Glm46VProcessor: 3/1/0.5 frames/s by length, "1.5 seconds"). Checked: sampled frame
indices, frame size and grid, prompt ids (timestamps included), and pixel values — exactly equal for
the lossless PNG video, within a stated tolerance for YUV ones (two FFmpeg builds convert YUV to RGB).
Then the first token's top logprobs and greedy tokens through `sightline-cli ask --video` equal
transformers' model given the processor's inputs; the OpenAI API takes a video_url data: URI; bad videos
(corrupt, truncated, empty, a folder, too long for the context) get clear errors, never a crash."""
import argparse
import base64
import fractions
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from checks import check, finish, run  # noqa: E402
from server_process import terminate  # noqa: E402

QUESTION = "What moves in the video?"
# Pixel values are normalised: one uint8 level is 1/255/0.26 = 0.015. Two FFmpeg builds (Debian's 5.1
# here, the one inside torchcodec's wheel) may round YUV->RGB differently by a level or two.
YUV_TOLERANCE = 0.1


def make_video(path, codec, pix, w, h, fps, n, seed):
    import av
    rng = np.random.default_rng(seed)
    c = av.open(path, "w")
    s = c.add_stream(codec, rate=fractions.Fraction(fps).limit_denominator(100000))
    s.width, s.height, s.pix_fmt = w, h, pix
    colours = rng.integers(0, 256, (3, 3))
    for i in range(n):
        img = np.full((h, w, 3), 235, np.uint8)
        img[:, :, 0] = np.linspace(180, 250, w, dtype=np.uint8)[None, :]  # a gradient: resizing has work to do
        for k in range(3):
            size = max(4, min(w, h) // (4 + k))
            x = int((w - size) * ((i * (k + 1)) % max(1, n)) / max(1, n - 1))
            y = int((h - size) * (k + 1) / 4)
            img[y:y + size, x:x + size] = colours[k]
        frame = av.VideoFrame.from_ndarray(img, format="rgb24")
        for p in s.encode(frame):
            c.mux(p)
    for p in s.encode():
        c.mux(p)
    c.close()


VIDEOS = [  # name, codec, pixel format, width, height, fps, frames, lossless
    ("h264_320x240_30fps.mp4", "h264", "yuv420p", 320, 240, 30, 75, False),
    ("png_200x150_12fps.mov", "png", "rgb24", 200, 150, 12, 40, True),
    ("vp9_160x120_25fps.webm", "libvpx-vp9", "yuv420p", 160, 120, 25, 50, False),  # no frame count in the header
    ("mpeg4_176x144_ntsc.mp4", "mpeg4", "yuv420p", 176, 144, 30000 / 1001, 45, False),
    ("png_97x61_7fps.mov", "png", "rgb24", 97, 61, 7, 9, True),  # odd sizes, 1.3 s
    ("mpeg4_64x48_10fps_40s.mp4", "mpeg4", "yuv420p", 64, 48, 10, 400, False),  # over 30 s: GLM-4.6V samples 1/s
]


def glm46v_copy(fixture, tmp):
    """The fixture as a GLM-4.6V checkpoint: same weights, Glm46VProcessor named in its files."""
    m = os.path.join(tmp, "m46")
    shutil.copytree(fixture, m)
    for f in ["preprocessor_config.json", "tokenizer_config.json"]:
        j = json.load(open(os.path.join(m, f)))
        j["processor_class"] = "Glm46VProcessor"
        if "image_processor_type" in j:
            j["image_processor_type"] = "Glm46VImageProcessor"
        json.dump(j, open(os.path.join(m, f), "w"), indent=1)
    return m


def reference(proc, path):
    msgs = [{"role": "user", "content": [{"type": "video"}, {"type": "text", "text": QUESTION}]}]
    text = proc.apply_chat_template(msgs, add_generation_prompt=True, tokenize=False)
    out = proc(text=[text], videos=[path], return_tensors="pt")
    md = proc.video_processor(videos=[path], return_metadata=True)["video_metadata"][0]
    return out, [int(i) for i in md.frames_indices]


def ours(cli, model, path, tmp, extra=()):
    pv = os.path.join(tmp, "pv.f32")
    r = run(cli, "inspect", "--model", model, "--video", path, "--pixel-values", pv, "--prompt", QUESTION, *extra)
    if r.returncode != 0:
        return None, None, r.stderr.strip()
    return json.loads(r.stdout), np.fromfile(pv, dtype=np.float32), ""


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cli", required=True)
    ap.add_argument("--fixtures", required=True)
    a = ap.parse_args()
    import transformers
    from transformers import AutoProcessor, Glm4vForConditionalGeneration

    print(f"transformers {transformers.__version__}, torch {torch.__version__}", flush=True)
    torch.manual_seed(0)
    tmp = tempfile.mkdtemp(prefix="sightline-video-")
    fixture = os.path.join(a.fixtures, "model")
    models = {"glm4v": fixture, "glm46v": glm46v_copy(fixture, tmp)}
    for i, (name, codec, pix, w, h, fps, n, _) in enumerate(VIDEOS):
        make_video(os.path.join(tmp, name), codec, pix, w, h, fps, n, seed=i)

    hf = Glm4vForConditionalGeneration.from_pretrained(fixture, dtype=torch.float32).eval()
    worst_yuv = 0.0
    for variant, model in models.items():
        proc = AutoProcessor.from_pretrained(model)
        sampler = "glm46v" if "46" in type(proc).__name__ else "glm4v"
        check(sampler == variant, f"{variant}: transformers builds {type(proc).__name__} / {type(proc.video_processor).__name__}")
        for name, codec, pix, w, h, fps, n, lossless in VIDEOS:
            path = os.path.join(tmp, name)
            tag = f"{variant} {name}"
            ref, ref_idx = reference(proc, path)
            info, pv, err = ours(a.cli, model, path, tmp)
            check(info is not None, f"{tag}: inspect --video reads it {err}")
            if info is None:
                continue
            v = info["video"]
            check(v["sampler"] == variant, f"{tag}: the checkpoint's sampler ({v['sampler']})")
            check(v["frame_indices"] == ref_idx,
                  f"{tag}: sampled frames {v['frame_indices'][:8]}… ({len(v['frame_indices'])}) = transformers' ({len(ref_idx)})")
            grid = [int(x) for x in ref["video_grid_thw"][0]]
            check(v["grid_thw"] == grid, f"{tag}: grid {v['grid_thw']} = {grid}")
            ids = ref["input_ids"][0].tolist()
            check(info["prompt_ids"] == ids, f"{tag}: prompt ids with the timestamps ({len(ids)} tokens) equal transformers'")
            want = ref["pixel_values_videos"].numpy().reshape(-1)
            same_shape = pv.shape == want.shape
            diff = float(np.abs(pv - want).max()) if same_shape else float("inf")
            if lossless:
                check(same_shape and diff == 0.0, f"{tag}: pixel values bit-exact (max |diff| {diff})")
            else:
                worst_yuv = max(worst_yuv, diff)
                check(same_shape and diff <= YUV_TOLERANCE, f"{tag}: pixel values within {YUV_TOLERANCE} (max |diff| {diff:.4f})")

        # The model on the lossless video: first-token logprobs and greedy tokens equal transformers'.
        path = os.path.join(tmp, "png_200x150_12fps.mov")
        ref, _ = reference(proc, path)
        with torch.no_grad():
            inputs = dict(ref)
            logits = hf(**inputs).logits[0, -1]
            lp = torch.log_softmax(logits.float(), -1)
            top = torch.topk(lp, 5)
            gen = hf.generate(**inputs, max_new_tokens=8, do_sample=False)[0, inputs["input_ids"].shape[1]:].tolist()
        r = run(a.cli, "ask", "--model", model, "--video", path, "--max-new-tokens", "8", "--temperature", "0", "--json",
                "--top-logprobs", "5", QUESTION)
        check(r.returncode == 0, f"{variant}: ask --video answers ({r.stderr.strip()[-200:]})")
        if r.returncode == 0:
            o = json.loads(r.stdout)
            first = o["tokens"][0]["top"]
            check([t["id"] for t in first] == top.indices.tolist(), f"{variant}: first token's top-5 ids = transformers' {top.indices.tolist()}")
            err = max(abs(t["logprob"] - float(x)) for t, x in zip(first, top.values))
            check(err < 1e-4, f"{variant}: first token's top-5 logprobs within 1e-4 of transformers' (max |diff| {err:.2e})")
            eos = set(hf.generation_config.eos_token_id if isinstance(hf.generation_config.eos_token_id, list) else [hf.generation_config.eos_token_id])
            gen_cut = []
            for t in gen:
                if t in eos:
                    break
                gen_cut.append(t)
            check(o["output_ids"][:len(gen_cut)] == gen_cut, f"{variant}: greedy tokens {o['output_ids']} = transformers' {gen}")
    print(f"largest |pixel diff| on YUV videos (Debian FFmpeg vs torchcodec's): {worst_yuv:.4f}", flush=True)

    # A smaller budget: fewer pixels per frame, fewer tokens.
    info, _, err = ours(a.cli, models["glm46v"], os.path.join(tmp, "h264_320x240_30fps.mp4"), tmp, ["--max-video-pixels", "20000"])
    check(info is not None and info["video"]["tokens"] < 64, f"--max-video-pixels lowers the token count ({info and info['video']['tokens']}) {err}")

    # Bad videos: a clear error (exit 2), never a crash.
    bad = {
        "random.mp4": os.urandom(5000),
        "empty.mp4": b"",
        "truncated.mp4": open(os.path.join(tmp, "h264_320x240_30fps.mp4"), "rb").read()[:1500],
        "text.webm": b"this is not a video\n" * 20,
    }
    for name, data in bad.items():
        p = os.path.join(tmp, name)
        open(p, "wb").write(data)
        r = run(a.cli, "ask", "--model", fixture, "--video", p, "--max-new-tokens", "2", "Q")
        check(r.returncode == 2 and "error" in r.stderr and "internal" not in r.stderr,
              f"bad video {name}: clear error, exit {r.returncode} ({r.stderr.strip()[-120:]})")
    for p in [tmp, "/dev/zero", os.path.join(tmp, "missing.mp4")]:
        r = run(a.cli, "ask", "--model", fixture, "--video", p, "--max-new-tokens", "2", "Q", timeout=60)
        check(r.returncode == 2, f"--video {p}: refused ({r.stderr.strip()[-100:]})")
    # A context too small for the video: refused before decoding, naming the cost.
    small = os.path.join(tmp, "small-context")
    shutil.copytree(fixture, small)
    cfg = json.load(open(os.path.join(small, "config.json")))
    cfg["text_config"]["max_position_embeddings"] = 16
    json.dump(cfg, open(os.path.join(small, "config.json"), "w"))
    r = run(a.cli, "ask", "--model", small, "--video", os.path.join(tmp, "mpeg4_64x48_10fps_40s.mp4"), "Q")
    check(r.returncode == 2 and "tokens" in r.stderr and "context" in r.stderr, f"a video over the context: budget error ({r.stderr.strip()[-160:]})")
    png = os.path.join(tmp, "still.png")
    from PIL import Image
    Image.new("RGB", (64, 48), (200, 30, 30)).save(png)
    r = run(a.cli, "ask", "--model", fixture, "--video", os.path.join(tmp, "png_97x61_7fps.mov"), "--image", png, "Q")
    check(r.returncode == 2, "--video with --image is refused (GLM-4.6V: images or one video)")

    # The API: a video_url data: URI (our extension, as vLLM accepts it); local paths are refused.
    srv = subprocess.Popen([a.cli, "serve", "--model", models["glm46v"], "--device", "cpu", "--port", "0", "--no-auth", "--model-name", "t"],
                           stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        url = None
        for _ in range(20):
            m = re.search(r"listening on (http://\S+)", srv.stdout.readline())
            if m:
                url = m.group(1)
                break
        check(url is not None, "serve announces its address")
        from openai import BadRequestError, OpenAI
        client = OpenAI(base_url=url if url.rstrip("/").endswith("/v1") else url + "/v1", api_key="unused")
        data = "data:video/quicktime;base64," + base64.b64encode(open(path, "rb").read()).decode()
        msgs = [{"role": "user", "content": [{"type": "video_url", "video_url": {"url": data}}, {"type": "text", "text": QUESTION}]}]
        resp = client.chat.completions.create(model="t", messages=msgs, temperature=0, max_tokens=8)
        r = run(a.cli, "ask", "--model", models["glm46v"], "--video", path, "--max-new-tokens", "8", "--temperature", "0", "--json", QUESTION)
        cli_text = json.loads(r.stdout)["text"] if r.returncode == 0 else None
        check(resp.choices[0].message.content == cli_text, f"API video_url: the same answer as the CLI ({resp.choices[0].message.content!r})")
        check(resp.usage.prompt_tokens > 50, f"API: the video's tokens are counted ({resp.usage.prompt_tokens})")
        try:
            client.chat.completions.create(model="t", messages=[{"role": "user", "content": [
                {"type": "video_url", "video_url": {"url": "file://" + path}}, {"type": "text", "text": "Q"}]}], max_tokens=2)
            check(False, "API: a local video path is refused")
        except BadRequestError as e:
            check("data: URI" in str(e), f"API: a local video path is refused ({str(e)[:120]})")
        try:
            bad_data = "data:video/mp4;base64," + base64.b64encode(os.urandom(3000)).decode()
            client.chat.completions.create(model="t", messages=[{"role": "user", "content": [
                {"type": "video_url", "video_url": {"url": bad_data}}, {"type": "text", "text": "Q"}]}], max_tokens=2)
            check(False, "API: a corrupt video is a 400")
        except BadRequestError as e:
            check(True, f"API: a corrupt video is a 400 ({str(e)[:100]})")
        resp = client.chat.completions.create(model="t", messages=msgs, temperature=0, max_tokens=4)
        check(resp.choices[0].message.content is not None, "API: the server still answers after the bad requests")
    finally:
        terminate(srv, 20)
    shutil.rmtree(tmp, ignore_errors=True)
    return finish()


if __name__ == "__main__":
    sys.exit(main())
