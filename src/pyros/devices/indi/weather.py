"""INDI weather station (WEATHER_PARAMETERS), mapped to ASCOM sensor names and units."""

from __future__ import annotations

from pyros.clock import get_clock
from pyros.devices.indi.base import IndiDevice
from pyros.devices.interfaces import Weather
from pyros.devices.models import WEATHER_SENSORS, WeatherSnapshot

__all__ = ["INDI_WEATHER", "IndiWeather"]

#: INDI standard weather members -> (ASCOM sensor, factor to the ASCOM unit).
#: INDI gives wind in km/h; ASCOM wants m/s.
INDI_WEATHER: dict[str, tuple[str, float]] = {
    "WEATHER_TEMPERATURE": ("temperature", 1.0),
    "WEATHER_HUMIDITY": ("humidity", 1.0),
    "WEATHER_PRESSURE": ("pressure", 1.0),
    "WEATHER_DEWPOINT": ("dewpoint", 1.0),
    "WEATHER_WIND_SPEED": ("windspeed", 1 / 3.6),
    "WEATHER_WIND_GUST": ("windgust", 1 / 3.6),
    "WEATHER_WIND_DIRECTION": ("winddirection", 1.0),
    "WEATHER_RAIN_HOUR": ("rainrate", 1.0),
    "WEATHER_CLOUD_COVER": ("cloudcover", 1.0),
    "WEATHER_SKY_TEMPERATURE": ("skytemperature", 1.0),
    "WEATHER_SKY_BRIGHTNESS": ("skyquality", 1.0),
}


class IndiWeather(IndiDevice, Weather):
    """INDI weather.  ``updated_at`` is the timestamp of the last WEATHER_PARAMETERS
    update the server sent (drivers refresh every WEATHER_UPDATE period)."""

    ready_vector = "WEATHER_PARAMETERS"

    def snapshot(self) -> WeatherSnapshot:
        params = self._vec("WEATHER_PARAMETERS")
        read_at = get_clock().now()
        values: dict[str, float | None] = dict.fromkeys(WEATHER_SENSORS)
        present: set[str] = set()
        invalid: set[str] = set()
        for member, raw in params.values.items():
            mapped = INDI_WEATHER.get(member)
            if mapped is None:
                continue
            sensor, factor = mapped
            present.add(sensor)
            value = WeatherSnapshot.clean(raw)
            if value is None:
                invalid.add(sensor)
            values[sensor] = None if value is None else value * factor
        return WeatherSnapshot(read_at=read_at, updated_at=params.timestamp, values=values,
                               absent=frozenset(set(WEATHER_SENSORS) - present),
                               invalid=frozenset(invalid))
