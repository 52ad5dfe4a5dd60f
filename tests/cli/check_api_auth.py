#!/usr/bin/env python3
"""sightline-cli serve: who may call it and what is recorded (issue #14), with the official `openai`
client against the real server on the tiny fixture model.

- API key: none -> 401 (openai.AuthenticationError, OpenAI-style body with code invalid_api_key), wrong
  -> 401, right -> an answer; --api-key, $SIGHTLINE_API_KEY, or the key file (created 0600, its path
  printed, the key never printed; the same key on the next start).
- JWT: HS256 (tokens built here with hmac) good -> 200, wrong secret / expired / wrong audience /
  alg none -> 401; RS256 with a key pair made by the openssl CLI: good -> 200, another key -> 401,
  an HS256 token that uses the public key as its secret (algorithm confusion) -> 401; ES256 (P-256,
  openssl) good -> 200, claims changed after signing -> 401.
- --no-auth is refused off loopback (exit 2 + message); a non-loopback host warns and keeps the key.
- /health: ok + model_loaded + extras; a failed load -> 503 status error, /health/live 200.
- POST /v1/multimodal/inference: the service's shape for a plain and a moderation prompt; bad input
  -> 400 OpenAI-style; paths only with --allow-local-files.
- Request log: one JSON line per request with the fields, an e-mail address masked, the JWT `sub`
  as caller, rotation by size, --request-log-content none; --max-image-side changes the image tokens.
"""
import base64
import hashlib
import hmac
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

import httpx
import openai

from server_process import terminate

FAILS = []
KEY = "sl-auth-test-key-0123456789"
SECRET = "hs256-test-secret"
AUD = "sightline-test"


def check(cond, what):
    print(("PASS " if cond else "FAIL ") + what, flush=True)
    if not cond:
        FAILS.append(what)


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def token(claims, secret=SECRET, alg="HS256", sign=None):
    head = b64url(json.dumps({"alg": alg, "typ": "JWT"}).encode()) + "." + b64url(json.dumps(claims).encode())
    if sign is not None:
        sig = sign(head.encode())
    elif alg == "none":
        sig = b""
    else:
        sig = hmac.new(secret.encode() if isinstance(secret, str) else secret, head.encode(), hashlib.sha256).digest()
    return head + "." + b64url(sig)


def openssl_signer(private_pem, work):
    def sign(data):
        path = os.path.join(work, "signing-input")
        open(path, "wb").write(data)
        return subprocess.run(["openssl", "dgst", "-sha256", "-sign", private_pem, path], check=True, capture_output=True).stdout
    return sign


def ecdsa_signer(private_pem, work):
    """ES256 as JWS wants it: openssl's DER signature turned into the raw 32-byte r || s."""
    der_sign = openssl_signer(private_pem, work)

    def sign(data):
        der = der_sign(data)
        at = 2 if der[1] < 0x80 else 2 + (der[1] & 0x7F)
        raw = b""
        for _ in range(2):
            n = der[at + 1]
            raw += der[at + 2:at + 2 + n].lstrip(b"\x00").rjust(32, b"\x00")
            at += 2 + n
        return raw
    return sign


def start(cli, model, *extra, env=None, expect_ready=True):
    srv = subprocess.Popen([cli, "serve", "--model", model, "--device", "cpu", "--port", "0", "--parallel", "2", *extra],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    if not expect_ready:
        return srv, None
    line = srv.stdout.readline()
    if "listening on http://" not in line:
        srv.kill()
        raise SystemExit(f"server did not start: {line!r} {srv.stderr.read()[:2000]}")
    return srv, int(line.split("http://")[1].split("/")[0].rsplit(":", 1)[1])


def stop(srv):
    code, _ = terminate(srv, 20)
    return code, srv.stderr.read()


def chat(port, api_key):
    client = openai.OpenAI(base_url=f"http://127.0.0.1:{port}/v1", api_key=api_key, max_retries=0, timeout=60)
    r = client.chat.completions.create(model="tiny", messages=[{"role": "user", "content": "Say hi. Write to john.doe@example.com"}],
                                       max_tokens=4, temperature=0)
    return r.choices[0].message.content


def expect_401(port, api_key, what):
    try:
        chat(port, api_key)
        check(False, f"{what}: refused (got an answer)")
    except openai.AuthenticationError as e:
        body = e.response.json()
        check(e.status_code == 401 and body["error"]["code"] == "invalid_api_key" and body["error"]["type"] == "invalid_request_error",
              f"{what}: 401 AuthenticationError with an OpenAI-style body ({body})")


def infer(port, body, headers=None, raw=None):
    h = {"Authorization": f"Bearer {KEY}"}
    h.update(headers or {})
    r = httpx.post(f"http://127.0.0.1:{port}/v1/multimodal/inference", content=raw, json=None if raw else body,
                   headers=dict(h, **{"Content-Type": "application/json"}), timeout=60)
    try:
        return r.status_code, r.json()
    except ValueError:
        return r.status_code, r.text


def log_lines(path):
    try:
        return [json.loads(line) for line in open(path)]
    except FileNotFoundError:
        return []


def main():
    cli, fixtures = sys.argv[1], sys.argv[2]
    model = os.path.join(fixtures, "model")
    images = os.path.join(fixtures, "cases", "images")
    work = tempfile.mkdtemp(prefix="sightline-auth-")
    env = dict(os.environ, SIGHTLINE_API_KEY_FILE=os.path.join(work, "conf", "api.key"))
    env.pop("SIGHTLINE_API_KEY", None)
    log = os.path.join(work, "requests.jsonl")
    img = open(os.path.join(images, "img_300x200.png"), "rb").read()
    img_b64 = base64.b64encode(img).decode()
    allowed = os.path.join(work, "allowed")
    os.makedirs(allowed)
    shutil.copy(os.path.join(images, "img_300x200.png"), os.path.join(allowed, "a.png"))
    try:
        # 1. Key, HS256 JWT, request log (small, to rotate), local files allowed under one folder.
        srv, port = start(cli, model, "--api-key", KEY, "--jwt-secret", SECRET, "--jwt-audience", AUD, "--model-name", "tiny",
                          "--request-log", log, "--request-log-max-mb", "0.004", "--request-log-keep", "2",
                          "--allow-local-files", allowed, env=env)
        base = f"http://127.0.0.1:{port}"
        r = httpx.get(base + "/v1/models")
        check(r.status_code == 401 and r.json()["error"]["code"] == "invalid_api_key" and r.headers.get("www-authenticate") == "Bearer",
              f"no key: 401 with WWW-Authenticate ({r.status_code} {r.text[:120]})")
        r = httpx.get(base + "/v1/models", headers={"Authorization": KEY})
        check(r.status_code == 401, "a key without the Bearer scheme: 401")
        expect_401(port, "sl-wrong-key", "wrong key")
        expect_401(port, KEY[:-1], "the key less its last character")
        expect_401(port, KEY + "x", "the key plus a character")
        answer = chat(port, KEY)
        check(isinstance(answer, str), f"the right key gets an answer ({answer!r})")

        now = int(time.time())
        good = {"sub": "alice@idp", "aud": AUD, "exp": now + 600}
        check(isinstance(chat(port, token(good)), str), "HS256 token: answered")
        check(isinstance(chat(port, token(dict(good, aud=["other", AUD]))), str), "HS256 token with an audience list: answered")
        expect_401(port, token(good, secret="not-the-secret"), "HS256 token signed with another secret")
        expect_401(port, token(dict(good, exp=now - 3600)), "expired HS256 token")
        expect_401(port, token(dict(good, aud="someone-else")), "HS256 token for another audience")
        expect_401(port, token({"sub": "alice", "aud": AUD}), "HS256 token without exp")
        expect_401(port, token(good, alg="none"), "alg none")
        expect_401(port, token(dict(good, nbf=now + 3600)), "token not valid yet (nbf)")

        r = httpx.get(base + "/health")
        h = r.json()
        check(r.status_code == 200 and h["status"] == "ok" and h["model_loaded"] is True and "slots" in h, f"/health ok without a key ({h})")
        r = httpx.get(base + "/health/live")
        check(r.status_code == 200 and r.json() == {"status": "alive"}, "/health/live alive")

        # The service's endpoint: a plain prompt, a moderation prompt, bad input.
        st, out = infer(port, {"image": img_b64, "prompt": "What is shown? Mail me at john.doe@example.com", "max_tokens": 6})
        check(st == 200 and set(out) >= {"result", "reasons", "confidence", "inference_time_ms", "tokens_generated"},
              f"multimodal/inference answers in the service's shape ({st} {out})")
        if st == 200:
            check(isinstance(out["result"], str) and out["reasons"] == [] and out["confidence"] is None
                  and 0 < out["tokens_generated"] <= 6 and out["inference_time_ms"] > 0, f"plain prompt: text result, no verdict ({out})")
        st, out = infer(port, {"image": "data:image/png;base64," + img_b64, "prompt": "Moderate this listing.", "max_tokens": 8})
        check(st == 200 and out.get("result") in ("approve", "reject", "review") and isinstance(out.get("reasons"), list)
              and len(out["reasons"]) >= 1, f"moderation prompt: a verdict ({st} {out})")
        st, out = infer(port, {"image": os.path.join(allowed, "a.png"), "prompt": "What is it?", "max_tokens": 2})
        check(st == 200, f"a path under --allow-local-files is read ({st} {out})")
        st, out = infer(port, {"image": "/etc/passwd", "prompt": "What is it?", "max_tokens": 2})
        check(st == 400 and "error" in out, f"a path outside the folders: 400 ({st})")
        st, out = infer(port, {"prompt": "no image"})
        check(st == 400 and out["error"]["type"] == "invalid_request_error" and "image" in out["error"]["message"], f"no image: 400 ({out})")
        st, out = infer(port, {"image": img_b64, "prompt": 5})
        check(st == 400 and "prompt" in out["error"]["message"], "prompt not a string: 400")
        st, out = infer(port, {"image": img_b64, "prompt": "x", "max_tokens": "many"})
        check(st == 400 and "max_tokens" in out["error"]["message"], "max_tokens not an integer: 400")
        st, out = infer(port, {"image": base64.b64encode(b"not an image at all").decode(), "prompt": "x"})
        check(st == 400, f"base64 that is no image: 400 ({st} {out})")
        st, out = infer(port, None, raw=b"[" * 100000 + b"]" * 100000)
        check(st == 400 and "error" in out, "100,000-deep JSON refused with 400")
        st, out = infer(port, {"image": img_b64, "prompt": "x"}, headers={"Authorization": "Bearer nope"})
        check(st == 401, "multimodal/inference needs the key too")

        code, err = stop(srv)
        check(code == 0, f"server stops on SIGTERM ({code})")
        check(KEY not in err and SECRET not in err, "neither key nor secret appears on stderr")
        lines = []
        for path in (log + ".2", log + ".1", log):
            lines += log_lines(path)
        check(os.path.exists(log + ".1") and os.path.exists(log + ".2") and not os.path.exists(log + ".3"),
              "the request log rotated by size, keeping 2 old files")
        sizes = [os.path.getsize(p) for p in (log, log + ".1", log + ".2") if os.path.exists(p)]
        check(all(s <= int(0.004 * (1 << 20)) + 4096 for s in sizes), f"rotated files stay near the size limit ({sizes})")
        fields = {"time", "caller", "method", "route", "status", "latency_ms", "images", "prompt_tokens", "completion_tokens", "timings",
                  "prompt", "output"}
        check(all(fields <= set(line) for line in lines), f"every line has the fields ({sorted(fields - set(lines[-1]))})")
        text = "".join(json.dumps(line) for line in lines)
        check("john.doe@example.com" not in text and "[email]" in text, "the e-mail address in the prompt is masked")
        check(any(line["caller"] == "alice@idp" and line["status"] == 200 for line in lines), "the JWT sub is the caller")
        check(any(line["caller"] == "unauthenticated" and line["status"] == 401 for line in lines), "refusals are logged as 401")
        inf = [line for line in lines if line["route"] == "/v1/multimodal/inference" and line["status"] == 200]
        check(bool(inf) and inf[0]["images"] and inf[0]["images"][0]["sha256"] == hashlib.sha256(img).hexdigest()
              and inf[0]["images"][0]["bytes"] == len(img) and inf[0]["prompt_tokens"] > 0 and inf[0]["completion_tokens"] > 0
              and "ttft_ms" in inf[0]["timings"], "an inference line has the image hash and size, token counts and timings")
        base_tokens = inf[0]["prompt_tokens"] if inf else None

        # 2. RS256 with an openssl key pair, no log content, a downscaling server.
        priv, pub, other = (os.path.join(work, n) for n in ("rsa.pem", "rsa.pub.pem", "other.pem"))
        for p in (priv, other):
            subprocess.run(["openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", p], check=True,
                           capture_output=True)
        subprocess.run(["openssl", "pkey", "-in", priv, "-pubout", "-out", pub], check=True, capture_output=True)
        log2 = os.path.join(work, "none.jsonl")
        srv, port = start(cli, model, "--api-key", KEY, "--jwt-public-key", pub, "--request-log", log2, "--request-log-content", "none",
                          "--max-image-side", "28", env=env)
        rs = dict(good, sub="bob")
        check(isinstance(chat(port, token(rs, alg="RS256", sign=openssl_signer(priv, work))), str), "RS256 token (openssl key pair): answered")
        expect_401(port, token(rs, alg="RS256", sign=openssl_signer(other, work)), "RS256 token signed by another key")
        expect_401(port, token(rs, secret=open(pub, "rb").read()), "HS256 token keyed with the public key (algorithm confusion)")
        expect_401(port, token(good), "HS256 token where only RS256 is configured")
        st, out = infer(port, {"image": img_b64, "prompt": "What is shown?", "max_tokens": 2})
        check(st == 200, f"inference with --max-image-side ({st})")
        stop(srv)
        lines2 = log_lines(log2)
        check(bool(lines2) and all("prompt" not in line and "output" not in line for line in lines2),
              "--request-log-content none leaves prompts and outputs out")
        down = [line for line in lines2 if line["route"] == "/v1/multimodal/inference"]
        check(bool(down) and base_tokens is not None and down[0]["prompt_tokens"] < base_tokens
              and down[0]["images"][0].get("preprocessed_bytes", -1) > 0,
              f"--max-image-side 28 shrinks the image before the model ({down[0]['prompt_tokens'] if down else None} < {base_tokens})")

        # ES256 with an openssl P-256 key pair.
        ec, ec_pub = os.path.join(work, "ec.pem"), os.path.join(work, "ec.pub.pem")
        subprocess.run(["openssl", "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", ec], check=True, capture_output=True)
        subprocess.run(["openssl", "ec", "-in", ec, "-pubout", "-out", ec_pub], check=True, capture_output=True)
        srv, port = start(cli, model, "--api-key", KEY, "--jwt-public-key", ec_pub, env=env)
        es = token(dict(good, sub="eve"), alg="ES256", sign=ecdsa_signer(ec, work))
        check(isinstance(chat(port, es), str), "ES256 token (openssl P-256 key pair): answered")
        head, claims, sig = es.split(".")
        forged = head + "." + b64url(json.dumps(dict(good, sub="mallory")).encode()) + "." + sig
        expect_401(port, forged, "ES256 token whose claims were changed after signing")
        stop(srv)

        # 3. The key file: created 0600 on first use, its path printed (the key never), reused next time.
        srv, port = start(cli, model, env=env)
        code, err = stop(srv)
        key_file = env["SIGHTLINE_API_KEY_FILE"]
        stored = open(key_file).read().strip() if os.path.exists(key_file) else ""
        check(stored.startswith("sl-") and len(stored) >= 40 and (os.stat(key_file).st_mode & 0o777) == 0o600,
              f"a key is generated into a 0600 file ({oct(os.stat(key_file).st_mode) if stored else 'missing'})")
        check(key_file in err and stored not in err, "serve prints where the key is, never the key")
        srv, port = start(cli, model, env=env)
        check(isinstance(chat(port, stored), str), "the stored key is used on the next start")
        expect_401(port, KEY, "a key that is not the stored one")
        stop(srv)
        srv, port = start(cli, model, env=dict(env, SIGHTLINE_API_KEY="sl-from-the-environment"))
        check(isinstance(chat(port, "sl-from-the-environment"), str), "$SIGHTLINE_API_KEY sets the key")
        stop(srv)

        # 4. Off loopback: --no-auth refused; with the key it warns and serves.
        p = subprocess.run([cli, "serve", "--model", model, "--device", "cpu", "--port", "0", "--host", "0.0.0.0", "--no-auth"],
                           capture_output=True, text=True, timeout=60, env=env)
        check(p.returncode == 2 and "--no-auth" in p.stderr and "loopback" in p.stderr,
              f"--no-auth with --host 0.0.0.0 refused ({p.returncode} {p.stderr.strip()[:160]})")
        p = subprocess.run([cli, "serve", "--model", model, "--device", "cpu", "--port", "0", "--api-key", KEY,
                            "--request-log", os.path.join(work, "no-such-folder", "r.jsonl")], capture_output=True, text=True, timeout=60, env=env)
        check(p.returncode == 2 and "request log" in p.stderr, f"a request log that cannot be opened is refused at start ({p.returncode})")
        srv, port = start(cli, model, "--host", "0.0.0.0", "--api-key", KEY, env=env)
        expect_401(port, "sl-wrong-key", "0.0.0.0 with a key: a wrong key")
        code, err = stop(srv)
        check("WARNING" in err and "other machines" in err, "a non-loopback host prints a warning")
        srv, port = start(cli, model, "--no-auth", env=env)
        check(isinstance(chat(port, "anything"), str), "--no-auth on loopback: no key needed")
        stop(srv)

        # 5. A model that cannot load: /health says error (503), liveness still answers.
        srv, _ = start(cli, os.path.join(work, "no-such-model"), "--api-key", KEY, env=env, expect_ready=False)
        port = None
        deadline = time.time() + 30
        while time.time() < deadline and port is None:
            line = srv.stderr.readline()
            if "/health says" in line:
                port = int(line.split("http://127.0.0.1:")[1].split("/")[0])
        check(port is not None, "the server listens while the model loads")
        if port:
            h = None
            while time.time() < deadline:
                r = httpx.get(f"http://127.0.0.1:{port}/health")
                h = r.json()
                if h["status"] != "loading":
                    break
                time.sleep(0.05)
            check(r.status_code == 503 and h["status"] == "error" and h["model_loaded"] is False and h.get("error"),
                  f"a failed load: /health 503 status error ({r.status_code} {h})")
            r = httpx.get(f"http://127.0.0.1:{port}/health/live")
            check(r.status_code == 200 and r.json()["status"] == "alive", "/health/live answers after a failed load")
            r = httpx.post(f"http://127.0.0.1:{port}/v1/chat/completions", json={"messages": [{"role": "user", "content": "x"}]},
                           headers={"Authorization": f"Bearer {KEY}"})
            check(r.status_code == 503, "completions without a model: 503")
        stop(srv)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"{len(FAILS)} failed")
    return 1 if FAILS else 0


if __name__ == "__main__":
    sys.exit(main())
