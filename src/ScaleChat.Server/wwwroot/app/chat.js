// The chat page: a name (or a sign-in token), rooms with unread counts, private conversations,
// who is online, history on scroll-up and a connection that comes back by itself.
import { ChatConnection, NAME_RULE, serverUrl, tokenClaims } from './connection.js';
import { $, h, setText, shortTime } from './dom.js';

const PAGE_SIZE = 50;
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
        h('button', { type: 'button', onclick: () => select(c) },
          h('span', { class: 'conv-name' }, kind === 'room' ? `# ${c.name}` : `@ ${c.name}`),
          c.unread > 0 ? h('span', { class: 'unread', 'aria-label': `${c.unread} unread` }, String(c.unread)) : null)));
    $(listId).replaceChildren(...items);
  }
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
    h('div', { class: 'text' }, String(m.text ?? '')));
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
const scrollToBottom = () => { messagesEl().scrollTop = messagesEl().scrollHeight; };

function select(conv) {
  current = conv;
  conv.unread = 0;
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
  conv.list.append(messageItem(m));
  if (conv.oldestSeq === 0 && m.seq > 0) conv.oldestSeq = m.seq;
  if (conv !== current || document.hidden) {
    if (!own) conv.unread++;
    renderConvList();
  }
  if (follow) scrollToBottom();
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

function showError(text) {
  setText($('error-text'), text);
  $('error').hidden = false;
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
  showError(`${e.code}: ${e.message ?? ''}`);
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

function onState(d) {
  const el = $('conn');
  el.dataset.state = d.state;
  setText(el, STATE_TEXT[d.state](d));
  $('send').disabled = d.state !== 'connected';
  $('composer').classList.toggle('offline', d.state !== 'connected');
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
function start(identity, room) {
  conn?.close();
  convs.clear();
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
  conn = c;
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
    if (w.reconnect) return;
    for (const r of w.rooms ?? []) onRoomEntered(r.room, r.seq);
    selectRoom(room);
    if (token && room && !convs.has(roomKey(room))) c.join(room);
  });
  c.addEventListener('message', e => onMessage(e.detail));
  c.addEventListener('history', e => onHistory(e.detail));
  c.addEventListener('joined', e => select(onRoomEntered(e.detail.room, e.detail.seq)));
  c.addEventListener('left', e => {
    const conv = convs.get(roomKey(e.detail.room));
    if (!conv) return;
    convs.delete(conv.key);
    if (conv === current) selectRoom();
    renderConvList();
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
    if (!text.trim() || !current) return;
    const sent = current.kind === 'room' ? conn.send({ room: current.name, text }) : conn.send({ to: current.name, text });
    if (sent !== null) input.value = '';
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
  $('error-close').addEventListener('click', () => { $('error').hidden = true; });
  $('messages').addEventListener('scroll', () => {
    if (current && $('messages').scrollTop < 60) loadOlder(current, current.oldestSeq);
  });
  document.addEventListener('visibilitychange', () => {
    if (!document.hidden && current && current.unread) {
      current.unread = 0;
      renderConvList();
    }
  });
}

const validRoom = room => (room && room !== 'global' && NAME_RULE.test(room) ? room : null);

wire();
// With a token (from the link, or kept by this tab) the server names the user: no name to ask for.
const linkToken = takeTokenFromLink() ?? sessionStorage.getItem(TOKEN_KEY);
if (linkToken) start({ token: linkToken }, validRoom(new URLSearchParams(location.search).get('room')));
