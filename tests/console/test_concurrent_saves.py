"""Two saves at once never undo each other (a version is built on the one still active).

save_queue read the active config, changed one queue and stored the result as the next
version; a save of another queue landing in between was silently undone (the loser retried
with the next number, from its stale copy).
"""

from __future__ import annotations

import pytest

from app.console import config_changes
from app.storage import config_versions


def settings_with(svc, queue: str, **changes):  # noqa: ANN001, ANN003, ANN201
    return config_changes.active_config(svc).queues[queue].model_copy(update=changes)


def test_a_save_of_another_queue_landing_meanwhile_is_kept(console_app, monkeypatch):
    svc = console_app.extensions["holdwell"]
    read = config_versions.get
    raced: list[bool] = []

    def read_then_someone_saves(engine, number=None):  # noqa: ANN001, ANN202
        version = read(engine, number)
        if number is None and not raced:  # right after save_queue read the active version
            raced.append(True)
            config_changes.save_queue(svc, "support", config_changes.replace_with(
                settings_with(svc, "support", max_size=77)), actor="other", note="")
        return version

    sales = settings_with(svc, "sales", max_size=55)
    monkeypatch.setattr(config_versions, "get", read_then_someone_saves)
    with console_app.app_context():  # a save runs the new version in this worker at once
        config_changes.save_queue(svc, "sales", config_changes.replace_with(sales),
                                  actor="editor", note="")
    monkeypatch.undo()
    active = config_changes.active_config(svc)
    assert raced
    assert active.queues["support"].max_size == 77  # the other save survives
    assert active.queues["sales"].max_size == 55


def test_storing_on_a_version_no_longer_active_is_refused(console_app):
    svc = console_app.extensions["holdwell"]
    engine = svc.store.engine
    with engine.connect() as conn:
        active = config_versions.active_number(conn) or 0
    with pytest.raises(config_versions.ActiveMoved):
        config_versions.add(engine, config_changes.active_config(svc), author="x", note="",
                            now=svc.clock.now(), after=active - 1)
