"""Resolution advisor: detail per source pixel from prepare's real geometry, and the
cheapest settings keeping full detail."""

from __future__ import annotations

import numpy as np
import pytest

from editor.core.advisor import advise_resolution, output_pixels
from editor.core.credits import CreditEstimate
from editor.core.errors import ValidationError
from editor.core.prepare import focus_box


def _mask(w: int, h: int, box: tuple[int, int, int, int]) -> np.ndarray:
    m = np.zeros((h, w), dtype=np.uint8)
    x0, y0, x1, y1 = box
    m[y0:y1, x0:x1] = 255
    return m


def test_a_small_hat_on_a_3_mp_photo_needs_focus_or_2k() -> None:
    hat = _mask(2000, 1500, (900, 200, 1100, 350))
    advice = advise_resolution(hat, resolution="1k", name="hat")  # auto mode: 2k bills quality
    # 1k answers ~1 MP (1024 x 1024 pixels) for the whole 3 MP photo
    assert advice.current.detail == pytest.approx(1024 * 1024 / 3_000_000)
    assert (
        advice.message
        == "hat: 0.35x of source detail at 1k; Focus (1 credit) or 2k (4 credits) gives 1.0x"
    )
    assert advice.best is not None
    assert (advice.best.resolution, advice.best.focus, advice.best.credits) == ("1k", True, 1)
    # Focus sends exactly prepare's focus box
    focused = next(o for o in advice.options if o.focus and o.resolution == "1k")
    assert focused.region == focus_box(hat, 0.5)


def test_focus_already_on_gives_full_detail() -> None:
    hat = _mask(2000, 1500, (900, 200, 1100, 350))
    advice = advise_resolution(hat, resolution="1k", focus=True, name="hat")
    assert advice.current.full
    assert advice.message == "hat: 1.0x of source detail with Focus at 1k; full detail"


def test_a_whole_24_mp_photo_cannot_keep_full_detail() -> None:
    everything = np.full((4000, 6000), 255, dtype=np.uint8)
    advice = advise_resolution(everything, resolution="1k", mode="fast")
    assert advice.best is None
    top = max(advice.options, key=lambda o: o.detail)
    assert top.resolution == "4k"
    assert top.detail == pytest.approx(4096 * 4096 / 24_000_000)
    assert advice.message == (
        "masked area: 0.04x of source detail at 1k; the most is 0.70x with 4k (3 credits)"
    )


def test_the_sent_image_caps_the_output() -> None:
    # a 4k tier answers up to 16.8 MP, but a thin 6000-px-edge strip sends fewer pixels
    assert output_pixels("fashn", "4k", (12000, 1000)) == 6000 * 500
    assert output_pixels("fashn", "legacy", (800, 600), schema="legacy-inpaint") == 800 * 600
    assert output_pixels("openai", "1k", (3000, 2000)) == 1536 * 1024
    assert output_pixels("openai", "1k", (3000, 2000), model="dall-e-2") == 1024 * 683


def test_a_credit_rule_from_the_engine_spec_prices_the_options() -> None:
    def rule(*, schema: str, resolution: str, mode: str, num_images: int) -> CreditEstimate:
        return CreditEstimate({"1k": 10, "2k": 20, "4k": 30}[resolution] * num_images, "")

    hat = _mask(2000, 1500, (900, 200, 1100, 350))
    advice = advise_resolution(hat, credit_rule=rule, num_images=2)
    assert {(o.resolution, o.credits) for o in advice.options} == {
        ("1k", 20),
        ("2k", 40),
        ("4k", 60),
    }
    assert advice.message.endswith("Focus (20 credits) or 2k (40 credits) gives 1.0x")


def test_openai_and_local_engines() -> None:
    m = _mask(6000, 4000, (100, 100, 400, 300))
    openai = advise_resolution(m, engine="openai")
    assert "credit" not in openai.message  # billed by the server, not in FASHN credits
    assert openai.message.endswith("Focus gives 1.0x")
    local = advise_resolution(m, engine="local")
    assert local.current.full and local.message.endswith("full detail")


def test_bad_input_is_one_clear_line() -> None:
    with pytest.raises(ValidationError, match="Paint a mask first"):
        advise_resolution(np.zeros((10, 10), np.uint8))
    with pytest.raises(ValidationError, match="choose 1k, 2k or 4k"):
        advise_resolution(_mask(10, 10, (1, 1, 5, 5)), resolution="8k")
    with pytest.raises(ValidationError, match="Unknown engine"):
        advise_resolution(_mask(10, 10, (1, 1, 5, 5)), engine="midjourney")
