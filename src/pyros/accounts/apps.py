from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "pyros.accounts"
    label = "accounts"
    verbose_name = "Users, programmes and quotas"
