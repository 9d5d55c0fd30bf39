"""The execution agent.

Carries out the plan on the devices; sequence execution comes with the Observation Manager
issue.
Foundation scope: the supervised process, its loop and heartbeat.
"""

from __future__ import annotations

from pyros.agents.base import Agent


class ExecutionAgent(Agent):
    name = "execution"
    idle_interval_s = 1.0
