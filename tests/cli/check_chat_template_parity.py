#!/usr/bin/env python3
"""Chat-template parity: a generated corpus of conversations (system turns, multi-turn, several
images, image parts with and without "type", thinking on/off/unset, tools, assistant tool calls,
tool results with and without images, Unicode and quotes) rendered by transformers'
apply_chat_template with a checkpoint's own template and by Sightline (parseChatJson + PromptFormat,
through tests/support/chat_template_render.cpp), compared string for string and token for token.

Templates: the fixture checkpoint's own, the GLM-4.6V-family template with tools
(tests/data/chat_templates/glm46v_family.jinja), the demo model's, and a modified one
(glm_system_after_tools.jinja: another system layout, raise_exception, filters). A conversation
that transformers refuses must be refused by Sightline too.

  check_chat_template_parity.py --render BIN --fixtures DIR --templates DIR --demo-template FILE [--cases N]
"""
import argparse
import json
import os
import random
import subprocess
import sys
import tempfile

IMAGES = ["images/img_1x1.png", "images/img_57x91.png", "images/img_20x300.png"]
TEXTS = ["What is in this image?", "Describe it.", "  padded  ", "line one\nline two", "Ünïcödé 中文 🙂",
         "quote ' and \" marks", "ends with /nothink", "{{ not a tag }}", "tab\tand\\backslash", ""]
TOOLS = [
    {"type": "function", "function": {"name": "get_weather", "description": "Weather for a city — in °C",
                                      "parameters": {"type": "object", "properties": {
                                          "city": {"type": "string", "description": "City name, e.g. Zürich"},
                                          "days": {"type": "integer", "minimum": 1}},
                                          "required": ["city"]}}},
    {"type": "function", "function": {"name": "crop_image", "description": "Crop a region of the image",
                                      "parameters": {"type": "object", "properties": {
                                          "box": {"type": "array", "items": {"type": "number"}},
                                          "label": {"type": "string"}, "sharp": {"type": "boolean"}}}}},
]
ARGS = [{"city": "Zürich", "days": 3}, {"box": [0.1, 20, 300.5, 1e-05], "label": "cat \"tabby\"", "sharp": True},
        {"city": "東京"}, {"query": {"nested": [1, None, "x"]}, "n": -7}, {}]


def user_content(rng):
    kind = rng.randrange(5)
    text = rng.choice(TEXTS)
    if kind == 0:
        return text
    parts = []
    for _ in range(rng.randrange(0, 3)):
        img = rng.choice(IMAGES)
        style = rng.randrange(3)
        parts.append({"type": "image", "image": img} if style == 0 else {"image": img} if style == 1
                     else {"type": "image", "path": img})
    if kind != 1 or not parts:
        parts.append({"type": "text", "text": text})
    if kind == 4:
        rng.shuffle(parts)
    return parts


def assistant_message(rng, with_tools):
    text = rng.choice(["A cat.", "  It is sunny.  ", "<think>Let me look.</think>A dog.", "<think>\nplan\n</think>\n\nDone",
                       "Ünïcödé answer", ""])
    m = {"role": "assistant", "content": text}
    if rng.random() < 0.3:
        m["reasoning_content"] = rng.choice(["I checked the image.", "  spaced  ", ""])
    if rng.random() < 0.2:
        m["content"] = [{"type": "text", "text": text}]
    if with_tools and rng.random() < 0.6:
        calls = []
        for i in range(rng.randrange(1, 3)):
            args = rng.choice(ARGS)
            calls.append({"id": f"call_{i}", "type": "function", "function": {"name": rng.choice(["get_weather", "crop_image"]),
                                                                            "arguments": args}})
        m["tool_calls"] = calls
    return m


def tool_messages(rng):
    out = []
    for _ in range(rng.randrange(1, 3)):
        kind = rng.randrange(3)
        if kind == 0:
            content = rng.choice(["{\"temp\": 21}", "sunny, 21 °C", "line\nbreak"])
        elif kind == 1:
            content = [{"type": "text", "text": "cropped:"}, {"type": "image", "image": rng.choice(IMAGES)}]
        else:
            content = [{"type": "image", "image": rng.choice(IMAGES)}]
        out.append({"role": "tool", "tool_call_id": "call_0", "name": "crop_image", "content": content})
    return out


def conversation(rng, tools_ok):
    msgs = []
    if rng.random() < 0.4:
        msgs.append({"role": "system", "content": rng.choice(["Be brief.", "You are a careful assistant.\nAnswer in English."])})
    tools = rng.choice([None, TOOLS[:1], TOOLS]) if tools_ok else None
    for turn in range(rng.randrange(1, 4)):
        msgs.append({"role": "user", "content": user_content(rng)})
        if turn < 2 and rng.random() < 0.8:
            a = assistant_message(rng, tools is not None)
            msgs.append(a)
            if "tool_calls" in a:
                msgs.extend(tool_messages(rng))
                if rng.random() < 0.5:
                    msgs.append(assistant_message(rng, False))
    case = {"messages": msgs, "tools": tools, "add_generation_prompt": rng.random() < 0.8}
    r = rng.random()
    if r < 0.35:
        case["enable_thinking"] = False
    elif r < 0.6:
        case["enable_thinking"] = True
    return case


def corpus(n, tools_ok, seed):
    rng = random.Random(seed)
    cases = [conversation(rng, tools_ok) for _ in range(n)]
    # Fixed cases: a conversation with no user turn (the modified template refuses it), one with an
    # untyped image in a tool result, a system turn given as parts.
    cases.append({"messages": [{"role": "system", "content": "Only a system turn."}], "tools": None, "add_generation_prompt": True})
    cases.append({"messages": [{"role": "system", "content": [{"type": "text", "text": "Parts system."}]},
                               {"role": "user", "content": [{"image": IMAGES[0]}, {"type": "text", "text": "crop"}]},
                               {"role": "assistant", "content": "", "tool_calls": [
                                   {"type": "function", "function": {"name": "crop_image", "arguments": {"box": [1, 2, 3, 4]}}}]},
                               {"role": "tool", "content": [{"image": IMAGES[1]}, {"type": "text", "text": "done"}]}],
                  "tools": TOOLS if tools_ok else None, "add_generation_prompt": True, "enable_thinking": False})
    return cases


def transformers_side(tok, template, cases):
    out = []
    for c in cases:
        kwargs = {}
        if "enable_thinking" in c:
            kwargs["enable_thinking"] = c["enable_thinking"]
        try:
            prompt = tok.apply_chat_template(c["messages"], tools=c["tools"], chat_template=template, tokenize=False,
                                             add_generation_prompt=c["add_generation_prompt"], **kwargs)
            out.append({"prompt": prompt, "ids": tok.encode(prompt, add_special_tokens=False)})
        except Exception as e:  # the template refused it (raise_exception) or failed on the input
            out.append({"error": f"{type(e).__name__}: {e}"})
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--render", required=True)
    ap.add_argument("--fixtures", required=True)
    ap.add_argument("--templates", required=True)
    ap.add_argument("--demo-template", required=True)
    ap.add_argument("--cases", type=int, default=120)
    a = ap.parse_args()
    from transformers import AutoTokenizer

    model = os.path.join(a.fixtures, "model")
    tok = AutoTokenizer.from_pretrained(model)
    base = os.path.join(a.fixtures, "cases")
    templates = [("fixture", os.path.join(model, "chat_template.jinja"), False, False),
                 ("glm46v_family", os.path.join(a.templates, "glm46v_family.jinja"), True, True),
                 ("demo", a.demo_template, False, False),
                 ("modified", os.path.join(a.templates, "glm_system_after_tools.jinja"), True, True)]
    failures = 0
    for name, path, tools_ok, override in templates:
        source = open(path, encoding="utf-8").read()
        cases = corpus(a.cases, tools_ok, seed=sum(map(ord, name)))
        expected = transformers_side(tok, source, cases)
        with tempfile.TemporaryDirectory() as tmp:
            cases_path = os.path.join(tmp, "cases.json")
            with open(cases_path, "w", encoding="utf-8") as f:
                json.dump({"base_dir": base, "cases": cases}, f, ensure_ascii=False)
            cmd = [a.render, model, cases_path] + ([path] if override or name == "demo" else [])
            got = json.loads(subprocess.run(cmd, check=True, capture_output=True).stdout)
        assert len(got) == len(expected)
        same = errors = tools_rendered = images_rendered = 0
        for i, (e, g) in enumerate(zip(expected, got)):
            if "error" in e or "error" in g:
                if "error" in e and "error" in g:
                    errors += 1
                    continue
                failures += 1
                print(f"FAIL {name} case {i}: transformers {'refused' if 'error' in e else 'rendered'}, "
                      f"Sightline {'refused' if 'error' in g else 'rendered'}\n  transformers: {e}\n  sightline: {g}\n"
                      f"  messages: {json.dumps(cases[i], ensure_ascii=False)[:1500]}")
                continue
            if e["prompt"] != g["prompt"] or e["ids"] != g["ids"]:
                failures += 1
                p, q = e["prompt"], g["prompt"]
                k = next((j for j in range(min(len(p), len(q))) if p[j] != q[j]), min(len(p), len(q)))
                print(f"FAIL {name} case {i}: differs at char {k}\n  transformers: {p[max(0, k - 80):k + 80]!r}\n"
                      f"  sightline:    {q[max(0, k - 80):k + 80]!r}")
                continue
            same += 1
            tools_rendered += "<tools>" in e["prompt"] or "# Tools" in e["prompt"]
            images_rendered += "<|image|>" in e["prompt"]
        print(f"{name}: {same} identical (string and {sum(len(e.get('ids', [])) for e in expected)} tokens in all), "
              f"{errors} refused by both; {tools_rendered} with tools, {images_rendered} with images")
        # The corpus must exercise what it claims to (a test that cannot fail is a defect).
        if same < len(cases) // 2 or images_rendered == 0 or (tools_ok and tools_rendered == 0):
            failures += 1
            print(f"FAIL {name}: the corpus did not exercise the template")
    print("chat template parity:", "FAILED" if failures else "OK")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
