#!/usr/bin/env python3
"""Import time of lesson_lib and of each of its modules, and (with --nbdev-test) the wall time of nbdev_test.

Each import is timed in a fresh interpreter (median and min of --repeats runs), after `import torch` is timed the same
way as the baseline: most of any lesson_lib import is torch's own. The table also says whether the import pulled in
fastai (it must not: the package imports fastai only inside functions) or torch.compile's machinery (torch._dynamo).
Target: importing every lesson_lib module takes at most 2 s. With --nbdev-test, `nbdev_test --timing` runs on the
whole repository (default flags, the way CI runs it) and its wall time is compared with the 120 s target.
Timings are only meaningful on an otherwise idle machine.
"""
import argparse, os, pkgutil, re, statistics, subprocess, sys, time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PROG = ("import sys, time; t = time.perf_counter(); import {mods}; dt = time.perf_counter() - t; "
        "print(dt, 'fastai' in sys.modules, 'torch._dynamo' in sys.modules)")

def modules()->list:
    "lesson_lib's modules, found from the package location (not the working directory)"
    import lesson_lib
    return sorted(f'lesson_lib.{m.name}' for m in pkgutil.iter_modules(lesson_lib.__path__) if not m.name.startswith('_'))

def time_import(mods:list, repeats:int)->tuple:
    "(median s, min s, fastai imported?, dynamo imported?) of importing `mods` in fresh interpreters"
    ts, fa, dy = [], False, False
    for _ in range(repeats):
        out = subprocess.run([sys.executable, '-c', PROG.format(mods=', '.join(mods))], capture_output=True, text=True, check=True).stdout.split()
        ts.append(float(out[0])); fa |= out[1] == 'True'; dy |= out[2] == 'True'
    return statistics.median(ts), min(ts), fa, dy

def nbdev_test_time()->tuple:
    "(wall seconds, {notebook: seconds}, passed?) of `nbdev_test --timing` run from the repository root"
    exe = Path(sys.executable).with_name('nbdev_test')
    t = time.perf_counter()
    r = subprocess.run([str(exe) if exe.exists() else 'nbdev_test', '--timing'], cwd=REPO, capture_output=True, text=True)
    wall = time.perf_counter() - t
    per = {m[1]: int(m[2]) for m in re.finditer(r'^(\S+\.ipynb): (\d+) secs$', r.stdout, re.M)}
    return wall, per, r.returncode == 0

def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0], epilog=__doc__.split('\n', 2)[2],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--repeats', type=int, default=5, help='fresh interpreters per import (default 5)')
    p.add_argument('--nbdev-test', action='store_true', help='also time nbdev_test on the whole repository (minutes)')
    a = p.parse_args(argv)
    if a.repeats < 1: p.error(f'--repeats must be a positive int, got {a.repeats}')
    import torch
    print(f'## Import time of lesson_lib\n\ntorch {torch.__version__}, {os.cpu_count()} CPUs, Python {sys.version.split()[0]}; '
          f'fresh interpreter per run, median of {a.repeats}; load average at start {os.getloadavg()[0]:.2f}.\n')
    mods = modules()
    rows = [('torch (baseline)', ['torch']), ('lesson_lib', ['lesson_lib'])] + [(m, [m]) for m in mods] + [('**all lesson_lib modules**', mods)]
    print('| import | median (s) | min (s) | fastai imported | torch._dynamo imported |\n|---|---:|---:|:---:|:---:|')
    res = {}
    for name, ms in rows:
        med, mn, fa, dy = res[name] = time_import(ms, a.repeats)
        print(f'| {name} | {med:.2f} | {mn:.2f} | {"YES" if fa else "no"} | {"yes" if dy else "no"} |', flush=True)
    med, _, fa, _ = res['**all lesson_lib modules**']
    print(f'\nAll modules: {med:.2f} s ({"within" if med <= 2 else "OVER"} the 2 s target), of which `import torch` is {res["torch (baseline)"][0]:.2f} s; '
          f'fastai {"IS" if fa else "is not"} imported.')
    if a.nbdev_test:
        wall, per, ok = nbdev_test_time()
        print(f'\n## nbdev_test\n\n`nbdev_test --timing` on the whole repository: {wall:.0f} s wall ({"within" if wall <= 120 else "OVER"} the 120 s target), '
              f'{"passed" if ok else "FAILED"}.\n\n| notebook | s |\n|---|---:|')
        for k, v in sorted(per.items(), key=lambda kv: -kv[1]): print(f'| {k} | {v} |')

if __name__ == '__main__': main()
