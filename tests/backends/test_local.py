"""The offline engine: PatchMatch fill in a worker thread, variants by seed."""

from __future__ import annotations

import numpy as np
import pytest
from backend_helpers import completed, outside, request, run

from editor.backends import make_backend
from editor.backends.base import JobProgress
from editor.core.errors import ValidationError


def test_fill_variants_differ_by_seed_and_keep_unmasked_pixels():
    req = request(prompt="", num_images=2, seed=5)
    events = run(make_backend("local"), req)
    done = completed(events)
    assert len(done.images) == 2 and done.job_id is None
    keep = outside(req.mask, req.feather_px + 2)
    for image in done.images:
        assert image.shape == req.image.shape
        assert np.array_equal(image[keep], req.image[keep])
        hole = req.mask > 0
        assert not np.array_equal(image[hole], req.image[hole])  # something was filled
    assert not np.array_equal(done.images[0], done.images[1])
    fractions = [e.fraction for e in events if isinstance(e, JobProgress)]
    assert fractions == [0.5, 1.0]


def test_same_seed_same_result():
    a = completed(run(make_backend("local"), request(prompt="", seed=9))).images[0]
    b = completed(run(make_backend("local"), request(prompt="", seed=9))).images[0]
    assert np.array_equal(a, b)


def test_a_prompt_is_refused_with_a_clear_message():
    with pytest.raises(ValidationError) as info:
        run(make_backend("local"), request(prompt="a hat"))
    assert str(info.value) == (
        "Prompt-guided edits need FASHN or an OpenAI-compatible server; "
        "clear the prompt to fill from the surroundings."
    )


def test_no_mask_is_refused():
    with pytest.raises(ValidationError, match="mask"):
        run(make_backend("local"), request(prompt="", mask=None))


def test_default_backend_is_local_without_a_key(monkeypatch):
    from editor.backends import default_backend_kind, keys

    monkeypatch.delenv("FASHN_API_KEY", raising=False)
    monkeypatch.setattr(keys, "_keyring", lambda: None)
    monkeypatch.setattr(keys, "_session_keys", {})
    assert default_backend_kind() == "local"
    monkeypatch.setenv("FASHN_API_KEY", "k")
    assert default_backend_kind() == "fashn"


def test_local_variant_pastes_per_region_like_the_full_paste_back():
    """The local engine's result equals the full-size paste through the (soft) mask, and
    its only whole-photo allocation is the one full-size result."""
    import tracemalloc

    from editor.backends.local import fill_variant
    from editor.core.composite import paste_back
    from editor.core.fill import contextual_fill

    rng = np.random.default_rng(0)
    image = rng.integers(0, 256, (3000, 4000, 3), dtype=np.uint8)
    mask = np.zeros((3000, 4000), np.uint8)
    mask[100:160, 200:300] = 255
    mask[2000:2100, 3000:3080] = 160  # a soft-edged part still blends
    tracemalloc.start()
    try:
        out = fill_variant(image, mask, 3)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < image.nbytes + 20 * 2**20, (
        f"{peak / 2**20:.0f} MB for a {image.nbytes >> 20} MB photo"
    )
    expected = paste_back(image, contextual_fill(image, mask, seed=3), mask, feather_px=0)
    np.testing.assert_array_equal(out, expected)
