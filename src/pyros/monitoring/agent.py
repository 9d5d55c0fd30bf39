"""The monitoring agent.

Foundation scope: keeps the current night (start/end at the site, from the configured
twilight angle) in its heartbeat so the dashboard and the other agents can see it.
Device polling, status history and the observatory mode are added by the monitoring
component (issue: Monitoring and safety).
"""

from __future__ import annotations

from pyros.agents.base import Agent
from pyros.astro.night import Night, next_night
from pyros.config import load_config


class MonitoringAgent(Agent):
    name = "monitoring"
    idle_interval_s = 1.0

    def setup(self) -> None:
        self.config = load_config()
        self.night: Night | None = None

    def step(self) -> bool:
        now = self.clock.now()
        if self.night is None or now > self.night.end:
            self.night = next_night(self.config.site.location_tuple(), now,
                                    self.config.site.twilight_deg)
            return True
        return False

    def info(self) -> dict[str, object]:
        night = getattr(self, "night", None)
        return {**super().info(), "night": night.as_dict() if night else None}
