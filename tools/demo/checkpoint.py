"""The demo checkpoint's files other than the weights: tokenizer, configs, chat template (issue #13).

Contract: `build_tokenizer(corpus)` trains a byte-level BPE (the GLM-4 pre-tokenizer split, digits kept
as single characters so numbers are spelled digit by digit) and appends GLM-4V's special tokens after
the learned vocabulary, in GLM-4V's order. `model_config(tok, sizes)` is a Glm4vConfig for it.
`write_side_files(out_dir, tok)` writes tokenizer.json, tokenizer_config.json, chat_template.jinja
(GLM-4.6V's layout, as the engine's renderGlmChat renders it), preprocessor_config.json and
generation_config.json. `render_prompt` is that same chat layout for one user turn.
"""
import json
import os
import re

from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers, trainers

SPECIALS = ["<|endoftext|>", "[MASK]", "[gMASK]", "[sMASK]", "<sop>", "<eop>", "<|system|>", "<|user|>", "<|assistant|>",
            "<|observation|>", "<|begin_of_image|>", "<|end_of_image|>", "<|begin_of_video|>", "<|end_of_video|>",
            "<|begin_of_audio|>", "<|end_of_audio|>", "<|begin_of_transcription|>", "<|end_of_transcription|>",
            "<|code_prefix|>", "<|code_middle|>", "<|code_suffix|>", "<think>", "</think>", "<tool_call>", "</tool_call>",
            "<tool_response>", "</tool_response>", "<arg_key>", "</arg_key>", "<arg_value>", "</arg_value>", "/nothink",
            "<|begin_of_box|>", "<|end_of_box|>", "<|image|>", "<|video|>"]
SPLIT = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+")
HERE = os.path.dirname(os.path.abspath(__file__))
# Image budget (GLM-4V counts 2 frames against max_pixels): a 640x480 image becomes 168x112 pixels = 24 image tokens.
MIN_PIXELS, MAX_PIXELS = 12544, 50176
IMAGE_MEAN = [0.48145466, 0.4578275, 0.40821073]
IMAGE_STD = [0.26862954, 0.26130258, 0.27577711]


def build_tokenizer(corpus, vocab_size=1000):
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(SPLIT), behavior="isolated"),
        pre_tokenizers.ByteLevel(add_prefix_space=False, trim_offsets=True, use_regex=False)])
    tok.decoder = decoders.ByteLevel(add_prefix_space=True, trim_offsets=True, use_regex=True)
    trainer = trainers.BpeTrainer(vocab_size=vocab_size - len(SPECIALS), min_frequency=2, show_progress=False,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tok.train_from_iterator([re.sub(r"[0-9]", " ", t) for t in corpus], trainer=trainer)  # digits never merge
    tok.add_special_tokens(SPECIALS)
    return tok


def ids(tok):
    return {s: tok.token_to_id(s) for s in SPECIALS}


def model_config(tok, text_hidden=128, text_layers=4, heads=4, kv_heads=2, vision_hidden=96, vision_depth=2, vision_heads=2):
    from transformers import Glm4vConfig
    sid = ids(tok)
    eos = [sid["<|endoftext|>"], sid["<|user|>"], sid["<|observation|>"]]
    head_dim = text_hidden // heads
    rot = head_dim // 2  # partial rotary 0.5: rotary half of each head, split in 3 mrope sections of pairs
    sec = [rot // 2 - 2 * (rot // 6), rot // 6, rot // 6]
    return Glm4vConfig(
        text_config=dict(vocab_size=tok.get_vocab_size(), hidden_size=text_hidden, intermediate_size=text_hidden * 3,
                         num_hidden_layers=text_layers, num_attention_heads=heads, num_key_value_heads=kv_heads,
                         max_position_embeddings=4096, rms_norm_eps=1e-5, attention_bias=True, tie_word_embeddings=False,
                         pad_token_id=sid["<|endoftext|>"], eos_token_id=eos,
                         rope_parameters={"rope_type": "default", "rope_theta": 10000.0, "mrope_section": sec,
                                          "partial_rotary_factor": 0.5}),
        vision_config=dict(depth=vision_depth, hidden_size=vision_hidden, num_heads=vision_heads,
                           image_size=336, patch_size=14, spatial_merge_size=2, temporal_patch_size=2,
                           out_hidden_size=text_hidden, intermediate_size=vision_hidden * 2, hidden_act="silu"),
        image_token_id=sid["<|image|>"], video_token_id=sid["<|video|>"],
        image_start_token_id=sid["<|begin_of_image|>"], image_end_token_id=sid["<|end_of_image|>"],
        video_start_token_id=sid["<|begin_of_video|>"], video_end_token_id=sid["<|end_of_video|>"],
        pad_token_id=sid["<|endoftext|>"], eos_token_id=eos, tie_word_embeddings=False)


def image_processor():
    from transformers.models.glm4v.image_processing_pil_glm4v import Glm4vImageProcessorPil as Glm4vImageProcessor
    return Glm4vImageProcessor(size={"shortest_edge": MIN_PIXELS, "longest_edge": MAX_PIXELS}, patch_size=14,
                               temporal_patch_size=2, merge_size=2, image_mean=IMAGE_MEAN, image_std=IMAGE_STD)


def write_side_files(out_dir, tok, config):
    os.makedirs(out_dir, exist_ok=True)
    tok.save(os.path.join(out_dir, "tokenizer.json"))
    sid = ids(tok)
    decoder = {str(sid[s]): {"content": s, "lstrip": False, "normalized": False, "rstrip": False, "single_word": False,
                             "special": True} for s in SPECIALS}
    tc = {"tokenizer_class": "PreTrainedTokenizerFast", "model_max_length": 4096, "padding_side": "left",
          "clean_up_tokenization_spaces": False, "do_lower_case": False, "remove_space": False,
          "eos_token": "<|endoftext|>", "pad_token": "<|endoftext|>", "processor_class": "Glm4vProcessor",
          "added_tokens_decoder": decoder}
    json.dump(tc, open(os.path.join(out_dir, "tokenizer_config.json"), "w"), indent=1)
    with open(os.path.join(HERE, "chat_template.jinja")) as f:
        template = f.read()
    with open(os.path.join(out_dir, "chat_template.jinja"), "w") as f:
        f.write(template)
    pp = {"image_processor_type": "Glm4vImageProcessor", "processor_class": "Glm4vProcessor", "do_resize": True,
          "size": {"shortest_edge": MIN_PIXELS, "longest_edge": MAX_PIXELS}, "resample": 3, "do_rescale": True,
          "rescale_factor": 1 / 255, "do_normalize": True, "image_mean": IMAGE_MEAN, "image_std": IMAGE_STD,
          "do_convert_rgb": True, "patch_size": 14, "temporal_patch_size": 2, "merge_size": 2}
    json.dump(pp, open(os.path.join(out_dir, "preprocessor_config.json"), "w"), indent=1)
    gen = {"do_sample": False, "eos_token_id": config.text_config.eos_token_id, "pad_token_id": sid["<|endoftext|>"],
           "max_new_tokens": 64, "transformers_version": "5.0.0"}
    json.dump(gen, open(os.path.join(out_dir, "generation_config.json"), "w"), indent=1)


def render_prompt(user_text, system=None, earlier=()):
    """renderGlmChat for [system?, earlier turns..., user(image, text)] with thinking off and the
    generation prompt. earlier: (question, answer, with_image) turns before the asked one; the one
    image is in the first turn that has with_image, else in the asked turn."""
    s = "[gMASK]<sop>"
    if system is not None:
        s += "<|system|>\n" + system
    image = "<|begin_of_image|><|image|><|end_of_image|>"
    placed = False
    for q, a, with_image in earlier:
        s += "<|user|>\n" + (image if with_image and not placed else "") + q + "/nothink"
        placed = placed or with_image
        s += "<|assistant|>\n<think></think>" + ("\n" + a.strip() if a.strip() else "")
    s += "<|user|>\n" + ("" if placed else image) + user_text
    if not user_text.endswith("/nothink"):
        s += "/nothink"
    return s + "<|assistant|>\n<think></think>\n"
