#!/usr/bin/env python3
"""Volume helper for benchmarks/volume (standard library only).

  volumes.py lifecycle --url URL --count N --concurrency C
      Creates N volumes of 1 GiB (POST /volumes) from C threads, each polling its
      volume (GET every 20 ms) until it is available, then deletes them the same
      way, polling until GET answers 404. Prints:
      create: n=N p50_ms=X p99_ms=Y   (POST sent → status available)
      delete: n=N p50_ms=X p99_ms=Y   (DELETE sent → 404)

  volumes.py attach --compute URL --url URL --server ID --rounds R
      R times: attaches a fresh 1 GiB volume to the server through Nova
      (POST /servers/ID/os-volume_attachments) and polls the volume until it is
      in-use, then detaches it (DELETE …/VOLUME) and polls until it is available.
      Prints: attach: n=R p50_ms=X p99_ms=Y and detach: n=R p50_ms=X p99_ms=Y

URL is the Block Storage root with the project (http://HOST:8776/v3/PROJECT). The
token is read from BENCH_TOKEN. Any unexpected answer ends the program with exit
status 1 and the answer on stderr.
"""

import argparse
import http.client
import json
import os
import sys
import threading
import time
import urllib.parse

TOKEN = os.environ.get("BENCH_TOKEN", "")


class Client:
    """One keep-alive connection to one service."""

    def __init__(self, url, headers=None):
        parts = urllib.parse.urlsplit(url)
        self.prefix = parts.path.rstrip("/")
        self.conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=120)
        self.headers = {"X-Auth-Token": TOKEN, "Content-Type": "application/json", **(headers or {})}

    def call(self, method, path, body=None, expect=(200, 202, 204)):
        data = json.dumps(body) if body is not None else None
        self.conn.request(method, self.prefix + path, body=data, headers=self.headers)
        response = self.conn.getresponse()
        payload = response.read()
        if expect and response.status not in expect:
            sys.exit(f"{method} {path}: {response.status} {payload[:500]!r}")
        return response.status, (json.loads(payload) if payload else None)


def wait_status(client, volume_id, status):
    while True:
        code, body = client.call("GET", f"/volumes/{volume_id}", expect=(200,))
        current = body["volume"]["status"]
        if current == status:
            return
        if current.startswith("error"):
            sys.exit(f"volume {volume_id} went to {current}")
        time.sleep(0.02)


def wait_gone(client, volume_id):
    while True:
        code, _ = client.call("GET", f"/volumes/{volume_id}", expect=(200, 404))
        if code == 404:
            return
        time.sleep(0.02)


def percentile(values, fraction):
    ordered = sorted(values)
    index = max(0, min(len(ordered) - 1, int(round(fraction * len(ordered) + 0.5)) - 1))
    return ordered[index]


def report(name, samples):
    print(f"{name}: n={len(samples)} p50_ms={percentile(samples, 0.5):.1f} p99_ms={percentile(samples, 0.99):.1f}")


def lifecycle(args):
    headers = {"OpenStack-API-Version": "volume 3.70"}
    created, deleted, ids, lock = [], [], [], threading.Lock()
    per_thread = [args.count // args.concurrency + (1 if i < args.count % args.concurrency else 0) for i in range(args.concurrency)]

    def create(n):
        client = Client(args.url, headers)
        for _ in range(n):
            start = time.monotonic()
            _, body = client.call("POST", "/volumes", {"volume": {"size": 1, "name": "bench"}})
            volume_id = body["volume"]["id"]
            wait_status(client, volume_id, "available")
            with lock:
                created.append((time.monotonic() - start) * 1000)
                ids.append(volume_id)

    def delete(chunk):
        client = Client(args.url, headers)
        for volume_id in chunk:
            start = time.monotonic()
            client.call("DELETE", f"/volumes/{volume_id}")
            wait_gone(client, volume_id)
            with lock:
                deleted.append((time.monotonic() - start) * 1000)

    threads = [threading.Thread(target=create, args=(n,)) for n in per_thread]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if len(created) != args.count:
        sys.exit("not every volume was created")
    chunks = [ids[i :: args.concurrency] for i in range(args.concurrency)]
    threads = [threading.Thread(target=delete, args=(chunk,)) for chunk in chunks]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if len(deleted) != args.count:
        sys.exit("not every volume was deleted")
    report("create", created)
    report("delete", deleted)


def attach(args):
    volumes = Client(args.url, {"OpenStack-API-Version": "volume 3.70"})
    compute = Client(args.compute, {"OpenStack-API-Version": "compute 2.89"})
    attached, detached = [], []
    for _ in range(args.rounds):
        _, body = volumes.call("POST", "/volumes", {"volume": {"size": 1, "name": "bench-attach"}})
        volume_id = body["volume"]["id"]
        wait_status(volumes, volume_id, "available")
        start = time.monotonic()
        compute.call("POST", f"/servers/{args.server}/os-volume_attachments", {"volumeAttachment": {"volumeId": volume_id}})
        wait_status(volumes, volume_id, "in-use")
        attached.append((time.monotonic() - start) * 1000)
        start = time.monotonic()
        compute.call("DELETE", f"/servers/{args.server}/os-volume_attachments/{volume_id}")
        wait_status(volumes, volume_id, "available")
        detached.append((time.monotonic() - start) * 1000)
        volumes.call("DELETE", f"/volumes/{volume_id}")
        wait_gone(volumes, volume_id)
    report("attach", attached)
    report("detach", detached)


def main():
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    one = sub.add_parser("lifecycle")
    one.add_argument("--url", required=True)
    one.add_argument("--count", type=int, default=40)
    one.add_argument("--concurrency", type=int, default=1)
    two = sub.add_parser("attach")
    two.add_argument("--url", required=True)
    two.add_argument("--compute", required=True)
    two.add_argument("--server", required=True)
    two.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    lifecycle(args) if args.command == "lifecycle" else attach(args)


if __name__ == "__main__":
    main()
