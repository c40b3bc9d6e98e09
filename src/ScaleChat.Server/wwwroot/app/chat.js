// The chat page: a name (or a sign-in token), rooms with unread counts, private conversations,
// who is online, history on scroll-up and a connection that comes back by itself.
import { ChatConnection, NAME_RULE, serverUrl, tokenClaims } from './connection.js';
import { $, h, linkify, setText, shortTime } from './dom.js';
import { describeError } from './errors.js';

const PAGE_SIZE = 50;
// Messages kept on the page per conversation; older ones come back from history on scroll.
const MAX_SHOWN = 200;
const ERROR_SHOWN_MS = 8000;
// This tab's session (sessionStorage): the name, the rooms and private conversations open, the one
// in view; a reload carries on with them.
const SESSION_KEY = 'scalechat.session';
const NAME_KEY = 'scalechat.name';
// Kept for the tab's life only (sessionStorage): the token from the link, and per name the key
// that lets this tab's next connection (a reconnect, a reload) share the name it holds.
const TOKEN_KEY = 'scalechat.token';
const nameKeyKey = name => `scalechat.nameKey:${name}`;

const convs = new Map(); // key → conversation
let conn = null;
let me = null; // welcome.user: the name the server holds for this page; null before welcome
let current = null;
// Notices for when no room is open (a token may allow none until one is joined).
const lobby = h('ol', { class: 'message-list' });

let limits = { maxMessageBytes: 4096 };
// Messages typed but not yet acknowledged: {conv, text, state: 'queued'|'sending'|'failed', ref, reason, el}.
const outbox = [];

const roomKey = room => `room:${room}`;
const userKey = user => `user:${user}`;

function conversation(kind, name) {
  const key = kind === 'room' ? roomKey(name) : userKey(name);
  let conv = convs.get(key);
  if (!conv) {
    conv = {
      key, kind, name, unread: 0, ids: new Set(), list: h('ol', { class: 'message-list' }),
      oldestSeq: 0, complete: kind !== 'room', loading: false, members: new Set(),
    };
    convs.set(key, conv);
    renderConvList();
  }
  return conv;
}

// ---- rendering -------------------------------------------------------------------------------

function renderConvList() {
  for (const [listId, kind] of [['rooms', 'room'], ['privates', 'user']]) {
    const items = [...convs.values()]
      .filter(c => c.kind === kind)
      .sort((a, b) => (a.name === 'global' ? -1 : b.name === 'global' ? 1 : a.name.localeCompare(b.name)))
      .map(c => h('li', { 'data-key': c.key, 'data-name': c.name, class: c === current ? 'active' : '' },
        h('button', { type: 'button', class: 'open', onclick: () => { select(c); $('text').focus(); } },
          h('span', { class: 'conv-name' }, kind === 'room' ? `# ${c.name}` : `@ ${c.name}`),
          c.unread > 0 ? h('span', { class: 'unread', 'aria-label': `${c.unread} unread` }, String(c.unread)) : null),
        kind === 'user' ? h('button', { type: 'button', class: 'close', title: `Close the conversation with ${c.name}`, 'aria-label': `Close the conversation with ${c.name}`, onclick: () => closePrivate(c) }, '×') : null));
    $(listId).replaceChildren(...items);
  }
}

function closePrivate(conv) {
  convs.delete(conv.key);
  for (const o of outbox.filter(o => o.conv === conv)) dropOut(o);
  if (conv === current) selectRoom();
  renderConvList();
  saveSession();
}

function renderMembers() {
  const members = current?.kind === 'room' ? [...current.members].sort() : [];
  setText($('member-count'), current?.kind === 'room' ? String(members.length) : '');
  $('members').replaceChildren(...members.map(name => h('li', { 'data-user': name, class: name === me ? 'self' : '' },
    h('button', { type: 'button', title: name === me ? 'you' : `Message ${name} privately`, disabled: name === me, onclick: () => select(conversation('user', name)) },
      name, name === me ? h('span', { class: 'you' }, ' (you)') : null))));
  setText($('toggle-members'), `Online (${members.length})`);
}

function renderHistoryState() {
  const c = current;
  let text = '';
  if (c?.kind === 'room') text = c.loading ? 'Loading older messages…' : c.complete ? `This is the beginning of #${c.name}.` : 'Scroll up for older messages.';
  else if (c) text = `Private conversation with ${c.name}. Private messages are not kept in history.`;
  setText($('history-state'), text);
}

/**
 * Mine only when the server says it came from the name it holds for this page: a legacy client
 * declares its own name, so a legacy message never is, whatever name it carries.
 */
const isOwn = m => me !== null && m.from === me && m.legacy !== true;

function messageItem(m) {
  const own = isOwn(m);
  const classes = ['msg', own ? 'own' : '', m.legacy ? 'legacy' : ''].filter(Boolean).join(' ');
  return h('li', { class: classes, 'data-seq': m.seq ?? '', 'data-id': m.id ?? '' },
    h('div', { class: 'meta' },
      h('span', { class: 'from' }, String(m.from ?? '?')),
      m.legacy ? h('span', { class: 'tag', title: 'sent by a legacy client: the name is not verified' }, 'unverified') : null,
      h('time', { dateTime: new Date(m.ts).toISOString(), title: new Date(m.ts).toLocaleString() }, shortTime(m.ts))),
    h('div', { class: 'text' }, ...linkify(String(m.text ?? ''))));
}

function notice(conv, text, kind = 'info') {
  const alert = kind === 'lost' || kind === 'forbidden';
  (conv?.list ?? lobby).append(h('li', { class: `notice ${kind}`, role: alert ? 'alert' : null }, text));
  if (conv === current) scrollToBottom();
}

const messagesEl = () => $('messages');
const nearBottom = () => {
  const el = messagesEl();
  return el.scrollHeight - el.scrollTop - el.clientHeight < 80;
};
const scrollToBottom = () => {
  messagesEl().scrollTop = messagesEl().scrollHeight;
  $('jump').hidden = true;
};

/**
 * Keeps at most MAX_SHOWN messages of a conversation on the page (twice that while the person
 * reads further up): the oldest go, and a room's come back from history when scrolled to.
 */
function trim(conv, following) {
  const items = conv.list.querySelectorAll(':scope > li.msg');
  const excess = items.length - (following ? MAX_SHOWN : 2 * MAX_SHOWN);
  if (excess <= 0) return;
  const el = messagesEl();
  const height = el.scrollHeight;
  for (let i = 0; i < excess; i++) {
    if (items[i].dataset.id) conv.ids.delete(items[i].dataset.id);
    items[i].remove();
  }
  const first = conv.list.querySelector(':scope > li.msg[data-seq]:not([data-seq=""])');
  if (conv.kind === 'room' && first) {
    conv.oldestSeq = Number(first.dataset.seq);
    conv.complete = false;
  }
  if (conv === current) {
    if (!following) el.scrollTop -= height - el.scrollHeight;
    renderHistoryState();
  }
}

function select(conv) {
  current = conv;
  conv.unread = 0;
  saveSession();
  $('messages').replaceChildren($('history-state'), conv.list);
  setText($('conv-title'), conv.kind === 'room' ? `# ${conv.name}` : `@ ${conv.name}`);
  $('leave').hidden = conv.kind !== 'room' || conv.name === 'global';
  $('chat').dataset.current = conv.key;
  $('text').placeholder = conv.kind === 'room' ? `Message #${conv.name}` : `Message ${conv.name} privately`;
  renderConvList();
  renderMembers();
  renderHistoryState();
  scrollToBottom();
  if (conv.kind === 'room') conn.who(conv.name);
  $('chat').classList.remove('show-members');
}

/**
 * No conversation open: before welcome (`waiting`), or when the page is in no room (a token may
 * not allow global).
 */
function selectNone(waiting = false) {
  current = null;
  $('messages').replaceChildren($('history-state'), lobby);
  setText($('conv-title'), waiting ? '' : 'No room');
  $('leave').hidden = true;
  $('chat').dataset.current = '';
  $('text').placeholder = waiting ? '' : 'Join a room to write';
  renderConvList();
  renderMembers();
  setText($('history-state'), waiting ? '' : 'You are in no room: join one on the left.');
}

/** Opens the first of the rooms named that the page is in, or global, or any room, or none. */
function selectRoom(...preferred) {
  for (const room of [...preferred, 'global']) {
    if (room && convs.has(roomKey(room))) return select(convs.get(roomKey(room)));
  }
  const any = [...convs.values()].find(c => c.kind === 'room');
  return any ? select(any) : selectNone();
}

// ---- incoming --------------------------------------------------------------------------------

function onMessage(m) {
  const own = isOwn(m);
  const conv = m.room ? conversation('room', m.room) : conversation('user', own ? m.to : m.from);
  if (m.id && conv.ids.has(m.id)) return;
  if (m.id) conv.ids.add(m.id);
  const follow = conv === current && (nearBottom() || own);
  const pending = conv.list.querySelector(':scope > li.outgoing');
  if (pending) pending.before(messageItem(m)); else conv.list.append(messageItem(m));
  if (conv.oldestSeq === 0 && m.seq > 0) conv.oldestSeq = m.seq;
  if (conv !== current || document.hidden) {
    if (!own) conv.unread++;
    renderConvList();
  }
  trim(conv, follow || conv !== current);
  if (follow) scrollToBottom();
  else if (conv === current) $('jump').hidden = false;
}

function onHistory({ room, messages, more }) {
  const conv = convs.get(roomKey(room));
  if (!conv) return;
  conv.loading = false;
  const older = messages.filter(m => m.seq > 0 && (conv.oldestSeq === 0 || m.seq < conv.oldestSeq) && !conv.ids.has(m.id));
  // A short page is the end, unless the server cut it to fit its size (more: page on from it).
  if ((messages.length < PAGE_SIZE && !more) || older.length === 0 || older[0].seq <= 1) conv.complete = true;
  if (older.length > 0) {
    const el = messagesEl();
    const fromBottom = el.scrollHeight - el.scrollTop;
    older.forEach(m => conv.ids.add(m.id));
    conv.list.prepend(...older.map(messageItem));
    conv.oldestSeq = older[0].seq;
    if (conv === current) el.scrollTop = el.scrollHeight - fromBottom;
  }
  if (conv === current) renderHistoryState();
}

function loadOlder(conv, beforeSeq) {
  if (conv.kind !== 'room' || conv.complete || conv.loading) return;
  conv.loading = conn.history(conv.name, beforeSeq, PAGE_SIZE);
  if (conv === current) renderHistoryState();
}

function onRoomEntered(room, seq) {
  const conv = conversation('room', room);
  if (seq === 0) conv.complete = true;
  else loadOlder(conv, seq + 1);
  return conv;
}

function onPresence(p) {
  const conv = convs.get(roomKey(p.room));
  if (!conv) return;
  if (Array.isArray(p.members)) conv.members = new Set(p.members);
  else if (p.event === 'join') conv.members.add(p.user);
  else if (p.event === 'leave') conv.members.delete(p.user);
  if (conv === current) renderMembers();
}

function onResumed(r) {
  const conv = convs.get(roomKey(r.room));
  if (!conv) return;
  if (!r.recovered) {
    const why = r.lastSeen && r.lastSeen.epoch !== r.position.epoch
      ? 'the server lost this room\'s history (it restarted with a new epoch)'
      : 'they are no longer in the server\'s history';
    notice(conv, `Reconnected, but messages sent while you were away may be missing: ${why}. (recovered: false)`, 'lost');
    conv.complete = true;
  }
  if (conv === current) conn.who(conv.name);
}

let errorTimer = 0;

/** A problem in the bar under the top bar, in words; it goes by itself after a few seconds. */
function showError(text) {
  setText($('error-text'), text);
  $('error').hidden = false;
  clearTimeout(errorTimer);
  errorTimer = setTimeout(() => { $('error').hidden = true; }, ERROR_SHOWN_MS);
}

const FORBIDDEN_TEXT = {
  join: r => `You may not join room ${r.room}.`,
  send: r => (r.room ? `You may not write in room ${r.room}.` : `You may not write to ${r.to}.`),
  history: r => `You may not read the history of room ${r.room}.`,
  who: r => `You may not see who is in room ${r.room}.`,
  leave: r => `You may not leave room ${r.room}.`,
};

/** A room the token does not allow: a plain line where the person is looking, nothing else happens. */
function onForbidden(e) {
  const r = e.request;
  const conv = r?.room ? convs.get(roomKey(r.room)) : null;
  if (r?.type === 'history' && conv) {
    conv.loading = false;
    conv.complete = true;
    if (conv === current) renderHistoryState();
  }
  const text = r && FORBIDDEN_TEXT[r.type] ? FORBIDDEN_TEXT[r.type](r) : `You may not do that: ${e.message ?? 'forbidden'}.`;
  notice(r?.type === 'join' ? current : conv ?? current, text, 'forbidden');
}

function onServerError(e) {
  if (e.code === 'forbidden') return onForbidden(e);
  if (e.request?.type === 'history') {
    const conv = convs.get(roomKey(e.request.room));
    if (conv) conv.loading = false;
  }
  const out = e.ref !== undefined ? outbox.find(o => o.ref === e.ref) : undefined;
  if (out) return setOut(out, 'failed', describeError(e, limits));
  showError(describeError(e, limits));
}

// ---- the outbox: what was typed stays on the page until the server has it -----------------------

const OUT_STATUS = {
  queued: () => 'Waiting for the connection: it will be sent when the connection is back.',
  sending: () => 'Sending…',
  failed: o => `Not sent: ${o.reason}`,
};

function outItem(o) {
  o.status = h('div', { class: 'status' });
  o.actions = h('div', { class: 'actions' },
    h('button', { type: 'button', class: 'retry', onclick: () => trySend(o) }, 'Retry'),
    h('button', { type: 'button', class: 'discard', onclick: () => dropOut(o) }, 'Discard'));
  o.el = h('li', { class: 'outgoing' }, h('div', { class: 'out-text' }, o.text), o.status, o.actions);
  return o.el;
}

function setOut(o, state, reason) {
  o.state = state;
  o.reason = reason;
  o.el.dataset.state = state;
  setText(o.status, OUT_STATUS[state](o));
  o.actions.hidden = state !== 'failed';
}

function dropOut(o) {
  o.el.remove();
  outbox.splice(outbox.indexOf(o), 1);
}

function trySend(o) {
  const { conv, text } = o;
  const ref = conn?.state === 'connected'
    ? (conv.kind === 'room' ? conn.send({ room: conv.name, text }) : conn.send({ to: conv.name, text }))
    : null;
  if (ref !== null) {
    o.ref = ref;
    setOut(o, 'sending');
  } else {
    setOut(o, 'queued');
  }
}

function compose(conv, text) {
  const o = { conv, text, state: 'queued', ref: null, reason: null };
  conv.list.append(outItem(o));
  outbox.push(o);
  trySend(o);
  if (conv === current) scrollToBottom();
}

function onAck(ack) {
  const o = outbox.find(x => x.ref === ack.ref);
  if (o) dropOut(o);
}

/** Connected again: what waited is sent; what was on its way when the connection dropped may not have arrived. */
function onConnectionChange(state) {
  for (const o of [...outbox]) {
    if (state === 'connected' && o.state === 'queued') trySend(o);
    else if (state !== 'connected' && o.state === 'sending') setOut(o, 'failed', 'the connection dropped before the server confirmed it; it may not have arrived.');
  }
}

const utf8Bytes = text => new TextEncoder().encode(text).length;

/** The size the server allows, checked as the person types: a text too long is never sent to be refused. */
function checkSize() {
  const input = $('text');
  const bytes = utf8Bytes(input.value);
  const over = bytes > limits.maxMessageBytes;
  input.setAttribute('aria-invalid', String(over));
  $('composer-note').classList.toggle('problem', over);
  setText($('composer-note'), over
    ? `Too long to send: ${bytes.toLocaleString('en')} bytes; the server accepts at most ${limits.maxMessageBytes.toLocaleString('en')}. Shorten it or split it.`
    : 'Enter sends; Shift+Enter starts a new line.');
  return !over;
}

function showLogin(problem) {
  $('chat').hidden = true;
  $('login').hidden = false;
  setText($('login-error'), problem ?? '');
  $('name').focus();
  $('name').select();
}

/** The connection gave up because the person has to act: say what happened and what to do. */
function onFatal(d, identity) {
  if (d.fatal === 'name_taken') {
    sessionStorage.removeItem(nameKeyKey(identity.name));
    sessionStorage.removeItem(SESSION_KEY);
    $('name').value = identity.name;
    setText($('me'), '');
    showLogin(`The name ${identity.name} is in use by someone else; choose another.`);
  } else if (d.fatal === 'unauthorized' && !identity.token) {
    showLogin('This server signs people in with a link that carries a token: ask for one and open it.');
  } else if (d.fatal === 'unauthorized') {
    sessionStorage.removeItem(TOKEN_KEY);
    showError('Your sign-in link is not valid (the token was refused or has expired): ask for a new link.');
  } else if (d.fatal === 'token_expired') {
    // The page has no way to mint a token; a new link opened in this tab carries on.
    sessionStorage.removeItem(TOKEN_KEY);
    showError('Your sign-in has expired: ask for a new link (or token) and open it to carry on.');
  }
}

const STATE_TEXT = {
  idle: () => 'Not connected',
  connecting: () => 'Connecting…',
  connected: d => `Connected${d.node ? ` to ${d.node}` : ''}`,
  reconnecting: d => d.delay !== undefined ? `Reconnecting in ${(d.delay / 1000).toFixed(1)} s (attempt ${d.attempt}): ${d.reason}` : `Reconnecting (attempt ${d.attempt})…`,
  closed: d => `Disconnected: ${d.reason ?? 'closed'}`,
};

let countdown = 0;

function onState(d) {
  const el = $('conn');
  el.dataset.state = d.state;
  clearInterval(countdown);
  if (d.state === 'reconnecting' && d.delay !== undefined) {
    // The wait counts down where the person looks, until the next attempt.
    const at = Date.now() + d.delay;
    const tick = () => setText(el, `Reconnecting in ${Math.max(0, (at - Date.now()) / 1000).toFixed(1)} s (attempt ${d.attempt}): ${d.reason}`);
    tick();
    countdown = setInterval(tick, 100);
  } else {
    setText(el, STATE_TEXT[d.state](d));
  }
  $('composer').classList.toggle('offline', d.state !== 'connected');
  onConnectionChange(d.state);
}

// ---- this tab's session ----------------------------------------------------------------------

function saveSession() {
  if (!conn) return;
  const list = kind => [...convs.values()].filter(c => c.kind === kind).map(c => c.name);
  sessionStorage.setItem(SESSION_KEY, JSON.stringify({
    name: conn.identityName ?? null, rooms: list('room'), privates: list('user'), current: current?.key ?? null,
  }));
}

function loadSession() {
  try {
    const saved = JSON.parse(sessionStorage.getItem(SESSION_KEY) ?? 'null');
    return saved && typeof saved === 'object' ? saved : null;
  } catch {
    return null;
  }
}

// ---- outgoing --------------------------------------------------------------------------------

function checkName(value, what) {
  return NAME_RULE.test(value) ? null : `${what} must be 1-64 letters, digits, '-', '_' or '.'`;
}

/**
 * Starts chatting as {name} (open mode: the tab's key for that name goes with it) or with {token}
 * (the server names the user from it). With a token the page joins `room` after welcome, so a
 * room the token does not allow is a plain line rather than a refused connection.
 */
function start(identity, room, restore = null) {
  conn?.close();
  convs.clear();
  outbox.length = 0;
  lobby.replaceChildren();
  current = null;
  me = null;
  $('error').hidden = true;
  const token = identity.token ?? null;
  if (!token) {
    localStorage.setItem(NAME_KEY, identity.name);
    identity = { name: identity.name, nameKey: sessionStorage.getItem(nameKeyKey(identity.name)) };
  }
  setText($('me'), token ? (tokenClaims(token)?.sub ?? '') : identity.name);
  setText($('login-error'), '');
  $('login').hidden = true;
  $('chat').hidden = false;
  selectNone(true);
  const c = new ChatConnection(serverUrl(token ? null : room), identity);
  c.identityName = token ? null : identity.name;
  conn = c;
  // The rooms a reload brings back, joined after welcome; the conversation that was in view.
  const restoring = new Set();
  c.addEventListener('state', e => {
    if (conn !== c) return;
    onState(e.detail);
    if (e.detail.fatal) onFatal(e.detail, identity);
  });
  c.addEventListener('welcome', e => {
    const w = e.detail;
    me = w.user;
    setText($('me'), me);
    if (typeof w.nameKey === 'string') sessionStorage.setItem(nameKeyKey(w.user), w.nameKey);
    if (w.limits?.maxMessageBytes > 0) limits = w.limits;
    if (w.reconnect) return;
    for (const r of w.rooms ?? []) onRoomEntered(r.room, r.seq);
    for (const name of restore?.privates ?? []) if (NAME_RULE.test(name)) conversation('user', name);
    for (const r of restore?.rooms ?? []) {
      if (NAME_RULE.test(r) && !convs.has(roomKey(r)) && c.join(r)) restoring.add(r);
    }
    const back = restore?.current ? convs.get(restore.current) : null;
    if (back) select(back); else selectRoom(room);
    if (token && room && !convs.has(roomKey(room))) c.join(room);
    saveSession();
    $('text').focus();
  });
  c.addEventListener('message', e => onMessage(e.detail));
  c.addEventListener('history', e => onHistory(e.detail));
  c.addEventListener('joined', e => {
    const conv = onRoomEntered(e.detail.room, e.detail.seq);
    // A room brought back by a reload opens only if it was the one in view.
    if (!restoring.delete(e.detail.room) || restore?.current === conv.key) select(conv);
    saveSession();
  });
  c.addEventListener('ack', e => onAck(e.detail));
  c.addEventListener('left', e => {
    const conv = convs.get(roomKey(e.detail.room));
    if (!conv) return;
    convs.delete(conv.key);
    if (conv === current) selectRoom();
    renderConvList();
    saveSession();
  });
  c.addEventListener('presence', e => onPresence(e.detail));
  c.addEventListener('resumed', e => onResumed(e.detail));
  c.addEventListener('error', e => onServerError(e.detail));
  c.connect();
}

/**
 * A token in the link (`#token=...`) is kept for this tab and taken out of the address bar, so a
 * copied address does not hand it on. Returns the token, or null when the link has none.
 */
function takeTokenFromLink() {
  const fragment = new URLSearchParams(location.hash.slice(1));
  const token = fragment.get('token');
  if (!token) return null;
  sessionStorage.setItem(TOKEN_KEY, token);
  fragment.delete('token');
  const rest = fragment.toString();
  history.replaceState(history.state, '', location.pathname + location.search + (rest ? `#${rest}` : ''));
  return token;
}

function wire() {
  const params = new URLSearchParams(location.search);
  $('name').value = params.get('name') ?? localStorage.getItem(NAME_KEY) ?? '';
  $('login-room').value = params.get('room') ?? '';
  // A new link opened in this tab (only the fragment changes, so no reload): use its token.
  window.addEventListener('hashchange', () => {
    const token = takeTokenFromLink();
    if (token) start({ token }, validRoom(params.get('room')));
  });
  $('login-form').addEventListener('submit', e => {
    e.preventDefault();
    const name = $('name').value.trim();
    const room = $('login-room').value.trim();
    const problem = checkName(name, 'Your name') ?? (room ? checkName(room, 'The room') : null);
    setText($('login-error'), problem ?? '');
    if (!problem) start({ name }, room && room !== 'global' ? room : null);
  });
  $('composer').addEventListener('submit', e => {
    e.preventDefault();
    const input = $('text');
    const text = input.value;
    if (!text.trim() || !current || !checkSize()) return;
    // The text moves from the box to the conversation, where it stays until the server has it.
    compose(current, text);
    input.value = '';
    fitComposer();
  });
  $('text').addEventListener('keydown', e => {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      $('composer').requestSubmit();
    }
  });
  $('text').addEventListener('input', () => {
    checkSize();
    fitComposer();
  });
  $('jump').addEventListener('click', () => {
    scrollToBottom();
    $('text').focus();
  });
  $('join-form').addEventListener('submit', e => {
    e.preventDefault();
    const room = $('join-room').value.trim();
    const problem = checkName(room, 'A room name');
    if (problem) return showError(problem);
    if (convs.has(roomKey(room))) select(convs.get(roomKey(room)));
    else if (!conn.join(room)) return showError('Not connected: try again when the connection is back.');
    $('join-room').value = '';
  });
  $('dm-form').addEventListener('submit', e => {
    e.preventDefault();
    const user = $('dm-user').value.trim();
    const problem = checkName(user, 'A user name');
    if (problem) return showError(problem);
    select(conversation('user', user));
    $('dm-user').value = '';
  });
  $('leave').addEventListener('click', () => current?.kind === 'room' && conn.leave(current.name));
  $('toggle-members').addEventListener('click', () => $('chat').classList.toggle('show-members'));
  $('error-close').addEventListener('click', () => {
    clearTimeout(errorTimer);
    $('error').hidden = true;
  });
  $('messages').addEventListener('scroll', () => {
    if (current && $('messages').scrollTop < 60) loadOlder(current, current.oldestSeq);
    if (nearBottom()) $('jump').hidden = true;
  });
  document.addEventListener('visibilitychange', () => {
    if (!document.hidden && current && current.unread) {
      current.unread = 0;
      renderConvList();
    }
  });
}

/** The box grows with its lines (Shift+Enter), up to a few, then scrolls. */
function fitComposer() {
  const input = $('text');
  input.style.height = 'auto';
  input.style.height = `${input.scrollHeight + 2}px`;
}

const validRoom = room => (room && room !== 'global' && NAME_RULE.test(room) ? room : null);

wire();
// With a token (from the link, or kept by this tab) the server names the user: no name to ask for.
const linkToken = takeTokenFromLink() ?? sessionStorage.getItem(TOKEN_KEY);
const saved = loadSession();
if (linkToken) start({ token: linkToken }, validRoom(new URLSearchParams(location.search).get('room')), saved);
// A reload of a tab that was chatting carries on: the same name (with the tab's key), rooms and view.
else if (saved?.name && NAME_RULE.test(saved.name)) start({ name: saved.name }, null, saved);
