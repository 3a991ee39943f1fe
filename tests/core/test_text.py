from core.text import duration_text


def test_duration_text_says_days_hours_or_minutes_rounding_waits_up():
    assert duration_text(3 * 24 * 3600) == "3 days"
    assert duration_text(24 * 3600) == "24 hours"
    assert duration_text(6 * 3600) == "6 hours"
    assert duration_text(3600) == "1 hour"
    assert duration_text(3601) == "2 hours"
    assert duration_text(30 * 60) == "30 minutes"
    assert duration_text(61) == "2 minutes"
    assert duration_text(60) == "1 minute"
    assert duration_text(0) == "1 minute"
