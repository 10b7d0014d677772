import { timingSafeEqual } from 'node:crypto';
import type { HealthRegistry } from '../traffic/health.ts';
import { jsonResponse, type RequestContext } from './context.ts';
import { DvaraError } from './errors.ts';

// The admin API (`/admin/...`, `Authorization: Bearer <admin.token>` from the config). For now: target health.

/** Checks the admin bearer token in constant time; the admin API is off without one in the config. */
export function adminGuard(token: string | undefined): (req: Request) => void {
  const expected = token ? Buffer.from(token) : null;
  return (req) => {
    if (!expected) throw new DvaraError('NOT_FOUND', 'The admin API is disabled: set admin.token in the config to enable it');
    const given = Buffer.from((req.headers.get('authorization') ?? '').replace(/^Bearer\s+/i, ''));
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new DvaraError('UNAUTHORIZED', 'Admin API: missing or wrong admin token');
  };
}

/** GET /admin/health: each target's circuit and recent latency; `status` degrades when any circuit is not closed. */
export function handleAdminHealth(ctx: RequestContext, health: HealthRegistry): Response {
  const targets = health.all().map((t) => ({
    provider: t.provider,
    model: t.model,
    circuit: t.breaker.state,
    opens: t.breaker.opens,
    latency_ms: t.latency === undefined ? null : Math.round(t.latency),
  }));
  const open = targets.filter((t) => t.circuit !== 'closed').length;
  return jsonResponse(ctx, { status: open === 0 ? 'ok' : 'degraded', open_circuits: open, targets });
}
