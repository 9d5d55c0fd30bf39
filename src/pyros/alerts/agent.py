"""The alerts agent.

Listens for notices (GCN Kafka, VOEvent transport) and turns them into alerts; the listeners
come with the Alert Manager issue.
Foundation scope: the supervised process, its loop and heartbeat.
"""

from __future__ import annotations

from pyros.agents.base import Agent


class AlertsAgent(Agent):
    name = "alerts"
    idle_interval_s = 1.0
