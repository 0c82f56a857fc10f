"""The one exception base the CLI and the pytest plugin catch to print a clear message instead of a traceback."""


class CcktfError(Exception):
    """A problem with the harness's inputs or environment (not a test result)."""
