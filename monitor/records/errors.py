"""The named exceptions of the two control paths, and the user-facing error.

Anything else raised inside the pipeline is a bug or an outage and must stop the
run loudly; it is never logged and skipped.
"""

from __future__ import annotations


class InvalidMessage(Exception):
    """An input record that cannot be processed: it goes to the dead-letter output.

    ``reason`` is a short code from a fixed vocabulary (it becomes a metric label);
    ``detail`` says in plain words what is wrong.
    """

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail
        # Set once the record's conversation is known, so its dead letter is keyed by it.
        self.conversation_id: str | None = None


class Backpressure(Exception):
    """A sink cannot take more now; the caller pauses and retries the same write."""

    def __init__(self, sink: str, retry_after_s: float = 0.5) -> None:
        super().__init__(f"sink {sink} is busy, retry in {retry_after_s:.1f}s")
        self.sink = sink
        self.retry_after_s = retry_after_s


class UsageError(Exception):
    """Bad arguments or unreadable input: one line to the user, exit code 2."""


class ModelVersionError(UsageError):
    """A model file was made by another version of the code, or is not that model."""
