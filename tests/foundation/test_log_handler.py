"""The database log handler never makes two threads wait for each other."""

from __future__ import annotations

import logging
import threading

import pytest
from django.db import connection, transaction

from pyros.system.logs import DatabaseLogHandler
from pyros.system.models import LogEntry


@pytest.mark.django_db(transaction=True)
def test_a_thread_in_a_transaction_can_log_while_another_waits_for_the_database():
    """Thread B's record waits for the write lock thread A holds (SQLite); A logs too.
    With a handler lock, A would wait for B and B for A until the database timeout."""
    handler = DatabaseLogHandler()
    log = logging.getLogger("pyros.test.deadlock")
    log.addHandler(handler)
    log.propagate = False
    log.setLevel(logging.INFO)
    holding = threading.Event()
    b_started = threading.Event()
    a_logged = threading.Event()
    release = threading.Event()

    def thread_a():
        try:
            with transaction.atomic():
                LogEntry.objects.create(level=20, level_name="INFO", logger="a", message="x")
                holding.set()  # holds the write lock (SQLite) until released
                b_started.wait(5)
                threading.Event().wait(0.3)  # B is inside emit(), waiting for the database
                log.info("A logs inside its transaction")
                a_logged.set()
                release.wait(10)
        finally:
            connection.close()

    def thread_b():
        try:
            holding.wait(5)
            b_started.set()
            log.info("B logs while A holds the database")
        finally:
            connection.close()

    a, b = threading.Thread(target=thread_a), threading.Thread(target=thread_b)
    try:
        a.start()
        b.start()
        assert a_logged.wait(10), "A could not log: the handler serialised the threads"
    finally:
        release.set()
        a.join(40)
        b.join(40)
        log.removeHandler(handler)
    messages = set(LogEntry.objects.values_list("message", flat=True))
    assert "A logs inside its transaction" in messages
    assert "B logs while A holds the database" in messages
