"""Flask + Twilio adapter: webhooks, call-log storage, CLI and pages around hold_policies."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING

from app.settings import SettingsError, load_settings

if TYPE_CHECKING:  # importing the package stays light: CLI commands pay only for what they use
    from flask import Flask

    from app.clock import Clock
    from hold_policies.config import HoldwellConfig

log = logging.getLogger("holdwell")


def create_app(
    overrides: Mapping[str, object] | None = None,
    *,
    clock: Clock | None = None,
    config: HoldwellConfig | None = None,
) -> Flask:
    """Build the app; a bad config or setting raises here, so a broken app never starts.

    `clock` and `config` let the Twilio emulator run the real app on virtual time with a
    scenario's settings; live deployments pass neither.
    """
    if not logging.getLogger().handlers:  # gunicorn's workers: say when and how bad, too
        logging.basicConfig(level=logging.WARNING,
                            format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = load_settings(overrides)  # after basicConfig: its warnings keep that format
    if settings.validate_signatures and not settings.auth_token:
        raise SettingsError(
            "TWILIO_AUTH_TOKEN is not set, so no Twilio request could be validated. Set it, or "
            "set HOLDWELL_INSECURE_SKIP_SIGNATURE=1 for local experiments only."
        )
    from flask import Flask  # here, so `app.settings` (the CLI's database URL) loads no Flask

    from app.services import Services

    app = Flask(__name__)
    app.extensions["holdwell"] = Services.build(settings, clock, config)
    if not settings.validate_signatures:
        log.warning("!!! Twilio signature validation is OFF (HOLDWELL_INSECURE_SKIP_SIGNATURE): "
                    "anyone can forge webhooks. Never run like this on a public URL. !!!")
    if settings.proxy_count:
        from werkzeug.middleware.proxy_fix import ProxyFix

        n = settings.proxy_count  # no X-Forwarded-Prefix: proxies rarely set or strip it,
        # so a client's own "//evil.example" had become every page's link and redirect base
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n, x_port=n)

    from app import audio_routes  # each module below attaches its views to its blueprint
    from app.voice import (  # noqa: F401
        callback_calls,
        callback_flow,
        callback_rest_routes,
        closed,
        language_menu,
        routes,
    )
    from app.voice.blueprint import bp as voice_bp

    app.extensions["holdwell_audio"] = app.extensions["holdwell"].audio
    app.register_blueprint(voice_bp)
    app.register_blueprint(audio_routes.bp)
    from app import health

    app.register_blueprint(health.bp)
    from app import ops

    app.register_blueprint(ops.bp)
    from app.console import setup as console

    console.init_app(app, pinned_config=config is not None)
    from app import unrouted

    unrouted.init_app(app)
    return app
