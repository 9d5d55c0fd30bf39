"""Pages of the web site, one module per area (thin: data comes from the components)."""

from pyros.web.views.system import api_status, dashboard, health, home

__all__ = ["api_status", "dashboard", "health", "home"]
