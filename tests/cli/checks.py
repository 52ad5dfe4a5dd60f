"""The PASS/FAIL lines, the command runner and the exit code the CLI end-to-end checks share."""
import subprocess
import sys

FAILS = []


def check(cond, what):
    print(("PASS " if cond else "FAIL ") + what, flush=True)
    if not cond:
        FAILS.append(what)


def run(cli, *args, timeout=300, **kwargs):
    return subprocess.run([cli, *args], capture_output=True, text=True, errors="replace", timeout=timeout, **kwargs)


def finish():
    """Prints the verdict; the process's exit code (0: every check passed)."""
    print(f"{len(FAILS)} failed" if FAILS else "all passed")
    return 1 if FAILS else 0


if __name__ == "__main__":
    sys.exit("a module for the checks in this folder, not a program")
