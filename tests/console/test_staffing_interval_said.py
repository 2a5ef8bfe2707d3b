"""The staffing figures' ± is never narrower than the pooled calls' Wilson interval
(simulator.staff_plan.no_narrower_than_the_calls): `holdwell staffing` says so under its
table; the console's staffing table and the API's Interval still defined it as the
half-width over replications alone."""

from __future__ import annotations


def test_the_twin_page_and_the_api_say_how_a_staffing_margin_is_had(console_app):
    page = console_app.jinja_env.loader.get_source(console_app.jinja_env,
                                                   "console/twin.html")[0]
    assert "never narrower than the 95% Wilson interval of the calls pooled" in page
    document = console_app.test_client().get("/api/v1/openapi.json").get_json()
    said = document["components"]["schemas"]["Interval"]["properties"]["half_width"]
    assert "never narrower than the 95% Wilson interval" in str(said)
