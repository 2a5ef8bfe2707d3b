"""A language menu set through the API (PATCH /api/v1/policies/QUEUE), as the README says an
operator may: checked with the whole config, so a menu offering a queue that is not there, or
one whose language holdwell cannot say an option in, is a 422 naming the key."""

from __future__ import annotations


def patch(operator, settings: dict):  # noqa: ANN001, ANN201
    return operator.api("PATCH", "/api/v1/policies/support", {"settings": settings})


def test_a_menu_set_through_the_api_runs(as_role, console_app):
    operator = as_role("operator")
    sales = operator.api("PATCH", "/api/v1/policies/sales", {"settings": {"language": "es-MX"}})
    assert sales.status_code == 200, sales.get_json()
    saved = patch(operator, {"language": "en-US", "language_menu": {"2": "sales"}})
    assert saved.status_code == 200, saved.get_json()
    running = console_app.extensions["holdwell"].config.queues["support"]
    assert running.language_menu == {"2": "sales"}


def test_a_bad_menu_is_refused_naming_the_key(as_role):
    operator = as_role("operator")
    nowhere = patch(operator, {"language_menu": {"2": "nowhere"}})
    assert nowhere.status_code == 422
    assert "language_menu '2': 'nowhere' is not one of the queues" in str(nowhere.get_json())
    english = patch(operator, {"language_menu": {"2": "sales"}})  # sales speaks en-US too
    assert english.status_code == 422
    assert "language_menu '2': offers 'sales', which speaks 'en'" in str(english.get_json())
