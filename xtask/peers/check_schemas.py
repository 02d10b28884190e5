"""Checks openapi/accounts.yaml as other languages read it, with tools that are not ours.
Driven by `cargo xtask python-client`, after it has generated the Python client and put it on
PYTHONPATH.

    python check_schemas.py SPEC_JSON LIVE_DIR RECORDED_DIR

Checked:
- nullability, by an independent OpenAPI 3.0 validator (openapi-schema-validator's
  OAS30Validator): every schema that says `nullable: true` (a component, a property at any
  depth, an item) accepts null, and every property that refers to a component through
  `allOf`/`oneOf`/`anyOf` accepts null exactly when its target does (`nullable: true` beside a
  combination adds nothing under OpenAPI 3.0's rules, so writing it there is an error);
- every live answer (LIVE_DIR/<operationId>.json) and every answer other clients recorded
  (RECORDED_DIR/<operationId>.<client>.json) is valid against its operation's success schema,
  by the same validator;
- closed request filters: every query parameter whose schema (or item schema) is a component
  with `enum` reaches the generated Python client's operation as an Enum type, not a bare
  string or integer.
"""
import enum
import importlib
import inspect
import json
import os
import sys
import typing

from openapi_schema_validator import OAS30Validator

from parse_answers import generated_package

METHODS = ("get", "put", "post", "patch", "delete")


def components(spec):
    return spec["components"]["schemas"]


def component_of(spec, reference):
    return components(spec)[reference.rsplit("/", 1)[-1]]


def validator(spec, schema):
    """An OAS 3.0 validator for `schema` that resolves the spec's `#/components/...` refs."""
    return OAS30Validator({**schema, "components": spec["components"]})


def accepts(spec, schema, value):
    return validator(spec, schema).is_valid(value)


def walk(schema, where):
    """Every schema object inside `schema` (itself included), with where it is."""
    yield where, schema
    if not isinstance(schema, dict):
        return
    for name, prop in schema.get("properties", {}).items():
        yield from walk(prop, f"{where}.{name}")
    for key in ("items", "additionalProperties", "not"):
        if isinstance(schema.get(key), dict):
            yield from walk(schema[key], f"{where}.{key}")
    for key in ("allOf", "oneOf", "anyOf"):
        for index, branch in enumerate(schema.get(key, [])):
            yield from walk(branch, f"{where}.{key}[{index}]")


def check_nullability(spec):
    failures, checked = [], 0
    for name, component in components(spec).items():
        for where, schema in walk(component, name):
            if not isinstance(schema, dict):
                continue
            combined = [key for key in ("allOf", "oneOf", "anyOf") if key in schema]
            if schema.get("nullable") is True:
                checked += 1
                if not accepts(spec, schema, None):
                    failures.append(f"{where} says nullable but the validator refuses null")
                if combined:
                    failures.append(f"{where}: `nullable` beside {combined[0]} is ignored by OpenAPI 3.0 validators")
            refs = [branch["$ref"] for key in combined for branch in schema[key] if "$ref" in branch]
            if len(refs) == 1 and schema.get("nullable") is not True:
                # A property that refers to one component takes null exactly when it does.
                target_nullable = component_of(spec, refs[0]).get("nullable") is True
                checked += 1
                if accepts(spec, schema, None) != target_nullable:
                    failures.append(f"{where}: null is {'refused' if target_nullable else 'accepted'} against its target")
    return checked, failures


def operations(spec):
    for path, item in spec["paths"].items():
        for method in METHODS:
            if method in item:
                yield path, method, item[method]


def answer_files(live_dir, recorded_dir):
    """(operationId, path) of every live and recorded answer."""
    for folder in (live_dir, recorded_dir):
        for name in sorted(os.listdir(folder)):
            if name.endswith(".json"):
                yield name.split(".")[0], os.path.join(folder, name)


def check_live_answers(spec, live_dir, recorded_dir):
    failures, checked = [], 0
    by_id = {operation["operationId"]: operation for _, _, operation in operations(spec)}
    for operation_id, answer_path in answer_files(live_dir, recorded_dir):
        operation = by_id.get(operation_id)
        if operation is None:
            failures.append(f"{answer_path}: no operation {operation_id}")
            continue
        success = min(status for status in operation["responses"] if status.startswith("2"))
        response = operation["responses"][success]
        if "$ref" in response:
            response = spec["components"]["responses"][response["$ref"].rsplit("/", 1)[-1]]
        schema = response["content"]["application/json"]["schema"]
        with open(answer_path, encoding="utf-8") as file:
            answer = json.load(file)
        checked += 1
        errors = sorted(validator(spec, schema).iter_errors(answer), key=lambda error: list(error.path))
        for error in errors[:3]:
            where = "/".join(str(part) for part in error.path)
            failures.append(f"{os.path.basename(answer_path)} at /{where}: {error.message}")
    return checked, failures


def closed_component(spec, schema):
    """The component a parameter's schema (or its items) names, when that component is closed."""
    for candidate in (schema, schema.get("items", {})):
        reference = candidate.get("$ref")
        if reference and "enum" in component_of(spec, reference):
            return reference.rsplit("/", 1)[-1]
    return None


def enum_types(annotation):
    """The Enum classes an annotation mentions (`X | Unset`, `list[X] | Unset`, …)."""
    if inspect.isclass(annotation):
        return [annotation] if issubclass(annotation, enum.Enum) else []
    return [found for argument in typing.get_args(annotation) for found in enum_types(argument)]


def check_closed_filters(spec, package):
    failures, checked = [], 0
    for _, _, operation in operations(spec):
        tag = operation["tags"][0]
        for parameter in operation.get("parameters", []):
            if "$ref" in parameter:
                parameter = spec["components"]["parameters"][parameter["$ref"].rsplit("/", 1)[-1]]
            if parameter["in"] != "query":
                continue
            closed = closed_component(spec, parameter["schema"])
            if closed is None:
                continue
            checked += 1
            module = importlib.import_module(f"{package}.api.{tag}.{operation['operationId']}")
            name = parameter["name"].replace("-", "_")
            hints = typing.get_type_hints(module.sync_detailed)
            found = enum_types(hints.get(name))
            where = f"{operation['operationId']} `{parameter['name']}` ({closed})"
            if not found:
                failures.append(f"{where}: the generated client takes {hints.get(name)}, not an Enum")
            elif sorted(member.value for member in found[0]) != sorted(component_of(spec, closed)["enum"]):
                failures.append(f"{where}: the generated Enum has {[member.value for member in found[0]]}")
    return checked, failures


def main():
    spec_path, live_dir, recorded_dir = sys.argv[1:4]
    with open(spec_path, encoding="utf-8") as file:
        spec = json.load(file)
    failures = []
    for what, (checked, found) in [
        ("nullability checks", check_nullability(spec)),
        ("live and recorded answers valid against their schema", check_live_answers(spec, live_dir, recorded_dir)),
        ("closed query filters typed as an Enum by the generated client", check_closed_filters(spec, generated_package())),
    ]:
        print(f"{what}: {checked} checked, {len(found)} problems")
        if checked == 0:
            found.append(f"{what}: nothing was checked")
        failures.extend(found)
    for failure in failures:
        print(f"  {failure}")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
