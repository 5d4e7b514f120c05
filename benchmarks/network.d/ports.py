#!/usr/bin/env python3
"""Port helper for benchmarks/network (standard library only).

  ports.py check-ips --url URL --network-id NET --cidr CIDR
      GET /v2.0/ports?network_id=NET&fields=id&fields=fixed_ips and checks that
      every port has exactly one fixed IP, inside CIDR, and that no address is
      used twice. Prints: ports=N addresses=A distinct=D
      Exit status 1 (with the offending ports on stderr) if a check fails.

  ports.py fill --url URL --network-id NET --total N [--connections C]
      Brings the network to N ports. The ports already on it (from the
      create runs, unnamed) are taken in id order as ports 0..K-1; every 10th
      of them gets name "bench-NNNNN" and device_owner "compute:nova" with
      PUT /v2.0/ports/ID. Then ports K..N-1 are created with POST over C
      keep-alive connections, named "bench-NNNNN", and every 10th (index % 10
      == 0) with device_owner "compute:nova". So exactly ceil(max(K, N)/10)
      ports carry compute:nova. The PUTs and POSTs use the same C connections.
      Prints: existing=K marked=M created=C seconds=S compute_nova=E
      needle=NAME (NAME: a name that exactly one port has).

  ports.py time --url URL --path PATH --runs R [--pid PID] [--expect N]
                [--expect-min N] [--owner VALUE] [--name VALUE] [--next]
      One untimed warm-up GET PATH, whose answer is parsed and checked (the
      number of ports: exactly --expect or at least --expect-min; with --owner
      or --name every port must have that device_owner or name; with --next a
      ports_links "next" link must be there). Then R timed GETs over the same
      keep-alive connection; each is timed from sending the request to having
      read the whole body (no JSON parsing). Every timed answer must be 200 with
      the same body size as the warm-up (give or take 1 %). Prints:
      ports=N bytes=B runs=R p50_ms=X p99_ms=Y min_ms=A max_ms=B cpu_ms=C
      (cpu_ms: the server's utime+stime per timed request, from /proc/PID/stat;
      -1 without --pid.) p99 is the nearest-rank percentile, so with fewer
      than 100 runs it is the slowest run.

The token is read from the BENCH_TOKEN environment variable. Any unexpected
answer ends the program with exit status 1 and the answer on stderr.
"""

import argparse
import http.client
import ipaddress
import json
import os
import sys
import threading
import time
import urllib.parse


def connect(url):
    parts = urllib.parse.urlsplit(url)
    return http.client.HTTPConnection(parts.hostname, parts.port, timeout=300)


def headers(extra=None):
    h = {"X-Auth-Token": os.environ["BENCH_TOKEN"], "Accept": "application/json"}
    h.update(extra or {})
    return h


def fail(message):
    sys.stderr.write(message.rstrip("\n") + "\n")
    sys.exit(1)


def get_json(conn, path):
    conn.request("GET", path, headers=headers())
    resp = conn.getresponse()
    data = resp.read()
    if resp.status != 200:
        fail("GET %s -> %d %s" % (path, resp.status, data[:300]))
    return json.loads(data)


def send_json(conn, method, path, body, expect):
    conn.request(method, path, body=json.dumps(body).encode(),
                 headers=headers({"Content-Type": "application/json"}))
    resp = conn.getresponse()
    data = resp.read()  # read it all so the connection can be reused
    if resp.status != expect:
        return "%s %s -> %d %s" % (method, path, resp.status, data[:300])
    return None


def name_of(index):
    return "bench-%05d" % index


# ---------------------------------------------------------------- check-ips

def check_ips(args):
    network = ipaddress.ip_network(args.cidr)
    conn = connect(args.url)
    query = urllib.parse.urlencode([("network_id", args.network_id), ("fields", "id"), ("fields", "fixed_ips")])
    ports = get_json(conn, "/v2.0/ports?" + query)["ports"]
    conn.close()
    owner = {}
    problems = []
    for port in ports:
        fixed = port.get("fixed_ips") or []
        if len(fixed) != 1:
            problems.append("port %s has %d fixed IPs: %s" % (port.get("id"), len(fixed), fixed))
        for entry in fixed:
            address = entry.get("ip_address", "")
            try:
                inside = ipaddress.ip_address(address) in network
            except ValueError:
                inside = False
            if not inside:
                problems.append("port %s has address %r outside %s" % (port.get("id"), address, network))
            if address in owner:
                problems.append("address %s is on port %s and on port %s" % (address, owner[address], port.get("id")))
            else:
                owner[address] = port.get("id")
    addresses = sum(len(p.get("fixed_ips") or []) for p in ports)
    if problems:
        fail("%d problem(s) among %d ports, first ones:\n  %s" % (len(problems), len(ports), "\n  ".join(problems[:20])))
    print("ports=%d addresses=%d distinct=%d" % (len(ports), addresses, len(owner)))


# ---------------------------------------------------------------- fill

def run_parallel(jobs, connections, url):
    """Runs (method, path, body, expected_status) jobs over keep-alive connections."""
    errors = []
    lock = threading.Lock()

    def worker(chunk):
        conn = connect(url)
        for method, path, body, expect in chunk:
            if errors:
                break
            error = send_json(conn, method, path, body, expect)
            if error:
                with lock:
                    errors.append(error)
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
    conn = connect(args.url)
    query = urllib.parse.urlencode([("network_id", args.network_id), ("fields", "id"), ("fields", "name")])
    existing = sorted(p["id"] for p in get_json(conn, "/v2.0/ports?" + query)["ports"])
    conn.close()
    start = time.monotonic()
    marks = [("PUT", "/v2.0/ports/" + port_id,
              {"port": {"name": name_of(j), "device_owner": "compute:nova"}}, 200)
             for j, port_id in enumerate(existing) if j % 10 == 0]
    run_parallel(marks, args.connections, args.url)
    creates = []
    for i in range(len(existing), args.total):
        port = {"network_id": args.network_id, "name": name_of(i)}
        if i % 10 == 0:
            port["device_owner"] = "compute:nova"
        creates.append(("POST", "/v2.0/ports", {"port": port}, 201))
    run_parallel(creates, args.connections, args.url)
    elapsed = time.monotonic() - start
    total = max(len(existing), args.total)
    compute_nova = (total + 9) // 10
    # A multiple of 10 near the middle: it is named whether it was created or marked.
    needle = name_of((total // 2) // 10 * 10)
    print("existing=%d marked=%d created=%d seconds=%.3f compute_nova=%d needle=%s"
          % (len(existing), len(marks), len(creates), elapsed, compute_nova, needle))


# ---------------------------------------------------------------- time

def cpu_ticks(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)


def percentile(sorted_values, p):
    """Nearest-rank percentile."""
    rank = max(1, -(-len(sorted_values) * p // 100))
    return sorted_values[int(rank) - 1]


def time_get(args):
    conn = connect(args.url)
    body = get_json(conn, args.path)  # warm-up, checked
    ports = body.get("ports")
    if not isinstance(ports, list):
        fail("GET %s: no 'ports' list in the answer" % args.path)
    count = len(ports)
    if args.expect is not None and count != args.expect:
        fail("GET %s returned %d ports; expected %d" % (args.path, count, args.expect))
    if args.expect_min is not None and count < args.expect_min:
        fail("GET %s returned %d ports; expected at least %d" % (args.path, count, args.expect_min))
    if args.owner is not None:
        wrong = [p.get("id") for p in ports if p.get("device_owner") != args.owner]
        if wrong:
            fail("GET %s returned %d ports whose device_owner is not %s, e.g. %s" % (args.path, len(wrong), args.owner, wrong[0]))
    if args.name is not None:
        wrong = [p.get("id") for p in ports if p.get("name") != args.name]
        if wrong:
            fail("GET %s returned %d ports not named %s, e.g. %s" % (args.path, len(wrong), args.name, wrong[0]))
    if args.next and not any(link.get("rel") == "next" for link in body.get("ports_links", [])):
        fail("GET %s: no 'next' link in ports_links" % args.path)

    # Size of the warm-up answer, as sent (re-read raw so JSON formatting does not matter).
    conn.request("GET", args.path, headers=headers())
    resp = conn.getresponse()
    size = len(resp.read())
    times = []
    ticks0 = cpu_ticks(args.pid) if args.pid else 0
    for _ in range(args.runs):
        t0 = time.perf_counter_ns()
        conn.request("GET", args.path, headers=headers())
        resp = conn.getresponse()
        data = resp.read()
        t1 = time.perf_counter_ns()
        if resp.status != 200:
            fail("GET %s -> %d %s" % (args.path, resp.status, data[:300]))
        if abs(len(data) - size) > size // 100:
            fail("GET %s: body of %d bytes; the first answer had %d" % (args.path, len(data), size))
        times.append((t1 - t0) / 1e6)
    cpu_ms = -1.0
    if args.pid:
        hz = os.sysconf("SC_CLK_TCK")
        cpu_ms = (cpu_ticks(args.pid) - ticks0) * 1000.0 / hz / args.runs
    conn.close()
    times.sort()
    print("ports=%d bytes=%d runs=%d p50_ms=%.3f p99_ms=%.3f min_ms=%.3f max_ms=%.3f cpu_ms=%.3f"
          % (count, size, args.runs, percentile(times, 50), percentile(times, 99), times[0], times[-1], cpu_ms))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    c = sub.add_parser("check-ips")
    c.add_argument("--url", required=True)
    c.add_argument("--network-id", required=True)
    c.add_argument("--cidr", required=True)
    f = sub.add_parser("fill")
    f.add_argument("--url", required=True)
    f.add_argument("--network-id", required=True)
    f.add_argument("--total", type=int, required=True)
    f.add_argument("--connections", type=int, default=4)
    t = sub.add_parser("time")
    t.add_argument("--url", required=True)
    t.add_argument("--path", required=True)
    t.add_argument("--runs", type=int, default=20)
    t.add_argument("--pid", type=int)
    t.add_argument("--expect", type=int)
    t.add_argument("--expect-min", type=int)
    t.add_argument("--owner")
    t.add_argument("--name")
    t.add_argument("--next", action="store_true")
    args = parser.parse_args()
    {"check-ips": check_ips, "fill": fill, "time": time_get}[args.command](args)


if __name__ == "__main__":
    main()
