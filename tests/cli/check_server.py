#!/usr/bin/env python3
"""sightline-cli serve: the OpenAI-compatible API on the fixture model. Every case, sent at once with
images as data: URIs, gets the reference greedy tokens; streaming deltas add up to the plain
response; stop strings cut the answer; bad requests get 4xx with a clear message; a client that
disconnects mid-stream has its request cancelled; SIGTERM stops the server."""
import base64
import concurrent.futures
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

from server_process import terminate

FAILS = []
KEY = "sl-server-test-key"  # the server runs with --api-key KEY (auth itself: check_api_auth.py)
AUTH = {"Content-Type": "application/json", "Authorization": f"Bearer {KEY}"}


def check(cond, what):
    print(("PASS " if cond else "FAIL ") + what, flush=True)
    if not cond:
        FAILS.append(what)


def post(base, body, raw=None, method="POST", path="/v1/chat/completions"):
    data = raw if raw is not None else json.dumps(body).encode()
    req = urllib.request.Request(base + path, data=data if method == "POST" else None, method=method,
                                 headers=AUTH)
    try:
        with urllib.request.urlopen(req, timeout=120) as r:
            return r.status, r.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode("utf-8", "replace")


def openai_messages(case, fixtures):
    msgs = json.loads(json.dumps(case["messages"]))
    for m in msgs:
        if isinstance(m["content"], list):
            for i, p in enumerate(m["content"]):
                if p.get("type") == "image":
                    path = os.path.join(fixtures, "cases", p["image"])
                    ext = os.path.splitext(path)[1].lstrip(".").replace("jpg", "jpeg")
                    b64 = base64.b64encode(open(path, "rb").read()).decode()
                    m["content"][i] = {"type": "image_url", "image_url": {"url": f"data:image/{ext};base64,{b64}"}}
    return msgs


def request_for(case, fixtures, **extra):
    body = {"model": "any", "messages": openai_messages(case, fixtures), "temperature": 0, "max_tokens": 24,
            "return_token_ids": True, "repetition_penalty": 1.0, "top_p": 1.0, "top_k": 0,
            "chat_template_kwargs": {"enable_thinking": case["chat_template_kwargs"].get("enable_thinking", True)}}
    body.update(extra)
    return body


def stream(base, body):
    """Returns (reasoning, content, finish_reason, saw_done, usage)."""
    req = urllib.request.Request(base + "/v1/chat/completions", data=json.dumps(dict(body, stream=True)).encode(),
                                 headers=AUTH)
    reasoning, content, finish, done, usage = "", "", None, False, None
    with urllib.request.urlopen(req, timeout=120) as r:
        for line in r.read().decode("utf-8", "replace").splitlines():
            if not line.startswith("data: "):
                continue
            if line == "data: [DONE]":
                done = True
                continue
            ev = json.loads(line[6:])
            if ev.get("usage"):
                usage = ev["usage"]
            for ch in ev["choices"]:
                reasoning += ch["delta"].get("reasoning_content", "")
                content += ch["delta"].get("content", "") or ""
                finish = ch["finish_reason"] or finish
    return reasoning, content, finish, done, usage


def main():
    cli, fixtures = sys.argv[1], sys.argv[2]
    model = os.path.join(fixtures, "model")
    cases = json.load(open(os.path.join(fixtures, "cases", "cases.json")))["cases"]
    srv = subprocess.Popen([cli, "serve", "--model", model, "--device", "cpu", "--port", "0", "--parallel", "4", "--api-key", KEY,
                            "--model-name", "tiny", "--image-resize", "pil"],  # the goldens come from transformers' PIL backend
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = srv.stdout.readline()
        check(line.startswith("listening on http://127.0.0.1:"), f"server announces its address ({line.strip()})")
        port = int(line.split(":")[2].split("/")[0])
        base = f"http://127.0.0.1:{port}"
        st, body = post(base, None, method="GET", path="/v1/models")
        check(st == 200 and json.loads(body)["data"][0]["id"] == "tiny", "GET /v1/models lists the model")

        # Every case at once: batched on the server's scheduler, each with its reference tokens.
        with concurrent.futures.ThreadPoolExecutor(len(cases)) as pool:
            answers = list(pool.map(lambda c: post(base, request_for(c, fixtures)), cases))
        for c, (st, body) in zip(cases, answers):
            out = json.loads(body) if st == 200 else {}
            ch = out.get("choices", [{}])[0]
            check(st == 200 and ch.get("token_ids") == c["greedy_tokens"], f"{c['name']}: reference greedy tokens over the API ({st} {body[:160]})")
            if st == 200:
                check(out["usage"]["prompt_tokens"] == c["num_prompt_tokens"], f"{c['name']}: usage.prompt_tokens")
                check(ch["finish_reason"] == ("stop" if c["stopped_on_eos"] else "length"), f"{c['name']}: finish_reason")
        st, health = post(base, None, method="GET", path="/health")
        check(st == 200 and json.loads(health)["completed"] >= len(cases), "health counts the completed requests")

        # Streaming adds up to the plain answer.
        c1 = cases[1]
        plain = json.loads(answers[1][1])["choices"][0]["message"]
        r, t, finish, done, usage = stream(base, dict(request_for(c1, fixtures), stream_options={"include_usage": True}))
        check(r == plain.get("reasoning_content", "") and t == plain["content"], "streamed deltas equal the plain response")
        check(done and finish == ("stop" if c1["stopped_on_eos"] else "length"), "stream ends with finish_reason and [DONE]")
        check(usage is not None and usage["completion_tokens"] == len(c1["greedy_tokens"]), "stream_options.include_usage")

        # A stop string cuts the answer before it.
        longest = max(range(len(cases)), key=lambda i: len(json.loads(answers[i][1])["choices"][0]["message"]["content"]))
        text = json.loads(answers[longest][1])["choices"][0]["message"]["content"]
        if len(text) >= 6:
            stop = text[3:6]
            st, body = post(base, request_for(cases[longest], fixtures, stop=[stop]))
            got = json.loads(body)["choices"][0] if st == 200 else {}
            check(st == 200 and got["message"]["content"] == text[:text.find(stop)] and got["finish_reason"] == "stop",
                  f"stop string {stop!r} cuts the answer")
            r, t, finish, done, _ = stream(base, request_for(cases[longest], fixtures, stop=stop))
            check(t == text[:text.find(stop)] and finish == "stop", "stop string in a stream")
        else:
            check(False, "a fixture answer long enough for the stop-string check")

        # A request that starts like a finished one (same long system prompt) reuses its cached prefix.
        system = "You review product listings for a marketplace. " * 12
        def with_system(user):
            return {"messages": [{"role": "system", "content": system}, {"role": "user", "content": user}], "temperature": 0,
                    "max_tokens": 4, "return_token_ids": True}
        st1, first = post(base, with_system("First listing: a red chair."))
        st2, second = post(base, with_system("Second listing: a blue lamp."))
        details = json.loads(second)["usage"].get("prompt_tokens_details", {}) if st2 == 200 else {}
        check(st1 == 200 and st2 == 200 and details.get("cached_tokens", 0) >= 32,
              f"shared system prompt served from the prefix cache ({details})")

        # Bad requests: 4xx with a message that says what is wrong.
        def expect(status, got, fragment, what):
            st, body = got
            msg = json.loads(body).get("error", {}).get("message", "") if body.startswith("{") else body
            check(st == status and fragment in msg, f"{what}: {st} {msg[:120]}")
        expect(400, post(base, None, raw=b"{not json"), "not valid JSON", "malformed JSON")
        expect(400, post(base, {"messages": []}), "messages", "empty messages")
        # A prompt longer than the model's context (8192): 400 with OpenAI's code context_length_exceeded.
        st, body = post(base, {"messages": [{"role": "user", "content": "apple " * 9000}], "max_tokens": 4})
        err = json.loads(body).get("error", {}) if st == 400 else {}
        check(st == 400 and err.get("code") == "context_length_exceeded" and "8192" in err.get("message", ""),
              f"over the context: 400 context_length_exceeded ({st} {body[:160]})")
        expect(400, post(base, {"messages": [{"role": "user", "content": "hi"}], "n": 2}), "n must be 1", "n > 1")
        expect(400, post(base, {"messages": [{"role": "user", "content": "hi"}], "temperature": "hot"}), "temperature", "wrong type")
        img = os.path.join(fixtures, "cases", cases[1]["images"][0])
        expect(400, post(base, {"messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": img}}]}]}),
               "data: URI", "local file without --allow-local-files")
        expect(400, post(base, {"messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "https://x/y.png"}}]}]}),
               "remote image URLs", "remote URL")
        bad = "data:image/png;base64," + base64.b64encode(b"\x89PNG\r\n\x1a\nnot really a png").decode()
        st, body = post(base, {"messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": bad}}]}]})
        check(st == 400, f"corrupt image: {st} {body[:120]}")
        expect(405, post(base, None, method="GET"), "POST", "GET on chat/completions")
        expect(404, post(base, None, method="GET", path="/v2/nothing"), "no route", "unknown route")
        s = socket.create_connection(("127.0.0.1", port))
        s.sendall(b"POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 999999999999\r\n\r\n")
        check(s.recv(200).startswith(b"HTTP/1.1 413"), "oversized body refused with 413")
        s.close()

        # A client that goes away mid-stream: its request is cancelled, the server carries on.
        body = request_for(cases[0], fixtures, max_tokens=100000, ignore_eos=True, stream=True)
        data = json.dumps(body).encode()
        s = socket.create_connection(("127.0.0.1", port))
        s.sendall(b"POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                  + f"Authorization: Bearer {KEY}\r\n".encode() + b"Content-Length: "
                  + str(len(data)).encode() + b"\r\n\r\n" + data)
        first = s.recv(4096)
        check(b"text/event-stream" in first, "stream starts")
        s.close()
        deadline, running = time.time() + 20, None
        while time.time() < deadline:
            running = json.loads(post(base, None, method="GET", path="/health")[1])["running"]
            if running == 0:
                break
            time.sleep(0.1)
        check(running == 0, "a disconnected stream is cancelled")
        st, body = post(base, request_for(cases[0], fixtures))
        check(st == 200 and json.loads(body)["choices"][0]["token_ids"] == cases[0]["greedy_tokens"], "the server answers after that")
    finally:
        code, _ = terminate(srv, 20)
    check(code == 0, f"SIGTERM stops the server cleanly (exit {code})")
    print(f"{len(FAILS)} failed")
    return 1 if FAILS else 0


if __name__ == "__main__":
    sys.exit(main())
