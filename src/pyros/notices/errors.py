"""The one exception a notice parser raises for input it will not accept."""

from __future__ import annotations

__all__ = ["NoticeRejected"]


class NoticeRejected(ValueError):
    """The notice was refused: malformed, hostile, unsupported or physically impossible.

    ``reason`` is one line, fit for a log or for the ``pyros alerts parse`` error message.
    Callers drop (and log) a rejected notice; they never retry it.
    """

    def __init__(self, reason: str) -> None:
        self.reason = " ".join(str(reason).split())[:500] or "rejected"
        super().__init__(self.reason)
