"""The job journal's mask archive written a band at a time: the same bits and the same
archive members as ``np.savez(shape=, bits=np.packbits(mask > 0))``."""

from __future__ import annotations

import io
import zipfile

import numpy as np
import pytest

from editor.core.codec import pack_mask_bits, write_npz


@pytest.mark.parametrize(
    ("shape", "band_bytes"),
    [((37, 53), 64), ((64, 8), 8), ((1, 13), 1), ((200, 301), 1000), ((16, 16, 3), 40)],
)
def test_packed_bits_are_those_of_the_whole_mask(shape, band_bytes) -> None:  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(sum(shape))
    mask = rng.choice(np.array([0, 1, 128, 255], np.uint8), size=shape)
    packed = pack_mask_bits(mask, band_bytes=band_bytes)
    assert packed.dtype == np.uint8
    assert np.array_equal(packed, np.packbits(mask > 0))
    assert np.array_equal(pack_mask_bits(mask), np.packbits(mask > 0))  # one band


def test_the_archive_has_np_savez_members_byte_for_byte() -> None:
    rng = np.random.default_rng(3)
    mask = (rng.random((123, 77)) > 0.6).astype(np.uint8) * 255
    arrays = {"shape": np.asarray(mask.shape), "bits": pack_mask_bits(mask, band_bytes=100)}
    ours, theirs = io.BytesIO(), io.BytesIO()
    write_npz(ours, arrays)
    np.savez(theirs, shape=np.asarray(mask.shape), bits=np.packbits(mask > 0))
    with zipfile.ZipFile(ours) as a, zipfile.ZipFile(theirs) as b:
        assert a.namelist() == b.namelist() == ["shape.npy", "bits.npy"]
        for name in a.namelist():
            assert a.read(name) == b.read(name)
            assert a.getinfo(name).compress_type == b.getinfo(name).compress_type
    ours.seek(0)
    with np.load(ours) as data:  # what Journal.load_mask reads back
        flat = np.unpackbits(data["bits"])[: mask.size]
        assert np.array_equal((flat.reshape(mask.shape) * 255).astype(np.uint8), mask)
