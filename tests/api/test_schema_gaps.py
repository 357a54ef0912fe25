"""The spec states what the services refuse about names and slugs (issue 12, finding 13's
gaps): a blank name or title and a malformed slug are refused by the schema (422 naming
the field) and the OpenAPI document says so (``pattern``), so schemathesis no longer
generates "valid" requests the API refuses for them."""

from __future__ import annotations

import re

import pytest

from meetbot.web.api.schemas import NOT_BLANK, SLUG_PATTERN
from tests.api.conftest import assert_error


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"slug": "wg", "name": " \t\u3000\x85"}, "name"),
        ({"slug": "-wg", "name": "WG"}, "slug"),
        ({"slug": "w g", "name": "WG"}, "slug"),
    ],
)
def test_blank_names_and_bad_slugs_are_refused_by_the_schema(
    api, create_user, token_for, body, field
) -> None:
    token = token_for(create_user("Ann Admin"))
    error = assert_error(api.post("/groups", json=body, token=token), 422, "validation_error")
    assert set(error["fields"]) == {field}
    assert api.get("/groups").get_json()["pagination"]["total"] == 0


def test_the_spec_states_the_patterns(api) -> None:
    schemas = api.get("/openapi.json").get_json()["components"]["schemas"]
    for name in ("GroupCreate", "WorkStreamCreate"):
        assert schemas[name]["properties"]["slug"]["pattern"] == SLUG_PATTERN
        assert schemas[name]["properties"]["name"]["pattern"] == NOT_BLANK
    assert re.match(NOT_BLANK, "  a ") and not re.match(NOT_BLANK, " \x00\x1f\x85\u2028 ")
