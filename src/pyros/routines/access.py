"""Who may see and change which requests (one place for the web pages and the API).

- a user sees and edits the requests of the programmes they are a member of;
- experts and admins see every request; experts edit only their own programmes' ones,
  admins edit all.

Views answer 404 for a request the user may not see (its existence is not disclosed) and
403 for one they may see but not change.
"""

from __future__ import annotations

from django.db.models import QuerySet

from pyros.accounts.models import ScientificProgramme
from pyros.accounts.roles import is_admin, sees_all
from pyros.routines.models import Request, Sequence


def visible_requests(user) -> QuerySet[Request]:
    if not user.is_authenticated:
        return Request.objects.none()
    qs = Request.objects.select_related("programme", "owner")
    if sees_all(user):
        return qs
    return qs.filter(programme__members=user).distinct()


def visible_sequences(user) -> QuerySet[Sequence]:
    return Sequence.objects.filter(request__in=visible_requests(user)).select_related(
        "request", "request__programme")


def can_edit(user, request: Request) -> bool:
    if not user.is_authenticated:
        return False
    if is_admin(user):
        return True
    return request.programme.members.filter(pk=user.pk).exists()


def submit_programmes(user) -> QuerySet[ScientificProgramme]:
    """Programmes the user may create requests under (their own; admins: all)."""
    if is_admin(user):
        return ScientificProgramme.objects.all()
    return ScientificProgramme.objects.filter(members=user)
