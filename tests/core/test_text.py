from core.text import ago_text, duration_text, excerpt, text_problem, xml_safe


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


def test_excerpt_cuts_at_a_word_boundary_and_says_so():
    assert excerpt("short enough", 20) == "short enough"
    assert excerpt("exactly twenty chars", 20) == "exactly twenty chars"
    assert excerpt("the kernel scheduler shares", 16) == "the kernel…"
    assert excerpt("the kernel, scheduler", 12) == "the kernel…"  # no dangling comma
    assert excerpt("the kernel scheduler", 11) == "the kernel…"  # the cut falls on a space
    assert excerpt("Supercalifragilistic", 8) == "Superca…"  # one long word: cut inside it
    assert excerpt("spaced   out\n text", 30) == "spaced out text"
    assert all(len(excerpt("word " * 100, limit)) <= limit for limit in (10, 37, 300))


def test_ago_text_is_compact_and_rounds_down():
    assert ago_text(0) == "just now"
    assert ago_text(59) == "just now"
    assert ago_text(-30) == "just now"  # a clock a little ahead
    assert ago_text(60) == "1m ago"
    assert ago_text(59 * 60 + 59) == "59m ago"
    assert ago_text(9 * 3600 + 36 * 60) == "9h ago"
    assert ago_text(3 * 86400 + 7200) == "3d ago"
    assert ago_text(45 * 86400) == "1mo ago"
    assert ago_text(800 * 86400) == "2y ago"


def test_text_problem_refuses_controls_surrogates_and_noncharacters():
    for bad in ["\x00", "\x01", "\x08", "\x0b", "\x0c", "\x1f", "\x7f", "\x85", "\x9f"]:
        assert text_problem(f"a{bad}b") == (
            f"Remove the invisible character U+{ord(bad):04X}: it cannot be stored or shown."
        )
        assert text_problem(f"a{bad}b", multiline=True) is not None
    for bad in ["\ud800", "\udfff", "\ufffe", "\uffff", "\ufdd0", "\U0001fffe", "\U0010ffff"]:
        assert text_problem(bad) is not None
        assert text_problem(bad, multiline=True) is not None


def test_text_problem_keeps_one_line_to_one_line_and_lets_multiline_text_break():
    assert text_problem("one\ntwo") == "Keep this to one line."
    assert text_problem("one\r\ntwo") == "Keep this to one line."
    assert text_problem("tab\there") is not None
    assert text_problem("one\r\ntwo\tthree", multiline=True) is None


def test_text_problem_accepts_any_language_mark_and_plane():
    for good in [
        "Ünïcödé",
        "\u202b\u05e2\u05d1\u05e8\u05d9\u05ea\u202c",
        "e\u0301",
        "日本語",
        "\U0001f600",
        "\U0010fffd",
    ]:
        assert text_problem(good) is None


def test_xml_safe_leaves_out_only_what_xml_cannot_carry():
    assert xml_safe("a\x00\x01\x0b\x1fb\ud800\ufffe\uffffc") == "abc"
    assert xml_safe("tab\tline\ncr\r\x7f\x85\U0001f600") == "tab\tline\ncr\r\x7f\x85\U0001f600"
