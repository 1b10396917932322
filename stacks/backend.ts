// Tier-1 State tier: every stack keeps its state in the homelab's PG state backend,
// one schema per stack.
import { PgBackend, PgBackendConfig } from 'cdktf';
import { Construct } from 'constructs';

/**
 * The connection string is deliberately absent: PgBackend then synthesizes no
 * `conn_str`, and Terraform reads PG_CONN_STR from the environment of whoever runs
 * the plan. A connection string (with its password) never enters code, plan or state.
 */
export function tier1Backend(scope: Construct, schemaName: string): PgBackend {
  const config = { schemaName } as PgBackendConfig; // connStr intentionally omitted, see above
  return new PgBackend(scope, config);
}
