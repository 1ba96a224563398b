"""One handle-time record per queued call, as the folder builds it."""

from __future__ import annotations

from dataclasses import dataclass

# QUEUESTATUS (and queue_log verbs) -> the record's outcome
STATUS_OUTCOME = {"TIMEOUT": "timeout", "FULL": "full", "JOINEMPTY": "empty", "LEAVEEMPTY": "empty",
                  "JOINUNAVAIL": "empty", "LEAVEUNAVAIL": "empty", "CONTINUE": "answered"}


@dataclass
class HandleTime:
    unique_id: str            # the caller's channel: the IVR call's unique id
    queue: str
    entered_at: float         # epoch seconds, from the events' Timestamp
    caller_id: str = ""
    agent: str = ""
    answered_at: float | None = None
    ended_at: float | None = None
    wait_s: float = 0.0       # HoldTime: joined -> answered (or -> left)
    ring_s: float = 0.0       # agents rang without answering, plus the answering ring
    talk_s: float = 0.0
    wrapup_s: float = 0.0
    outcome: str = ""         # answered abandoned timeout full empty interrupted
    reason: str = ""          # who hung up an answered call: caller / agent / transfer
    first_position: int = 0
    last_position: int = 0
    attempts: int = 0         # how many times an agent was rung
    left_at: float | None = None  # left the queue unanswered (abandon or timeout)
    precise: bool = True      # every time so far came from AMI's fractional Timestamps
    seen_at: float = 0.0      # the last event of this call (epoch seconds): its last known time

    @property
    def key(self) -> tuple[str, str, int]:
        """Identity across sources: AMI and queue_log agree on the join second."""
        return (self.unique_id, self.queue, int(self.entered_at))

    @property
    def handle_s(self) -> float:
        """AHT's numerator: talk + hold + wrap-up (hold = time waiting in the queue)."""
        return self.talk_s + self.wait_s + self.wrapup_s if self.outcome == "answered" else 0.0
