"""The observatory's agents as threads of one process, on the simulators.

``pyros start`` runs each agent in its own process; the alert benchmark and the end-to-end
alert tests need the same agents but must see inside them (the latency chain, the running
sequence) and start in seconds.  This runs the real agents (monitoring, scheduler,
execution, and optionally alerts) unchanged, each in a thread with its own database
connection, against the real simulators over HTTP.  The caller owns Django's setup and the
clock (``set_clock``), exactly as in a process.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.db import connections

from pyros.agents.base import Agent
from pyros.clock import RealClock, monotonic
from pyros.config import ObservatoryConfig, load_config, with_alpaca_address

log = logging.getLogger("pyros.agents")

__all__ = ["InProcessObservatory", "running_observatory", "wait_for"]


def wait_for(predicate: Callable[[], Any], timeout_s: float, what: str,
             dead: Callable[[], list[str]], interval_s: float = 0.005) -> Any:
    """Poll ``predicate`` (wall time) until truthy and return its value; RuntimeError when
    ``dead()`` names stopped agents, TimeoutError (naming ``what``) after ``timeout_s``."""
    deadline = monotonic() + timeout_s
    while True:
        value = predicate()
        if value:
            return value
        stopped = dead()
        if stopped:
            raise RuntimeError(f"{', '.join(stopped)} stopped while waiting for {what}")
        if monotonic() > deadline:
            raise TimeoutError(f"{what}: not within {timeout_s:g} s")
        RealClock().sleep(interval_s)


@dataclass
class InProcessObservatory:
    """What a running in-process observatory exposes to its caller."""

    config: ObservatoryConfig
    simulators: Any
    agents: dict[str, Agent]
    threads: dict[str, threading.Thread] = field(default_factory=dict)

    def start(self, agent: Agent) -> None:
        """Run ``agent`` in a thread (its own database connection, closed at the end)."""
        def body() -> None:
            try:
                agent.run()
            except Exception:
                log.exception("%s agent crashed", agent.name)
            finally:
                connections.close_all()

        self.agents[agent.name] = agent
        thread = threading.Thread(target=body, name=f"agent-{agent.name}", daemon=True)
        self.threads[agent.name] = thread
        thread.start()

    def alive(self) -> dict[str, bool]:
        return {name: t.is_alive() for name, t in self.threads.items()}

    def wait_for(self, predicate: Callable[[], Any], timeout_s: float, what: str,
                 interval_s: float = 0.005) -> Any:
        """Poll ``predicate`` until truthy, failing if one of the agents died."""
        return wait_for(predicate, timeout_s, what,
                        lambda: [n for n, ok in self.alive().items() if not ok], interval_s)

    def stop(self, timeout_s: float = 30.0) -> None:
        """Stop the execution agent first (it aborts its exposures), then the others."""
        order = sorted(self.agents, key=lambda n: n != "execution")
        for name in order:
            self.agents[name].stopping.set()
            thread = self.threads.get(name)
            if thread is not None:
                thread.join(timeout_s)
                if thread.is_alive():
                    log.error("%s agent did not stop within %g s", name, timeout_s)


@contextmanager
def running_observatory(config: ObservatoryConfig | None = None,
                        agents: tuple[str, ...] = ("monitoring", "scheduler", "execution"),
                        extra: tuple[Agent, ...] = ()) -> Iterator[InProcessObservatory]:
    """Simulators on a free port and the named agents (plus ``extra``) in threads.

    Monitoring starts first and the others once it has judged the observatory, so the
    execution agent never sees a state older than the devices.
    """
    from pyros.execution.agent import ExecutionAgent
    from pyros.monitoring.agent import MonitoringAgent
    from pyros.scheduler.agent import SchedulerAgent
    from pyros.simulators.testing import running_simulators

    base = config or load_config()
    with running_simulators(config=base) as sims:
        cfg = with_alpaca_address(base, sims.url)
        makers: dict[str, Callable[[], Agent]] = {
            "monitoring": lambda: MonitoringAgent(config=cfg),
            "scheduler": SchedulerAgent,
            "execution": lambda: ExecutionAgent(cfg=cfg),
        }
        unknown = set(agents) - set(makers)
        if unknown:
            raise ValueError(f"unknown agents {sorted(unknown)}; known: {sorted(makers)}")
        obs = InProcessObservatory(config=cfg, simulators=sims, agents={})
        try:
            if "monitoring" in agents:
                monitoring = makers["monitoring"]()
                obs.start(monitoring)
                obs.wait_for(lambda: monitoring.steps >= 2, 60, "the first monitoring steps")
            for name in agents:
                if name != "monitoring":
                    obs.start(makers[name]())
            for agent in extra:
                obs.start(agent)
            yield obs
        finally:
            obs.stop()
