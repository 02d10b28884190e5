"""What both Python peers do, given how each lists teams and reads a page of users: the
modes `cargo xtask bench-peers` drives (latency URL WARMUP CALLS | once URL | list URL)."""
import sys
import time


def run(lookup_teams, users_page):
    """`lookup_teams()` answers the number of teams; `users_page(offset)` answers
    `(users on the page, users in all)` for a page of 100."""
    mode = sys.argv[1]
    if mode == "latency":
        for _ in range(int(sys.argv[3])):
            lookup_teams()
        micros = []
        for _ in range(int(sys.argv[4])):
            started = time.perf_counter()
            lookup_teams()
            micros.append((time.perf_counter() - started) * 1e6)
        micros.sort()
        print(f"{micros[len(micros) // 2]:.1f}")
    elif mode == "once":
        print(lookup_teams())
    elif mode == "list":
        users, offset = 0, 0
        while True:
            on_page, count = users_page(offset)
            users += on_page
            offset += 100
            if on_page == 0 or users >= count:
                break
        print(users)
    else:
        raise SystemExit(f"unknown mode {mode}")
