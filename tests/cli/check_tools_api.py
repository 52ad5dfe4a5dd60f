#!/usr/bin/env python3
"""Tools through the real server with the official openai client: `sightline-cli serve` on the tiny
fixture model whose chat_template.jinja is the GLM-4.6V-family template with tools
(tests/data/chat_templates/glm46v_family.jinja). The random model never calls a tool by itself, so
this checks the request side end to end: tools, tool_choice, assistant tool_calls (arguments as
JSON text, as OpenAI clients send them) and tool turns (text, and images as data: URIs) reach the
prompt exactly as transformers' apply_chat_template renders them — the server's prompt_tokens
equals transformers' token count of the same conversation, each image adding the tokens its
placeholder expands to. Streaming with tools runs through the client's stream. The parser of the
model's tool calls is tested in tests/unit/tool_calls_test.cpp and backend_seam_test.cpp.

  check_tools_api.py CLI FIXTURES TEMPLATE
"""
import base64
import copy
import json
import os
import subprocess
import sys
import tempfile

from server_process import terminate

FAILS = []
KEY = "sk-sightline-tools-test"


def check(cond, what):
    print(("PASS " if cond else "FAIL ") + what, flush=True)
    if not cond:
        FAILS.append(what)


TOOLS = [
    {"type": "function", "function": {"name": "crop_image", "description": "Crop a region — returns the crop",
                                      "parameters": {"type": "object", "properties": {
                                          "box": {"type": "array", "items": {"type": "number"}},
                                          "label": {"type": "string"}}, "required": ["box"]}}},
    {"type": "function", "function": {"name": "get_weather", "description": "Weather in °C",
                                      "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}},
]


def for_template(messages):
    """The messages as the server hands them to the template: tool_calls arguments parsed from
    their JSON text, image_url parts as {"type": "image"} (what vLLM does too)."""
    out = copy.deepcopy(messages)
    for m in out:
        for tc in m.get("tool_calls") or []:
            if isinstance(tc["function"].get("arguments"), str):
                tc["function"]["arguments"] = json.loads(tc["function"]["arguments"])
        if isinstance(m.get("content"), list):
            m["content"] = [{"type": "image"} if p.get("type") == "image_url" else p for p in m["content"]]
    return out


def main():
    cli, fixtures, template_path = sys.argv[1], sys.argv[2], sys.argv[3]
    from openai import BadRequestError, OpenAI
    from transformers import AutoTokenizer

    src = os.path.join(fixtures, "model")
    template = open(template_path, encoding="utf-8").read()
    tok = AutoTokenizer.from_pretrained(src)
    png = open(os.path.join(fixtures, "cases", "images", "img_57x91.png"), "rb").read()
    image_part = {"type": "image_url", "image_url": {"url": "data:image/png;base64," + base64.b64encode(png).decode()}}

    def expected_tokens(messages, tools=None, **kw):
        text = tok.apply_chat_template(for_template(messages), tools=tools, chat_template=template, tokenize=False,
                                       add_generation_prompt=True, **kw)
        return len(tok.encode(text, add_special_tokens=False)), text.count("<|image|>")

    with tempfile.TemporaryDirectory() as model:
        for name in os.listdir(src):
            if name != "chat_template.jinja":
                os.symlink(os.path.join(src, name), os.path.join(model, name))
        with open(os.path.join(model, "chat_template.jinja"), "w", encoding="utf-8") as f:
            f.write(template)
        env = dict(os.environ, SIGHTLINE_API_KEY=KEY)
        srv = subprocess.Popen([cli, "serve", "--model", model, "--device", "cpu", "--port", "0", "--model-name", "tiny"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        try:
            port = None
            for _ in range(30):
                line = srv.stdout.readline()
                if not line:
                    break
                if line.startswith("listening on http://127.0.0.1:"):
                    port = int(line.split(":")[2].split("/")[0])
                    break
            check(port is not None, "the server announces its address")
            if port is None:
                print(srv.stderr.read())
                return 1
            client = OpenAI(base_url=f"http://127.0.0.1:{port}/v1", api_key=KEY, max_retries=0, timeout=120)

            def prompt_tokens(messages, **kw):
                r = client.chat.completions.create(model="tiny", messages=messages, max_tokens=1, temperature=0, **kw)
                return r.usage.prompt_tokens, r

            # How many tokens this image's placeholder expands to, from a plain user turn.
            base_msgs = [{"role": "user", "content": [image_part, {"type": "text", "text": "What is it?"}]}]
            got, _ = prompt_tokens(base_msgs)
            want, images = expected_tokens(base_msgs)
            per_image = got - want + 1
            check(images == 1 and per_image > 1, f"one image expands to {per_image} tokens")

            history = [
                {"role": "system", "content": "You crop images."},
                {"role": "user", "content": [image_part, {"type": "text", "text": "Crop the cat, then tell me the weather in Zürich."}]},
                {"role": "assistant", "content": "Cropping.", "tool_calls": [
                    {"id": "call_1", "type": "function",
                     "function": {"name": "crop_image", "arguments": json.dumps({"box": [1, 2.5, 30, 40], "label": "cat"})}},
                    {"id": "call_2", "type": "function", "function": {"name": "get_weather", "arguments": "{\"city\": \"Zürich\"}"}}]},
                {"role": "tool", "tool_call_id": "call_1", "content": [{"type": "text", "text": "cropped:"}, image_part]},
                {"role": "tool", "tool_call_id": "call_2", "content": "sunny, 21 °C"},
            ]
            cases = [
                ("tools, tool calls, tool results with an image", history, {"tools": TOOLS}, {"tools": TOOLS}),
                ("the same with thinking off", history, {"tools": TOOLS, "extra_body": {"chat_template_kwargs": {"enable_thinking": False}}},
                 {"tools": TOOLS, "enable_thinking": False}),
                ("tool_choice none leaves the tools out", history, {"tools": TOOLS, "tool_choice": "none"}, {}),
                ("a named tool_choice renders only that tool", history,
                 {"tools": TOOLS, "tool_choice": {"type": "function", "function": {"name": "get_weather"}}}, {"tools": TOOLS[1:]}),
                ("tool results without tools in the request", history, {}, {}),
            ]
            for what, msgs, req, ref in cases:
                got, r = prompt_tokens(msgs, **req)
                ref = dict(ref)
                tools = ref.pop("tools", None)
                want, images = expected_tokens(msgs, tools=tools, **ref)
                want += images * (per_image - 1)
                check(got == want, f"{what}: prompt_tokens {got} == transformers' {want} ({images} images)")
                check(r.choices[0].finish_reason in ("stop", "length"), f"{what}: finish_reason {r.choices[0].finish_reason}")
            # The counts differ between the cases, so a dropped tool turn or tool list would show.
            a = expected_tokens(history, tools=TOOLS)[0]
            b = expected_tokens(history)[0]
            check(a > b + 50, f"the tools block is {a - b} tokens of the prompt")

            # Streaming with tools through the client: chunks assemble; no tool call from a random model.
            stream = client.chat.completions.create(model="tiny", messages=history, tools=TOOLS, max_tokens=8, temperature=0,
                                                    stream=True, stream_options={"include_usage": True})
            finish, usage, calls = None, None, 0
            for chunk in stream:
                if chunk.usage:
                    usage = chunk.usage
                for c in chunk.choices:
                    finish = c.finish_reason or finish
                    calls += len(c.delta.tool_calls or [])
            want = expected_tokens(history, tools=TOOLS)
            check(usage is not None and usage.prompt_tokens == want[0] + want[1] * (per_image - 1),
                  f"streamed: prompt_tokens {usage.prompt_tokens if usage else None}")
            check(finish in ("stop", "length", "tool_calls"), f"streamed: finish_reason {finish}, {calls} tool-call deltas")

            # Refusals name the field.
            for what, kw, needle in [
                ("a tool without a name", {"tools": [{"type": "function", "function": {"description": "x"}}]}, "tools[0].function.name"),
                ("tool_choice naming an unknown tool",
                 {"tools": TOOLS, "tool_choice": {"type": "function", "function": {"name": "nope"}}}, "nope"),
            ]:
                try:
                    client.chat.completions.create(model="tiny", messages=[{"role": "user", "content": "x"}], max_tokens=1, **kw)
                    check(False, f"{what} is refused")
                except BadRequestError as e:
                    check(needle in str(e), f"{what} is refused with 400 ({e.message[:80]})")
            bad_args = copy.deepcopy(history)
            bad_args[2]["tool_calls"][0]["function"]["arguments"] = "{not json"
            try:
                client.chat.completions.create(model="tiny", messages=bad_args, max_tokens=1)
                check(False, "tool_calls arguments that are not JSON are refused")
            except BadRequestError as e:
                check("arguments is not valid JSON" in str(e), "tool_calls arguments that are not JSON are refused with 400")
        finally:
            code, secs = terminate(srv, 20)
            check(code is not None, f"the server stops on SIGTERM ({secs:.1f} s)")
    print("tools API:", "FAILED" if FAILS else "OK")
    return 1 if FAILS else 0


if __name__ == "__main__":
    sys.exit(main())
