#!/usr/bin/env python3
"""Trains Sightline's demo model (issue #13): a tiny Glm4vForConditionalGeneration that knows shapes,
colours, counts, one printed word, boxes and the moderation verdict of synthetic listings.

Everything comes from a seed: the tokenizer corpus, the training stream (tools/demo generators) and the
initial weights. Writes an HF folder (config.json, model.safetensors, tokenizer.json,
tokenizer_config.json, chat_template.jinja, preprocessor_config.json, generation_config.json) that
the engine loads like any GLM-4V checkpoint. CPU only.

  .venv/bin/python3 tools/train_demo_model.py --out resources/demo-model                  # the release
  .venv/bin/python3 tools/train_demo_model.py --out /tmp/m --steps 3 --batch 4            # smoke run

--attn-sup W (phase 2, training only) pulls one text-layer head's attention from the answer positions
onto the image tokens the question is about: the lookup the answers need, which the answer loss alone
does not teach within the hour (docs/demo-model.md, 3 December). --attn-sup-words W pulls a layer-1 head
from the answer positions onto the question's colour and shape words (the lookup's query must know
them), --attn-sup-colour-head H gives the lookup by colour a head of its own, --attn-sup-balance weighs
every question alike in those losses (tools/demo/lookup.py shows where a checkpoint looks). --multi-turn P
asks a share of the questions as the last turn of a conversation (data.follow_ups). --letters adds a letter-level reading
target for the printed word (three reading points per image token the word covers); --reading P makes a
share of phase 1's scenes pages of words, --reading-minutes M runs a reading phase (letters and word
targets alone) before phase 1; --box-digits a target of the digits a box answer spells (hundreds and
tens of each coordinate, on the object's tokens). Measured, not in the release: docs/demo-model.md.
"""
import argparse
import json
import math
import os
import random
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from demo import checkpoint, data, dense, listings, scenes  # noqa: E402


def corpus(rng, n=4000, word_repeats=20):
    """Text the tokenizer is trained on: questions, answers, listings, the moderation prompt. Each word answer
    appears word_repeats times besides (200 makes every word of scenes.WORDS one token)."""
    texts = [data.moderation_system()] * 50
    for _ in range(n):
        s = data.make_sample(rng, p_moderation=0.3)
        texts += [s.question, s.answer]
    texts += [f"{w}." for w in scenes.WORDS] * word_repeats + [f"A {s}." for s in scenes.SHAPES] * 20
    texts += listings.CURE_CLAIMS + listings.DISCOUNTS + listings.PRODUCTS + listings.HEALTH_PRODUCTS
    return texts


def fast_patch_embed():
    """Training speed only: GLM-4V's patch embedding is a Conv3d whose kernel equals its stride and its
    input, i.e. one matrix product over the flattened patch; as a Conv3d it took a third of a CPU
    vision step (mkldnn forward and backward). Same parameters, same checkpoint, same results."""
    from transformers.models.glm4v import modeling_glm4v

    def forward(self, hidden_states):
        w = self.proj.weight
        return torch.nn.functional.linear(hidden_states.to(w.dtype).reshape(-1, w[0].numel()), w.reshape(w.shape[0], -1), self.proj.bias)

    modeling_glm4v.Glm4vVisionPatchEmbed.forward = forward


def forward_shared(model, b, head=None):
    """The model's loss with each image's vision features computed once and shared by the sequences
    of its group (the vision tower is most of the cost on a CPU)."""
    inner = model.model
    emb = inner.get_input_embeddings()(b["input_ids"])
    feats = inner.get_image_features(b["pixel_values"], b["unique_grid_thw"], return_dict=True).pooler_output
    # How much the images' mean features differ, relative to their size: ~0 means the vision tower
    # collapsed to a constant (the text model then learns only answer priors).
    means = torch.stack([f.mean(0) for f in feats])
    forward_shared.spread = (means.std(0).norm() / means.mean(0).norm().clamp_min(1e-6)).item()
    aux = head.loss(torch.cat(list(feats)), b["dense"]) if head is not None and b.get("dense") is not None else None
    forward_shared.aux = aux.item() if aux is not None else 0.0
    feats = torch.cat([f for f, g in zip(feats, b["groups"]) for _ in range(g)]).to(emb.dtype)
    mask = (b["input_ids"] == model.config.image_token_id).unsqueeze(-1).expand_as(emb)
    emb = emb.masked_scatter(mask, feats)
    pos = inner.compute_3d_position_ids(input_ids=b["input_ids"], image_grid_thw=b["image_grid_thw"], video_grid_thw=None,
                                        inputs_embeds=emb, attention_mask=b["attention_mask"], past_key_values=None,
                                        mm_token_type_ids=b["mm_token_type_ids"])
    loss = model(inputs_embeds=emb, attention_mask=b["attention_mask"], position_ids=pos, labels=b["labels"]).loss
    forward_shared.lm = loss.item()  # the answer-token loss alone (what the log prints as "loss")
    forward_shared.attn = 0.0
    if getattr(forward_shared, "attn_weight", 0) and forward_shared.captured is not None:
        # Attention supervision (training only): at every position that predicts an answer token, the
        # supervised head's attention mass on the image tokens the question is about; with a colour
        # head, that head takes the lookup by colour (shape and box questions) and the first one the rest.
        att = forward_shared.captured
        predicts = torch.zeros_like(b["attn_target"])
        predicts[:, :-1] = b["labels"][:, 1:] != -100
        tgt = b["attn_target"]
        parts = []
        if forward_shared.colour_head is not None:
            tgt = tgt & ~b["shape_q"][:, None]
            parts.append(lookup_loss(att[:, forward_shared.colour_head], b["attn_colour"], predicts, forward_shared.balance))
        parts.append(lookup_loss(att[:, forward_shared.attn_head], tgt, predicts, forward_shared.balance))
        extra = sum(forward_shared.attn_weight * p for p in parts if p is not None)
        if forward_shared.words_weight and forward_shared.captured_words is not None:
            w = lookup_loss(forward_shared.captured_words[:, forward_shared.words_head], b["word_target"], predicts,
                            forward_shared.balance)
            extra = extra + (0 if w is None else forward_shared.words_weight * w)
            forward_shared.captured_words = None
        if torch.is_tensor(extra):
            forward_shared.attn = extra.item()  # the weighted attention losses the step adds
            loss = loss + extra
        forward_shared.captured = None
    return loss if aux is None else loss + head.scale * aux


def lookup_loss(att, tgt, predicts, balance):
    """-log of one head's attention mass (att [B, T, T]) on the target tokens (tgt [B, T]) at the
    positions that predict an answer token; balance: every question weighs the same (otherwise each
    answer token does, and the ~20-token box answers outweigh the rest). None when nothing is targeted."""
    valid = predicts & tgt.any(-1, keepdim=True)
    if not valid.any():
        return None
    nll = -torch.log((att * tgt[:, None, :].to(att.dtype)).sum(-1) + 1e-6)
    if not balance:
        return nll[valid].mean()
    rows = valid.any(1)
    return ((nll * valid).sum(1)[rows] / valid.sum(1)[rows]).mean()


class Prefetch:
    """Runs a batch generator in a child process (the second core makes the data while this one
    trains) and hands its batches over in order, so the stream stays a pure function of the seed.
    workers 0: the generator runs inline."""

    def __init__(self, make_gen, workers=1, depth=6):
        self.proc = None
        if workers <= 0:
            self.gen = make_gen()
            return
        import torch.multiprocessing as mp
        ctx = mp.get_context("fork")
        self.q = ctx.Queue(maxsize=depth)
        self.proc = ctx.Process(target=Prefetch._run, args=(make_gen, self.q), daemon=True)
        self.proc.start()

    @staticmethod
    def _run(make_gen, q):
        torch.set_num_threads(1)
        for b in make_gen():
            q.put(b)

    def next(self):
        return self.q.get() if self.proc else next(self.gen)

    def close(self):
        if self.proc:
            self.proc.terminate()
            self.proc.join()


def vision_batch(rng, n, proc, p_listing=0.3, p_word=None, p_reading=0.0):
    """n images (scenes, and listing images with their glyphs) with their dense targets. p_word: the
    share of scenes with a word (None: the task's own 40 %); p_reading: the share of scenes that are
    pages of words (scenes.make_reading_scene)."""
    def scene():
        if p_reading and rng.random() < p_reading:
            return scenes.make_reading_scene(rng)
        return scenes.make_scene(rng) if p_word is None else scenes.make_scene(rng, with_word=rng.random() < p_word)

    scs = [listings.make_listing(rng).scene if rng.random() < p_listing else scene() for _ in range(n)]
    px = proc(images=[sc.image for sc in scs], return_tensors="pt")
    return px, [dense.targets(sc, g) for sc, g in zip(scs, px["image_grid_thw"])]


READING = ("letters", "wordtok")  # what the reading phase trains


def pretrain_vision(model, head, proc, rng, args, reading=False):
    """Phase 1: the vision tower and the dense head alone (no text), until --vision-steps or
    --vision-minutes; prints the head's accuracy on held-out images at the end. reading: the reading
    phase before it instead (--reading-minutes): pages of words (--reading-pages of the images, the
    rest scenes with a word), the letters and word targets only."""
    inner = model.model
    params = list(inner.visual.parameters()) + list(head.parameters())
    opt = torch.optim.AdamW(params, lr=args.vision_lr, betas=(0.9, 0.98), weight_decay=0.01)
    minutes = args.reading_minutes if reading else args.vision_minutes
    steps = 10 ** 9 if reading else args.vision_steps

    def gen():
        while True:
            if reading:
                yield vision_batch(rng, args.vision_batch, proc, p_listing=0.0, p_word=1.0, p_reading=args.reading_pages)
            else:
                yield vision_batch(rng, args.vision_batch, proc, p_word=args.vision_p_word, p_reading=args.reading)

    source = Prefetch(gen, args.workers)
    t0 = time.time()
    step = 0
    for step in range(steps):
        progress = max(step / steps, (time.time() - t0) / (minutes * 60) if minutes else 0)
        for g in opt.param_groups:
            g["lr"] = lr_at(step, progress, args.vision_lr, 100)
        px, tg = source.next()
        feats = inner.get_image_features(px["pixel_values"], px["image_grid_thw"], return_dict=True).pooler_output
        loss = head.loss(torch.cat(list(feats)), dense.collate(tg), READING if reading else None)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        if step % args.log_every == 0:
            el = time.time() - t0
            print(f"{'reading' if reading else 'vision'} step {step} loss {loss.item():.4f} lr {opt.param_groups[0]['lr']:.2e} {el:.0f}s {(step + 1) / el:.2f} steps/s",
                  flush=True)
        if minutes and time.time() - t0 > minutes * 60:
            break
    source.close()
    model.eval()
    with torch.no_grad():
        erng = random.Random(args.seed + 7)
        fl, tl = [], []
        for _ in range(8):
            px, tg = vision_batch(erng, 16, proc)
            fl += list(inner.get_image_features(px["pixel_values"], px["image_grid_thw"], return_dict=True).pooler_output)
            tl += tg
        acc = dense.accuracy(head, fl, tl)
    model.train()
    print(f"{'reading' if reading else 'vision'} phase: {step + 1} steps in {time.time() - t0:.0f}s; held-out " + " ".join(f"{k} {v:.3f}" for k, v in acc.items()),
          flush=True)
    return acc


def lr_at(step, progress, peak, warmup):
    """Linear warm-up over `warmup` steps, then cosine to 5% of the peak as progress goes 0 -> 1."""
    if step < warmup:
        return peak * (step + 1) / warmup
    return peak * (0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * min(1.0, progress))))


def save(model, tok, cfg, out):
    model.save_pretrained(out, safe_serialization=True)
    checkpoint.write_side_files(out, tok, cfg)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True)
    ap.add_argument("--steps", type=int, default=1500)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--init", help="start from this saved folder instead of fresh weights")
    ap.add_argument("--init-vision", help="start the vision tower (and the dense head beside it) from this saved folder; "
                                          "the tokenizer and the text model are new")
    ap.add_argument("--word-corpus", type=int, default=20,
                    help="times each word answer is in the tokenizer's corpus (200: every word is one token)")
    ap.add_argument("--per-image", type=int, default=4, help="questions per image in a question batch")
    ap.add_argument("--dense-weight", type=float, default=1.0, help="auxiliary per-token vision loss (0 = off)")
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--seed", type=int, default=20261201)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--p-moderation", type=float, default=0.2, help="share of steps that are moderation batches")
    ap.add_argument("--minutes", type=float, default=0, help="stop (and save) after this wall time; 0 = no limit")
    ap.add_argument("--save-every", type=int, default=0, help="also save every N steps (0 = only at the end)")
    ap.add_argument("--log-every", type=int, default=50)
    ap.add_argument("--vision-steps", type=int, default=0, help="phase 1: vision tower + dense head alone, this many steps")
    ap.add_argument("--vision-minutes", type=float, default=0, help="phase 1 wall-time bound")
    ap.add_argument("--vision-batch", type=int, default=16)
    ap.add_argument("--vision-lr", type=float, default=2e-3)
    ap.add_argument("--vision-p-word", type=float, default=None, help="phase 1: share of scenes with a word (default: the task's)")
    ap.add_argument("--reading", type=float, default=0.0,
                    help="phase 1: share of scenes that are pages of words (reading targets on most tokens; best with --letters)")
    ap.add_argument("--reading-minutes", type=float, default=0.0,
                    help="a reading phase before phase 1: the tower learns the letters and words alone, on pages of words (needs --letters)")
    ap.add_argument("--reading-weight", type=float, default=1.0,
                    help="the letters and per-token word targets' weight among the dense targets (phases 1 and 2)")
    ap.add_argument("--reading-pages", type=float, default=0.7, help="the reading phase's share of pages of words (the rest: scenes with a word)")
    ap.add_argument("--vision-lr-scale", type=float, default=1.0, help="the vision tower's share of --lr in phase 2")
    ap.add_argument("--attn-sup", type=float, default=0.0, help="phase 2: weight of the attention supervision (0 = off)")
    ap.add_argument("--attn-sup-layer", type=int, default=2, help="the text layer whose head is supervised")
    ap.add_argument("--attn-sup-head", type=int, default=0)
    ap.add_argument("--attn-sup-colour-head", type=int, default=None,
                    help="a second head of that layer supervised with the lookup by colour (shape and box questions)")
    ap.add_argument("--attn-sup-words", type=float, default=0.0,
                    help="weight of a second supervision: a head of --attn-sup-words-layer reads, from the answer "
                         "positions, the question's colour and shape words (so the lookup's query knows them)")
    ap.add_argument("--attn-sup-words-layer", type=int, default=1)
    ap.add_argument("--attn-sup-words-head", type=int, default=0)
    ap.add_argument("--attn-sup-balance", action="store_true",
                    help="the attention loss weighs every question the same, not every answer token")
    ap.add_argument("--kind-weights", default="",
                    help="question kinds' shares in phase 2, e.g. shape=2.5,count=1.3 (default: data.KIND_WEIGHTS)")
    ap.add_argument("--multi-turn", type=float, default=0.0,
                    help="share of questions asked as the last turn of a conversation (data.follow_ups)")
    ap.add_argument("--letters", action="store_true",
                    help="dense head also reads the word's letters on its tokens (dense.letter_targets)")
    ap.add_argument("--box-digits", action="store_true",
                    help="dense head also reads the hundreds and tens digits of the box answer on an object's tokens")
    ap.add_argument("--workers", type=int, default=1, help="data-making child processes (0 = inline)")
    ap.add_argument("--only-vision", action="store_true", help="stop after phase 1 (experiments)")
    ap.add_argument("--max-pixels", type=int, default=checkpoint.MAX_PIXELS, help="image budget (GLM-4V counts 2 frames)")
    ap.add_argument("--text-hidden", type=int, default=128)
    ap.add_argument("--text-layers", type=int, default=4)
    ap.add_argument("--vision-hidden", type=int, default=96)
    ap.add_argument("--vision-depth", type=int, default=2)
    ap.add_argument("--vision-heads", type=int, default=2)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    fast_patch_embed()
    random.seed(args.seed)
    torch.manual_seed(args.seed)
    rng = random.Random(args.seed)

    from transformers import Glm4vForConditionalGeneration
    if args.init:  # continue from a saved folder (its tokenizer and weights); the data stream is args.seed's
        from tokenizers import Tokenizer
        tok = Tokenizer.from_file(os.path.join(args.init, "tokenizer.json"))
        model = Glm4vForConditionalGeneration.from_pretrained(args.init, dtype=torch.float32)
        cfg = model.config
    else:
        tok = checkpoint.build_tokenizer(corpus(random.Random(args.seed + 1), word_repeats=args.word_corpus))
        cfg = checkpoint.model_config(tok, text_hidden=args.text_hidden, text_layers=args.text_layers,
                                      vision_hidden=args.vision_hidden, vision_depth=args.vision_depth,
                                      vision_heads=args.vision_heads)
        model = Glm4vForConditionalGeneration(cfg)
        if args.init_vision:
            from safetensors.torch import load_file
            tower = {k[len("model.visual."):]: v for k, v in load_file(os.path.join(args.init_vision, "model.safetensors")).items()
                     if k.startswith("model.visual.")}
            model.model.visual.load_state_dict(tower)  # strict: the same tower sizes are required
    checkpoint.MAX_PIXELS = args.max_pixels  # image_processor() and the saved preprocessor_config read it
    proc = checkpoint.image_processor()
    model.train()
    n_params = sum(p.numel() for p in model.parameters())
    print(f"params {n_params / 1e6:.2f} M, vocab {tok.get_vocab_size()}", flush=True)
    extras = [k for k, on in (("letters", args.letters), ("boxdig", args.box_digits)) if on]
    head = dense.Head(cfg.text_config.hidden_size, extras) if args.dense_weight > 0 or args.vision_steps else None
    if head:
        head.scale = args.dense_weight
        head.weights = {k: args.reading_weight for k in READING}
        start = args.init or args.init_vision
        if start and os.path.exists(os.path.join(start, "dense_head.pt")):  # an --only-vision run's head
            head.load_state_dict(torch.load(os.path.join(start, "dense_head.pt")))
    vision_acc = reading_acc = None
    if args.reading_minutes:
        if not (head and args.letters):
            ap.error("--reading-minutes needs --letters and the dense head")
        reading_acc = pretrain_vision(model, head, proc, random.Random(args.seed + 13), args, reading=True)
    if args.vision_steps and head:
        vision_acc = pretrain_vision(model, head, proc, random.Random(args.seed + 11), args)  # its own stream
        if args.only_vision:  # experiments: keep the tower (and the head beside it) to continue from
            save(model, tok, cfg, args.out)
            torch.save(head.state_dict(), os.path.join(args.out, "dense_head.pt"))
            return
    # The vision tower (after phase 1) learns at --vision-lr-scale of the rate: the answer loss would
    # otherwise undo what the dense targets taught it before the text model can read it.
    forward_shared.attn_weight = args.attn_sup
    forward_shared.colour_head = args.attn_sup_colour_head
    forward_shared.balance = args.attn_sup_balance
    if args.attn_sup_words and not args.attn_sup:
        ap.error("--attn-sup-words needs --attn-sup")
    forward_shared.words_weight = args.attn_sup_words
    forward_shared.words_head = args.attn_sup_words_head
    forward_shared.captured_words = None
    for kv in filter(None, args.kind_weights.split(",")):
        k, v = kv.split("=")
        if k not in data.KIND_WEIGHTS:
            ap.error(f"--kind-weights: unknown kind {k!r} (one of {', '.join(data.KIND_WEIGHTS)})")
        data.KIND_WEIGHTS[k] = float(v)
    forward_shared.captured = None
    if args.attn_sup:
        # Teach the lookup the answers need (find the image token of the asked object): one head of one
        # text layer is pulled towards those tokens. Needs the weights, so eager attention.
        model.set_attn_implementation("eager")
        forward_shared.attn_head = args.attn_sup_head

        def keep(_mod, _inp, out):
            forward_shared.captured = out[1]

        model.model.language_model.layers[args.attn_sup_layer].self_attn.register_forward_hook(keep)
        if args.attn_sup_words:
            def keep_words(_mod, _inp, out):
                forward_shared.captured_words = out[1]

            model.model.language_model.layers[args.attn_sup_words_layer].self_attn.register_forward_hook(keep_words)
    vis = lambda n: n.startswith("model.visual.")  # noqa: E731
    groups = []
    for is_vis in (False, True):
        named = [(n, p) for n, p in model.named_parameters() if vis(n) == is_vis]
        decay = [p for n, p in named if p.ndim >= 2 and "embed" not in n] + (list(head.parameters()) if head and is_vis else [])
        other = [p for n, p in named if not (p.ndim >= 2 and "embed" not in n)]
        scale = args.vision_lr_scale if is_vis else 1.0
        groups += [{"params": decay, "weight_decay": 0.01, "scale": scale}, {"params": other, "weight_decay": 0.0, "scale": scale}]
    opt = torch.optim.AdamW(groups,
                            lr=args.lr, betas=(0.9, 0.98))
    def gen():
        while True:
            # Moderation prompts are ~10x longer than questions: they get batches of their own (a third the size).
            # Questions come args.per_image to an image (one vision pass for them all).
            if rng.random() < args.p_moderation:
                samples = [data.make_sample(rng, 1.0) for _ in range(max(1, args.batch // 3))]
                groups = None
            else:
                n_img = max(1, args.batch // args.per_image)
                samples = [s for _ in range(n_img) for s in data.make_group(rng, args.per_image)]
                if args.multi_turn:
                    samples = data.follow_ups(rng, samples, args.multi_turn)
                groups = [args.per_image] * n_img
            yield data.encode(samples, tok, proc, cfg, groups)

    source = Prefetch(gen, args.workers)
    t0 = time.time()
    running = None
    step = 0
    for step in range(args.steps):
        for g in opt.param_groups:
            # Progress is by steps or by wall time, whichever is further (--minutes bounds the run).
            progress = step / args.steps
            if args.minutes:
                progress = max(progress, (time.time() - t0) / (args.minutes * 60))
            g["lr"] = g["scale"] * lr_at(step, progress, args.lr, min(200, args.steps // 10 + 1))
        loss = forward_shared(model, source.next(), head)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        lm = forward_shared.lm
        running = lm if running is None else 0.95 * running + 0.05 * lm
        if step % args.log_every == 0 or step == args.steps - 1:
            el = time.time() - t0
            print(f"step {step} loss {lm:.4f} avg {running:.4f} lr {opt.param_groups[0]['lr']:.2e} "
                  f"{el:.0f}s {(step + 1) / el:.2f} steps/s image spread {getattr(forward_shared, 'spread', 0):.3f} dense {getattr(forward_shared, 'aux', 0):.3f}"
                  f" attn {getattr(forward_shared, 'attn', 0):.3f}", flush=True)
        if args.save_every and step and step % args.save_every == 0:
            save(model, tok, cfg, args.out)
        if args.minutes and time.time() - t0 > args.minutes * 60:
            print(f"time limit reached at step {step}", flush=True)
            break
    source.close()
    wall = time.time() - t0
    save(model, tok, cfg, args.out)
    meta = {"init": args.init, "init_vision": args.init_vision, "word_corpus": args.word_corpus, "seed": args.seed, "steps_done": step + 1, "steps_planned": args.steps, "batch": args.batch, "lr": args.lr,
            "p_moderation": args.p_moderation, "threads": args.threads, "wall_s": round(wall, 1), "params": n_params,
            "final_avg_loss": running, "reading_phase": reading_acc, "vision_phase": vision_acc, "argv": sys.argv[1:], "torch": torch.__version__}
    with open(os.path.join(args.out, "training.json"), "w") as f:
        json.dump(meta, f, indent=1)
    print(json.dumps(meta), flush=True)


if __name__ == "__main__":
    main()
