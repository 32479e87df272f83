const http = require("http");
const port = Number(process.env.PORT || 3000);
http.createServer((req, res) => {
  res.writeHead(200, { "Content-Type": "text/html; charset=utf-8" });
  res.end("<!doctype html><html><body><h1>Node sample</h1><p>served by node on port " + port + "</p></body></html>");
}).listen(port, process.env.HOST || "127.0.0.1");
