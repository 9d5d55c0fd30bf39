"""Process supervision: ``pyros start`` runs and watches every PyROS process."""

from pyros.supervisor.process import ChildSpec, RestartPolicy, Supervisor

__all__ = ["ChildSpec", "RestartPolicy", "Supervisor"]
