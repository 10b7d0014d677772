import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { HealthRegistry } from '../traffic/health.ts';
import type { RequestRecord } from './record.ts';

// GET /metrics in Prometheus' text format (prom-client). Series are updated when a request's record is built
// (after its answer), not on the way in, except the in-flight gauge. Label values are bounded: provider and
// model names come from clients (any `provider/model`), so past a fixed number of distinct values they become
// "other"; no trace ids, keys or user strings ever become labels.

const MAX_VALUES = 200;

/** Caps the distinct values of one label. */
class Bounded {
  private readonly seen = new Set<string>();
  of(v: string | null | undefined): string {
    const value = v ?? 'none';
    if (this.seen.has(value)) return value;
    if (this.seen.size >= MAX_VALUES) return 'other';
    this.seen.add(value);
    return value;
  }
}

const STATE_VALUE = { closed: 0, 'half-open': 1, open: 2 } as const;

export interface MetricsSources {
  health: HealthRegistry;
  queueDepth: () => number;
  spilled: () => number;
}

export class GatewayMetrics {
  readonly registry = new Registry();
  private readonly models = new Bounded();
  private readonly providers = new Bounded();
  private readonly tenants = new Bounded();
  private inFlight = 0;

  private readonly requests = new Counter({ name: 'dvara_requests_total', help: 'Requests by endpoint, provider, model, status and Dvara error code.', labelNames: ['endpoint', 'provider', 'model', 'status', 'code'], registers: [this.registry] });
  private readonly latency = new Histogram({ name: 'dvara_request_duration_seconds', help: 'Time from request to the end of the answer.', labelNames: ['endpoint', 'provider'], buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120], registers: [this.registry] });
  private readonly ttft = new Histogram({ name: 'dvara_time_to_first_token_seconds', help: 'Time to the first streamed byte.', labelNames: ['provider'], buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30], registers: [this.registry] });
  private readonly tokens = new Counter({ name: 'dvara_tokens_total', help: 'Tokens by tenant, model and kind (prompt, completion, cached).', labelNames: ['tenant', 'model', 'kind'], registers: [this.registry] });
  private readonly cost = new Counter({ name: 'dvara_cost_usd_total', help: 'Cost in USD by tenant and model (requests with a known price).', labelNames: ['tenant', 'model'], registers: [this.registry] });
  private readonly upstreamErrors = new Counter({ name: 'dvara_upstream_errors_total', help: 'Failed upstream attempts by provider.', labelNames: ['provider'], registers: [this.registry] });

  constructor(sources: MetricsSources) {
    const self = this;
    new Gauge({ name: 'dvara_in_flight_requests', help: 'Requests being served.', registers: [this.registry], collect() { this.set(self.inFlight); } });
    new Gauge({ name: 'dvara_usage_queue_depth', help: 'Request rows waiting to be written.', registers: [this.registry], collect() { this.set(sources.queueDepth()); } });
    new Gauge({ name: 'dvara_usage_spilled_rows', help: 'Rows written to the spill file since start.', registers: [this.registry], collect() { this.set(sources.spilled()); } });
    const targets = () => sources.health.all().map((t) => ({ t, labels: { provider: self.providers.of(t.provider), model: self.models.of(t.model) } }));
    new Gauge({ name: 'dvara_circuit_state', help: 'Circuit breaker state per target (0 closed, 1 half-open, 2 open).', labelNames: ['provider', 'model'], registers: [this.registry], collect() { this.reset(); for (const { t, labels } of targets()) this.set(labels, STATE_VALUE[t.breaker.state]); } });
    new Gauge({ name: 'dvara_circuit_opens', help: 'Times the circuit opened per target.', labelNames: ['provider', 'model'], registers: [this.registry], collect() { this.reset(); for (const { t, labels } of targets()) this.set(labels, t.breaker.opens); } });
    new Gauge({ name: 'dvara_target_latency_ms', help: 'Recent latency to the first byte per target (EWMA).', labelNames: ['provider', 'model'], registers: [this.registry], collect() { this.reset(); for (const { t, labels } of targets()) if (t.latency !== undefined) this.set(labels, t.latency); } });
  }

  started(): void {
    this.inFlight++;
  }

  finished(): void {
    this.inFlight--;
  }

  record(r: RequestRecord): void {
    const provider = this.providers.of(r.provider);
    const model = this.models.of(r.model);
    this.requests.inc({ endpoint: r.endpoint, provider, model, status: String(r.status), code: r.error_code ?? '' });
    this.latency.observe({ endpoint: r.endpoint, provider }, r.latency_ms / 1000);
    if (r.ttft_ms !== null) this.ttft.observe({ provider }, r.ttft_ms / 1000);
    const tenant = this.tenants.of(r.tenant);
    if (r.prompt_tokens) this.tokens.inc({ tenant, model, kind: 'prompt' }, r.prompt_tokens);
    if (r.completion_tokens) this.tokens.inc({ tenant, model, kind: 'completion' }, r.completion_tokens);
    if (r.cached_tokens) this.tokens.inc({ tenant, model, kind: 'cached' }, r.cached_tokens);
    if (r.cost_usd) this.cost.inc({ tenant, model }, r.cost_usd);
    // Failed attempts only exist with failover or retries; the path is parsed only then.
    if (r.attempts > 1 || r.error_code) {
      for (const step of r.path ? (JSON.parse(r.path) as Array<{ provider: string; outcome: string }>) : []) {
        if (step.outcome === 'failed') this.upstreamErrors.inc({ provider: this.providers.of(step.provider) });
      }
    }
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }
}
