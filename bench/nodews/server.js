// A chat server on node's `ws`, the peer that bench/run.sh measures ScaleChat's server CPU against.
// It speaks the part of protocol version 1 that bench/gogen uses: connect on /ws/{room}, `hello`
// answered by `welcome`, `send` delivered as one `message` to every member of the room and an
// `ack` to the sender. Written the way a node chat server usually is, and given the same
// advantages ScaleChat takes: the message is serialized once per fan-out, and each recipient gets
// one `send` of that buffer. It checks nothing else and bounds nothing: it is a yardstick, not a
// server to expose.
//
//   node bench/nodews/server.js PORT
"use strict";
const http = require("http");
const { WebSocketServer } = require("ws");

const port = Number(process.argv[2] || 8080);
const rooms = new Map(); // room name -> { members: Set of sockets, seq }
let lastId = 0;

const server = http.createServer((req, res) => {
  res.writeHead(req.url === "/healthz" ? 200 : 404);
  res.end();
});
const wss = new WebSocketServer({
  server,
  perMessageDeflate: false,
  handleProtocols: (offered) => (offered.has("scalechat.v1") ? "scalechat.v1" : false),
});

function roomOf(name) {
  let room = rooms.get(name);
  if (!room) rooms.set(name, (room = { members: new Set(), seq: 0 }));
  return room;
}

wss.on("connection", (ws, req) => {
  const path = req.url.split("?")[0];
  const joined = ["global"];
  if (path.startsWith("/ws/")) joined.push(decodeURIComponent(path.slice(4)));
  let name = null;

  ws.on("message", (data) => {
    let m;
    try {
      m = JSON.parse(data);
    } catch {
      m = null;
    }
    if (m === null || typeof m !== "object") {
      ws.send('{"type":"error","code":"bad_request","message":"not a JSON object"}');
      return;
    }
    if (m.type === "hello" && name === null) {
      name = String(m.name);
      for (const r of joined) roomOf(r).members.add(ws);
      ws.send(JSON.stringify({ type: "welcome", version: 1, name, rooms: joined }));
    } else if (m.type === "send" && name !== null && joined.includes(m.room)) {
      const room = roomOf(m.room);
      const seq = ++room.seq;
      const id = String(++lastId);
      const out = Buffer.from(
        JSON.stringify({ type: "message", room: m.room, from: name, text: m.text, seq, id, ts: Date.now() }),
      );
      for (const peer of room.members) peer.send(out);
      ws.send(JSON.stringify({ type: "ack", ref: m.ref, id, seq }));
    } else {
      ws.send(JSON.stringify({ type: "error", code: "bad_request", message: "unexpected object", ref: m.ref }));
    }
  });
  ws.on("close", () => {
    for (const r of joined) rooms.get(r)?.members.delete(ws);
  });
});

server.listen(port, "127.0.0.1");
