// The official Node client (`saucelabs` from npm), pointed at the sandbox with its `host`
// option: the same work as benches/peers.rs, driven by `cargo xtask bench-peers`.
//   node peer.js latency URL CALLS | once URL | list URL
const { default: SauceLabs } = require('saucelabs');

const [mode, url, calls] = process.argv.slice(2);
const api = new SauceLabs({ user: process.env.SAUCE_USERNAME, key: process.env.SAUCE_ACCESS_KEY, host: url });

async function main() {
  if (mode === 'latency') {
    for (let i = 0; i < 20; i++) await api.getTeamsV1();
    const micros = [];
    for (let i = 0; i < Number(calls); i++) {
      const started = process.hrtime.bigint();
      await api.getTeamsV1();
      micros.push(Number(process.hrtime.bigint() - started) / 1e3);
    }
    micros.sort((a, b) => a - b);
    console.log(micros[Math.floor(micros.length / 2)].toFixed(1));
  } else if (mode === 'once') {
    console.log((await api.getTeamsV1()).count);
  } else if (mode === 'list') {
    let users = 0;
    for (let offset = 0; ; offset += 100) {
      const page = await api.getUsersV1({ limit: 100, offset });
      users += page.results.length;
      if (page.results.length === 0 || users >= page.count) break;
    }
    console.log(users);
  } else {
    throw new Error(`unknown mode ${mode}`);
  }
}

main().catch((error) => {
  console.error(error.message);
  process.exit(1);
});
