#!/usr/bin/env python3
"""Time from exec of `stratus up` to its first issued token.

Used by benchmarks/identity. For each run: start the server on an existing
data dir, poll POST /v3/auth/tokens (password method, body from --body-file)
in a tight loop, and record the wall-clock milliseconds from just before the
exec to the first 201 response. The server is then stopped (SIGTERM, SIGKILL
after a grace period) and the port must be free before the next run.

Per-run times go to stderr; stdout gets one line: "<median> <run1> <run2> ...".
"""
import argparse
import http.client
import signal
import socket
import statistics
import subprocess
import sys
import time


def now_ns():
    return time.monotonic_ns()


def port_open(host, port):
    try:
        with socket.create_connection((host, port), timeout=0.2):
            return True
    except OSError:
        return False


def post_token(host, port, body):
    conn = http.client.HTTPConnection(host, port, timeout=10)
    try:
        conn.request(
            "POST",
            "/v3/auth/tokens",
            body=body,
            headers={"Content-Type": "application/json", "Connection": "close"},
        )
        resp = conn.getresponse()
        resp.read()
        return resp.status
    finally:
        conn.close()


def stop(proc, grace):
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def wait_port_free(host, port, seconds):
    deadline = time.monotonic() + seconds
    while port_open(host, port):
        if time.monotonic() > deadline:
            raise RuntimeError(f"port {port} still in use after the server stopped")
        time.sleep(0.05)


def one_run(args, body, log):
    if port_open(args.host, args.port):
        raise RuntimeError(f"something is already listening on {args.host}:{args.port}")
    cmd = [args.bin, "up", "--data-dir", args.data_dir, "--admin-password", args.password]
    t0 = now_ns()
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
    deadline = t0 + int(args.timeout * 1e9)
    last = "no connection"
    try:
        while True:
            try:
                status = post_token(args.host, args.port, body)
                last = f"HTTP {status}"
            except (OSError, http.client.HTTPException) as exc:
                status = None
                last = type(exc).__name__
            if status == 201:
                return (now_ns() - t0) / 1e6
            if proc.poll() is not None:
                raise RuntimeError(
                    f"server exited with status {proc.returncode} before issuing a token (last: {last})")
            if now_ns() > deadline:
                raise RuntimeError(f"no token within {args.timeout}s (last: {last})")
            time.sleep(args.poll_interval)
    finally:
        stop(proc, args.grace)
        wait_port_free(args.host, args.port, args.grace)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--bin", required=True)
    p.add_argument("--data-dir", required=True)
    p.add_argument("--password", required=True)
    p.add_argument("--body-file", required=True)
    p.add_argument("--log", required=True)
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--timeout", type=float, default=120.0)
    p.add_argument("--grace", type=float, default=15.0)
    p.add_argument("--poll-interval", type=float, default=0.002)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=5000)
    args = p.parse_args()

    # Turn SIGTERM/SIGINT into an exception so the `finally` above stops the server.
    def on_signal(signum, _frame):
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    with open(args.body_file, "rb") as f:
        body = f.read()
    times = []
    with open(args.log, "ab") as log:
        for i in range(args.runs):
            try:
                ms = one_run(args, body, log)
            except RuntimeError as exc:
                print(f"first_token: run {i + 1}: {exc}", file=sys.stderr)
                return 1
            print(f"first_token: run {i + 1}: {ms:.1f} ms", file=sys.stderr)
            times.append(ms)
    print(f"{statistics.median(times):.1f} " + " ".join(f"{t:.1f}" for t in times))
    return 0


if __name__ == "__main__":
    sys.exit(main())
