"""Virtual callers and agents on a virtual clock, hearing the real hold policies.

The fast engine: `run.simulate(scenario, policy, rng)` (and `run.compare` for several
policies on the same callers), built from `scenario` (what to simulate), `streams` (common
random numbers), `behaviour` + `heard` (how callers react to what they hear), `engine` +
`callbacks` (the polling engine), `fastpath` (the skip-the-polls path), `erlang` (exact
Erlang-A), `metrics`, `table` and `report`. The `emulator` room drives the real app instead.
Importing this package loads nothing.
"""
