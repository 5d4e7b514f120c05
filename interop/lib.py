"""Shared helpers for interop scenarios written in Python (mirrors lib.sh).

    import lib
    s = lib.Scenario()
    s.start_stratus()
    s.check("projects listed", lambda: ...)   # numbered, keeps going on failure
    s.finish()                                # stops server, prints summary, exits
"""

import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
STRATUS_BIN = os.environ.get("STRATUS_BIN", os.path.join(ROOT, ".build", "debug", "stratus"))
HOST = "127.0.0.1"
PORT = 5000
BASE_URL = f"http://{HOST}:{PORT}"
AUTH_URL = f"{BASE_URL}/v3"
STARTUP_TIMEOUT = float(os.environ.get("STRATUS_STARTUP_TIMEOUT", "60"))

# Nothing from the caller's environment may steer the clients elsewhere.
for _k in [k for k in os.environ if k.startswith("OS_")]:
    del os.environ[_k]
os.environ["NO_PROXY"] = os.environ["no_proxy"] = "127.0.0.1,localhost"


def _port_open(port):
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex((HOST, port)) == 0


def _indent(text, lines=25):
    return "\n".join("#     " + line for line in text.splitlines()[-lines:])


class Scenario:
    def __init__(self):
        self.n = 0
        self.passed = 0
        self.failed = 0
        self.proc = None
        self.data_dir = None
        self.log_path = None
        self.admin_password = os.environ.get("ADMIN_PASSWORD") or "adm-" + secrets.token_hex(8)
        self.scratch = tempfile.mkdtemp(prefix="stratus-scenario.")
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    # --- server -------------------------------------------------------------
    def start_stratus(self):
        """Start a fresh server in a new data dir; bail out if it does not come up."""
        if not os.access(STRATUS_BIN, os.X_OK):
            self.bail(f"server binary not found: {STRATUS_BIN}")
        deadline = time.monotonic() + 10
        while _port_open(PORT) and time.monotonic() < deadline:
            time.sleep(0.1)
        if _port_open(PORT):
            self.bail(f"{HOST}:{PORT} is already in use by another process")
        self.data_dir = tempfile.mkdtemp(prefix="stratus-data.")
        self.log_path = os.path.join(self.scratch, "server.log")
        log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(
            [STRATUS_BIN, "up", "--data-dir", self.data_dir, "--admin-password", self.admin_password],
            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
        )
        start = time.monotonic()
        while True:
            with open(self.log_path, "rb") as f:
                if b"Stratus is up" in f.read():
                    break
            if self.proc.poll() is not None:
                rc = self.proc.returncode
                self.proc = None
                self.bail(f"server exited with status {rc} before it was up:\n{_indent(self._log(), 60)}")
            if time.monotonic() - start > STARTUP_TIMEOUT:
                self.bail(f"server not up after {STARTUP_TIMEOUT:.0f}s:\n{_indent(self._log(), 60)}")
            time.sleep(0.2)
        print(f"# server up in {time.monotonic() - start:.1f}s (pid {self.proc.pid}, data dir {self.data_dir})")
        os.environ["OS_CLIENT_CONFIG_FILE"] = os.path.join(self.data_dir, "clouds.yaml")
        if not os.path.exists(os.environ["OS_CLIENT_CONFIG_FILE"]):
            self.bail("clouds.yaml was not written")

    def stop_stratus(self):
        """SIGTERM the server; wait up to 20 s, then SIGKILL. Returns its exit status."""
        if self.proc is None:
            return None
        self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            print("# server still running 20s after SIGTERM, killing it")
            self.proc.kill()
            rc = self.proc.wait()
        self.proc = None
        return rc

    def _log(self):
        try:
            with open(self.log_path, errors="replace") as f:
                return f.read()
        except (OSError, TypeError):
            return ""

    # --- assertions ----------------------------------------------------------
    def record(self, ok, desc, detail=""):
        self.n += 1
        if ok:
            self.passed += 1
            print(f"ok {self.n} - {desc}", flush=True)
        else:
            self.failed += 1
            print(f"not ok {self.n} - {desc}", flush=True)
            if detail:
                print(_indent(str(detail)), flush=True)
        return ok

    def check(self, desc, fn):
        """Run fn(); passes if it returns a truthy value (or None) and does not raise.
        Returns fn's result (None on failure)."""
        try:
            result = fn()
        except Exception as e:  # noqa: BLE001 - any failure is a failed assertion
            self.record(False, desc, f"{type(e).__name__}: {e}\n{traceback.format_exc(limit=3)}")
            return None
        if result is False:
            self.record(False, desc, "condition was false")
            return None
        self.record(True, desc)
        return result

    def expect(self, desc, condition, detail=""):
        return self.record(bool(condition), desc, detail if not condition else "")

    def expect_raises(self, desc, exc_types, fn):
        try:
            fn()
        except exc_types:
            return self.record(True, desc)
        except Exception as e:  # noqa: BLE001
            return self.record(False, desc, f"raised {type(e).__name__}: {e}")
        return self.record(False, desc, "no exception raised")

    def bail(self, why):
        print(f"Bail out! {why}", flush=True)
        self.failed += 1
        self.finish()

    def finish(self):
        if self.proc is not None:
            rc = self.stop_stratus()
            self.expect("server exits with status 0 on SIGTERM", rc == 0, f"exit status {rc}")
        if self.failed and self.log_path:
            print("# last lines of the server output:")
            print(_indent(self._log(), 40))
        if os.environ.get("INTEROP_KEEP") == "1":
            print(f"# kept: data dir {self.data_dir}, scratch {self.scratch}")
        else:
            if self.data_dir:
                shutil.rmtree(self.data_dir, ignore_errors=True)
            shutil.rmtree(self.scratch, ignore_errors=True)
        print(f"assertions: {self.passed} passed, {self.failed} failed", flush=True)
        sys.exit(1 if self.failed else 0)

    def __del__(self):
        if getattr(self, "proc", None) is not None:
            self.proc.kill()
