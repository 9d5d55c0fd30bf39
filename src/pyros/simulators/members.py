"""Every standard member of each Alpaca device type, with its HTTP verb.

Taken from the Alpaca Device API (ASCOMRemote ``AlpacaDeviceAPI_v1.yaml``, Platform 7).
A standard member a simulator does not implement answers ``NotImplemented`` (0x400);
anything else is an unknown path (HTTP 400).
"""

from __future__ import annotations

__all__ = ["COMMON", "MEMBERS"]


def _parse(text: str) -> frozenset[tuple[str, str]]:
    pairs = (item.split() for item in text.split(","))
    return frozenset((verb.strip().upper(), name.strip()) for verb, name in pairs)


#: Members every device type has.
COMMON = _parse(
    "PUT action, PUT commandblind, PUT commandbool, PUT commandstring, PUT connect, "
    "GET connected, PUT connected, GET connecting, GET description, GET devicestate, "
    "PUT disconnect, GET driverinfo, GET driverversion, GET interfaceversion, GET name, "
    "GET supportedactions"
)

#: Members specific to each device type (``cancelasync`` is Switch V3, Platform 7).
MEMBERS: dict[str, frozenset[tuple[str, str]]] = {
    "camera": _parse(
        "GET bayeroffsetx, GET bayeroffsety, GET binx, PUT binx, GET biny, PUT biny, "
        "GET camerastate, GET cameraxsize, GET cameraysize, GET canabortexposure, "
        "GET canasymmetricbin, GET canfastreadout, GET cangetcoolerpower, GET canpulseguide, "
        "GET cansetccdtemperature, GET canstopexposure, GET ccdtemperature, GET cooleron, "
        "PUT cooleron, GET coolerpower, GET electronsperadu, GET exposuremax, GET exposuremin, "
        "GET exposureresolution, GET fastreadout, PUT fastreadout, GET fullwellcapacity, "
        "GET gain, PUT gain, GET gainmax, GET gainmin, GET gains, GET hasshutter, "
        "GET heatsinktemperature, GET imagearray, GET imagearrayvariant, GET imageready, "
        "GET ispulseguiding, GET lastexposureduration, GET lastexposurestarttime, GET maxadu, "
        "GET maxbinx, GET maxbiny, GET numx, PUT numx, GET numy, PUT numy, GET offset, "
        "PUT offset, GET offsetmax, GET offsetmin, GET offsets, GET percentcompleted, "
        "GET pixelsizex, GET pixelsizey, GET readoutmode, PUT readoutmode, GET readoutmodes, "
        "GET sensorname, GET sensortype, GET setccdtemperature, PUT setccdtemperature, "
        "GET startx, PUT startx, GET starty, PUT starty, GET subexposureduration, "
        "PUT subexposureduration, PUT abortexposure, PUT pulseguide, PUT startexposure, "
        "PUT stopexposure"
    ),
    "covercalibrator": _parse(
        "GET brightness, GET calibratorchanging, GET calibratorstate, GET covermoving, "
        "GET coverstate, GET maxbrightness, PUT calibratoroff, PUT calibratoron, PUT closecover, "
        "PUT haltcover, PUT opencover"
    ),
    "dome": _parse(
        "GET altitude, GET athome, GET atpark, GET azimuth, GET canfindhome, GET canpark, "
        "GET cansetaltitude, GET cansetazimuth, GET cansetpark, GET cansetshutter, GET canslave, "
        "GET cansyncazimuth, GET shutterstatus, GET slaved, PUT slaved, GET slewing, "
        "PUT abortslew, PUT closeshutter, PUT findhome, PUT openshutter, PUT park, PUT setpark, "
        "PUT slewtoaltitude, PUT slewtoazimuth, PUT synctoazimuth"
    ),
    "filterwheel": _parse(
        "GET focusoffsets, GET names, GET position, PUT position"
    ),
    "focuser": _parse(
        "GET absolute, GET ismoving, GET maxincrement, GET maxstep, GET position, GET stepsize, "
        "GET tempcomp, PUT tempcomp, GET tempcompavailable, GET temperature, PUT halt, PUT move"
    ),
    "observingconditions": _parse(
        "GET averageperiod, PUT averageperiod, GET cloudcover, GET dewpoint, GET humidity, "
        "GET pressure, GET rainrate, GET skybrightness, GET skyquality, GET skytemperature, "
        "GET starfwhm, GET temperature, GET winddirection, GET windgust, GET windspeed, "
        "PUT refresh, GET sensordescription, GET timesincelastupdate"
    ),
    "rotator": _parse(
        "GET canreverse, GET ismoving, GET mechanicalposition, GET position, GET reverse, "
        "PUT reverse, GET stepsize, GET targetposition, PUT halt, PUT move, PUT moveabsolute, "
        "PUT movemechanical, PUT sync"
    ),
    "safetymonitor": _parse(
        "GET issafe"
    ),
    "switch": _parse(
        "GET maxswitch, GET canasync, GET canwrite, GET getswitch, GET getswitchdescription, "
        "GET getswitchname, GET getswitchvalue, GET minswitchvalue, GET maxswitchvalue, "
        "PUT setasync, PUT setasyncvalue, PUT setswitch, PUT setswitchname, PUT setswitchvalue, "
        "GET statechangecomplete, GET switchstep, PUT cancelasync"
    ),
    "telescope": _parse(
        "GET alignmentmode, GET altitude, GET aperturearea, GET aperturediameter, GET athome, "
        "GET atpark, GET azimuth, GET canfindhome, GET canpark, GET canpulseguide, "
        "GET cansetdeclinationrate, GET cansetguiderates, GET cansetpark, GET cansetpierside, "
        "GET cansetrightascensionrate, GET cansettracking, GET canslew, GET canslewaltaz, "
        "GET canslewaltazasync, GET canslewasync, GET cansync, GET cansyncaltaz, GET canunpark, "
        "GET declination, GET declinationrate, PUT declinationrate, GET doesrefraction, "
        "PUT doesrefraction, GET equatorialsystem, GET focallength, GET guideratedeclination, "
        "PUT guideratedeclination, GET guideraterightascension, PUT guideraterightascension, "
        "GET ispulseguiding, GET rightascension, GET rightascensionrate, PUT rightascensionrate, "
        "GET sideofpier, PUT sideofpier, GET siderealtime, GET siteelevation, PUT siteelevation, "
        "GET sitelatitude, PUT sitelatitude, GET sitelongitude, PUT sitelongitude, GET slewing, "
        "GET slewsettletime, PUT slewsettletime, GET targetdeclination, PUT targetdeclination, "
        "GET targetrightascension, PUT targetrightascension, GET tracking, PUT tracking, "
        "GET trackingrate, PUT trackingrate, GET trackingrates, GET utcdate, PUT utcdate, "
        "PUT abortslew, GET axisrates, GET canmoveaxis, GET destinationsideofpier, PUT findhome, "
        "PUT moveaxis, PUT park, PUT pulseguide, PUT setpark, PUT slewtoaltaz, "
        "PUT slewtoaltazasync, PUT slewtocoordinates, PUT slewtocoordinatesasync, "
        "PUT slewtotarget, PUT slewtotargetasync, PUT synctoaltaz, PUT synctocoordinates, "
        "PUT synctotarget, PUT unpark"
    ),
}
