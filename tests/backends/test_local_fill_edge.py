"""The offline engine at the mask's edge: the fill meets the photo without a halo of
the removed object, however tight the mask (measured with the scenes of
tests/benchmarks/bench_fill_quality.py: a mask 2 px around a disc left up to 13 levels
of the disc in a ring inside the mask when the fill was blended in through the feathered
mask; the fill alone is within 3 levels of the truth)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest
from backend_helpers import completed, run

from editor.backends import make_backend
from editor.core.request import EditRequest

_BENCH = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_fill_quality.py"
_spec = importlib.util.spec_from_file_location("bench_fill_quality", _BENCH)
assert _spec is not None and _spec.loader is not None
bench = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench)


@pytest.mark.parametrize("feather_px", [0, 4, 12])
def test_a_tight_mask_leaves_no_halo_of_the_removed_object(feather_px: int) -> None:
    truth = bench.scene("clean gradient")
    photo, _ = bench.with_object(truth)
    yy, xx = np.mgrid[0 : bench.H, 0 : bench.W]
    d = np.hypot(xx - bench.CENTRE[0], yy - bench.CENTRE[1])
    mask = ((d <= bench.RADIUS + 2) * 255).astype(np.uint8)
    req = EditRequest(image=photo, mask=mask, prompt="", seed=1, feather_px=feather_px)
    result = completed(run(make_backend("local"), req)).images[0]
    np.testing.assert_array_equal(result[mask == 0], photo[mask == 0])
    error = np.abs(result.astype(int) - truth)[mask > 0]
    assert error.max() <= 6, error.max()
