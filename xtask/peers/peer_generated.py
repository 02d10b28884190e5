"""The Python client openapi-python-client generates from openapi/accounts.yaml (httpx and
attrs models): the same work as benches/peers.rs, driven by `cargo xtask bench-peers`, which
generates the client and puts it on PYTHONPATH.

    python peer_generated.py latency URL WARMUP CALLS | once URL | list URL
"""
import base64
import os
import sys

from sauce_labs_accounts_api_client import Client
from sauce_labs_accounts_api_client.api.teams import lookup_teams as lookup_teams_operation
from sauce_labs_accounts_api_client.api.users import lookup_users

from peer_common import run


def checked(page):
    if page is None or not hasattr(page, "results"):
        raise SystemExit(f"unexpected answer {page!r}")
    return page


def main():
    pair = f"{os.environ['SAUCE_USERNAME']}:{os.environ['SAUCE_ACCESS_KEY']}".encode()
    client = Client(base_url=sys.argv[2], headers={"Authorization": "Basic " + base64.b64encode(pair).decode()})

    def lookup_teams():
        return checked(lookup_teams_operation.sync(client=client)).count

    def users_page(offset):
        page = checked(lookup_users.sync(client=client, limit=100, offset=offset))
        return len(page.results), page.count

    run(lookup_teams, users_page)


if __name__ == "__main__":
    main()
