// The statestore web UI: read-only pages over /ui/api/, everything from this server.
'use strict';

const TOKEN_KEY = 'statestore-token';
const PAGE_SIZE = 200;
const main = document.getElementById('main');
const crumbs = document.getElementById('crumbs');

// ---- small DOM helpers: text only, never HTML from data ----

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (key === 'class') node.className = value;
    else if (key.startsWith('on')) node.addEventListener(key.substring(2), value);
    else node.setAttribute(key, value);
  }
  for (const child of children) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function pill(text) {
  return el('span', { class: 'pill ' + text }, text);
}

function enc(text) {
  return encodeURIComponent(text);
}

function link(hash, text) {
  return el('a', { href: hash }, text);
}

function setCrumbs(...parts) {
  crumbs.replaceChildren();
  parts.forEach((part, i) => {
    if (i > 0) crumbs.append(el('span', { class: 'sep' }, '/'));
    crumbs.append(part);
  });
}

// ---- the token, kept for this tab only ----

function token() {
  return sessionStorage.getItem(TOKEN_KEY);
}

function showLogin(message) {
  setCrumbs();
  document.getElementById('signout').hidden = true;
  main.replaceChildren(document.getElementById('login').content.cloneNode(true));
  const error = document.getElementById('login-error');
  if (message) {
    error.textContent = message;
    error.hidden = false;
  }
  document.getElementById('login-form').addEventListener('submit', event => {
    event.preventDefault();
    sessionStorage.setItem(TOKEN_KEY, document.getElementById('token').value.trim());
    route();
  });
}

class Unauthorized extends Error {}

async function api(path) {
  const response = await fetch('/ui/api/' + path, { headers: { Authorization: 'Bearer ' + token() } });
  if (response.status === 401) {
    sessionStorage.removeItem(TOKEN_KEY);
    throw new Unauthorized('that token was refused');
  }
  const body = await response.json().catch(() => null);
  if (!response.ok) {
    throw new Error((body && body.message) || ('the server answered ' + response.status));
  }
  return body;
}

// ---- pages ----

async function stacksPage() {
  setCrumbs();
  const stacks = await api('stacks');
  const cards = el('div', { class: 'grid' });
  for (const stack of stacks) {
    for (const stage of stack.stages) {
      const counts = el('div', { class: 'counts' });
      for (const [status, n] of Object.entries(stage.counts)) counts.append(el('span', {}, pill(status), ' ', n));
      cards.append(el('div', { class: 'card stage-card' },
        el('h2', {}, link('#/s/' + enc(stack.stack) + '/' + enc(stage.stage), stack.stack + ' / ' + stage.stage)),
        el('div', { class: 'muted' }, stage.total + ' resources'),
        counts,
        stage.live ? el('div', {}, pill('open'), ' deployment ' + stage.live.version + ' by ' + stage.live.who
          + ' since ' + stage.live.startedAt) : null));
    }
  }
  main.replaceChildren(el('h1', {}, 'Stacks'), stacks.length ? cards : el('p', { class: 'muted' }, 'no state yet'));
}

function stageCrumbs(stack, stage) {
  setCrumbs(link('#/', 'stacks'), link('#/s/' + enc(stack) + '/' + enc(stage), stack + ' / ' + stage));
}

async function stagePage(stack, stage, tab) {
  stageCrumbs(stack, stage);
  const data = await api('stacks/' + enc(stack) + '/stages/' + enc(stage));
  const counts = el('div', { class: 'counts' });
  for (const [status, n] of Object.entries(data.counts)) counts.append(el('span', {}, pill(status), ' ', n));
  const tabs = el('div', { class: 'tabs' });
  const body = el('div', {});
  const base = '#/s/' + enc(stack) + '/' + enc(stage);
  for (const [name, label] of [['resources', 'Resources'], ['graph', 'Graph'], ['deployments', 'Deployments']]) {
    tabs.append(el('button', { type: 'button', class: name === tab ? 'active' : '', 'data-tab': name,
      onclick: () => { location.hash = base + (name === 'resources' ? '' : '/' + name); } }, label));
  }
  main.replaceChildren(el('h1', {}, stack + ' / ' + stage), counts,
    el('p', { class: 'muted' }, data.live ? 'deployment ' + data.live.version + ' is live (' + data.live.who + ')'
      : 'no deployment is live'),
    tabs, body);
  if (tab === 'graph') graph(body, data, stack, stage);
  else if (tab === 'deployments') await deployments(body, stack, stage);
  else resourceTable(body, data, stack, stage);
}

function resourceTable(body, data, stack, stage) {
  const state = { filter: '', status: '', sort: 'fqn', asc: true, page: 0 };
  const filter = el('input', { id: 'filter', type: 'search', placeholder: 'filter by fqn or type' });
  const status = el('select', { id: 'status-filter' }, el('option', { value: '' }, 'every status'));
  Object.keys(data.counts).forEach(s => status.append(el('option', { value: s }, s)));
  const info = el('span', { id: 'table-info', class: 'muted' });
  const table = el('table', { id: 'resources' });
  const pager = el('div', { class: 'pager' });
  body.replaceChildren(el('div', { class: 'card' }, el('div', { class: 'toolbar' }, filter, status, info), table, pager));
  const columns = [['fqn', 'FQN'], ['type', 'TYPE'], ['status', 'STATUS'], ['version', 'VERSION'], ['updatedAt', 'UPDATED']];

  function render() {
    const started = performance.now();
    const needle = state.filter.toLowerCase();
    let rows = data.records.filter(r => (!state.status || r.status === state.status)
      && (!needle || r.fqn.toLowerCase().includes(needle) || r.type.toLowerCase().includes(needle)));
    rows.sort((a, b) => {
      const x = a[state.sort], y = b[state.sort];
      const order = typeof x === 'number' ? x - y : String(x).localeCompare(String(y));
      return state.asc ? order : -order;
    });
    const pages = Math.max(1, Math.ceil(rows.length / PAGE_SIZE));
    state.page = Math.min(state.page, pages - 1);
    const shown = rows.slice(state.page * PAGE_SIZE, (state.page + 1) * PAGE_SIZE);
    const head = el('tr', {});
    for (const [key, label] of columns) {
      head.append(el('th', { class: key === state.sort ? 'sorted' + (state.asc ? ' asc' : '') : '', 'data-column': key,
        onclick: () => { state.asc = state.sort === key ? !state.asc : true; state.sort = key; render(); } }, label));
    }
    const tbody = el('tbody', {});
    for (const r of shown) {
      tbody.append(el('tr', { class: r.intermediate ? 'intermediate' : '', 'data-fqn': r.fqn },
        el('td', {}, link('#/r/' + enc(stack) + '/' + enc(stage) + '/' + enc(r.fqn), r.fqn)),
        el('td', {}, r.type), el('td', {}, pill(r.status)), el('td', {}, r.version), el('td', {}, r.updatedAt)));
    }
    table.replaceChildren(el('thead', {}, head), tbody);
    pager.replaceChildren(
      el('button', { type: 'button', class: 'plain', onclick: () => { state.page--; render(); } }, '‹ previous'),
      el('span', { class: 'muted' }, 'page ' + (state.page + 1) + ' of ' + pages),
      el('button', { type: 'button', class: 'plain', onclick: () => { state.page++; render(); } }, 'next ›'));
    pager.firstChild.disabled = state.page === 0;
    pager.lastChild.disabled = state.page >= pages - 1;
    const millis = performance.now() - started;
    info.textContent = rows.length + ' of ' + data.records.length + ' resources, rendered in ' + millis.toFixed(1) + ' ms';
    window.statestoreRender = { rows: rows.length, shown: shown.length, millis };
  }
  filter.addEventListener('input', () => { state.filter = filter.value; state.page = 0; render(); });
  status.addEventListener('change', () => { state.status = status.value; state.page = 0; render(); });
  render();
}

const STATUS_COLORS = {
  created: '#2e9d5b', updated: '#2e7d9d', creating: '#e0a100', updating: '#e0a100', deleting: '#d2452b',
  replacing: '#b35bd6', replaced: '#8a6bd6', running: '#e0a100', ran: '#2e9d5b'
};

function graph(body, data, stack, stage) {
  const container = el('div', { id: 'graph' });
  body.replaceChildren(el('p', { class: 'muted' }, 'An arrow goes from a resource to each one its downstream names. '
    + 'Drag to pan, scroll to zoom, click a resource to open it.'), container);
  const known = new Set(data.records.map(r => r.fqn));
  const elements = [];
  for (const r of data.records) {
    elements.push({ data: { id: r.fqn, label: r.fqn.split('/').pop(), status: r.status }, classes: 'resource' });
  }
  const missing = new Set();
  for (const r of data.records) {
    for (const target of r.downstream) {
      if (!known.has(target) && !missing.has(target)) {
        missing.add(target);
        elements.push({ data: { id: target, label: target.split('/').pop() + ' (missing)' }, classes: 'missing' });
      }
      elements.push({ data: { id: r.fqn + '\u0000' + target, source: r.fqn, target } });
    }
  }
  const cy = cytoscape({
    container,
    elements,
    wheelSensitivity: 0.3,
    style: [
      { selector: 'node', style: { label: 'data(label)', 'font-size': 10, 'text-valign': 'bottom', 'text-margin-y': 3,
        width: 14, height: 14, 'background-color': '#6b7385' } },
      ...Object.entries(STATUS_COLORS).map(([status, color]) => (
        { selector: 'node[status = "' + status + '"]', style: { 'background-color': color } })),
      { selector: 'node.missing', style: { 'background-color': '#fff', 'border-width': 2, 'border-color': '#d2452b' } },
      { selector: 'edge', style: { width: 1, 'line-color': '#b8bfcc', 'target-arrow-color': '#b8bfcc',
        'target-arrow-shape': 'triangle', 'curve-style': 'straight', 'arrow-scale': 0.6 } }
    ],
    layout: { name: 'breadthfirst', directed: true, spacingFactor: 0.9, avoidOverlap: true }
  });
  cy.on('tap', 'node.resource', event => {
    location.hash = '#/r/' + enc(stack) + '/' + enc(stage) + '/' + enc(event.target.id());
  });
  window.statestoreGraph = cy;
}

async function deployments(body, stack, stage) {
  const list = await api('stacks/' + enc(stack) + '/stages/' + enc(stage) + '/deployments');
  const table = el('table', { id: 'deployments' },
    el('thead', {}, el('tr', {}, ...['VERSION', 'COMMAND', 'WHO', 'STARTED', 'OUTCOME', 'COUNTS'].map(h => el('th', {}, h)))));
  const tbody = el('tbody', {});
  for (const d of list) {
    tbody.append(el('tr', {},
      el('td', {}, link('#/d/' + enc(stack) + '/' + enc(stage) + '/' + d.version, String(d.version))),
      el('td', {}, d.command + (d.note ? ' (' + d.note + ')' : '')), el('td', {}, d.who), el('td', {}, d.startedAt),
      el('td', {}, pill(d.outcome)),
      el('td', {}, Object.entries(d.counts).map(([k, v]) => k + ' ' + v).join(', '))));
  }
  table.append(tbody);
  body.replaceChildren(el('div', { class: 'card' }, list.length ? table : el('p', { class: 'muted' }, 'no deployments')));
}

function value(v) {
  return v === undefined ? '(absent)' : JSON.stringify(v);
}

function fieldList(fields) {
  const list = el('ul', { class: 'diff' });
  for (const f of fields) {
    list.append(el('li', {}, el('code', {}, f.path || '/'), ': ',
      f.secret ? '(secret changed)' : value(f.before) + ' → ' + value(f.after)));
  }
  return list;
}

async function deploymentPage(stack, stage, version) {
  stageCrumbs(stack, stage);
  crumbs.append(el('span', { class: 'sep' }, '/'), 'deployment ' + version);
  const d = await api('stacks/' + enc(stack) + '/stages/' + enc(stage) + '/deployments/' + enc(version));
  const body = el('div', { class: 'card' });
  body.append(el('p', {}, pill(d.outcome), ' ', d.command, ' by ', d.who || 'unknown', ', started ', d.startedAt,
    d.endedAt ? ', ended ' + d.endedAt : ''));
  const changes = el('ul', {});
  for (const c of d.changes) {
    changes.append(el('li', {}, c.deleted ? 'deleted ' : 'wrote ',
      link('#/r/' + enc(stack) + '/' + enc(stage) + '/' + enc(c.fqn), c.fqn), ' (version ' + c.version + ')'));
  }
  body.append(el('h2', {}, 'Changes'), d.changes.length ? changes : el('p', { class: 'muted' }, 'none kept'));
  if (d.diff) {
    const diff = el('div', { class: 'diff', id: 'deployment-diff' });
    for (const entry of d.diff.records) {
      diff.append(el('div', { class: entry.kind }, (entry.kind === 'added' ? '+ ' : entry.kind === 'removed' ? '- ' : '~ ')
        + entry.fqn), fieldList(entry.fields));
    }
    body.append(el('h2', {}, 'Diff from deployment ' + (version - 1)), diff);
  }
  main.replaceChildren(el('h1', {}, 'Deployment ' + version), body);
}

async function resourcePage(stack, stage, fqn) {
  stageCrumbs(stack, stage);
  crumbs.append(el('span', { class: 'sep' }, '/'), fqn);
  const r = await api('stacks/' + enc(stack) + '/stages/' + enc(stage) + '/resource?fqn=' + enc(fqn));
  const doc = r.document;
  const sections = el('div', { class: 'card', id: 'document' });
  sections.append(el('p', {}, pill(doc.status), ' ', doc.resourceType || doc.actionType || '', ' · version ' + r.version
    + ' · updated ' + r.updatedAt));
  for (const field of ['props', 'attr', 'bindings', 'old']) {
    if (doc[field] === undefined) continue;
    const details = el('details', { 'data-field': field }, el('summary', {}, field),
      el('pre', {}, JSON.stringify(doc[field], null, 2)));
    details.open = field !== 'old';
    sections.append(details);
  }
  sections.append(el('details', { 'data-field': 'document' }, el('summary', {}, 'whole document'),
    el('pre', {}, JSON.stringify(doc, null, 2))));
  const history = el('div', { class: 'card', id: 'history' }, el('h2', {}, 'History'));
  if (r.changes.length === 0) {
    history.append(el('p', { class: 'muted' }, 'no changes kept'));
  } else {
    const versions = r.changes.filter(c => !c.deleted).map(c => c.version);
    const from = el('select', { id: 'diff-from' });
    const to = el('select', { id: 'diff-to' });
    versions.forEach((v, i) => {
      from.append(el('option', { value: v }, 'version ' + v));
      to.append(el('option', { value: v }, 'version ' + v));
      if (i === 1) from.value = String(v);
    });
    const result = el('div', { id: 'diff-result' });
    const show = el('button', { type: 'button', id: 'diff-show', onclick: async () => {
      const diff = await api('stacks/' + enc(stack) + '/stages/' + enc(stage) + '/resource-diff?fqn=' + enc(fqn)
        + '&from=' + from.value + '&to=' + to.value);
      result.replaceChildren(diff.fields.length ? fieldList(diff.fields) : el('p', { class: 'muted' }, 'no differences'));
    } }, 'diff');
    const rows = el('tbody', {});
    for (const c of r.changes) {
      rows.append(el('tr', {}, el('td', {}, c.version), el('td', {}, c.deleted ? 'delete' : c.status),
        el('td', {}, c.deployment ? link('#/d/' + enc(stack) + '/' + enc(stage) + '/' + c.deployment, String(c.deployment)) : '-'),
        el('td', {}, c.who || '-'), el('td', {}, c.at)));
    }
    history.append(el('table', {}, el('thead', {}, el('tr', {}, ...['VERSION', 'CHANGE', 'DEPLOYMENT', 'WHO', 'AT']
      .map(h => el('th', {}, h)))), rows));
    if (versions.length > 1) history.append(el('div', { class: 'toolbar' }, from, to, show), result);
  }
  main.replaceChildren(el('h1', {}, fqn), sections, history);
}

// ---- routing ----

async function route() {
  if (!token()) {
    showLogin();
    return;
  }
  document.getElementById('signout').hidden = false;
  const parts = location.hash.replace(/^#\/?/, '').split('/').map(decodeURIComponent);
  try {
    if (parts[0] === 's' && parts.length >= 3) await stagePage(parts[1], parts[2], parts[3] || 'resources');
    else if (parts[0] === 'r' && parts.length >= 4) await resourcePage(parts[1], parts[2], parts.slice(3).join('/'));
    else if (parts[0] === 'd' && parts.length === 4) await deploymentPage(parts[1], parts[2], Number(parts[3]));
    else await stacksPage();
  } catch (e) {
    if (e instanceof Unauthorized) showLogin(e.message);
    else main.replaceChildren(el('p', { class: 'error', id: 'page-error' }, e.message));
  }
}

document.getElementById('signout').addEventListener('click', () => {
  sessionStorage.removeItem(TOKEN_KEY);
  route();
});
window.addEventListener('hashchange', route);
route();
