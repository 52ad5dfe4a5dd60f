"""Synthetic scenes of the demo model's task (issue #13): shapes, colours, counts, one word, boxes.

Contract: `make_scene(rng)` draws one image (PIL RGB) with its ground truth (`Scene`); `questions(scene,
rng)` lists the questions that have exactly one right answer for it, each as (kind, question, answer).
Everything is a pure function of the `random.Random` passed in, so a seed fixes the whole data set.

The task, as the issue states it:
- images 160x160 to 640x480 (any aspect in that range), plain or lightly noisy background;
- 1-4 non-overlapping objects; shapes circle, square, triangle, star; colours red, green, blue,
  yellow, purple, orange (pure-ish RGB, +-20 per channel);
- optionally one printed word: black capitals, at least 16 px high, from WORDS;
- answers: "{colour}.", "A {shape}.", "{digit}.", "{WORD}.", and for "Where is ..." GLM-4.6V's
  grounding format <|begin_of_box|>[x1,y1,x2,y2]<|end_of_box|> with coordinates normalised to 0-1000.
"""
import math
import os
from dataclasses import dataclass, field

from PIL import Image, ImageDraw, ImageFont

SHAPES = ["circle", "square", "triangle", "star"]
COLOURS = {
    "red": (220, 35, 35),
    "green": (35, 170, 50),
    "blue": (35, 70, 225),
    "yellow": (235, 215, 35),
    "purple": (140, 45, 185),
    "orange": (245, 140, 25),
}
WORDS = [
    "APPLE", "HOUSE", "WATER", "BREAD", "CHAIR", "TABLE", "MUSIC", "RIVER", "LIGHT", "PAPER",
    "PLANT", "SMILE", "TRAIN", "CLOCK", "HORSE", "MONEY", "NIGHT", "OCEAN", "PHONE", "QUEEN",
    "SUGAR", "TIGER", "WORLD", "BEACH", "CLOUD", "DANCE", "EARTH", "FIELD", "GLASS", "HEART",
    "LEMON", "MOUSE", "NORTH", "PIANO", "SHIRT", "STONE", "TOWER", "BOOK", "DOOR", "FISH",
    "GOLD", "HAND", "KING", "LAKE", "MOON", "RAIN", "SHIP", "TREE", "WIND", "SNOW",
]
MIN_SIDE, MAX_W, MAX_H = 160, 640, 480
FONT_PATHS = ["/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"]


def font(size):
    for p in FONT_PATHS:
        if os.path.exists(p):
            return ImageFont.truetype(p, size)
    return ImageFont.load_default(size=size)  # Pillow's scalable fallback (FreeType)


@dataclass
class Obj:
    shape: str
    colour: str
    box: tuple  # x1, y1, x2, y2 in pixels (inclusive-exclusive)


@dataclass
class Scene:
    image: Image.Image
    objects: list = field(default_factory=list)
    word: str = ""
    word_box: tuple = ()
    letter_spans: tuple = ()  # (x1, x2) in pixels of each letter of the word: its advance, kerning included
    glyph: str = ""  # listing images: "weapon" or "medicine" when one is drawn
    more_words: tuple = ()  # reading scenes only: further (word, box, letter_spans) beside the first


def scene_words(scene):
    """Every printed word of a scene as (word, box, letter_spans): one, or several in reading scenes."""
    return ((scene.word, scene.word_box, scene.letter_spans),) + tuple(scene.more_words) if scene.word else ()


def jitter(rng, rgb):
    return tuple(max(0, min(255, c + rng.randint(-20, 20))) for c in rgb)


def star_points(cx, cy, r_out, r_in, rot):
    pts = []
    for i in range(10):
        r = r_out if i % 2 == 0 else r_in
        a = rot + i * math.pi / 5
        pts.append((cx + r * math.sin(a), cy - r * math.cos(a)))
    return pts


def draw_shape(draw, shape, box, fill):
    x1, y1, x2, y2 = box
    w, h = x2 - x1, y2 - y1
    if shape == "circle":
        draw.ellipse([x1, y1, x2 - 1, y2 - 1], fill=fill)
    elif shape == "square":
        draw.rectangle([x1, y1, x2 - 1, y2 - 1], fill=fill)
    elif shape == "triangle":
        draw.polygon([(x1 + w / 2, y1), (x2 - 1, y2 - 1), (x1, y2 - 1)], fill=fill)
    else:
        draw.polygon(star_points(x1 + w / 2, y1 + h / 2 + h * 0.05, w / 2, w / 5, 0), fill=fill)


def overlaps(a, b, margin=6):
    return not (a[2] + margin <= b[0] or b[2] + margin <= a[0] or a[3] + margin <= b[1] or b[3] + margin <= a[1])


def background(rng, w, h):
    base = tuple(rng.randint(200, 255) for _ in range(3)) if rng.random() < 0.8 else (255, 255, 255)
    img = Image.new("RGB", (w, h), base)
    if rng.random() < 0.5:  # light noise
        noise = Image.effect_noise((w, h), rng.uniform(4, 12)).convert("RGB")
        img = Image.blend(img, Image.eval(noise, lambda v: 255 - (255 - v) // 8), 0.35)
    return img


def place(rng, w, h, size_w, size_h, taken, tries=60):
    for _ in range(tries):
        x = rng.randint(0, w - size_w)
        y = rng.randint(0, h - size_h)
        box = (x, y, x + size_w, y + size_h)
        if not any(overlaps(box, t) for t in taken):
            return box
    return None


def make_scene(rng, n_objects=None, with_word=None, palette=None):
    """One image and its truth. palette: optional list of (shape, colour) to draw (listing images)."""
    w = rng.randint(MIN_SIDE, MAX_W)
    h = rng.randint(MIN_SIDE, MAX_H)
    img = background(rng, w, h)
    draw = ImageDraw.Draw(img)
    scene = Scene(image=img)
    taken = []
    if with_word is None:
        with_word = rng.random() < 0.4
    if with_word:
        placed = draw_word(rng, draw, w, h, rng.choice(WORDS), taken)
        if placed:
            scene.word, scene.word_box, scene.letter_spans = placed
    items = palette or [(rng.choice(SHAPES), rng.choice(list(COLOURS))) for _ in range(n_objects or rng.randint(1, 4))]
    side = min(w, h)
    for shape, colour in items:
        s = rng.randint(max(26, int(0.14 * side)), max(30, int(0.34 * side)))
        box = place(rng, w, h, s, s, taken)
        if box is None:
            continue
        draw_shape(draw, shape, box, jitter(rng, COLOURS[colour]))
        taken.append(box)
        scene.objects.append(Obj(shape, colour, box))
    return scene


def draw_word(rng, draw, w, h, word, taken):
    """Prints word in black capitals (font 13-20 % of the image height, at least 22 px) where nothing
    is yet; returns (word, box, letter_spans) or None when it does not fit."""
    for _ in range(8):
        size = rng.randint(max(22, int(0.13 * h)), max(23, int(0.2 * h)))
        f = font(size)
        l, t, r, b = draw.textbbox((0, 0), word, font=f)
        if r - l <= w - 8 and b - t >= 16:
            break
        size = 22
    f = font(size)
    l, t, r, b = draw.textbbox((0, 0), word, font=f)
    if r - l > w - 4:
        return None
    box = place(rng, w, h, r - l, b - t, taken)
    if not box:
        return None
    draw.text((box[0] - l, box[1] - t), word, fill=tuple(rng.randint(0, 30) for _ in range(3)), font=f)
    x0 = box[0] - l
    spans = tuple((x0 + draw.textlength(word[:i], font=f), x0 + draw.textlength(word[:i + 1], font=f)) for i in range(len(word)))
    taken.append(box)
    return word, box, spans


def make_reading_scene(rng, max_words=6):
    """Training only (train_demo_model --reading): a page of the task's printed words, as many as fit
    (up to max_words, each as make_scene prints one) and no shapes: reading targets on most tokens
    instead of a tenth of them."""
    w = rng.randint(MIN_SIDE, MAX_W)
    h = rng.randint(MIN_SIDE, MAX_H)
    img = background(rng, w, h)
    draw = ImageDraw.Draw(img)
    taken, placed = [], []
    for _ in range(max_words):
        p = draw_word(rng, draw, w, h, rng.choice(WORDS), taken)
        if p:
            placed.append(p)
            x1, y1, x2, y2 = taken[-1]  # keep the next words a little further above and below
            taken[-1] = (x1, y1 - h // 16, x2, y2 + h // 16)
    scene = Scene(image=img)
    if placed:
        (scene.word, scene.word_box, scene.letter_spans), scene.more_words = placed[0], tuple(placed[1:])
    return scene


def norm_box(box, w, h):
    x1, y1, x2, y2 = box
    return [round(x1 / w * 1000), round(y1 / h * 1000), round(x2 / w * 1000), round(y2 / h * 1000)]


def box_answer(box, w, h):
    return "<|begin_of_box|>[" + ",".join(str(v) for v in norm_box(box, w, h)) + "]<|end_of_box|>"


def questions(scene):
    """All questions with exactly one right answer: list of (kind, question, answer)."""
    out = []
    objs = scene.objects
    w, h = scene.image.size
    for shape in SHAPES:
        same = [o for o in objs if o.shape == shape]
        if len(same) == 1:
            out.append(("colour", f"What colour is the {shape}?", f"{same[0].colour}."))
        out.append(("count", f"How many {shape}s are there?", f"{len(same)}."))
    out.append(("count", "How many shapes are there?", f"{len(objs)}."))
    for colour in COLOURS:
        same = [o for o in objs if o.colour == colour]
        if len(same) == 1:
            out.append(("shape", f"What shape is the {colour} object?", f"A {same[0].shape}."))
    for o in objs:
        if sum(1 for p in objs if p.shape == o.shape and p.colour == o.colour) == 1:
            out.append(("box", f"Where is the {o.colour} {o.shape}?", box_answer(o.box, w, h)))
    if scene.word:
        out.append(("word", "What word is written in the image?", f"{scene.word}."))
    return out


KINDS = ["colour", "shape", "count", "word", "box"]


def pick_question(scene, rng, kind_weights=None):
    """One question for the scene, choosing the kind first (so rare kinds are not drowned)."""
    qs = questions(scene)
    by_kind = {}
    for q in qs:
        by_kind.setdefault(q[0], []).append(q)
    kinds = [k for k in KINDS if k in by_kind]
    weights = [(kind_weights or {}).get(k, 1.0) for k in kinds]
    kind = rng.choices(kinds, weights=weights)[0]
    return rng.choice(by_kind[kind])
