"""Attach every console page to the blueprint (imported once by app.console.init_app)."""

from app.console import (  # noqa: F401
    auth_views,
    callback_views,
    confirm_views,
    errors,
    experiment_views,
    figures,
    line_clock,
    people_actions,
    people_views,
    policy_views,
    preview_views,
    twin_views,
    unserved_views,
    wallboard_views,
)
