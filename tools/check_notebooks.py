#!/usr/bin/env python
"""Hygiene of the committed notebooks under nbs/, and the shape of the lessons nbs/NN_*.ipynb.

Fails (exit 1) on:
- machine paths in outputs: the checkout's absolute path (and its parent folder), the home folder, the temporary
  folder, the Python prefix, `site-packages`;
- warnings in outputs: `Warning:` lines, `FutureWarning`/`DeprecationWarning`/`UserWarning`, torch's `No CUDA runtime is found`;
- progress-bar frames in text outputs: carriage returns, tqdm-style `NN%|███|` bars;
- process words in prose (markdown cells): "the issue", "issue's", "this issue", "the ticket", "as a first version did".
Prints the shape of every lesson (cells, median and longest code cell in lines, median markdown cell in characters,
`raise` statements, recap and exercises); with --strict-shape a lesson over the limits fails too: more than 40 cells,
a code cell over 20 lines, a median code cell over 4 lines, a median markdown cell over 300 characters, more than one
`raise` (argument checks belong in an appendix module), no `## Recap`, fewer than 3 exercises.
Standard library only; run from anywhere: `python tools/check_notebooks.py [--strict-shape] [NOTEBOOK ...]`."""
import argparse, json, os, re, statistics, subprocess, sys, sysconfig, tempfile
from pathlib import Path

root = Path(__file__).resolve().parent.parent
MAX_CELLS, MAX_LINES, MAX_MEDIAN, MAX_MD, MAX_RAISE, MIN_EX = 40, 20, 4, 300, 1, 3
LESSON = re.compile(r'\d\d[a-z]?_.*\.ipynb')

def machine_paths():
    "Absolute folders of the machine that ran the notebooks, each ending in a separator."
    ps = {root, root.parent, Path.home(), Path(tempfile.gettempdir()), Path('/tmp'), Path(sys.prefix), Path(sysconfig.get_paths()['purelib'])}
    return sorted({str(p.resolve()).rstrip(os.sep) + os.sep for p in ps if len(p.resolve().parts) > 1}, key=len, reverse=True)

BAD_PATH = re.compile('|'.join(map(re.escape, machine_paths())) + r'|site-packages')
BAD_WARN = re.compile(r'\bWarning: |\b(?:Future|Deprecation|User|Runtime)Warning\b|No CUDA runtime is found')
BAD_BAR = re.compile(r'\r(?!\n)|\d+%\|[^|\n]*\|')
BAD_PROSE = re.compile(r"\bthe issue\b|\bissue's\b|\bthis issue\b|\bthe ticket\b|\bas a first version did\b", re.I)

def texts(o):
    "The text of one output, as (kind, text) pairs: streams and text/plain, tracebacks."
    if o.get('output_type') == 'stream': yield 'stream', ''.join(o.get('text', ''))
    elif o.get('output_type') == 'error': yield 'error', '\n'.join(o.get('traceback', []))
    else:
        d = o.get('data', {})
        for k in ('text/plain', 'text/markdown', 'text/html'):
            if k in d: yield k, ''.join(d[k])

def hygiene(p:Path)->list:
    "Problems of the notebook `p`, one string each."
    out, cells = [], json.loads(p.read_text(encoding='utf-8'))['cells']
    for i, c in enumerate(cells):
        src = ''.join(c['source'])
        if c['cell_type'] == 'markdown' and (m := BAD_PROSE.search(src)): out.append(f"{p}: cell {i}: prose says {m.group(0)!r}")
        for o in c.get('outputs', []):
            for kind, t in texts(o):
                for what, rx in (('a machine path', BAD_PATH), ('a warning', BAD_WARN)):
                    if m := rx.search(t): out.append(f"{p}: cell {i}: output holds {what}: {m.group(0)!r}")
                if kind == 'stream' and (m := BAD_BAR.search(t)): out.append(f"{p}: cell {i}: output holds a progress-bar frame: {m.group(0)!r}")
    return out

def shape(p:Path)->tuple:
    "(cells, median code cell lines, longest code cell lines, median markdown characters, raises, has recap, exercises) of the notebook `p`."
    cells = json.loads(p.read_text(encoding='utf-8'))['cells']
    src = lambda c: ''.join(c['source'])
    L = [len(src(c).splitlines()) for c in cells if c['cell_type'] == 'code'] or [0]
    M = [len(src(c)) for c in cells if c['cell_type'] == 'markdown'] or [0]
    raises = sum(len(re.findall(r'\braise\b', src(c))) for c in cells if c['cell_type'] == 'code')
    md = [src(c) for c in cells if c['cell_type'] == 'markdown']
    recap = any(re.search(r'^## (recap|summary)', s, re.I | re.M) for s in md)
    ex = next((s for s in md if re.search(r'^## exercises', s, re.I | re.M)), '')
    return len(cells), statistics.median(L), max(L), statistics.median(M), raises, recap, len(re.findall(r'^\s*(?:\d+\.|-)\s', ex, re.M))

def committed():
    "The notebooks under nbs/ that git tracks (every one under nbs/ outside a git checkout)."
    try: fs = subprocess.run(['git', 'ls-files', '-z', '--', 'nbs'], cwd=root, capture_output=True, text=True, check=True).stdout.split('\0')
    except (OSError, subprocess.CalledProcessError): fs = [str(p.relative_to(root)) for p in (root/'nbs').rglob('*.ipynb')]
    return sorted(root/f for f in fs if f.endswith('.ipynb') and '.ipynb_checkpoints' not in f)

def main():
    a = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    a.add_argument('notebooks', nargs='*', type=Path, help='notebooks to check (default: every committed notebook under nbs/)')
    a.add_argument('--strict-shape', action='store_true', help='fail on lessons over the shape limits too (see the module docstring)')
    args = a.parse_args()
    nbs = [p.resolve() for p in args.notebooks] or committed()
    problems = [b for p in nbs for b in hygiene(p)]
    shape_problems = []
    print(f"{'lesson':28s} {'cells':>5s} {'median':>6s} {'max':>4s} {'md':>4s} {'raise':>5s} {'ex':>3s}")
    for p in (p for p in nbs if LESSON.fullmatch(p.name) and p.parent.name == 'nbs'):
        n, med, mx, mdm, raises, recap, ex = shape(p)
        over = [w for w, bad in ((f'{n} cells > {MAX_CELLS}', n > MAX_CELLS), (f'a code cell of {mx} lines > {MAX_LINES}', mx > MAX_LINES),
                                 (f'median code cell {med} lines > {MAX_MEDIAN}', med > MAX_MEDIAN),
                                 (f'median markdown cell {mdm:.0f} characters > {MAX_MD}', mdm > MAX_MD),
                                 (f'{raises} raise statements > {MAX_RAISE} (argument checks belong in nbs/appendix/checks.ipynb)', raises > MAX_RAISE),
                                 ('no ## Recap', not recap), (f'{ex} exercises < {MIN_EX}', ex < MIN_EX)) if bad]
        print(f"{p.name:28s} {n:5d} {med:6g} {mx:4d} {mdm:4.0f} {raises:5d} {ex:3d}  {'; '.join(over)}")
        shape_problems += [f"{p.name}: {w}" for w in over]
    for b in problems: print('  -', os.path.relpath(b, root) if b.startswith(str(root)) else b)
    print(f"{len(nbs)} notebooks: {len(problems)} hygiene problems; {len(shape_problems)} lesson-shape problems"
          + ('' if args.strict_shape else ' (reported only; --strict-shape fails on them)'))
    sys.exit(1 if problems or (args.strict_shape and shape_problems) else 0)

if __name__ == '__main__': main()
