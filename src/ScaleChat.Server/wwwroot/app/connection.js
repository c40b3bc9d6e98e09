// A connection to the server speaking scalechat.v1: the handshake, splitting batched frames,
// reconnecting with backoff and resuming every room, as the .NET client library does.
import { RoomTracker } from './rooms.js';

export const SUBPROTOCOL = 'scalechat.v1';
export const NAME_RULE = /^[A-Za-z0-9._-]{1,64}$/;

const MIN_DELAY_MS = 250;
const MAX_DELAY_MS = 5000;
const HANDSHAKE_TIMEOUT_MS = 10000;
// Close codes after which reconnecting cannot help: policy (a bad name or token) and bad data.
const FINAL_CLOSE_CODES = new Set([1003, 1007, 1008]);

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

/** The WebSocket address of this page's server, with an optional room joined at hello. */
export function serverUrl(room) {
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  return `${scheme}://${location.host}/ws${room ? '/' + encodeURIComponent(room) : ''}`;
}

/**
 * Events (CustomEvent, details in parentheses): state ({state, attempt, delay, reason}),
 * welcome (the welcome object), message, joined, left, presence, history (answers the page asked
 * for), ack, error, resumed ({room, recovered, lastSeen, position}).
 */
export class ChatConnection extends EventTarget {
  #url;
  #name;
  #ws = null;
  #state = 'idle';
  #welcomedBefore = false;
  #attempt = 0;
  #timer = 0;
  #nextRef = 0;
  #tracker = new RoomTracker();
  // Answers without a ref are matched by kind and room, oldest first (the server answers in order).
  #joins = new Map();
  #histories = new Map();

  constructor(url, name) {
    super();
    this.#url = url;
    this.#name = name;
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
    const ref = ++this.#nextRef;
    return this.#write(room ? { type: 'send', room, text, ref } : { type: 'send', to, text, ref }) ? ref : null;
  }

  join(room) {
    this.#expect(this.#joins, room, 'page');
    return this.#write({ type: 'join', room, presence: true });
  }

  leave(room) { return this.#write({ type: 'leave', room }); }

  who(room) { return this.#write({ type: 'who', room }); }

  /** Asks for older messages: the newest `limit` before `before` (omitted: the newest overall). */
  history(room, before, limit = 50) {
    this.#expect(this.#histories, room, 'page');
    return this.#write(before > 0 ? { type: 'history', room, before, limit } : { type: 'history', room, limit });
  }

  #write(object) {
    if (this.#state !== 'connected') return false;
    this.#ws.send(JSON.stringify(object));
    return true;
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

  #open() {
    clearTimeout(this.#timer);
    this.#setState(this.#welcomedBefore ? 'reconnecting' : 'connecting', { attempt: this.#attempt });
    const ws = new WebSocket(this.#url, SUBPROTOCOL);
    this.#ws = ws;
    const handshake = setTimeout(() => ws.close(4000, 'no welcome in time'), HANDSHAKE_TIMEOUT_MS);
    ws.onopen = () => ws.send(JSON.stringify({ type: 'hello', name: this.#name, presence: true }));
    ws.onmessage = e => {
      for (const o of splitFrame(e.data)) this.#onObject(o, handshake);
    };
    ws.onclose = e => {
      clearTimeout(handshake);
      if (this.#ws !== ws) return;
      this.#ws = null;
      this.#onLost(e.code, e.reason);
    };
  }

  #onLost(code, reason) {
    if (this.#state === 'closed') return;
    this.#tracker.onConnectionLost();
    this.#joins.clear();
    this.#histories.clear();
    const why = code === 1006 || !code ? 'the connection was lost' : `the server closed the connection (${code}${reason ? ' ' + reason : ''})`;
    if (FINAL_CLOSE_CODES.has(code)) {
      this.#setState('closed', { reason: why, code });
      return;
    }
    this.#attempt++;
    const delay = backoffDelay(this.#attempt);
    this.#setState('reconnecting', { attempt: this.#attempt, delay, reason: why, code });
    this.#timer = setTimeout(() => this.#open(), delay);
  }

  #onObject(o, handshake) {
    switch (o.type) {
      case 'welcome':
        clearTimeout(handshake);
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
      case 'presence':
      case 'ack':
      case 'pong':
        this.#emit(o.type, o);
        break;
      default:
        break; // a newer server's object: nothing to do with it
    }
  }

  #onWelcome(o) {
    const reconnect = this.#welcomedBefore;
    this.#welcomedBefore = true;
    this.#attempt = 0;
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
