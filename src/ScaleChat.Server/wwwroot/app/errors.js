// The server's error codes in words a person can act on; the code stays in the text's end, for
// whoever has to report it.

const TEXTS = {
  rate_limited: () => 'you are sending faster than the server allows; wait a moment and retry.',
  too_large: (e, limits) => `the message is longer than the server accepts (at most ${limits.maxMessageBytes.toLocaleString('en')} bytes).`,
  no_such_user: e => (e.request?.to ? `no one called ${e.request.to} is online.` : 'that person is not online.'),
  not_joined: e => (e.request?.room ? `you are not in room ${e.request.room}; join it first.` : 'you are not in that room; join it first.'),
  too_many_rooms: (e, limits) => `you are in as many rooms as the server allows${limits.maxRooms ? ` (${limits.maxRooms})` : ''}; leave one first.`,
  bad_request: () => 'the server could not read that request.',
  unknown_type: () => 'the server does not know that request.',
  unavailable: () => 'the server cannot take messages right now; retry in a few seconds.',
  internal: () => 'the server failed to handle it; retry, and tell its operator if it goes on.',
};

/** One sentence for an error object: {code, message, request?}. */
export function describeError(e, limits = { maxMessageBytes: 4096 }) {
  const text = TEXTS[e.code]?.(e, limits) ?? `${e.message ?? 'the server refused it'}.`;
  const sentence = text.charAt(0).toUpperCase() + text.slice(1);
  return `${sentence} (${e.code ?? 'error'})`;
}
