#!/usr/bin/env python3
"""Big groups over HTTP (issue 12, item 5): the time and peak memory of `GET /Groups/{id}` of one
group of --members members, and of `GET /Groups` over --groups groups of that size, against a
running `rosterd serve` whose pid is given (peak RSS is /proc/<pid>/status VmHWM, reset with
/proc/<pid>/clear_refs before each read, so set-up does not count).

    python3 scripts/bench-big-groups.py --base http://127.0.0.1:PORT/scim/bench/learning/v2 \
        --token TOKEN --pid PID [--members 100000] [--groups 2]

Set-up (untimed): --members inactive users (no seat) in Bulk requests of 1,000, --groups groups,
each given every user in PATCHes of 10,000 members. Each read is checked: exactly the members.
"""
import argparse
import json
import time
import urllib.request

USER = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
BULK = "urn:ietf:params:scim:api:messages:2.0:BulkRequest"
PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


def call(args, method, path, body=None):
    req = urllib.request.Request(args.base + path, method=method)
    req.add_header("Authorization", "Bearer " + args.token)
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        req.add_header("Content-Type", "application/scim+json")
    with urllib.request.urlopen(req, data, timeout=900) as res:
        raw = res.read()
        return res.status, raw


def rss(pid, key):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])  # kB
    return 0


def reset_peak(pid):
    with open(f"/proc/{pid}/clear_refs", "w") as f:
        f.write("5")


def timed_read(args, path):
    reset_peak(args.pid)
    before = rss(args.pid, "VmRSS")
    t0 = time.perf_counter()
    status, raw = call(args, "GET", path)
    elapsed = time.perf_counter() - t0
    peak = rss(args.pid, "VmHWM")
    return status, raw, elapsed, before, peak


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--base", required=True)
    p.add_argument("--token", required=True)
    p.add_argument("--pid", type=int, required=True)
    p.add_argument("--members", type=int, default=100_000)
    p.add_argument("--groups", type=int, default=2)
    args = p.parse_args()

    t0 = time.perf_counter()
    ids = []
    tag = f"bg{int(time.time())}"
    for start in range(0, args.members, 1000):
        ops = [{"method": "POST", "path": "/Users", "bulkId": f"u{i}",
                "data": {"schemas": [USER], "userName": f"{tag}-{i}@bench.example", "active": False}}
               for i in range(start, min(start + 1000, args.members))]
        status, raw = call(args, "POST", "/Bulk", {"schemas": [BULK], "Operations": ops})
        assert status == 200, raw[:300]
        for op in json.loads(raw)["Operations"]:
            assert op["status"] == "201", op
            ids.append(op["location"].rsplit("/", 1)[1])
    groups = []
    for g in range(args.groups):
        status, raw = call(args, "POST", "/Groups", {"schemas": [GROUP], "displayName": f"{tag}-g{g}"})
        assert status == 201, raw[:300]
        gid = json.loads(raw)["id"]
        for start in range(0, len(ids), 10_000):
            members = [{"value": i} for i in ids[start:start + 10_000]]
            status, raw = call(args, "PATCH", f"/Groups/{gid}",
                               {"schemas": [PATCH], "Operations": [{"op": "add", "path": "members", "value": members}]})
            assert status in (200, 204), raw[:300]
        groups.append(gid)
    setup = time.perf_counter() - t0
    want = sorted(ids)

    status, raw, elapsed, before, peak = timed_read(args, f"/Groups/{groups[0]}")
    got = [m["value"] for m in json.loads(raw)["members"]]
    assert status == 200 and sorted(got) == want, (status, len(got))
    one = {"read": "GET /Groups/{id}", "members": len(got), "seconds": round(elapsed, 3),
           "body_mb": round(len(raw) / 1e6, 1), "rss_before_mb": round(before / 1024, 1),
           "peak_rss_mb": round(peak / 1024, 1)}

    status, raw, elapsed, before, peak = timed_read(args, f"/Groups?filter=displayName%20sw%20%22{tag}%22")
    body = json.loads(raw)
    total = sum(len(r.get("members", [])) for r in body["Resources"])
    assert status == 200 and body["totalResults"] == args.groups, (status, body.get("totalResults"))
    for r in body["Resources"]:
        assert sorted(m["value"] for m in r["members"]) == want
    listed = {"read": "GET /Groups", "groups": args.groups, "members": total, "seconds": round(elapsed, 3),
              "body_mb": round(len(raw) / 1e6, 1), "rss_before_mb": round(before / 1024, 1),
              "peak_rss_mb": round(peak / 1024, 1)}
    print(json.dumps({"setup_s": round(setup, 1)}))
    print(json.dumps(one))
    print(json.dumps(listed))


if __name__ == "__main__":
    main()
