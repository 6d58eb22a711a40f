#!/usr/bin/env python3
"""Epoch time of the course's scratch MLP training loop vs the same model with nn.Linear + torch.optim vs a fastai Learner.

Same data, same batch size, same initial weights, same hyper-parameters (SGD with momentum and weight decay), one
epoch = one pass over the 60,000 training images plus the evaluation of the 10,000 validation images:
- scratch: lesson_lib.model.MLP + lesson_lib.train.SGD + lesson_lib.train.fit + lesson_lib.loss.cross_entropy;
- scratch + fast loss: the same with lesson_lib.fast.cross_entropy;
- nn + torch.optim: nn.Sequential(nn.Linear, nn.ReLU, nn.Linear) + torch.optim.SGD + F.cross_entropy, in the same fit loop
  and on the same lesson_lib.train.DataLoader;
- fastai Learner: the same nn model, fastai DataLoaders built on the same tensors, fastai's SGD, F.cross_entropy,
  learn.fit without progress bar or logging.
Data: Fashion-MNIST from /usr/share/datasets/fashion-mnist (Debian's dataset-fashion-mnist) if installed, else the
embedded MNIST subset tiled to 60,000 + 10,000. Each configuration runs a warm-up epoch (not timed), then --epochs
timed epochs; the median is reported. Targets: scratch <= 1.1x nn + torch.optim, scratch <= 0.5x fastai Learner.
Timings are only meaningful on an otherwise idle machine.
"""
import argparse, os, statistics, sys, time, warnings
from functools import partial
from pathlib import Path
import torch
import torch.nn.functional as F
from torch import nn
from lesson_lib.data import load_mnist
from lesson_lib.model import MLP
from lesson_lib.train import Dataset, DataLoader, SGD, fit
from lesson_lib import loss, fast

FASHION = Path('/usr/share/datasets/fashion-mnist')

def get_data():
    "(x_train, y_train, x_valid, y_valid, description)"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            return (*map(torch.as_tensor, load_mnist(path=FASHION)), f'Fashion-MNIST ({FASHION})')
    except (OSError, ValueError): pass
    xt, yt, xv, yv = map(torch.as_tensor, load_mnist('embedded'))
    it, iv = torch.arange(60000) % len(xt), torch.arange(10000) % len(xv)
    return xt[it], yt[it], xv[iv], yv[iv], 'embedded MNIST subset tiled to 60,000 + 10,000'

def nn_copy(m:MLP, device):
    "An nn.Sequential of nn.Linear/nn.ReLU holding a copy of the parameters of the scratch MLP `m`"
    layers = []
    for l in m.layers:
        lin = nn.Linear(*l.w.shape, device=device)
        with torch.no_grad(): lin.weight.copy_(l.w.T); lin.bias.copy_(l.b)
        layers += [lin, nn.ReLU()]
    return nn.Sequential(*layers[:-1])

def time_fit(make, epochs:int)->list:
    "Seconds of each of `epochs` epochs after one warm-up epoch; `make()` returns a function running one epoch"
    run = make(); run(); ts = []
    for _ in range(epochs):
        t = time.perf_counter(); run(); ts.append(time.perf_counter() - t)
    return ts

def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0], epilog=__doc__.split('\n', 2)[2],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--device', default='cpu', help="'cpu' (default) or 'cuda' (needs a CUDA GPU)")
    p.add_argument('--epochs', type=int, default=3, help='timed epochs per configuration, after one warm-up epoch (default 3)')
    p.add_argument('--bs', type=int, default=64, help='batch size (default 64, the course default)')
    p.add_argument('--hidden', type=int, default=256, help='hidden layer width (default 256)')
    p.add_argument('--lr', type=float, default=0.05, help='learning rate (default 0.05)')
    p.add_argument('--skip-fastai', action='store_true', help='leave out the fastai Learner')
    a = p.parse_args(argv)
    if a.device not in ('cpu', 'cuda') and not a.device.startswith('cuda:'): p.error(f"--device must be 'cpu' or 'cuda', got {a.device!r}")
    if a.device.startswith('cuda') and not torch.cuda.is_available():
        p.error('--device cuda: no CUDA GPU is available here (torch.cuda.is_available() is False)')
    for k in ('epochs', 'bs', 'hidden'):
        if getattr(a, k) < 1: p.error(f'--{k} must be a positive int, got {getattr(a, k)}')
    dev = torch.device(a.device)
    xt, yt, xv, yv, what = get_data()
    xt, yt, xv, yv = (v.to(dev) for v in (xt, yt, xv, yv))
    sizes, mom, wd = [784, a.hidden, 10], 0.9, 5e-4
    train_ds, valid_ds = Dataset(xt, yt), Dataset(xv, yv)
    sync = torch.cuda.synchronize if dev.type == 'cuda' else (lambda: None)

    def loop(model:str, optim:str, loss_func):
        "A one-epoch runner of lesson_lib.train.fit: model 'scratch' (MLP) or 'nn', optimizer 'scratch' (SGD) or 'torch'"
        def make():
            m = MLP(sizes, seed=0, device=dev) if model == 'scratch' else nn_copy(MLP(sizes, seed=0), dev)
            opt = (SGD(m.parameters(), lr=a.lr, mom=mom, wd=wd) if optim == 'scratch'
                   else torch.optim.SGD(m.parameters(), lr=a.lr, momentum=mom, weight_decay=wd))
            tdl, vdl = DataLoader(train_ds, a.bs, shuffle=True, seed=0), DataLoader(valid_ds, 1000)
            return lambda: (fit(m, opt, tdl, vdl, 1, loss_func=loss_func, progress=False), sync())
        return make
    def fastai_learner():
        from fastai.data.core import DataLoaders
        from fastai.data.load import DataLoader as FaDataLoader
        from fastai.learner import Learner
        from fastai.optimizer import SGD as FaSGD
        torch.manual_seed(0)
        dls = DataLoaders(FaDataLoader(train_ds, bs=a.bs, shuffle=True), FaDataLoader(valid_ds, bs=1000), device=dev)
        learn = Learner(dls, nn_copy(MLP(sizes, seed=0), dev), loss_func=F.cross_entropy, opt_func=partial(FaSGD, mom=mom, wd=wd))
        def run():
            with learn.no_logging(): learn.fit(1, lr=a.lr)
            sync()
        return run

    fast.cross_entropy(xt[:a.bs] @ torch.zeros(784, 10, device=dev), yt[:a.bs])   # compile (or load) outside the timing
    BASE = 'nn.Linear + torch.optim (F.cross_entropy)'
    configs = [('scratch (course cross_entropy)', loop('scratch', 'scratch', loss.cross_entropy)),
               ('scratch + lesson_lib.fast.cross_entropy', loop('scratch', 'scratch', fast.cross_entropy)),
               (BASE, loop('nn', 'torch', F.cross_entropy)),
               ('breakdown: nn + torch.optim + course cross_entropy', loop('nn', 'torch', loss.cross_entropy)),
               ('breakdown: nn + torch.optim + fast.cross_entropy', loop('nn', 'torch', fast.cross_entropy)),
               ('breakdown: scratch MLP + torch.optim + F.cross_entropy', loop('scratch', 'torch', F.cross_entropy)),
               ('breakdown: nn + scratch SGD + F.cross_entropy', loop('nn', 'scratch', F.cross_entropy))]
    if not a.skip_fastai: configs.append(('fastai Learner (F.cross_entropy)', fastai_learner))
    print(f'## Training epoch time\n\nData: {what}, {len(xt):,} train + {len(xv):,} valid images; MLP {sizes}, batch size {a.bs}, '
          f'SGD lr {a.lr} momentum {mom} weight decay {wd}; device {dev}; torch {torch.__version__}, {torch.get_num_threads()} threads, '
          f'{os.cpu_count()} CPUs; median of {a.epochs} epochs after a warm-up epoch; load average at start {os.getloadavg()[0]:.2f}.\n')
    res, mins = {}, {}
    for name, make in configs:
        ts = time_fit(make, a.epochs)
        res[name], mins[name] = statistics.median(ts), min(ts)
    nn_t = res[BASE]
    print('| configuration | epoch (s), median | min | / nn + torch.optim |\n|---|---:|---:|---:|')
    for name in res: print(f'| {name} | {res[name]:.2f} | {mins[name]:.2f} | {res[name]/nn_t:.2f} |')
    print('\n| figure | target | measured | met |\n|---|---:|---:|:---:|')
    for name in ('scratch (course cross_entropy)', 'scratch + lesson_lib.fast.cross_entropy'):
        r = res[name] / nn_t
        print(f'| {name} / nn + torch.optim | ≤ 1.1 | {r:.2f} | {"yes" if r <= 1.1 else "no"} |')
        if 'fastai Learner (F.cross_entropy)' in res:
            r = res[name] / res['fastai Learner (F.cross_entropy)']
            print(f'| {name} / fastai Learner | ≤ 0.5 | {r:.2f} | {"yes" if r <= 0.5 else "no"} |')
    print(f'\nLoad average at the end: {os.getloadavg()[0]:.2f}.')

if __name__ == '__main__': main()
