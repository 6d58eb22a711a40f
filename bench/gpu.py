#!/usr/bin/env python
"""Cross-entropy (forward + backward) and logsumexp on a GPU: F.cross_entropy, torch.compile(F.cross_entropy), the course's
Triton kernel (lesson_lib.kernel) and Liger-Kernel's LigerCrossEntropyLoss, with time, peak memory and the fraction of the
memory bandwidth measured in the same run by a device-to-device copy; then the same with the options language-model training
uses (ignored rows, label smoothing, z-loss, soft-capping) against the plain torch reference and Liger. Prints markdown tables.

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

    def ce_rows(impls, t, ref_fn):
        "Time forward + backward of each implementation on a fresh leaf copy of the logits; errors against ref_fn on float32 logits"
        # the gradient is taken with torch.autograd.grad, not .backward(): a leaf's .grad would be a copy of an in-place gradient
        # (autograd does not let a leaf's .grad share its storage), while logits that come out of a layer (the real case) pass it on as is
        ref_x = x0.float().requires_grad_()
        ref = ref_fn(ref_x, t); ref_g, = torch.autograd.grad(ref, ref_x)
        rows = {}
        for name, f in impls.items():
            if isinstance(f, str): rows[name] = f; continue   # Liger-Kernel missing, or without these options
            x = x0.clone().requires_grad_()
            loss = f(x, t); gx, = torch.autograd.grad(loss, x)   # compiles (torch.compile, Triton) and checks the values once
            err = (abs(loss.float().item() - ref.item()), (gx.float() - ref_g.float()).abs().max().item())
            del loss, gx
            def step(x=x, f=f): torch.autograd.grad(f(x, t), x)
            rows[name] = dict(ms=bench(step), peak=peak(step), err=err)
            del x
        return rows

    def print_ce(rows):
        print("| implementation | ms | GB/s | % of copy bandwidth | peak MB beyond the inputs | / one (N, V) buffer | max abs err loss, grad |")
        print("|---|---:|---:|---:|---:|---:|---|")
        for name, r in rows.items():
            if isinstance(r, str): print(f"| {name} | {r} | | | | | |"); continue
            bw = ce_bytes / r['ms'] / 1e6
            ratio = 'n/a' if r['peak'] is None else f"{r['peak']/nbytes:.2f}"
            print(f"| {name} | {r['ms']:.3f} | {bw:.0f} | {100*bw/copy_bw:.0f}% | {mb(r['peak'])} | {ratio} | {r['err'][0]:.1e}, {r['err'][1]:.1e} |")

    # cross-entropy, forward + backward; every implementation gets a fresh leaf copy of the same logits
    ce = {'F.cross_entropy': F.cross_entropy, 'torch.compile(F.cross_entropy)': torch.compile(F.cross_entropy, dynamic=False),
          'course kernel': kernel.cross_entropy, 'course kernel, inplace=True': lambda x, t: kernel.cross_entropy(x, t, inplace=True)}
    try:
        from liger_kernel.transformers.cross_entropy import LigerCrossEntropyLoss
        ce['LigerCrossEntropyLoss'] = LigerCrossEntropyLoss()   # note: Liger writes the gradient into the logits during forward
        liger = 'installed'
    except ModuleNotFoundError: ce['LigerCrossEntropyLoss'] = liger = 'not installed'
    except Exception as e: ce['LigerCrossEntropyLoss'] = liger = f'import failed ({type(e).__name__}: {e})'
    ce_bytes = 3 * nbytes   # read the logits in forward, read them again and write the gradient in backward
    mb = lambda b: 'n/a' if b is None else f'{b/1e6:.0f}'
    rows = ce_rows(ce, t, F.cross_entropy)

    # the options of language-model training: a quarter of the rows ignored (padding), label smoothing, the z-loss, Gemma 2's cap
    from lesson_lib.options import ce_reference
    opts = dict(ignore_index=-100, label_smoothing=0.1, lse_square_scale=1e-4, softcap=30.)
    t_opt = t.clone(); t_opt[::4] = -100
    ce_opt = {'torch reference (options.ce_reference)': lambda x, t: ce_reference(x, t, **opts),
              'torch.compile(ce_reference)': torch.compile(lambda x, t: ce_reference(x, t, **opts), dynamic=False),
              'course kernel, options': lambda x, t: kernel.cross_entropy(x, t, **opts),
              'course kernel, options, inplace=True': lambda x, t: kernel.cross_entropy(x, t, inplace=True, **opts)}
    try: ce_opt['LigerCrossEntropyLoss, options'] = LigerCrossEntropyLoss(**opts) if liger == 'installed' else liger
    except TypeError as e: ce_opt['LigerCrossEntropyLoss, options'] = f'this version has no such options ({e})'
    rows_opt = ce_rows(ce_opt, t_opt, lambda x, t: ce_reference(x, t, **opts))

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
    print(f"### Cross-entropy, forward + backward (bytes counted: 3 x N x V x {x0.element_size()} = {ce_bytes/1e6:.0f} MB)\n")
    print_ce(rows)
    print(f"\n### Cross-entropy with options, forward + backward\n\n{', '.join(f'{k}={v}' for k, v in opts.items())}; every fourth row ignored "
          f"(the ignored rows are skipped by the course's kernels, so its 3 x N x V bytes are an upper bound)\n")
    print_ce(rows_opt)
    print(f"\n### logsumexp over the last dim (bytes counted: N x V x {x0.element_size()} + N x {x0.element_size()} = {lse_bytes/1e6:.0f} MB)\n")
    print("| implementation | ms | GB/s | % of copy bandwidth | peak MB | max abs err |\n|---|---:|---:|---:|---:|---|")
    for name, r in lse_rows.items():
        bw = lse_bytes / r['ms'] / 1e6
        print(f"| {name} | {r['ms']:.3f} | {bw:.0f} | {100*bw/copy_bw:.0f}% | {mb(r['peak'])} | {r['err']:.1e} |")

    course, liger_r = rows['course kernel'], rows['LigerCrossEntropyLoss']
    course_o, liger_o = rows_opt['course kernel, options'], rows_opt['LigerCrossEntropyLoss, options']
    def verdict(ok): return 'n/a (dry run)' if args.interpret else ('met' if ok else 'not met')
    def vs_liger(c, l): return (f'n/a (Liger-Kernel: {l})', 'n/a') if isinstance(l, str) else (verdict(c['ms'] <= l['ms']), f"{c['ms']:.3f} ms vs {l['ms']:.3f} ms")
    targets = [
        ("course cross-entropy at least as fast as Liger's", *vs_liger(course, liger_r)),
        ("course cross-entropy with options at least as fast as Liger's with the same options", *vs_liger(course_o, liger_o)),
        ("course cross-entropy >= 80% of copy bandwidth for its bytes", verdict(ce_bytes / course['ms'] / 1e6 >= 0.8 * copy_bw),
         f"{100 * ce_bytes / course['ms'] / 1e6 / copy_bw:.0f}%"),
        ("peak memory <= one (N, V) buffer beyond the input (default, out of place)", verdict(course['peak'] is not None and course['peak'] <= nbytes),
         f"{mb(course['peak'])} MB vs {nbytes/1e6:.0f} MB"),
        ("logsumexp >= 80% of copy bandwidth", verdict(lse_bytes / lse_rows['course logsumexp']['ms'] / 1e6 >= 0.8 * copy_bw),
         f"{100 * lse_bytes / lse_rows['course logsumexp']['ms'] / 1e6 / copy_bw:.0f}%"),
    ]
    print("\n### Targets\n\n| target | verdict | figure |\n|---|---|---|")
    for name, v, fig in targets: print(f"| {name} | {v} | {fig} |")
    return rows, rows_opt, lse_rows

if __name__ == '__main__': main()
