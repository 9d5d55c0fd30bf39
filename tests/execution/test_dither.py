"""The dither pattern and the mount shared by channels that expose at once."""

from __future__ import annotations

import threading
import time

from pyros.execution.dither import MountShare, dither_offset_arcsec


def test_the_pattern_starts_on_the_target_and_never_repeats_a_position():
    offsets = [dither_offset_arcsec(i, 10.0) for i in range(25)]
    assert offsets[0] == (0.0, 0.0)
    assert len(set(offsets)) == len(offsets)
    assert max(max(abs(e), abs(n)) for e, n in offsets[:9]) == 10.0  # first ring: ±step
    assert dither_offset_arcsec(5, 0.0) == (0.0, 0.0)


def test_a_move_waits_for_the_exposure_in_flight_and_new_exposures_wait_for_the_move():
    share, events = MountShare(), []
    exposing = threading.Event()

    def long_exposure():
        with share.exposure():
            events.append("A open")
            exposing.set()
            time.sleep(0.3)
            events.append("A closed")

    t = threading.Thread(target=long_exposure)
    t.start()
    exposing.wait(2)
    mover = threading.Thread(target=lambda: share.dither(
        0, lambda i: events.append(f"move {i}"), timeout_s=5))
    mover.start()
    time.sleep(0.05)
    with share.exposure():  # asked while the move is pending: goes after it
        events.append("B open")
    t.join()
    mover.join()
    assert events == ["A open", "A closed", "move 1", "B open"]
    assert share.generation == 1


def test_two_channels_asking_together_make_one_move():
    share, moves = MountShare(), []
    threads = [threading.Thread(target=lambda: share.dither(0, moves.append, 5))
               for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert moves == [1] and share.generation == 1


def test_a_partner_exposing_too_long_means_no_move_this_time():
    share, moves = MountShare(), []
    holding, release = threading.Event(), threading.Event()

    def partner():
        with share.exposure():
            holding.set()
            release.wait(5)

    t = threading.Thread(target=partner)
    t.start()
    holding.wait(2)
    assert share.dither(0, moves.append, timeout_s=0.2) is False
    release.set()
    t.join()
    assert moves == [] and share.generation == 0
    with share.exposure():  # nothing left blocked behind the abandoned move
        pass
