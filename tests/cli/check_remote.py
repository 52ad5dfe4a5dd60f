#!/usr/bin/env python3
"""The remote backend (--remote) against a real `sightline-cli serve` on loopback, no mock:
- ask --remote gives the local engine's greedy tokens and text (plain and streamed), also through a
  second serve acting as a gateway (serve --remote);
- a wrong key is a clear error (serve enforces SIGHTLINE_API_KEY);
- a remote moderation run whose server is killed mid-queue: stopped with items pending, then a
  rerun after the restart completes; killed and restarted within the retries: one run completes;
  each item has exactly one model verdict in the audit log, which verifies;
- moderate-batch export -> every body sent to serve with the openai client (run-batch simulated)
  -> import gives the verdicts a local run gives; unknown and repeated custom_ids are reported;
- a hostile server (tests/cli/hostile_server.py): deep JSON, a 10 MB line, an endless stream with a
  short timeout, a reset mid-stream, a body over the cap, non-JSON, non-UTF-8, 401, 503 + Retry-After:
  each request fails (or succeeds) cleanly, with a clear message, in bounded time.
Usage: check_remote.py --cli sightline-cli --fixtures DIR --demo-model DIR"""
import argparse
import csv
import json
import os
import random
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

FAILS = []
KEY = "sk-remote-test-" + "%08x" % random.getrandbits(32)
HERE = os.path.dirname(os.path.abspath(__file__))


def check(cond, what):
    print(("PASS " if cond else "FAIL ") + what, flush=True)
    if not cond:
        FAILS.append(what)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def start_serve(cli, args, port, env_extra=None):
    env = dict(os.environ, SIGHTLINE_API_KEY=KEY, **(env_extra or {}))
    log = tempfile.NamedTemporaryFile(prefix="sightline-remote-serve-", suffix=".log", delete=False)
    p = subprocess.Popen([cli, "serve", "--port", str(port)] + args, stdout=subprocess.PIPE, stderr=log, text=True, env=env)
    seen = ""
    for _ in range(50):  # serve may print other lines first (where its key is stored)
        line = p.stdout.readline()
        seen += line
        if "listening" in line or not line:
            break
    if "listening" not in seen:
        p.kill()
        p.wait()
        raise RuntimeError("serve did not start: " + seen + open(log.name, errors="replace").read())
    threading.Thread(target=p.stdout.read, daemon=True).start()  # keep the pipe drained
    return p


def stop(p, sig=signal.SIGTERM):
    if p.poll() is None:
        p.send_signal(sig)
        try:
            p.wait(timeout=20)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def run(cmd, timeout=300, env_extra=None):
    env = dict(os.environ, **(env_extra or {}))
    t0 = time.time()
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env, errors="replace")
    return r.returncode, r.stdout, r.stderr, time.time() - t0


def ask_parity(cli, fixtures, base, label):
    model = os.path.join(fixtures, "model")
    images = os.path.join(fixtures, "cases", "images")
    for img, q in [("img_300x200.png", "What is in this image?"), ("img_20x300.png", "Describe it.")]:
        common = ["--image", os.path.join(images, img), "--temperature", "0", "--max-new-tokens", "16", q]
        rc1, out1, err1, _ = run([cli, "ask", "--model", model, "--json"] + common)
        rc2, out2, err2, _ = run([cli, "ask", "--remote", base, "--api-key", KEY, "--json"] + common)
        if rc1 != 0 or rc2 != 0:
            check(False, f"{label}: ask runs ({err1.strip()[-200:]} | {err2.strip()[-200:]})")
            continue
        local, remote = json.loads(out1), json.loads(out2)
        if label == "gateway":
            # The gateway streams from its upstream (sightline serve sends no ids in a stream): the count.
            check(remote["stats"]["generated_tokens"] == len(local["output_ids"]) > 0,
                  f"{label}: {img}: as many tokens as local ({len(local['output_ids'])})")
        else:
            check(local["output_ids"] == remote["output_ids"] and len(local["output_ids"]) > 0,
                  f"{label}: {img}: the same greedy token ids as local ({len(local['output_ids'])} tokens)")
        # The API returns the answer with leading blanks dropped (splitThinking): compare that.
        check(local["text"].lstrip() == remote["text"], f"{label}: {img}: the same text as local")
        check(remote["stats"]["device"].startswith("remote: ") and remote["stats"]["total_ms"] > 0,
              f"{label}: stats measured client-side and the backend named ({remote['stats']['device']})")
        rc3, out3, err3, _ = run([cli, "ask", "--remote", base, "--remote-api-key", KEY] + common)
        check(rc3 == 0 and out3.strip() == remote["text"].strip() and "ttft" in err3,
              f"{label}: {img}: streamed ask prints the same text, with its TTFT line")


def make_queue(work, n, seed):
    sys.path.insert(0, os.path.join(HERE, "..", "..", "tools"))
    from demo import listings  # noqa: E402
    rng = random.Random(seed)
    listings.write_queue(work, [listings.make_listing(rng) for _ in range(n)])
    return os.path.join(work, "queue.csv")


def db_state(db):
    con = sqlite3.connect(db)
    items = {r[0]: (r[1], r[2], r[3]) for r in con.execute("SELECT id, status, verdict, raw FROM items")}
    verdicts = {}
    for (rec,) in con.execute("SELECT record FROM audit"):
        j = json.loads(rec)
        if j.get("event") == "model_verdict":
            verdicts[j["item_id"]] = verdicts.get(j["item_id"], 0) + 1
    con.close()
    return items, verdicts


def moderation_resume(cli, demo, work):
    queue = make_queue(os.path.join(work, "q1"), 12, 7)
    port = free_port()
    base = f"http://127.0.0.1:{port}/v1"
    srv = start_serve(cli, ["--model", demo, "--parallel", "2"], port)
    db = os.path.join(work, "resume.sqlite3")
    env = {"SIGHTLINE_AUDIT_KEY": os.path.join(work, "audit.key"), "SIGHTLINE_REMOTE_API_KEY": KEY}
    cmd = [cli, "moderate", "--remote", base, "--input", queue, "--db", db, "--json", "--remote-retries", "2",
           "--remote-concurrency", "2"]
    mod = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=dict(os.environ, **env))
    judged_before = 0
    while judged_before < 3:
        line = mod.stdout.readline()
        if not line:
            break
        judged_before += 1
    srv.kill()  # the server dies mid-queue (SIGKILL: nothing is finished politely)
    srv.wait()
    try:
        out, err = mod.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        mod.kill()
        out, err = mod.communicate()
    items, verdicts = db_state(db)
    pending = [i for i, (st, _, _) in items.items() if st == "pending"]
    check(mod.returncode == 1 and "unavailable" in err and "rerun" in err,
          f"server killed mid-queue: the run stops with a clear message (exit {mod.returncode}): {err.strip().splitlines()[-1][:200]}")
    check(len(pending) > 0 and all(st != "error" for st, _, _ in items.values()),
          f"server killed: {len(pending)} items stay pending, none marked as an error")
    srv = start_serve(cli, ["--model", demo, "--parallel", "2"], port)
    rc, out, err, _ = run(cmd, env_extra=env)
    items, verdicts = db_state(db)
    check(rc == 0 and all(st != "pending" for st, _, _ in items.values()), f"the rerun after the restart completes (exit {rc})")
    check(sorted(verdicts.values()) == [1] * len(items) and len(verdicts) == len(items),
          f"each of the {len(items)} items has exactly one model verdict in the audit log")
    rc, out, err, _ = run([cli, "audit", "verify", db], env_extra=env)
    check(rc == 0, "the audit log verifies: " + out.strip())
    judged_local = items

    # Killed and restarted while the requests retry: the same run completes.
    db2 = os.path.join(work, "resume2.sqlite3")
    cmd2 = [cli, "moderate", "--remote", base, "--input", queue, "--db", db2, "--json", "--remote-retries", "8",
            "--remote-concurrency", "2"]
    mod = subprocess.Popen(cmd2, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=dict(os.environ, **env))
    for _ in range(3):
        mod.stdout.readline()
    srv.kill()
    srv.wait()
    time.sleep(1.0)
    srv = start_serve(cli, ["--model", demo, "--parallel", "2"], port)
    try:
        out, err = mod.communicate(timeout=180)
    except subprocess.TimeoutExpired:
        mod.kill()
        out, err = mod.communicate()
    items2, verdicts2 = db_state(db2)
    check(mod.returncode == 0 and all(st != "pending" for st, _, _ in items2.values()),
          f"killed and restarted within the retries: one run completes (exit {mod.returncode})")
    check(sorted(verdicts2.values()) == [1] * len(items2), "... each item judged exactly once")
    check({k: v[:2] for k, v in items2.items()} == {k: v[:2] for k, v in judged_local.items()},
          "... with the same verdicts as the run that was stopped and rerun")
    return srv, port, queue, env, judged_local


def batch_round_trip(cli, demo, work, port, queue, env, reference):
    from openai import OpenAI
    db = os.path.join(work, "batch.sqlite3")
    batch = os.path.join(work, "batch.jsonl")
    rc, _, err, _ = run([cli, "moderate-batch", "export", "--db", db, "--input", queue, "--out", batch, "--model", "demo-model"],
                        env_extra=env)
    lines = [json.loads(x) for x in open(batch)]
    check(rc == 0 and len(lines) == len(reference), f"export: one request line per pending item ({len(lines)}): {err.strip()}")
    ok_shape = all(set(x) == {"custom_id", "method", "url", "body"} and x["method"] == "POST" and x["url"] == "/v1/chat/completions"
                   and x["body"]["messages"][1]["content"][0]["image_url"]["url"].startswith("data:image/png;base64,") for x in lines)
    check(ok_shape, "export: OpenAI Batch lines, the image as a data: URI")
    client = OpenAI(base_url=f"http://127.0.0.1:{port}/v1", api_key=KEY)
    known = {"model", "messages", "max_tokens", "temperature", "top_p", "seed", "logprobs", "top_logprobs", "stream"}
    out_lines = []
    for i, x in enumerate(lines):
        body = dict(x["body"])
        extra = {k: body.pop(k) for k in list(body) if k not in known}
        resp = client.chat.completions.create(**body, extra_body=extra)
        out_lines.append({"id": f"batch_req_{i}", "custom_id": x["custom_id"],
                          "response": {"status_code": 200, "request_id": resp.id, "body": resp.model_dump()}, "error": None})
    out_lines.append(dict(out_lines[0]))  # the same custom_id twice
    out_lines.append({"id": "batch_req_x", "custom_id": "no-such-item", "response": {"status_code": 200, "body": {}}, "error": None})
    results = os.path.join(work, "results.jsonl")
    with open(results, "w") as f:
        for x in out_lines:
            f.write(json.dumps(x) + "\n")
        f.write("{not json\n")
    rc, _, err, _ = run([cli, "moderate-batch", "import", "--db", db, "--in", results, "--manifest", batch + ".manifest.json"],
                        env_extra=env)
    items, verdicts = db_state(db)
    check("unknown custom_id no-such-item" in err and "judged already" in err and "line " in err,
          "import reports the unknown id, the repeated one and the malformed line")
    same = {k: v[:2] for k, v in items.items()} == {k: v[:2] for k, v in reference.items()}
    check(same and all(st != "pending" for st, _, _ in items.values()),
          f"import: the batch's verdicts equal the remote run's ({sum(1 for v in items.values() if v[0] == 'judged')} judged)")
    check(sorted(verdicts.values()) == [1] * len(items), "import: each item has exactly one model verdict audit record")
    rc, _, err, _ = run([cli, "moderate-batch", "import", "--db", db, "--in", results, "--manifest", batch + ".manifest.json"],
                        env_extra=env)
    items2, verdicts2 = db_state(db)
    check(verdicts2 == verdicts and "judged already" in err, "importing the same results again judges nothing twice")
    rc, out, _, _ = run([cli, "audit", "verify", db], env_extra=env)
    check(rc == 0, "the batch database's audit log verifies")


def bench_remote(bench, base):
    out = os.path.join(tempfile.mkdtemp(prefix="sightline-remote-bench-"), "report.json")
    rc, text, err, _ = run([bench, "--remote", base, "--api-key", KEY, "--image-size", "300x200", "--max-new-tokens", "8", "--warmup", "1",
                            "-n", "2", "-r", "1", "--concurrency", "2", "--ignore-eos", "--json", out])
    ok = rc == 0 and os.path.exists(out)
    r = json.load(open(out)) if ok else {}
    check(ok and r["settings"]["backend"].startswith("remote: ") and r["ms"]["ttft"]["median"] > 0 and r["settings"]["generated_tokens"] == 8
          and r["concurrency"]["requests"] == 2 and "remote: " in text.splitlines()[0],
          "sightline-bench --remote: the local bench's report, the backend named, client-side TTFT: " + (text.splitlines()[0] if text else err[-200:]))


def wrong_key(cli, port):
    req = urllib.request.Request(f"http://127.0.0.1:{port}/v1/models", headers={"Authorization": "Bearer wrong"})
    try:
        urllib.request.urlopen(req, timeout=10)
        check(False, "wrong key: serve answered GET /v1/models without the key SIGHTLINE_API_KEY names")
        return
    except urllib.error.HTTPError as e:
        if e.code != 401:
            check(False, f"wrong key: GET /v1/models answered {e.code}")
            return
    rc, _, err, _ = run([cli, "ask", "--remote", f"http://127.0.0.1:{port}/v1", "--api-key", "wrong", "hello"])
    check(rc == 2 and "refused the API key" in err, "a wrong key to serve: " + err.strip()[-160:])


def hostile(cli, work):
    portfile = os.path.join(work, "hostile.port")
    srv = subprocess.Popen([sys.executable, os.path.join(HERE, "hostile_server.py"), portfile])
    for _ in range(100):
        if os.path.exists(portfile):
            break
        time.sleep(0.05)
    base = f"http://127.0.0.1:{open(portfile).read()}/v1"
    cases = [  # model, streamed, extra args, expected exit, expected message, time limit (s)
        ("deep", False, [], 1, "not valid JSON", 30),
        ("deep", True, [], 1, "not valid JSON", 30),
        ("huge", True, [], 1, "longer than 4 MiB", 30),
        ("endless", True, ["--remote-timeout", "2"], 1, "did not finish within 2 s", 15),
        ("reset", True, [], 1, "broke during the answer", 30),
        ("bigbody", False, [], 1, "over 64 MiB", 60),
        ("garbage", False, [], 1, "not valid JSON", 30),
        ("key", False, [], 2, "refused the API key", 30),
        ("badutf8", True, [], 0, "", 30),
        ("busy", False, [], 0, "", 30),
    ]
    try:
        for model, streamed, extra, want_rc, want_msg, limit in cases:
            cmd = [cli, "ask", "--remote", base, "--remote-model", model, "--remote-retries", "3"] + extra + ["hello"]
            if not streamed:
                cmd.insert(2, "--json")
            rc, out, err, took = run(cmd, timeout=limit + 30)
            what = f"hostile {model}{' (streamed)' if streamed else ''}: exit {rc} in {took:.1f} s: {err.strip().splitlines()[-1][:160] if err.strip() else ''}"
            check(rc == want_rc and want_msg in err and took < limit, what)
            if model == "badutf8":
                check("\ufffd" in out and "ok" in out, "hostile badutf8: ill-formed bytes arrive as U+FFFD")
        # Ctrl+C (the cancel flag) aborts a transfer in flight: the endless stream ends within a second or two.
        p = subprocess.Popen([cli, "ask", "--remote", base, "--remote-model", "endless", "hello"], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, errors="replace")
        time.sleep(1.5)
        t0 = time.time()
        p.send_signal(signal.SIGINT)
        try:
            out, err = p.communicate(timeout=10)
            took = time.time() - t0
        except subprocess.TimeoutExpired:
            p.kill()
            out, err = p.communicate()
            took = 99
        check(took < 3 and p.returncode == 0 and out.startswith("aaa") and "[cancelled]" in err,
              f"Ctrl+C cancels a streaming remote request in {took:.1f} s, keeping what arrived (exit {p.returncode})")
        # Bounded concurrency: 8 items, 8 in flight for the run, 2 connections: the server never sees more than 2.
        queue = make_queue(os.path.join(work, "qslow"), 8, 3)
        db = os.path.join(work, "slow.sqlite3")
        rc, _, err, took = run([cli, "moderate", "--remote", base, "--remote-model", "slow", "--remote-concurrency", "2", "--parallel", "8",
                                "--input", queue, "--db", db], env_extra={"SIGHTLINE_AUDIT_KEY": os.path.join(work, "audit.key")})
        items, verdicts = db_state(db)
        attempts = json.loads(urllib.request.urlopen(base.replace("/v1", "") + "/attempts").read())
        check(rc == 0 and len(items) == 8 and all(st == "judged" and v == "approve" for st, v, _ in items.values()),
              f"a remote moderation run over 8 items: all judged ({err.strip().splitlines()[-1] if err.strip() else ''})")
        check(attempts.get("max_in_flight") == 2 and attempts.get("slow") == 8,
              f"--remote-concurrency 2 with 8 items in flight: at most 2 at the server (saw {attempts.get('max_in_flight')})")
        check(attempts.get("busy") == 3, f"503 + Retry-After: retried until it answered (3 attempts, saw {attempts.get('busy')})")
        check(attempts.get("reset") == 1, "a reset after part of the answer is not retried (the answer had begun)")
        check(attempts.get("key") == 1, "a 401 is not retried")
    finally:
        srv.kill()
        srv.wait()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cli", required=True)
    ap.add_argument("--fixtures", required=True)
    ap.add_argument("--demo-model", required=True)
    ap.add_argument("--bench", default="", help="sightline-bench, to check --remote there too")
    ap.add_argument("--only", default="", help="comma-separated: parity,moderation,batch,hostile")
    a = ap.parse_args()
    only = set(a.only.split(",")) if a.only else {"parity", "moderation", "batch", "hostile"}
    work = tempfile.mkdtemp(prefix="sightline-remote-")
    servers = []
    try:
        if "hostile" in only:
            hostile(a.cli, work)
        if "parity" in only:
            port = free_port()
            servers.append(start_serve(a.cli, ["--model", os.path.join(a.fixtures, "model")], port))
            base = f"http://127.0.0.1:{port}/v1"
            ask_parity(a.cli, a.fixtures, base, "serve")
            wrong_key(a.cli, port)
            bench_remote(a.bench, base) if a.bench else None
            gport = free_port()
            servers.append(start_serve(a.cli, ["--remote", base, "--remote-api-key", KEY], gport))
            ask_parity(a.cli, a.fixtures, f"http://127.0.0.1:{gport}/v1", "gateway")
        if only & {"moderation", "batch"}:
            srv, port, queue, env, reference = moderation_resume(a.cli, a.demo_model, work)
            servers.append(srv)
            if "batch" in only:
                batch_round_trip(a.cli, a.demo_model, work, port, queue, env, reference)
    finally:
        for s in servers:
            stop(s)
    if not FAILS:
        shutil.rmtree(work, ignore_errors=True)
    else:
        print("work files kept in " + work)
    print(f"{len(FAILS)} failures" if FAILS else "all remote checks passed")
    return 1 if FAILS else 0


if __name__ == "__main__":
    sys.exit(main())
