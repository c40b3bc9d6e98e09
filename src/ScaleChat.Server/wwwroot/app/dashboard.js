// The live dashboard: polls /api/stats every second and charts the last two minutes, one line
// per node when several run. Fields the server does not report show "–".
import { LineChart, clockTime, powerOfTwoCeiling } from './chart.js';
import { $, h, setText } from './dom.js';

const INTERVAL_MS = 1000;

/** The first of `paths` ("a.b.c") that leads to a number in `o`, else undefined. */
export function pick(o, ...paths) {
  for (const path of paths) {
    let v = o;
    for (const part of path.split('.')) v = v === null || v === undefined ? undefined : v[part];
    if (typeof v === 'number' && Number.isFinite(v)) return v;
  }
  return undefined;
}

// Each figure, with the names the stats snapshot may give it.
const FIELDS = {
  connections: s => pick(s, 'connections.total', 'connections.active', 'connections', 'connectionCount'),
  inPerSecond: s => pick(s, 'messages.inPerSecond', 'messages.receivedPerSecond', 'messagesInPerSecond', 'inPerSecond'),
  outPerSecond: s => pick(s, 'messages.outPerSecond', 'messages.sentPerSecond', 'messagesOutPerSecond', 'outPerSecond'),
  deliveredPerSecond: s => pick(s, 'messages.deliveredPerSecond', 'deliveredPerSecond'),
  p50Ms: s => pick(s, 'latency.delivery.p50Ms', 'latency.fanOut.p50Ms', 'latency.p50Ms'),
  p99Ms: s => pick(s, 'latency.delivery.p99Ms', 'latency.fanOut.p99Ms', 'latency.p99Ms'),
  queueBytes: s => pick(s, 'sendQueue.bytes', 'sendQueue.totalBytes', 'sendQueueBytes'),
  queueMaxBytes: s => pick(s, 'sendQueue.maxBytes', 'sendQueueMaxBytes'),
  slowDisconnects: s => pick(s, 'sendQueue.slowDisconnects', 'slowDisconnects'),
  slowReported: s => pick(s, 'sendQueue.slowDisconnectsPerSecond', 'slowDisconnectsPerSecond'),
  rateLimited: s => pick(s, 'errors.rateLimited', 'rateLimited'),
  rooms: s => pick(s, 'rooms', 'roomCount'),
  users: s => pick(s, 'users', 'userCount'),
  cpuPercent: s => pick(s, 'process.cpuPercent', 'cpuPercent', 'cpu.percent'),
  workingSetBytes: s => pick(s, 'process.workingSetBytes', 'workingSetBytes', 'memory.workingSetBytes'),
  uptimeSeconds: s => pick(s, 'uptimeSeconds', 'process.uptimeSeconds', 'uptime'),
};

const number = v => (v === undefined ? '–' : v >= 100 || Number.isInteger(v) ? Math.round(v).toLocaleString('en') : v.toFixed(1));
const ms = v => (v === undefined ? '–' : v < 1 ? `${(v * 1000).toFixed(0)} µs` : `${v.toFixed(v < 10 ? 2 : 0)} ms`);
const percent = v => (v === undefined ? '–' : `${v.toFixed(0)} %`);
function bytes(v) {
  if (v === undefined) return '–';
  const units = ['B', 'KiB', 'MiB', 'GiB'];
  let i = 0;
  while (v >= 1024 && i < units.length - 1) { v /= 1024; i++; }
  return `${v.toFixed(v >= 10 || i === 0 ? 0 : 1)} ${units[i]}`;
}
function duration(v) {
  if (v === undefined) return '–';
  const s = Math.floor(v);
  return s < 60 ? `${s} s` : s < 3600 ? `${Math.floor(s / 60)} min` : `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

// Which latency: the server's own part of a delivery, not what a client sees over the network.
const SERVER_LATENCY = 'Time inside the server from receiving a message to queuing it for each recipient; the network and the clients add to it.';
const TILES = [
  ['connections', 'Connections', number],
  ['inPerSecond', 'In /s', number],
  ['outPerSecond', 'Out /s', number],
  ['p99Ms', 'Server delivery p99', ms, SERVER_LATENCY],
  ['queueBytes', 'Send queues', bytes],
  ['slowDisconnects', 'Slow disconnects', number],
  ['rooms', 'Rooms', number],
  ['users', 'Users', number],
  ['cpuPercent', 'CPU', percent],
  ['workingSetBytes', 'Memory', bytes],
];

// Each chart: a title, the figures it draws, how to print them.
const CHARTS = [
  ['Connections', ['connections'], number],
  ['Messages per second', ['inPerSecond', 'outPerSecond', 'deliveredPerSecond'], number],
  ['Delivery latency inside the server', ['p50Ms', 'p99Ms'], ms],
  ['Send-queue pressure', ['queueBytes', 'queueMaxBytes'], bytes],
  ['Slow disconnects per second', ['slowPerSecond'], number],
  ['CPU', ['cpuPercent'], percent],
  ['Memory (working set)', ['workingSetBytes'], bytes],
  ['Rooms and users', ['rooms', 'users'], number],
];
// The smallest top of the y axis per kind of figure: 4 KiB, 1 ms, 4 %, 4 (counts).
const LEAST = new Map([[bytes, 4096], [ms, 1], [percent, 4], [number, 4]]);
const SERIES_NAMES = {
  connections: 'connections', inPerSecond: 'in', outPerSecond: 'out', deliveredPerSecond: 'delivered',
  p50Ms: 'p50', p99Ms: 'p99', queueBytes: 'total', queueMaxBytes: 'largest', slowPerSecond: 'slow',
  cpuPercent: 'cpu', workingSetBytes: 'working set', rooms: 'rooms', users: 'users',
};

const tiles = new Map();
const charts = [];
const previousSlow = new Map(); // node → {count, at}

function build() {
  for (const [key, label, , about] of TILES) {
    const value = h('div', { class: 'value' }, '–');
    tiles.set(key, value);
    $('tiles').append(h('div', { class: 'tile', id: `tile-${key}`, title: about ?? null },
      h('div', { class: 'label' }, label), value, about ? h('div', { class: 'about' }, 'in the server, not the network') : null));
  }
  for (const [title, keys, format] of CHARTS) {
    const box = h('div', { class: 'chart', 'data-chart': keys[0] }, h('h2', {}, title));
    $('charts').append(box);
    charts.push({ keys, chart: new LineChart(box, { title, format, least: LEAST.get(format), nice: format === bytes ? powerOfTwoCeiling : undefined }) });
  }
}

let lastAnswer = null; // when the server last answered

/** The server did not answer: the figures of the moment are no longer true; say since when. */
function markStale(why) {
  $('tiles').dataset.stale = 'true';
  const status = $('status');
  status.dataset.state = 'down';
  setText(status, `No answer from the server (${why})${lastAnswer ? `; figures as of ${clockTime(lastAnswer)}` : ''}; retrying every second`);
}

/**
 * One entry per node: the snapshot's `nodes`, or the snapshot itself for a single node. The node
 * that answered is described in full by the snapshot; the others by their summaries.
 */
function nodesOf(snapshot) {
  const nodes = Array.isArray(snapshot.nodes) && snapshot.nodes.length > 0 ? snapshot.nodes : [snapshot];
  return nodes.map((n, i) => {
    const id = String(n.node ?? n.nodeId ?? n.id ?? snapshot.node ?? `node ${i + 1}`);
    return { id, figures: figuresOf(id === snapshot.node || nodes.length === 1 ? { ...n, ...snapshot } : n) };
  });
}

function figuresOf(s) {
  return Object.fromEntries(Object.entries(FIELDS).map(([key, get]) => [key, get(s)]));
}

function slowPerSecond(node, count, now) {
  const before = previousSlow.get(node);
  previousSlow.set(node, { count, at: now });
  if (count === undefined || !before || before.count === undefined) return undefined;
  return Math.max(0, (count - before.count) / ((now - before.at) / 1000));
}

function sum(nodes, key) {
  const values = nodes.map(n => n.figures[key]).filter(v => v !== undefined);
  return values.length ? values.reduce((a, b) => a + b, 0) : undefined;
}

function max(nodes, key) {
  const values = nodes.map(n => n.figures[key]).filter(v => v !== undefined);
  return values.length ? Math.max(...values) : undefined;
}

function render(snapshot, live = true) {
  const nodes = nodesOf(snapshot);
  const now = performance.now();
  for (const n of nodes) n.figures.slowPerSecond = n.figures.slowReported ?? slowPerSecond(n.id, n.figures.slowDisconnects, now);
  const whole = figuresOf(snapshot);
  for (const [key, , format] of TILES) {
    // Prefer the snapshot's own total; add up the nodes when it has none.
    const v = whole[key] ?? (key === 'p99Ms' ? max(nodes, key) : sum(nodes, key));
    setText(tiles.get(key), format(v));
    tiles.get(key).dataset.value = v ?? '';
  }
  const many = nodes.length > 1;
  for (const { keys, chart } of charts) {
    const values = {};
    for (const n of nodes) {
      for (const key of keys) values[many ? `${n.id} ${SERIES_NAMES[key]}` : SERIES_NAMES[key]] = n.figures[key];
    }
    chart.push(values, Date.parse(snapshot.time) || Date.now(), live);
  }
  if (!live) return;
  const f = n => n.figures;
  $('nodes').tBodies[0].replaceChildren(...nodes.map(n => h('tr', {},
    h('td', {}, n.id), h('td', {}, number(f(n).connections)), h('td', {}, number(f(n).inPerSecond)),
    h('td', {}, number(f(n).outPerSecond)), h('td', {}, ms(f(n).p99Ms)), h('td', {}, bytes(f(n).queueBytes)),
    h('td', {}, percent(f(n).cpuPercent)), h('td', {}, bytes(f(n).workingSetBytes)), h('td', {}, duration(f(n).uptimeSeconds)))));
  lastAnswer = Date.now();
  delete $('tiles').dataset.stale;
  const status = $('status');
  status.dataset.state = 'connected';
  setText(status, `Live: ${nodes.length} node${many ? 's' : ''}, updated ${clockTime(lastAnswer)}`);
}

/** The server's last two minutes of samples, so the charts do not start empty. */
async function loadRecent() {
  try {
    const response = await fetch('api/stats/recent', { cache: 'no-store' });
    if (!response.ok) return;
    const recent = await response.json();
    if (Array.isArray(recent)) recent.forEach(snapshot => render(snapshot, false));
  } catch {
    // The live poll says what is wrong.
  }
}

async function poll() {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), 2 * INTERVAL_MS);
  try {
    const response = await fetch('api/stats', { cache: 'no-store', signal: controller.signal });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    render(await response.json());
  } catch (e) {
    markStale(e.message);
    for (const { chart } of charts) chart.push({});
  } finally {
    clearTimeout(timer);
  }
}

build();
loadRecent().then(() => {
  poll();
  setInterval(poll, INTERVAL_MS);
});
