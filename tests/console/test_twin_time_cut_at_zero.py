"""The console's what-if gives a time whose 95% half-width passes zero as its range cut at
0 s, as `holdwell whatif` does ('1.0 s [0.0–10.7 s]'): its table still read '1.0 s ±9.7 s',
a wait below zero, after the CLI's table was mended (simulator.whatif._cell)."""

from __future__ import annotations

from simulator import whatif as whatif_module
from simulator.whatif import FIGURES


def test_the_twin_pages_times_read_as_the_cli_prints_them(seeded, as_role, monkeypatch):
    def figures(_scenario, policies, *_args, **_kwargs):
        said = {key: (0.5, 0.01) if unit == "%" else (1.0, 9.7) for key, _, unit, _ in FIGURES}
        said["time_to_serve_s"] = (30.0, 2.5)
        return {policy.name: {**said, "unserved_vs_first": (0.0, 0.0)}
                for policy in policies}

    monkeypatch.setattr(whatif_module, "whatif", figures)
    page = as_role("analyst").get("/console/twin?run=1&policies=silence&replications=2")
    text = page.get_data(as_text=True)
    assert page.status_code == 200, text
    assert '<td data-label="ASA">1.0 s [0.0–10.7 s]</td>' in text
    assert '<td data-label="time to serve">30.0 s ±2.5 s</td>' in text
    assert "±9.7" not in text
