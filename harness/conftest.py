"""Loads the ccktf pytest plugin for every test under harness/ (its options, fixtures and in-kernel items),
and pytester for the plugin's own tests."""

pytest_plugins = ["ccktf.pytest_plugin", "pytester"]
