"""The `holdwell` command: the one composition root that wires the rooms together.

`main` holds the command group and the small commands; heavier sub-commands live in their own
modules (`audio`, `report`, `simulate`, `demo`) and are imported only when used.
"""
