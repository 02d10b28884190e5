"""Python `requests`, written the way a careful user would (one Session, kept-alive
connections): the same work as benches/peers.rs, driven by `cargo xtask bench-peers`.

    python peer_requests.py latency URL CALLS | once URL | list URL
"""
import os
import sys
import time

import requests


def main():
    mode, url = sys.argv[1], sys.argv[2]
    session = requests.Session()
    session.auth = (os.environ["SAUCE_USERNAME"], os.environ["SAUCE_ACCESS_KEY"])
    teams = url + "/team-management/v1/teams/"

    def lookup_teams():
        response = session.get(teams, timeout=30)
        response.raise_for_status()
        return response.json()

    if mode == "latency":
        for _ in range(20):
            lookup_teams()
        micros = []
        for _ in range(int(sys.argv[3])):
            started = time.perf_counter()
            lookup_teams()
            micros.append((time.perf_counter() - started) * 1e6)
        micros.sort()
        print(f"{micros[len(micros) // 2]:.1f}")
    elif mode == "once":
        print(lookup_teams()["count"])
    elif mode == "list":
        users, offset = 0, 0
        while True:
            response = session.get(url + "/team-management/v1/users/", params={"limit": 100, "offset": offset}, timeout=30)
            response.raise_for_status()
            page = response.json()
            users += len(page["results"])
            offset += 100
            if not page["results"] or users >= page["count"]:
                break
        print(users)
    else:
        raise SystemExit(f"unknown mode {mode}")


if __name__ == "__main__":
    main()
