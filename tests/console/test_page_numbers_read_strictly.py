"""`?page=abc`, `?before=x7` and `?show=two` are 422 pages naming the field (operator audit):
Flask's `type=int` had read them as absent, and the first page came back with a 200 as if
nothing had been asked. Absent or empty still means the default."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize("path, field", [
    ("/console/people?page=abc", "page"), ("/console/people?page=2.5", "page"),
    ("/console/versions?before=x7", "before"), ("/console/versions?show=two", "show"),
    ("/console/versions?before=%D9%A3", "before"),  # an Arabic-Indic 3: int() reads it
])
def test_a_page_number_that_is_not_one_is_a_422_naming_it(as_role, path, field):
    answer = as_role("admin").get(path)
    assert answer.status_code == 422, answer.status_code
    assert f"Invalid input: {field}: a whole number, not" in answer.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/console/people?page=", "/console/people?page=2",
                                  "/console/versions?before=", "/console/versions?show=1",
                                  "/console/versions?before=0"])
def test_an_empty_or_whole_number_is_read_as_before(as_role, path):
    assert as_role("admin").get(path).status_code == 200
