#!/usr/bin/env python3
"""Builds tiny random Glm4vForConditionalGeneration checkpoints of several shapes with Hugging Face
transformers, saves them in HF format, and dumps golden outputs for the C++ engine's parity tests.

Shapes differ from the shared fixture on purpose (head counts, KV heads, head_dim, mrope sections,
rope theta, vision depth/width/heads, qkv bias, storage dtype, and the old top-level rope layout),
so an engine that hard-codes a fixture dimension fails here.

Also writes a tokenizer corpus (mixed scripts, emoji, whitespace runs, digits, special tokens)
with the ids from the `tokenizers` library.

  python3 tests/reference/make_reference.py --fixtures ../shared/fixtures/glm4v-tiny --out build/reference
"""

import argparse
import json
import os
import random
import shutil
import sys

import torch
from safetensors.torch import save_file

SHAPES = {
    # name: (text overrides, vision overrides, rope layout, storage dtype)
    "gqa2-theta5e5": (
        dict(hidden_size=128, num_attention_heads=2, num_key_value_heads=1, head_dim=64, intermediate_size=192,
             num_hidden_layers=3, rope_theta=500000.0, mrope_section=[4, 6, 6]),
        dict(depth=3, hidden_size=96, num_heads=3, out_hidden_size=128, intermediate_size=160, attention_bias=True),
        "v5", torch.float32),
    "mha4-oldrope": (
        dict(hidden_size=96, num_attention_heads=4, num_key_value_heads=4, head_dim=24, intermediate_size=128,
             num_hidden_layers=2, rope_theta=1000000.0, mrope_section=[2, 2, 2]),
        dict(depth=1, hidden_size=32, num_heads=1, out_hidden_size=96, intermediate_size=64, attention_bias=False),
        "old", torch.bfloat16),
    "gqa3-deepvision": (
        dict(hidden_size=96, num_attention_heads=6, num_key_value_heads=2, head_dim=16, intermediate_size=160,
             num_hidden_layers=1, rope_theta=10000.0, mrope_section=[1, 1, 2]),
        dict(depth=4, hidden_size=64, num_heads=4, out_hidden_size=96, intermediate_size=96, attention_bias=False),
        "v5", torch.float16),
}

PROMPTS = [
    ("text", [{"role": "user", "content": "Describe a red square, please."}], {}),
    ("image", [{"role": "user", "content": [{"type": "image", "image": "images/img_300x200.png"},
                                             {"type": "text", "text": "What is in this image?"}]}], {}),
    ("two_images_nothink", [{"role": "system", "content": "Be brief."},
                            {"role": "user", "content": [{"type": "image", "image": "images/img_57x91.png"},
                                                         {"type": "text", "text": "and"},
                                                         {"type": "image", "image": "images/img_640x480.png"},
                                                         {"type": "text", "text": "compare them"}]}],
     {"enable_thinking": False}),
]

TOKENIZER_FILES = ["tokenizer.json", "tokenizer_config.json", "chat_template.jinja", "preprocessor_config.json"]


def build_config(base, text, vision, layout):
    cfg = json.loads(json.dumps(base))
    t = cfg["text_config"]
    theta = text.pop("rope_theta")
    section = text.pop("mrope_section")
    t.update(text)
    cfg["vision_config"].update(vision)
    t["rope_parameters"] = {"rope_type": "default", "rope_theta": theta, "mrope_section": section,
                            "partial_rotary_factor": 0.5}
    t["partial_rotary_factor"] = 0.5
    return cfg, theta, section


def to_old_layout(cfg, theta, section):
    t = cfg["text_config"]
    t.pop("rope_parameters", None)
    t.pop("partial_rotary_factor", None)
    cfg["rope_theta"] = theta
    cfg["partial_rotary_factor"] = 0.5
    cfg["rope_scaling"] = {"rope_type": "default", "mrope_section": section}
    return cfg


def expand_and_process(tokenizer, image_processor, model_cfg, messages, kwargs, cases_dir):
    from PIL import Image
    prompt = tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True, **kwargs)
    images = []
    for m in messages:
        if isinstance(m["content"], list):
            images += [os.path.join(cases_dir, p["image"]) for p in m["content"] if p["type"] == "image"]
    ids = tokenizer(prompt, add_special_tokens=False)["input_ids"]
    pixel_values, grid = None, None
    if images:
        out = image_processor(images=[Image.open(p) for p in images], return_tensors="pt")
        pixel_values, grid = out["pixel_values"], out["image_grid_thw"]
        merge = image_processor.merge_size ** 2
        expanded, k = [], 0
        for i in ids:
            if i == model_cfg.image_token_id:
                expanded += [i] * int(grid[k].prod() // merge)
                k += 1
            else:
                expanded.append(i)
        ids = expanded
    return prompt, images, torch.tensor([ids]), pixel_values, grid


def rope_index(model, ids, grid):
    mm = (ids == model.config.image_token_id).int()
    try:
        pos, delta = model.model.get_rope_index(ids, mm_token_type_ids=mm, image_grid_thw=grid)
    except TypeError:
        pos, delta = model.model.get_rope_index(ids, grid, None, attention_mask=torch.ones_like(ids))
    return pos, delta


def make_model(name, text, vision, layout, storage, base_dir, out_dir, seed):
    from transformers import AutoImageProcessor, AutoTokenizer, Glm4vConfig, Glm4vForConditionalGeneration

    base = json.load(open(os.path.join(base_dir, "config.json")))
    cfg_dict, theta, section = build_config(base, dict(text), dict(vision), layout)
    storage_name = {torch.float32: "float32", torch.bfloat16: "bfloat16", torch.float16: "float16"}[storage]
    skip = ("architectures", "model_type", "transformers_version", "dtype")
    config = Glm4vConfig(**{k: v for k, v in cfg_dict.items() if k not in skip})
    for sub in (config.text_config, config.vision_config):
        if hasattr(sub, "dtype"):
            sub.dtype = torch.float32
    torch.manual_seed(seed)
    model = Glm4vForConditionalGeneration(config).float().eval()
    with torch.no_grad():  # larger random weights than the default init, so logits spread and greedy is stable
        for n, p in model.named_parameters():
            if p.dim() >= 2:
                p.normal_(0, 0.08)
            elif "bias" in n:
                p.normal_(0, 0.05)
            else:
                p.uniform_(0.8, 1.2)
        model.lm_head.weight.normal_(0, 0.3)
    # Round weights to the storage dtype so the float32 reference sees exactly what the file holds.
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(p.to(storage).to(torch.float32))
    mdir = os.path.join(out_dir, name)
    os.makedirs(mdir, exist_ok=True)
    state = {k: v.detach().to(storage).contiguous() for k, v in model.state_dict().items()}
    save_file(state, os.path.join(mdir, "model.safetensors"), metadata={"format": "pt"})
    out_cfg = dict(cfg_dict)
    out_cfg["architectures"] = ["Glm4vForConditionalGeneration"]
    out_cfg["model_type"] = "glm4v"
    out_cfg["dtype"] = storage_name
    out_cfg["text_config"]["dtype"] = storage_name
    if layout == "old":
        out_cfg = to_old_layout(out_cfg, theta, section)
    json.dump(out_cfg, open(os.path.join(mdir, "config.json"), "w"), indent=2)
    for f in TOKENIZER_FILES:
        shutil.copy(os.path.join(base_dir, f), mdir)
    json.dump({"do_sample": False, "eos_token_id": base["eos_token_id"], "pad_token_id": base["pad_token_id"]},
              open(os.path.join(mdir, "generation_config.json"), "w"))

    tokenizer = AutoTokenizer.from_pretrained(mdir)
    # transformers' default image-processor backend (torchvision), which is Sightline's default too: these
    # references check that path; the shared fixtures check the PIL one (docs/vision.md).
    image_processor = AutoImageProcessor.from_pretrained(mdir)
    assert "Pil" not in type(image_processor).__name__, f"expected the torchvision backend, got {type(image_processor).__name__}"
    cases = []
    cases_dir = os.path.join(os.path.dirname(base_dir), "cases")
    for pname, messages, kwargs in PROMPTS:
        prompt, images, ids, pv, grid = expand_and_process(tokenizer, image_processor, model.config, messages, kwargs, cases_dir)
        with torch.no_grad():
            tensors = {"input_ids": ids[0].contiguous()}
            if pv is not None:
                feats = model.model.get_image_features(pv, grid)
                feats = getattr(feats, "pooler_output", feats)
                if isinstance(feats, (tuple, list)):
                    feats = torch.cat(list(feats), 0)
                tensors.update(pixel_values=pv.float().contiguous(), image_grid_thw=grid.contiguous(), image_embeds=feats.float().contiguous())
            pos, delta = rope_index(model, ids, grid)
            tensors["position_ids"] = pos[:, 0].contiguous()
            out = model(input_ids=ids, pixel_values=pv, image_grid_thw=grid,
                        mm_token_type_ids=(ids == model.config.image_token_id).int()) if pv is not None else model(input_ids=ids)
            tensors["prefill_logits_last"] = out.logits[0, -1].float().contiguous()
            gen = model.generate(input_ids=ids, pixel_values=pv, image_grid_thw=grid, do_sample=False, max_new_tokens=12,
                                 eos_token_id=base["eos_token_id"], pad_token_id=base["pad_token_id"],
                                 **({"mm_token_type_ids": (ids == model.config.image_token_id).int()} if pv is not None else {}))
        greedy = gen[0, ids.shape[1]:].tolist()
        save_file(tensors, os.path.join(mdir, f"golden_{pname}.safetensors"))
        cases.append({"name": pname, "messages": messages, "chat_template_kwargs": kwargs, "prompt": prompt,
                      "images": images, "rope_delta": int(delta.flatten()[0]), "greedy_tokens": greedy,
                      "tensors": f"golden_{pname}.safetensors"})
    json.dump({"model": name, "cases": cases, "cases_dir": cases_dir}, open(os.path.join(mdir, "reference.json"), "w"), indent=1)
    return name


def tokenizer_corpus(base_dir, out_dir, n=3000, seed=1234):
    from tokenizers import Tokenizer
    tok = Tokenizer.from_file(os.path.join(base_dir, "tokenizer.json"))
    specials = [t["content"] for t in json.load(open(os.path.join(base_dir, "tokenizer.json")))["added_tokens"]]
    rng = random.Random(seed)
    pools = [
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
        "0123456789", " \t\n\r", ".,;:!?'\"()[]{}<>/\\-_=+*&^%$#@~`|",
        "你好世界中文测试模型图像问题回答", "こんにちはカタカナ", "안녕하세요", "Привет мир", "مرحبا", "שלום", "ελληνικά",
        "éèêëàâäôöûüçñßøå", "🙂😀🚀👍🏽🇫🇷❤️‍🔥𝄞", "\u00a0\u2003\u3000\u200b",
    ]
    words = ["Hello", " world", "don't", "we'll", "I'M", "'s", " the", "  ", "\n\n", "1234567", " 42", "3.14159",
             "https://example.com/a?b=c", "x86_64", "C++20", "  indented", "\r\n", "tabs\there"]
    cases = []
    for i in range(n):
        parts = []
        for _ in range(rng.randint(1, 12)):
            r = rng.random()
            if r < 0.35:
                parts.append(rng.choice(words))
            elif r < 0.45:
                parts.append(rng.choice(specials))
            else:
                pool = rng.choice(pools)
                parts.append("".join(rng.choice(pool) for _ in range(rng.randint(1, 8))))
        text = "".join(parts)
        cases.append({"text": text, "ids": tok.encode(text, add_special_tokens=False).ids})
    for ws in [" " * k for k in range(1, 9)] + ["\n" * k for k in range(1, 5)] + [" \n ", "a  \n  b", "  x  ", "\t\t\n"]:
        cases.append({"text": ws, "ids": tok.encode(ws, add_special_tokens=False).ids})
    json.dump(cases, open(os.path.join(out_dir, "tokenizer_corpus.json"), "w"), ensure_ascii=False)
    return len(cases)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--fixtures", required=True)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    base_dir = os.path.join(args.fixtures, "model")
    os.makedirs(args.out, exist_ok=True)
    torch.set_num_threads(2)
    names = []
    for i, (name, (text, vision, layout, storage)) in enumerate(SHAPES.items()):
        names.append(make_model(name, text, vision, layout, storage, base_dir, args.out, seed=100 + i))
        print(f"reference model {name}: written", flush=True)
    n = tokenizer_corpus(base_dir, args.out)
    print(f"tokenizer corpus: {n} strings", flush=True)
    json.dump({"models": names}, open(os.path.join(args.out, "index.json"), "w"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
