"""Agents: long-running loops (monitoring, alerts, scheduler, execution) with heartbeats."""

from pyros.agents.base import Agent
from pyros.agents.registry import AGENTS, agent_class

__all__ = ["AGENTS", "Agent", "agent_class"]
