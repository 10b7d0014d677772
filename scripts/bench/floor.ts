// The floor: the least a Bun gateway can do per request. Forwards method, path, auth and body to the
// upstream and streams the answer back, nothing else. No gateway written in Bun can add less than this.
//   bun scripts/bench/floor.ts --port P --upstream http://127.0.0.1:U

const arg = (name: string) => process.argv[process.argv.indexOf(`--${name}`) + 1]!;
const upstream = arg('upstream');

const server = Bun.serve({
  hostname: '127.0.0.1',
  port: Number(arg('port')),
  idleTimeout: 0,
  maxRequestBodySize: 64 * 1024 * 1024,
  async fetch(req) {
    const url = req.url;
    const path = url.slice(url.indexOf('/', url.indexOf('//') + 2));
    const res = await fetch(upstream + path, {
      method: req.method,
      headers: { 'content-type': 'application/json', authorization: req.headers.get('authorization') ?? '' },
      body: req.method === 'GET' ? undefined : await req.arrayBuffer(),
      signal: req.signal,
    });
    return new Response(res.body, { status: res.status, headers: { 'content-type': res.headers.get('content-type') ?? 'application/json' } });
  },
});
console.log(JSON.stringify({ port: server.port }));

export {}; // a module, not a global script
