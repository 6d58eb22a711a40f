#!/usr/bin/env python
"""Write README.md from nbs/index.ipynb with nbconvert's markdown exporter (nbdev_readme needs Quarto, which cannot be installed offline).
The notebook's relative links are written from nbs/ (so they work in Jupyter); README.md gets them from the repository root
(`00_overflow.ipynb` -> `nbs/00_overflow.ipynb`, `../data/README.md` -> `data/README.md`), so they work on GitHub too."""
import argparse, difflib, posixpath, re, sys
from pathlib import Path
import nbformat
from nbconvert import MarkdownExporter

root = Path(__file__).resolve().parent.parent
nb_path, readme = root/'nbs'/'index.ipynb', root/'README.md'
HEADER = '<!-- Generated from nbs/index.ipynb by tools/make_readme.py: edit the notebook, not this file. -->\n\n'

def _directives(src):
    "The nbdev `#|` directives at the top of a code cell, as a set of words."
    out = set()
    for line in src.splitlines():
        if not line.startswith('#|'): break
        out.update(line[2:].replace(':', ' ').split())
    return out

LINK = re.compile(r'(\]\()([^)\s]+)(\))')

def _from_root(md):
    "Markdown `md` with its relative links, written from `nbs/` (as Jupyter opens them), rewritten from the repository root."
    def fix(m):
        t = m.group(2)
        if re.match(r'[A-Za-z][A-Za-z0-9+.-]*:', t) or t.startswith(('#', '/')): return m.group(0)  # a URL, an anchor, an absolute path
        return m.group(1) + posixpath.normpath(posixpath.join('nbs', t)) + m.group(3)
    return LINK.sub(fix, md)

def render():
    "README text for the current index notebook: hidden cells dropped, `#|` lines stripped."
    nb = nbformat.read(nb_path, as_version=4)
    cells = []
    for c in nb.cells:
        if c.cell_type == 'code':
            d = _directives(c.source)
            if 'hide' in d or 'exporti' in d: continue
            c.source = '\n'.join(l for l in c.source.splitlines() if not l.startswith('#|')).strip()
            if 'hide_input' in d or 'echo' in d and 'false' in d: c.source = ''
        else: c.source = _from_root(c.source)
        cells.append(c)
    nb.cells = cells
    nb.metadata['language_info'] = {'name': 'python'}  # fenced code blocks tagged as python
    body, _ = MarkdownExporter().from_notebook_node(nb)
    body = re.sub(r'\n{3,}', '\n\n', body)
    return HEADER + body.strip() + '\n'

def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument('--check', action='store_true', help='exit 1 if README.md is not what the notebook generates')
    a = p.parse_args()
    new = render()
    if a.check:
        old = readme.read_text(encoding='utf-8') if readme.exists() else ''
        if old != new:
            sys.stdout.writelines(difflib.unified_diff(old.splitlines(True), new.splitlines(True), 'README.md', 'README.md (from nbs/index.ipynb)'))
            sys.exit('README.md is out of date: run `python tools/make_readme.py` and commit it.')
        print('README.md is in sync with nbs/index.ipynb')
    else:
        readme.write_text(new, encoding='utf-8')
        print(f'wrote {readme.relative_to(root)}')

if __name__ == '__main__': main()
