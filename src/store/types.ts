import type { RequestLog } from './request-log.ts';

// The store as the rest of Dvara sees it. Async so a PostgreSQL store can stand in for SQLite unchanged.

export interface Tenant {
  id: string;
  name: string;
  created_at: number;
}

export interface ApiKeyRecord {
  id: string;
  tenant_id: string;
  tenant: string;
  name: string | null;
  /** Display prefix of the secret (`mk-AbCd123`), safe to show anywhere. */
  prefix: string;
  models: string[] | null;
  rpm: number | null;
  tpm: number | null;
  budget_usd: number | null;
  expires_at: number | null;
  created_at: number;
  revoked_at: number | null;
}

export interface NewKey {
  tenant_id: string;
  name: string | null;
  prefix: string;
  hash: string;
  models: string[] | null;
  rpm: number | null;
  tpm: number | null;
  budget_usd: number | null;
  expires_at: number | null;
}

export interface Store {
  readonly url: string;
  ping(): Promise<void>;
  /** The request log and admin-event chains, signed with `hmacKey` (unsigned without one). */
  requestLog(hmacKey: string | null): RequestLog;
  close(): void;
  /** Changes whenever another process commits to the store; cheap enough to poll. */
  changeToken(): number;

  addTenant(name: string): Promise<Tenant>;
  getTenant(name: string): Promise<Tenant | null>;
  listTenants(): Promise<Array<Tenant & { keys: number }>>;
  /** Removes the tenant and its keys; returns how many keys went with it, or null if there was no such tenant. */
  removeTenant(name: string): Promise<number | null>;

  addKey(key: NewKey): Promise<ApiKeyRecord>;
  getKey(id: string): Promise<ApiKeyRecord | null>;
  findKeyByHash(hash: string): Promise<ApiKeyRecord | null>;
  listKeys(tenantName?: string): Promise<ApiKeyRecord[]>;
  revokeKey(id: string, at: number): Promise<boolean>;
  setKeyExpiry(id: string, at: number): Promise<boolean>;
}
