#!/usr/bin/env python3
"""Placement helper for benchmarks/compute (standard library only).

  placement.py providers --url URL --first A --last B [--connections C]
      Creates the resource providers bench-rp-A ... bench-rp-(B-1), each with
      POST /resource_providers and then PUT .../inventories: VCPU 16 (ratio
      16), MEMORY_MB 32768 (ratio 1.5, 512 reserved), DISK_GB 500, like a fake
      compute host. Every tenth one (index % 10 == 9) has only 256 MB of
      memory, so a request for 512 MB does not fit on it. C keep-alive
      connections share the work. Prints: created=N seconds=S

  placement.py candidates --url URL --query QUERY --runs R [--pid PID]
      One untimed GET /allocation_candidates?QUERY, whose answer is parsed,
      then R timed ones over the same keep-alive connection, each from sending
      the request to having read the whole body (no JSON parsing). Every timed
      answer must be 200 with the same body size as the untimed one (give or
      take 1 %). Prints: candidates=N providers=P bytes=B runs=R p50_ms=X
      p99_ms=Y min_ms=A max_ms=B cpu_ms=C
      (candidates: allocation requests; providers: provider summaries; cpu_ms:
      the server's utime+stime per timed request, -1 without --pid.)

Requests carry OpenStack-API-Version: placement 1.39, the version Compute's
scheduler asks for. The token (admin) is read from BENCH_TOKEN. Any unexpected
answer ends the program with exit status 1 and the answer on stderr.
"""

import argparse
import http.client
import json
import os
import sys
import threading
import time
import urllib.parse
import uuid as uuidlib

MICROVERSION = "placement 1.39"
NAMESPACE = uuidlib.UUID("6d1c3c64-8c3e-4f7e-9a55-2b7f3d0f1a10")


def connect(url):
    parts = urllib.parse.urlsplit(url)
    return http.client.HTTPConnection(parts.hostname, parts.port, timeout=300)


def base_path(url):
    return urllib.parse.urlsplit(url).path.rstrip("/")


def headers(extra=None):
    h = {"X-Auth-Token": os.environ["BENCH_TOKEN"], "Accept": "application/json",
         "OpenStack-API-Version": MICROVERSION}
    h.update(extra or {})
    return h


def fail(message):
    sys.stderr.write(message.rstrip("\n") + "\n")
    sys.exit(1)


def send_json(conn, method, path, body, expect):
    conn.request(method, path, body=json.dumps(body).encode(), headers=headers({"Content-Type": "application/json"}))
    resp = conn.getresponse()
    data = resp.read()
    if resp.status != expect:
        return "%s %s -> %d %s" % (method, path, resp.status, data[:300])
    return None


def cpu_ticks(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def nearest_rank(sorted_values, fraction):
    rank = max(1, -(-len(sorted_values) * fraction // 1))
    return sorted_values[int(rank) - 1]


# ---------------------------------------------------------------- providers

def inventories(index):
    memory = 256 if index % 10 == 9 else 32768
    return {
        "VCPU": {"total": 16, "allocation_ratio": 16.0},
        "MEMORY_MB": {"total": memory, "allocation_ratio": 1.5, "reserved": 0 if memory < 1024 else 512},
        "DISK_GB": {"total": 500},
    }


def providers(args):
    root = base_path(args.url)
    indexes = list(range(args.first, args.last))
    errors = []
    lock = threading.Lock()

    def worker(chunk):
        conn = connect(args.url)
        for index in chunk:
            if errors:
                break
            name = "bench-rp-%05d" % index
            uuid = str(uuidlib.uuid5(NAMESPACE, name))
            error = send_json(conn, "POST", root + "/resource_providers", {"name": name, "uuid": uuid}, 200) or \
                send_json(conn, "PUT", "%s/resource_providers/%s/inventories" % (root, uuid),
                          {"resource_provider_generation": 0, "inventories": inventories(index)}, 200)
            if error:
                with lock:
                    errors.append(error)
                break
        conn.close()

    connections = max(1, min(args.connections, len(indexes)))
    started = time.monotonic()
    threads = [threading.Thread(target=worker, args=(indexes[i::connections],)) for i in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        fail("creating providers failed: %s" % errors[0])
    print("created=%d seconds=%.3f" % (len(indexes), time.monotonic() - started))


# ---------------------------------------------------------------- candidates

def candidates(args):
    path = base_path(args.url) + "/allocation_candidates?" + args.query
    conn = connect(args.url)
    conn.request("GET", path, headers=headers())
    resp = conn.getresponse()
    data = resp.read()
    if resp.status != 200:
        fail("GET %s -> %d %s" % (path, resp.status, data[:300]))
    answer = json.loads(data)
    size = len(data)
    times = []
    ticks0 = cpu_ticks(args.pid) if args.pid else 0
    for _ in range(args.runs):
        started = time.monotonic()
        conn.request("GET", path, headers=headers())
        resp = conn.getresponse()
        body = resp.read()
        times.append(time.monotonic() - started)
        if resp.status != 200 or abs(len(body) - size) > size / 100:
            fail("GET %s -> %d, %d bytes (the untimed answer had %d)" % (path, resp.status, len(body), size))
    ticks = cpu_ticks(args.pid) - ticks0 if args.pid else -1
    conn.close()
    ordered = sorted(times)
    hz = os.sysconf("SC_CLK_TCK")
    print("candidates=%d providers=%d bytes=%d runs=%d p50_ms=%.2f p99_ms=%.2f min_ms=%.2f max_ms=%.2f cpu_ms=%.2f" % (
        len(answer["allocation_requests"]), len(answer["provider_summaries"]), size, args.runs,
        nearest_rank(ordered, 0.50) * 1000, nearest_rank(ordered, 0.99) * 1000, ordered[0] * 1000,
        ordered[-1] * 1000, (ticks * 1000.0 / hz) / args.runs if ticks >= 0 else -1))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("providers")
    p.add_argument("--url", required=True)
    p.add_argument("--first", type=int, required=True)
    p.add_argument("--last", type=int, required=True)
    p.add_argument("--connections", type=int, default=4)
    c = sub.add_parser("candidates")
    c.add_argument("--url", required=True)
    c.add_argument("--query", required=True)
    c.add_argument("--runs", type=int, default=20)
    c.add_argument("--pid", type=int)
    args = parser.parse_args()
    {"providers": providers, "candidates": candidates}[args.command](args)


if __name__ == "__main__":
    main()
