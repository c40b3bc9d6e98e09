// A connection to the server speaking scalechat.v1: the handshake, splitting batched frames,
// reconnecting with backoff and resuming every room, as the .NET client library does.
import { RoomTracker } from './rooms.js';

export const SUBPROTOCOL = 'scalechat.v1';
// As the server's rule: 1-64 letters, digits, '-', '_' or '.', and not only dots.
export const NAME_RULE = /^(?!\.+$)[A-Za-z0-9._-]{1,64}$/;

const MIN_DELAY_MS = 250;
const MAX_DELAY_MS = 5000;
const HANDSHAKE_TIMEOUT_MS = 10000;
// Close codes after which reconnecting cannot help: policy (a bad name or token) and bad data.
const FINAL_CLOSE_CODES = new Set([1003, 1007, 1008]);
// Errors at hello that the same hello would only get again: the page must ask the person.
const FATAL_AT_HELLO = new Set(['name_taken', 'unauthorized']);
// Requests remembered by ref, so that an error can say which room it was about.
const MAX_REQUESTS = 256;

/** Exponential backoff with jitter: attempt 1 waits about MIN_DELAY_MS, doubling up to MAX_DELAY_MS. */
export function backoffDelay(attempt) {
  const ceiling = Math.min(MAX_DELAY_MS, MIN_DELAY_MS * 2 ** (attempt - 1));
  return ceiling / 2 + Math.random() * (ceiling / 2);
}

/** Every object in a frame: a frame may batch several, one per line. */
export function splitFrame(data) {
  const objects = [];
  for (const line of String(data).split('\n')) {
    if (!line.trim()) continue;
    try {
      const o = JSON.parse(line);
      if (o && typeof o === 'object' && typeof o.type === 'string') objects.push(o);
    } catch {
      // A line the page cannot read is skipped; the rest of the frame still counts.
    }
  }
  return objects;
}

/**
 * The claims of a JWT, read without checking it (only the server can): the page uses `sub` as a
 * placeholder name before welcome. Null when it is not a readable JWT.
 */
export function tokenClaims(token) {
  try {
    const payload = String(token).split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    const claims = JSON.parse(atob(payload.padEnd(payload.length + (4 - payload.length % 4) % 4, '=')));
    return claims && typeof claims === 'object' ? claims : null;
  } catch {
    return null;
  }
}

/** The WebSocket address of this page's server, with an optional room joined at hello. */
export function serverUrl(room) {
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  return `${scheme}://${location.host}/ws${room ? '/' + encodeURIComponent(room) : ''}`;
}

/**
 * Events (CustomEvent, details in parentheses): state ({state, attempt, delay, reason, and on a
 * close that needs the person, fatal: 'name_taken' | 'unauthorized' | 'token_expired'}),
 * welcome (the welcome object), message, joined, left, presence, history (answers the page asked
 * for), ack, error (the error object, with `request`: {type, room, to} when its ref is known),
 * resumed ({room, recovered, lastSeen, position}).
 *
 * `identity` is {name, nameKey} in open mode (nameKey: the key of an earlier welcome for that name,
 * which lets this connection share the name), or {token} when the server names the user from a token.
 */
export class ChatConnection extends EventTarget {
  #url;
  #name;
  #nameKey;
  #token;
  #ws = null;
  #state = 'idle';
  #welcomedBefore = false;
  #attempt = 0;
  #timer = 0;
  #nextRef = 0;
  #requests = new Map();
  #tracker = new RoomTracker();
  // Answers without a ref are matched by kind and room, oldest first (the server answers in order).
  #joins = new Map();
  #histories = new Map();

  constructor(url, identity) {
    super();
    this.#url = url;
    this.#token = identity.token ?? null;
    // The server ignores hello.name when a token names the user, but a hello still carries one.
    const sub = this.#token ? tokenClaims(this.#token)?.sub : null;
    this.#name = identity.name ?? (NAME_RULE.test(sub ?? '') ? sub : 'user');
    this.#nameKey = identity.nameKey ?? null;
    this.user = null;
    this.node = null;
  }

  get state() { return this.#state; }
  get rooms() { return this.#tracker.names; }
  positionOf(room) { return this.#tracker.positionOf(room); }

  connect() {
    this.#open();
  }

  close() {
    clearTimeout(this.#timer);
    this.#setState('closed', { reason: 'closed' });
    this.#ws?.close(1000);
    this.#ws = null;
  }

  /** Sends to a room (or, with `to`, privately); returns the ref, or null when not connected. */
  send({ room, to, text }) {
    if (this.#state !== 'connected') return null;
    const ref = this.#track(room ? { type: 'send', room } : { type: 'send', to });
    return this.#write(room ? { type: 'send', room, text, ref } : { type: 'send', to, text, ref }) ? ref : null;
  }

  join(room) {
    if (this.#state !== 'connected') return false;
    this.#expect(this.#joins, room, 'page');
    return this.#write({ type: 'join', room, presence: true, ref: this.#track({ type: 'join', room }) });
  }

  leave(room) { return this.#state === 'connected' && this.#write({ type: 'leave', room, ref: this.#track({ type: 'leave', room }) }); }

  who(room) { return this.#state === 'connected' && this.#write({ type: 'who', room, ref: this.#track({ type: 'who', room }) }); }

  /** Asks for older messages: the newest `limit` before `before` (omitted: the newest overall). */
  history(room, before, limit = 50) {
    if (this.#state !== 'connected') return false;
    this.#expect(this.#histories, room, 'page');
    const ref = this.#track({ type: 'history', room });
    return this.#write(before > 0 ? { type: 'history', room, before, limit, ref } : { type: 'history', room, limit, ref });
  }

  #write(object) {
    if (this.#state !== 'connected') return false;
    this.#ws.send(JSON.stringify(object));
    return true;
  }

  /** A new ref for a request; the oldest are forgotten, as only errors echo the ref of a join or who. */
  #track(request) {
    const ref = ++this.#nextRef;
    this.#requests.set(ref, request);
    if (this.#requests.size > MAX_REQUESTS) this.#requests.delete(this.#requests.keys().next().value);
    return ref;
  }

  #expect(map, room, kind) {
    if (!map.has(room)) map.set(room, []);
    map.get(room).push(kind);
  }

  #take(map, room) { return map.get(room)?.shift() ?? 'page'; }

  #emit(type, detail) { this.dispatchEvent(new CustomEvent(type, { detail })); }

  #setState(state, detail = {}) {
    this.#state = state;
    this.#emit('state', { state, ...detail });
  }

  #hello() {
    const hello = { type: 'hello', name: this.#name, presence: true };
    if (this.#token) hello.token = this.#token;
    else if (this.#nameKey) hello.nameKey = this.#nameKey;
    return hello;
  }

  #open() {
    clearTimeout(this.#timer);
    this.#setState(this.#welcomedBefore ? 'reconnecting' : 'connecting', { attempt: this.#attempt });
    const ws = new WebSocket(this.#url, SUBPROTOCOL);
    this.#ws = ws;
    const session = { ws, welcomed: false };
    session.handshake = setTimeout(() => ws.close(4000, 'no welcome in time'), HANDSHAKE_TIMEOUT_MS);
    ws.onopen = () => ws.send(JSON.stringify(this.#hello()));
    ws.onmessage = e => {
      for (const o of splitFrame(e.data)) {
        if (this.#ws !== ws) return; // given up on (a fatal error): nothing more from it counts
        this.#onObject(o, session);
      }
    };
    ws.onclose = e => {
      clearTimeout(session.handshake);
      if (this.#ws !== ws) return;
      this.#ws = null;
      this.#onLost(e.code, e.reason);
    };
  }

  #forgetConnection() {
    this.#tracker.onConnectionLost();
    this.#joins.clear();
    this.#histories.clear();
    this.#requests.clear();
  }

  /** Stops for good: reconnecting would get the same answer, so the person has to act. */
  #fail(fatal, reason, message) {
    clearTimeout(this.#timer);
    const ws = this.#ws;
    this.#ws = null;
    this.#forgetConnection();
    this.#setState('closed', { reason, fatal, message });
    ws?.close(1000);
  }

  #onLost(code, reason) {
    if (this.#state === 'closed') return;
    this.#forgetConnection();
    const why = code === 1006 || !code ? 'the connection was lost' : `the server closed the connection (${code}${reason ? ' ' + reason : ''})`;
    // A token that ran out: the page cannot mint a new one, so it says so instead of trying again.
    if (code === 1008 && this.#token && /expired/i.test(reason ?? '')) {
      this.#setState('closed', { reason: 'the sign-in token expired', fatal: 'token_expired', code });
      return;
    }
    if (FINAL_CLOSE_CODES.has(code)) {
      this.#setState('closed', { reason: why, code });
      return;
    }
    this.#attempt++;
    const delay = backoffDelay(this.#attempt);
    this.#setState('reconnecting', { attempt: this.#attempt, delay, reason: why, code });
    this.#timer = setTimeout(() => this.#open(), delay);
  }

  #onObject(o, session) {
    switch (o.type) {
      case 'welcome':
        clearTimeout(session.handshake);
        session.welcomed = true;
        this.#onWelcome(o);
        break;
      case 'message':
        if (this.#tracker.accept(o)) this.#emit('message', o);
        break;
      case 'joined':
        this.#onJoined(o);
        break;
      case 'left':
        this.#tracker.remove(o.room);
        this.#emit('left', o);
        break;
      case 'history':
        this.#onHistory(o);
        break;
      case 'error':
        this.#onError(o, session);
        break;
      case 'ack':
        this.#requests.delete(o.ref);
        this.#emit(o.type, o);
        break;
      case 'presence':
      case 'pong':
        this.#emit(o.type, o);
        break;
      default:
        break; // a newer server's object: nothing to do with it
    }
  }

  #onError(o, session) {
    if (!session.welcomed && FATAL_AT_HELLO.has(o.code)) {
      if (o.code === 'name_taken') {
        this.#nameKey = null; // it is not this name's key (any more)
        this.#fail('name_taken', 'the name is in use by someone else', o.message);
      } else {
        this.#fail('unauthorized', 'the sign-in token was refused', o.message);
      }
      return;
    }
    // The token ran out (the page sends no 'auth' to renew it): the close that follows says so.
    if (o.code === 'unauthorized' && this.#token && o.ref === undefined) return;
    const request = o.ref !== undefined ? this.#requests.get(o.ref) : undefined;
    if (request) {
      this.#requests.delete(o.ref);
      // A join or history that failed gets no answer: it no longer waits in line for one.
      if (request.type === 'join') this.#take(this.#joins, request.room);
      if (request.type === 'history') this.#take(this.#histories, request.room);
    }
    this.#emit('error', request ? { ...o, request } : o);
  }

  #onWelcome(o) {
    const reconnect = this.#welcomedBefore;
    this.#welcomedBefore = true;
    this.#attempt = 0;
    // The current key of the name's hold: a reconnect presents it to keep the name.
    if (typeof o.nameKey === 'string') this.#nameKey = o.nameKey;
    this.user = o.user;
    this.node = o.node;
    const actions = this.#tracker.onWelcome(Array.isArray(o.rooms) ? o.rooms : [], reconnect);
    this.#setState('connected', { node: o.node });
    this.#emit('welcome', { ...o, reconnect });
    for (const a of actions) {
      switch (a.step) {
        case 'join':
          this.#expect(this.#joins, a.room, 'resume');
          this.#write({ type: 'join', room: a.room, after: a.after, presence: true });
          break;
        case 'fill':
          this.#expect(this.#histories, a.room, 'fill');
          this.#write({ type: 'history', room: a.room, before: a.before, limit: a.limit });
          break;
        case 'leave':
          this.#write({ type: 'leave', room: a.room });
          break;
        default:
          this.#emit('resumed', a.resumed);
      }
    }
  }

  #onJoined(o) {
    const position = { seq: o.seq, epoch: o.epoch };
    if (this.#take(this.#joins, o.room) !== 'resume') {
      this.#tracker.onJoined(o.room, position);
      this.#emit('joined', o);
      return;
    }
    const action = this.#tracker.onResumeJoined(o.room, position, o.recovered === true);
    if (action?.step === 'fill') {
      this.#expect(this.#histories, o.room, 'fill');
      this.#write({ type: 'history', room: o.room, before: action.before, limit: action.limit });
    } else if (action) {
      this.#emit('resumed', action.resumed);
    }
  }

  #onHistory(o) {
    const messages = Array.isArray(o.messages) ? o.messages : [];
    if (this.#take(this.#histories, o.room) !== 'fill') {
      this.#emit('history', { room: o.room, messages, more: o.more === true });
      return;
    }
    const { deliver, resumed } = this.#tracker.onFilled(o.room, messages);
    if (resumed) this.#emit('resumed', resumed);
    for (const m of deliver) this.#emit('message', m);
  }
}
