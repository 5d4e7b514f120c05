#!/usr/bin/env python3
"""Swift v1 helper for benchmarks/object (standard library only).

  objects.py count --url CONTAINER_URL
      HEAD the container. Prints: objects=N bytes=B

  objects.py settle --url CONTAINER_URL [--expect-min N] [--timeout S]
      HEADs the container every 0.2 s until its object count has not changed
      for 1 s (and is at least --expect-min), at most --timeout seconds
      (default 60). Prints: objects=N seconds=S settled=0|1

  objects.py names --url CONTAINER_URL --limit N --out FILE
      GET CONTAINER_URL?format=json&limit=N and writes the names, URL-encoded,
      one a line, to FILE. Prints: names=N

  objects.py fill --url CONTAINER_URL --count N [--size B] [--connections C]
      PUTs objects obj-00000 ... obj-(N-1) of B bytes (default 4096) over C
      keep-alive connections (default 8). Prints: created=N seconds=S

  objects.py time-list --url CONTAINER_URL --query QUERY --runs R
                       [--pid PID] [--expect N]
      One untimed GET CONTAINER_URL?QUERY whose JSON answer is parsed and
      checked (exactly --expect entries, in name order, each with name, hash,
      bytes, content_type and last_modified), then R timed GETs over the same
      keep-alive connection, each timed from sending the request to having
      read the whole body (no parsing). Each timed answer must be 200 with the
      checked answer's size. Prints:
      entries=N bytes=B runs=R p50_ms=X p99_ms=Y min_ms=A max_ms=B cpu_ms=C
      (cpu_ms: the server's utime+stime per timed request from /proc/PID/stat,
      -1 without --pid; p99 is the nearest-rank percentile, so with fewer
      than 100 runs it is the slowest run.)

  objects.py delete-all --url CONTAINER_URL [--connections C]
      Lists the container page by page and DELETEs every object over C
      keep-alive connections, then DELETEs the container. A 404 counts as
      deleted. Prints: deleted=N seconds=S

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


def split_url(url):
    parts = urllib.parse.urlsplit(url)
    return parts, parts.path.rstrip("/")


def connect(parts):
    if parts.scheme == "https":
        return http.client.HTTPSConnection(parts.hostname, parts.port, timeout=300)
    return http.client.HTTPConnection(parts.hostname, parts.port, timeout=300)


def headers(extra=None):
    h = {"X-Auth-Token": os.environ["BENCH_TOKEN"]}
    h.update(extra or {})
    return h


def fail(message):
    sys.stderr.write(message.rstrip("\n") + "\n")
    sys.exit(1)


def request(conn, method, path, body=None, extra=None):
    conn.request(method, path, body=body, headers=headers(extra))
    resp = conn.getresponse()
    data = resp.read()  # read it all so the connection can be reused
    return resp, data


def head_count(conn, path):
    resp, data = request(conn, "HEAD", path)
    if resp.status not in (200, 204):
        fail("HEAD %s -> %d %s" % (path, resp.status, data[:300]))
    return int(resp.getheader("X-Container-Object-Count", "-1")), int(resp.getheader("X-Container-Bytes-Used", "-1"))


# ---------------------------------------------------------------- count, settle

def count(args):
    parts, path = split_url(args.url)
    conn = connect(parts)
    objects, used = head_count(conn, path)
    print("objects=%d bytes=%d" % (objects, used))


def settle(args):
    parts, path = split_url(args.url)
    conn = connect(parts)
    start = time.monotonic()
    last, last_change = None, start
    while True:
        objects, _ = head_count(conn, path)
        now = time.monotonic()
        if objects != last:
            last, last_change = objects, now
        if now - last_change >= 1.0 and objects >= args.expect_min:
            print("objects=%d seconds=%.1f settled=1" % (objects, now - start))
            return
        if now - start >= args.timeout:
            print("objects=%d seconds=%.1f settled=0" % (objects, now - start))
            return
        time.sleep(0.2)


# ---------------------------------------------------------------- names

def names(args):
    parts, path = split_url(args.url)
    conn = connect(parts)
    query = urllib.parse.urlencode({"format": "json", "limit": args.limit})
    resp, data = request(conn, "GET", path + "?" + query)
    if resp.status != 200:
        fail("GET %s?%s -> %d %s" % (path, query, resp.status, data[:300]))
    entries = json.loads(data)
    with open(args.out, "w") as f:
        for entry in entries:
            if "name" in entry:
                f.write(urllib.parse.quote(entry["name"]) + "\n")
    print("names=%d" % sum(1 for e in entries if "name" in e))


# ---------------------------------------------------------------- fill, delete-all

def run_parallel(jobs, connections, parts):
    """Runs (method, path, body, extra_headers, ok_statuses) jobs over keep-alive connections."""
    errors = []
    lock = threading.Lock()

    def worker(chunk):
        conn = connect(parts)
        for method, path, body, extra, ok in chunk:
            if errors:
                break
            try:
                resp, data = request(conn, method, path, body, extra)
            except (OSError, http.client.HTTPException) as error:
                with lock:
                    errors.append("%s %s: %s" % (method, path, error))
                break
            if resp.status not in ok:
                with lock:
                    errors.append("%s %s -> %d %s" % (method, path, resp.status, data[:300]))
                break
        conn.close()

    connections = max(1, min(connections, len(jobs)))
    threads = [threading.Thread(target=worker, args=(jobs[k::connections],)) for k in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        fail(errors[0])


def fill(args):
    parts, path = split_url(args.url)
    body = os.urandom(args.size)
    extra = {"Content-Type": "application/octet-stream"}
    jobs = [("PUT", "%s/obj-%05d" % (path, i), body, extra, (201,)) for i in range(args.count)]
    start = time.monotonic()
    run_parallel(jobs, args.connections, parts)
    print("created=%d seconds=%.3f" % (len(jobs), time.monotonic() - start))


def delete_all(args):
    parts, path = split_url(args.url)
    conn = connect(parts)
    start = time.monotonic()
    deleted = 0
    while True:
        # Always the first page: the previous one has been deleted.
        resp, data = request(conn, "GET", path + "?format=json&limit=10000")
        if resp.status == 404:
            break
        if resp.status != 200:
            fail("GET %s -> %d %s" % (path, resp.status, data[:300]))
        entries = [e["name"] for e in json.loads(data) if "name" in e]
        if not entries:
            break
        jobs = [("DELETE", path + "/" + urllib.parse.quote(name), None, None, (204, 404)) for name in entries]
        run_parallel(jobs, args.connections, parts)
        deleted += len(jobs)
    resp, data = request(conn, "DELETE", path)
    if resp.status not in (204, 404):
        # A listing that lags behind the deletes can still show objects: try again shortly.
        time.sleep(2)
        resp, data = request(conn, "DELETE", path)
        if resp.status not in (204, 404):
            fail("DELETE %s -> %d %s" % (path, resp.status, data[:300]))
    print("deleted=%d seconds=%.3f" % (deleted, time.monotonic() - start))


# ---------------------------------------------------------------- time-list

def cpu_ticks(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)


def percentile(sorted_values, p):
    """Nearest-rank percentile."""
    rank = max(1, -(-len(sorted_values) * p // 100))
    return sorted_values[int(rank) - 1]


def time_list(args):
    parts, path = split_url(args.url)
    target = path + "?" + args.query
    conn = connect(parts)
    resp, data = request(conn, "GET", target)
    if resp.status != 200:
        fail("GET %s -> %d %s" % (target, resp.status, data[:300]))
    entries = json.loads(data)
    if not isinstance(entries, list):
        fail("GET %s: the answer is not a JSON list" % target)
    if args.expect is not None and len(entries) != args.expect:
        fail("GET %s returned %d entries; expected %d" % (target, len(entries), args.expect))
    names_seen = [e.get("name") for e in entries]
    if names_seen != sorted(names_seen, key=lambda n: n.encode("utf-8")):
        fail("GET %s: the names are not in order" % target)
    for entry in entries[:1] + entries[-1:]:
        missing = [k for k in ("name", "hash", "bytes", "content_type", "last_modified") if k not in entry]
        if missing:
            fail("GET %s: an entry lacks %s: %s" % (target, ", ".join(missing), entry))
    size = len(data)
    times = []
    ticks0 = cpu_ticks(args.pid) if args.pid else 0
    for _ in range(args.runs):
        t0 = time.perf_counter_ns()
        conn.request("GET", target, headers=headers())
        resp = conn.getresponse()
        data = resp.read()
        t1 = time.perf_counter_ns()
        if resp.status != 200:
            fail("GET %s -> %d %s" % (target, resp.status, data[:300]))
        if len(data) != size:
            fail("GET %s: body of %d bytes; the checked answer had %d" % (target, len(data), size))
        times.append((t1 - t0) / 1e6)
    cpu_ms = -1.0
    if args.pid:
        hz = os.sysconf("SC_CLK_TCK")
        cpu_ms = (cpu_ticks(args.pid) - ticks0) * 1000.0 / hz / args.runs
    conn.close()
    times.sort()
    print("entries=%d bytes=%d runs=%d p50_ms=%.3f p99_ms=%.3f min_ms=%.3f max_ms=%.3f cpu_ms=%.3f"
          % (len(entries), size, args.runs, percentile(times, 50), percentile(times, 99), times[0], times[-1], cpu_ms))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    c = sub.add_parser("count")
    c.add_argument("--url", required=True)
    s = sub.add_parser("settle")
    s.add_argument("--url", required=True)
    s.add_argument("--expect-min", type=int, default=0)
    s.add_argument("--timeout", type=float, default=60)
    n = sub.add_parser("names")
    n.add_argument("--url", required=True)
    n.add_argument("--limit", type=int, required=True)
    n.add_argument("--out", required=True)
    f = sub.add_parser("fill")
    f.add_argument("--url", required=True)
    f.add_argument("--count", type=int, required=True)
    f.add_argument("--size", type=int, default=4096)
    f.add_argument("--connections", type=int, default=8)
    t = sub.add_parser("time-list")
    t.add_argument("--url", required=True)
    t.add_argument("--query", default="format=json")
    t.add_argument("--runs", type=int, default=20)
    t.add_argument("--pid", type=int)
    t.add_argument("--expect", type=int)
    d = sub.add_parser("delete-all")
    d.add_argument("--url", required=True)
    d.add_argument("--connections", type=int, default=8)
    args = parser.parse_args()
    {"count": count, "settle": settle, "names": names, "fill": fill, "time-list": time_list,
     "delete-all": delete_all}[args.command](args)


if __name__ == "__main__":
    main()
