"""A voice the queue's language chose is not stored as if the operator had set it: a queue
with `language = "es-ES"` alone had `voice = "Polly.Lucia"` written into its version, and a
later change of language was refused "set another voice, or leave voice out" to an operator
who had left it out (walk-through F3)."""

from __future__ import annotations

from app.storage import config_versions
from tests.console.conftest import bearer


def _patch(console_app, tokens, settings: dict):  # noqa: ANN001, ANN202
    return console_app.test_client().patch("/api/v1/policies/sales", json={
        "settings": settings}, headers=bearer(tokens["operator"]))


def _stored_sales(console_app) -> dict:  # noqa: ANN001
    return config_versions.get(console_app.extensions["holdwell"].store.engine).body[
        "queues"]["sales"]


def test_a_language_alone_stores_no_voice_and_a_new_language_brings_its_own(console_app,
                                                                              tokens):
    assert _patch(console_app, tokens, {"language": "es-ES"}).status_code == 200
    assert _stored_sales(console_app) == {"language": "es-ES"}  # checkin is the default
    assert console_app.extensions["holdwell"].config.queues["sales"].voice == "Polly.Lucia"
    moved = _patch(console_app, tokens, {"language": "fr-FR"})
    assert moved.status_code == 200, moved.get_json()
    assert "voice" not in _stored_sales(console_app)
    assert console_app.extensions["holdwell"].config.queues["sales"].voice == "Polly.Lea"


def test_a_voice_the_operator_set_is_kept_and_checked(console_app, tokens):
    assert _patch(console_app, tokens, {"language": "es-ES", "voice": "Polly.Conchita"}
                  ).status_code == 200
    assert _stored_sales(console_app)["voice"] == "Polly.Conchita"
    refused = _patch(console_app, tokens, {"language": "fr-FR"})
    assert refused.status_code == 422
    assert "voice Polly.Conchita speaks es-ES" in str(refused.get_json())


def test_the_form_shows_the_languages_voice_as_its_own_and_a_save_keeps_it_so(as_role,
                                                                              console_app,
                                                                              tokens):
    assert _patch(console_app, tokens, {"language": "es-ES"}).status_code == 200
    operator = as_role("operator")
    page = operator.get("/console/policies/sales").get_data(as_text=True)
    assert 'name="voice" value=""' in page
    assert "the language&#39;s own (Polly.Lucia)" in page
    saved = operator.post("/console/policies/sales", {"language": "fr-FR", "voice": ""},
                          follow_redirects=True)
    assert saved.status_code == 200 and "Saved as config version" in saved.get_data(
        as_text=True)
    assert "voice" not in _stored_sales(console_app)
    assert console_app.extensions["holdwell"].config.queues["sales"].voice == "Polly.Lea"


def test_pinning_the_languages_own_voice_is_a_change_and_sticks(console_app, tokens):
    """PATCH voice = the voice the language had chosen: compared as effective values it had
    been "no change" and not stored, so a later language change still moved it."""
    assert _patch(console_app, tokens, {"language": "es-ES"}).status_code == 200
    pinned = _patch(console_app, tokens, {"voice": "Polly.Lucia"})
    assert pinned.status_code == 200 and pinned.get_json()["changed"] is True
    assert _stored_sales(console_app)["voice"] == "Polly.Lucia"
    assert _patch(console_app, tokens, {"language": "fr-FR"}).status_code == 422


def test_a_voice_set_to_the_fields_default_is_kept_beside_another_language(console_app,
                                                                           tokens):
    """Polly.Joanna set beside en-GB had been left out as a default and come back as the
    language's own, Polly.Amy."""
    saved = _patch(console_app, tokens, {"language": "en-GB", "voice": "Polly.Joanna"})
    assert saved.status_code == 200, saved.get_json()
    assert _stored_sales(console_app)["voice"] == "Polly.Joanna"
    assert console_app.extensions["holdwell"].config.queues["sales"].voice == "Polly.Joanna"


def test_a_put_may_leave_the_voice_to_the_language_and_send_back_its_choice(console_app,
                                                                            tokens):
    """A whole-queue PUT had to send a voice, and sending back what GET showed pinned it."""
    client, token = console_app.test_client(), bearer(tokens["operator"])
    assert _patch(console_app, tokens, {"language": "es-ES"}).status_code == 200
    got = client.get("/api/v1/policies/sales", headers=token).get_json()
    assert got["settings"]["voice"] == "Polly.Lucia"
    back = client.put("/api/v1/policies/sales", headers=token, json=got)
    assert back.status_code == 200 and back.get_json()["changed"] is False
    french = {key: value for key, value in got["settings"].items() if key != "voice"}
    moved = client.put("/api/v1/policies/sales", headers=token, json={
        **got, "settings": {**french, "language": "fr-FR"}})
    assert moved.status_code == 200, moved.get_json()
    assert "voice" not in _stored_sales(console_app)
    assert console_app.extensions["holdwell"].config.queues["sales"].voice == "Polly.Lea"


def test_a_pin_shows_in_the_versions_diff(console_app, tokens):
    """Pinning the language's own voice made a version whose diff read "no difference", and
    a roll-back past it took the pin away unseen (review 31b #1)."""
    assert _patch(console_app, tokens, {"language": "es-ES"}).status_code == 200
    pinned = _patch(console_app, tokens, {"voice": "Polly.Lucia"}).get_json()
    detail = console_app.test_client().get(
        f"/api/v1/config/versions/{pinned['number']}",
        headers=bearer(tokens["operator"])).get_json()
    assert '+voice = "Polly.Lucia"' in detail["diff"]
