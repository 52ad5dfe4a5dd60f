#!/usr/bin/env python3
"""Bounded load test of `sightline-cli serve` on loopback: it starts its own server, runs two equal
rounds of mixed clients for a fixed time, then stops the server with SIGTERM.

Clients per round: plain and streaming chat completions (the `openai` package when installed, else
httpx, which is the transport the openai client uses), raw-socket slow senders (1 byte every
0.5 s) and slow readers (a long stream read a few bytes a second, then dropped). Throughout, a
monitor asks GET /health every 100 ms. Checks: /health answers in < 1 s every time; every request
ends (an answer or a clean HTTP error, none left hanging); the server's threads return to their
idle count after each round and its RSS does not grow from the first round to the second (nothing
leaks); SIGTERM exits 0. Prints figures (requests, outcomes, p50/p99 health latency, max RSS) and
a JSON line. Exit 1 on a failed check.

  load_api.py --cli build/app/sightline-cli --model ../shared/fixtures/glm4v-tiny/model [--short]
"""
import argparse
import base64
import json
import socket
import struct
import subprocess
import sys
import threading
import time
import zlib

from server_process import terminate

try:
    import openai  # noqa: F401
    HAVE_OPENAI = True
except ImportError:
    HAVE_OPENAI = False
import httpx

FAILS = []
KEY = "sl-load-test-key"  # the server runs with --api-key KEY


def check(cond, what):
    print(("PASS " if cond else "FAIL ") + what, flush=True)
    if not cond:
        FAILS.append(what)


def proc_status(pid):
    out = {}
    for line in open(f"/proc/{pid}/status"):
        k, _, v = line.partition(":")
        if k in ("VmRSS", "VmHWM", "Threads"):
            out[k] = int(v.split()[0])
    return out


def small_png(w=32, h=32):
    raw = b"".join(b"\x00" + bytes((x * 7 + y * 3) % 256 for x in range(w * 3)) for y in range(h))

    def chunk(tag, data):
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


IMAGE = "data:image/png;base64," + base64.b64encode(small_png()).decode()


class Tally:
    def __init__(self):
        self.lock = threading.Lock()
        self.outcomes = {}
        self.started = 0
        self.ended = 0

    def begin(self):
        with self.lock:
            self.started += 1

    def end(self, outcome):
        with self.lock:
            self.ended += 1
            self.outcomes[outcome] = self.outcomes.get(outcome, 0) + 1


def messages(i):
    text = {"type": "text", "text": f"Request {i}: what is in the picture?"}
    return [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": IMAGE}}, text] if i % 2 else [text]}]


def api_client(base, tally, deadline, i, streaming):
    """One client's loop of requests until the deadline; each outcome counted."""
    if HAVE_OPENAI:
        client = openai.OpenAI(base_url=base + "/v1", api_key=KEY, timeout=60, max_retries=0)
    http = httpx.Client(timeout=60, headers={"Authorization": f"Bearer {KEY}"})
    n = 0
    while time.time() < deadline:
        n += 1
        tally.begin()
        body = {"model": "tiny", "messages": messages(i * 1000 + n), "max_tokens": 12, "temperature": 0.7, "seed": n}
        try:
            if HAVE_OPENAI:
                if streaming:
                    got = "".join((c.choices[0].delta.content or "") for c in client.chat.completions.create(stream=True, **body) if c.choices)
                else:
                    got = client.chat.completions.create(**body).choices[0].message.content
                tally.end("ok")
            elif streaming:
                done = False
                with http.stream("POST", base + "/v1/chat/completions", json=dict(body, stream=True)) as r:
                    if r.status_code != 200:
                        r.read()
                        tally.end(f"http {r.status_code}")
                        continue
                    for line in r.iter_lines():
                        done = done or line == "data: [DONE]"
                tally.end("ok" if done else "stream without [DONE]")
            else:
                r = http.post(base + "/v1/chat/completions", json=body)
                tally.end("ok" if r.status_code == 200 and r.json()["choices"] else f"http {r.status_code}")
        except Exception as e:  # noqa: BLE001 - every way a request can end is counted
            status = getattr(e, "status_code", None)
            tally.end(f"http {status}" if status else f"error {type(e).__name__}")


def slow_sender(port, tally, deadline):
    """Trickles a request head; the server must end it (408 at its head deadline, or 503 when full)."""
    while time.time() < deadline:
        tally.begin()
        s = socket.create_connection(("127.0.0.1", port), timeout=30)
        s.setblocking(False)
        head = f"GET /health HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nX-Pad: " + "x" * 200
        outcome = None
        for ch in head:
            if time.time() > deadline + 15:
                break
            try:
                s.send(ch.encode())
                got = s.recv(64)
                outcome = "slow sender " + (got[9:12].decode() if got.startswith(b"HTTP/1.1 ") else "closed")
                break
            except BlockingIOError:
                pass
            except OSError:
                outcome = "slow sender closed"
                break
            time.sleep(0.5)
        s.close()
        tally.end(outcome or "slow sender unanswered")


def slow_reader(port, tally, deadline):
    """Starts a long stream, reads it a few bytes a second for a while, then drops it."""
    body = json.dumps({"messages": messages(7), "max_tokens": 4000, "ignore_eos": True, "stream": True}).encode()
    while time.time() < deadline:
        tally.begin()
        s = socket.create_connection(("127.0.0.1", port), timeout=30)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        s.sendall(f"POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n"
                  f"Content-Length: {len(body)}\r\n\r\n".encode() + body)
        first, t0 = s.recv(16), time.time()
        while time.time() - t0 < 3 and time.time() < deadline:
            if not s.recv(8):
                break
            time.sleep(0.25)
        s.close()
        tally.end("slow reader " + (first[9:12].decode() if first.startswith(b"HTTP/1.1 ") else "closed"))


def monitor(port, stop, latencies, failures):
    http = httpx.Client(timeout=5)
    while not stop.is_set():
        t0 = time.time()
        try:
            r = http.get(f"http://127.0.0.1:{port}/health")
            ok = r.status_code == 200
        except Exception:  # noqa: BLE001
            ok = False
        latencies.append(time.time() - t0)
        if not ok:
            failures.append(time.time())
        time.sleep(0.1)


def settle(pid, idle_threads, seconds=10):
    """Waits for the server's threads to return to idle; returns its status then."""
    end = time.time() + seconds
    st = proc_status(pid)
    while time.time() < end and st["Threads"] > idle_threads:
        time.sleep(0.2)
        st = proc_status(pid)
    return st


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cli", required=True)
    ap.add_argument("--model", required=True)
    ap.add_argument("--short", action="store_true", help="the CTest version: 2 rounds of 10 s, fewer clients")
    ap.add_argument("--clients", type=int, help="API clients per round, half of them streaming (16; --short 8)")
    ap.add_argument("--slow", type=int, help="slow senders and slow readers per round, half each (24; --short 12)")
    ap.add_argument("--seconds", type=float, help="length of a round (30; --short 10)")
    args = ap.parse_args()
    for name, full, short in (("clients", 16, 8), ("slow", 24, 12), ("seconds", 30, 10)):
        if getattr(args, name) is None:
            setattr(args, name, short if args.short else full)
    srv = subprocess.Popen([args.cli, "serve", "--model", args.model, "--device", "cpu", "--host", "127.0.0.1", "--port", "0",
                            "--parallel", "4", "--model-name", "tiny", "--api-key", KEY], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    t_begin = time.time()
    p50 = p99 = worst = 0.0
    latencies, failures, rounds, max_rss, total = [], [], [], 0, 0
    try:
        line = srv.stdout.readline()
        port = int(line.split("http://127.0.0.1:")[1].split("/")[0])
        base = f"http://127.0.0.1:{port}"
        print(f"server on {base}; client: {'openai ' + openai.__version__ if HAVE_OPENAI else 'httpx ' + httpx.__version__ + ' (openai not installed)'}")
        warm = Tally()
        api_client(base, warm, time.time() + 1, 0, False)  # torch's thread pools start with the first request
        idle = proc_status(srv.pid)
        for rnd in range(2):
            tally, deadline, stop = Tally(), time.time() + args.seconds, threading.Event()
            mon = threading.Thread(target=monitor, args=(port, stop, latencies, failures))
            mon.start()
            workers = [threading.Thread(target=api_client, args=(base, tally, deadline, i, i % 2 == 1)) for i in range(args.clients)]
            workers += [threading.Thread(target=slow_sender if i % 2 else slow_reader, args=(port, tally, deadline)) for i in range(args.slow)]
            for w in workers:
                w.start()
            while any(w.is_alive() for w in workers) and time.time() < deadline + 40:
                max_rss = max(max_rss, proc_status(srv.pid)["VmRSS"])
                time.sleep(0.2)
            hung = sum(w.is_alive() for w in workers)
            stop.set()
            mon.join()
            after = settle(srv.pid, idle["Threads"])
            rounds.append(after)
            total += tally.started
            print(f"round {rnd + 1}: {tally.started} requests, {tally.ended} ended, outcomes {dict(sorted(tally.outcomes.items()))}; "
                  f"threads {after['Threads']} (idle {idle['Threads']}), RSS {after['VmRSS'] // 1024} MB", flush=True)
            check(hung == 0 and tally.started == tally.ended, f"round {rnd + 1}: every request ended ({tally.ended}/{tally.started}, {hung} clients stuck)")
            check(tally.outcomes.get("ok", 0) > 0, f"round {rnd + 1}: API requests were answered ({tally.outcomes.get('ok', 0)})")
            bad = {k: v for k, v in tally.outcomes.items() if k.startswith("error") or k in ("stream without [DONE]", "slow sender unanswered")}
            check(not bad, f"round {rnd + 1}: no request ended in a broken connection or hang ({bad})")
            check(after["Threads"] <= idle["Threads"], f"round {rnd + 1}: threads back to idle ({after['Threads']} <= {idle['Threads']})")
        lat = sorted(latencies)
        p50, p99, worst = (lat[len(lat) // 2], lat[min(len(lat) - 1, int(len(lat) * 0.99))], lat[-1]) if lat else (0, 0, 0)
        check(not failures and worst < 1.0, f"/health answered every time in < 1 s ({len(lat)} probes, {len(failures)} failed, worst {worst * 1000:.0f} ms)")
        growth = (rounds[1]["VmRSS"] - rounds[0]["VmRSS"]) // 1024
        check(growth < 48, f"RSS does not grow from round 1 to round 2 ({growth:+d} MB)")
    finally:
        code, seconds = terminate(srv, 20)
    check(code == 0, f"SIGTERM exits 0 ({code}, {seconds:.1f} s)")
    figures = {"requests": total, "health_probes": len(latencies), "health_p50_ms": round(p50 * 1000, 1),
               "health_p99_ms": round(p99 * 1000, 1), "health_max_ms": round(worst * 1000, 1), "max_rss_mb": max_rss // 1024,
               "seconds": round(time.time() - t_begin, 1), "failed_checks": len(FAILS)}
    print(f"health latency p50 {figures['health_p50_ms']} ms, p99 {figures['health_p99_ms']} ms, max {figures['health_max_ms']} ms; "
          f"max RSS {figures['max_rss_mb']} MB; {figures['seconds']} s")
    print(json.dumps(figures))
    return 1 if FAILS else 0


if __name__ == "__main__":
    sys.exit(main())
