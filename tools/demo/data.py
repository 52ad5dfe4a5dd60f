"""Training and evaluation samples of the demo model: prompt ids, image tensors, answer (issue #13).

Contract: `Sample` is one single-turn conversation (image + question, thinking off) with its answer;
`make_sample(rng, p_moderation)` draws a visual question or a moderation listing. `encode(samples,
tok, proc, cfg)` is a training batch: input ids right-padded, the <|image|> token expanded to the
image's merged patch count, labels -100 everywhere except the answer and its end token, and the training-only attention targets
of train_demo_model --attn-sup* (attn_target, attn_colour, word_target).
`moderation_system()` and `moderation_user(title, text)` are the app's default policy and item prompt
(app/moderation/moderation_import.cpp Policy::render, moderation_run.cpp buildItemMessages), word for word.
"""
from dataclasses import dataclass

import torch

from . import checkpoint, listings, scenes
from . import dense as densemod

POLICY_PROMPT = (
    "You are a content moderator for an online marketplace. You see one product listing: its image, title and description. "
    "Decide whether it may be published under the rules below. Reject clear violations, approve clean listings, and answer "
    "\"review\" when a human must look (unclear image, borderline case).")
POLICY_RULES = [
    "prohibited_goods: weapons, ammunition, explosives, drugs and drug paraphernalia, counterfeit goods, stolen goods, "
    "tobacco and vaping products, recalled items, live animals, human remains",
    "false_medical_claims: claims that a product cures, treats or prevents a disease, or replaces prescribed medicine",
    "misleading_advertising: the image does not show the product described, fake discounts, bait-and-switch, fake reviews",
    "adult_content: nudity, sexual content or sexual services",
    "violence: graphic violence, gore, or content glorifying violence or hate"]


def moderation_system():
    s = POLICY_PROMPT + "\n\nRules:\n"
    for i, r in enumerate(POLICY_RULES):
        s += f"{i + 1}. {r}\n"
    return s + ("\nAnswer with one JSON object and nothing else:\n"
                "{\"verdict\": \"approve\" | \"reject\" | \"review\", \"reasons\": [short strings], \"categories\": [rule names], "
                "\"confidence\": number from 0 to 1}")


def moderation_user(title, text):
    return "Listing title: " + title + "\nListing description: " + text + "\n\nJudge this listing. Reply with the JSON object only."


@dataclass
class Sample:
    kind: str  # colour, shape, count, word, box, moderation
    image: object
    question: str
    answer: str
    system: str = None
    truth: object = None  # box kinds: the normalised box; moderation: the Listing
    earlier: tuple = ()  # turns before the asked one: (question, answer, with_image), see follow_ups


KIND_WEIGHTS = {"colour": 1.0, "shape": 1.0, "count": 1.3, "word": 1.3, "box": 1.6}


def make_sample(rng, p_moderation=0.15):
    if rng.random() < p_moderation:
        li = listings.make_listing(rng)
        return Sample("moderation", li.scene.image, moderation_user(li.title, li.text), listings.verdict_json(li),
                      moderation_system(), li)
    scene = scenes.make_scene(rng)
    kind, q, a = scenes.pick_question(scene, rng, KIND_WEIGHTS)
    truth = None
    if kind == "box":
        o = next(o for o in scene.objects if q == f"Where is the {o.colour} {o.shape}?")
        truth = scenes.norm_box(o.box, *scene.image.size)
    return Sample(kind, scene.image, q, a, None, truth)


def make_group(rng, k):
    """k questions (kinds drawn by KIND_WEIGHTS, repeats allowed) about one new scene: one image."""
    scene = scenes.make_scene(rng)
    out = []
    for _ in range(k):
        kind, q, a = scenes.pick_question(scene, rng, KIND_WEIGHTS)
        out.append(Sample(kind, scene.image, q, a, None, scene))
    return out


def follow_ups(rng, group, p):
    """Makes some questions of a group (make_group) conversations of two or three turns, the asked one
    last (the answer loss is on its answer only): with probability p each, earlier questions about the
    same image (the image in the first turn, the asked one a follow-up without it), or, one time in
    three, a question without an image before the image's question (what a chat that began with text
    sends). The image and the asked question stay the group's, so the image is still encoded once."""
    out = []
    for s in group:
        if rng.random() >= p:
            out.append(s)
            continue
        sc = s.truth
        if rng.random() < 1 / 3:
            _, q, a = scenes.pick_question(scenes.make_scene(rng), rng, KIND_WEIGHTS)
            earlier = ((q, a, False),)
        else:
            earlier = tuple((q, a, i == 0) for i, (_, q, a) in
                            enumerate(scenes.pick_question(sc, rng, KIND_WEIGHTS) for _ in range(rng.randint(1, 2))))
        out.append(Sample(s.kind, s.image, s.question, s.answer, s.system, s.truth, earlier))
    return out


def scene_of(sample):
    """The generated scene behind a sample's image (question groups keep it in truth; listings in truth.scene)."""
    if isinstance(sample.truth, scenes.Scene):
        return sample.truth
    return getattr(sample.truth, "scene", None)


def prompt_ids(sample, tok, grid, cfg, merge=4):
    ids = tok.encode(checkpoint.render_prompt(sample.question, sample.system, sample.earlier), add_special_tokens=False).ids
    out = []
    for i in ids:
        out += [i] * int(grid.prod() // merge) if i == cfg.image_token_id else [i]
    return out


def encode(samples, tok, proc, cfg, groups=None):
    """groups: sizes of runs of consecutive samples that share one image (the image is encoded once,
    see train_demo_model.forward_shared); None = one image per sample."""
    groups = groups or [1] * len(samples)
    firsts, i = [], 0
    for g in groups:
        firsts.append(samples[i])
        i += g
    px = proc(images=[s.image for s in firsts], return_tensors="pt")
    grids = px["image_grid_thw"].repeat_interleave(torch.tensor(groups), dim=0)
    end = tok.token_to_id("<|endoftext|>")
    seqs, labs = [], []
    for s, g in zip(samples, grids):
        p = prompt_ids(s, tok, g, cfg)
        a = tok.encode(s.answer, add_special_tokens=False).ids + [end]
        seqs.append(p + a)
        labs.append([-100] * len(p) + a)
    n = max(len(x) for x in seqs)
    input_ids = torch.full((len(seqs), n), end, dtype=torch.long)
    labels = torch.full((len(seqs), n), -100, dtype=torch.long)
    mask = torch.zeros((len(seqs), n), dtype=torch.long)
    for i, (x, y) in enumerate(zip(seqs, labs)):
        input_ids[i, :len(x)] = torch.tensor(x)
        labels[i, :len(y)] = torch.tensor(y)
        mask[i, :len(x)] = 1
    mm = (input_ids == cfg.image_token_id).long() * mask  # 1 on image tokens (transformers' M-RoPE needs it)
    # Training-only attention targets (train_demo_model --attn-sup): the image tokens each question is
    # about, as positions in its sequence (none for moderation).
    attn_target = torch.zeros((len(seqs), n), dtype=torch.bool)
    attn_colour = torch.zeros((len(seqs), n), dtype=torch.bool)  # the objects of the colour it names
    shape_q = torch.tensor([s.kind == "shape" for s in samples])
    # and the question's own words that name what to look up (its colour and shape words): where the
    # answer position must read the question from (--attn-sup-words)
    attr_ids = {tok.token_to_id("Ġ" + name) for name in list(scenes.COLOURS) + scenes.SHAPES + [sh + "s" for sh in scenes.SHAPES]}
    attr_ids.discard(None)
    user_id = tok.token_to_id("<|user|>")
    word_target = torch.zeros((len(seqs), n), dtype=torch.bool)
    i = 0
    for f, g, size in zip(firsts, px["image_grid_thw"], groups):  # the token layout once per image
        sc = scene_of(f)
        layout = densemod.object_tokens(sc, g) if sc is not None else None
        for s in samples[i:i + size]:
            if layout is not None and s.kind != "moderation":
                first = seqs[i].index(cfg.image_token_id)
                for k in densemod.asked_tokens(sc, layout, s.kind, s.question):
                    attn_target[i, first + k] = True
                for k in densemod.colour_tokens(sc, layout, s.question):
                    attn_colour[i, first + k] = True
                # the asked turn's question: after the last <|user|> (and the image, when it is there)
                last = max(len(seqs[i]) - 1 - seqs[i][::-1].index(t) for t in (cfg.image_token_id, user_id))
                for k in range(last + 1, len(seqs[i])):
                    word_target[i, k] = labs[i][k] == -100 and seqs[i][k] in attr_ids
            i += 1
    dense = None
    if all(scene_of(s) is not None for s in firsts):
        dense = densemod.collate([densemod.targets(scene_of(s), g) for s, g in zip(firsts, px["image_grid_thw"])])
    return {"dense": dense, "input_ids": input_ids, "attention_mask": mask, "labels": labels, "pixel_values": px["pixel_values"],
            "image_grid_thw": grids, "mm_token_type_ids": mm, "unique_grid_thw": px["image_grid_thw"],
            "groups": groups, "attn_target": attn_target, "attn_colour": attn_colour, "shape_q": shape_q,
            "word_target": word_target}
