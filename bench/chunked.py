"""Forward + backward of a language model's last layer and loss, float32 on the CPU: dense `F.cross_entropy(h @ W.T, t)`,
`lesson_lib.chunked.chunked_cross_entropy`, and Apple's Cut Cross-Entropy (`cut_cross_entropy.linear_cross_entropy`,
impl='torch_compile'). Each method runs in its own fresh process; time is the median of `--reps` runs after a warm-up
(the lowest over `--rounds` interleaved processes),
memory the peak resident set size above the process's level just before the first call (inputs already allocated).

    python bench/chunked.py            # N=2048, d=512, V=65536 (the figures in bench/README.md)
    python bench/chunked.py --small    # N=256, d=64, V=8192: a quick run
    python bench/chunked.py --no-onednn   # chunked's matmuls through torch.mm (MKL) too, like dense and CCE
"""
import argparse, json, os, resource, statistics, subprocess, sys, time

METHODS = ('dense', 'chunked', 'cce')

def _rss(): # current resident set size, bytes
    with open('/proc/self/status') as f:
        for line in f:
            if line.startswith('VmRSS:'): return int(line.split()[1]) * 1024

def _peak(): return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024

def child(method, N, d, V, reps, chunk_size, onednn=True):
    "Run in a fresh process: time and measure one method; print JSON"
    import torch, torch.nn.functional as F
    g = torch.Generator().manual_seed(0)
    h = (torch.randn(N, d, generator=g) / d ** .5).requires_grad_()
    W = torch.randn(V, d, generator=g).requires_grad_()
    t = torch.randint(0, V, (N,), generator=g)
    if method == 'dense': f = lambda: F.cross_entropy(h @ W.T, t)
    elif method == 'chunked':
        from lesson_lib.chunked import chunked_cross_entropy
        from lesson_lib import chunked_ops
        chunked_ops.use_onednn = onednn
        f = (lambda: chunked_cross_entropy(h, W, t)) if chunk_size is None else (lambda: chunked_cross_entropy(h, W, t, chunk_size))
    else:
        from cut_cross_entropy import linear_cross_entropy
        f = lambda: linear_cross_entropy(h, W, t, impl='torch_compile')
    base = _rss()
    times = []
    for i in range(reps + 1):       # the first is a warm-up (and compiles CCE)
        h.grad = W.grad = None
        t0 = time.perf_counter(); f().backward(); times.append(time.perf_counter() - t0)
    print(json.dumps(dict(ms=1e3 * statistics.median(times[1:]), mb=(_peak() - base) / 1e6)))

def run(method, args):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([os.path.dirname(os.path.dirname(os.path.abspath(__file__))), os.environ.get('PYTHONPATH', '')]))
    cmd = [sys.executable, os.path.abspath(__file__), '--child', method, '--N', str(args.N), '--d', str(args.d), '--V', str(args.V), '--reps', str(args.reps)]
    if args.chunk_size: cmd += ['--chunk-size', str(args.chunk_size)]
    if args.no_onednn: cmd += ['--no-onednn']
    r = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if r.returncode: return dict(error=r.stderr.strip().splitlines()[-1] if r.stderr.strip() else f'exit {r.returncode}')
    return json.loads(r.stdout.strip().splitlines()[-1])

def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--N', type=int, default=2048); p.add_argument('--d', type=int, default=512); p.add_argument('--V', type=int, default=65536)
    p.add_argument('--reps', type=int, default=3, help='timed runs per method and process, after one warm-up')
    p.add_argument('--rounds', type=int, default=2, help='processes per method, interleaved (dense, chunked, CCE, dense, ...); the lowest median time and memory are kept')
    p.add_argument('--chunk-size', type=int, default=None, help="chunked_cross_entropy's chunk_size (default: its own default)")
    p.add_argument('--no-onednn', action='store_true', help="chunked_cross_entropy's matmuls through torch.mm, as dense and CCE (default: oneDNN for float32 on the CPU)")
    p.add_argument('--small', action='store_true', help='N=256, d=64, V=8192')
    p.add_argument('--child', choices=METHODS, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.small: args.N, args.d, args.V = 256, 64, 8192
    if args.child: return child(args.child, args.N, args.d, args.V, args.reps, args.chunk_size, not args.no_onednn)
    import torch
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, {os.cpu_count()} CPUs; load average at start {os.getloadavg()[0]:.2f}")
    print(f"float32, N={args.N}, d={args.d}, V={args.V}; median of {args.reps} forward+backward runs after a warm-up, in a fresh process per method; "
          f"lowest of {args.rounds} interleaved rounds; chunked's matmuls through {'torch.mm' if args.no_onednn else 'oneDNN'}\n")
    res = {}
    for _ in range(args.rounds):                 # interleaved, so that a burst of load on the shared machine hits every method
        for m in METHODS:
            r = run(m, args)
            res[m] = r if m not in res or 'error' in res[m] else res[m] if 'error' in r else {k: min(r[k], res[m][k]) for k in ('ms', 'mb')}
    names = dict(dense='dense: F.cross_entropy(h @ W.T, t)', chunked=f"chunked_cross_entropy ({'torch.mm' if args.no_onednn else 'oneDNN'})", cce="CCE linear_cross_entropy(impl='torch_compile')")
    print('| method | ms | / dense | / CCE | peak MB | / dense |\n|---|---:|---:|---:|---:|---:|')
    ok = lambda m: 'error' not in res[m]
    for m in METHODS:
        r = res[m]
        if not ok(m): print(f"| {names[m]} | failed: {r['error']} | | | | |"); continue
        rt = lambda o: f"{r['ms'] / res[o]['ms']:.2f}" if ok(o) else ''
        print(f"| {names[m]} | {r['ms']:.1f} | {rt('dense')} | {rt('cce')} | {r['mb']:.0f} | {r['mb'] / res['dense']['mb']:.2f} |" if ok('dense') else f"| {names[m]} | {r['ms']:.1f} | | {rt('cce')} | {r['mb']:.0f} | |")
    print(f"\nload average at the end {os.getloadavg()[0]:.2f}\n\nTargets:\n\n| figure | target | measured | met |\n|---|---:|---:|:---:|")
    c = res['chunked']
    for fig, other, key, target in [('chunked time / CCE time', 'cce', 'ms', 1.0), ('chunked time / dense time', 'dense', 'ms', 1.0), ('chunked memory / dense memory', 'dense', 'mb', 0.25)]:
        if ok('chunked') and ok(other):
            v = c[key] / res[other][key]; print(f"| {fig} | ≤ {target:.2f} | {v:.2f} | {'yes' if v <= target else 'no'} |")
        else: print(f"| {fig} | ≤ {target:.2f} | n/a | no |")

if __name__ == '__main__': main()
