#!/usr/bin/env python3
"""A deliberately broken OpenAI-compatible server for the remote backend's robustness cases
(check_remote.py). GET /v1/models lists every behaviour; POST /v1/chat/completions behaves as the
requested model says:
  deep      a JSON answer nested 100,000 deep          huge      one 10 MB event-stream line
  endless   a stream that never ends                   reset     a few deltas, then a TCP reset
  badutf8   a stream whose text is not UTF-8           key       401 with an OpenAI error
  busy      503 + Retry-After: 1 twice, then a good answer (counts the attempts)
  bigbody   a 70 MB body (over the client's cap)       garbage   a 200 body that is not JSON
  slow      an approving moderation verdict after 0.3 s, counting the requests in flight at once
Usage: hostile_server.py PORT_FILE   (binds 127.0.0.1:0, writes the port to PORT_FILE)."""
import json
import socket
import struct
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MODELS = ["deep", "huge", "endless", "reset", "badutf8", "key", "busy", "bigbody", "garbage", "slow"]
ATTEMPTS = {}
IN_FLIGHT = {"now": 0, "max": 0}
LOCK = threading.Lock()


def chunk(delta, finish=None):
    return b"data: " + json.dumps({"choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}).encode() + b"\n\n"


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def send(self, status, body, ctype="application/json", extra=()):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in extra:
            self.send_header(k, v)
        self.end_headers()
        try:
            self.wfile.write(body)
        except OSError:  # the client gave up (over its cap): expected
            pass

    def stream_head(self):
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Connection", "close")
        self.end_headers()

    def do_GET(self):
        if self.path == "/v1/models":
            return self.send(200, json.dumps({"object": "list", "data": [{"id": m} for m in MODELS]}).encode())
        if self.path == "/attempts":
            with LOCK:
                return self.send(200, json.dumps(dict(ATTEMPTS, max_in_flight=IN_FLIGHT["max"])).encode())
        self.send(404, b"{}")

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))))
        mode = body.get("model")
        with LOCK:
            ATTEMPTS[mode] = ATTEMPTS.get(mode, 0) + 1
            attempt = ATTEMPTS[mode]
        stream = body.get("stream", False)
        if mode == "deep":
            deep = "[" * 100000 + "]" * 100000
            if stream:
                self.stream_head()
                self.wfile.write(b"data: " + deep.encode() + b"\n\n")
                return
            return self.send(200, ('{"choices":[{"message":{"content":' + deep + "}}]}").encode())
        if mode == "huge":
            self.stream_head()
            self.wfile.write(b"data: " + b"x" * (10 << 20) + b"\n\n")
            return
        if mode == "endless":
            self.stream_head()
            try:
                while True:
                    self.wfile.write(chunk({"content": "a"}))
                    self.wfile.flush()
                    time.sleep(0.01)
            except OSError:
                return
        if mode == "reset":
            self.stream_head()
            self.wfile.write(chunk({"role": "assistant", "content": ""}) + chunk({"content": "partial "}) + chunk({"content": "answer"}))
            self.wfile.flush()
            time.sleep(0.2)
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
            return
        if mode == "badutf8":
            self.stream_head()
            self.wfile.write(b'data: {"choices":[{"index":0,"delta":{"content":"ok \xff\xfe bad"},"finish_reason":null}]}\n\n')
            self.wfile.write(chunk({}, "stop") + b"data: [DONE]\n\n")
            return
        if mode == "key":
            return self.send(401, json.dumps({"error": {"message": "Invalid API key", "type": "invalid_request_error"}}).encode())
        if mode == "busy" and attempt <= 2:
            return self.send(503, b'{"error":{"message":"overloaded"}}', extra=[("Retry-After", "1")])
        if mode == "bigbody":
            return self.send(200, b'{"choices":[{"message":{"content":"' + b"y" * (70 << 20) + b'"}}]}')
        if mode == "garbage":
            return self.send(200, b"<html>this is not json</html>")
        if mode == "slow":
            with LOCK:
                IN_FLIGHT["now"] += 1
                IN_FLIGHT["max"] = max(IN_FLIGHT["max"], IN_FLIGHT["now"])
            time.sleep(0.3)
            with LOCK:
                IN_FLIGHT["now"] -= 1
            verdict = json.dumps({"verdict": "approve", "reasons": [], "categories": []})
            return self.send(200, json.dumps({"choices": [{"index": 0, "message": {"role": "assistant", "content": verdict},
                                                           "finish_reason": "stop"}],
                                              "usage": {"prompt_tokens": 9, "completion_tokens": 5}}).encode())
        answer = {"choices": [{"index": 0, "message": {"role": "assistant", "content": "fine"}, "finish_reason": "stop"}],
                  "usage": {"prompt_tokens": 3, "completion_tokens": 1}}
        if stream:
            self.stream_head()
            self.wfile.write(chunk({"content": "fine"}) + chunk({}, "stop") + b"data: [DONE]\n\n")
            return
        self.send(200, json.dumps(answer).encode())


def main():
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    with open(sys.argv[1] + ".tmp", "w") as f:
        f.write(str(srv.server_address[1]))
    import os
    os.rename(sys.argv[1] + ".tmp", sys.argv[1])
    srv.serve_forever()


if __name__ == "__main__":
    main()
