"""Python `requests`, written the way a careful user would (one Session, kept-alive
connections): the same work as benches/peers.rs, driven by `cargo xtask bench-peers`.

    python peer_requests.py latency URL WARMUP CALLS | once URL | list URL
"""
import os
import sys

import requests

from peer_common import run


def main():
    url = sys.argv[2]
    session = requests.Session()
    session.auth = (os.environ["SAUCE_USERNAME"], os.environ["SAUCE_ACCESS_KEY"])

    def get(path, **params):
        response = session.get(url + path, params=params, timeout=30)
        response.raise_for_status()
        return response.json()

    def lookup_teams():
        return get("/team-management/v1/teams/")["count"]

    def users_page(offset):
        page = get("/team-management/v1/users/", limit=100, offset=offset)
        return len(page["results"]), page["count"]

    run(lookup_teams, users_page)


if __name__ == "__main__":
    main()
