import type { HealthRegistry } from '../traffic/health.ts';

// GET /metrics in Prometheus' text format. Circuit state per target for now; request counters and latency
// histograms join it with the usage and audit work. Labels carry provider and model names, never secrets.

const STATE_VALUE = { closed: 0, 'half-open': 1, open: 2 } as const;

const label = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

export function renderMetrics(health: HealthRegistry): string {
  const lines = [
    '# HELP dvara_circuit_state Circuit breaker state per target (0 closed, 1 half-open, 2 open).',
    '# TYPE dvara_circuit_state gauge',
  ];
  const targets = health.all();
  for (const t of targets) lines.push(`dvara_circuit_state{provider="${label(t.provider)}",model="${label(t.model)}"} ${STATE_VALUE[t.breaker.state]}`);
  lines.push('# HELP dvara_circuit_opens_total Times the circuit opened per target.', '# TYPE dvara_circuit_opens_total counter');
  for (const t of targets) lines.push(`dvara_circuit_opens_total{provider="${label(t.provider)}",model="${label(t.model)}"} ${t.breaker.opens}`);
  lines.push('# HELP dvara_target_latency_ms Recent latency to the first byte per target (EWMA).', '# TYPE dvara_target_latency_ms gauge');
  for (const t of targets) if (t.latency !== undefined) lines.push(`dvara_target_latency_ms{provider="${label(t.provider)}",model="${label(t.model)}"} ${t.latency.toFixed(1)}`);
  return `${lines.join('\n')}\n`;
}
