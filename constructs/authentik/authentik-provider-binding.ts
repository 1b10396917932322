// Hand-written, minimal cdktf binding for the goauthentik/authentik Terraform provider.
//
// Why hand-written: no prebuilt @cdktf/provider-authentik package exists, and
// `cdktf get` needs to download the provider schema, which this machine cannot do.
// This uses cdktf's documented escape hatch (subclassing TerraformProvider /
// TerraformResource / TerraformDataSource and implementing synthesizeAttributes) for
// exactly the things we use: the provider, data source `authentik_user` by username,
// data source `authentik_group` by name or pk (migration observe/adopt), and resource
// `authentik_group` with name, users and (adopt) parent. Attribute names are those of the
// provider's schema at AUTHENTIK_PROVIDER_VERSION (checked in test/unit/provider-schemas.test.ts).
//
// To replace it with generated bindings, on a machine with registry access:
//   1. add "goauthentik/authentik@2025.10.1" to cdktf.json "terraformProviders";
//   2. run `npx --package cdktf-cli@0.21.0 cdktf get` (writes .gen/providers/authentik);
//   3. import Provider, DataAuthentikUser and Group from .gen instead of this file;
//   4. `npm test`: the stack snapshot must not change.
import { ITerraformIterator, TerraformDataSource, TerraformProvider, TerraformResource, TerraformResourceLifecycle } from 'cdktf';
import { Construct } from 'constructs';

export const AUTHENTIK_PROVIDER_SOURCE = 'goauthentik/authentik';
export const AUTHENTIK_PROVIDER_VERSION = '2025.10.1';

export interface AuthentikProviderConfig {
  /** Authentik base URL, e.g. https://authentik.viktorbarzin.me. The token comes from AUTHENTIK_TOKEN. */
  readonly url: string;
}

export class AuthentikProvider extends TerraformProvider {
  private readonly url: string;

  constructor(scope: Construct, id: string, config: AuthentikProviderConfig) {
    super(scope, id, {
      terraformResourceType: 'authentik',
      terraformGeneratorMetadata: { providerName: 'authentik', providerVersion: AUTHENTIK_PROVIDER_VERSION },
      terraformProviderSource: AUTHENTIK_PROVIDER_SOURCE,
    });
    this.url = config.url;
  }

  protected synthesizeAttributes(): { [name: string]: unknown } {
    return { url: this.url };
  }
}

export interface DataAuthentikUserConfig {
  readonly username: string;
  /** One lookup per key (the username then usually comes from `each.value`). */
  readonly forEach?: ITerraformIterator;
}

/** data "authentik_user": looks a user up by username; exposes its numeric `pk`. */
export class DataAuthentikUser extends TerraformDataSource {
  private readonly username: string;

  constructor(scope: Construct, id: string, config: DataAuthentikUserConfig) {
    super(scope, id, {
      terraformResourceType: 'authentik_user',
      terraformGeneratorMetadata: { providerName: 'authentik', providerVersion: AUTHENTIK_PROVIDER_VERSION },
      forEach: config.forEach,
    });
    this.username = config.username;
  }

  /** The user's numeric primary key, as authentik_group.users expects. */
  get pk(): number {
    return this.getNumberAttribute('pk');
  }

  protected synthesizeAttributes(): { [name: string]: unknown } {
    return { username: this.username };
  }
}

export interface DataAuthentikGroupConfig {
  /** Look the group up by name ... */
  readonly name?: string;
  /** ... or by pk (a UUID); the provider takes exactly one of the two. */
  readonly pk?: string;
  readonly forEach?: ITerraformIterator;
  /** e.g. a postcondition that the group found by pk has the expected name. */
  readonly lifecycle?: TerraformResourceLifecycle;
}

/**
 * data "authentik_group": one existing group with its members (`include_users` defaults to
 * true in the provider; written out so the intent is visible). Exposes `pk` (UUID, the
 * import ID of authentik_group), `parent`, `users` (numeric pks) and `users_obj`.
 */
export class DataAuthentikGroup extends TerraformDataSource {
  private readonly config: DataAuthentikGroupConfig;

  constructor(scope: Construct, id: string, config: DataAuthentikGroupConfig) {
    super(scope, id, {
      terraformResourceType: 'authentik_group',
      terraformGeneratorMetadata: { providerName: 'authentik', providerVersion: AUTHENTIK_PROVIDER_VERSION },
      forEach: config.forEach,
      lifecycle: config.lifecycle,
    });
    this.config = config;
  }

  protected synthesizeAttributes(): { [name: string]: unknown } {
    const { name, pk } = this.config;
    return { ...(name !== undefined ? { name } : {}), ...(pk !== undefined ? { pk } : {}), include_users: true };
  }
}

export interface AuthentikGroupConfig {
  readonly name: string;
  /** Numeric user primary keys (DataAuthentikUser.pk). */
  readonly users: number[];
  /** The parent group's pk; left out (not written) unless given. */
  readonly parent?: string;
  readonly lifecycle?: TerraformResourceLifecycle;
}

/** resource "authentik_group": a group and its complete member list. */
export class AuthentikGroup extends TerraformResource {
  private readonly config: AuthentikGroupConfig;

  constructor(scope: Construct, id: string, config: AuthentikGroupConfig) {
    super(scope, id, {
      terraformResourceType: 'authentik_group',
      terraformGeneratorMetadata: { providerName: 'authentik', providerVersion: AUTHENTIK_PROVIDER_VERSION },
      lifecycle: config.lifecycle,
    });
    this.config = config;
  }

  protected synthesizeAttributes(): { [name: string]: unknown } {
    const { name, users, parent } = this.config;
    return { name, users, ...(parent !== undefined ? { parent } : {}) };
  }
}
