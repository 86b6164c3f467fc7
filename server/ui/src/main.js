// Eventum Studio: one page, no framework. Every API URL is built from
// location.origin (a URL with user-info works: the browser keeps the
// credentials, the page never sees them). Pages are chosen by the hash.
import { EditorState } from '@codemirror/state';
import {
  EditorView, keymap, lineNumbers, highlightActiveLineGutter, highlightSpecialChars, drawSelection,
  highlightActiveLine, rectangularSelection,
} from '@codemirror/view';
import { defaultKeymap, history, historyKeymap, indentWithTab } from '@codemirror/commands';
import {
  StreamLanguage, syntaxHighlighting, defaultHighlightStyle, bracketMatching, foldGutter, foldKeymap, indentOnInput,
} from '@codemirror/language';
import { searchKeymap, highlightSelectionMatches } from '@codemirror/search';
import { yaml } from '@codemirror/lang-yaml';
import { python } from '@codemirror/lang-python';
import { jinja2 } from '@codemirror/legacy-modes/mode/jinja2';
import { setDiagnostics, lintGutter } from '@codemirror/lint';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

const base = location.origin;

// The editor's setup: CodeMirror's basic setup without autocompletion and
// bracket closing (they get in the way of `{{ }}` and `{% %}`).
const editorSetup = [
  lineNumbers(), highlightActiveLineGutter(), highlightSpecialChars(), history(), foldGutter(), drawSelection(),
  EditorState.allowMultipleSelections.of(true), indentOnInput(), syntaxHighlighting(defaultHighlightStyle, { fallback: true }),
  bracketMatching(), rectangularSelection(), highlightActiveLine(), highlightSelectionMatches(),
  keymap.of([...defaultKeymap, ...searchKeymap, ...historyKeymap, ...foldKeymap, indentWithTab]),
];
let csrf = '';

// ---- API ----

class APIError extends Error {
  constructor(status, body) {
    super((body && body.error) || 'HTTP ' + status);
    this.status = status;
    this.details = body && body.details;
  }
}

async function api(method, path, body, raw) {
  const headers = { 'X-Requested-With': 'eventum-studio' };
  if (csrf) headers['X-CSRF-Token'] = csrf;
  const init = { method, headers, credentials: 'same-origin' };
  if (body !== undefined) {
    headers['Content-Type'] = raw ? 'application/octet-stream' : 'application/json';
    init.body = raw ? body : JSON.stringify(body);
  }
  const r = await fetch(base + path, init);
  if (r.status === 401) {
    location.href = base + '/login';
    throw new APIError(401, { error: 'authentication required' });
  }
  const ct = r.headers.get('Content-Type') || '';
  const data = ct.includes('application/json') ? await r.json() : await r.text();
  if (!r.ok) throw new APIError(r.status, typeof data === 'object' ? data : { error: data });
  return data;
}

const enc = encodeURIComponent;
const encPath = (p) => p.split('/').map(enc).join('/');

// ---- DOM helpers ----

function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

const main = () => document.getElementById('main');

function toast(msg, bad) {
  const t = document.getElementById('toast');
  t.textContent = msg;
  t.className = bad ? 'show bad' : 'show';
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { t.className = ''; }, 4000);
}

function errText(e) {
  if (!(e instanceof APIError)) return String(e);
  const d = e.details;
  if (!d) return e.message;
  return e.message + ': ' + (Array.isArray(d) ? d.join('\n') : typeof d === 'string' ? d : JSON.stringify(d));
}

const fmt = (n) => (n === undefined || n === null ? '–' : Number(n).toLocaleString('en-US'));

// Pages register a cleanup (timers, streams) run when the page changes.
let cleanups = [];
function onLeave(f) { cleanups.push(f); }

// ---- Generators ----

async function pageGenerators() {
  const sel = new Set();
  const prev = new Map(); // id -> {produced, t}
  const tbody = h('tbody', { id: 'generators-body' });
  const dirSelect = h('select', { id: 'add-dir' });
  const idInput = h('input', { id: 'add-id', placeholder: 'id' });
  const live = h('input', { type: 'checkbox', id: 'add-live', checked: true });
  const bulk = (action) => async () => {
    if (!sel.size) return toast('Select generators first', true);
    try {
      await api('POST', '/api/generators/group-actions/bulk-' + action, [...sel]);
      toast(action + ': ' + [...sel].join(', '));
      refresh();
    } catch (e) { toast(errText(e), true); }
  };
  main().replaceChildren(
    h('h2', {}, 'Generators'),
    h('div', { class: 'toolbar' },
      h('button', { id: 'bulk-start', onclick: bulk('start') }, 'Start selected'),
      h('button', { id: 'bulk-stop', onclick: bulk('stop') }, 'Stop selected'),
      h('span', { class: 'spacer' }),
      h('label', {}, 'Add from folder ', dirSelect), idInput,
      h('label', {}, live, ' live'),
      h('button', {
        id: 'add-generator', onclick: async () => {
          const path = dirSelect.value, id = idInput.value || path;
          try {
            await api('POST', '/api/generators/' + enc(id), { path, live_mode: live.checked });
            toast('added ' + id);
            refresh();
          } catch (e) { toast(errText(e), true); }
        },
      }, 'Add')),
    h('table', { class: 'grid', id: 'generators' },
      h('thead', {}, h('tr', {},
        h('th', {}, ''), h('th', {}, 'id'), h('th', {}, 'folder'), h('th', {}, 'state'),
        h('th', { class: 'num' }, 'produced'), h('th', { class: 'num' }, 'written'), h('th', { class: 'num' }, 'failed'),
        h('th', { class: 'num' }, 'events/s'), h('th', { class: 'num' }, 'lag p99'), h('th', {}, 'outputs'), h('th', {}, ''))),
      tbody));
  api('GET', '/api/generator-configs/').then((dirs) => {
    dirSelect.replaceChildren(...dirs.map((d) => h('option', { value: d }, d)));
  }).catch(() => {});

  const act = (id, action) => async () => {
    try {
      await api('POST', '/api/generators/' + enc(id) + '/' + action);
      refresh();
    } catch (e) { toast(errText(e), true); }
  };

  async function refresh() {
    let list;
    try { list = await api('GET', '/api/generators/'); } catch (e) { toast(errText(e), true); return; }
    const now = performance.now();
    tbody.replaceChildren(...list.map((g) => {
      const st = g.stats || {};
      const outs = st.outputs || [];
      const written = outs.reduce((s, o) => s + o.written, 0);
      const failed = outs.reduce((s, o) => s + o.write_failed + o.format_failed, 0) + (st.produce_failed || 0);
      const p = prev.get(g.id);
      let rate = '';
      if (p && g.status.state === 'running' && now > p.t) rate = ((st.produced - p.produced) / ((now - p.t) / 1000)).toFixed(1);
      prev.set(g.id, { produced: st.produced || 0, t: now });
      const lag = st.lag && st.lag.count ? (st.lag.p99_ns / 1e6).toFixed(1) + ' ms' : '';
      const cb = h('input', { type: 'checkbox', checked: sel.has(g.id), onchange: (ev) => { ev.target.checked ? sel.add(g.id) : sel.delete(g.id); } });
      const running = g.status.state === 'running' || g.status.state === 'starting';
      return h('tr', { 'data-id': g.id, 'data-state': g.status.state },
        h('td', {}, cb),
        h('td', { class: 'id' }, g.id),
        h('td', {}, h('a', { href: '#/editor/' + enc(g.path.replace(/\/[^/]*\.ya?ml$/, '')) }, g.path)),
        h('td', {}, h('span', { class: 'state state-' + g.status.state, title: g.status.error || '' }, g.status.state)),
        h('td', { class: 'num produced' }, fmt(st.produced)),
        h('td', { class: 'num written' }, fmt(written)),
        h('td', { class: 'num failed' + (failed ? ' bad' : '') }, fmt(failed)),
        h('td', { class: 'num rate' }, rate),
        h('td', { class: 'num' }, lag),
        h('td', { class: 'outs' }, outs.map((o) => o.name + ' ' + fmt(o.written) + (o.write_failed + o.format_failed ? ' (' + fmt(o.write_failed + o.format_failed) + ' failed)' : '')).join(', ')),
        h('td', { class: 'actions' },
          running
            ? h('button', { class: 'stop', onclick: act(g.id, 'stop') }, 'Stop')
            : h('button', { class: 'start', onclick: act(g.id, 'start') }, 'Start'),
          h('button', { class: 'restart', onclick: act(g.id, 'restart') }, 'Restart')));
    }));
  }
  await refresh();
  const timer = setInterval(refresh, 1000);
  onLeave(() => clearInterval(timer));
}

// ---- Scenarios ----

async function pageScenarios() {
  const box = h('div', { id: 'scenarios' });
  main().replaceChildren(h('h2', {}, 'Scenarios'), h('p', { class: 'muted' }, 'Groups of generators named by scenarios: in the startup file.'), box);
  async function refresh() {
    let list;
    try {
      const names = await api('GET', '/api/scenarios/');
      list = await Promise.all(names.map((n) => api('GET', '/api/scenarios/' + enc(n))));
    } catch (e) { box.textContent = errText(e); return; }
    if (!list.length) { box.replaceChildren(h('p', { class: 'muted' }, 'No scenarios in the startup file.')); return; }
    box.replaceChildren(h('table', { class: 'grid' },
      h('thead', {}, h('tr', {}, h('th', {}, 'scenario'), h('th', {}, 'generators'), h('th', {}, 'running'), h('th', {}, ''))),
      h('tbody', {}, list.map((s) => h('tr', { 'data-scenario': s.name },
        h('td', {}, s.name), h('td', {}, s.generator_ids.join(', ')), h('td', {}, s.running + ' / ' + s.generator_ids.length),
        h('td', {},
          h('button', { onclick: () => api('POST', '/api/scenarios/' + enc(s.name) + '/start').then(refresh, (e) => toast(errText(e), true)) }, 'Start'),
          h('button', { onclick: () => api('POST', '/api/scenarios/' + enc(s.name) + '/stop').then(refresh, (e) => toast(errText(e), true)) }, 'Stop')))))));
  }
  await refresh();
  const timer = setInterval(refresh, 2000);
  onLeave(() => clearInterval(timer));
}

// ---- Editor ----

function languageFor(path) {
  if (/\.ya?ml$/.test(path)) return yaml();
  if (/\.(star|py)$/.test(path)) return python();
  if (/\.(jinja|j2|jinja2|tmpl)$/.test(path)) return StreamLanguage.define(jinja2);
  return [];
}

async function pageEditor(name, file) {
  let dirs = [];
  try { dirs = await api('GET', '/api/generator-configs/'); } catch (e) { main().textContent = errText(e); return; }
  if (!name) name = dirs[0];
  if (!file) file = 'generator.yml';
  const dirSelect = h('select', { id: 'editor-dir', onchange: (ev) => { location.hash = '#/editor/' + enc(ev.target.value); } },
    dirs.map((d) => h('option', { value: d, selected: d === name }, d)));
  const tree = h('ul', { class: 'tree', id: 'file-tree' });
  const problems = h('ul', { class: 'problems', id: 'problems' });
  const previewOut = h('pre', { class: 'preview', id: 'preview' });
  const previewErr = h('pre', { class: 'preview-errors', id: 'preview-errors' });
  const count = h('input', { id: 'preview-count', type: 'number', min: 1, max: 1000, value: 5 });
  const ts = h('input', { id: 'preview-ts', placeholder: 'timestamp (ISO 8601; empty: now)', size: 26 });
  const title = h('span', { class: 'file-title', id: 'file-title' }, file);
  const host = h('div', { class: 'editor-host', id: 'editor' });
  let current = file;

  const view = new EditorView({ parent: host });
  // For scripts and the browser tests: the open editor (a CodeMirror view).
  window.eventumStudio = { editor: view };
  function load(text, path) {
    view.setState(EditorState.create({
      doc: text,
      extensions: [editorSetup, lintGutter(), languageFor(path), keymap.of([{ key: 'Mod-s', preventDefault: true, run: () => { save(); return true; } }])],
    }));
  }

  async function open(path) {
    current = path;
    title.textContent = path;
    try {
      const text = await api('GET', '/api/generator-configs/' + enc(name) + '/file/' + encPath(path));
      load(typeof text === 'string' ? text : JSON.stringify(text, null, 2), path);
      location.replace('#/editor/' + enc(name) + '/' + encPath(path));
    } catch (e) { toast(errText(e), true); }
  }

  async function refreshTree() {
    try {
      tree.replaceChildren(...renderTree(await api('GET', '/api/generator-configs/' + enc(name) + '/file-tree'), ''));
    } catch (e) { toast(errText(e), true); }
  }
  const fileOp = (f) => async () => {
    try { await f(); await refreshTree(); } catch (e) { toast(errText(e), true); }
  };
  const folder = '/api/generator-configs/' + enc(name);
  const ops = h('div', { class: 'file-ops' },
    h('button', {
      id: 'file-new', title: 'New file', onclick: fileOp(async () => {
        const p = prompt('New file (path in the folder)', 'templates/new.jinja');
        if (!p) return;
        await api('POST', folder + '/file/' + encPath(p), '', true);
        await open(p);
      }),
    }, '+ file'),
    h('button', {
      id: 'dir-new', title: 'New folder', onclick: fileOp(async () => {
        const p = prompt('New folder (path in the folder)', 'samples');
        if (p) await api('POST', folder + '/file-makedir/' + encPath(p));
      }),
    }, '+ folder'),
    h('button', {
      id: 'file-move', title: 'Rename or move the open file', onclick: fileOp(async () => {
        const p = prompt('Move ' + current + ' to', current);
        if (!p || p === current) return;
        await api('POST', folder + '/file-move?' + new URLSearchParams({ source: current, destination: p }));
        await open(p);
      }),
    }, 'move'),
    h('button', {
      id: 'file-copy', title: 'Copy the open file', onclick: fileOp(async () => {
        const p = prompt('Copy ' + current + ' to', current.replace(/(\.[^./]*)?$/, '-copy$1'));
        if (p) await api('POST', folder + '/file-copy?' + new URLSearchParams({ source: current, destination: p }));
      }),
    }, 'copy'),
    h('button', {
      id: 'file-delete', title: 'Delete the open file', onclick: fileOp(async () => {
        if (!confirm('Delete ' + current + '?')) return;
        await api('DELETE', folder + '/file/' + encPath(current));
        await open('generator.yml');
      }),
    }, 'delete'));

  function renderTree(nodes, prefix) {
    return nodes.map((n) => {
      const p = prefix ? prefix + '/' + n.name : n.name;
      if (n.is_dir) return h('li', { class: 'dir' }, h('span', {}, n.name + '/'), h('ul', {}, renderTree(n.children || [], p)));
      return h('li', {}, h('a', { href: 'javascript:void 0', 'data-path': p, onclick: () => open(p) }, n.name));
    });
  }

  function showProblems(res) {
    problems.replaceChildren(...res.problems.map((p) => h('li', { class: 'problem', 'data-file': p.file || '', 'data-line': p.line || '' },
      (p.file ? p.file + (p.line ? ':' + p.line : '') + ': ' : '') + (p.key ? p.key + ': ' : '') + p.message)));
    const doc = view.state.doc;
    const diags = res.problems.filter((p) => p.file === current && p.line > 0 && p.line <= doc.lines).map((p) => {
      const line = doc.line(p.line);
      return { from: line.from, to: line.to, severity: 'error', message: (p.key ? p.key + ': ' : '') + p.message };
    });
    view.dispatch(setDiagnostics(view.state, diags));
    problems.dataset.ok = res.ok ? 'true' : 'false';
  }

  async function preview() {
    const n = Math.max(1, Math.min(1000, Number(count.value) || 5));
    const t0 = ts.value.trim() ? Date.parse(ts.value.trim()) / 1000 : Date.now() / 1000;
    const stamps = Array.from({ length: n }, (_, i) => ({ timestamp: t0 + i }));
    try {
      const res = await api('POST', '/api/preview/' + enc(name) + '/event-plugin/produce', { timestamps: stamps });
      previewOut.textContent = res.events.join('\n');
      previewErr.textContent = res.errors.map((e) => '#' + e.index + ': ' + e.message).join('\n');
    } catch (e) {
      previewOut.textContent = '';
      previewErr.textContent = errText(e);
    }
  }

  async function save() {
    try {
      await api('PUT', '/api/generator-configs/' + enc(name) + '/file/' + encPath(current), view.state.doc.toString(), true);
    } catch (e) { toast(errText(e), true); return; }
    let res;
    try { res = await api('POST', '/api/generator-configs/' + enc(name) + '/validate'); } catch (e) { toast(errText(e), true); return; }
    showProblems(res);
    if (res.ok) {
      toast('saved ' + current);
      await preview();
    } else {
      toast(res.problems.length + ' problem(s)', true);
    }
  }

  main().replaceChildren(
    h('h2', {}, 'Editor'),
    h('div', { class: 'editor-layout' },
      h('aside', {}, dirSelect, ops, tree),
      h('section', { class: 'editor-col' },
        h('div', { class: 'toolbar' }, title, h('span', { class: 'spacer' }),
          h('button', { id: 'save', onclick: save, title: 'Ctrl+S' }, 'Save & validate')),
        host, problems),
      h('section', { class: 'preview-col' },
        h('div', { class: 'toolbar' }, h('label', {}, 'Events ', count), ts, h('button', { id: 'preview-run', onclick: preview }, 'Preview')),
        previewOut, previewErr)));
  load('', file);
  if (!name) { main().append(h('p', {}, 'No generator folders.')); return; }
  await refreshTree();
  await open(file);
  preview();
  onLeave(() => view.destroy());
}

// ---- Time patterns ----

async function pageTimeline(name) {
  let dirs = [];
  try { dirs = await api('GET', '/api/generator-configs/'); } catch (e) { main().textContent = errText(e); return; }
  if (!name) name = dirs.includes('time-patterns') ? 'time-patterns' : dirs[0];
  const dirSelect = h('select', { id: 'timeline-dir' }, dirs.map((d) => h('option', { value: d, selected: d === name }, d)));
  const size = h('input', { id: 'timeline-size', type: 'number', value: 300000, min: 1 });
  const span = h('input', { id: 'timeline-span', placeholder: 'span: auto (1h, 15m…)', size: 16 });
  const skip = h('input', { type: 'checkbox', id: 'timeline-skip' });
  const from = h('input', { id: 'timeline-from', placeholder: 'from (ISO 8601)', size: 20 });
  const to = h('input', { id: 'timeline-to', placeholder: 'to (ISO 8601)', size: 20 });
  const chart = h('div', { id: 'timeline-chart', class: 'chart' });
  const info = h('p', { id: 'timeline-info', class: 'muted' });
  let plot = null;
  async function draw() {
    const q = new URLSearchParams({ size: size.value, skip_past: skip.checked ? 'true' : 'false' });
    if (span.value.trim()) q.set('span', span.value.trim());
    if (from.value.trim()) q.set('start', from.value.trim());
    if (to.value.trim()) q.set('end', to.value.trim());
    let res;
    try {
      res = await api('POST', '/api/preview/' + enc(dirSelect.value) + '/input-plugins/generate?' + q, null);
    } catch (e) { info.textContent = errText(e); return; }
    info.textContent = fmt(res.total) + ' timestamps' + (res.truncated ? ' (first ' + fmt(res.total) + ' only)' : '') +
      (res.span_seconds ? ', ' + res.span_seconds + ' s per bar' : '') +
      (res.first_timestamps ? ', ' + res.first_timestamps + ' → ' + res.last_timestamps : '');
    if (plot) { plot.destroy(); plot = null; }
    if (!res.total) return;
    const xs = res.span_edges.slice(0, -1).map((d) => Date.parse(d) / 1000);
    const keys = Object.keys(res.span_counts).sort((a, b) => a - b);
    const palette = ['#2a9d8f', '#e36b2c', '#6a4c93', '#f2b705', '#9eb3c2', '#8ab17d'];
    // Stacked: each series is the running sum, filled down to the previous one.
    const stacked = [];
    let acc = new Array(xs.length).fill(0);
    for (const k of keys) {
      acc = acc.map((v, i) => v + (res.span_counts[k][i] || 0));
      stacked.push(acc.slice());
    }
    const series = [{}].concat(keys.map((k, i) => ({
      label: res.labels[Number(k)] || k, stroke: palette[i % palette.length], fill: palette[i % palette.length] + '99',
      paths: uPlot.paths.stepped({ align: 1 }), points: { show: false },
    })));
    const bands = keys.slice(1).map((_, i) => ({ series: [i + 2, i + 1] }));
    plot = new uPlot({
      width: Math.max(600, chart.clientWidth || 900), height: 360, series, bands,
      axes: [{}, { label: 'events per span' }], scales: { x: { time: true } },
    }, [xs].concat(stacked), chart);
  }
  main().replaceChildren(
    h('h2', {}, 'Time patterns / inputs'),
    h('div', { class: 'toolbar' }, h('label', {}, 'Generator ', dirSelect), h('label', {}, 'Timestamps ', size), span,
      from, to, h('label', {}, skip, ' skip past'), h('button', { id: 'timeline-draw', onclick: draw }, 'Draw')),
    chart, info);
  await draw();
  onLeave(() => plot && plot.destroy());
}

// ---- Secrets ----

async function pageSecrets() {
  const list = h('ul', { id: 'secrets', class: 'plain' });
  const name = h('input', { id: 'secret-name', placeholder: 'name' });
  const value = h('input', { id: 'secret-value', type: 'password', placeholder: 'value', autocomplete: 'off' });
  async function refresh() {
    try {
      const names = await api('GET', '/api/secrets/');
      list.replaceChildren(...names.map((n) => h('li', { 'data-secret': n }, h('code', {}, n), ' ',
        h('button', { onclick: async () => { try { await api('DELETE', '/api/secrets/' + enc(n)); refresh(); } catch (e) { toast(errText(e), true); } } }, 'Delete'))));
      if (!names.length) list.replaceChildren(h('li', { class: 'muted' }, 'No secrets stored.'));
    } catch (e) { list.replaceChildren(h('li', { class: 'error' }, errText(e))); }
  }
  main().replaceChildren(h('h2', {}, 'Secrets'),
    h('p', { class: 'muted' }, 'Names only: values are write-only. Use them as ${secrets.name} in configs.'),
    list,
    h('div', { class: 'toolbar' }, name, value, h('button', {
      id: 'secret-set', onclick: async () => {
        try { await api('PUT', '/api/secrets/' + enc(name.value), value.value); value.value = ''; refresh(); } catch (e) { toast(errText(e), true); }
      },
    }, 'Set')));
  await refresh();
}

// ---- Instance ----

async function pageInstance() {
  const info = h('table', { class: 'grid kv', id: 'instance-info' });
  const settings = h('textarea', { id: 'settings', rows: 24, spellcheck: 'false' });
  const msg = h('pre', { id: 'settings-result', class: 'preview-errors' });
  main().replaceChildren(h('h2', {}, 'Instance'), info,
    h('h3', {}, 'Settings'),
    h('p', { class: 'muted' }, 'Saved to the application config file after validation; they take effect when the instance restarts. Credentials are never shown; leave them out to keep them.'),
    settings,
    h('div', { class: 'toolbar' },
      h('button', {
        id: 'settings-save', onclick: async () => {
          msg.textContent = '';
          let body;
          try { body = JSON.parse(settings.value); } catch (e) { msg.textContent = 'not JSON: ' + e.message; return; }
          try { await api('PUT', '/api/instance/settings', body); toast('settings saved: restart to apply'); } catch (e) { msg.textContent = errText(e); }
        },
      }, 'Save settings'),
      h('button', {
        id: 'instance-restart', onclick: async () => {
          try { await api('POST', '/api/instance/restart'); toast('generators reloaded from the startup file'); } catch (e) { toast(errText(e), true); }
        },
      }, 'Reload startup file'),
      h('button', { id: 'logout', onclick: async () => { try { await api('POST', '/api/auth/logout'); } catch (e) { /* ignore */ } location.href = base + '/login'; } }, 'Log out')),
    msg);
  try {
    const i = await api('GET', '/api/instance/info');
    info.replaceChildren(...Object.entries(i).map(([k, v]) => h('tr', {}, h('th', {}, k), h('td', {}, typeof v === 'object' ? JSON.stringify(v) : String(v)))));
    settings.value = JSON.stringify(await api('GET', '/api/instance/settings'), null, 2);
  } catch (e) { toast(errText(e), true); }
}

// ---- Logs ----

function pageLogs() {
  const out = h('pre', { id: 'logs', class: 'logs' });
  main().replaceChildren(h('h2', {}, 'Logs'), out);
  const es = new EventSource(base + '/api/instance/logs/main', { withCredentials: true });
  const add = (line, cls) => {
    out.append(h('div', { class: cls }, line));
    while (out.childNodes.length > 1000) out.firstChild.remove();
    out.scrollTop = out.scrollHeight;
  };
  es.addEventListener('log', (ev) => {
    const r = JSON.parse(ev.data);
    const attrs = r.attrs ? Object.entries(r.attrs).map(([k, v]) => k + '=' + (typeof v === 'string' ? v : JSON.stringify(v))).join(' ') : '';
    add(r.time.replace('T', ' ').slice(0, 23) + ' ' + r.level.padEnd(5) + ' ' + r.msg + (attrs ? ' ' + attrs : ''), 'lvl-' + r.level.toLowerCase());
  });
  es.addEventListener('dropped', (ev) => add('… ' + ev.data + ' records dropped (slow reader)', 'lvl-warn'));
  onLeave(() => es.close());
}

// ---- Router ----

const pages = {
  generators: pageGenerators,
  scenarios: pageScenarios,
  editor: pageEditor,
  timeline: pageTimeline,
  secrets: pageSecrets,
  instance: pageInstance,
  logs: pageLogs,
};

async function route() {
  for (const f of cleanups.splice(0)) { try { f(); } catch (e) { /* page gone */ } }
  const parts = location.hash.replace(/^#\/?/, '').split('/');
  const page = pages[parts[0]] ? parts[0] : 'generators';
  const args = [parts[1] ? decodeURIComponent(parts[1]) : undefined, parts.length > 2 ? parts.slice(2).map(decodeURIComponent).join('/') : undefined];
  for (const a of document.querySelectorAll('#nav a')) a.classList.toggle('active', a.dataset.page === page);
  try { await pages[page](...args); } catch (e) { main().replaceChildren(h('p', { class: 'error' }, errText(e))); }
}

let lastPage = '';
window.addEventListener('hashchange', () => {
  // Opening a file of the same folder only rewrites the hash: no reload.
  const page = location.hash.split('/').slice(0, 3).join('/');
  if (location.hash.startsWith('#/editor/') && lastPage.startsWith('#/editor/') && page.split('/')[2] === lastPage.split('/')[2]) return;
  lastPage = page;
  route();
});

(async function start() {
  try {
    const s = await api('GET', '/api/auth/session');
    csrf = s.csrf_token || '';
    document.getElementById('who').textContent = s.auth_required ? (s.user || 'signed in') : 'local (no credentials configured)';
  } catch (e) { /* 401 already went to /login */ }
  lastPage = location.hash.split('/').slice(0, 3).join('/');
  route();
})();
