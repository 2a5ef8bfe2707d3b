"""Pages speak words, not Python: no method reprs in a re-shown form, and a variant's
changes read as "interval: 45 s", "announce wait: off", "apology: (silent)"."""

from __future__ import annotations

import pytest

from app.console.experiments import describe_variant
from hold_policies.config import VariantConfig


@pytest.mark.parametrize("query", ["position=0", "queue=nope"])
def test_a_refused_preview_shows_what_was_asked_not_a_python_repr(as_role, query):
    page = as_role("analyst").get(f"/console/preview?{query}")
    text = page.get_data(as_text=True)
    assert page.status_code == 422
    assert "built-in method" not in text and "object at 0x" not in text
    assert '<input name="keys" value=""' in text


def test_a_variant_is_described_in_words():
    variant = VariantConfig.model_validate({
        "policy": "checkin", "prompts": {"apology": ""},
        "settings": {"announce_wait": False, "interval_s": 45}})
    assert describe_variant(variant) == (
        "checkin; apology: (silent); announce wait: off; interval: 45 s")
