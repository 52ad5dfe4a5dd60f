"""Dense supervision of the demo model's vision tower (issue #13): targets per merged image token and
the auxiliary head that predicts them. Neither is part of the checkpoint; they only shape training.

Why: a vision tower trained from scratch through the answer tokens alone collapses (the text model
first learns the answer priors and the image features drift to a constant). These targets make the
tower a scene parser instead: every merged token is trained to carry the whole scene's facts (how
many of each shape, the colour of each unique shape, the shape of each unique colour, the word, the
listing glyph, the box of each unique colour+shape pair: the tower's attention is global, so any
token can), plus what lies at the token itself. The text model then only has to read them out.

Contract: `targets(scene, grid, merge=2)` -> dict of tensors for one image with T merged tokens;
`collate(list)` concatenates images; `Head(dim)` maps features [N, dim] to its logits and `Head.loss(
feats, tgt)` is the auxiliary loss; `accuracy(head, feats_list, tgt_list)` scores the per-image means
(what the text model could read). Scenes from listings carry `glyph` ("weapon", "medicine" or "").
"""
import torch

from . import scenes
from .score_answers import iou  # noqa: F401 (boxes on the 0-1000 grid, floats or ints alike)

N_SHAPES, N_COLOURS = len(scenes.SHAPES), len(scenes.COLOURS)
COLOURS = list(scenes.COLOURS)
GLYPHS = ["", "weapon", "medicine"]
N_PAIRS = N_SHAPES * N_COLOURS


def pair_index(colour, shape):
    return COLOURS.index(colour) * N_SHAPES + scenes.SHAPES.index(shape)


def targets(scene, grid, merge=2):
    w, h = scene.image.size
    gh, gw = int(grid[1]) // merge, int(grid[2]) // merge
    objs = scene.objects
    t = gh * gw
    g = {
        "count": torch.tensor([sum(o.shape == s for o in objs) for s in scenes.SHAPES]),  # 0..4 each
        "total": torch.tensor(len(objs)),
        "word": torch.tensor(scenes.WORDS.index(scene.word) + 1 if scene.word else 0),
        "glyph": torch.tensor(GLYPHS.index(getattr(scene, "glyph", ""))),
        # The answers of the colour and shape questions as scene facts every token carries (the text
        # model then reads a slice instead of searching the tokens): the colour of the one object of
        # each shape, the shape of the one object of each colour (0: none or several).
        "colour_of": torch.tensor([COLOURS.index(only[0].colour) + 1 if len(only := [o for o in objs if o.shape == s]) == 1 else 0
                                   for s in scenes.SHAPES]),
        "shape_of": torch.tensor([scenes.SHAPES.index(only[0].shape) + 1 if len(only := [o for o in objs if o.colour == c]) == 1 else 0
                                  for c in COLOURS]),
    }
    out = {k: v.reshape(1, -1).expand(t, -1).clone() for k, v in g.items()}
    # The box of each colour+shape pair that occurs once, as a scene fact too (0-1 of width/height).
    pair_box = torch.zeros(N_PAIRS * 4)
    pair_mask = torch.zeros(N_PAIRS * 4)
    for o in objs:
        if sum(p.colour == o.colour and p.shape == o.shape for p in objs) == 1:
            k = pair_index(o.colour, o.shape)
            pair_box[4 * k:4 * k + 4] = torch.tensor(scenes.norm_box(o.box, w, h), dtype=torch.float) / 1000
            pair_mask[4 * k:4 * k + 4] = 1
    out["pair_box"] = pair_box.reshape(1, -1).expand(t, -1).clone()
    out["pair_mask"] = pair_mask.reshape(1, -1).expand(t, -1).clone()
    # Local: the object whose box covers the token's centre (its colour, shape and box), and the
    # shape of an object whose centre lies in the token (what counting reads).
    colour = torch.zeros(t, dtype=torch.long)
    shape = torch.zeros(t, dtype=torch.long)
    centre = torch.zeros(t, dtype=torch.long)
    boxes = torch.zeros(t, 4)
    mask = torch.zeros(t)
    wordtok = torch.zeros(t, dtype=torch.long)  # the word on tokens its box covers (a local target reads it best)
    per, _, centres = object_tokens(scene, grid, merge)
    words = word_tokens(scene, grid, merge)
    for text, toks in words:
        for k in toks:
            wordtok[k] = scenes.WORDS.index(text) + 1
    out["letters"] = letter_targets(scene, grid, merge, words)
    if scene.more_words:  # a reading scene: no one word is "the" word of the image
        out["word"][:] = -100
    boxdig = torch.zeros(t, 4 * 2, dtype=torch.long)  # the answer's hundreds and tens digits of each coordinate
    for o, toks in zip(objs, per):
        norm = scenes.norm_box(o.box, w, h)
        box, digits = torch.tensor(norm, dtype=torch.float) / 1000, torch.tensor(box_digits(norm))
        for k in toks:
            colour[k] = COLOURS.index(o.colour) + 1
            shape[k] = scenes.SHAPES.index(o.shape) + 1
            boxes[k] = box
            mask[k] = 1
            boxdig[k] = digits
    out["boxdig"] = boxdig
    for o, k in zip(objs, centres):
        centre[k] = scenes.SHAPES.index(o.shape) + 1
    out.update({"colour": colour, "shape": shape, "centre": centre, "boxes": boxes, "box_mask": mask, "wordtok": wordtok})
    return out


def object_tokens(scene, grid, merge=2):
    """Which merged image tokens belong to what, the one geometry of the local targets and of the
    attention targets: ([tokens of each object], word tokens, [centre token of each object]). An
    object's tokens are those whose centre its box covers; one whose centre token no object has yet
    (a small object that covers no token centre) gets that token too."""
    w, h = scene.image.size
    gh, gw = int(grid[1]) // merge, int(grid[2]) // merge
    per = [set() for _ in scene.objects]
    word = set().union(*[toks for _, toks in word_tokens(scene, grid, merge)])
    for i in range(gh):
        for j in range(gw):
            x, y = (j + 0.5) / gw * w, (i + 0.5) / gh * h
            for k, o in enumerate(scene.objects):
                if o.box[0] <= x < o.box[2] and o.box[1] <= y < o.box[3]:
                    per[k].add(i * gw + j)
    taken = set().union(*per)
    centres = []
    for k, o in enumerate(scene.objects):
        cx, cy = (o.box[0] + o.box[2]) / 2, (o.box[1] + o.box[3]) / 2
        c = min(gh - 1, int(cy / h * gh)) * gw + min(gw - 1, int(cx / w * gw))
        centres.append(c)
        if c not in taken:
            per[k].add(c)
            taken.add(c)
    return per, word, centres


def word_tokens(scene, grid, merge=2):
    """[(word, tokens it covers)] for each printed word (one, or several in a reading scene): the tokens
    of every row that holds at least a quarter of the word's height, where the word covers at least a
    quarter of the token's width (a token two words reach is the one's that covers more of it). A word is often lower
    than a 28-px token row and straddles two: both rows see part of its letters. (Until 3 December
    this was "the token's centre lies in the word's box", and a word between two row centres had no
    tokens at all: nothing to read, no reading target, no word to look at.)"""
    w, h = scene.image.size
    gh, gw = int(grid[1]) // merge, int(grid[2]) // merge
    words = scenes.scene_words(scene)
    out = [(text, set()) for text, _, _ in words]
    for i in range(gh):
        y1, y2 = i / gh * h, (i + 1) / gh * h
        for j in range(gw):
            x1, x2 = j / gw * w, (j + 1) / gw * w
            best, area = None, 0.0
            for n, (_, box, _) in enumerate(words):
                oy, ox = min(y2, box[3]) - max(y1, box[1]), min(x2, box[2]) - max(x1, box[0])
                if oy >= 0.25 * (box[3] - box[1]) and ox >= 0.25 * (x2 - x1) and ox * oy > area:
                    best, area = n, ox * oy
            if best is not None:
                out[best][1].add(i * gw + j)
    return out


def box_digits(norm):
    """Classes of the digits a box answer spells (0-1000 coordinates, digits never merged by the
    tokenizer): per coordinate its hundreds and tens digit, as 1 + digit (0 is "no object here"); 1000
    reads as 999. What an IoU >= 0.5 needs; the units digit is below it."""
    out = []
    for v in norm:
        v = min(999, max(0, int(v)))
        out += [1 + v // 100, 1 + v // 10 % 10]
    return out


LETTER_POINTS = (1 / 6, 1 / 2, 5 / 6)  # where across a merged token its letters are read


def letter_targets(scene, grid, merge=2, words=None):
    """[T, 3] letter ids (1..26 for A..Z, 0 for none): on each token a word covers, the letter under
    the left third, the middle and the right third of the token (a 28-px token of a 16-40 px font
    holds one to three letters). A reading target finer than the 50-way word: the tower learns the
    glyphs it is made of (train_demo_model --letters). words: word_tokens(scene, grid, merge) when the
    caller has it already."""
    w = scene.image.size[0]
    gw = int(grid[2]) // merge
    out = torch.zeros(int(grid[1]) // merge * gw, len(LETTER_POINTS), dtype=torch.long)
    words = word_tokens(scene, grid, merge) if words is None else words
    for (text, toks), (_, _, sp) in zip(words, scenes.scene_words(scene)):
        for k in toks:
            j = k % gw
            for p, frac in enumerate(LETTER_POINTS):
                x = (j + frac) / gw * w
                for ch, (x1, x2) in zip(text, sp):
                    if x1 <= x < x2:
                        out[k, p] = ord(ch) - ord("A") + 1
    return out


def asked_tokens(scene, layout, kind, question):
    """The merged image tokens a question is about, from `layout` = object_tokens(scene, ...): the
    object(s) it names (colour: the one of that shape; shape: the one of that colour; box: that pair;
    count: every object counted), the word's tokens for the word question. Empty when it names none
    (a count of zero)."""
    per, word, _ = layout
    objs = scene.objects
    if kind == "word":
        return word
    if kind == "colour":
        pick = [k for k, o in enumerate(objs) if f"the {o.shape}?" in question]
    elif kind == "shape":
        pick = [k for k, o in enumerate(objs) if f"the {o.colour} object" in question]
    elif kind == "box":
        pick = [k for k, o in enumerate(objs) if f"the {o.colour} {o.shape}?" in question]
    elif kind == "count":
        pick = list(range(len(objs))) if "How many shapes" in question else \
            [k for k, o in enumerate(objs) if f"many {o.shape}s " in question]
    else:
        pick = []
    return set().union(*[per[k] for k in pick]) if pick else set()


def colour_tokens(scene, layout, question):
    """The merged image tokens of every object whose colour the question names ("the red object",
    "the red star"): the lookup by colour that shape and box questions need (train_demo_model
    --attn-sup-colour-head supervises a head of its own with it). Empty when it names no colour."""
    per = layout[0]
    pick = [k for k, o in enumerate(scene.objects) if f" {o.colour} " in question]
    return set().union(*[per[k] for k in pick]) if pick else set()


def collate(items):
    return {k: torch.cat([it[k] for it in items]) for k in items[0]}


class Head(torch.nn.Module):
    SIZES = {"count": (N_SHAPES, 5), "total": (1, 5), "word": (1, len(scenes.WORDS) + 1), "glyph": (1, len(GLYPHS)),
             "colour": (1, N_COLOURS + 1), "shape": (1, N_SHAPES + 1), "centre": (1, N_SHAPES + 1),
             "wordtok": (1, len(scenes.WORDS) + 1), "colour_of": (N_SHAPES, N_COLOURS + 1), "shape_of": (N_COLOURS, N_SHAPES + 1)}

    LOCAL = ("colour", "shape", "centre", "wordtok", "letters", "boxdig")
    EXTRA = {"letters": (len(LETTER_POINTS), 27), "boxdig": (8, 11)}  # optional targets (train_demo_model flags)

    def __init__(self, dim, extras=()):
        super().__init__()
        self.sizes = dict(self.SIZES, **{k: self.EXTRA[k] for k in extras})
        self.lin = torch.nn.ModuleDict({k: torch.nn.Linear(dim, n * c) for k, (n, c) in self.sizes.items()})
        self.box = torch.nn.Linear(dim, 4)
        self.pair_box = torch.nn.Linear(dim, N_PAIRS * 4)
        self.scale = 1.0
        self.weights = {}  # per-target loss multipliers (train_demo_model --reading-weight)

    def logits(self, feats):
        out = {k: lin(feats).reshape(feats.shape[0], *self.sizes[k]) for k, lin in self.lin.items()}
        out["boxes"] = self.box(feats)
        out["pair_box"] = self.pair_box(feats)
        return out

    def loss(self, feats, tgt, only=None):
        """only: the targets to train (train_demo_model's reading phase: letters and wordtok); None = all."""
        lg = self.logits(feats)
        ce = torch.nn.functional.cross_entropy
        total = 0.0
        for k, (n, c) in self.sizes.items():
            if only is not None and k not in only:
                continue
            wk = self.weights.get(k, 1.0)
            if k in self.LOCAL:  # objects cover few tokens: their tokens weigh as much as all background ones
                logit, t = lg[k].reshape(-1, c), tgt[k].reshape(-1)
                obj = t > 0
                if obj.any():
                    total = total + wk * ce(logit[obj], t[obj])
                if (~obj).any():
                    total = total + wk * 0.5 * ce(logit[~obj], t[~obj])
            else:  # -100: no target (the image's word on a reading scene)
                t = tgt[k].reshape(-1)
                has = t != -100
                if has.any():
                    total = total + wk * ce(lg[k].reshape(-1, c)[has], t[has])
        if only is not None:
            return total
        m = tgt["box_mask"].unsqueeze(1)
        se = ((torch.sigmoid(lg["boxes"]) - tgt["boxes"]) ** 2 * m).sum() / m.sum().clamp_min(1)
        pm = tgt["pair_mask"]
        pse = ((torch.sigmoid(lg["pair_box"]) - tgt["pair_box"]) ** 2 * pm).sum() / pm.sum().clamp_min(1) * 4
        return total + 20 * se + 20 * pse


@torch.no_grad()
def accuracy(head, feats_list, tgt_list):
    """Global facts from each image's mean feature (per element), local facts per token where an
    object is (colour, shape, box IoU >= 0.5) and at object centres (centre shape)."""
    right, n = {}, {}

    def add(k, ok, cnt):
        right[k] = right.get(k, 0) + ok
        n[k] = n.get(k, 0) + cnt

    for f, t in zip(feats_list, tgt_list):
        lg = head.logits(f.mean(0, keepdim=True))
        for k in ("count", "total", "word", "glyph", "colour_of", "shape_of"):
            eq = lg[k][0].argmax(-1) == t[k][0]
            add(k, int(eq.sum()), eq.numel())
        tok = head.logits(f)
        m = t["box_mask"] > 0
        for k in ("colour", "shape"):
            add(k, int((tok[k][:, 0].argmax(-1) == t[k])[m].sum()), int(m.sum()))
        wt = t["wordtok"] > 0
        if wt.any():  # the word read from its own tokens' mean
            wl = head.logits(f[wt].mean(0, keepdim=True))["wordtok"][0, 0].argmax(-1)
            add("wordtok", int(wl == t["wordtok"][wt][0]), 1)
        if "letters" in tok and wt.any():  # letters per reading point on the word's tokens
            lt = t["letters"]
            add("letters", int((tok["letters"].argmax(-1) == lt)[lt > 0].sum()), int((lt > 0).sum()))
        if "boxdig" in tok and m.any():  # box digits on the objects' tokens
            bd = t["boxdig"][m]
            add("boxdig", int((tok["boxdig"][m].argmax(-1) == bd).sum()), bd.numel())
        c = t["centre"] > 0
        add("centre", int((tok["centre"][:, 0].argmax(-1) == t["centre"])[c].sum()), int(c.sum()))
        pred = torch.sigmoid(tok["boxes"])
        ious = [iou(pred[i].tolist(), t["boxes"][i].tolist()) for i in range(len(m)) if m[i]]
        add("box_iou50", sum(x >= 0.5 for x in ious), len(ious))
    return {k: right[k] / max(1, n[k]) for k in right}
