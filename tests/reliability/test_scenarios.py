"""The benchmark's scenarios at a small size without rate limit: the correctness figures must be exact
(timings are only printed by benchmarks/run.py, never asserted)."""

from __future__ import annotations

from benchmarks.run import provider_sizes, run_scenarios


def test_scenarios_fail_nothing_duplicate_nothing_and_send_one_request_per_operation() -> None:
    figures = {f.scenario: f for f in run_scenarios(3, rate_limit=None, failure_rate=0.3, seed=11, faulty_parallel=1)}

    assert all(f.failed == 0 for f in figures.values()), figures
    assert all(f.mismatched == 0 for f in figures.values()), figures
    clean = {name: (f.operations, f.requests) for name, f in figures.items() if "faults" not in name}
    assert clean == {
        "up, 9 creates": (9, 9),
        "up, no change": (0, 0),
        "preview, no change": (0, 0),
        "up, 3 updates": (3, 3),
        "refresh": (9, 9),
        "destroy": (9, 12),  # 3 projects, 3 clients, 3 references, and each project's write client
    }
    faulty = figures["up, 9 creates, 30% faults"]
    assert faulty.operations == 9 and faulty.requests > 9  # the faults did fire, and were absorbed


def test_the_serialized_providers_stay_small_and_plain() -> None:
    sizes = provider_sizes()
    assert set(sizes) == {"ProjectProvider", "ClientProvider", "ReferenceProvider"}
    assert all(0 < size < 512 for size in sizes.values()), sizes
