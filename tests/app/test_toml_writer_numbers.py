"""Numbers from numpy are written as TOML numbers: `holdwell fit` had written
`mean_s = np.float64(678.951)` (numpy 2's repr), a scenario file nothing could read back."""

from __future__ import annotations

import math
import tomllib

import numpy as np

from app.console.toml_writer import dumps


def test_numpy_numbers_read_back_as_the_same_numbers() -> None:
    data = {"law": {"mean_s": np.float64(678.951), "k": np.float32(0.5), "calls": 394,
                    "se": float("nan"), "top": np.float64(float("inf")),
                    "per_slot": [np.float64(1.25), 2.0]}}
    back = tomllib.loads(dumps(data))["law"]
    assert back["mean_s"] == 678.951 and back["k"] == 0.5 and back["calls"] == 394
    assert math.isnan(back["se"]) and back["top"] == math.inf
    assert back["per_slot"] == [1.25, 2.0]
