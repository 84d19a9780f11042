// What the three apps share: a Node HTTP server on a loopback port the OS picks (printed as "listening <origin>"
// for the test harness), and the few request helpers a framework would otherwise give them.
import http from 'node:http';

export function env(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
}

export function cookies(req) {
  return Object.fromEntries((req.headers.cookie ?? '').split(';').filter(Boolean).map((c) => {
    const i = c.indexOf('=');
    return [c.slice(0, i).trim(), decodeURIComponent(c.slice(i + 1).trim())];
  }));
}

export async function body(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return Buffer.concat(chunks);
}

export function serve(handle) {
  const server = http.createServer(async (req, res) => {
    try {
      await handle(req, res, `http://127.0.0.1:${server.address().port}`);
    } catch (error) {
      console.error(error);
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(`app error: ${error?.message ?? error}`);
    }
  });
  server.listen(0, '127.0.0.1', () => console.log(`listening http://127.0.0.1:${server.address().port}`));
  return server;
}
