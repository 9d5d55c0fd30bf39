"""The Alpaca transport: paths, status codes, envelopes, parameters, management API."""

from __future__ import annotations

import pytest
from alpaca.exceptions import NotConnectedException, NotImplementedException
from alpaca.management import apiversions, configureddevices, description
from alpaca.telescope import Telescope

from pyros.simulators.protocol import AlpacaError, BadRequest, Params


@pytest.mark.parametrize("path", [
    "/api/v1/telescope/7/altitude",        # no such device number
    "/api/v1/telescope/-1/altitude",       # not a number
    "/api/v1/telescope/zero/altitude",
    "/api/v1/Telescope/0/altitude",        # URLs are lower case
    "/api/v1/telescope/0/Altitude",
    "/api/v1/telescopes/0/altitude",       # unknown device type
    "/api/v1/telescope/0/nosuchmember",
    "/api/v2/telescope/0/altitude",
    "/api/v1/telescope/0",
    "/nothing/here",
])
def test_bad_paths_are_http_400_with_a_text_message(raw, path):
    reply = raw.get(path)
    assert reply.status_code == 400
    assert reply.headers["Content-Type"].startswith("text/plain")
    assert reply.text


def test_wrong_verb_and_malformed_parameters_are_http_400(raw):
    assert raw.put("/api/v1/telescope/0/altitude").status_code == 400  # GET-only member
    assert raw.get("/api/v1/telescope/0/park").status_code == 400  # PUT-only member
    assert raw.put("/api/v1/telescope/0/connected", Connected="maybe").status_code == 400
    assert raw.put("/api/v1/telescope/0/connected").status_code == 400  # missing
    raw.put("/api/v1/camera/0/connected", Connected="true")
    assert raw.put("/api/v1/camera/0/binx", BinX="2.5").status_code == 400
    assert raw.put("/api/v1/camera/0/startexposure", Duration="abc",
                   Light="true").status_code == 400


def test_envelope_echoes_client_transaction_and_counts_server_transactions(raw):
    first = raw.get("/api/v1/dome/0/connected", ClientTransactionID=41).json()
    second = raw.get("/api/v1/dome/0/connected", ClientTransactionID=42).json()
    assert first["ClientTransactionID"] == 41 and second["ClientTransactionID"] == 42
    assert second["ServerTransactionID"] > first["ServerTransactionID"] > 0
    assert first["ErrorNumber"] == 0 and first["ErrorMessage"] == ""
    assert first["Value"] is False
    bad = raw.get("/api/v1/dome/0/connected", ClientTransactionID="x").json()
    assert bad["ClientTransactionID"] == 0


def test_put_parameter_names_are_case_insensitive(raw):
    reply = raw.put("/api/v1/focuser/0/connected", cOnNeCtEd="TRUE")
    assert reply.status_code == 200 and reply.json()["ErrorNumber"] == 0
    assert "Value" not in reply.json()  # a method reply has no Value
    assert raw.get("/api/v1/focuser/0/connected").json()["Value"] is True
    raw.put("/api/v1/focuser/0/move", POSITION="1234")
    assert raw.get("/api/v1/focuser/0/ismoving").json()["Value"] is True


def test_not_connected_before_connect_then_connect_and_disconnect(sims):
    mount = Telescope(sims.address, 0)
    assert mount.Connected is False
    assert mount.Name == "mount" and mount.InterfaceVersion == 4
    with pytest.raises(NotConnectedException):
        _ = mount.Altitude
    mount.Connect()
    assert mount.Connecting is False and mount.Connected is True
    assert 0 <= mount.Azimuth < 360
    mount.Disconnect()
    with pytest.raises(NotConnectedException):
        _ = mount.Slewing


def test_error_numbers_in_the_envelope(raw):
    raw.put("/api/v1/telescope/0/connected", Connected="true")
    not_impl = raw.put("/api/v1/telescope/0/synctocoordinates", RightAscension=1, Declination=2)
    assert not_impl.status_code == 200 and not_impl.json()["ErrorNumber"] == 0x400
    invalid = raw.put("/api/v1/telescope/0/targetdeclination", TargetDeclination=95)
    assert invalid.json()["ErrorNumber"] == 0x401
    nan = raw.put("/api/v1/telescope/0/targetdeclination", TargetDeclination="nan")
    assert nan.json()["ErrorNumber"] == 0x401
    unset = raw.get("/api/v1/telescope/0/targetrightascension")
    assert unset.json()["ErrorNumber"] == 0x402
    parked = raw.put("/api/v1/telescope/0/slewtoaltazasync", Azimuth=90, Altitude=45)
    assert parked.json()["ErrorNumber"] == 0x408
    action = raw.put("/api/v1/telescope/0/action", Action="dance", Parameters="")
    assert action.json()["ErrorNumber"] == 0x40C
    assert "Value" not in parked.json()


def test_common_members_and_devicestate(sims):
    mount = Telescope(sims.address, 0)
    assert mount.DriverVersion
    assert "PyROS" in mount.DriverInfo[0]  # alpyca splits DriverInfo on commas
    assert mount.SupportedActions == []
    mount.Connected = True
    with pytest.raises(NotImplementedException):
        mount.CommandBlind("x", False)
    state = {item["Name"]: item["Value"] for item in mount.DeviceState}
    assert state["AtPark"] is True and state["Slewing"] is False
    assert {"Altitude", "Azimuth", "RightAscension", "TimeStamp"} <= set(state)


def test_management_api(sims, raw):
    assert apiversions(sims.address) == [1]
    desc = description(sims.address)
    assert desc["Manufacturer"] == "PyROS" and "Mártir" in desc["Location"]
    devices = configureddevices(sims.address)
    listed = {(d["DeviceType"], d["DeviceNumber"]): d["DeviceName"] for d in devices}
    assert listed == {
        ("Telescope", 0): "mount", ("Dome", 0): "dome", ("Camera", 0): "camera_vis",
        ("Camera", 1): "camera_nir", ("FilterWheel", 0): "filterwheel_vis",
        ("FilterWheel", 1): "filterwheel_nir", ("Focuser", 0): "focuser",
        ("ObservingConditions", 0): "weather", ("SafetyMonitor", 0): "safety",
        ("Switch", 0): "plc",
    }
    assert len({d["UniqueID"] for d in devices}) == len(devices)
    assert raw.get("/management/v1/nothing").status_code == 400
    assert raw.put("/management/apiversions").status_code == 400


def test_hostile_requests_never_give_http_500(raw):
    for path, params in [
        ("/api/v1/switch/0/getswitch", {"Id": "1e9"}),
        ("/api/v1/switch/0/getswitch", {"Id": "99999999999999999999"}),
        ("/api/v1/camera/0/imagearray", {"ClientID": "-5"}),
        ("/api/v1/telescope/0/axisrates", {}),
        ("/api/v1/observingconditions/0/sensordescription", {"SensorName": "\x00é"}),
        ("/api/v1/telescope/99999999999999999999999/name", {}),
        ("/%zz/../api", {}),
    ]:
        assert raw.get(path, **params).status_code in (200, 400)
    reply = raw.session.put(f"{raw.url}/api/v1/dome/0/connected", data=b"\xff\xfe",
                            headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert reply.status_code == 400


def test_params_parsing_rules():
    p = Params([("Duration", "2.5"), ("LIGHT", "True"), ("Id", "3")])
    assert p.float_("duration") == 2.5 and p.bool_("Light") is True and p.int_("ID") == 3
    with pytest.raises(BadRequest):
        p.int_("Duration")
    with pytest.raises(BadRequest):
        p.text("missing")
    with pytest.raises(AlpacaError):
        Params({"x": "inf"}).finite("x")
    assert Params({"clientid": "7", "ClientTransactionID": "-1"}).transaction_ids() == (7, 0)
