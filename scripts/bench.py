#!/usr/bin/env python3
"""Load check for a running Invigilator server (loopback only): registers N candidates,
logs them in, then starts N Foundation sittings at once and saves answers.

    python3 scripts/bench.py --base http://127.0.0.1:8000 --candidates 2000 --concurrency 64

Run the server for this with cheap password hashing, or registration dominates:
    APP_ENVIRONMENT=test APP_SERVER__WORKERS=2 cargo run --release -- serve
Prints throughput and latency percentiles per phase. Standard library only.
"""
import argparse
import concurrent.futures as cf
import json
import time
import urllib.request
import uuid


def call(base, method, path, body=None, token=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(base + path, data=data, method=method)
    if data is not None:
        req.add_header("content-type", "application/json")
    if token:
        req.add_header("authorization", "Bearer " + token)
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(req, timeout=60) as resp:
            status, payload = resp.status, resp.read()
    except urllib.error.HTTPError as e:
        status, payload = e.code, e.read()
    return status, payload, time.perf_counter() - started


def phase(name, jobs, concurrency):
    started = time.perf_counter()
    with cf.ThreadPoolExecutor(concurrency) as pool:
        results = list(pool.map(lambda job: job(), jobs))
    elapsed = time.perf_counter() - started
    latencies = sorted(r[2] for r in results)
    ok = sum(1 for r in results if 200 <= r[0] < 300)
    pct = lambda p: latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000
    print(f"{name:<10} {len(results):>6} requests  {ok:>6} ok  {len(results) / elapsed:8.1f}/s  "
          f"p50 {pct(0.50):7.1f} ms  p95 {pct(0.95):7.1f} ms  p99 {pct(0.99):7.1f} ms  max {latencies[-1] * 1000:7.1f} ms")
    return results


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", default="http://127.0.0.1:8000")
    parser.add_argument("--candidates", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--answers", type=int, default=5, help="answers saved per sitting")
    args = parser.parse_args()
    if not args.base.startswith(("http://127.", "http://localhost", "http://[::1]")):
        raise SystemExit("loopback addresses only")
    run = uuid.uuid4().hex[:8]
    emails = [f"bench-{run}-{i}@example.org" for i in range(args.candidates)]
    password = "benchmark password 1"
    phase("register", [lambda e=e: call(args.base, "POST", "/api/v1/auth/register",
          {"email": e, "password": password, "given_name": "Bench", "family_name": "Mark"}) for e in emails], args.concurrency)
    logins = phase("login", [lambda e=e: call(args.base, "POST", "/api/v1/auth/login",
                   {"email": e, "password": password}) for e in emails], args.concurrency)
    tokens = [json.loads(r[1])["access_token"] for r in logins if r[0] == 200]
    starts = phase("start", [lambda t=t: call(args.base, "POST", "/api/v1/sittings",
                   {"qualification": "iso20000-foundation"}, t) for t in tokens], args.concurrency)
    sittings = [(t, json.loads(r[1])["id"]) for t, r in zip(tokens, starts) if r[0] == 201]
    phase("answer", [lambda t=t, s=s, n=n: call(args.base, "PUT", f"/api/v1/sittings/{s}/answers/{n}", {"choice": "A"}, t)
                     for t, s in sittings for n in range(1, args.answers + 1)], args.concurrency)
    phase("submit", [lambda t=t, s=s: call(args.base, "POST", f"/api/v1/sittings/{s}/submit", None, t)
                     for t, s in sittings], args.concurrency)


if __name__ == "__main__":
    main()
