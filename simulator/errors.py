"""The errors a scenario raises, apart so every scenario part (and every fit) can raise them."""


class ScenarioError(ValueError):
    """A scenario that cannot be simulated; the message names the field and the fix."""


class UnfittableLog(ScenarioError):
    """The call log cannot be fitted: too thin or too uniform for a part of the twin. The
    message names the part and the reason; the log is not wrong, it is not enough yet."""
