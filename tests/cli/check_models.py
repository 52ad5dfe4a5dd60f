#!/usr/bin/env python3
"""`sightline-cli models` against a real HTTP server on loopback with the hub's layout
(tests/cli/fake_hub.py serving the shared fixture checkpoints), HF_ENDPOINT pointing at it:

- pull completes, verifies and loads (the same greedy tokens as the fixture folder); a second pull
  downloads nothing; a paginated listing is followed
- killed (SIGKILL) in the middle of a shard and run again: it resumes with a Range request, the bytes
  already there are not downloaded again, and no file is ever half-written under its final name
- a transfer cut short is retried from where it stopped; 429 and 500 are retried
- a corrupt shard: a named error, the file removed; 401 (names HF_TOKEN), 403 (gated), 404
- a full disk (RLIMIT_FSIZE): a clear error, nothing half-written under a final name
- ModelScope's layout (--source modelscope, MODELSCOPE_ENDPOINT)
- list / import / rm / check (missing tensors named, "does not fit" with suggestions)"""
import argparse
import hashlib
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from checks import FAILS, check, finish  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


class Hub:
    def __init__(self, repos, page_size=0):
        args = [sys.executable, os.path.join(HERE, "fake_hub.py")]
        for r, d in repos.items():
            args += ["--repo", f"{r}={d}"]
        if page_size:
            args += ["--page-size", str(page_size)]
        self.p = subprocess.Popen(args, stdout=subprocess.PIPE, text=True)
        line = self.p.stdout.readline().strip()
        assert line.startswith("listening on "), line
        self.url = line.split()[-1]

    def control(self, **kw):
        req = urllib.request.Request(self.url + "/_control", data=json.dumps(kw).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
        urllib.request.urlopen(req, timeout=10).read()

    def stats(self):
        return json.loads(urllib.request.urlopen(self.url + "/_stats", timeout=10).read())

    def close(self):
        self.p.terminate()
        self.p.wait(timeout=10)


def sha256(path):
    return hashlib.sha256(open(path, "rb").read()).hexdigest()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cli", required=True)
    ap.add_argument("--fixtures", required=True)
    a = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="sightline-models-")
    sharded = os.path.join(a.fixtures, "model-sharded")
    single = os.path.join(a.fixtures, "model")
    hub = Hub({"tiny/glm4v": sharded, "tiny/single": single})
    env = dict(os.environ, HF_ENDPOINT=hub.url, SIGHTLINE_MODELS_DIR=os.path.join(tmp, "models"))
    env.pop("HF_TOKEN", None)
    for k in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        env.pop(k, None)

    def cli(*args, extra_env=None, preexec=None, timeout=300):
        e = dict(env, **(extra_env or {}))
        return subprocess.run([a.cli, *args], capture_output=True, text=True, errors="replace", timeout=timeout, env=e,
                              preexec_fn=preexec)

    shards = sorted(f for f in os.listdir(sharded) if f.endswith(".safetensors"))
    try:
        # 1. A pull that completes, is verified and loads.
        d1 = os.path.join(tmp, "d1")
        r = cli("models", "pull", "tiny/glm4v", "--dir", d1, "--json")
        out = json.loads(r.stdout) if r.returncode == 0 else {}
        check(r.returncode == 0, f"pull completes ({r.stderr.strip()[-300:]})")
        same = all(os.path.exists(os.path.join(d1, f)) and sha256(os.path.join(d1, f)) == sha256(os.path.join(sharded, f))
                   for f in os.listdir(sharded))
        check(same, "every file of the repository arrived byte for byte")
        check(not os.path.exists(os.path.join(d1, ".sightline-download")), "no download folder is left after a complete pull")
        origin = json.load(open(os.path.join(d1, ".sightline-model.json"))) if r.returncode == 0 else {}
        check(origin.get("verified") is True and origin.get("repo") == "tiny/glm4v" and origin.get("source") == "huggingface",
              "the origin record says where it came from, verified")
        check(out.get("check", {}).get("problems") == [] and out.get("downloaded_bytes", 0) > 0, "the pulled checkpoint checks clean")
        q = ["ask", "--temperature", "0", "--max-new-tokens", "12", "--json", "Describe a red square."]
        r1, r2 = cli(*q[:1], "--model", d1, *q[1:]), cli(*q[:1], "--model", sharded, *q[1:])
        check(r1.returncode == 0 and json.loads(r1.stdout)["output_ids"] == json.loads(r2.stdout)["output_ids"],
              "the pulled model answers with the fixture's greedy tokens")
        hub.control(reset=True)
        r = cli("models", "pull", "tiny/glm4v", "--dir", d1, "--json")
        st = hub.stats()
        check(r.returncode == 0 and json.loads(r.stdout)["downloaded_bytes"] == 0 and not st["sent"],
              f"a second pull downloads nothing ({st['sent']})")

        # 2. Killed in the middle of a shard, then resumed.
        d2 = os.path.join(tmp, "d2")
        hub.control(reset=True, rate=60000)
        big = max(shards, key=lambda f: os.path.getsize(os.path.join(sharded, f)))
        size = os.path.getsize(os.path.join(sharded, big))
        p = subprocess.Popen([a.cli, "models", "pull", "tiny/glm4v", "--dir", d2, "--parallel", "2"], env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        part = os.path.join(d2, ".sightline-download", big + ".part")
        deadline = time.time() + 60
        while time.time() < deadline and not (os.path.exists(part) and os.path.getsize(part) > size // 4):
            time.sleep(0.05)
        p.send_signal(signal.SIGKILL)
        p.wait()
        have = os.path.getsize(part) if os.path.exists(part) else 0
        check(0 < have < size, f"killed mid-shard: {have} of {size} bytes in the .part")
        check(not os.path.exists(os.path.join(d2, big)), "nothing under the shard's final name while it was incomplete")
        for f in os.listdir(d2):
            fp = os.path.join(d2, f)
            if os.path.isfile(fp) and f in os.listdir(sharded):
                check(sha256(fp) == sha256(os.path.join(sharded, f)), f"a file under its final name is complete: {f}")
        hub.control(reset=True)
        r = cli("models", "pull", "tiny/glm4v", "--dir", d2, "--json")
        st = hub.stats()
        res = json.loads(r.stdout) if r.returncode == 0 else {}
        check(r.returncode == 0 and sha256(os.path.join(d2, big)) == sha256(os.path.join(sharded, big)),
              f"the rerun completes the shard ({r.stderr.strip()[-200:]})")
        ranged = [q for q in st["requests"] if q.get("file") == big and q["status"] == 206]
        check(bool(ranged) and ranged[0]["start"] == have, f"it asked for the rest with a Range from byte {have} ({ranged[:1]})")
        sent = sum(q.get("sent", 0) for q in st["requests"] if q.get("file") == big)
        check(sent == size - have, f"bytes already there were not downloaded again (sent {sent}, missing {size - have})")
        check(res.get("resumed_bytes", 0) >= have, f"the pull reports {res.get('resumed_bytes')} bytes resumed")

        # 2b. Ctrl+C: the pull stops within a few seconds with exit 130, the part kept for the next pull.
        d2b = os.path.join(tmp, "d2b")
        hub.control(reset=True, rate=30000)
        p = subprocess.Popen([a.cli, "models", "pull", "tiny/glm4v", "--dir", d2b], env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        part = os.path.join(d2b, ".sightline-download", big + ".part")
        deadline = time.time() + 60
        while time.time() < deadline and not (os.path.exists(part) and os.path.getsize(part) > 20000):
            time.sleep(0.05)
        t0 = time.time()
        p.send_signal(signal.SIGINT)
        try:
            _, err = p.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            p.kill()
            _, err = p.communicate()
        check(p.returncode == 130 and "continue where it stopped" in err and time.time() - t0 < 10,
              f"Ctrl+C stops the pull (exit {p.returncode} after {time.time() - t0:.1f} s: {err.strip()[-120:]})")
        check(os.path.exists(part) and not os.path.exists(os.path.join(d2b, big)), "the part is kept, nothing under the final name")
        hub.control(reset=True)

        # 3. A transfer cut short is retried from where it stopped; 429 and 500 are retried.
        d3 = os.path.join(tmp, "d3")
        hub.control(reset=True, cut={big: size // 3}, status={shards[0] if shards[0] != big else shards[-1]: [429, 2],
                                                               "config.json": [500, 1]})
        r = cli("models", "pull", "tiny/glm4v", "--dir", d3)
        st = hub.stats()
        check(r.returncode == 0 and sha256(os.path.join(d3, big)) == sha256(os.path.join(sharded, big)),
              f"a cut transfer, 429s and a 500 are retried to completion ({r.stderr.strip()[-300:]})")
        check(any(q.get("file") == big and q["status"] == 206 and q["start"] == size // 3 for q in st["requests"]),
              "the retry after the cut continued with a Range")
        check("retrying" in r.stderr, "the retries are shown")

        # 4. A server that ignores Range: the part is restarted, still verified.
        d4 = os.path.join(tmp, "d4")
        os.makedirs(os.path.join(d4, ".sightline-download"))
        with open(os.path.join(d4, ".sightline-download", big + ".part"), "wb") as f:
            f.write(open(os.path.join(sharded, big), "rb").read()[:1000])
        hub.control(reset=True, ignore_range=True)
        r = cli("models", "pull", "tiny/glm4v", "--dir", d4)
        check(r.returncode == 0 and sha256(os.path.join(d4, big)) == sha256(os.path.join(sharded, big)),
              f"a server that ignores Range: the file starts over and verifies ({r.stderr.strip()[-200:]})")

        # 4b. A hostile hub: a file listed twice, a body longer than announced, a 206 for other bytes.
        hub.control(reset=True, duplicate=True)
        r = cli("models", "pull", "tiny/glm4v", "--dir", os.path.join(tmp, "dup"))
        check(r.returncode == 2 and "twice" in r.stderr, f"a listing naming a file twice is refused ({r.stderr.strip()[-160:]})")
        hub.control(reset=True, extra={"config.json": 100})
        r = cli("models", "pull", "tiny/glm4v", "--dir", os.path.join(tmp, "extra"), "--retries", "1")
        check(r.returncode == 2 and "more bytes" in r.stderr and not os.path.exists(os.path.join(tmp, "extra", "config.json")),
              f"a body longer than the listing says is refused, nothing kept ({r.stderr.strip()[-160:]})")
        dw = os.path.join(tmp, "wrongrange")
        os.makedirs(os.path.join(dw, ".sightline-download"))
        with open(os.path.join(dw, ".sightline-download", big + ".part"), "wb") as f:
            f.write(open(os.path.join(sharded, big), "rb").read()[:5000])
        hub.control(reset=True, wrong_range=True)
        r = cli("models", "pull", "tiny/glm4v", "--dir", dw)
        check(r.returncode == 0 and sha256(os.path.join(dw, big)) == sha256(os.path.join(sharded, big)),
              f"a 206 for other bytes than asked: the part starts over and the file verifies ({r.stderr.strip()[-160:]})")

        # 4c. Not enough free space for what the listing announces: refused before a byte is written.
        hub.control(reset=True, listed_size={big: 1 << 52})
        r = cli("models", "pull", "tiny/glm4v", "--dir", os.path.join(tmp, "nospace"))
        st = hub.stats()
        check(r.returncode == 2 and "not enough disk space" in r.stderr and "needs" in r.stderr,
              f"a download larger than the free space is refused at the start ({r.stderr.strip()[-200:]})")
        check(not any(q.get("file") for q in st["requests"]), "nothing was downloaded for it")

        # 5. Corruption and the hub's refusals.
        d5 = os.path.join(tmp, "d5")
        hub.control(reset=True, corrupt=[big])
        r = cli("models", "pull", "tiny/glm4v", "--dir", d5)
        check(r.returncode == 2 and big in r.stderr and "corrupt" in r.stderr, f"a corrupt shard is named ({r.stderr.strip()[-240:]})")
        check(not os.path.exists(os.path.join(d5, big)) and not os.path.exists(os.path.join(d5, ".sightline-download", big + ".part")),
              "the corrupt file was deleted")
        hub.control(reset=True, token="hf_secret")
        r = cli("models", "pull", "tiny/glm4v", "--dir", os.path.join(tmp, "d6"))
        check(r.returncode == 2 and "401" in r.stderr and "HF_TOKEN" in r.stderr, f"401 says to set HF_TOKEN ({r.stderr.strip()[-200:]})")
        r = cli("models", "pull", "tiny/glm4v", "--dir", os.path.join(tmp, "d6"), extra_env={"HF_TOKEN": "hf_secret"})
        st = hub.stats()
        check(r.returncode == 0, f"with HF_TOKEN the pull completes ({r.stderr.strip()[-200:]})")
        sent = [q for q in st["requests"] if q["path"] != "/_control" and q["status"] != 401]
        check(bool(sent) and all(q["auth"] == "Bearer hf_secret" for q in sent), "the token is sent with every request")
        hub.control(reset=True, gated=True)
        r = cli("models", "pull", "tiny/glm4v", "--dir", os.path.join(tmp, "d7"))
        check(r.returncode == 2 and "403" in r.stderr and "licence" in r.stderr, f"403 explains gating ({r.stderr.strip()[-200:]})")
        hub.control(reset=True)
        r = cli("models", "pull", "tiny/nothing", "--dir", os.path.join(tmp, "d8"))
        check(r.returncode == 2 and "404" in r.stderr, f"an unknown repository is a 404 ({r.stderr.strip()[-200:]})")
        r = cli("models", "pull", "../etc", "--dir", os.path.join(tmp, "d8"))
        check(r.returncode == 2 and "repository name" in r.stderr, "a malformed repository name is refused")
        r = cli("models", "pull", "tiny/glm4v", "--dir", os.path.join(tmp, "d8"), extra_env={"HF_ENDPOINT": "http://127.0.0.1:9"})
        check(r.returncode == 2 and "127.0.0.1:9" in r.stderr, f"an unreachable endpoint is named ({r.stderr.strip()[-200:]})")

        # 6. A full disk: writes fail past 300 KB (RLIMIT_FSIZE, SIGXFSZ ignored so write() reports EFBIG).
        d9 = os.path.join(tmp, "d9")
        limit = size // 2

        def small_disk():
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
        r = cli("models", "pull", "tiny/glm4v", "--dir", d9, "--parallel", "1", preexec=small_disk)
        check(r.returncode == 2 and "disk is full" in r.stderr, f"a full disk is a clear error ({r.stderr.strip()[-300:]})")
        check(not any(f.endswith(".safetensors") for f in os.listdir(d9)), "no shard under its final name on the full disk")
        r = cli("models", "pull", "tiny/glm4v", "--dir", d9)
        check(r.returncode == 0 and sha256(os.path.join(d9, big)) == sha256(os.path.join(sharded, big)),
              "with room again the same pull completes")

        # 7. ModelScope's layout, and a paginated Hugging Face listing.
        r = cli("models", "pull", "tiny/single", "--source", "modelscope", "--dir", os.path.join(tmp, "ms"),
                extra_env={"MODELSCOPE_ENDPOINT": hub.url})
        check(r.returncode == 0 and sha256(os.path.join(tmp, "ms", "model.safetensors")) == sha256(os.path.join(single, "model.safetensors")),
              f"ModelScope's layout ({r.stderr.strip()[-200:]})")
        paged = Hub({"tiny/glm4v": sharded}, page_size=2)
        try:
            r = cli("models", "pull", "tiny/glm4v", "--dir", os.path.join(tmp, "paged"), extra_env={"HF_ENDPOINT": paged.url})
            check(r.returncode == 0 and all(os.path.exists(os.path.join(tmp, "paged", f)) for f in os.listdir(sharded)),
                  "a listing in pages of 2 is followed to its end")
        finally:
            paged.close()

        # 8. The models folder: pull into it, import, list, check, rm.
        r = cli("models", "pull", "tiny/glm4v")
        check(r.returncode == 0 and os.path.isdir(os.path.join(tmp, "models", "tiny--glm4v")), "pull without --dir goes to the models folder")
        r = cli("models", "import", single, "--name", "imported")
        check(r.returncode == 0, f"import of a local folder ({r.stderr.strip()[-200:]})")
        broken = os.path.join(tmp, "broken")
        shutil.copytree(single, broken)
        cfg = json.load(open(os.path.join(broken, "config.json")))
        tc = cfg.get("text_config", cfg)
        tc["num_hidden_layers"] += 1
        json.dump(cfg, open(os.path.join(broken, "config.json"), "w"))
        r = cli("models", "import", broken, "--name", "broken")
        check(r.returncode == 2 and "missing" in r.stderr and not os.path.exists(os.path.join(tmp, "models", "broken")),
              f"a folder whose tensors do not match config.json is not imported ({r.stderr.strip()[-200:]})")
        r = cli("models", "list", "--json")
        listed = {m["name"]: m for m in json.loads(r.stdout)["models"]} if r.returncode == 0 else {}
        check(listed.get("tiny--glm4v", {}).get("verified") is True and listed.get("tiny--glm4v", {}).get("repo") == "tiny/glm4v",
              "list: the pulled model, verified, with its repository")
        check(listed.get("imported", {}).get("source") == "import" and listed["imported"]["verified"] is False,
              "list: the imported model, not verified against a hub")
        r = cli("models", "list")
        check(r.returncode == 0 and "tiny--glm4v" in r.stdout and "params" in r.stdout, "list as text")
        r = cli("models", "check", "imported", "--device", "cpu", "--json")
        c = json.loads(r.stdout) if r.returncode in (0, 3) else {}
        check(r.returncode == 0 and c["check"]["problems"] == [] and c["estimate"]["total_bytes"] > c["estimate"]["weights_bytes"] > 0,
              f"check: a clean checkpoint that fits ({r.stderr.strip()[-200:]})")
        r = cli("models", "check", broken, "--device", "cpu")
        check(r.returncode == 2 and "missing" in r.stdout, "check names missing tensors")
        r = cli("models", "check", "imported", "--device", "cpu", "--context", "4194304", "--slots", "1024", "--dtype", "float32")
        check(r.returncode == 3 and "DOES NOT FIT" in r.stdout and "would fit" in r.stdout,
              f"check: a context and batch that cannot fit, with settings that would ({r.stdout.strip()[-300:]})")
        r = cli("models", "rm", "imported")
        check(r.returncode == 0 and not os.path.exists(os.path.join(tmp, "models", "imported")), "rm removes a model")
        r = cli("models", "rm", "../d1")
        check(r.returncode == 2 and os.path.exists(d1), "rm refuses a path")
    finally:
        hub.close()
    if not FAILS:
        shutil.rmtree(tmp, ignore_errors=True)
    return finish()


if __name__ == "__main__":
    sys.exit(main())
