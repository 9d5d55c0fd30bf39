"""Tell the people on call: e-mail (Django's mail backend) and chat webhooks.

Other components call :func:`notify` for their own events::

    from pyros.alerts.notify import notify
    notify("device_lost", "camera_vis lost", "No reply for 30 s; sequence paused.")

Event kinds are listed in :data:`pyros.config.alerts.EVENT_KINDS` (alert_accepted,
alert_refused, alert_retracted, alert_expired, unsafe, paused, device_lost,
sequence_failed).  Each role of ``notifications.roles`` in the alerts configuration says
which kinds it wants and where they go.  Delivery runs on the outbound thread: ``notify``
returns at once and never raises for a delivery failure.
"""

from __future__ import annotations

import logging

from pyros.alerts import dispatch
from pyros.config.alerts import EVENT_KINDS, AlertsSettings, load_alerts_settings

log = logging.getLogger("pyros.alerts.notify")

__all__ = ["notify"]


def notify(event_kind: str, subject: str, body: str,
           settings: AlertsSettings | None = None) -> int:
    """Queue ``subject``/``body`` to every role that wants ``event_kind``.

    Returns the number of deliveries queued (e-mails count one per message).  Raises
    ValueError for an unknown ``event_kind`` (a programming error, not a delivery one).
    """
    if event_kind not in EVENT_KINDS:
        raise ValueError(f"unknown event kind {event_kind!r}; known: {EVENT_KINDS}")
    settings = settings or load_alerts_settings()
    cfg = settings.notifications
    emails: set[str] = set()
    hooks: set[str] = set()
    for route in cfg.roles.values():
        if "*" in route.kinds or event_kind in route.kinds:
            emails.update(route.emails)
            hooks.update(route.webhooks)
    queued = 0
    if emails:
        recipients = sorted(emails)
        dispatch.submit(f"mail {event_kind}", lambda: _mail(event_kind, subject, body,
                                                            recipients))
        queued += 1
    text = f"[PyROS {event_kind}] {subject}\n{body}".strip()
    payload = {"text": text, "msgtype": "m.text", "body": text, "kind": event_kind,
               "subject": subject}
    for url in sorted(hooks):
        dispatch.submit(f"webhook {url}",
                        lambda url=url: dispatch.post_json(url, payload, cfg.timeout_s))
        queued += 1
    log.info("alerts: notify %s: %s (%d deliveries)", event_kind, subject, queued)
    return queued


def _mail(kind: str, subject: str, body: str, recipients: list[str]) -> None:
    from django.conf import settings
    from django.core.mail import send_mail

    send_mail(f"[PyROS {kind}] {subject}", body, settings.DEFAULT_FROM_EMAIL, recipients,
              fail_silently=False)
