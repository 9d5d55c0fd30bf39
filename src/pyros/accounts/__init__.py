"""Accounts: users and their profiles (admin, expert, user), programmes, periods, quotas."""
