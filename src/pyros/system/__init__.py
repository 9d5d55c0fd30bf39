"""System: process supervision records, agent heartbeats and the log the dashboard shows."""
