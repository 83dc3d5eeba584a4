"""The benchmark's scenarios (tests/support/scenarios.py) at a small size without rate limit, run by the
real CLI: the correctness figures must be exact (timings are only printed by benchmarks/run.py, never
asserted). The faulty up meets faults decided per request, so its request count is exact too."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.scenarios import provider_sizes, run_scenarios

pytestmark = pytest.mark.cli


def test_scenarios_fail_nothing_duplicate_nothing_and_send_one_request_per_operation(pulumi_bin: Path,
                                                                                      tmp_path: Path) -> None:
    figures = {f.scenario: f for f in run_scenarios(2, rate_limit=None, failure_rate=0.3, seed=3,
                                                    bin_dir=pulumi_bin, scratch=tmp_path)}

    assert [f.error for f in figures.values() if f.failed] == []
    assert {name: f.mismatched for name, f in figures.items()} == dict.fromkeys(figures, 0)
    clean = {name: (f.operations, f.requests) for name, f in figures.items() if "faults" not in name}
    assert clean == {
        "up, 6 creates": (6, 6),
        "up, no change": (0, 0),
        "preview, no change": (0, 0),
        "up, 2 updates": (2, 2),
        "refresh": (6, 6),
        "destroy": (6, 8),  # 2 projects, 2 clients, 2 references, and each project's write client
    }
    # Seed 3 at 30%: 9 faults (a project's POST committed but unanswered, so its write client is renewed;
    # 5xx answers to creates and to the lookups that follow them; a 502 to a DELETE), all absorbed, in
    # 21 requests. The faults are decided per request, so these figures are the same in every run.
    faulty = figures["up, 6 creates, 30% faults"]
    assert (faulty.operations, faulty.faults, faulty.requests) == (6, 9, 21)


def test_the_serialized_providers_stay_small_and_plain() -> None:
    sizes = provider_sizes()
    assert set(sizes) == {"ProjectProvider", "ClientProvider", "ReferenceProvider"}
    assert all(0 < size < 512 for size in sizes.values()), sizes
