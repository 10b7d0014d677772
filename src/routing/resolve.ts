import type { Config, RouteConfig } from '../config/schema.ts';
import type { ProviderAdapter } from '../providers/types.ts';
import { DvaraError } from '../server/errors.ts';
import { FAMILIES } from './families.ts';
import { globToRegExp, isGlob } from './glob.ts';

/** One place a request can go: a provider and the model name that provider knows. */
export interface Target {
  adapter: ProviderAdapter;
  model: string;
}

type Strategy = RouteConfig['strategy'];

/** A resolved name: its targets and how to order them per request. */
class Route {
  private turn = 0;
  private readonly totalWeight: number;

  constructor(
    readonly targets: readonly Target[],
    private readonly strategy: Strategy,
    private readonly weights: readonly number[],
  ) {
    this.totalWeight = weights.reduce((a, b) => a + b, 0);
  }

  /** Targets in the order to try them for one request. */
  order(): readonly Target[] {
    const n = this.targets.length;
    if (n === 1 || this.strategy === 'failover') return this.targets;
    let first = 0;
    if (this.strategy === 'round-robin') first = this.turn++ % n;
    else {
      let r = Math.random() * this.totalWeight;
      while (first < n - 1 && (r -= this.weights[first]!) >= 0) first++;
    }
    return first === 0 ? this.targets : [...this.targets.slice(first), ...this.targets.slice(0, first)];
  }
}

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

  constructor(
    config: Config,
    private readonly adapters: ReadonlyMap<string, ProviderAdapter>,
  ) {
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

  /** Targets to try, in order; throws NO_PROVIDER when nothing serves the name. */
  resolve(model: string): readonly Target[] {
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
      return this.resolve(model)[0] ?? null;
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

  private compile(model: string): Route | null {
    const slash = model.indexOf('/');
    if (slash > 0) {
      const adapter = this.adapters.get(model.slice(0, slash));
      const rest = model.slice(slash + 1);
      if (adapter && rest) return new Route([{ adapter, model: rest }], 'failover', [1]);
    }
    const route = this.exactRoutes.get(model) ?? this.globRoutes.find((g) => g.re.test(model))?.route;
    if (route) {
      const targets = route.targets.map((t) => ({ adapter: this.adapters.get(t.provider)!, model: t.model ?? model }));
      return new Route(targets, route.strategy, route.targets.map((t) => t.weight));
    }
    const own = this.ownModels.get(model) ?? this.families.find((f) => f.re.test(model))?.adapter;
    return own ? new Route([{ adapter: own, model }], 'failover', [1]) : null;
  }
}
