"""The scheduler agent.

Re-plans the night when something changed; the planning core is pyros.planning, its Django
side comes with the Scheduler issue.
Foundation scope: the supervised process, its loop and heartbeat.
"""

from __future__ import annotations

from pyros.agents.base import Agent


class SchedulerAgent(Agent):
    name = "scheduler"
    idle_interval_s = 1.0
