"""The one error a scenario raises, apart so every scenario part can raise it."""


class ScenarioError(ValueError):
    """A scenario that cannot be simulated; the message names the field and the fix."""
