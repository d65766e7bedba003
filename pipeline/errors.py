"""Errors that mean "the input is wrong": each names the file, key or line to fix.

Entry points (``pipeline.runtime.entry_point``) print these as one ``error: ...`` line and
exit non-zero, without a traceback; anything else is a bug and keeps its traceback.
"""


class PipelineError(Exception):
    """Bad input: a malformed file, a wrong config key, a missing tool or model."""


class InputError(PipelineError, OSError):
    """A text input that cannot be read: missing, a folder, unreadable, or not UTF-8."""
