#!/usr/bin/env python3
"""Server boot helper for benchmarks/compute (standard library only).

  boot.py boot --url URL --image ID --flavor ID --network ID --count N
               --concurrency C [--prefix NAME] [--poll SECONDS]
               [--timeout SECONDS] [--pid PID]
      Boots N servers, C at a time. Each of C workers, over its own
      keep-alive connection, sends POST /v2.1/servers (that image, flavor and
      network) and then polls GET /v2.1/servers/ID every --poll seconds until
      the status is ACTIVE, before it boots its next server. A boot's latency
      runs from sending the POST to reading the GET answer that says ACTIVE,
      so it is at most one poll interval (plus one GET) late.
      Prints: boots=N p50_ms=X p99_ms=Y max_ms=M accept_p50_ms=A seconds=S
      rate=R polls=P cpu_ms=U
      (seconds: from the first POST to the last ACTIVE; rate: N / seconds;
      accept_p50_ms: the median time of the POST alone; polls: GETs per boot;
      cpu_ms: the server's utime+stime per boot from /proc/PID/stat, -1
      without --pid.) p99 is the nearest-rank percentile, so with fewer than
      100 boots it is the slowest one.
      A server that goes to ERROR, or is not ACTIVE within --timeout seconds,
      ends the program with exit status 1 and the server's fault on stderr.

  boot.py count --url URL [--status STATUS]
      Counts the servers the token's project sees (GET /v2.1/servers, pages of
      1000), only those in STATUS when given. Prints: servers=N

The token is read from the BENCH_TOKEN environment variable. Any unexpected
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


def connect(url):
    parts = urllib.parse.urlsplit(url)
    return http.client.HTTPConnection(parts.hostname, parts.port, timeout=300)


def base_path(url):
    return urllib.parse.urlsplit(url).path.rstrip("/")


def headers(extra=None):
    h = {"X-Auth-Token": os.environ["BENCH_TOKEN"], "Accept": "application/json"}
    h.update(extra or {})
    return h


def fail(message):
    sys.stderr.write(message.rstrip("\n") + "\n")
    sys.exit(1)


class Failure(Exception):
    pass


def request(conn, method, path, body=None):
    """Sends one request; returns (status, parsed JSON or None, raw bytes)."""
    extra = {"Content-Type": "application/json"} if body is not None else None
    conn.request(method, path, body=None if body is None else json.dumps(body).encode(), headers=headers(extra))
    resp = conn.getresponse()
    data = resp.read()
    try:
        parsed = json.loads(data) if data else None
    except ValueError:
        parsed = None
    return resp.status, parsed, data


def cpu_ticks(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)


def nearest_rank(sorted_values, fraction):
    if not sorted_values:
        return 0.0
    rank = max(1, -(-len(sorted_values) * fraction // 1))  # ceil(n * fraction)
    return sorted_values[int(rank) - 1]


# ---------------------------------------------------------------- boot

def boot(args):
    root = base_path(args.url)
    lock = threading.Lock()
    next_index = [0]
    latencies = []
    accepts = []
    polls = [0]
    errors = []
    last_active = [0.0]

    def take():
        with lock:
            if errors or next_index[0] >= args.count:
                return None
            next_index[0] += 1
            return next_index[0] - 1

    def boot_one(conn, index):
        body = {"server": {
            "name": "%s-%05d" % (args.prefix, index), "imageRef": args.image, "flavorRef": args.flavor,
            "networks": [{"uuid": args.network}]}}
        started = time.monotonic()
        status, answer, raw = request(conn, "POST", root + "/servers", body)
        accepted = time.monotonic()
        if status != 202:
            raise Failure("POST /servers -> %d %s" % (status, raw[:300]))
        uuid = answer["server"]["id"]
        deadline = started + args.timeout
        count = 0
        while True:
            time.sleep(args.poll)
            status, answer, raw = request(conn, "GET", "%s/servers/%s" % (root, uuid))
            count += 1
            now = time.monotonic()
            if status != 200:
                raise Failure("GET /servers/%s -> %d %s" % (uuid, status, raw[:300]))
            state = answer["server"]["status"]
            if state == "ACTIVE":
                with lock:
                    latencies.append(now - started)
                    accepts.append(accepted - started)
                    polls[0] += count
                    last_active[0] = max(last_active[0], now)
                return
            if state == "ERROR":
                raise Failure("server %s went to ERROR: %s" % (uuid, json.dumps(answer["server"].get("fault"))))
            if now > deadline:
                raise Failure("server %s still %s after %ss" % (uuid, state, args.timeout))

    def worker():
        conn = connect(args.url)
        try:
            while True:
                index = take()
                if index is None:
                    return
                boot_one(conn, index)
        except Exception as error:  # noqa: BLE001 - every failure ends the run
            with lock:
                errors.append(str(error))
        finally:
            conn.close()

    ticks0 = cpu_ticks(args.pid) if args.pid else 0
    first = time.monotonic()
    threads = [threading.Thread(target=worker) for _ in range(max(1, min(args.concurrency, args.count)))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        fail("%d boot(s) failed, first: %s" % (len(errors), errors[0]))
    ticks = cpu_ticks(args.pid) - ticks0 if args.pid else -1
    hz = os.sysconf("SC_CLK_TCK")
    seconds = last_active[0] - first
    ordered = sorted(latencies)
    print("boots=%d p50_ms=%.1f p99_ms=%.1f max_ms=%.1f accept_p50_ms=%.1f seconds=%.3f rate=%.2f polls=%.1f cpu_ms=%.1f" % (
        len(ordered), nearest_rank(ordered, 0.50) * 1000, nearest_rank(ordered, 0.99) * 1000, ordered[-1] * 1000,
        nearest_rank(sorted(accepts), 0.50) * 1000, seconds, len(ordered) / seconds if seconds > 0 else 0,
        polls[0] / len(ordered), (ticks * 1000.0 / hz) / len(ordered) if ticks >= 0 else -1))


# ---------------------------------------------------------------- count

def count(args):
    root = base_path(args.url)
    conn = connect(args.url)
    total = 0
    marker = None
    while True:
        query = [("limit", "1000")]
        if args.status:
            query.append(("status", args.status))
        if marker:
            query.append(("marker", marker))
        path = root + "/servers?" + urllib.parse.urlencode(query)
        status, answer, raw = request(conn, "GET", path)
        if status != 200:
            fail("GET %s -> %d %s" % (path, status, raw[:300]))
        servers = answer["servers"]
        total += len(servers)
        if len(servers) < 1000:
            break
        marker = servers[-1]["id"]
    conn.close()
    print("servers=%d" % total)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("boot")
    b.add_argument("--url", required=True, help="the Compute endpoint, e.g. http://127.0.0.1:9874/v2.1")
    b.add_argument("--image", required=True)
    b.add_argument("--flavor", required=True)
    b.add_argument("--network", required=True)
    b.add_argument("--count", type=int, required=True)
    b.add_argument("--concurrency", type=int, default=1)
    b.add_argument("--prefix", default="bench")
    b.add_argument("--poll", type=float, default=0.02)
    b.add_argument("--timeout", type=float, default=300)
    b.add_argument("--pid", type=int)
    c = sub.add_parser("count")
    c.add_argument("--url", required=True)
    c.add_argument("--status")
    args = parser.parse_args()
    {"boot": boot, "count": count}[args.command](args)


if __name__ == "__main__":
    main()
