#!/usr/bin/env python3
"""Crash consistency of `sightline-cli moderate`: SIGKILL at random moments, then check the database.

Each trial starts a fresh queue, runs `sightline-cli moderate` on the tiny fixture model, kills it
with SIGKILL after a random delay (anywhere from start-up to the end of the run), and checks:

  * the SQLite database is intact (PRAGMA integrity_check);
  * nothing is duplicated: at most one model verdict per item in the audit log, one row per id;
  * every item that is not pending has exactly one model verdict record, and vice versa;
  * `sightline-cli audit verify` passes (keyed chain, items against the log, checkpoints);
  * a resumed run (same command, no kill) completes the queue, leaves every item and audit record committed
    before the kill unchanged, and the audit log still verifies.

Prints a summary and, with --json-out, the figures as JSON. Exit status 0 when every trial passed.
The tiny model's weights are random: its answers are not verdicts, so most items end as "error"
("Model output could not be read"), which is what a crash test needs (records are written).
"""
import argparse
import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time

ITEM_COLUMNS = "id, status, verdict, reasons, categories, confidence, raw, error, policy_version, model_id, judged_at"


def write_queue(path, fixtures, items):
    images = sorted(os.listdir(os.path.join(fixtures, "cases", "images")))
    images = [os.path.join(fixtures, "cases", "images", i) for i in images if i.endswith((".png", ".jpg", ".jpeg"))]
    with open(path, "w", encoding="utf-8") as f:
        f.write("id,image,title,text\n")
        for i in range(items):
            f.write(f"item{i:03d},{images[i % len(images)]},Listing {i},Call 555-0100-{i:04d} or mail a{i}@example.com\n")


def snapshot(db):
    """Committed state: {id: row} of judged/error items, and model-verdict counts per item."""
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30)
    try:
        integrity = con.execute("PRAGMA integrity_check").fetchone()[0]
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if not {"items", "audit"} <= tables:  # killed before the schema was committed: nothing to check
            return integrity, {}, [], {}, []
        rows = {r[0]: r for r in con.execute(f"SELECT {ITEM_COLUMNS} FROM items")}
        ids = [r[0] for r in con.execute("SELECT id FROM items")]
        verdicts = {}
        audit = list(con.execute("SELECT seq, item_id, record, prev_hash, hash FROM audit ORDER BY seq"))
        for (_, item_id, record, _, _) in audit:
            if json.loads(record).get("event") == "model_verdict":
                verdicts[item_id] = verdicts.get(item_id, 0) + 1
    finally:
        con.close()
    return integrity, rows, ids, verdicts, audit


def check_state(db, problems, tag):
    try:
        integrity, rows, ids, verdicts, audit = snapshot(db)
    except (sqlite3.Error, ValueError) as e:
        problems.append(f"{tag}: cannot read the database: {e}")
        return {}, []
    if integrity != "ok":
        problems.append(f"{tag}: integrity_check: {integrity}")
    if len(ids) != len(set(ids)):
        problems.append(f"{tag}: duplicated item rows")
    for item_id, n in verdicts.items():
        if n > 1:
            problems.append(f"{tag}: item {item_id} has {n} model verdicts")
    for item_id, row in rows.items():
        judged = row[1] != "pending"
        if judged != (verdicts.get(item_id, 0) == 1):
            problems.append(f"{tag}: item {item_id} is {row[1]} with {verdicts.get(item_id, 0)} model verdict records")
    return {k: v for k, v in rows.items() if v[1] != "pending"}, audit


def judged_count(db):
    try:
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1)
        try:
            return con.execute("SELECT COUNT(*) FROM items WHERE status <> 'pending'").fetchone()[0]
        finally:
            con.close()
    except sqlite3.Error:
        return 0  # not created yet


def wait_and_kill(p, db, rng, full, items):
    """Half the trials: a random moment of the whole run (start-up, model load, judging).
    The others: after a random number of committed items, a random part of one item's time (so kills
    land around commits even when the machine is slower than at calibration)."""
    if rng.random() < 0.5:
        time.sleep(rng.uniform(0.0, full * 1.05))
    else:
        target = rng.randrange(0, items)
        while p.poll() is None and judged_count(db) < target:
            time.sleep(0.01)
        time.sleep(rng.uniform(0.0, full / items))
    if p.poll() is None:
        os.kill(p.pid, signal.SIGKILL)
        return True
    return False


def verify(cli, db, env, problems, tag):
    r = subprocess.run([cli, "audit", "verify", db], env=env, capture_output=True, text=True, timeout=120)
    if r.returncode != 0:
        problems.append(f"{tag}: audit verify exit {r.returncode}: {r.stdout.strip()} {r.stderr.strip()}")


def moderate_cmd(cli, model, queue, db, parallel):
    return [cli, "moderate", "--model", model, "--input", queue, "--db", db, "--parallel", str(parallel), "--max-new-tokens", "8"]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cli", required=True)
    ap.add_argument("--fixtures", required=True, help="the glm4v-tiny fixtures folder (model/ and cases/images/)")
    ap.add_argument("--trials", type=int, default=20)
    ap.add_argument("--items", type=int, default=8)
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--json-out")
    a = ap.parse_args()
    seed = a.seed if a.seed is not None else int(time.time())
    rng = random.Random(seed)
    model = os.path.join(a.fixtures, "model")
    work = tempfile.mkdtemp(prefix="sightline-crash-")
    env = dict(os.environ, SIGHTLINE_AUDIT_KEY=os.path.join(work, "audit.key"))
    queue = os.path.join(work, "queue.csv")
    write_queue(queue, a.fixtures, a.items)

    # Calibrate: how long a whole run takes, so kills land from start-up to the last commit.
    t0 = time.monotonic()
    cal = subprocess.run(moderate_cmd(a.cli, model, queue, os.path.join(work, "calibrate.db"), 1), env=env, capture_output=True, text=True,
                         timeout=600)
    full = time.monotonic() - t0
    if cal.returncode != 0:
        print(f"calibration run failed (exit {cal.returncode}):\n{cal.stderr[-2000:]}", file=sys.stderr)
        return 1

    failures, killed_mid, committed_at_kill, resumed_ok = [], 0, [], 0
    started = time.monotonic()
    for t in range(a.trials):
        problems = []
        db = os.path.join(work, f"t{t:04d}.db")
        parallel = rng.choice([1, 2])
        p = subprocess.Popen(moderate_cmd(a.cli, model, queue, db, parallel), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        t_start = time.monotonic()
        killed_mid += wait_and_kill(p, db, rng, full, a.items)
        delay = time.monotonic() - t_start
        p.wait()
        committed, committed_audit = {}, []
        if os.path.exists(db):
            committed, committed_audit = check_state(db, problems, f"trial {t} after kill")
            verify(a.cli, db, env, problems, f"trial {t} after kill")
        committed_at_kill.append(len(committed))
        # Resume: the same command completes the queue and keeps what was committed.
        r = subprocess.run(moderate_cmd(a.cli, model, queue, db, parallel), env=env, capture_output=True, text=True, timeout=600)
        if r.returncode != 0:
            problems.append(f"trial {t}: resumed run exit {r.returncode}: {r.stderr[-500:]}")
        else:
            after, after_audit = check_state(db, problems, f"trial {t} after resume")
            if after_audit[:len(committed_audit)] != committed_audit:
                problems.append(f"trial {t}: audit records committed before the kill changed after the resumed run")
            if len(after) != a.items:
                problems.append(f"trial {t}: resumed run left {a.items - len(after)} items pending")
            for item_id, row in committed.items():
                if after.get(item_id) != row:
                    problems.append(f"trial {t}: item {item_id} committed before the kill changed: {row} -> {after.get(item_id)}")
            verify(a.cli, db, env, problems, f"trial {t} after resume")
            if not problems:
                resumed_ok += 1
        for f in (db, db + "-wal", db + "-shm", db + ".checkpoints"):
            if os.path.exists(f) and not problems:
                os.remove(f)
        if problems:
            failures.append({"trial": t, "delay_s": round(delay, 3), "parallel": parallel, "problems": problems})
            print(f"trial {t}: FAILED", *problems, sep="\n  ", file=sys.stderr)
    elapsed = time.monotonic() - started
    summary = {
        "trials": a.trials,
        "items": a.items,
        "seed": seed,
        "full_run_s": round(full, 2),
        "killed_mid_run": killed_mid,
        "committed_at_kill": {"min": min(committed_at_kill, default=0), "max": max(committed_at_kill, default=0),
                              "mean": round(sum(committed_at_kill) / max(1, len(committed_at_kill)), 2)},
        "resumed_and_verified": resumed_ok,
        "failed": len(failures),
        "failures": failures,
        "elapsed_s": round(elapsed, 1),
        "work_dir": work,
    }
    print(f"{a.trials} trials (seed {seed}): {killed_mid} killed mid-run, committed at kill {summary['committed_at_kill']}, "
          f"{resumed_ok} resumed and verified, {len(failures)} failed, {elapsed:.0f} s (full run {full:.1f} s)")
    if a.json_out:
        with open(a.json_out, "w", encoding="utf-8") as f:
            json.dump(summary, f, indent=2)
    if not failures:
        shutil.rmtree(work, ignore_errors=True)  # kept when something failed, for a look
    return 0 if not failures else 1


if __name__ == "__main__":
    sys.exit(main())
