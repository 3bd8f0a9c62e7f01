"""repeat-pitch: exact repeats need no model; only distinct bodies of contacts with two or more
bodied touches are embedded, in batches; a missing model or too many bodies is a notice."""
from __future__ import annotations

from contact_helpers import encoder, run, write  # noqa: F401 (fixtures)

from plumbline.contacts import repeat

HEADER = "timestamp,contact,channel,team,sender,body\n"
PITCH = "we help finance teams close the books faster with automated payroll audits and clear reporting every quarter"
OTHER = "our webinar on hiring in europe covers benefits contracts and local compliance for growing teams"


def log(tmp_path, rows):
    lines = [f"2024-05-{day:02d}T09:00:00Z,{contact},email,sales,rep1@vendor.com,\"{body}\"" for day, contact, body in rows]
    return write(tmp_path, "log.csv", HEADER + "\n".join(lines) + "\n")


def test_near_duplicate_fires_with_its_similarity(tmp_path, run, encoder):
    path = log(tmp_path, [(1, "ana@acme.com", PITCH), (5, "ana@acme.com", PITCH.replace("faster", "sooner"))])
    (finding,) = run(path).findings
    assert finding.rule == "repeat-pitch" and finding.line == 3
    similarity = float(dict(finding.details)["similarity"])
    assert 0.9 <= similarity < 1.0
    assert sorted(encoder.texts) == sorted([PITCH, PITCH.replace("faster", "sooner")])


def test_different_bodies_do_not_fire(tmp_path, run, encoder):
    path = log(tmp_path, [(1, "ana@acme.com", PITCH), (5, "ana@acme.com", OTHER)])
    assert run(path).findings == ()
    assert encoder.calls == 1


def test_only_distinct_bodies_of_repeat_candidates_are_embedded(tmp_path, run, encoder):
    path = log(tmp_path, [
        (1, "ana@acme.com", PITCH), (3, "ana@acme.com", PITCH), (5, "ana@acme.com", OTHER),  # exact + one new
        (1, "bo@acme.com", "a body sent once to bo"),  # one bodied touch: never embedded
    ])
    report = run(path)
    assert [f.rule for f in report.findings] == ["repeat-pitch"]
    assert sorted(encoder.texts) == sorted([PITCH, OTHER])


def test_exact_repeats_need_no_encoder(tmp_path, run, encoder):
    path = log(tmp_path, [(1, "ana@acme.com", PITCH), (2, "ana@acme.com", PITCH)])
    assert [f.rule for f in run(path).findings] == ["repeat-pitch"]
    assert encoder.calls == 0


def test_bodies_are_embedded_in_batches(tmp_path, run, encoder, monkeypatch):
    monkeypatch.setattr(repeat, "BATCH", 2)
    rows = [(day, "ana@acme.com", f"{PITCH} variant {day} {'x' * day}") for day in range(1, 6)]
    run(log(tmp_path, rows))
    assert encoder.calls == 3 and len(encoder.texts) == 5


def test_lookback_limits_how_far_back_a_touch_is_compared(tmp_path, run):
    path = log(tmp_path, [(1, "ana@acme.com", PITCH), (2, "ana@acme.com", OTHER), (3, "ana@acme.com", PITCH)])
    assert [f.rule for f in run(path).findings] == ["repeat-pitch"]
    assert run(path, repeat_lookback=1).findings == ()


def test_missing_model_is_a_notice_and_exact_repeats_still_count(tmp_path):
    from plumbline.contacts import check_contacts

    def broken():
        raise RuntimeError("model files are missing")

    path = log(tmp_path, [(1, "ana@acme.com", PITCH), (2, "ana@acme.com", PITCH),
                          (1, "bo@acme.com", PITCH), (2, "bo@acme.com", OTHER)])
    report = check_contacts([path], encoder_factory=broken)
    assert sorted(f.rule for f in report.findings) == ["repeat-pitch", "repeat-pitch-limited"]
    notice = next(f for f in report.findings if f.rule == "repeat-pitch-limited")
    assert "model files are missing" in notice.message and notice.severity == "info"


def test_too_many_bodies_is_a_notice(tmp_path, run, encoder):
    path = log(tmp_path, [(1, "ana@acme.com", PITCH), (2, "ana@acme.com", OTHER)])
    report = run(path, max_embedded_bodies=1)
    (notice,) = report.findings
    assert notice.rule == "repeat-pitch-limited" and "2 distinct message bodies" in notice.message
    assert encoder.calls == 0


def test_fires_at_the_similarity_limit_and_not_above_it(tmp_path, run, fake_encoder):
    import numpy as np

    second = PITCH.replace("faster", "sooner").replace("clear", "simple")
    a, b = fake_encoder.encode([PITCH, second])
    similarity = float(np.dot(a, b))
    path = log(tmp_path, [(1, "ana@acme.com", PITCH), (5, "ana@acme.com", second)])
    assert [f.rule for f in run(path, repeat_similarity=round(similarity, 6)).findings] == ["repeat-pitch"]
    assert run(path, repeat_similarity=round(similarity + 0.001, 6)).findings == ()
