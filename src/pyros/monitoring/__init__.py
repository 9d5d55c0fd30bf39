"""Monitoring: device polling, status history, observatory mode, night start and end."""
