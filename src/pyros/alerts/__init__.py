"""Alert Manager: notice listeners, one alert per event, strategies, preemption."""
