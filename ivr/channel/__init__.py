"""The channel interface the menu interpreter drives, and its implementations."""

from .interface import DTMF_KEYS, Channel, CallInfo, QueueResult

__all__ = ["DTMF_KEYS", "Channel", "CallInfo", "QueueResult"]
