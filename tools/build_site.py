#!/usr/bin/env python
"""Build the course's website into `_site/` from the committed notebooks, offline, without running them.

    python tools/build_site.py            # then: python -m http.server -d _site

One page per notebook under nbs/, at the same relative path (`nbs/tests/test_nll.ipynb` -> `_site/tests/test_nll.html`,
`nbs/index.ipynb` -> `_site/index.html`), rendered the way nbdev renders a notebook for its docs:
`#| hide` cells dropped, directives stripped (`echo: false`, `output: false`, `include: false`, `hide_line`,
`filter_stream` honoured), the outputs and figures kept as committed, code highlighted, the title and subtitle taken
from the first markdown cell (`# Title` and `> subtitle`), an API reference after each exported cell (like nbdev's
`show_doc`: the signature, the docstring and the docments table, read from the `lesson_lib` the notebooks export),
links between notebooks pointed at their pages, a sidebar and prev/next links in nbdev's order (the file names:
nbs/ first, `index` leading, then each folder as a section), and one <h1> per page. Deliberate difference from
nbdev: an `#| export` cell keeps its source (in an open "Exported source" fold, as nbdev shows `#| exports`),
because in a course the exported code is the lesson. Folders without an index notebook get a generated index page.

Math is typeset in the browser by MathJax 3.2.2 (`tex-chtml-full.js`, the bundle nbdev's Quarto sites load from a CDN),
copied into the site from the PyPI package `django-static-mathjax` (MathJax's own release files; no Django needed);
figures are data URIs. (The Jupyter project's `jupyter-server-mathjax`, MathJax 2.7, was tried first and dropped: the
browser test caught its HTML-CSS output asking for an `about:blank` font on every page, a console error, and for TeX
.otf fonts the package does not ship.) Nothing on any page is fetched from another host.

Why nbconvert with a template of ours (tools/site/course/), measured on this project's 50 notebooks, 2 cores:
- nbconvert 7.17 is maintained by the Jupyter project, already in the dev extra (tools/make_readme.py uses it), and
  renders outputs exactly as JupyterLab does (its `lab` cell markup; HTML, ANSI and image outputs as committed).
  This whole build takes 15-21 s of CPU (one core; a quarter of it importing lesson_lib and torch for the API
  reference), so about 20 s on two idle cores, and 55-80 s of wall time on a shared machine with a load of 8-14.
- mkdocs-material + mkdocs-jupyter (16 more packages): 49 s for the same notebooks, 40 MB of output, Google Fonts
  requested by default; mkdocs-jupyter is nbconvert underneath, and Material for MkDocs announces its end of life
  (May 2027, "Zensical is its maintained successor") at every build.
- Sphinx 9 + myst-nb 1.4 + pydata-sphinx-theme (23 more packages): 16 s, but MathJax from a CDN by default, no
  heading anchors by default (the course's `06_nll.ipynb#the-gradient-of-cross-entropy` links broke), a toctree
  to maintain by hand, and it knows nothing of nbdev's `#|` directives or show_doc.
Both would still need the nbdev processing done here; nbconvert needs nothing beyond it.
"""
import argparse, ast, configparser, html, importlib, inspect, json, os, posixpath, re, shutil, sys, time, warnings
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
NBS, OUT, TEMPLATES = ROOT/'nbs', ROOT/'_site', ROOT/'tools'/'site'

# ---------------------------------------------------------------- the notebooks, in nbdev's order
def notebooks(nbs=NBS):
    "Notebooks under `nbs`, relative, in nbdev's sidebar order: by folder (nbs/ first), `index` first, then by name."
    skip = lambda name: name.startswith(('_', '.'))
    found = []
    for d, dirs, files in os.walk(nbs):
        dirs[:] = [x for x in dirs if not skip(x)]
        rel = Path(d).relative_to(nbs)
        found += [rel/f for f in files if f.endswith('.ipynb') and not skip(f)]
    return sorted(found, key=lambda p: (p.parent.parts, '' if p.stem == 'index' else p.name))

def page_of(rel):
    "The site path of notebook `rel` (relative to nbs/): same folder, .html."
    return rel.with_suffix('.html').as_posix()

# ---------------------------------------------------------------- nbdev's directives
_re_direc = re.compile(r'^\s*#\s*\|\s*(.*)$')

def split_directives(src):
    "(directives, rest of the source): the `#|` lines at the top of a cell, as {name: [args]} like nbdev's."
    lines, d = src.splitlines(), {}
    i = 0
    while i < len(lines) and (_re_direc.match(lines[i]) or (not lines[i].strip() and d)):
        m = _re_direc.match(lines[i])
        if m and m.group(1).strip():
            k, *args = re.split(r'\s+', m.group(1).strip())
            if ':' in k and not k.endswith(':'): k, a = k.split(':', 1); k += ':'; args = [a] + args
            d[k] = [a for a in args if a]
        i += 1
    return d, '\n'.join(lines[i:])

def _false(d, k): return [a.lower() for a in d.get(k, [''])][:1] == ['false']

def slugify(text, seen):
    "Pandoc's (so Quarto's and nbdev's) heading identifier for `text`, made unique with -1, -2, ... as pandoc does."
    s = re.sub(r'[^\w\s.-]', '', text.strip().lower(), flags=re.UNICODE)
    s = re.sub(r'\s+', '-', s)
    s = re.sub(r'^[^a-z]+', '', s) or 'section'
    base, n = s, 0
    while s in seen: n += 1; s = f'{base}-{n}'
    seen.add(s)
    return s

# ---------------------------------------------------------------- show_doc
_sd_cache = {}

def _module(name):
    if name not in _sd_cache:
        try: _sd_cache[name] = importlib.import_module(name)
        except Exception as e:
            warnings.warn(f'cannot import {name} ({type(e).__name__}: {e}); its API reference shows the source only')
            _sd_cache[name] = None
    return _sd_cache[name]

def _public_defs(src):
    "Names nbdev gives a show_doc to: top-level functions and classes of an exported cell, not `_private` ones."
    from nbdev.showdoc import showdoc_nm
    try: tree = ast.parse(src)
    except SyntaxError: return []
    return [(showdoc_nm(o), o) for o in tree.body if isinstance(o, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
            and (not o.name.startswith('_') or o.name.startswith('__'))]

def _sig_line(nm, obj):
    "nbdev's show_doc signature: `name (arg:type=default, ...)->ret`."
    from fastcore.docments import _show_param, _fmt_anno   # how nbdev's show_doc writes parameters and annotations
    try: sig = inspect.signature(obj)
    except (ValueError, TypeError): return nm
    params = [_show_param(p) for p in sig.parameters.values() if p.name != 'self']
    ret = '' if sig.return_annotation is inspect.Signature.empty else '->' + _fmt_anno(sig.return_annotation)
    return f"{nm} ({', '.join(params)}){ret}"

def show_doc(nm, node, modname, cfg):
    "Markdown for the API reference of `nm` (defined by `node` in module `modname`): heading, signature, docstring, docments."
    from fastcore.docments import DocmentTbl, docstring
    mod, obj = _module(modname), None
    if mod is not None:
        obj = mod
        for part in nm.split('.'): obj = getattr(obj, part, None)
    kind = 'class' if isinstance(node, ast.ClassDef) else 'function'
    src_url = f"{cfg['git_url']}/blob/{cfg['branch']}/{modname.replace('.', '/')}.py"
    if obj is None:   # the module could not be imported: the definition as written
        sig, doc, tbl = ast.unparse(node).split(':\n', 1)[0], ast.get_docstring(node) or '', ''
    else:
        try: src_url += f'#L{inspect.getsourcelines(inspect.unwrap(obj))[1]}'
        except (OSError, TypeError): pass
        sig, doc = _sig_line(nm, obj), docstring(obj) or ''
        try: tbl = DocmentTbl(obj)._repr_markdown_()
        except Exception: tbl = ''
    out = [f'### {nm}', '',
           f'<div class="sd-meta"><span class="sd-kind">{kind}</span> <a class="sd-source" href="{html.escape(src_url)}">source</a></div>', '',
           '```python', sig, '```', '']
    if doc: out += ['*' + doc.strip().replace('\n\n', '*\n\n*', ) + '*', '']
    if tbl: out += [tbl, '']
    return '\n'.join(out)

# ---------------------------------------------------------------- one notebook, processed as nbdev does
_re_title = re.compile(r'^#\s+(\S.*?)\s*$', re.MULTILINE)
_re_subtitle = re.compile(r'^>\s+(\S.*?)\s*$', re.MULTILINE)
_re_hdr_dash = re.compile(r'^#+\s+.*\s+-\s*$')

def process(nb, rel, cfg):
    "Apply nbdev's doc processing to `nb` in place; returns (title, subtitle) as markdown."
    import nbformat
    title = subtitle = None
    default_exp = None
    cells = []
    for cell in nb.cells:
        if cell.cell_type == 'markdown':
            src = cell.source
            if title is None:   # nbdev: the first markdown cell's `# ...` is the title, its `> ...` the subtitle
                m = _re_title.search(src)
                if m:
                    title, src = m.group(1), src[:m.start()] + src[m.end():]
                    s = _re_subtitle.search(src)
                    if s: subtitle, src = s.group(1), src[:s.start()] + src[s.end():]
                    cell.source = src.strip()
                    if not cell.source: continue
            if _re_hdr_dash.match(cell.source.strip()): continue   # nbdev drops headings that end with ' -'
            cells.append(cell)
            continue
        if cell.cell_type != 'code': cells.append(cell); continue
        d, src = split_directives(cell.source)
        if 'default_exp' in d and d['default_exp']: default_exp = d['default_exp'][0]
        if 'hide' in d or _false(d, 'include:'): continue
        src = '\n'.join(l for l in src.splitlines() if not re.search(r'#\|\s*hide_line\s*$', l)).strip()
        if 'filter_stream' in d:
            words = '|'.join(map(re.escape, d['filter_stream']))
            for o in cell.get('outputs', []):
                if o.output_type == 'stream': o.text = ''.join(l for l in o.text.splitlines(True) if not re.search(words, l))
        if 'hide_output' in d or _false(d, 'output:'): cell.outputs = []
        cell.source = src
        cell.metadata = {k: v for k, v in cell.metadata.items() if k in ('tags',)}
        tags = cell.metadata.setdefault('tags', [])
        if 'hide_input' in d or _false(d, 'echo:') or not src: cell.metadata['transient'] = {'remove_source': True}
        exported = {'export', 'exports', 'exporti'} & d.keys()
        if exported and src: tags.append('site-exported')
        if src or cell.get('outputs'): cells.append(cell)
        if {'export', 'exports'} & d.keys() and default_exp is not None:
            mod = (d.get('export') or d.get('exports') or [default_exp])[0]
            for nm, node in _public_defs(src):
                sd = nbformat.v4.new_markdown_cell(show_doc(nm, node, f"{cfg['lib_name']}.{mod}", cfg))
                sd.metadata['tags'] = ['site-showdoc']
                cells.append(sd)
    nb.cells = cells
    return title or rel.stem, subtitle

# ---------------------------------------------------------------- the pages around the notebooks
def _inline_md(s):
    "HTML for one line of markdown (a title), without the <p>."
    from nbconvert.filters.markdown import markdown2html
    h = markdown2html(s).strip()
    return h[3:-4] if h.startswith('<p>') and h.endswith('</p>') else h

def _text(s):
    "Plain text of one line of markdown."
    return re.sub(r'<[^>]+>', '', html.unescape(_inline_md(s)))

def _rel(target, frm):
    "Relative URL from page `frm` to site path `target` (both posix, relative to the site root)."
    return posixpath.relpath(target, posixpath.dirname(frm) or '.')

def sidebar(entries, sections, current):
    "The sidebar's HTML for page `current`: top-level pages, then one section per folder."
    def item(e):
        cur = ' aria-current="page"' if e['page'] == current else ''
        return f'<li><a href="{_rel(e["page"], current)}"{cur}>{e["label"]}</a></li>'
    out = ['<ul class="nav-top">'] + [item(e) for e in entries if e['section'] is None] + ['</ul>']
    for sec, idx in sections.items():
        mine = [e for e in entries if e['section'] == sec]
        is_open = ' open' if any(e['page'] == current for e in mine) or idx == current else ''
        cur = ' aria-current="page"' if idx == current else ''
        out += [f'<details class="nav-section"{is_open}><summary><a href="{_rel(idx, current)}"{cur}>{sec.title()}</a></summary><ul>']
        out += [item(e) for e in mine] + ['</ul></details>']
    return '\n'.join(out)

class Page:
    "One page as it renders: pandoc's heading ids, one <h1>, its on-this-page list, and links pointed at pages."
    def __init__(self, page, rel, pages, dirs, cfg):
        self.page, self.rel, self.pages, self.dirs, self.cfg = page, rel, pages, dirs, cfg
        self.seen, self.toc = set(), []

    def md(self, fragment):
        "The HTML nbconvert made of one markdown cell, with its headings and links fixed."
        from bs4 import BeautifulSoup
        soup = BeautifulSoup(fragment, 'html.parser')
        sd = 'sd-meta' in fragment   # an API reference (show_doc) cell
        for h in soup.find_all(['h1', 'h2', 'h3', 'h4', 'h5', 'h6']):
            if h.name == 'h1': h.name = 'h2'   # the page title is the one <h1>
            for a in h.find_all('a', class_='anchor-link'): a.decompose()
            sid = slugify(h.get_text(), self.seen)
            h['id'] = sid
            if h.name == 'h2' or (h.name == 'h3' and sd): self.toc.append((h.name, sid, h.get_text().strip()))
            a = soup.new_tag('a', href=f'#{sid}', attrs={'class': 'anchor-link', 'aria-hidden': 'true'}); a.string = '#'
            h.append(a)
        for a in soup.find_all('a', href=True): a['href'] = self.link(a['href'])
        return str(soup)

    def links(self, fragment):
        "`fragment` with its links pointed at pages (for the title and subtitle)."
        if 'href=' not in fragment: return fragment
        from bs4 import BeautifulSoup
        soup = BeautifulSoup(fragment, 'html.parser')
        for a in soup.find_all('a', href=True): a['href'] = self.link(a['href'])
        return str(soup)

    def link(self, href):
        "`href`, written in the notebook, as the page needs it."
        u = urlsplit(href)
        if u.scheme or u.netloc or href.startswith(('#', '/')) or not u.path: return href
        nb_dir, cfg = self.rel.parent.as_posix(), self.cfg
        target = posixpath.normpath(posixpath.join(nb_dir, u.path))
        frag = f'#{u.fragment}' if u.fragment else ''
        if target in self.pages: return _rel(self.pages[target], self.page) + frag   # another notebook
        if target.rstrip('/') in self.dirs: return _rel(self.dirs[target.rstrip('/')], self.page) + frag   # a folder of them
        f = (NBS/target).resolve()
        if f.exists() and f.is_relative_to(NBS.resolve()) and f.is_file():   # a file beside the notebooks: shipped too
            dst = OUT/target
            dst.parent.mkdir(parents=True, exist_ok=True); shutil.copy2(f, dst)
            return href
        if f.exists() and f.is_relative_to(ROOT):   # elsewhere in the repository: on GitHub
            return f"{cfg['git_url']}/{'tree' if f.is_dir() else 'blob'}/{cfg['branch']}/{f.relative_to(ROOT).as_posix()}{frag}"
        print(f'  warning: {self.rel}: link to {href}, which is not in the repository', file=sys.stderr)
        return href

    def toc_html(self):
        if not self.toc: return ''
        items = ''.join(f'<li class="toc-{n}"><a href="#{sid}">{html.escape(t)}</a></li>' for n, sid, t in self.toc)
        return f'<nav class="toc" aria-label="On this page"><p>On this page</p><ul>{items}</ul></nav>'

def _has_math(nb, *extra):
    txt = '\n'.join([c.source for c in nb.cells if c.cell_type == 'markdown'] + [x for x in extra if x])
    txt += '\n'.join(str(o.get('data', {}).get(k, '')) for c in nb.cells for o in c.get('outputs', [])
                     for k in ('text/markdown', 'text/latex', 'text/html'))
    return bool(re.search(r'\$[^$\n]+\$|\\\(|\\\[|\\begin\{', txt))

def read_settings():
    p = configparser.ConfigParser(delimiters=['=']); p.read(ROOT/'settings.ini', encoding='utf-8')
    return p['DEFAULT']

def build(out=OUT, quiet=False):
    import nbformat
    from nbconvert import HTMLExporter, TemplateExporter
    from nbconvert.filters.highlight import Highlight2HTML
    from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter
    global OUT
    OUT = Path(out).resolve()
    t0 = time.perf_counter()
    cfg = read_settings()
    sys.path.insert(0, str(ROOT))   # document this checkout's lesson_lib, whatever is installed
    if OUT.exists(): shutil.rmtree(OUT)
    (OUT/'assets').mkdir(parents=True)
    shutil.copy2(TEMPLATES/'site.css', OUT/'assets'/'site.css')
    import mathjax   # MathJax 3.2.2 from PyPI (django-static-mathjax): the MathJax nbdev's Quarto typesets with
    es5 = Path(mathjax.__file__).parent/'static'/'mathjax'/'es5'
    def keep(d, names):   # the one bundle the pages load (tex-chtml-full.js), its fonts and what it loads on demand
        if Path(d) == es5: return [n for n in names if n not in ('tex-chtml-full.js', 'output', 'input', 'ui', 'a11y')]
        return [n for n in names if n in ('svg', 'svg.js', 'mml', 'mml.js', 'asciimath.js')]
    shutil.copytree(es5, OUT/'assets'/'mathjax', ignore=keep)
    shutil.copy2(TEMPLATES/'favicon.svg', OUT/'assets'/'favicon.svg')
    (OUT/'.nojekyll').touch()   # GitHub Pages: serve the files as they are

    rels = notebooks()
    nbs = {r: nbformat.read(NBS/r, as_version=4) for r in rels}
    entries, pages, dirs, sections = [], {}, {}, {}
    for r in rels:
        pages[r.as_posix()] = page_of(r)
        folder = r.parent.as_posix()
        if folder != '.':
            sec = re.sub(r'^\d+_', '', r.parent.name)
            idx = f'{folder}/index.html'
            sections.setdefault(sec, idx); dirs.setdefault(folder, idx)
    for r in rels:
        nb = nbs[r]
        title, subtitle = process(nb, r, cfg)
        sec = None if r.parent.as_posix() == '.' else re.sub(r'^\d+_', '', r.parent.name)
        label = _inline_md(title)
        if r.stem == 'index' and sec is None: label = 'Home'
        entries.append(dict(rel=r, page=page_of(r), title=title, subtitle=subtitle, section=sec, label=label, nb=nb))
    # a generated index for each folder that has no index notebook
    extra = []
    for sec, idx in sections.items():
        if any(e['page'] == idx for e in entries): continue
        mine = [e for e in entries if e['section'] == sec]
        items = '\n'.join(f'- [{e["title"]}]({e["rel"].name})' + (f': {e["subtitle"]}' if e['subtitle'] else '') for e in mine)
        nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(items)])
        extra.append(dict(rel=Path(idx).with_suffix('.ipynb'), page=idx, title=sec.title(),
                          subtitle=f'The {len(mine)} notebooks in `nbs/{Path(idx).parent.as_posix()}/`', section=sec, nb=nb, generated=True))

    class SiteExporter(HTMLExporter):
        "nbconvert's HTML exporter without its last step, which re-parses each whole page with BeautifulSoup only to add"
        "alt texts and tabindex attributes (half of this build's time): we add the alt texts below."
        def from_notebook_node(self, nb, resources=None, **kw):
            self.register_filter('highlight_code', Highlight2HTML(pygments_lexer='ipython3', parent=self))
            self.register_filter('filter_data_type', WidgetsDataTypeFilter(notebook_metadata=self._nb_metadata, parent=self, resources=resources))
            return TemplateExporter.from_notebook_node(self, nb, resources, **kw)
    exporter = SiteExporter(template_name='course', extra_template_basedirs=[str(TEMPLATES)],
                            exclude_input_prompt=True, exclude_output_prompt=True, embed_images=True)
    current = [None]
    exporter.register_filter('site_md', lambda h: current[0].md(h))
    order = entries   # prev/next run through the notebooks in course order
    for i, e in enumerate(order + extra):
        page = e['page']
        nbpos = i if i < len(order) else None
        def nav(j):
            if nbpos is None or not 0 <= j < len(order): return None
            return dict(href=_rel(order[j]['page'], page), title=order[j]['label'])
        pg = current[0] = Page(page, e['rel'], pages, dirs, cfg)
        site = dict(name=cfg['lib_name'], tagline=cfg['description'].split(':')[0], git_url=cfg['git_url'], root='../' * page.count('/'),
                    is_home=page == 'index.html', title_text=_text(e['title']), title_html=pg.links(_inline_md(e['title'])),
                    subtitle_text=_text(e['subtitle']) if e['subtitle'] else '',
                    subtitle_html=pg.links(_inline_md(e['subtitle'])) if e['subtitle'] else '',
                    sidebar=sidebar(entries, sections, page), math=_has_math(e['nb'], e['title'], e['subtitle']),
                    prev=nav(nbpos - 1) if nbpos is not None else None, next=nav(nbpos + 1) if nbpos is not None else None,
                    source_url=None if e.get('generated') else f"{cfg['git_url']}/blob/{cfg['branch']}/nbs/{e['rel'].as_posix()}",
                    source_path=f"nbs/{e['rel'].as_posix()}")
        res = {'site': site, 'metadata': {'name': e['rel'].stem, 'path': str((NBS/e['rel']).parent)}}
        body, _ = exporter.from_notebook_node(e['nb'], resources=res)
        body = body.replace('<!-- site-toc -->', pg.toc_html(), 1)   # the headings are known once the cells are rendered
        body = re.sub(r'<img (?![^>]*\balt=)', '<img alt="A figure drawn by the cell above" ', body)
        dst = OUT/page
        dst.parent.mkdir(parents=True, exist_ok=True)
        dst.write_text(body, encoding='utf-8')
        if not quiet: print(f'  {page}')
    n = len(order) + len(extra)
    print(f'built {n} pages ({len(order)} notebooks) into {OUT.relative_to(ROOT) if OUT.is_relative_to(ROOT) else OUT} '
          f'in {time.perf_counter() - t0:.1f} s')
    return n

def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--out', default=str(OUT), help='output folder (default: _site/ in the repository)')
    p.add_argument('-q', '--quiet', action='store_true', help='print only the summary line')
    a = p.parse_args()
    os.environ.setdefault('MPLBACKEND', 'Agg')
    build(a.out, a.quiet)

if __name__ == '__main__': main()
