"""Shared by the API tests (check_server, check_api_hardening, load_api): ending a server process."""
import subprocess
import time


def terminate(srv, timeout):
    """SIGTERM, wait up to `timeout` s (then SIGKILL). Returns (exit code or None if killed, seconds)."""
    t0 = time.time()
    srv.terminate()
    try:
        code = srv.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        srv.kill()
        code = None
    return code, time.time() - t0
