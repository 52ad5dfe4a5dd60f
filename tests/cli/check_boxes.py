#!/usr/bin/env python3
"""Grounding boxes end to end with the trained demo model (it answers "where" questions with
`<|begin_of_box|>[x1,y1,x2,y2]<|end_of_box|>`): `sightline-cli ask --json` and the API (plain and
streamed, through the official openai client) carry a `boxes` field whose coordinates are the ones
in the answer text (read here with a regex of our own) and whose pixels are those coordinates on the
image's own size; a question without a box has no `boxes`."""
import argparse
import base64
import json
import os
import re
import subprocess
import sys
import tempfile

from PIL import Image, ImageDraw

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from checks import check, finish  # noqa: E402
from server_process import terminate  # noqa: E402



def boxes_in(text):
    out = []
    for m in re.finditer(r"<\|begin_of_box\|>(.*?)<\|end_of_box\|>", text, re.S):
        nums = [float(x) for x in re.findall(r"-?\d+(?:\.\d+)?", m.group(1))]
        out += [nums[i:i + 4] for i in range(0, len(nums) - len(nums) % 4, 4)]
    return out


def pixels(box, w, h):
    return [round(box[0] * w / 1000), round(box[1] * h / 1000), round(box[2] * w / 1000), round(box[3] * h / 1000)]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cli", required=True)
    ap.add_argument("--model", required=True)
    a = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="sightline-boxes-")
    img = os.path.join(tmp, "shapes.png")
    im = Image.new("RGB", (320, 240), "white")
    d = ImageDraw.Draw(im)
    d.rectangle([40, 60, 120, 140], fill=(230, 20, 20))
    d.ellipse([200, 100, 280, 180], fill=(20, 40, 230))
    im.save(img)
    question = "Where is the red square?"

    r = subprocess.run([a.cli, "ask", "--model", a.model, "--image", img, "--temperature", "0", "--json", question],
                       capture_output=True, text=True, timeout=300)
    out = json.loads(r.stdout) if r.returncode == 0 else {}
    want = boxes_in(out.get("text", ""))
    check(len(want) >= 1, f"the demo model answers with a box ({out.get('text', r.stderr)[:120]!r})")
    got = out.get("boxes", [])
    check([b["bbox_2d"] for b in got] == want, f"ask --json: boxes {[b['bbox_2d'] for b in got]} are the answer's {want}")
    check([b.get("bbox_pixels") for b in got] == [pixels(b, 320, 240) for b in want], "ask --json: pixels on the 320×240 image")
    check(all(b["image"] == 0 for b in got), "ask --json: on the one image")
    r = subprocess.run([a.cli, "ask", "--model", a.model, "--image", img, "--temperature", "0", "--json", "What colour is the circle?"],
                       capture_output=True, text=True, timeout=300)
    o2 = json.loads(r.stdout) if r.returncode == 0 else {}
    if not boxes_in(o2.get("text", "")):
        check("boxes" not in o2, f"an answer without a box has no boxes field ({o2.get('text', '')[:60]!r})")

    srv = subprocess.Popen([a.cli, "serve", "--model", a.model, "--device", "cpu", "--port", "0", "--no-auth", "--model-name", "demo"],
                           stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        url = None
        for _ in range(20):
            line = srv.stdout.readline()
            m = re.search(r"listening on (http://\S+)", line)
            if m:
                url = m.group(1)
                break
        check(url is not None, "serve announces its address")
        from openai import OpenAI

        client = OpenAI(base_url=url if url.rstrip("/").endswith("/v1") else url + "/v1", api_key="unused")
        data = "data:image/png;base64," + base64.b64encode(open(img, "rb").read()).decode()
        msgs = [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": data}}, {"type": "text", "text": question}]}]
        resp = client.chat.completions.create(model="demo", messages=msgs, temperature=0)
        msg = resp.choices[0].message
        api = (msg.model_extra or {}).get("boxes", [])
        check([b["bbox_2d"] for b in api] == boxes_in(msg.content or ""), f"API: message.boxes are the answer's ({api})")
        check([b.get("bbox_pixels") for b in api] == [pixels(b, 320, 240) for b in boxes_in(msg.content or "")], "API: pixels")
        stream = client.chat.completions.create(model="demo", messages=msgs, temperature=0, stream=True)
        text, streamed = "", None
        for ch in stream:
            if not ch.choices:
                continue
            delta = ch.choices[0].delta
            text += delta.content or ""
            extra = delta.model_extra or {}
            if "boxes" in extra:
                streamed = extra["boxes"]
        check(streamed is not None and [b["bbox_2d"] for b in streamed] == boxes_in(text),
              f"API stream: the last delta carries the boxes ({streamed})")
    finally:
        terminate(srv, 20)
    return finish()


if __name__ == "__main__":
    sys.exit(main())
