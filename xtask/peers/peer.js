// Node's side of `cargo xtask bench-peers`: the same work as benches/peers.rs, three ways.
//   node peer.js VARIANT latency URL WARMUP CALLS | VARIANT once URL | VARIANT list URL
// VARIANT:
//   shipped - the official client (`saucelabs` from npm) as installed, pointed at the sandbox
//             with its `host` option. Its team and user listings ask for `/teams` and `/users`
//             without the trailing slash: each call is a 301 and a second request, as a user
//             of the package meets it against the real service.
//   slash   - the same client, its two endpoints given their trailing slash in the package's
//             own table of operations (PROTOCOL_MAP): one request per call, like ours.
//   http    - no client: Node's `http` module on one kept-alive connection, Basic
//             authentication and JSON.parse, the floor any Node client sits on.
const http = require('http');

const [variant, mode, url, warmup, calls] = process.argv.slice(2);
const { SAUCE_USERNAME: user, SAUCE_ACCESS_KEY: key } = process.env;

function sauceLabsClient(withSlash) {
  if (withSlash) {
    const { PROTOCOL_MAP } = require('saucelabs/build/constants');
    for (const [operation, endpoint] of [['getTeamsV1', '/teams/'], ['getUsersV1', '/users/']]) {
      const entry = PROTOCOL_MAP.get(operation);
      if (!entry || entry.endpoint + '/' !== endpoint) {
        throw new Error(`saucelabs' ${operation} is not the slash-less endpoint this variant fixes`);
      }
      entry.endpoint = endpoint;
    }
  }
  const { default: SauceLabs } = require('saucelabs');
  const api = new SauceLabs({ user, key, host: url });
  return {
    teams: async () => (await api.getTeamsV1()).count,
    usersPage: async (offset) => api.getUsersV1({ limit: 100, offset }),
  };
}

function rawHttpClient() {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const headers = { Authorization: `Basic ${Buffer.from(`${user}:${key}`).toString('base64')}`, Accept: 'application/json' };
  const get = (path) =>
    new Promise((resolve, reject) => {
      const request = http.get(url + path, { agent, headers }, (response) => {
        const chunks = [];
        response.on('data', (chunk) => chunks.push(chunk));
        response.on('end', () => {
          if (response.statusCode !== 200) reject(new Error(`HTTP ${response.statusCode} for ${path}`));
          else resolve(JSON.parse(Buffer.concat(chunks)));
        });
        response.on('error', reject);
      });
      // The same 30 s bound the other clients keep on a silent server.
      request.setTimeout(30000, () => request.destroy(new Error(`no answer in 30 s for ${path}`)));
      request.on('error', reject);
    });
  return {
    teams: async () => (await get('/team-management/v1/teams/')).count,
    usersPage: async (offset) => get(`/team-management/v1/users/?limit=100&offset=${offset}`),
  };
}

function client() {
  switch (variant) {
    case 'shipped':
      return sauceLabsClient(false);
    case 'slash':
      return sauceLabsClient(true);
    case 'http':
      return rawHttpClient();
    default:
      throw new Error(`unknown variant ${variant}`);
  }
}

async function main() {
  const api = client();
  if (mode === 'latency') {
    for (let i = 0; i < Number(warmup); i++) await api.teams();
    const micros = [];
    for (let i = 0; i < Number(calls); i++) {
      const started = process.hrtime.bigint();
      await api.teams();
      micros.push(Number(process.hrtime.bigint() - started) / 1e3);
    }
    micros.sort((a, b) => a - b);
    console.log(micros[Math.floor(micros.length / 2)].toFixed(1));
  } else if (mode === 'once') {
    console.log(await api.teams());
  } else if (mode === 'list') {
    let users = 0;
    for (let offset = 0; ; offset += 100) {
      const page = await api.usersPage(offset);
      users += page.results.length;
      if (page.results.length === 0 || users >= page.count) break;
    }
    console.log(users);
  } else {
    throw new Error(`unknown mode ${mode}`);
  }
  // The kept-alive socket would hold the process open.
  process.exit(0);
}

main().catch((error) => {
  console.error(error.message);
  process.exit(1);
});
