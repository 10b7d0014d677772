import type { Config, ProviderConfig, RouteConfig } from '../config/schema.ts';
import type { ProviderAdapter } from '../providers/types.ts';
import { DvaraError } from '../server/errors.ts';
import type { BreakerOptions } from '../traffic/breaker.ts';
import { HealthRegistry, type TargetHealth } from '../traffic/health.ts';
import { breakerOptions, callTimeouts, retryPolicy, type CallTimeouts } from '../traffic/policy.ts';
import type { RetryPolicy } from '../traffic/retry.ts';
import { FAMILIES } from './families.ts';
import { globToRegExp, isGlob } from './glob.ts';

/** One place a request can go: a provider and the model name that provider knows, with how to call it. */
export interface Target {
  adapter: ProviderAdapter;
  model: string;
  /** Request fields this target always gets (a route target's `params`). */
  params?: Readonly<Record<string, unknown>>;
  health: TargetHealth;
  timeouts: CallTimeouts;
}

/** What one request does: the targets in the order to try them, how hard to retry, and its route's cache rule. */
export interface Plan {
  targets: readonly Target[];
  retry: RetryPolicy;
  cache?: RouteConfig['cache'];
}

type Strategy = RouteConfig['strategy'];

/** A resolved name: its targets and how to order them per request. */
class Route {
  private turn = 0;
  private readonly totalWeight: number;
  private readonly fixed: Plan;

  constructor(
    readonly targets: readonly Target[],
    private readonly strategy: Strategy,
    private readonly weights: readonly number[],
    readonly retry: RetryPolicy,
    private readonly cache?: RouteConfig['cache'],
  ) {
    this.totalWeight = weights.reduce((a, b) => a + b, 0);
    this.fixed = { targets, retry, cache };
  }

  /** Targets in the order to try them for one request (the rest follow the first, for failover). */
  order(): Plan {
    const n = this.targets.length;
    if (n === 1 || this.strategy === 'failover') return this.fixed;
    if (this.strategy === 'least-latency') {
      // Unmeasured targets first, so each gets measured; then the fastest recent average.
      const byLatency = [...this.targets].sort((a, b) => (a.health.latency ?? -1) - (b.health.latency ?? -1));
      return { targets: byLatency, retry: this.retry, cache: this.cache };
    }
    let first = 0;
    if (this.strategy === 'round-robin') first = this.turn++ % n;
    else {
      let r = Math.random() * this.totalWeight;
      while (first < n - 1 && (r -= this.weights[first]!) >= 0) first++;
    }
    return first === 0 ? this.fixed : { targets: [...this.targets.slice(first), ...this.targets.slice(0, first)], retry: this.retry, cache: this.cache };
  }
}

/** A breaker that never opens, for providers with `breaker: { enabled: false }`. */
const NEVER_OPEN: BreakerOptions = { failures: Infinity, failureRate: 2, windowMs: 1, minRequests: Infinity, cooldownMs: 0, probes: Infinity };

const MEMO_LIMIT = 10_000;

/**
 * Model name → ordered targets, in the contract's order: `provider/model` prefix, `routes` (exact, then
 * globs in file order), a provider's own `models` list, the built-in family table, else NO_PROVIDER.
 * Compiled once from config; resolved names are memoised so the hot path is a Map lookup.
 */
export class Router {
  private readonly exactRoutes = new Map<string, RouteConfig>();
  private readonly globRoutes: Array<{ re: RegExp; route: RouteConfig }> = [];
  private readonly ownModels = new Map<string, ProviderAdapter>();
  private readonly families: Array<{ re: RegExp; adapter: ProviderAdapter }> = [];
  private readonly memo = new Map<string, Route | null>();
  private readonly providers: Config['providers'];

  constructor(
    config: Config,
    private readonly adapters: ReadonlyMap<string, ProviderAdapter>,
    readonly health: HealthRegistry = new HealthRegistry(),
  ) {
    this.providers = config.providers;
    for (const route of config.routes) {
      if (isGlob(route.match)) this.globRoutes.push({ re: globToRegExp(route.match), route });
      else if (!this.exactRoutes.has(route.match)) this.exactRoutes.set(route.match, route);
    }
    for (const [name, p] of Object.entries(config.providers)) {
      for (const m of p.models ?? []) if (!this.ownModels.has(m)) this.ownModels.set(m, adapters.get(name)!);
    }
    for (const f of FAMILIES) {
      // A provider named like the type wins over others of that type (`openai:` over `openai-backup:`).
      const candidates = [...adapters.values()].filter((a) => a.type === f.type);
      const adapter = candidates.find((a) => a.name === f.type) ?? candidates[0];
      if (adapter) this.families.push({ re: globToRegExp(f.pattern), adapter });
    }
  }

  /** Targets to try, in order, and the retry policy; throws NO_PROVIDER when nothing serves the name. */
  resolve(model: string): Plan {
    let route = this.memo.get(model);
    if (route === undefined) {
      route = this.compile(model);
      if (this.memo.size >= MEMO_LIMIT) this.memo.clear();
      this.memo.set(model, route);
    }
    if (!route) {
      throw new DvaraError(
        'NO_PROVIDER',
        `No provider supports model: ${model}. Run \`dvara models\` or GET /v1/models to see what is routable.`,
        { param: 'model' },
      );
    }
    return route.order();
  }

  /** Whether a name routes anywhere, and where first. */
  firstTarget(model: string): Target | null {
    try {
      return this.resolve(model).targets[0] ?? null;
    } catch {
      return null;
    }
  }

  /** Every model id a client can use, each once, with the provider that answers it first. */
  listModels(): Array<{ id: string; provider: string }> {
    const out = new Map<string, string>();
    for (const route of this.exactRoutes.values()) out.set(route.match, route.targets[0]!.provider);
    for (const adapter of this.adapters.values()) {
      for (const m of adapter.models) {
        const bare = this.firstTarget(m);
        const id = bare?.adapter === adapter && bare.model === m ? m : `${adapter.name}/${m}`;
        if (!out.has(id)) out.set(id, adapter.name);
      }
    }
    return [...out].map(([id, provider]) => ({ id, provider }));
  }

  private target(adapter: ProviderAdapter, model: string, route?: RouteConfig, params?: Record<string, unknown>): Target {
    const p: ProviderConfig = this.providers[adapter.name]!;
    const health = this.health.get(adapter.name, model, breakerOptions(p.breaker) ?? NEVER_OPEN);
    const t: Target = { adapter, model, health, timeouts: callTimeouts(p, route?.timeouts) };
    if (params && Object.keys(params).length > 0) t.params = params;
    return t;
  }

  /** A single-target name: the provider's own retry settings. */
  private single(adapter: ProviderAdapter, model: string): Route {
    return new Route([this.target(adapter, model)], 'failover', [1], retryPolicy(this.providers[adapter.name]!.retries));
  }

  private compile(model: string): Route | null {
    const slash = model.indexOf('/');
    if (slash > 0) {
      const adapter = this.adapters.get(model.slice(0, slash));
      const rest = model.slice(slash + 1);
      if (adapter && rest) return this.single(adapter, rest);
    }
    const route = this.exactRoutes.get(model) ?? this.globRoutes.find((g) => g.re.test(model))?.route;
    if (route) {
      const targets = route.targets.map((t) => this.target(this.adapters.get(t.provider)!, t.model ?? model, route, t.params));
      const first = this.providers[route.targets[0]!.provider]!;
      return new Route(targets, route.strategy, route.targets.map((t) => t.weight), retryPolicy(first.retries, route.retries), route.cache);
    }
    const own = this.ownModels.get(model) ?? this.families.find((f) => f.re.test(model))?.adapter;
    return own ? this.single(own, model) : null;
  }
}
