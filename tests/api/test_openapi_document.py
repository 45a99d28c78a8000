"""The served OpenAPI document: valid OpenAPI, one schema per name, and every example it gives
is accepted by the schema it illustrates and by the endpoint's own request model."""

from __future__ import annotations

import inspect
from typing import Any

import pytest
from django.test import Client
from jsonschema import Draft202012Validator
from ninja import Schema
from openapi_spec_validator import validate

from tierdesk.api import kb, reports, schemas, status, tickets


@pytest.fixture
def spec(db: None) -> dict[str, Any]:
    return Client().get("/api/v1/openapi.json").json()  # type: ignore[no-any-return]


def test_the_document_is_valid_openapi(spec: dict[str, Any]) -> None:
    validate(spec)


def test_each_schema_name_belongs_to_one_model() -> None:
    seen: dict[str, type] = {}
    for module in (schemas, status, tickets, kb, reports):
        for name, value in inspect.getmembers(module, inspect.isclass):
            if issubclass(value, Schema) and value is not Schema:
                other = seen.setdefault(value.__name__, value)
                assert other is value, f"{name}: {other.__module__} and {value.__module__}"


def test_ticket_links_and_incident_links_are_documented_with_their_own_bodies(
    spec: dict[str, Any],
) -> None:
    def body(path: str) -> dict[str, Any]:
        ref = spec["paths"][path]["post"]["requestBody"]["content"]["application/json"]["schema"]
        return spec["components"]["schemas"][ref["$ref"].rsplit("/", 1)[-1]]  # type: ignore[no-any-return]

    assert set(body("/api/v1/tickets/{number}/links")["properties"]) == {"kind", "target"}
    assert set(body("/api/v1/status/incidents/{incident_id}/tickets")["properties"]) == {"tickets"}


def test_every_example_validates_against_its_schema(spec: dict[str, Any]) -> None:
    checked = 0
    models = {
        cls.__name__: cls
        for module in (schemas, status, tickets, kb, reports)
        for _, cls in inspect.getmembers(module, inspect.isclass)
        if issubclass(cls, Schema)
    }
    for name, schema in spec["components"]["schemas"].items():
        for example in schema.get("examples", []):
            validator = Draft202012Validator(
                {"$ref": f"#/components/schemas/{name}", "components": spec["components"]}
            )
            errors = [e.message for e in validator.iter_errors(example)]
            assert not errors, (name, errors)
            models[name].model_validate(example)  # and the endpoint's own model takes it
            checked += 1
    assert checked >= 15  # every request body the API documents has one
