#!/usr/bin/env python
"""Open every page of the built site (`python tools/build_site.py`) in headless Chromium and check what a reader meets.

    python tools/test_site.py            # serves _site/ on 127.0.0.1, screenshots into _site_shots/

For every page: no console error and no uncaught exception; no failed request, no HTTP error and no request to any
host but the local server (each one is blocked and reported); exactly one <h1>; every image decoded
(naturalWidth > 0) and laid out; MathJax done where the page has math, with no TeX error and no raw TeX left in the
visible text; every internal link leads to a page that exists and every #anchor to an id on it. For every notebook's
page, counted from the notebook itself (so the test follows the lessons as they change): as many figures as the
notebook shows, as many code cells as it has visible ones, and one API reference per exported public function or
class. Full-page screenshots of the index and of one lesson go to _site_shots/.

Chromium is Debian's (/usr/bin/chromium, `apt-get install chromium`), driven by playwright (no browser download).
"""
import argparse, ast, functools, http.server, json, os, re, sys, tempfile, threading, time
from pathlib import Path
from urllib.parse import urlsplit, urldefrag, unquote

ROOT = Path(__file__).resolve().parent.parent
NBS = ROOT/'nbs'
FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
         '--disable-component-update', '--disable-sync']

# ---------------------------------------------------------------- what each page should show, from its notebook
def _directives(src):
    "nbdev's `#|` lines at the top of a cell: {name: [args]}, `echo: false` as {'echo:': ['false']}."
    d = {}
    for line in src.splitlines():
        m = re.match(r'\s*#\s*\|\s*(.*)$', line)
        if not m:
            if line.strip(): break
            continue
        parts = m.group(1).replace(':', ': ', 1).split() if ':' in m.group(1).split(' ')[0] else m.group(1).split()
        if parts: d[parts[0]] = parts[1:]
    return d

def _no(d, k): return d.get(k, [''])[:1] in (['false'], ['False'])

def expected(nb_path):
    "(figures, visible code cells, API references) that the page of the notebook at `nb_path` must show."
    nb = json.loads(Path(nb_path).read_text(encoding='utf-8'))
    figs = code = api = 0
    for c in nb['cells']:
        src = ''.join(c['source'])
        if c['cell_type'] == 'markdown':
            figs += len(re.findall(r'!\[[^\]]*\]\([^)]+\)|<img\b', src))
            continue
        if c['cell_type'] != 'code': continue
        d = _directives(src)
        if 'hide' in d or _no(d, 'include:'): continue
        body = [l for l in src.splitlines() if not re.match(r'\s*#\s*\|', l) and not re.search(r'#\|\s*hide_line\s*$', l)]
        if any(l.strip() for l in body) and not ('hide_input' in d or _no(d, 'echo:')): code += 1
        if not ('hide_output' in d or _no(d, 'output:')):
            figs += sum(1 for o in c.get('outputs', []) for k in o.get('data', {}) if k in ('image/png', 'image/jpeg', 'image/svg+xml'))
        if {'export', 'exports'} & d.keys():
            try: tree = ast.parse('\n'.join(body))
            except SyntaxError: continue
            api += sum(1 for o in tree.body if isinstance(o, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
                       and (not o.name.startswith('_') or o.name.startswith('__')))
    return figs, code, api

def has_math(nb_path):
    "Whether the notebook's markdown has TeX: `$...$`, `$$...$$`, `\\(...\\)` or `\\[...\\]`."
    nb = json.loads(Path(nb_path).read_text(encoding='utf-8'))
    md = '\n'.join(''.join(c['source']) for c in nb['cells'] if c['cell_type'] == 'markdown')
    return bool(re.search(r'(?<!\\)\$[^$\s][^$]*\$|\\\(|\\\[', md))

def notebook_of(page):
    "The notebook a page was rendered from (or None for a generated page)."
    p = NBS/Path(page).with_suffix('.ipynb')
    return p if p.exists() else None

# ---------------------------------------------------------------- the page, read in the browser
INSPECT = r"""() => {
  const main = document.querySelector('main') || document.body;
  const vis = e => { const r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0; };
  const imgs = [...document.images].map(i => ({src: i.currentSrc.slice(0, 80), w: i.naturalWidth, ok: i.complete && i.naturalWidth > 0,
                                                shown: vis(i), fig: !!i.closest('.jp-Cell')}));
  const code = [...main.querySelectorAll('.jp-CodeCell .jp-InputArea-editor')].filter(vis).length;
  const api = [...main.querySelectorAll('.celltag_site-showdoc')].filter(vis).length;
  const tex = [];   // TeX left as text once MathJax is done: in text outside code, scripts and typeset math
  const walk = document.createTreeWalker(main, NodeFilter.SHOW_TEXT);
  for (let n; (n = walk.nextNode());) {
    if (n.parentElement.closest('pre, code, script, style, mjx-container, nav')) continue;
    for (const re of [/\$\$[\s\S]+?\$\$/g, /(^|[^\\])\$[^$\s][^$]*?\$/g, /\\[A-Za-z]{2,}/g, /\\[()\[\]]/g])
      for (const m of n.data.matchAll(re)) tex.push(m[0].trim().slice(0, 60));
  }
  const links = [...document.querySelectorAll('a[href]')].map(a => a.href);
  const ids = [...document.querySelectorAll('[id]')].map(e => e.id).concat([...document.querySelectorAll('a[name]')].map(a => a.name));
  return {h1: document.querySelectorAll('h1').length, imgs, code, api, tex, links, ids,
          math: document.querySelectorAll('mjx-container').length,
          mathErrors: document.querySelectorAll('mjx-merror').length};
}"""

class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *a): pass

def serve(site):
    srv = http.server.ThreadingHTTPServer(('127.0.0.1', 0), functools.partial(Quiet, directory=str(site)))
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv, f'http://127.0.0.1:{srv.server_address[1]}/'

def run(site, shots, browser, shot_lesson=None, timeout=30):
    from playwright.sync_api import sync_playwright
    t0 = time.perf_counter()
    site, shots = Path(site), Path(shots)
    pages = sorted(p.relative_to(site).as_posix() for p in site.rglob('*.html') if 'assets' not in p.relative_to(site).parts)
    srv, base = serve(site)
    host = urlsplit(base).netloc
    problems, seen_ids, links, log = {}, {}, [], []
    def bad(page, msg): problems.setdefault(page, []).append(msg)
    lessons = [p for p in pages if '/' not in p and re.match(r'\d', p)]
    if shot_lesson is None:   # the first lesson with a figure, math and an API reference: the most kinds of content
        full = lambda p: (lambda f, c, a: f and a)(*expected(notebook_of(p))) and has_math(notebook_of(p))
        shot_lesson = next((p for p in lessons if full(p)), lessons[0] if lessons else None)
    shots.mkdir(parents=True, exist_ok=True)
    for old in shots.glob('*.png'): old.unlink()
    with sync_playwright() as pw, tempfile.TemporaryDirectory() as profile:
        # Every host name but the server's resolves to nothing, so no request leaves the machine; each one is
        # reported. (Not playwright's request routing, which would also turn off the cache.)
        block = f'--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1'
        ctx = pw.chromium.launch_persistent_context(profile, executable_path=browser, headless=True, args=FLAGS + [block],
                                                    viewport={'width': 1400, 'height': 900})
        current = ['']
        pg = ctx.new_page()
        pg.on('request', lambda r: urlsplit(r.url).scheme not in ('data', 'blob', 'about') and urlsplit(r.url).netloc != host
              and bad(current[0], f'request to another host: {r.url[:120]}'))
        pg.on('console', lambda m: m.type == 'error' and bad(current[0], f'console error: {m.text[:200]}'))
        pg.on('pageerror', lambda e: bad(current[0], f'uncaught exception: {str(e)[:200]}'))
        pg.on('requestfailed', lambda r: urlsplit(r.url).netloc == host and bad(current[0], f'request failed: {r.url[:120]} ({r.failure})'))
        pg.on('response', lambda r: r.status >= 400 and bad(current[0], f'HTTP {r.status}: {r.url[:120]}'))
        for page in pages:
            current[0] = page
            tp = time.perf_counter()
            pg.goto(base + page, wait_until='load', timeout=timeout * 1000)
            if pg.evaluate("() => !!document.querySelector('script[src*=\"mathjax/\"]')"):
                try: pg.wait_for_function("() => document.documentElement.getAttribute('data-math') === 'done'", timeout=timeout * 1000)
                except Exception: bad(page, 'MathJax did not finish typesetting')
            r = pg.evaluate(INSPECT)
            if r['h1'] != 1: bad(page, f"{r['h1']} <h1> elements, expected exactly 1")
            for i in r['imgs']:
                if not i['ok']: bad(page, f"image does not decode: {i['src']}")
                elif not i['shown']: bad(page, f"image is not laid out: {i['src']}")
            if r['tex']: bad(page, f"raw TeX in the visible text: {r['tex'][:5]}")
            if r['mathErrors']: bad(page, f"{r['mathErrors']} TeX errors in the typeset math")
            nb = notebook_of(page)
            if nb is not None:
                figs, code, api = expected(nb)
                got = sum(i['fig'] for i in r['imgs'])
                if got != figs: bad(page, f'{got} figures shown, the notebook has {figs}')
                if r['code'] != code: bad(page, f"{r['code']} code cells shown, the notebook has {code} visible ones")
                if r['api'] != api: bad(page, f"{r['api']} API references shown, the notebook exports {api} public names")
                if r['math'] == 0 and has_math(nb): bad(page, 'the notebook has math but nothing was typeset')
            seen_ids[page] = set(r['ids'])
            links += [(page, l) for l in r['links']]
            log.append(f"  {page}: {sum(i['fig'] for i in r['imgs'])} figures, {r['code']} code cells, {r['api']} API, "
                       f"{r['math']} formulas, {time.perf_counter() - tp:.1f} s")
            if page == 'index.html' or page == shot_lesson:
                out = shots/(Path(page).stem + '.png')
                pg.screenshot(path=str(out), full_page=True)
        # links: every internal target is a page (or file) of the site, every #anchor an id on it
        for page, href in links:
            u = urlsplit(href)
            if u.netloc != host: continue
            path, frag = unquote(u.path).lstrip('/'), unquote(u.fragment)
            if path == '' or path.endswith('/'): path += 'index.html'
            if not (site/path).is_file(): bad(page, f'broken link: {href.replace(base, "/")}'); continue
            if frag and path in seen_ids and frag not in seen_ids[path]: bad(page, f'anchor not found: {href.replace(base, "/")}')
        ctx.close()
    srv.shutdown()
    print('\n'.join(log))
    for page, msgs in problems.items():
        for m in dict.fromkeys(msgs): print(f'FAIL {page}: {m}')
    nfail = sum(1 for p in pages if p in problems) + (1 if '' in problems else 0)
    print(f'screenshots: {", ".join(sorted(str(p.relative_to(ROOT) if p.is_relative_to(ROOT) else p) for p in shots.resolve().glob("*.png")))}')
    print(f'browser test of {len(pages)} pages ({len(links)} links) took {time.perf_counter() - t0:.1f} s')
    print(f'site: {len(pages) - nfail} passed, {nfail} failed')
    return nfail == 0

def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--site', default=str(ROOT/'_site'), help='the built site (default: _site/)')
    p.add_argument('--shots', default=str(ROOT/'_site_shots'), help='folder for the screenshots (default: _site_shots/)')
    p.add_argument('--browser', default=os.environ.get('CHROMIUM', '/usr/bin/chromium'), help='Chromium executable')
    p.add_argument('--lesson', default=None, help='page to screenshot besides the index, e.g. 03_logsumexp.html')
    a = p.parse_args()
    if not Path(a.site, 'index.html').exists(): sys.exit(f'{a.site}/index.html not found: run python tools/build_site.py first')
    if not Path(a.browser).exists(): sys.exit(f'{a.browser} not found: apt-get install chromium')
    sys.exit(0 if run(a.site, a.shots, a.browser, a.lesson) else 1)

if __name__ == '__main__': main()
