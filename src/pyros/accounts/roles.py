"""The three profiles as Django groups with their permissions (idempotent set-up), and the
predicates every view and API endpoint asks ("may this user see / edit that?").

- ``user``: sees and edits the requests and data of their own programmes only;
- ``expert``: also operates devices manually (``accounts.operate_devices``) and sees every
  programme (``accounts.view_all``);
- ``admin``: everything (users, programmes, strategies, configuration).

Other apps check capabilities with ``user.has_perm("accounts.operate_devices")`` etc., so a
site may grant them to other groups (e.g. a programme committee gets
``accounts.validate_user``) without code changes.
"""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission

ROLE_NAMES = ("admin", "expert", "user")

#: app labels whose models each role may view / change (admins get everything).
ROLE_PERMISSIONS: dict[str, dict[str, tuple[str, ...]]] = {
    "user": {"view": ("routines",), "change": ("routines",)},
    "expert": {"view": ("routines", "accounts", "system"), "change": ("routines",)},
}

#: Capabilities (``accounts.<codename>``) beyond model permissions, per role.
ROLE_CAPABILITIES: dict[str, tuple[str, ...]] = {
    "user": (),
    "expert": ("view_all", "operate_devices"),
}


def ensure_roles() -> dict[str, Group]:
    """Create (or update) the admin, expert and user groups."""
    groups = {name: Group.objects.get_or_create(name=name)[0] for name in ROLE_NAMES}
    groups["admin"].permissions.set(Permission.objects.all())
    for role, rules in ROLE_PERMISSIONS.items():
        perms = Permission.objects.none()
        for action, apps in rules.items():
            codes = ("view",) if action == "view" else ("add", "change", "delete")
            for code in codes:
                perms = perms | Permission.objects.filter(content_type__app_label__in=apps,
                                                          codename__startswith=f"{code}_")
        perms = perms | Permission.objects.filter(content_type__app_label="accounts",
                                                  codename__in=ROLE_CAPABILITIES[role])
        groups[role].permissions.set(perms.distinct())
    return groups


def role_of(user) -> str:
    """``anonymous``, ``user``, ``expert`` or ``admin`` (the highest the user holds)."""
    if user is None or not user.is_authenticated:
        return "anonymous"
    if user.is_superuser:
        return "admin"
    names = set(user.groups.values_list("name", flat=True))
    return next((r for r in ROLE_NAMES if r in names), "user")


def is_admin(user) -> bool:
    return role_of(user) == "admin"


def sees_all(user) -> bool:
    """Experts and admins see every programme's requests, data and quotas."""
    return bool(user.is_authenticated and (is_admin(user) or user.has_perm("accounts.view_all")))


def can_operate_devices(user) -> bool:
    return bool(user.is_authenticated and user.has_perm("accounts.operate_devices"))


def can_validate_users(user) -> bool:
    return bool(user.is_authenticated and (is_admin(user)
                                           or user.has_perm("accounts.validate_user")))
