"""train_repair's photo sources: `--native` keeps the photos' own resolution and never upsamples."""
import numpy as np
from PIL import Image

from findcolor_train.train_repair import NativePhotos, crop_L


def test_native_photos_keep_their_resolution(tmp_path):
    for name, (w, h) in {"a.jpg": (300, 200), "b.png": (150, 400), "c.jpg": (640, 480)}.items():
        Image.fromarray(np.random.default_rng(0).integers(0, 255, (h, w, 3), dtype=np.uint8)).save(tmp_path / name)
    (tmp_path / "broken.jpg").write_bytes(b"not a jpeg")
    photos = NativePhotos(tmp_path, min_short=160)
    assert len(photos) == 2  # b.png (short side 150) and the broken file are left out
    assert sorted(photos.get(i).shape for i in range(2)) == [(200, 300, 3), (480, 640, 3)]
    rng = np.random.default_rng(1)
    for _ in range(5):  # zoom at most 1: the window is at least the crop, then area-downsampled
        L = crop_L(photos, 0, 160, rng, scale=(0.6, 1.0))
        assert L.shape == (1, 160, 160) and 0 <= float(L.min()) and float(L.max()) <= 100
