"""The Python client openapi-python-client generates from openapi/accounts.yaml (httpx and
attrs models): the same work as benches/peers.rs, driven by `cargo xtask bench-peers`, which
generates the client and puts it on PYTHONPATH.

    python peer_generated.py latency URL CALLS | once URL | list URL
"""
import base64
import os
import sys
import time

from sauce_labs_accounts_api_client import Client
from sauce_labs_accounts_api_client.api.teams import lookup_teams
from sauce_labs_accounts_api_client.api.users import lookup_users


def main():
    mode, url = sys.argv[1], sys.argv[2]
    pair = f"{os.environ['SAUCE_USERNAME']}:{os.environ['SAUCE_ACCESS_KEY']}".encode()
    client = Client(base_url=url, headers={"Authorization": "Basic " + base64.b64encode(pair).decode()})

    def teams():
        page = lookup_teams.sync(client=client)
        if page is None or not hasattr(page, "results"):
            raise SystemExit(f"unexpected answer {page!r}")
        return page

    if mode == "latency":
        for _ in range(20):
            teams()
        micros = []
        for _ in range(int(sys.argv[3])):
            started = time.perf_counter()
            teams()
            micros.append((time.perf_counter() - started) * 1e6)
        micros.sort()
        print(f"{micros[len(micros) // 2]:.1f}")
    elif mode == "once":
        print(teams().count)
    elif mode == "list":
        users, offset = 0, 0
        while True:
            page = lookup_users.sync(client=client, limit=100, offset=offset)
            if page is None or not hasattr(page, "results"):
                raise SystemExit(f"unexpected answer {page!r}")
            users += len(page.results)
            offset += 100
            if not page.results or users >= page.count:
                break
        print(users)
    else:
        raise SystemExit(f"unknown mode {mode}")


if __name__ == "__main__":
    main()
