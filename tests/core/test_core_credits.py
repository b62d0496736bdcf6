"""Credit and time estimates (seed 001's table, seed 000's flat price)."""

from __future__ import annotations

import pytest

from editor.core.credits import CreditEstimate, estimate_credits, expected_seconds
from editor.core.errors import ValidationError

TABLE = {  # seed 001, written out again here on purpose
    ("fast", "1k"): 1,
    ("fast", "2k"): 2,
    ("fast", "4k"): 3,
    ("balanced", "1k"): 2,
    ("balanced", "2k"): 3,
    ("balanced", "4k"): 4,
    ("quality", "1k"): 3,
    ("quality", "2k"): 4,
    ("quality", "4k"): 5,
}


@pytest.mark.parametrize(("mode", "resolution"), list(TABLE))
@pytest.mark.parametrize("n", [1, 2, 3, 4])
def test_table_times_num_images(mode: str, resolution: str, n: int) -> None:
    est = estimate_credits(resolution=resolution, mode=mode, num_images=n)
    assert isinstance(est, CreditEstimate)
    assert est.credits == TABLE[mode, resolution] * n
    assert est.explanation.startswith(f"{est.credits} credit")
    assert f"{mode} at {resolution}" in est.explanation
    assert ("x" + str(n) in est.explanation) == (n > 1)
    assert "\n" not in est.explanation


def test_explanation_wording() -> None:
    assert estimate_credits(resolution="2k", mode="balanced", num_images=2).explanation == (
        "6 credits: balanced at 2k, x2"
    )
    assert estimate_credits(resolution="1k", mode="fast").explanation == "1 credit: fast at 1k"


@pytest.mark.parametrize(
    ("resolution", "billed"), [("1k", "fast"), ("2k", "quality"), ("4k", "quality")]
)
def test_auto_mode_billing(resolution: str, billed: str) -> None:
    est = estimate_credits(resolution=resolution, mode="auto", num_images=3)
    assert est.credits == TABLE[billed, resolution] * 3
    assert f"billed as {billed}" in est.explanation


def test_defaults_are_auto_1k_single() -> None:
    assert estimate_credits().credits == 1


def test_legacy_inpaint_is_one_per_output() -> None:
    for res in ("1k", "4k"):
        for mode in ("auto", "quality"):
            assert estimate_credits(schema="legacy-inpaint", resolution=res, mode=mode).credits == 1
    est = estimate_credits(schema="legacy-inpaint", num_images=2)
    assert est.credits == 2 and "legacy" in est.explanation


def test_openai_and_local() -> None:
    openai = estimate_credits(backend="openai", resolution="4k", mode="quality", num_images=4)
    assert openai.credits == 0
    assert "bills" in openai.explanation or "billed" in openai.explanation
    local = estimate_credits(backend="local", num_images=4)
    assert local.credits == 0
    assert "free" in local.explanation and "offline" in local.explanation


def test_unknown_values_are_one_line_errors() -> None:
    with pytest.raises(ValidationError, match="1k, 2k or 4k"):
        estimate_credits(resolution="8k")
    with pytest.raises(ValidationError, match="fast, balanced or quality"):
        estimate_credits(mode="turbo")


def test_expected_seconds() -> None:
    assert expected_seconds("1k", "fast") == pytest.approx(20)
    assert expected_seconds("4k", "quality") == pytest.approx(120)
    assert expected_seconds("1k", "auto") == expected_seconds("1k", "fast")
    assert expected_seconds("2k", "auto") == expected_seconds("2k", "quality")
    assert expected_seconds(schema="legacy-inpaint") == 12
    modes = ("fast", "balanced", "quality")
    for res in ("1k", "2k", "4k"):
        times = [expected_seconds(res, m) for m in modes]
        assert times == sorted(times) and len(set(times)) == 3
        assert all(20 <= t <= 120 for t in times)
    for m in modes:
        times = [expected_seconds(r, m) for r in ("1k", "2k", "4k")]
        assert times == sorted(times) and len(set(times)) == 3
