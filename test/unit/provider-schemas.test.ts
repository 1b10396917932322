// Terraform attribute names of the migration blocks checked against the providers' schemas.
// kubernetes: the prebuilt @cdktf/provider-kubernetes classes are generated from the
// provider's schema (2.38.0): an instance's synthesizeAttributes() lists every attribute.
// authentik (no prebuilt package): the schema below is recorded from the provider's source
// at the version the binding pins (goauthentik/terraform-provider-authentik v2025.10.1,
// pkg/provider/resource_group.go, data_source_group.go, data_source_user.go).
// Terraform's own blocks (import, removed, lifecycle) against Terraform 1.11's language.
import { App, TerraformStack } from 'cdktf';
import { DataKubernetesResources } from '@cdktf/provider-kubernetes/lib/data-kubernetes-resources';
import { AUTHENTIK_PROVIDER_VERSION } from '../../constructs/authentik/authentik-provider-binding';
import { exampleInputs } from '../support/inputs';
import { synthWorkstations, TfJson } from '../support/synth';

const AUTHENTIK_SCHEMA = {
  version: '2025.10.1',
  resource: { authentik_group: ['name', 'is_superuser', 'parent', 'users', 'attributes', 'roles'] },
  data: {
    authentik_group: ['pk', 'num_pk', 'name', 'include_users', 'is_superuser', 'parent', 'parent_name', 'users', 'attributes', 'users_obj'],
    authentik_user: ['pk', 'username', 'type', 'name', 'is_active', 'last_login', 'date_joined', 'is_superuser', 'groups', 'email', 'avatar', 'attributes', 'uid', 'uuid', 'path'],
  },
} as const;
/** Computed-only attributes: read, never written in a configuration. */
const AUTHENTIK_COMPUTED = { authentik_group: ['num_pk', 'is_superuser', 'parent', 'parent_name', 'users', 'attributes', 'users_obj'] };
const META = ['for_each', 'count', 'depends_on', 'provider', 'lifecycle', '//'];

const base = exampleInputs();
const modes = (m: 'observe' | 'adopt') => ({ ...base, site: { ...base.site, migration: { ...base.site.migration, authentik: m, kubernetes: m } } });
const stacks: [string, TfJson][] = [
  ['observe', synthWorkstations(modes('observe'))],
  ['adopt', synthWorkstations(modes('adopt'))],
  ['adopt with a pk', synthWorkstations({ ...modes('adopt'), adoption: { version: 1, authentik: { groups: { 'T3 Users': '5f0c7a1e-2b1d-4c55-9a43-0d6f3c1b9e27' } } } })],
];

test('the recorded Authentik schema is the version the binding pins', () => {
  expect(AUTHENTIK_SCHEMA.version).toBe(AUTHENTIK_PROVIDER_VERSION);
});

describe.each(stacks)('%s', (_mode, tf) => {
  test('authentik attributes, ignore_changes and the exactly-one-of pk/name rule', () => {
    for (const [name, body] of Object.entries(tf.resource.authentik_group ?? {})) {
      for (const key of Object.keys(body)) expect({ name, key, ok: [...AUTHENTIK_SCHEMA.resource.authentik_group, ...META].includes(key as never) }).toEqual({ name, key, ok: true });
      for (const a of (body.lifecycle as { ignore_changes?: string[] } | undefined)?.ignore_changes ?? []) {
        expect(AUTHENTIK_SCHEMA.resource.authentik_group).toContain(a);
      }
    }
    for (const [type, byName] of Object.entries(tf.data ?? {}).filter(([t]) => t.startsWith('authentik_'))) {
      const schema = AUTHENTIK_SCHEMA.data[type as keyof typeof AUTHENTIK_SCHEMA.data];
      expect(schema).toBeDefined();
      for (const body of Object.values(byName)) {
        for (const key of Object.keys(body)) {
          expect({ type, key, ok: [...schema, ...META].includes(key as never) }).toEqual({ type, key, ok: true });
          expect({ type, key, computed: (AUTHENTIK_COMPUTED as Record<string, string[]>)[type]?.includes(key) ?? false }).toEqual({ type, key, computed: false });
        }
        if (type === 'authentik_group') expect(['pk' in body, 'name' in body].filter(Boolean)).toHaveLength(1);
      }
    }
  });

  test('kubernetes_resources data sources use only the generated schema attributes', () => {
    const stack = new TerraformStack(new App(), 'schema');
    const generated = new DataKubernetesResources(stack, 'x', { apiVersion: 'v1', kind: 'K' }) as unknown as { synthesizeAttributes(): Record<string, unknown> };
    const attributes = Object.keys(generated.synthesizeAttributes());
    expect(attributes).toEqual(expect.arrayContaining(['api_version', 'kind', 'namespace', 'objects']));
    for (const body of Object.values(tf.data?.kubernetes_resources ?? {})) {
      for (const key of Object.keys(body)) expect([...attributes, ...META]).toContain(key);
    }
  });

  test("Terraform's import, removed and lifecycle blocks use only the language's arguments", () => {
    for (const i of (tf.import ?? []) as Record<string, unknown>[]) for (const k of Object.keys(i)) expect(['to', 'id', 'for_each', 'provider']).toContain(k);
    for (const r of (tf.removed ?? []) as { lifecycle: Record<string, unknown> }[]) {
      for (const k of Object.keys(r)) expect(['from', 'lifecycle', 'provisioner', 'connection']).toContain(k);
      expect(Object.keys(r.lifecycle)).toEqual(['destroy']);
    }
    for (const byName of [...Object.values(tf.resource), ...Object.values(tf.data ?? {})]) {
      for (const body of Object.values(byName)) {
        for (const k of Object.keys((body.lifecycle ?? {}) as object)) {
          expect(['create_before_destroy', 'prevent_destroy', 'ignore_changes', 'replace_triggered_by', 'precondition', 'postcondition']).toContain(k);
        }
      }
    }
  });
});
