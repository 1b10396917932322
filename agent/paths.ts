// Host paths the agent owns. `WORKSTATIONS_ROOT` (tests only) relocates nothing: the
// agent always runs inside the host it manages (the test host is a real chroot).
export const AGENT_DIR = '/usr/local/lib/workstations';
export const AGENT_PATH = `${AGENT_DIR}/agent.js`;
/**
 * Node's options for every run of the agent that this product starts (the provisioners, the
 * plan's tombstone look). A converge is a short run that allocates about 8 MB; V8's young
 * generation starts at 1 MB, so the run collected it 6 times, copying what survived each
 * time. 16 MB makes that 2, at the same peak RSS (docs/bench.md, converge). V8 keys its code
 * cache to its flags, and so does the loader's cache name (agent/loader.ts cacheFileName):
 * an admin's `node agent.js status` keeps a cache of its own.
 */
export const AGENT_NODE_OPTIONS: readonly string[] = ['--min-semi-space-size=16'];
/** `node <AGENT_NODE_OPTIONS> <agent>`: the start of a shell command that runs the agent. */
export const agentCommand = (agent: string = AGENT_PATH): string => ['node', ...AGENT_NODE_OPTIONS, agent].join(' ');
export const UPLOAD_DIR = '/var/lib/workstations/upload';
export const STATE_DIR = '/var/lib/workstations';
export const STATE_FILE = `${STATE_DIR}/state.json`;
export const LOCK_FILE = `${STATE_DIR}/agent.lock`;
export const MIRROR_DIR = `${STATE_DIR}/mirrors`;
export const SNAPSHOT_DIR = `${STATE_DIR}/cutover`;
/** The host spec the `host` command last installed (writers of the host-wide files). */
export const HOST_SPEC_FILE = `${STATE_DIR}/host.json`;
/** Journals of code_layout moves in progress (agent/steps/layout.ts), one per person. */
export const LAYOUT_DIR = `${STATE_DIR}/layout`;
export const TTYD_USER_MAP = '/etc/ttyd-user-map';
/** Who may "act as" another person in the web terminal: one web key per line. */
export const TTYD_ADMINS = '/etc/ttyd-admins';
export const T3_DIR = '/etc/t3-serve';
export const T3_DISPATCH = `${T3_DIR}/dispatch.json`;
/** What `t3-serve@<os_user>.service` reads (`EnvironmentFile=`, no `-`: the unit fails without it). */
export const t3EnvFile = (osUser: string) => `${T3_DIR}/${osUser}.env`;
export const MANAGED_SETTINGS = '/etc/claude-code/managed-settings.json';
export const TMUX_SCOPE_DROPIN = '/etc/systemd/user/tmux-spawn-.scope.d/50-workstations-memory.conf';
/**
 * systemd reads the drop-ins of every directory that applies to a unit (user-1000.slice.d/,
 * user-.slice.d/, slice.d/) sorted by FILE NAME, whatever the directory, and a later file
 * wins for the same key. The homelab's `user-.slice.d/50-devvm-resource.conf` (MemoryMax=24G
 * for everyone) must lose to the person's budget: ours is named 90-..., after every 50-...
 */
export const SLICE_DROPIN_NAME = '90-workstations-memory.conf';
/** The name before it sorted deliberately after the homelab's drop-in (migrated away). */
export const OLD_SLICE_DROPIN_NAME = '50-workstations-memory.conf';
export const userSliceDir = (uid: number) => `/etc/systemd/system/user-${uid}.slice.d`;
export const userSliceDropIn = (uid: number) => `${userSliceDir(uid)}/${SLICE_DROPIN_NAME}`;
/** First sticky per-user port for t3-serve. */
export const FIRST_PORT = 3773;
