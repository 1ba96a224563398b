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
    entered_at: float         # epoch seconds: the events' Timestamp, else when the consumer read the event
    caller_id: str = ""
    agent: str = ""
    answered_at: float | None = None
    ended_at: float | None = None
    wait_s: float = 0.0       # queue wait, app_queue's HoldTime: joined -> answered (or -> left); ASA's, not AHT's
    ring_s: float = 0.0       # agents rang without answering, plus the answering ring
    talk_s: float = 0.0       # bridged with the agent, agent hold excluded (answered -> end or transfer)
    hold_s: float = 0.0       # agent hold: music on hold on the caller's or agent's channel while bridged
    wrapup_s: float = 0.0     # after-call work: the queue's wrapuptime
    outcome: str = ""         # answered abandoned timeout full empty interrupted
    reason: str = ""          # who hung up an answered call: caller / agent / transfer
    first_position: int = 0
    last_position: int = 0
    attempts: int = 0         # how many times an agent was rung
    left_at: float | None = None  # left the queue unanswered (abandon or timeout)
    precise: bool = True      # every time so far came from AMI's fractional Timestamps
    seen_at: float = 0.0      # the last event of this call (epoch seconds): its last known time
    asterisk: str = ""        # the Asterisk whose events made it (its systemname; "" when it has none)

    @property
    def key(self) -> tuple[str, str, int]:
        """Identity across sources: AMI and queue_log agree on the join second."""
        return (self.unique_id, self.queue, int(self.entered_at))

    @property
    def handle_s(self) -> float:
        """AHT's numerator: talk + agent hold + wrap-up. The queue wait (wait_s, app_queue's
        HoldTime) is not handle time: it is ASA's."""
        return self.talk_s + self.hold_s + self.wrapup_s if self.outcome == "answered" else 0.0
