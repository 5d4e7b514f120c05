#!/usr/bin/env python3
"""Image-list helper for benchmarks/image (standard library only).

  images.py create --url URL --count N [--connections C]
      Creates N queued images (POST /v2/images) over C keep-alive connections.
      Image i is named bench-NNNNN; every 10th image gets the tag
      "bench-tenth", every 100th the property bench_group=hundredth.
      Prints: created=N errors=E seconds=S

  images.py walk --url URL [--limit L] [--runs R]
      Lists every image with GET /v2/images?limit=L, following the "next"
      links, R times over one keep-alive connection. Prints one line per walk:
      seconds=S images=N pages=P

  images.py page --url URL --path PATH
      Fetches one page (GET PATH) and prints: images=N next=yes|no
      tagged=T (T: how many of them carry the tag "bench-tenth").

The token is read from the BENCH_TOKEN environment variable. Any non-2xx
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
    return http.client.HTTPConnection(parts.hostname, parts.port, timeout=120)


def headers(extra=None):
    h = {"X-Auth-Token": os.environ["BENCH_TOKEN"], "Accept": "application/json"}
    h.update(extra or {})
    return h


def image_body(i):
    body = {"name": "bench-%05d" % i, "disk_format": "raw", "container_format": "bare"}
    if i % 10 == 0:
        body["tags"] = ["bench-tenth"]
    if i % 100 == 0:
        body["bench_group"] = "hundredth"
    return json.dumps(body).encode()


def create(args):
    errors = []
    lock = threading.Lock()

    def worker(indices):
        conn = connect(args.url)
        for i in indices:
            conn.request("POST", "/v2/images", body=image_body(i),
                         headers=headers({"Content-Type": "application/json"}))
            resp = conn.getresponse()
            data = resp.read()  # read it all so the connection can be reused
            if resp.status != 201:
                with lock:
                    errors.append("POST /v2/images -> %d %s" % (resp.status, data[:300]))
                return
        conn.close()

    start = time.monotonic()
    threads = [threading.Thread(target=worker, args=(range(k, args.count, args.connections),))
               for k in range(args.connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - start
    if errors:
        sys.stderr.write(errors[0] + "\n")
        sys.exit(1)
    print("created=%d errors=0 seconds=%.3f" % (args.count, elapsed))


def walk(args):
    conn = connect(args.url)
    for _ in range(args.runs):
        seen = set()
        pages = 0
        path = "/v2/images?limit=%d" % args.limit
        start = time.monotonic()
        while path:
            conn.request("GET", path, headers=headers())
            resp = conn.getresponse()
            data = resp.read()
            if resp.status != 200:
                sys.stderr.write("GET %s -> %d %s\n" % (path, resp.status, data[:300]))
                sys.exit(1)
            page = json.loads(data)
            pages += 1
            for image in page["images"]:
                if image["id"] in seen:
                    sys.stderr.write("image %s listed twice during the walk\n" % image["id"])
                    sys.exit(1)
                seen.add(image["id"])
            path = page.get("next")
        elapsed = time.monotonic() - start
        print("seconds=%.3f images=%d pages=%d" % (elapsed, len(seen), pages), flush=True)
    conn.close()


def page(args):
    conn = connect(args.url)
    conn.request("GET", args.path, headers=headers())
    resp = conn.getresponse()
    data = resp.read()
    if resp.status != 200:
        sys.stderr.write("GET %s -> %d %s\n" % (args.path, resp.status, data[:300]))
        sys.exit(1)
    body = json.loads(data)
    tagged = sum(1 for image in body["images"] if "bench-tenth" in image.get("tags", []))
    print("images=%d next=%s tagged=%d" % (len(body["images"]), "yes" if body.get("next") else "no", tagged))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    c = sub.add_parser("create")
    c.add_argument("--url", required=True)
    c.add_argument("--count", type=int, required=True)
    c.add_argument("--connections", type=int, default=4)
    w = sub.add_parser("walk")
    w.add_argument("--url", required=True)
    w.add_argument("--limit", type=int, default=1000)
    w.add_argument("--runs", type=int, default=3)
    p = sub.add_parser("page")
    p.add_argument("--url", required=True)
    p.add_argument("--path", required=True)
    args = parser.parse_args()
    {"create": create, "walk": walk, "page": page}[args.command](args)


if __name__ == "__main__":
    main()
