"""Alert notices: parse every VOEvent / GCN JSON notice into one :class:`Notice`.

PURE: no Django.  Inputs are bytes or text; outputs are frozen dataclasses.  Anything the
parsers refuse raises :class:`NoticeRejected` with a one-line reason.

>>> from pyros.notices import parse_notice
>>> notice = parse_notice(open("eclairs_299.xml", "rb").read())  # doctest: +SKIP
>>> notice.event_id, notice.notice_type, notice.error_radius_deg  # doctest: +SKIP
('sb26022501', <NoticeType.WAKEUP: 'wakeup'>, 0.0981)
"""

from pyros.notices.errors import NoticeRejected
from pyros.notices.gcn_json import parse_gcn_json
from pyros.notices.matching import (
    angular_separation_deg,
    containment_radius_deg,
    error_radius_90_deg,
    same_event,
)
from pyros.notices.model import Notice, NoticeType, Role, SourceFormat
from pyros.notices.options import DEFAULT_OPTIONS, ParseOptions
from pyros.notices.parse import parse_notice, parse_notice_file
from pyros.notices.voevent import parse_voevent

__all__ = [
    "DEFAULT_OPTIONS",
    "Notice",
    "NoticeRejected",
    "NoticeType",
    "ParseOptions",
    "Role",
    "SourceFormat",
    "angular_separation_deg",
    "containment_radius_deg",
    "error_radius_90_deg",
    "parse_gcn_json",
    "parse_notice",
    "parse_notice_file",
    "parse_voevent",
    "same_event",
]
