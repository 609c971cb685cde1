// Records a Node Socket.IO server whose stream mixes `debug` lines (with times, DEBUG=engine,socket.io:*)
// and the app's console.log lines (without): node tests/data/backend/node-untimed.record.js > out.log 2>&1
// with NODE_PATH=capture/node_modules (socket.io 4.8.4, socket.io-client 4.8.4 from capture/package.json).
const { createServer } = require("http");
const { Server } = require("socket.io");
const { io } = require("socket.io-client");

const http = createServer();
const server = new Server(http);
server.on("connection", (socket) => {
  console.log("a user connected", socket.id);
  socket.on("disconnect", (reason) => console.log("user disconnected:", reason));
});
http.listen(0, () => {
  const port = http.address().port;
  console.log(`listening on *:${port}`);
  const client = io(`http://127.0.0.1:${port}`, { transports: ["polling", "websocket"] });
  client.on("connect", () => setTimeout(() => client.disconnect(), 300));
  client.on("disconnect", () => setTimeout(() => { server.close(); process.exit(0); }, 200));
});
