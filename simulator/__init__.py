"""Virtual callers and agents on a virtual clock, hearing the real hold policies.

The fast engine: `run.simulate(scenario, policy, rng)` (and `run.compare` for several
policies on the same callers), built from `scenario` (what to simulate), `streams` (common
random numbers), `behaviour` + `heard` (how callers react to what they hear), `engine` +
`callbacks` (the polling engine), `fastpath` (the skip-the-polls path), `erlang` (exact
Erlang-A), `metrics`, `table` and `report`. The twin of a real line (issue 15): `fit_*`
(arrivals, talk, patience, callbacks, agents from a call log; results in `fit_results`),
`twin` + `scenario_file` (the fitted day as a TOML scenario), `replicate` (replications on
every core), `whatif`, `backtest`, `staff_plan`, `promises`, and their `*_report` printouts
and `twin_html` page. The `emulator` room drives the real app instead.
Importing this package loads nothing.
"""
