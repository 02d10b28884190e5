"""Hands answers to the client openapi-python-client generates from openapi/accounts.yaml, through
each generated operation's own response parser (`_parse_response`), exactly as that client
handles what it receives. Driven by `cargo xtask python-client`, which generates the client,
puts it on PYTHONPATH, starts `sauce-sandbox` and exports its URL and admin credentials.

    python parse_answers.py SPEC_JSON LIVE_DIR RECORDED_DIR

Answers checked:
- every live answer (LIVE_DIR/<operationId>.json), with the operation's success status;
- every answer other clients recorded (RECORDED_DIR/<operationId>.<client>.json), likewise;
- the sandbox's answer to every operation, as its admin, with the sandbox's own ids in the path
  (team "Web", user "alan.web", a service account made for the run) and the spec's example as
  the body where it has one (its team and user ids replaced by the sandbox's); DELETE
  operations go last so the rest find what they need.

An answer fails when the parser raises (a missing required field, a value no branch of a oneOf
takes, a status the spec does not document), parses a non-empty body to nothing, or drops a
field the answer had (the generated models keep unknown fields, so none should go missing).
"""
import importlib
import json
import os
import pkgutil
import sys
from collections import Counter

import httpx

METHODS = ("get", "put", "post", "patch", "delete")


def generated_package():
    for folder in os.environ["PYTHONPATH"].split(os.pathsep):
        for name in sorted(os.listdir(folder)):
            if os.path.isfile(os.path.join(folder, name, "client.py")):
                return name
    raise SystemExit("no generated client on PYTHONPATH")


def operation_modules(package):
    api = importlib.import_module(f"{package}.api")
    modules = {}
    for tag in pkgutil.iter_modules(api.__path__):
        group = importlib.import_module(f"{package}.api.{tag.name}")
        for operation in pkgutil.iter_modules(group.__path__):
            modules[operation.name] = importlib.import_module(f"{package}.api.{tag.name}.{operation.name}")
    return modules


def operations(spec):
    for path, item in spec["paths"].items():
        for method in METHODS:
            if method in item:
                operation = item[method]
                body = operation.get("requestBody", {}).get("content", {}).get("application/json", {})
                success = min(int(status) for status in operation["responses"] if status.startswith("2"))
                yield operation["operationId"], method, path, success, body.get("example")


def dropped_fields(data, parsed):
    """Fields of the answer that the parsed value no longer has, by position for lists."""
    if isinstance(data, dict) and hasattr(parsed, "to_dict"):
        return sorted(set(data) - set(parsed.to_dict()))
    if isinstance(data, list) and isinstance(parsed, list):
        return [f"[{index}].{field}" for index, (item, value) in enumerate(zip(data, parsed))
                for field in dropped_fields(item, value)]
    return []


def main():
    spec_path, live_dir, recorded_dir = sys.argv[1:4]
    with open(spec_path, encoding="utf-8") as file:
        spec = json.load(file)
    package = generated_package()
    client = importlib.import_module(package).Client(base_url="http://unused", raise_on_unexpected_status=True)
    modules = operation_modules(package)
    failures = []
    statuses = Counter()

    def check(source, operation_id, status, content):
        statuses[(source, status)] += 1
        where = f"{source} {operation_id} {status}"
        module = modules.get(operation_id)
        if module is None:
            failures.append(f"{where}: the generated client has no module for this operation")
            return
        response = httpx.Response(status, content=content, headers={"content-type": "application/json"})
        try:
            parsed = module._parse_response(client=client, response=response)
        except Exception as error:  # the parser's own failure is the finding
            failures.append(f"{where}: {type(error).__name__}: {error}")
            return
        if content.strip() and parsed is None:
            failures.append(f"{where}: a body of {len(content)} bytes parsed to nothing")
            return
        missing = dropped_fields(json.loads(content), parsed) if content.strip() else []
        if missing:
            failures.append(f"{where}: dropped {missing}")

    table = list(operations(spec))
    for operation_id, _, _, success, _ in table:
        path = os.path.join(live_dir, f"{operation_id}.json")
        if os.path.isfile(path):
            with open(path, "rb") as file:
                check("live", operation_id, success, file.read())
    successes = {operation_id: success for operation_id, _, _, success, _ in table}
    for name in sorted(os.listdir(recorded_dir)):
        if name.endswith(".json"):
            operation_id = name.split(".")[0]
            with open(os.path.join(recorded_dir, name), "rb") as file:
                check("recorded", operation_id, successes.get(operation_id, 200), file.read())

    admin = os.environ["SAUCE_USERNAME"]
    http = httpx.Client(base_url=os.environ["SAUCE_BASE_URL"], auth=(admin, os.environ["SAUCE_ACCESS_KEY"]))

    def first_id(path, **query):
        answer = http.get(path, params=query)
        answer.raise_for_status()
        return answer.json()["results"][0]["id"]

    team = first_id("/team-management/v1/teams/", name="Web")
    member = first_id("/team-management/v1/users/", username="alan.web")
    made = http.post("/team-management/v1/service-accounts/", json={"name": "Parser bot", "team_uuid": team})
    check("sandbox", "create_service_account", made.status_code, made.content)
    if made.status_code != 201:
        raise SystemExit(f"the sandbox did not create a service account: {made.status_code} {made.text}")
    ids = {"team_id": team, "user_id": member, "username": "alan.web", "uuid": made.json()["id"]}
    # The examples' ids are the docs' own; the sandbox's stand in for them, so writes succeed.
    sandbox_ids = {"team": team, "team_uuid": team, "teams": [team], "user": member}
    for operation_id, method, path, _, example in sorted(table, key=lambda row: row[1] == "delete"):
        if isinstance(example, dict):
            example = {name: sandbox_ids.get(name, value) for name, value in example.items()}
        answer = http.request(method.upper(), path.format(**ids), json=example)
        check("sandbox", operation_id, answer.status_code, answer.content)

    counts = ", ".join(f"{source} {status}: {count}" for (source, status), count in sorted(statuses.items()))
    print(f"the generated client parsed {sum(statuses.values()) - len(failures)} of {sum(statuses.values())} answers ({counts})")
    for failure in failures:
        print(f"  {failure}")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
