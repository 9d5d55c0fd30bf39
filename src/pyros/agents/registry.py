"""Which agents exist, by name, and where their classes live."""

from __future__ import annotations

import importlib

#: name -> "module:Class".  The supervisor starts every agent listed here.
AGENTS: dict[str, str] = {
    "monitoring": "pyros.monitoring.agent:MonitoringAgent",
    "alerts": "pyros.alerts.agent:AlertsAgent",
    "scheduler": "pyros.scheduler.agent:SchedulerAgent",
    "execution": "pyros.execution.agent:ExecutionAgent",
}


def agent_class(name: str) -> type:
    """The agent class registered as ``name``; ``KeyError`` names the known agents."""
    try:
        target = AGENTS[name]
    except KeyError:
        raise KeyError(f"unknown agent {name!r}; known: {', '.join(sorted(AGENTS))}") from None
    module, _, cls = target.partition(":")
    return getattr(importlib.import_module(module), cls)
