// The rooms this page is in and the last position it has seen in each: the state that makes a
// reconnect invisible. The same rules as the .NET client's RoomTracker: it plans how each room is
// resumed, drops messages already shown and holds back live messages of a room whose gap is being
// fetched, so the page sees every message once and in order.

/** The most messages one `history` answer holds (the server caps `limit` here). */
export const MAX_HISTORY = 500;

export class RoomTracker {
  #rooms = new Map();

  get names() { return [...this.#rooms.keys()]; }

  has(room) { return this.#rooms.has(room); }

  positionOf(room) {
    const r = this.#rooms.get(room);
    return r ? { seq: r.seq, epoch: r.epoch } : null;
  }

  /**
   * Handles `welcome`. On the first connection it records the rooms joined at hello; on a
   * reconnect it returns one action per room: {step: 'join'|'fill'|'leave'|'done', ...}.
   */
  onWelcome(welcomed, reconnect) {
    if (!reconnect) {
      for (const w of welcomed) this.#rooms.set(w.room, newRoom(w));
      return [];
    }
    const atHello = new Map(welcomed.map(w => [w.room, w]));
    const actions = [];
    for (const room of this.#rooms.values()) {
      const now = atHello.get(room.name);
      if (!now) {
        actions.push({ step: 'join', room: room.name, after: { seq: room.seq, epoch: room.epoch } });
      } else if (now.epoch === room.epoch && now.seq === room.seq) {
        actions.push(this.#done(room, { seq: room.seq, epoch: room.epoch }, true));
      } else {
        // Same epoch: fetch the gap. Another epoch: the server lost what came before, but every
        // message of the new epoch is still in its history, so fetch those.
        const lost = now.epoch !== room.epoch || now.seq < room.seq;
        actions.push(this.#fill(room, now, lost));
      }
    }
    for (const name of atHello.keys()) {
      if (!this.#rooms.has(name)) actions.push({ step: 'leave', room: name });
    }
    return actions;
  }

  /** The page joined a room; a room already held keeps its position. */
  onJoined(room, position) {
    if (!this.#rooms.has(room)) this.#rooms.set(room, newRoom({ room, ...position }));
  }

  /** The answer to a resume `join`: recovered means the missed messages follow it. */
  onResumeJoined(name, position, recovered) {
    const room = this.#rooms.get(name);
    if (!room) return null;
    const last = { seq: room.seq, epoch: room.epoch };
    if (recovered) return this.#done(room, last, true);
    return this.#fill(room, position, true);
  }

  /**
   * Whether a room message is shown now: false for one already shown (a replay overlapping live
   * traffic) and for one held back behind a gap being fetched.
   */
  accept(message) {
    const room = message.room ? this.#rooms.get(message.room) : null;
    if (!room || !(message.seq > 0)) return true;
    if (message.seq <= room.seq) return false;
    if (room.fillTo > 0) {
      room.held.push(message);
      return false;
    }
    room.seq = message.seq;
    return true;
  }

  /**
   * The gap of a room was fetched (or, with null, could not be): returns the messages to show, in
   * order, and how the room resumed.
   */
  onFilled(name, history) {
    const room = this.#rooms.get(name);
    if (!room || room.fillTo === 0) return { deliver: [], resumed: null };
    const expected = room.fillTo - room.seq;
    const deliver = [];
    let complete = history !== null;
    for (const m of history ?? []) {
      if (m.seq > room.seq && m.seq <= room.fillTo) {
        complete &&= m.seq === room.seq + 1;
        room.seq = m.seq;
        deliver.push(m);
      }
    }
    complete &&= deliver.length === expected;
    room.seq = room.fillTo;
    room.fillTo = 0;
    for (const m of room.held) {
      if (m.seq > room.seq) {
        room.seq = m.seq;
        deliver.push(m);
      }
    }
    room.held = [];
    const resumed = { room: name, recovered: complete && !room.lost, lastSeen: room.lastSeen, position: { seq: room.seq, epoch: room.epoch } };
    room.lost = false;
    room.lastSeen = null;
    return { deliver, resumed };
  }

  /** The connection was lost: gaps being fetched are fetched again on the next one. */
  onConnectionLost() {
    for (const room of this.#rooms.values()) {
      // The position stays where the fill started, so the next plan asks for the same gap.
      room.fillTo = 0;
      room.held = [];
    }
  }

  remove(room) { this.#rooms.delete(room); }

  #done(room, last, recovered) {
    return { step: 'done', room: room.name, resumed: { room: room.name, recovered, lastSeen: last, position: { seq: room.seq, epoch: room.epoch } } };
  }

  // Plans fetching the messages of `now`'s epoch that the page has not seen; `lost` says some
  // messages before them are gone for good.
  #fill(room, now, lost) {
    const last = { seq: room.seq, epoch: room.epoch };
    const from = !lost ? room.seq : 0;
    const gap = now.seq - from;
    room.epoch = now.epoch;
    if (gap <= 0) {
      room.seq = now.seq;
      return this.#done(room, last, !lost);
    }
    const limit = Math.min(gap, MAX_HISTORY);
    room.seq = now.seq - limit;
    room.fillTo = now.seq;
    // A fill cut short by another disconnect keeps what it had to report.
    room.lost = room.lost || lost || limit < gap;
    room.lastSeen ??= last;
    return { step: 'fill', room: room.name, before: now.seq + 1, limit };
  }
}

function newRoom({ room, seq, epoch }) {
  return { name: room, seq, epoch, fillTo: 0, held: [], lost: false, lastSeen: null };
}
