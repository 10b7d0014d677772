import { setLogLevel } from '../observability/logger.ts';
import { initTracing, shutdownTracing } from '../observability/tracing.ts';
import type { Command } from 'commander';
import type { Config } from '../config/schema.ts';
import { startGateway } from '../server/app.ts';
import type { Store } from '../store/types.ts';
import { VERSION } from '../version.ts';
import { loadConfig, openStoreOrFail, storeUrl, type GlobalOptions } from './context.ts';
import { createKey } from './keys.ts';
import { CliError, c } from './output.ts';
import { parsePositiveInt } from './options.ts';

interface ServeOptions extends GlobalOptions {
  port?: number;
  host?: string;
}

const DRAIN_MS = 10_000;

/** An empty store gets a tenant and a key, so `npm start` is all a new user needs before the first request. */
async function bootstrapFirstKey(store: Store, config: Config, url: string): Promise<void> {
  if ((await store.listTenants()).length > 0) return;
  await store.addTenant('default');
  const { secret } = await createKey(store, 'default', { name: 'first-start' });
  const model = firstModel(config);
  const local = url.replace('0.0.0.0', 'localhost');
  console.log(`
${c.bold('First start:')} created tenant "default" and this API key (shown once, store it now):

  ${c.green(secret)}

Try it:
  curl ${local}/v1/chat/completions \\
    -H "Authorization: Bearer ${secret}" -H "Content-Type: application/json" \\
    -d '{"model":"${model}","messages":[{"role":"user","content":"Hello"}]}'

Or point any OpenAI SDK at it: base_url="${local}/v1", api_key="${secret}".
More keys: dvara keys create --tenant default
`);
}

function firstModel(config: Config): string {
  const [name, p] = Object.entries(config.providers)[0]!;
  return `${name}/${p.models?.[0] ?? (p.type === 'mock' ? 'echo' : 'model')}`;
}

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('Run the gateway')
    .option('-c, --config <file>', 'config file (default: ./dvara.yaml, or $DVARA_CONFIG)')
    .option('--store <url>', 'store URL, overriding the config (or $DVARA_STORE)')
    .option('--port <port>', 'listen port, overriding server.port', parsePositiveInt('--port'))
    .option('--host <host>', 'listen address, overriding server.host')
    .action(async (opts: ServeOptions) => {
      const config = await loadConfig(opts);
      const url = await storeUrl(opts, config);
      const store = openStoreOrFail(url);
      let gateway;
      try {
        setLogLevel(config.log_level);
        initTracing(config.telemetry);
        gateway = startGateway(config, store, { host: opts.host ?? config.server.host, port: opts.port ?? config.server.port });
      } catch (e) {
        store.close();
        const reason = e instanceof Error ? e.message : String(e);
        throw new CliError(`cannot listen on ${opts.host ?? config.server.host}:${opts.port ?? config.server.port}: ${reason}`);
      }
      const providers = Object.entries(config.providers).map(([n, p]) => `${n} (${p.type})`).join(', ');
      console.log(`dvara ${VERSION} listening on ${gateway.url} · providers: ${providers} · store: ${url}`);
      await bootstrapFirstKey(store, config, gateway.url);
      // Release what parsing config and loading modules left behind before traffic arrives.
      Bun.gc(true);

      let stopping = false;
      const shutdown = async (signal: string) => {
        if (stopping) process.exit(130); // a second signal: stop waiting
        stopping = true;
        console.error(`${signal}: finishing in-flight requests (up to ${DRAIN_MS / 1000}s)…`);
        await gateway.stop(DRAIN_MS);
        await shutdownTracing();
        store.close();
        process.exit(0);
      };
      process.on('SIGINT', () => void shutdown('SIGINT'));
      process.on('SIGTERM', () => void shutdown('SIGTERM'));
    });
}
