#!/usr/bin/env python3
"""sightline-cli serve under hostile input (issue #11): deep JSON, slow senders and a crowd of
connections (/health stays fast), Host / Origin / Content-Type rules and CORS, --allow-local-files
folders (symlinks, FIFOs, one message for every refusal), pixel caps read from image headers,
duplicate Content-Length, bare-LF heads, field types checked before generating, --host warning.
Usage: check_api_hardening.py SIGHTLINE_CLI FIXTURES_DIR"""
import base64
import json
import os
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import zlib

from server_process import terminate

FAILS = []


def check(cond, what):
    print(("PASS " if cond else "FAIL ") + what, flush=True)
    if not cond:
        FAILS.append(what)


def raw(port, data, timeout=10.0):
    """Sends bytes, returns (status, headers dict, body) of the answer ('' status when none)."""
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    try:
        s.sendall(data)
        got = b""
        while True:
            try:
                chunk = s.recv(65536)
            except socket.timeout:
                break
            if not chunk:
                break
            got += chunk
    finally:
        s.close()
    head, _, body = got.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = lines[0].split(" ")[1] if lines and lines[0].startswith("HTTP/") else ""
    headers = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        headers[k.strip().lower()] = v.strip()
    return status, headers, body.decode("utf-8", "replace")


KEY = "sl-hardening-test-key"  # every server here runs with --api-key KEY (auth itself: check_api_auth.py)


def request(port, method="GET", path="/health", body=b"", headers=None, host=None, timeout=60.0):
    h = {"Host": host or f"127.0.0.1:{port}", "Authorization": f"Bearer {KEY}"}
    if method == "POST":
        h["Content-Type"] = "application/json"
        h["Content-Length"] = str(len(body))
    h.update(headers or {})
    head = f"{method} {path} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in h.items() if v is not None) + "\r\n"
    return raw(port, head.encode() + body, timeout)


def chat(port, messages, timeout=60.0, **extra):
    body = json.dumps(dict({"messages": messages, "max_tokens": 2, "temperature": 0}, **extra)).encode()
    return request(port, "POST", "/v1/chat/completions", body, timeout=timeout)


def message_of(body):
    try:
        return json.loads(body)["error"]["message"]
    except (ValueError, KeyError, TypeError):
        return body[:200]


def png(width, height):
    """A 1-bit grey PNG of all-zero rows: 13000x13000 is ~20 KB on disk, 169 megapixels decoded."""
    row = b"\x00" * (1 + (width + 7) // 8)
    comp = zlib.compressobj(9)
    data = b"".join(comp.compress(row) for _ in range(height)) + comp.flush()

    def chunk(tag, payload):
        return struct.pack(">I", len(payload)) + tag + payload + struct.pack(">I", zlib.crc32(tag + payload) & 0xFFFFFFFF)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)) + chunk(b"IDAT", data)
            + chunk(b"IEND", b""))


def image_part(url):
    return {"type": "image_url", "image_url": {"url": url}}


def data_uri(data):
    return "data:image/png;base64," + base64.b64encode(data).decode()


def rss_kb(pid, field="VmRSS"):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def health_ms(port):
    t0 = time.time()
    try:
        st, _, _ = request(port, timeout=5)
    except OSError:
        st = ""
    return st, (time.time() - t0) * 1000


def start(cli, model, *extra):
    srv = subprocess.Popen([cli, "serve", "--model", model, "--device", "cpu", "--port", "0", "--parallel", "2", "--api-key", KEY, *extra],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = srv.stdout.readline()
    if "listening on http://" not in line:
        srv.kill()
        raise SystemExit(f"server did not start: {line!r} {srv.stderr.read()[:2000]}")
    return srv, int(line.split("http://")[1].split("/")[0].rsplit(":", 1)[1])


def stop(srv, what):
    code, seconds = terminate(srv, 15)
    check(code == 0 and seconds < 5, f"{what}: SIGTERM exits 0 promptly (exit {code}, {seconds:.1f} s)")


def main():
    cli, fixtures = sys.argv[1], sys.argv[2]
    model = os.path.join(fixtures, "model")
    work = tempfile.mkdtemp(prefix="sightline-api-")
    allowed, outside = os.path.join(work, "allowed"), os.path.join(work, "outside")
    os.makedirs(allowed)
    os.makedirs(outside)
    cases = json.load(open(os.path.join(fixtures, "cases", "cases.json")))["cases"]
    image = os.path.join(fixtures, "cases", next(c for c in cases if c.get("images"))["images"][0])
    ext = os.path.splitext(image)[1]
    shutil.copy(image, os.path.join(allowed, "ok" + ext))
    shutil.copy(image, os.path.join(outside, "secret" + ext))
    os.symlink(os.path.join(outside, "secret" + ext), os.path.join(allowed, "link" + ext))
    os.mkfifo(os.path.join(allowed, "fifo" + ext))
    os.makedirs(os.path.join(allowed, "dir" + ext))

    srv, port = start(cli, model, "--allow-local-files", allowed, "--cors-origin", "http://app.example:3000", "--max-connections", "64")
    try:
        # 1. Deep JSON: a 100,000-deep content list in 200 KB.
        deep = b'{"messages":[{"role":"user","content":' + b"[" * 100000 + b"]" * 100000 + b"}]}"
        st, _, body = request(port, "POST", "/v1/chat/completions", deep)
        check(st == "400" and "128" in message_of(body), f"100,000-deep JSON refused with 400 naming the limit ({st} {message_of(body)[:100]})")
        check(health_ms(port)[0] == "200", "the server lives after the deep JSON")

        # 6. Low items: duplicate Content-Length, bare LF, field types before generating.
        body = b'{"messages":[{"role":"user","content":"hi"}]}'
        st, _, _ = raw(port, (f"POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n"
                              f"Content-Length: {len(body)}\r\nContent-Length: {len(body)}\r\n\r\n").encode() + body)
        check(st == "400", f"duplicate Content-Length refused ({st})")
        t0 = time.time()
        st, _, _ = raw(port, f"GET /health HTTP/1.1\nHost: 127.0.0.1:{port}\n\n".encode(), timeout=5)
        check(st == "200" and time.time() - t0 < 2, f"bare-LF head answered at once ({st}, {time.time() - t0:.2f} s)")
        completed = json.loads(request(port)[2])["completed"]
        for field, value in [("return_token_ids", "yes"), ("stream", "no"), ("logprobs", 1), ("ignore_eos", "x"),
                             ("chat_template_kwargs", {"enable_thinking": "no"}), ("stream_options", {"include_usage": 3}),
                             ("max_tokens", 2.5), ("model", 5)]:
            st, _, body = chat(port, [{"role": "user", "content": "hi"}], **{field: value})
            check(st == "400" and field.split(".")[0] in message_of(body), f"{field}={value!r} refused before generating ({st} {message_of(body)[:80]})")
        check(json.loads(request(port)[2])["completed"] == completed, "nothing was generated for the refused requests")

        # 3. Host, Origin, Content-Type, CORS.
        check(request(port, host=f"evil.example:{port}")[0] == "421", "DNS-rebinding Host refused with 421")
        check(request(port, host=f"127.0.0.1:{port + 1}")[0] == "421", "Host with another port refused")
        check(request(port, host=f"localhost:{port}")[0] == "200" and request(port, host="[::1]")[0] == "200", "loopback Host names accepted")
        check(request(port, headers={"Host": None})[0] == "400", "a request without Host is refused")
        st, _, body = request(port, "POST", "/v1/chat/completions", b'{"messages":[{"role":"user","content":"hi"}]}',
                              headers={"Origin": "http://evil.example"})
        check(st == "403" and "--cors-origin" in message_of(body), f"cross-origin POST refused with 403 ({st})")
        st, _, body = request(port, "POST", "/v1/chat/completions", b'{"messages":[{"role":"user","content":"hi"}]}',
                              headers={"Content-Type": "text/plain"})
        check(st == "415", f"text/plain POST refused with 415 ({st} {message_of(body)[:80]})")
        st, h, _ = request(port, headers={"Origin": "http://app.example:3000"})
        check(st == "200" and h.get("access-control-allow-origin") == "http://app.example:3000", "a --cors-origin origin gets CORS headers")
        st, h, _ = request(port, "OPTIONS", "/v1/chat/completions", headers={"Origin": "http://app.example:3000",
                           "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type, authorization"})
        check(st == "204" and "POST" in h.get("access-control-allow-methods", "") and "content-type" in h.get("access-control-allow-headers", "")
              and h.get("access-control-allow-origin") == "http://app.example:3000", f"CORS preflight answered ({st} {h})")
        st, _, _ = request(port, "OPTIONS", "/v1/chat/completions", headers={"Origin": "http://evil.example", "Access-Control-Request-Method": "POST"})
        check(st == "403", f"preflight from an unlisted origin refused ({st})")
        # Refused from the head alone: the body is never waited for, and a sent body does not reset the answer.
        t0 = time.time()
        s = socket.create_connection(("127.0.0.1", port), timeout=5)
        s.sendall(f"POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nOrigin: http://evil.example\r\n"
                  f"Content-Type: application/json\r\nContent-Length: 60000000\r\n\r\n".encode())
        try:
            got = s.recv(100)
        except OSError:
            got = b""
        s.close()
        check(got.startswith(b"HTTP/1.1 403") and time.time() - t0 < 2, f"a refused origin gets 403 before its 60 MB body ({got[:20]!r})")
        try:
            st, _, _ = request(port, "POST", "/v1/chat/completions", b"x" * (4 << 20), headers={"Content-Type": "text/plain"})
        except OSError as e:
            st = f"connection error {e}"
        check(st == "415", f"a 4 MB text/plain body gets its 415 answer, not a reset ({st})")

        # 4. Local files: only regular files under the folder; one message for every refusal.
        st, _, body = chat(port, [{"role": "user", "content": [image_part(os.path.join(allowed, "ok" + ext)), {"type": "text", "text": "?"}]}])
        check(st == "200", f"a file under the allowed folder is read ({st} {message_of(body)[:100]})")
        refusals = {}
        for name in ["link" + ext, "missing.png", "../outside/secret" + ext, "dir" + ext, "fifo" + ext]:
            path = os.path.join(allowed, name)
            t0 = time.time()
            st, _, body = chat(port, [{"role": "user", "content": [image_part(path)]}], timeout=10)
            refusals[name] = (st, message_of(body).replace(path, "PATH"), time.time() - t0)
        refusals["/etc/hostname"] = (lambda r: (r[0], message_of(r[2]).replace("/etc/hostname", "PATH"), 0))(
            chat(port, [{"role": "user", "content": [image_part("/etc/hostname")]}]))
        messages = {m for _, m, _ in refusals.values()}
        check(all(st == "400" for st, _, _ in refusals.values()) and len(messages) == 1,
              f"missing, outside, symlinked-out, folder and FIFO paths get one 400 message ({refusals})")
        check(refusals["fifo" + ext][2] < 3, f"a FIFO does not block the request ({refusals['fifo' + ext][2]:.2f} s)")

        # 5. Pixel caps from the header: 13000x13000 PNGs (~20 KB each) are refused without decoding.
        bomb = png(13000, 13000)
        peak0 = rss_kb(srv.pid, "VmHWM")
        t0 = time.time()
        st, _, body = chat(port, [{"role": "user", "content": [image_part(data_uri(bomb))]}])
        check(st == "413" and "50000000" in message_of(body), f"a {len(bomb)}-byte 13000x13000 PNG refused with 413 ({st} {message_of(body)[:120]})")
        st, _, body = chat(port, [{"role": "user", "content": [image_part(data_uri(bomb)) for _ in range(12)]}])
        check(st == "413" and time.time() - t0 < 5, f"12 of them in one request refused fast ({st}, {time.time() - t0:.2f} s)")
        mid = png(6000, 6000)  # 36 MP: under the per-image cap, three are over the per-request one
        st, _, body = chat(port, [{"role": "user", "content": [image_part(data_uri(mid)) for _ in range(3)]}])
        check(st == "413" and "100000000" in message_of(body), f"3 x 36 MP refused by the per-request cap ({st} {message_of(body)[:120]})")
        with open(os.path.join(allowed, "bomb.png"), "wb") as f:
            f.write(bomb)
        st, _, body = chat(port, [{"role": "user", "content": [image_part(os.path.join(allowed, "bomb.png"))]}])
        check(st == "413", f"the same cap for a local file ({st})")
        grown = (rss_kb(srv.pid, "VmHWM") - peak0) // 1024
        check(grown < 100, f"peak RSS grew {grown} MB over the image bombs (one decoded would be 500 MB)")

        # 2. Slow senders: 300 connections trickling 1 byte/s, /health answers in < 1 s throughout;
        # beyond --max-connections the slowest are dropped (503), each head has an overall deadline.
        socks, dropped, lock = [], [0], threading.Lock()
        for _ in range(300):
            try:
                s = socket.create_connection(("127.0.0.1", port), timeout=5)
                s.setblocking(False)
                socks.append(s)
            except OSError:
                pass
        head = f"POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n".encode()
        worst, statuses, t_start = 0.0, set(), time.time()
        timed_out_at = None
        trickle = socks[-1]
        while time.time() - t_start < 13:
            i = int(time.time() - t_start)
            for s in socks:
                try:
                    s.send(head[i % len(head):i % len(head) + 1])
                except OSError:
                    pass
                try:
                    got = s.recv(4096)
                    if got.startswith(b"HTTP/1.1 503"):
                        with lock:
                            dropped[0] += 1
                    if got.startswith(b"HTTP/1.1 408") and s is trickle and timed_out_at is None:
                        timed_out_at = time.time() - t_start
                except (BlockingIOError, OSError):
                    pass
            st, ms = health_ms(port)
            statuses.add(st)
            worst = max(worst, ms)
            time.sleep(0.25)
        for s in socks:
            s.close()
        check(statuses == {"200"} and worst < 1000, f"/health under {len(socks)} slow connections: {statuses}, worst {worst:.0f} ms")
        check(dropped[0] > 0, f"connections over --max-connections are dropped with 503 ({dropped[0]})")
        check(timed_out_at is not None and timed_out_at < 12.5, f"a head sent at 1 byte/s meets its 10 s deadline (408 at {timed_out_at})")
        st, _, body = chat(port, [{"role": "user", "content": "hi"}])
        check(st == "200", f"the server answers after the slow crowd ({st})")
    finally:
        stop(srv, "hardened server")

    # --host 0.0.0.0 warns on stderr.
    srv = subprocess.Popen([cli, "serve", "--model", model, "--device", "cpu", "--port", "0", "--host", "0.0.0.0", "--api-key", KEY],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = srv.stdout.readline()
    srv.terminate()
    _, err = srv.communicate(timeout=15)
    check("WARNING" in err and "other machines" in err, f"--host 0.0.0.0 prints a warning ({err.strip()[:120]})")
    shutil.rmtree(work, ignore_errors=True)
    print(f"{len(FAILS)} failed")
    return 1 if FAILS else 0


if __name__ == "__main__":
    sys.exit(main())
