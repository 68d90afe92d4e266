"""The bench's interleaved harness: its spread, its verdicts, and that it times both sides in turn."""

import time

from bench.interleave import summary, time_pair, verdict


def _result(ratio_values, *, load=(0.5, 0.5)):
    return {"ratio": summary(ratio_values), "load_before": [load[0]], "load_after": [load[1]]}


def test_a_steady_run_within_the_target_is_met_and_one_above_it_is_not():
    assert verdict(_result([1.4, 1.5, 1.5, 1.6]), target=2.0, cores=2) == ("met", [])
    assert verdict(_result([2.4, 2.5, 2.5, 2.6]), target=2.0, cores=2) == ("not met", [])


def test_a_wide_spread_or_a_loaded_machine_gives_no_verdict():
    label, why = verdict(_result([1.0, 1.2, 1.9, 2.0]), target=2.0, cores=2)
    assert label == "noisy" and "spread" in why[0]

    label, why = verdict(_result([1.4, 1.5, 1.5, 1.6], load=(1.0, 2.5)), target=2.0, cores=2)
    assert label == "noisy" and why == ["load after 2.5 > 2 cores"]


def test_spread_is_the_interquartile_range_over_the_median():
    # quartiles (inclusive) of 1..5: 2, 3, 4
    assert summary([1, 2, 3, 4, 5])["spread"] == round((4 - 2) / 3, 3)


def test_rounds_alternate_which_side_goes_first():
    calls = []
    result = time_pair(lambda: calls.append("app"), lambda: calls.append("raw"), rounds=4, warmup=1)
    assert calls == ["app", "raw", "app", "raw", "raw", "app", "app", "raw", "raw", "app"]
    assert result["rounds"] == 4


def test_what_comes_before_a_side_is_called_before_each_of_its_timed_calls_and_not_timed():
    calls = []
    result = time_pair(
        lambda: calls.append("app"),
        lambda: calls.append("raw"),
        rounds=2,
        warmup=1,
        before={"app": lambda: (calls.append("write"), time.sleep(0.05))},
    )
    assert calls == ["app", "raw", "write", "app", "raw", "raw", "write", "app"]
    assert result["app_ms"]["max"] < 50
