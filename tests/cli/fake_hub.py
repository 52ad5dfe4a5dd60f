#!/usr/bin/env python3
"""A small model hub on loopback with Hugging Face's and ModelScope's URL layouts, for testing
`sightline-cli models pull` against a real HTTP server (tests/cli/check_models.py).

    fake_hub.py --repo owner/name=DIR [--repo ...] [--port 0] [--page-size N] [--rate BYTES_PER_S]

prints "listening on http://127.0.0.1:PORT" and serves, for each repository (revision main; master on
the ModelScope routes; any other revision is a 404):

  GET /api/models/OWNER/NAME/tree/REV         the file listing: type, oid (git blob sha1), size, path,
                                              lfs {oid sha256, size} for *.safetensors; paginated with
                                              a Link: <…>; rel="next" header when --page-size is set
  GET /OWNER/NAME/resolve/REV/FILE            small files: 200 with ETag "<git sha1>"; LFS files: 302 to
                                              /cdn/… with X-Linked-Etag "<sha256>" and X-Linked-Size
  GET /cdn/OWNER/NAME/FILE                    the bytes, ETag "<sha256>", Range (206 / 416)
  GET /api/v1/models/OWNER/NAME/repo/files    ModelScope's listing {"Code":200,"Data":{"Files":[…]}}
  GET /api/v1/models/OWNER/NAME/repo?FilePath=F   ModelScope's file download (Range)

Faults are set with POST /_control (JSON, merged into the current settings; {"reset": true} clears):
  {"cut": {"FILE": N}}         the next transfer of FILE stops after N body bytes (connection closed)
  {"corrupt": ["FILE"]}        FILE is served with one byte changed (its listing stays right)
  {"status": {"FILE": [code, count]}}  the next `count` requests for FILE (or "tree") answer `code`
  {"rate": BYTES_PER_S}        file bodies are sent at this rate
  {"token": "T"}               every request needs "Authorization: Bearer T" (else 401)
  {"gated": true}              403 for file downloads
  {"ignore_range": true}       Range headers are ignored (200 with the whole file)
  {"duplicate": true}          the listing names config.json twice
  {"extra": {"FILE": N}}       FILE is served with N bytes more than its listing says
  {"wrong_range": true}        a Range request gets 206 with the whole file (Content-Range from byte 0)
  {"listed_size": {"FILE": N}} the listing says FILE has N bytes (a model too big for the disk)
GET /_stats gives {"requests": [{"path", "range", "status", "auth", "file", "start"}], "sent": {"FILE": bytes}}.
"""
import argparse
import hashlib
import json
import os
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOCK = threading.RLock()
STATE = {}
STATS = {"requests": [], "sent": {}}
REPOS = {}
PAGE_SIZE = 0


def reset_state():
    STATE.clear()
    STATE.update({"cut": {}, "corrupt": [], "status": {}, "rate": 0, "token": None, "gated": False, "ignore_range": False,
                  "duplicate": False, "extra": {}, "wrong_range": False, "listed_size": {}})


def load_repo(folder):
    files = {}
    for name in sorted(os.listdir(folder)):
        p = os.path.join(folder, name)
        if not os.path.isfile(p):
            continue
        data = open(p, "rb").read()
        files[name] = {
            "path": p,
            "size": len(data),
            "sha256": hashlib.sha256(data).hexdigest(),
            "git": hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest(),
            "lfs": name.endswith(".safetensors"),
        }
    return files


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def record(self, status, extra=None):
        with LOCK:
            e = {"path": self.path, "range": self.headers.get("Range"), "status": status,
                 "auth": self.headers.get("Authorization")}
            if extra:
                e.update(extra)
            STATS["requests"].append(e)
        return e

    def send_json(self, obj, status=200, headers=None):
        body = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)
        self.record(status)

    def fault_status(self, key):
        with LOCK:
            s = STATE["status"].get(key)
            if s and s[1] > 0:
                s[1] -= 1
                return s[0]
        return None

    def authorised(self):
        tok = STATE["token"]
        if tok and self.headers.get("Authorization") != f"Bearer {tok}":
            self.send_json({"error": "Invalid credentials"}, 401)
            return False
        return True

    def do_HEAD(self):
        self.do_GET(head=True)

    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        body = json.loads(self.rfile.read(n) or b"{}")
        if self.path == "/_control":
            with LOCK:
                if body.get("reset"):
                    reset_state()
                    STATS["requests"].clear()
                    STATS["sent"].clear()
                for k, v in body.items():
                    if k == "reset":
                        continue
                    if isinstance(v, dict) and isinstance(STATE.get(k), dict):
                        STATE[k].update(v)
                    else:
                        STATE[k] = v
            self.send_json({"ok": True})
            return
        self.send_json({"error": "not found"}, 404)

    def do_GET(self, head=False):
        u = urllib.parse.urlsplit(self.path)
        q = urllib.parse.parse_qs(u.query)
        parts = [urllib.parse.unquote(p) for p in u.path.split("/") if p]
        if u.path == "/_stats":
            with LOCK:
                snapshot = json.loads(json.dumps(STATS))
            self.send_json(snapshot)
            return
        if not self.authorised():
            return
        # Hugging Face listing
        if len(parts) == 6 and parts[:2] == ["api", "models"] and parts[4] == "tree":
            repo, rev = parts[2] + "/" + parts[3], parts[5]
            code = self.fault_status("tree")
            if code:
                self.send_json({"error": f"fault {code}"}, code)
                return
            if repo not in REPOS or rev != "main":
                self.send_json({"error": "Repository not found"}, 404)
                return
            entries = []
            for name, f in REPOS[repo].items():
                size = STATE["listed_size"].get(name, f["size"])
                e = {"type": "file", "oid": f["git"], "size": size, "path": name}
                if f["lfs"]:
                    e["oid"] = hashlib.sha1(name.encode()).hexdigest()  # the pointer file's blob id
                    e["lfs"] = {"oid": f["sha256"], "size": size, "pointerSize": 134}
                entries.append(e)
            entries.append({"type": "directory", "oid": "0" * 40, "size": 0, "path": "assets"})
            if STATE["duplicate"]:
                entries += [e for e in entries if e["path"] == "config.json"]
            headers = {}
            if PAGE_SIZE:
                start = int(q.get("cursor", ["0"])[0])
                page = entries[start:start + PAGE_SIZE]
                if start + PAGE_SIZE < len(entries):
                    host = self.headers.get("Host")
                    headers["Link"] = f'<http://{host}{u.path}?cursor={start + PAGE_SIZE}>; rel="next"'
                entries = page
            self.send_json(entries, 200, headers)
            return
        # Hugging Face resolve
        if len(parts) >= 5 and parts[2] == "resolve":
            repo, rev, name = parts[0] + "/" + parts[1], parts[3], "/".join(parts[4:])
            code = self.fault_status(name)
            if code:
                self.send_json({"error": f"fault {code}"}, code, {"Retry-After": "0"} if code == 429 else None)
                return
            if repo not in REPOS or rev != "main" or name not in REPOS[repo]:
                self.send_json({"error": "Entry not found"}, 404)
                return
            if STATE["gated"]:
                self.send_json({"error": "Access to model is restricted"}, 403)
                return
            f = REPOS[repo][name]
            if f["lfs"]:
                self.send_response(302)
                self.send_header("Location", f"/cdn/{repo}/{urllib.parse.quote(name)}")
                self.send_header("X-Linked-Etag", '"%s"' % f["sha256"])
                self.send_header("X-Linked-Size", str(f["size"]))
                self.send_header("ETag", '"%s"' % f["git"])
                self.send_header("Content-Length", "0")
                self.end_headers()
                self.record(302)
                return
            self.send_file(name, f, head, '"%s"' % f["git"])
            return
        if len(parts) >= 4 and parts[0] == "cdn":
            repo, name = parts[1] + "/" + parts[2], "/".join(parts[3:])
            if repo not in REPOS or name not in REPOS[repo]:
                self.send_json({"error": "not found"}, 404)
                return
            f = REPOS[repo][name]
            self.send_file(name, f, head, '"%s"' % f["sha256"])
            return
        # ModelScope
        if len(parts) >= 6 and parts[:3] == ["api", "v1", "models"] and parts[5] == "repo":
            repo = parts[3] + "/" + parts[4]
            rev = q.get("Revision", ["master"])[0]
            if repo not in REPOS or rev != "master":
                self.send_json({"Code": 404, "Message": "not found"}, 404)
                return
            if len(parts) == 7 and parts[6] == "files":
                files = [{"Name": n, "Path": n, "Type": "blob", "Size": f["size"], "Sha256": f["sha256"]}
                         for n, f in REPOS[repo].items()]
                files.append({"Name": "assets", "Path": "assets", "Type": "tree", "Size": 0, "Sha256": ""})
                self.send_json({"Code": 200, "Data": {"Files": files}})
                return
            name = q.get("FilePath", [""])[0]
            code = self.fault_status(name)
            if code:
                self.send_json({"Code": code}, code)
                return
            if name not in REPOS[repo]:
                self.send_json({"Code": 404, "Message": "file not found"}, 404)
                return
            f = REPOS[repo][name]
            self.send_file(name, f, head, '"%s"' % f["sha256"])
            return
        self.send_json({"error": "not found"}, 404)

    def send_file(self, name, f, head, etag):
        data = open(f["path"], "rb").read()
        if name in STATE["corrupt"]:
            b = bytearray(data)
            b[len(b) // 2] ^= 0x5A
            data = bytes(b)
        data += b"X" * STATE["extra"].get(name, 0)
        start, status = 0, 200
        rng = self.headers.get("Range")
        if rng and not STATE["ignore_range"]:
            try:
                start = int(rng.split("=")[1].split("-")[0])
            except (IndexError, ValueError):
                start = 0
            if start >= len(data):
                self.send_response(416)
                self.send_header("Content-Range", f"bytes */{len(data)}")
                self.send_header("Content-Length", "0")
                self.end_headers()
                self.record(416)
                return
            status = 206
            if STATE["wrong_range"]:
                start = 0
        body = data[start:]
        self.send_response(status)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("ETag", etag)
        self.send_header("Accept-Ranges", "bytes")
        if status == 206:
            self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        self.end_headers()
        entry = self.record(status, {"file": name, "start": start, "sent": 0})
        if head:
            return
        with LOCK:
            cut = STATE["cut"].pop(name, None)
            rate = STATE["rate"]
        limit = len(body) if cut is None else min(cut, len(body))
        sent, chunk = 0, 16384
        try:
            while sent < limit:
                n = min(chunk, limit - sent)
                if rate:
                    n = min(n, max(1, rate // 20))
                self.wfile.write(body[sent:sent + n])
                self.wfile.flush()
                sent += n
                with LOCK:  # a transfer still running after a reset counts in its own (dropped) entry only
                    entry["sent"] += n
                    if any(r is entry for r in STATS["requests"]):
                        STATS["sent"][name] = STATS["sent"].get(name, 0) + n
                if rate:
                    time.sleep(n / rate)
        except (BrokenPipeError, ConnectionResetError):
            return
        if cut is not None:
            self.close_connection = True
            try:
                self.connection.shutdown(2)
            except OSError:
                pass


def main():
    global PAGE_SIZE
    ap = argparse.ArgumentParser()
    ap.add_argument("--repo", action="append", required=True, help="owner/name=DIR")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--page-size", type=int, default=0)
    ap.add_argument("--rate", type=int, default=0, help="file bodies at this many bytes/s (a slow hub)")
    a = ap.parse_args()
    PAGE_SIZE = a.page_size
    for spec in a.repo:
        repo, folder = spec.split("=", 1)
        REPOS[repo] = load_repo(folder)
    reset_state()
    STATE["rate"] = a.rate
    srv = ThreadingHTTPServer(("127.0.0.1", a.port), Handler)
    srv.daemon_threads = True
    print(f"listening on http://127.0.0.1:{srv.server_address[1]}", flush=True)
    srv.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
