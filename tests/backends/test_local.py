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
