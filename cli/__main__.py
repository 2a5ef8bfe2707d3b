"""`python -m cli`: the `holdwell` command, for a checkout without the console script."""

from cli.main import main

main()
