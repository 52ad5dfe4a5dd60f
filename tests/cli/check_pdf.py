#!/usr/bin/env python3
"""PDF pages as images (sightline-cli render-pdf / inspect / ask --pdf): pages in order with their
colours, the page range, the resolution fitted to the pixel budget (never above 150 dpi), the
10-images limit, and a clear exit 2 for a damaged, truncated, renamed or empty file. The PDFs are
made here with Pillow (one solid colour per page, known page sizes in points)."""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from checks import FAILS, check, finish, run  # noqa: E402




def make_pdf(path, colours, size_px=(612, 792), resolution=72.0):
    """One solid page per colour; at 72 px per inch each page is size_px points."""
    pages = [Image.new("RGB", size_px, c) for c in colours]
    pages[0].save(path, save_all=True, append_images=pages[1:], resolution=resolution)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cli", required=True)
    ap.add_argument("--fixtures", required=True)
    a = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="sightline-pdf-")
    colours = [(220, 30, 30), (30, 180, 60), (40, 60, 220)]
    doc = os.path.join(tmp, "three.pdf")
    make_pdf(doc, colours)  # US Letter, 612 × 792 points

    out = os.path.join(tmp, "all")
    os.makedirs(out)
    r = run(a.cli, "render-pdf", doc, "--out", out)
    info = json.loads(r.stdout) if r.returncode == 0 else {}
    check(r.returncode == 0 and info.get("page_count") == 3 and len(info.get("pages", [])) == 3, f"three pages rendered ({r.stderr.strip()[-200:]})")
    for i, p in enumerate(info.get("pages", [])):
        im = Image.open(p["file"]).convert("RGB")
        centre = im.getpixel((im.width // 2, im.height // 2))
        check(p["page"] == i + 1 and all(abs(x - y) <= 2 for x, y in zip(centre, colours[i])),
              f"page {i + 1} in order with its colour ({centre} vs {colours[i]})")
        check(abs(p["dpi"] - 150) < 1e-6 and im.size == (1275, 1650), f"page {i + 1} at 150 dpi without a budget: {im.size}")

    budget = 200_000
    r = run(a.cli, "render-pdf", doc, "--pages", "2-3", "--max-image-pixels", str(budget), "--out", out)
    info = json.loads(r.stdout) if r.returncode == 0 else {}
    pages = info.get("pages", [])
    check([p["page"] for p in pages] == [2, 3], "--pages 2-3 gives pages 2 and 3")
    check(all(p["width"] * p["height"] <= budget for p in pages) and all(p["width"] * p["height"] > 0.9 * budget for p in pages),
          f"the resolution fits the budget closely ({[(p['width'], p['height'], round(p['dpi'], 1)) for p in pages]})")
    r = run(a.cli, "render-pdf", doc, "--pages", "3", "--out", out)
    check(r.returncode == 0 and [p["page"] for p in json.loads(r.stdout)["pages"]] == [3], "--pages 3")

    # inspect / ask: the pages reach the model as images, in order.
    model = os.path.join(a.fixtures, "model")
    r = run(a.cli, "inspect", "--model", model, "--pdf", doc, "--pages", "1-2")
    ins = json.loads(r.stdout) if r.returncode == 0 else {}
    check([i["path"] for i in ins.get("images", [])] == [doc + "#page=1", doc + "#page=2"], f"inspect --pdf: two page images ({r.stderr.strip()[-160:]})")
    r = run(a.cli, "ask", "--model", model, "--pdf", doc, "--temperature", "0", "--max-new-tokens", "4", "--json", "What colour is each page?")
    r1 = run(a.cli, "ask", "--model", model, "--temperature", "0", "--max-new-tokens", "4", "--json", "What colour is each page?")
    ok = r.returncode == 0 and r1.returncode == 0
    check(ok and json.loads(r.stdout)["prompt_tokens"] > json.loads(r1.stdout)["prompt_tokens"] + 3 * 4,
          f"ask --pdf: the three pages add image tokens ({r.stderr.strip()[-160:]})")

    # Limits and bad files.
    many = os.path.join(tmp, "twelve.pdf")
    make_pdf(many, [(i * 20, 100, 200) for i in range(12)], size_px=(200, 100))
    r = run(a.cli, "render-pdf", many, "--out", out)
    info = json.loads(r.stdout) if r.returncode == 0 else {}
    check(len(info.get("pages", [])) == 10 and "of 12" in info.get("note", ""), f"a 12-page PDF: the first 10 pages and a note ({info.get('note')})")
    r = run(a.cli, "render-pdf", many, "--pages", "1-12", "--out", out)
    check(r.returncode == 2 and "more than 10" in r.stderr, "an explicit range of 12 pages is refused")
    r = run(a.cli, "render-pdf", doc, "--pages", "4", "--out", out)
    check(r.returncode == 2 and "3 pages" in r.stderr, f"a page beyond the end is named ({r.stderr.strip()[-120:]})")
    r = run(a.cli, "render-pdf", doc, "--pages", "x-2", "--out", out)
    check(r.returncode == 2 and "--pages" in r.stderr, "a malformed range is refused")
    data = open(doc, "rb").read()
    bad = {"truncated.pdf": data[: len(data) // 3], "garbage.pdf": b"%PDF-1.4\n" + bytes(range(256)) * 40,
           "renamed.pdf": open(os.path.join(a.fixtures, "cases", "images", "img_300x200.png"), "rb").read(), "empty.pdf": b""}
    for name, content in bad.items():
        p = os.path.join(tmp, name)
        open(p, "wb").write(content)
        r = run(a.cli, "render-pdf", p, "--out", out)
        check(r.returncode == 2 and name in r.stderr and "Traceback" not in r.stderr, f"{name}: exit 2 naming the file ({r.stderr.strip()[-140:]})")
    # A page declared 140 inches square (a 130-pixel image at 1 dpi; the file is a few hundred bytes):
    # without a cap of its own, 150 dpi made it 20833² pixels (4.2 GB, 29 s), with or without a
    # budget from the caller. Every page is at most 4096² pixels.
    poster = os.path.join(tmp, "poster.pdf")
    make_pdf(poster, [(10, 200, 10)], size_px=(140, 140), resolution=1.0)
    started = time.monotonic()
    r = run(a.cli, "render-pdf", poster, "--out", out)
    info = json.loads(r.stdout) if r.returncode == 0 else {}
    pg = (info.get("pages") or [{}])[0]
    check(r.returncode == 0 and 0 < pg.get("width", 0) * pg.get("height", 0) <= 4096 * 4096,
          f"a 140-inch page is rendered at most 4096² pixels ({pg.get('width')}×{pg.get('height')}, {time.monotonic() - started:.1f} s)")
    r = run(a.cli, "render-pdf", poster, "--max-image-pixels", "1000000000", "--out", out)
    pg = (json.loads(r.stdout).get("pages") or [{}])[0] if r.returncode == 0 else {}
    check(0 < pg.get("width", 0) * pg.get("height", 0) <= 4096 * 4096, "a budget above the cap does not lift it")
    r = run(a.cli, "render-pdf", "/dev/zero", "--out", out)
    check(r.returncode == 2 and "regular file" in r.stderr, "/dev/zero is not read")
    r = run(a.cli, "ask", "--model", model, "--pages", "2", "hi")
    check(r.returncode == 2 and "--pdf" in r.stderr, "--pages without --pdf is refused")
    if not FAILS:
        shutil.rmtree(tmp, ignore_errors=True)
    return finish()


if __name__ == "__main__":
    sys.exit(main())
