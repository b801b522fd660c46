"""One status word for every way Google's sports box spells a game's state."""

from __future__ import annotations

from typing import get_args

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sports_api.sports.status import STATUSES, GameStatus, Status, classify


def test_statuses_are_the_game_status_words_in_order() -> None:
    assert get_args(GameStatus) == STATUSES
    assert " ".join(STATUSES) == "scheduled live paused final postponed cancelled suspended unknown"


@pytest.mark.parametrize(
    ("text", "has_score", "expected"),
    [
        # Seen in ../shared/reference/serpapi.md.
        ("Final", True, Status("final", None)),
        ("Final/OT", True, Status("final", None)),
        ("Final/SO", True, Status("final", None)),
        ("FT", True, Status("final", None)),
        ("Full-time", True, Status("final", None)),
        ("FT (P)", True, Status("final", None)),
        ("AET", True, Status("final", None)),
        ("Halftime", True, Status("paused", "Halftime")),
        ("HT", True, Status("paused", "HT")),
        ("Live", True, Status("live", None)),
        ("3rd Quarter", True, Status("live", "3rd Quarter")),
        ("Top 5th", True, Status("live", "Top 5th")),
        ("67'", True, Status("live", "67'")),
        ("Postponed", False, Status("postponed", None)),
        ("Cancelled", False, Status("cancelled", None)),
        ("Delayed", False, Status("scheduled", None)),
        (None, False, Status("scheduled", None)),
        # Plausible English variants.
        ("Final/2OT", True, Status("final", None)),
        ("Final (OT)", True, Status("final", None)),
        ("Final/10", True, Status("final", None)),  # extra innings
        ("F/OT", True, Status("final", None)),
        ("Ended", True, Status("final", None)),
        ("Finished", True, Status("final", None)),
        ("Full time", True, Status("final", None)),
        ("Fulltime", True, Status("final", None)),
        ("After extra time", True, Status("final", None)),
        ("A.E.T.", True, Status("final", None)),
        ("After penalties", True, Status("final", None)),
        ("AP", True, Status("final", None)),
        ("Pens", True, Status("final", None)),
        ("FT (Pens)", True, Status("final", None)),
        ("Half-time", True, Status("paused", "Half-time")),
        ("Half time", True, Status("paused", "Half time")),
        ("End of 1st", True, Status("paused", "End of 1st")),
        ("End of 3rd Quarter", True, Status("paused", "End of 3rd Quarter")),
        ("End 2nd", True, Status("paused", "End 2nd")),
        ("End of regulation", True, Status("paused", "End of regulation")),
        ("Intermission", True, Status("paused", "Intermission")),
        ("2nd Intermission", True, Status("paused", "2nd Intermission")),
        ("Mid 5th", True, Status("paused", "Mid 5th")),
        ("Middle of the 7th", True, Status("paused", "Middle of the 7th")),
        ("End 8th", True, Status("paused", "End 8th")),
        ("1st Half", True, Status("live", "1st Half")),
        ("2nd Half", True, Status("live", "2nd Half")),
        ("45+2'", True, Status("live", "45+2'")),
        ("90+4'", True, Status("live", "90+4'")),
        ("90+4\u2019", True, Status("live", "90+4\u2019")),
        ("Live 67'", True, Status("live", "67'")),
        ("1st Quarter", True, Status("live", "1st Quarter")),
        ("Q4 2:15", True, Status("live", "Q4 2:15")),
        ("2:15 4th", True, Status("live", "2:15 4th")),
        ("4th Qtr", True, Status("live", "4th Qtr")),
        ("OT", True, Status("live", "OT")),
        ("2OT", True, Status("live", "2OT")),
        ("Extra time", True, Status("live", "Extra time")),
        ("2nd Period", True, Status("live", "2nd Period")),
        ("3rd Period", True, Status("live", "3rd Period")),
        ("Bot 7th", True, Status("live", "Bot 7th")),
        ("Bottom of the 7th", True, Status("live", "Bottom of the 7th")),
        ("Top 9th", True, Status("live", "Top 9th")),
        ("In progress", True, Status("live", None)),
        ("In-progress", False, Status("live", None)),
        ("Canceled", False, Status("cancelled", None)),
        ("Abandoned", True, Status("suspended", None)),
        ("Suspended", True, Status("suspended", None)),
        ("Susp", True, Status("suspended", None)),
        ("Interrupted", True, Status("suspended", None)),
        ("Delayed", True, Status("suspended", None)),
        ("Rain delay", False, Status("scheduled", None)),
        ("Rain delay", True, Status("suspended", None)),
        ("Postp.", False, Status("postponed", None)),
        ("PPD", False, Status("postponed", None)),
        ("TBD", False, Status("scheduled", None)),
        ("Scheduled", False, Status("scheduled", None)),
        # A score contradicts a game yet to start.
        ("TBD", True, Status("unknown", None)),
        # No text: not started, unless a score says otherwise without saying what.
        (None, True, Status("unknown", None)),
        ("", False, Status("scheduled", None)),
        ("", True, Status("unknown", None)),
        (" \u202f ", False, Status("scheduled", None)),
        # Unrecognised texts are unknown, never guessed.
        ("Finalizado", True, Status("unknown", None)),
        ("En vivo", True, Status("unknown", None)),
        ("Final Four", True, Status("unknown", None)),
        ("Halftime show", True, Status("unknown", None)),
        ("Penalties", True, Status("unknown", None)),
        ("7:30 PM", False, Status("unknown", None)),
        ("67", True, Status("unknown", None)),
        ("Live!", True, Status("unknown", None)),
    ],
)
def test_classify(text: str | None, has_score: bool, expected: Status) -> None:
    assert classify(text, has_score=has_score) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("FINAL", Status("final", None)),
        ("final.", Status("final", None)),
        ("Final/OT.", Status("final", None)),
        ("FT\u00a0(P)", Status("final", None)),
        ("full-TIME", Status("final", None)),
        ("  Halftime  ", Status("paused", "Halftime")),
        ("Half\u202ftime.", Status("paused", "Half time")),
        ("3rd\u00a0\u00a0Quarter", Status("live", "3rd Quarter")),
        ("top  5TH", Status("live", "top 5TH")),
        ("45 + 2'", Status("live", "45 + 2'")),
        ("q4\u202f2:15", Status("live", "q4 2:15")),
        ("LIVE", Status("live", None)),
        ("postponed.", Status("postponed", None)),
    ],
)
def test_case_odd_spaces_and_a_trailing_period(text: str, expected: Status) -> None:
    assert classify(text, has_score=True) == expected


@given(text=st.none() | st.text(), has_score=st.booleans())
def test_classify_never_raises_and_answers_a_known_word(text: str | None, has_score: bool) -> None:
    status = classify(text, has_score=has_score)
    assert status.status in STATUSES
    if status.clock is not None:
        assert status.status in ("live", "paused")
        assert status.clock in " ".join((text or "").split())
