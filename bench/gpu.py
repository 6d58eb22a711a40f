#!/usr/bin/env python
"""Cross-entropy (forward + backward) and logsumexp on a GPU: F.cross_entropy, torch.compile(F.cross_entropy), the course's
Triton kernel (lesson_lib.kernel) and Liger-Kernel's LigerCrossEntropyLoss, with time, peak memory and the fraction of the
memory bandwidth measured in the same run by a device-to-device copy. Prints markdown tables.

`--interpret` runs the same script on the CPU through Triton's interpreter on tiny shapes: a dry run that proves the script
works end to end; its timings are not measurements."""
import argparse, os, platform, sys, time

def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--N', type=int, default=None, help='tokens (rows of logits); default 8192, or 4 with --interpret')
    p.add_argument('--V', type=int, default=None, help="vocabulary size; default 128256 (Llama 3), or 300 with --interpret")
    p.add_argument('--dtype', default='bfloat16', choices=['bfloat16', 'float16', 'float32'], help='logits dtype (default bfloat16)')
    p.add_argument('--rep', type=int, default=200, help='milliseconds of repetitions per figure for triton.testing.do_bench (default 200)')
    p.add_argument('--interpret', action='store_true', help="dry run on the CPU through Triton's interpreter, tiny shapes, no timing claims")
    return p.parse_args(argv)

def main(argv=None):
    args = parse_args(argv)
    if args.interpret: os.environ['TRITON_INTERPRET'] = '1'   # before torch and triton are imported
    import torch, torch.nn.functional as F
    try: import triton
    except ImportError: sys.exit("bench/gpu.py needs Triton (it comes with the CUDA builds of torch on Linux)")
    from lesson_lib import kernel
    dev = 'cpu' if args.interpret else 'cuda'
    if not args.interpret and not torch.cuda.is_available():
        sys.exit("bench/gpu.py measures on a CUDA GPU and none is available; `python bench/gpu.py --interpret` runs a dry run on the CPU")
    N = args.N or (4 if args.interpret else 8192)
    V = args.V or (300 if args.interpret else 128256)
    dt = getattr(torch, args.dtype)
    g = torch.Generator(device=dev).manual_seed(0)
    x0 = torch.randn(N, V, generator=g, device=dev, dtype=torch.float32).mul_(3).to(dt)
    t = torch.randint(0, V, (N,), generator=g, device=dev)
    nbytes = x0.nbytes

    def bench(fn):
        "Median milliseconds of `fn()` (on CUDA by triton.testing.do_bench, which also flushes the L2 cache; one timed call in the dry run)"
        if args.interpret:
            fn(); t0 = time.perf_counter(); fn(); return (time.perf_counter() - t0) * 1e3
        return triton.testing.do_bench(fn, rep=args.rep, return_mode='median')

    def peak(fn):
        "Bytes allocated at the peak of `fn()` beyond what was allocated before it (None on the CPU)"
        if args.interpret: fn(); return None
        torch.cuda.synchronize(); torch.cuda.reset_peak_memory_stats(); base = torch.cuda.memory_allocated()
        fn(); torch.cuda.synchronize()
        return torch.cuda.max_memory_allocated() - base

    # the memory bandwidth of this device, measured here: a device-to-device copy reads and writes nbytes
    dst = torch.empty_like(x0)
    copy_ms = bench(lambda: dst.copy_(x0))
    copy_bw = 2 * nbytes / copy_ms / 1e6   # GB/s
    del dst

    # cross-entropy, forward + backward; every implementation gets a fresh leaf copy of the same logits
    ce = {'F.cross_entropy': F.cross_entropy, 'torch.compile(F.cross_entropy)': torch.compile(F.cross_entropy, dynamic=False),
          'course kernel': kernel.cross_entropy, 'course kernel, inplace=True': lambda x, t: kernel.cross_entropy(x, t, inplace=True)}
    try:
        from liger_kernel.transformers.cross_entropy import LigerCrossEntropyLoss
        ce['LigerCrossEntropyLoss'] = LigerCrossEntropyLoss()   # note: Liger writes the gradient into the logits during forward
        liger = 'installed'
    except ModuleNotFoundError: ce['LigerCrossEntropyLoss'], liger = None, 'not installed'
    except Exception as e: ce['LigerCrossEntropyLoss'], liger = None, f'import failed ({type(e).__name__}: {e})'

    # the gradient is taken with torch.autograd.grad, not .backward(): a leaf's .grad would be a copy of an in-place gradient
    # (autograd does not let a leaf's .grad share its storage), while logits that come out of a layer (the real case) pass it on as is
    ref_x = x0.clone().requires_grad_()
    ref = F.cross_entropy(ref_x.float(), t); ref_g, = torch.autograd.grad(ref, ref_x)
    ce_bytes = 3 * nbytes   # read the logits in forward, read them again and write the gradient in backward
    rows = {}
    for name, f in ce.items():
        if f is None: rows[name] = None; continue   # Liger-Kernel missing
        x = x0.clone().requires_grad_()
        loss = f(x, t); gx, = torch.autograd.grad(loss, x)   # compiles (torch.compile, Triton) and checks the values once
        err = (abs(loss.float().item() - ref.item()), (gx.float() - ref_g.float()).abs().max().item())
        del loss, gx
        def step(x=x, f=f): torch.autograd.grad(f(x, t), x)
        rows[name] = dict(ms=bench(step), peak=peak(step), err=err)
        del x

    # logsumexp over the vocabulary, forward only: read the logits once, write N values
    lse_bytes = nbytes + N * x0.element_size()
    lse = {'torch.logsumexp': lambda: torch.logsumexp(x0, -1), 'course logsumexp': lambda: kernel.logsumexp(x0)}
    lse_ref = torch.logsumexp(x0.float(), -1)
    lse_rows = {k: dict(ms=bench(f), peak=peak(f), err=(f().float() - lse_ref).abs().max().item()) for k, f in lse.items()}

    # report
    gpu = 'CPU through the Triton interpreter (dry run: not a measurement)' if args.interpret else torch.cuda.get_device_name()
    if liger == 'installed':
        from importlib.metadata import version
        try: liger = version('liger-kernel')
        except Exception: pass
    print(f"## bench/gpu.py: {N} x {V} {args.dtype} logits ({nbytes/1e6:.1f} MB)\n")
    print(f"{gpu}; torch {torch.__version__}, Triton {triton.__version__}, Liger-Kernel {liger}, Python {platform.python_version()}; "
          f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}\n")
    print(f"Copy bandwidth (x.copy_ of {nbytes/1e6:.1f} MB, read + write): {copy_bw:.0f} GB/s ({copy_ms:.3f} ms)\n")
    mb = lambda b: 'n/a' if b is None else f'{b/1e6:.0f}'
    print(f"### Cross-entropy, forward + backward (bytes counted: 3 x N x V x {x0.element_size()} = {ce_bytes/1e6:.0f} MB)\n")
    print("| implementation | ms | GB/s | % of copy bandwidth | peak MB beyond the inputs | / one (N, V) buffer | max abs err loss, grad |")
    print("|---|---:|---:|---:|---:|---:|---|")
    for name, r in rows.items():
        if r is None: print(f"| {name} | {liger} | | | | | |"); continue
        bw = ce_bytes / r['ms'] / 1e6
        ratio = 'n/a' if r['peak'] is None else f"{r['peak']/nbytes:.2f}"
        print(f"| {name} | {r['ms']:.3f} | {bw:.0f} | {100*bw/copy_bw:.0f}% | {mb(r['peak'])} | {ratio} | {r['err'][0]:.1e}, {r['err'][1]:.1e} |")
    print(f"\n### logsumexp over the last dim (bytes counted: N x V x {x0.element_size()} + N x {x0.element_size()} = {lse_bytes/1e6:.0f} MB)\n")
    print("| implementation | ms | GB/s | % of copy bandwidth | peak MB | max abs err |\n|---|---:|---:|---:|---:|---|")
    for name, r in lse_rows.items():
        bw = lse_bytes / r['ms'] / 1e6
        print(f"| {name} | {r['ms']:.3f} | {bw:.0f} | {100*bw/copy_bw:.0f}% | {mb(r['peak'])} | {r['err']:.1e} |")

    course, liger_r = rows['course kernel'], rows['LigerCrossEntropyLoss']
    def verdict(ok): return 'n/a (dry run)' if args.interpret else ('met' if ok else 'not met')
    targets = [
        ("course cross-entropy at least as fast as Liger's", f'n/a (Liger-Kernel {liger})' if liger_r is None else verdict(course['ms'] <= liger_r['ms']),
         'n/a' if liger_r is None else f"{course['ms']:.3f} ms vs {liger_r['ms']:.3f} ms"),
        ("course cross-entropy >= 80% of copy bandwidth for its bytes", verdict(ce_bytes / course['ms'] / 1e6 >= 0.8 * copy_bw),
         f"{100 * ce_bytes / course['ms'] / 1e6 / copy_bw:.0f}%"),
        ("peak memory <= one (N, V) buffer beyond the input (default, out of place)", verdict(course['peak'] is not None and course['peak'] <= nbytes),
         f"{mb(course['peak'])} MB vs {nbytes/1e6:.0f} MB"),
        ("logsumexp >= 80% of copy bandwidth", verdict(lse_bytes / lse_rows['course logsumexp']['ms'] / 1e6 >= 0.8 * copy_bw),
         f"{100 * lse_bytes / lse_rows['course logsumexp']['ms'] / 1e6 / copy_bw:.0f}%"),
    ]
    print("\n### Targets\n\n| target | verdict | figure |\n|---|---|---|")
    for name, v, fig in targets: print(f"| {name} | {v} | {fig} |")
    return rows, lse_rows

if __name__ == '__main__': main()
