#!/usr/bin/env python3
"""Benchmark loading a full-size (70,000-image) MNIST-format set from the cache, and the embedded subset.

Prints a markdown table: median wall time over --repeats runs of each step (read file, gunzip, parse, convert to
float32) and of the whole `load_mnist(path=DIR)`, from the .gz files and from raw (uncompressed) copies.

The full-size set is, in order: --dir if given; Debian's Fashion-MNIST (`apt-get install dataset-fashion-mnist`,
/usr/share/datasets/fashion-mnist) if installed; else a stand-in built from the embedded subset's real digits,
tiled to 60,000 + 10,000 images and written as IDX .gz (similar compression to MNIST). Timings are only meaningful
on an otherwise idle machine.
"""
import argparse, gzip, os, statistics, sys, tempfile, time
from pathlib import Path
import numpy as np
from lesson_lib.data import EMBEDDED, load_mnist
from lesson_lib.download import IDX_NAMES, read_idx, write_idx

FASHION = Path('/usr/share/datasets/fashion-mnist')

def timeit(f, repeats):
    "Median and min wall time of `f()` in seconds, after one warm-up call (page cache, imports)."
    f(); ts = []
    for _ in range(repeats):
        t = time.perf_counter(); f(); ts.append(time.perf_counter() - t)
    return statistics.median(ts), min(ts)

def standin(d:Path):
    "Write a 60,000 + 10,000 MNIST-format .gz set into `d`, tiling the embedded subset's real digits."
    with np.load(EMBEDDED, allow_pickle=False) as f: x, y = f['images'], f['labels']
    rs = np.random.RandomState(0)
    for n, (ni, nl) in [(60000, IDX_NAMES[:2]), (10000, IDX_NAMES[2:])]:
        idx = rs.randint(0, len(x), n)
        write_idx(d/f'{ni}.gz', x[idx]); write_idx(d/f'{nl}.gz', y[idx])
    return 'stand-in: embedded digits tiled to 70k'

def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0], epilog=__doc__.split('\n', 2)[2],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--dir', type=Path, help='a directory with the four MNIST-format .gz files (default: Fashion-MNIST or a stand-in)')
    p.add_argument('--standin', action='store_true', help='use the stand-in set even if Fashion-MNIST is installed')
    p.add_argument('--repeats', type=int, default=5, help='timed runs per measurement (median reported; default 5)')
    a = p.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        if a.dir:
            missing = [f'{n}.gz' for n in IDX_NAMES if not (a.dir/f'{n}.gz').exists()]
            if missing: p.error(f"--dir {a.dir}: missing {', '.join(missing)}")
            src, what = a.dir, str(a.dir)
        elif not a.standin and all((FASHION/f'{n}.gz').exists() for n in IDX_NAMES): src, what = FASHION, f'Fashion-MNIST ({FASHION})'
        else: src = tmp/'gz'; src.mkdir(); what = standin(src)
        raw = tmp/'raw'; raw.mkdir()
        for n in IDX_NAMES: (raw/n).write_bytes(gzip.decompress((src/f'{n}.gz').read_bytes()))
        gz_files = [src/f'{n}.gz' for n in IDX_NAMES]
        data = [f.read_bytes() for f in gz_files]
        dec = [gzip.decompress(b) for b in data]
        ints = [read_idx(f) for f in raw.iterdir()]
        n = sum(len(x) for x in ints if x.ndim == 3)
        rows = [
            ('read the 4 .gz files (bytes)', lambda: [f.read_bytes() for f in gz_files]),
            ('gunzip them', lambda: [gzip.decompress(b) for b in data]),
            ('parse: np.frombuffer + native copy', lambda: [np.frombuffer(b, np.uint8, offset=16 if i % 2 == 0 else 8).copy() for i, b in enumerate(dec)]),
            ('uint8 -> float32 / 255', lambda: [np.divide(x.reshape(len(x), -1), np.float32(255), dtype=np.float32) for x in ints if x.ndim == 3]),
            ('**load_mnist(path=gz dir)**', lambda: load_mnist(path=src)),
            ('**load_mnist(path=raw dir)**', lambda: load_mnist(path=raw)),
            ('load_mnist("embedded") (5,000 images)', lambda: load_mnist('embedded')),
        ]
        res = [(name, *timeit(f, a.repeats)) for name, f in rows]
    gz_t, raw_t = res[4][1], res[5][1]
    print(f'Full-size set: {what}; {n:,} images; {sum(map(len, data))/1e6:.1f} MB gz, {sum(map(len, dec))/1e6:.1f} MB raw. '
          f'numpy {np.__version__}, Python {sys.version.split()[0]}, {os.cpu_count()} CPUs; median of {a.repeats} runs.\n')
    print('| step | median (ms) | min (ms) |\n|---|---:|---:|')
    for name, med, mn in res: print(f'| {name} | {med*1e3:.0f} | {mn*1e3:.0f} |')
    print(f'\nFull 70k load from the gz cache: {gz_t:.2f} s ({"under" if gz_t < 1 else "OVER"} the 1 s target); '
          f'from raw copies: {raw_t:.2f} s, {gz_t/raw_t:.1f}x faster than gz.')

if __name__ == '__main__': main()
