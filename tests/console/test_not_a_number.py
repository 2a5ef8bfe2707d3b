"""A number box given "nan" (or "inf") is refused as no finite number, naming the box: the
API had answered "Input should be less than or equal to 60 (got 'nan')", as if NaN were a
number too large (analyst audit)."""

from __future__ import annotations

import pytest

from tests.console.conftest import bearer


@pytest.mark.parametrize("query, field", [
    ("/api/v1/preview?queue=support&answered_per_min=nan", "answered_per_min"),
    ("/api/v1/preview?queue=support&answered_per_min=inf", "answered_per_min"),
])
def test_a_preview_rate_that_is_no_number_is_named(console_app, tokens, query, field):
    answer = console_app.test_client().get(query, headers=bearer(tokens["analyst"]))
    assert answer.status_code == 422
    assert "finite number" in answer.get_json()["fields"][field]


@pytest.mark.parametrize("asked", [{"sl_seconds": "nan"}, {"target_unserved": "nan"},
                                   {"target_service_level": "inf"}])
def test_a_twin_number_that_is_no_number_is_named(console_app, tokens, asked):
    answer = console_app.test_client().post("/api/v1/twin/whatif",
                                            headers=bearer(tokens["analyst"]), json=asked)
    assert answer.status_code == 422
    [field] = asked
    assert "finite number" in answer.get_json()["fields"][field]
