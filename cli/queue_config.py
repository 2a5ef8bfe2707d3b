"""`--config FILE` and `--queue NAME`: simulate a queue's policies as the live app runs them
(its words, knobs and variants here; what it sets beyond its policies, `simulator.as_run`),
for every command that simulates."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

from hold_policies.base import HoldPolicy
from hold_policies.config import ConfigError, HoldwellConfig, load_config
from simulator.scenario import ScenarioError

CONFIG_OPTION = click.option(
    "--config", "config_path", type=click.Path(dir_okay=False),
    help="holdwell TOML config: the queue's prompts, knobs and estimate settings "
         "(default: holdwell's own defaults).")
QUEUE_OPTION = click.option("--queue", default=None,
                            help="Queue in the config (default: its default).")


def queue_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """--config and --queue on `command`."""
    return CONFIG_OPTION(QUEUE_OPTION(command))


def queue_config(config_path: str | None, queue: str | None) -> tuple[HoldwellConfig, str]:
    """The config (holdwell's defaults without --config) and the queue it names (ConfigError
    or ScenarioError, naming the key or the option, when either is wrong)."""
    config = load_config(config_path) if config_path else HoldwellConfig()
    queue = queue or config.default_queue
    if queue not in config.queues:
        raise ScenarioError(f"--queue: {queue!r} is not a queue in the config; choose one of "
                            f"{', '.join(sorted(config.queues))}")
    return config, queue


def whose_settings(config_path: str | None, queue: str) -> str:
    """The line a report says whose policy settings it simulated."""
    if config_path:
        return (f"policies as queue {queue} of {config_path} sets them (words, knobs, variants, "
                "opening hours, estimate settings, resume rule, size)")
    return "policies with holdwell's default settings (give --config to simulate your queue's)"


CONFIG_PROBLEMS = (ConfigError, ScenarioError)

T = TypeVar("T")


def named_as(build: Callable[..., T], option: str, *args: Any, key: str = "") -> T:  # noqa: ANN401
    """`build(*args)`, its ScenarioError naming the command-line `option` the values came
    from ("--policy: unknown …", not the library's `key` "policy: unknown …")."""
    try:
        return build(*args)
    except ScenarioError as error:
        said = str(error)
        raise ScenarioError(f"{option}: {said.removeprefix(f'{key}: ') if key else said}") \
            from None


def queue_policies(names: list[str], config: HoldwellConfig, queue: str) -> list[HoldPolicy]:
    """The policies (or the queue's variants) `names`, as the queue's config builds them."""
    from simulator.run import policy_named  # the engines load only for a simulation

    return [named_as(policy_named, "--policies", name, config, queue, key="policy")
            for name in names]

