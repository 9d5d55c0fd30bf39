"""The three profiles as Django groups with their permissions (idempotent set-up)."""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission

#: app labels whose models each role may view / change (admins get everything).
ROLE_PERMISSIONS: dict[str, dict[str, tuple[str, ...]]] = {
    "user": {"view": ("routines",), "change": ("routines",)},
    "expert": {"view": ("routines", "accounts", "system"), "change": ("routines",)},
}


def ensure_roles() -> dict[str, Group]:
    """Create (or update) the admin, expert and user groups."""
    groups = {name: Group.objects.get_or_create(name=name)[0]
              for name in ("admin", "expert", "user")}
    groups["admin"].permissions.set(Permission.objects.all())
    for role, rules in ROLE_PERMISSIONS.items():
        perms = Permission.objects.none()
        for action, apps in rules.items():
            codes = ("view",) if action == "view" else ("add", "change", "delete")
            for code in codes:
                perms = perms | Permission.objects.filter(content_type__app_label__in=apps,
                                                          codename__startswith=f"{code}_")
        groups[role].permissions.set(perms.distinct())
    return groups
