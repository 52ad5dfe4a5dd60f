#!/usr/bin/env python3
"""Writes the committed seed corpora (corpus/<target>/) and companion files (data/) of the fuzz
targets from the tiny fixture checkpoint and tests/data. Run once when a seed format changes:
  python3 tests/fuzz/make_seeds.py [--fixtures ../shared/fixtures/glm4v-tiny]
Standard library only. Seeds are small on purpose: libFuzzer mutates small inputs fastest."""
import argparse
import base64
import json
import os
import shutil
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def put(target, name, data):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


def safetensors(tensors, metadata=None):
    """tensors: [(name, dtype, shape, bytes)] → a safetensors file."""
    header, blob = {}, b""
    if metadata is not None:
        header["__metadata__"] = metadata
    for name, dtype, shape, data in tensors:
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [len(blob), len(blob) + len(data)]}
        blob += data
    h = json.dumps(header, separators=(",", ":")).encode()
    return struct.pack("<Q", len(h)) + h + blob


def real_small_tensors(fixtures, limit):
    """The fixture's smallest tensors (real names, dtypes, shapes and bytes)."""
    raw = open(os.path.join(fixtures, "model", "model.safetensors"), "rb").read()
    n = struct.unpack("<Q", raw[:8])[0]
    header = json.loads(raw[8:8 + n])
    out = []
    for name, v in header.items():
        if name == "__metadata__":
            continue
        b, e = v["data_offsets"]
        out.append((e - b, name, v["dtype"], v["shape"], raw[8 + n + b:8 + n + e]))
    out.sort()
    return [(name, dt, shape, data) for _, name, dt, shape, data in out[:limit]]


def tiny_pdf(pages):
    """pages: [(media box, content stream bytes)] → a minimal PDF 1.4 (Helvetica as /F1), xref exact."""
    objs = [None, None, b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    kids = []
    for box, content in pages:
        kids.append(len(objs) + 1)
        objs.append(("<< /Type /Page /Parent 2 0 R /MediaBox [%s] /Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>"
                     % (" ".join(str(v) for v in box), len(objs) + 2)).encode())
        objs.append(b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream")
    objs[0] = b"<< /Type /Catalog /Pages 2 0 R >>"
    objs[1] = ("<< /Type /Pages /Kids [%s] /Count %d >>" % (" ".join("%d 0 R" % k for k in kids), len(kids))).encode()
    out, offsets = b"%PDF-1.4\n", []
    for i, o in enumerate(objs):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % (i + 1) + o + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1) + b"".join(b"%010d 00000 n \n" % o for o in offsets)
    return out + b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--fixtures", default=os.path.join(ROOT, "..", "shared", "fixtures", "glm4v-tiny"))
    fixtures = ap.parse_args().fixtures
    model = os.path.join(fixtures, "model")
    data_dir = os.path.join(HERE, "data")
    os.makedirs(data_dir, exist_ok=True)

    # safetensors: real tensors (trimmed to the smallest), every dtype, an empty and a scalar tensor.
    real = real_small_tensors(fixtures, 6)
    put("fuzz_safetensors", "fixture_trimmed.safetensors", safetensors(real, {"format": "pt"}))
    put("fuzz_safetensors", "dtypes.safetensors", safetensors(
        [("f32", "F32", [2], b"\0" * 8), ("f16", "F16", [2], b"\0" * 4), ("bf16", "BF16", [1, 2], b"\0" * 4),
         ("i64", "I64", [1], b"\0" * 8), ("i32", "I32", [1], b"\0" * 4), ("u8", "U8", [3], b"abc"),
         ("i8", "I8", [1], b"\x80"), ("b", "BOOL", [2], b"\x01\x00"), ("f64", "F64", [], b"\0" * 8),
         ("empty", "F32", [0, 4], b"")]))
    put("fuzz_safetensors", "header_only.safetensors", safetensors([]))

    # Sharded checkpoint: two fixed shards (data/), the index is the input.
    a, b = real[:3], real[3:]
    open(os.path.join(data_dir, "shard-a.safetensors"), "wb").write(safetensors(a, {"format": "pt"}))
    open(os.path.join(data_dir, "shard-b.safetensors"), "wb").write(safetensors(b, {"format": "pt"}))
    index = {"metadata": {"total_size": sum(len(t[3]) for t in real)},
             "weight_map": {**{t[0]: "shard-a.safetensors" for t in a}, **{t[0]: "shard-b.safetensors" for t in b}}}
    put("fuzz_safetensors_index", "index.json", json.dumps(index, indent=2))
    put("fuzz_safetensors_index", "index_partial.json", json.dumps({"weight_map": {a[0][0]: "shard-a.safetensors"}}))

    # Config files: the fixture's, as companions (data/) and as seeds (first byte = which file).
    for i, name in enumerate(["config.json", "generation_config.json", "preprocessor_config.json"]):
        text = open(os.path.join(model, name), "rb").read()
        open(os.path.join(data_dir, name), "wb").write(text)
        put("fuzz_model_config", "%d_%s" % (i + 1, name), bytes([i + 1]) + text)
        if i == 0:
            put("fuzz_model_config", "0_config.json", b"\0" + text)

    # Tokenizer: the fixture's tokenizer.json (also the one fuzz_tokenizer_encode loads).
    put("fuzz_tokenizer_json", "tokenizer.json", open(os.path.join(model, "tokenizer.json"), "rb").read())
    cases = json.load(open(os.path.join(fixtures, "tokenizer_cases.json")))
    for i, case in enumerate(cases[:24]):
        put("fuzz_tokenizer_encode", "case_%02d.txt" % i, case["text"])
    put("fuzz_tokenizer_encode", "euro_accent.txt", "ok \u20ac cut \u00e9!")  # invalid UTF-8: see findings/

    # Images: tests/data's fixtures, one per format.
    images = os.path.join(ROOT, "tests", "data")
    for name in sorted(os.listdir(images)):
        if name.rsplit(".", 1)[-1] in ("png", "jpg", "webp", "gif", "bmp"):
            put("fuzz_image", name, open(os.path.join(images, name), "rb").read())

    # Chat messages as the API receives them: text, system, history, reasoning, a data: URI image.
    png = base64.b64encode(open(os.path.join(images, "pattern_40x20.png"), "rb").read()).decode()
    gif = base64.b64encode(open(os.path.join(images, "pattern_40x20.gif"), "rb").read()).decode()
    put("fuzz_chat", "text.json", json.dumps([{"role": "user", "content": "Hello"}]))
    put("fuzz_chat", "history.json", json.dumps({"messages": [
        {"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi /nothink"},
        {"role": "assistant", "content": "Hello.", "reasoning_content": "greet"},
        {"role": "user", "content": [{"type": "text", "text": "And now?"}]}]}))
    put("fuzz_chat", "image_url.json", json.dumps([{"role": "user", "content": [
        {"type": "image_url", "image_url": {"url": "data:image/png;base64," + png}}, {"type": "text", "text": "What is this?"}]}]))
    put("fuzz_chat", "image_gif.json", json.dumps([{"role": "user", "content": [
        {"type": "image", "image": "data:image/gif;base64," + gif}, {"type": "text", "text": "Colours?"}]}]))
    put("fuzz_chat", "local_file.json", json.dumps([{"role": "user", "content": [{"type": "image", "path": "a.png"}]}]))

    # The untrusted-text rules: nesting, UTF-8 edge cases.
    put("fuzz_utf8", "nested.json", "[" * 20 + "1" + "]" * 20)
    put("fuzz_utf8", "object.json", '{"a": [1, 2.5, "\\u00e9\\ud83d\\ude00"], "b": {"c": null}}')
    put("fuzz_utf8", "utf8_mix.txt", b"a\xc3\xa9\xe4\xbd\xa0\xf0\x9f\x98\x80\xed\xa0\x80\xc0\xaf\xf4\x90\x80\x80\xe4\xbd")

    # Sampler: 24 bytes of parameters, then float32 logits.
    def sampler_seed(t, p, k, pen, seed, topn, logits):
        return struct.pack("<6I", t, p, k, pen, seed, topn) + struct.pack("<%df" % len(logits), *logits)
    put("fuzz_sampler", "greedy.bin", sampler_seed(0, 1000, 0, 500, 1, 0, [0.5, 2.0, -1.0, 2.0, 0.0]))
    put("fuzz_sampler", "sample.bin", sampler_seed(700, 900, 3, 600, 42, 5, [0.1 * i for i in range(16)]))
    put("fuzz_sampler", "nan_inf.bin", sampler_seed(1000, 500, 0, 800, 7, 3, [float("nan"), float("inf"), float("-inf"), 1.0, float("nan")]))

    # Moderation: queues (first byte even: .csv, odd: .jsonl), policies (even: .json, odd: .txt), verdicts.
    put("fuzz_moderation_queue", "queue.csv", b"\0" + b'id,image,title,text\r\na1,item.png,"Red, shoes","Size 42 ""new"""\r\n'
                                                      b"a2,item.png,Red shoes,dup\n,missing.png,,\n")
    put("fuzz_moderation_queue", "bom.csv", b"\0\xef\xbb\xbfImage,Title\nitem.png,x\n")
    put("fuzz_moderation_queue", "queue.jsonl", b"\1" + b'{"id": "j1", "image": "item.png", "title": "Lamp", "text": "ok"}\n'
                                                        b'\n{"id": 7, "image": "item.png"}\n{"image": "/nonexistent.png", "text": "x"}\n')
    put("fuzz_policy", "policy.json", b"\0" + json.dumps({"name": "shop", "version": "v1", "system_prompt": "Judge listings.",
                                                           "rules": ["no weapons", "no drugs", 3]}).encode())
    put("fuzz_policy", "policy.txt", b"\1You moderate posts.\nRules: be kind.\n")
    put("fuzz_verdict", "plain.txt", '{"verdict": "approve", "reasons": [], "categories": [], "confidence": 0.9}')
    put("fuzz_verdict", "think_fence.txt", '<think>hmm {"verdict": "approve"}</think>\n```json\n{"verdict": "reject", '
                                           '"reasons": ["weapon"], "categories": ["prohibited_goods"], "confidence": 0.8}\n```')
    put("fuzz_verdict", "repair.txt", "Sure! {verdict: 'review', 'reasons': ['blurry',], confidence: 0.4,")
    put("fuzz_verdict", "none.txt", "I cannot decide.")
    put("fuzz_labels", "labels.csv", b"id,label,category\nitem0000,approve,\nitem0001,reject,prohibited_goods\nitem0002,escalate,review\n"
                                     b"item0003,reject,misleading_advertising\n")
    put("fuzz_labels", "quoted.csv", b'\xef\xbb\xbfLabel,ID,Category\r\nReview,"a,1",\r\n\r\nreject,"b ""2""",false_medical_claims\r\n')

    # PDFs (fuzz_pdf; first byte: budget and page range): shapes, text, two pages, a rotated page,
    # a page declared 140 inches square.
    shapes = b"1 0 0 rg 10 10 40 40 re f 0 0 1 RG 2 w 60 10 m 90 50 l S"
    text = b"BT /F1 18 Tf 10 20 Td (APPLE) Tj ET"
    put("fuzz_pdf", "shapes.pdf", b"\x01" + tiny_pdf([([0, 0, 100, 60], shapes)]))
    put("fuzz_pdf", "two_pages.pdf", b"\x0d" + tiny_pdf([([0, 0, 120, 40], text), ([0, 0, 50, 50], shapes)]))
    put("fuzz_pdf", "rotated.pdf", b"\x00" + tiny_pdf([([0, 0, 80, 30], text)]).replace(b"/Type /Page ", b"/Type /Page /Rotate 90 ", 1))
    put("fuzz_pdf", "poster.pdf", b"\x02" + tiny_pdf([([0, 0, 10080, 10080], shapes)]))

    # A remote server's answers (fuzz_remote_answer; byte 0: 0 stream, 1 answer, 2 model list, 3 error
    # body; byte 1: the stream's piece size), as vLLM and sightline serve send them.
    chunk = lambda delta, **kw: "data: " + json.dumps({"id": "c", "object": "chat.completion.chunk", "choices": [
        dict({"index": 0, "delta": delta, "finish_reason": None}, **kw)]}) + "\n\n"
    stream = (chunk({"role": "assistant", "reasoning_content": "Red "}) + chunk({"content": "red."}, token_ids=[11, 12]) +
              chunk({}, finish_reason="stop") + 'data: {"choices": [], "usage": {"prompt_tokens": 9, "completion_tokens": 2}}\n\n' +
              ": keep-alive\n\ndata: [DONE]\n\n")
    put("fuzz_remote_answer", "stream.sse", b"\x00\x07" + stream.encode())
    put("fuzz_remote_answer", "stream_error.sse", b"\x00\x00" + b'data: {"error": {"message": "overloaded"}}\r\n\r\n')
    answer = {"id": "c", "object": "chat.completion", "choices": [{"index": 0, "finish_reason": "length", "token_ids": [5, 6],
              "message": {"role": "assistant", "reasoning": "look", "content": "A circle."},
              "logprobs": {"content": [{"token": "A", "logprob": -0.01, "top_logprobs": []}, {"token": " circle", "logprob": -1e-5}]}}],
              "usage": {"prompt_tokens": 30, "completion_tokens": 2}, "timings": {"prompt_ms": 3.5}}
    put("fuzz_remote_answer", "answer.json", b"\x01\x00" + json.dumps(answer).encode())
    put("fuzz_remote_answer", "models.json", b"\x02\x00" + json.dumps({"object": "list", "data": [{"id": "glm-4.6v-flash"}, {"id": 3}]}).encode())
    put("fuzz_remote_answer", "error.json", b"\x03\xc8" + json.dumps({"detail": "Not Found"}).encode())

    # HTTP requests as a client sends them (fuzz_http_server; fuzz_http_parse reads the same).
    body = json.dumps({"model": "glm", "messages": [{"role": "user", "content": "Hi"}], "max_tokens": 4})
    put("fuzz_http_server", "post.http", "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                                         "Content-Length: %d\r\n\r\n%s" % (len(body), body))
    put("fuzz_http_server", "get.http", "GET /v1/models?x=1 HTTP/1.1\r\nHost: localhost\r\nAccept: */*\r\n\r\n")
    put("fuzz_http_server", "chunked.http", "POST /v1/completions HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nabcd\r\n0\r\n\r\n")
    put("fuzz_http_server", "short_body.http", "POST / HTTP/1.1\r\nContent-Length: 100\r\n\r\nabc")


if __name__ == "__main__":
    main()
