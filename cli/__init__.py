"""The composition root: the `coo` command line and the wiring of every package (settings, API keys, process launchers)."""
