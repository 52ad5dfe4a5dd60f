"""Synthetic marketplace listings for the moderation station, with their labels (issue #13).

Contract: `make_listing(rng)` returns a `Listing` (image, title, description, label, category) judged
under the app's default policy (app/moderation/moderation_import.cpp defaultPolicy): the rules, in order,
- a weapon glyph (dark pistol) in the image          -> reject, prohibited_goods
- a medicine symbol (cross on a pill box) and a cure claim in the title -> reject, false_medical_claims
- a fake-discount title (e.g. "95% OFF, was $999")   -> reject, misleading_advertising
- a medicine symbol with a plain title, or a cure claim with no medicine in the image -> review
  (label "escalate": a human must look)
- anything else                                      -> approve
`verdict_json(listing)` is the strict JSON verdict the model is trained to answer, which
moderation_verdict.cpp parseVerdict reads. `write_queue(dir, listings)` writes images, queue.csv
(the `sightline-cli moderate --input` format: id,image,title,text) and labels.csv (id,label,category).
"""
import csv
import json
import os
from dataclasses import dataclass

from PIL import ImageDraw

from . import scenes

CATEGORIES = ["prohibited_goods", "false_medical_claims", "misleading_advertising"]
LABELS = ["approve", "reject", "escalate"]  # the app's human decisions; the model's "review" = escalate
PRODUCTS = ["sticker set", "wall decal", "fridge magnet", "toy blocks", "tote bag", "coaster set", "notebook", "phone case",
            "mug", "keychain", "poster", "cushion cover"]
HEALTH_PRODUCTS = ["herbal tea", "vitamin tablets", "pain relief gel", "cough syrup", "immune drops", "sleep capsules"]
CURE_CLAIMS = ["cures cancer", "cures diabetes in 7 days", "treats flu without a doctor", "replaces your prescription",
               "prevents covid", "heals arthritis fast", "cures any infection"]
DISCOUNTS = ["95% OFF today only, was $999", "90% OFF, was $500 now $5", "FREE phone with every order", "99% OFF, last hours",
             "was $2000, now only $9"]
DESCRIPTIONS = ["Ships in 2 days.", "Brand new, in the box.", "Good condition.", "Handmade.", "Free returns.", ""]
REASONS = {"prohibited_goods": "weapon in the image", "false_medical_claims": "cure claim for a medicine",
           "misleading_advertising": "fake discount"}


@dataclass
class Listing:
    scene: object
    title: str
    text: str
    label: str  # approve | reject | escalate
    category: str  # one of CATEGORIES, or "" (approve) or "review"
    reason: str = ""


def draw_weapon(draw, x, y, s, fill):
    """A pistol silhouette in an s x s box at (x, y)."""
    draw.rectangle([x, y + s * 0.2, x + s * 0.95, y + s * 0.45], fill=fill)  # slide and barrel
    draw.polygon([(x + s * 0.45, y + s * 0.4), (x + s * 0.72, y + s * 0.4), (x + s * 0.62, y + s * 0.95),
                  (x + s * 0.35, y + s * 0.95)], fill=fill)  # grip
    draw.rectangle([x + s * 0.3, y + s * 0.45, x + s * 0.45, y + s * 0.6], outline=fill, width=max(2, int(s * 0.05)))


def draw_medicine(draw, x, y, s, cross):
    """A white pill box with a cross (green or red) in an s x s box at (x, y)."""
    draw.rounded_rectangle([x, y, x + s, y + s], radius=s * 0.15, fill=(250, 250, 250), outline=(90, 90, 90), width=2)
    a, b = s * 0.38, s * 0.62
    draw.rectangle([x + a, y + s * 0.15, x + b, y + s * 0.85], fill=cross)
    draw.rectangle([x + s * 0.15, y + a, x + s * 0.85, y + b], fill=cross)


def make_listing(rng):
    case = rng.choices(["clean", "weapon", "cure", "discount", "med_plain", "claim_only"], weights=[3, 2, 2, 2, 1, 1])[0]
    palette = [(rng.choice(scenes.SHAPES), rng.choice(list(scenes.COLOURS))) for _ in range(rng.randint(0 if case != "clean" else 1, 2))]
    scene = scenes.make_scene(rng, with_word=rng.random() < 0.15, palette=palette or [])
    draw = ImageDraw.Draw(scene.image)
    w, h = scene.image.size
    taken = [o.box for o in scene.objects] + ([scene.word_box] if scene.word else [])
    if case in ("weapon", "cure", "med_plain"):
        s = rng.randint(max(40, int(0.3 * min(w, h))), max(44, int(0.5 * min(w, h))))
        box = scenes.place(rng, w, h, s, s, taken, tries=80) or (0, 0, s, s)
        scene.glyph = "weapon" if case == "weapon" else "medicine"
        if case == "weapon":
            draw_weapon(draw, box[0], box[1], s, tuple(rng.randint(20, 70) for _ in range(3)))
        else:
            draw_medicine(draw, box[0], box[1], s, (30, 160, 60) if rng.random() < 0.5 else (210, 30, 30))
    colour = rng.choice(list(scenes.COLOURS)).capitalize()
    product = rng.choice(PRODUCTS)
    health = rng.choice(HEALTH_PRODUCTS).capitalize()
    if case == "clean":
        title = rng.choice([f"{colour} {product}", f"Handmade {product}, {colour.lower()}", f"{colour} {rng.choice(scenes.SHAPES)} {product}"])
    elif case == "weapon":
        title = rng.choice([f"{colour} {product}", "Collector item, great condition", f"Vintage {product}", "Gift for him"])
    elif case == "cure":
        title = f"{health} {rng.choice(CURE_CLAIMS)}"
    elif case == "discount":
        title = f"{colour} {product} - {rng.choice(DISCOUNTS)}"
    elif case == "med_plain":
        title = rng.choice([f"{health}, 20 pack", f"{health} for adults", f"{health}, family size"])
    else:
        title = f"{colour} {product} {rng.choice(CURE_CLAIMS)}"
    text = rng.choice(DESCRIPTIONS)
    if case == "clean":
        return Listing(scene, title, text, "approve", "")
    if case in ("med_plain", "claim_only"):
        reason = "medicine, check the claims" if case == "med_plain" else "health claim, unclear product"
        return Listing(scene, title, text, "escalate", "review", reason)
    cat = {"weapon": "prohibited_goods", "cure": "false_medical_claims", "discount": "misleading_advertising"}[case]
    return Listing(scene, title, text, "reject", cat, REASONS[cat])


def verdict_json(listing):
    if listing.label == "approve":
        return json.dumps({"verdict": "approve", "reasons": [], "categories": []})
    if listing.label == "escalate":
        return json.dumps({"verdict": "review", "reasons": [listing.reason], "categories": []})
    return json.dumps({"verdict": "reject", "reasons": [listing.reason], "categories": [listing.category]})


def write_queue(out_dir, listings):
    """Writes images/, queue.csv (moderate --input) and labels.csv (id,label,category) under out_dir."""
    os.makedirs(os.path.join(out_dir, "images"), exist_ok=True)
    with open(os.path.join(out_dir, "queue.csv"), "w", newline="") as q, open(os.path.join(out_dir, "labels.csv"), "w", newline="") as lab:
        qw, lw = csv.writer(q), csv.writer(lab)
        qw.writerow(["id", "image", "title", "text"])
        lw.writerow(["id", "label", "category"])
        for i, li in enumerate(listings):
            item = f"item{i:04d}"
            rel = f"images/{item}.png"
            li.scene.image.save(os.path.join(out_dir, rel))
            qw.writerow([item, rel, li.title, li.text])
            lw.writerow([item, li.label, li.category])
