// Value lists of site.yaml that the devvm agent needs too. Apart from site-schema.ts (which
// builds its enums from them) so the agent bundle does not carry, and build on every
// provisioner call, the whole site schema for two constants.

/** Who writes a host-wide file on the devvm: the shipped hourly reconciler or this product (one writer at a time). */
export const HOST_FILE_WRITERS = ['reconciler', 'workstations'] as const;
export type HostFileWriter = (typeof HOST_FILE_WRITERS)[number];

/** kubelogin --grant-type values a shared host can use (no password grant: it would put a password in a kubeconfig). */
export const KUBELOGIN_GRANT_TYPES = ['authcode-keyboard', 'device-code', 'authcode'] as const;
