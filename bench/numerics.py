#!/usr/bin/env python3
"""Time logsumexp, log_softmax and cross_entropy: PyTorch's, the course's eager ones and lesson_lib.fast, next to the memory limits and the exp floor.

For each shape, every figure is measured in the same process, one after the other, with torch.utils.benchmark.Timer
using all of torch's threads (Timer's own default is 1 thread), --rounds times over all figures (the lowest median of
each figure is kept, which resists bursts of load from other processes), and reported as a ratio to PyTorch,
to the memory limits (x.sum(-1) reads x once, x.clone() reads it and writes a new tensor) and to the compute floor of logsumexp:
a torch.compile'd x.exp().sum(-1), one fused pass of exp and sum with no max and no second pass (on CPUs where exp is the
bottleneck, a fairer floor than one read). lesson_lib.fast is compiled (or loaded from inductor's cache) before the timing
starts; the compile time is reported separately. Timings are only meaningful on an otherwise idle machine.
"""
import argparse, os, platform, sys, time
import torch
import torch.nn.functional as F
from lesson_lib.check import bench  # torch.utils.benchmark.Timer, lowest median of rounds
from lesson_lib import softmax, loss, fast

FLOOR = 'floor: compiled x.exp().sum(-1)'
TARGETS = [('fast.logsumexp', 'torch.logsumexp', 0.3), ('fast.logsumexp', FLOOR, 1.5),
           ('fast.log_softmax', 'F.log_softmax', 1.1), ('fast.cross_entropy', 'F.cross_entropy', 1.0)]
TARGET_SHAPE = (1024, 50257)

def shape(s:str)->tuple:
    "Parse ROWSxCOLS, e.g. 1024x50257"
    try:
        n, c = (int(v) for v in s.lower().split('x'))
        if n > 0 and c > 0: return n, c
    except ValueError: pass
    raise argparse.ArgumentTypeError(f"expected ROWSxCOLS with positive sizes, like 1024x50257; got {s!r}")

def exp_sum(x): return x.exp().sum(-1)

def functions(t):
    "The functions timed, by name, each called on x"
    return {'x.sum(-1)': lambda x: x.sum(-1), 'x.clone()': lambda x: x.clone(), FLOOR: torch.compile(exp_sum),
            'torch.logsumexp': lambda x: torch.logsumexp(x, -1), 'course logsumexp': softmax.logsumexp, 'fast.logsumexp': fast.logsumexp,
            'F.log_softmax': lambda x: F.log_softmax(x, -1), 'course log_softmax': softmax.log_softmax, 'fast.log_softmax': fast.log_softmax,
            'F.cross_entropy': lambda x: F.cross_entropy(x, t), 'course cross_entropy': lambda x: loss.cross_entropy(x, t),
            'fast.cross_entropy': lambda x: fast.cross_entropy(x, t)}

REF = {'logsumexp': 'torch.logsumexp', 'log_softmax': 'F.log_softmax', 'cross_entropy': 'F.cross_entropy'}

def run_shape(n:int, c:int, device:str, min_run_time:float, rounds:int):
    g = torch.Generator().manual_seed(0)
    x = torch.randn(n, c, generator=g).to(device)
    t = torch.randint(0, c, (n,), generator=g).to(device)
    fns = functions(t)
    t0 = time.perf_counter()
    for k in ('fast.logsumexp', 'fast.log_softmax', 'fast.cross_entropy'): fns[k](x)
    if device.startswith('cuda'): torch.cuda.synchronize()
    compile_s = time.perf_counter() - t0
    fns[FLOOR](x)  # compiled outside the timing too, but not counted in compile_s
    for key, e in fast._failed.items(): print(f'WARNING: lesson_lib.fast fell back to the eager functions for {key}: {e!r}')
    # all figures one after the other, `rounds` times, with all of torch's threads: the best median resists bursts of load
    ms = bench(fns, x, min_run_time=min_run_time, rounds=rounds, warmup=0)  # the compiled ones were warmed up above
    return ms, compile_s, x.nbytes

def fmt(v): return f'{v:.3f}' if v < 1 else f'{v:.1f}'

def print_shape(n, c, ms, compile_s, nbytes, device):
    print(f'\n### {n}x{c} float32 ({nbytes/1e6:.1f} MB) on {device}\n')
    print(f'First calls of the three fast functions (compile or load from cache): {compile_s:.1f} s\n')
    print('| function | ms | / PyTorch | / x.sum(-1) | / x.clone() | / floor |\n|---|---:|---:|---:|---:|---:|')
    for k,v in ms.items():
        ref = next((REF[f] for f in REF if k.endswith(' ' + f) or k.endswith('.' + f)), None)
        rt = f'{v/ms[ref]:.2f}' if ref and not k.startswith(('torch.', 'F.')) else ''
        print(f'| {k} | {fmt(v)} | {rt} | {v/ms["x.sum(-1)"]:.2f} | {v/ms["x.clone()"]:.2f} | {v/ms[FLOOR]:.2f} |')
    note = '' if (n, c) == TARGET_SHAPE else f' (the targets are set for {TARGET_SHAPE[0]}x{TARGET_SHAPE[1]} on 2 CPU cores; shown for reference)'
    print(f'\nTargets{note}:\n\n| figure | target | measured | met |\n|---|---:|---:|:---:|')
    for a, b, tgt in TARGETS:
        r = ms[a] / ms[b]
        print(f'| {a} / {b} | ≤ {tgt} | {r:.2f} | {"yes" if r <= tgt else "no"} |')

def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0], epilog=__doc__.split('\n', 2)[2],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--device', default='cpu', help="'cpu' (default) or 'cuda' (needs a CUDA GPU)")
    p.add_argument('--shapes', type=shape, nargs='+', default=[TARGET_SHAPE, (4096, 10)], metavar='ROWSxCOLS',
                   help='logit shapes to time (default: 1024x50257 4096x10)')
    p.add_argument('--min-run-time', type=float, default=1.0, help='seconds of timing per figure (default 1.0)')
    p.add_argument('--rounds', type=int, default=2, help='rounds over all figures; the lowest median of each is reported (default 2)')
    p.add_argument('--threads', type=int, default=None, help="torch.set_num_threads before timing (default: torch's default)")
    a = p.parse_args(argv)
    if a.device not in ('cpu', 'cuda') and not a.device.startswith('cuda:'): p.error(f"--device must be 'cpu' or 'cuda', got {a.device!r}")
    if a.device.startswith('cuda') and not torch.cuda.is_available():
        p.error('--device cuda: no CUDA GPU is available here (torch.cuda.is_available() is False)')
    if a.rounds < 1: p.error(f'--rounds must be a positive int, got {a.rounds}')
    if a.threads is not None:
        if a.threads < 1: p.error(f'--threads must be a positive int, got {a.threads}')
        torch.set_num_threads(a.threads)
    dev = torch.cuda.get_device_name(a.device) if a.device.startswith('cuda') else platform.processor() or platform.machine()
    print(f'## logsumexp / log_softmax / cross_entropy: PyTorch vs the course (eager) vs lesson_lib.fast\n')
    print(f'torch {torch.__version__}, {torch.get_num_threads()} threads, {os.cpu_count()} CPUs ({dev}), Python {sys.version.split()[0]}; '
          f'lowest of {a.rounds} rounds of medians of torch.utils.benchmark.Timer.blocked_autorange(min_run_time={a.min_run_time}); load average at start '
          f'{os.getloadavg()[0]:.2f}.')
    for n, c in a.shapes:
        print_shape(n, c, *run_shape(n, c, a.device, a.min_run_time, a.rounds), a.device)
    print(f'\nLoad average at the end: {os.getloadavg()[0]:.2f}.')

if __name__ == '__main__': main()
