// Host paths the agent owns. `WORKSTATIONS_ROOT` (tests only) relocates nothing: the
// agent always runs inside the host it manages (the test host is a real chroot).
export const AGENT_DIR = '/usr/local/lib/workstations';
export const AGENT_PATH = `${AGENT_DIR}/agent.js`;
export const UPLOAD_DIR = '/var/lib/workstations/upload';
export const STATE_DIR = '/var/lib/workstations';
export const STATE_FILE = `${STATE_DIR}/state.json`;
export const LOCK_FILE = `${STATE_DIR}/agent.lock`;
export const MIRROR_DIR = `${STATE_DIR}/mirrors`;
export const SNAPSHOT_DIR = `${STATE_DIR}/cutover`;
/** Journals of code_layout moves in progress (agent/steps/layout.ts), one per person. */
export const LAYOUT_DIR = `${STATE_DIR}/layout`;
export const TTYD_USER_MAP = '/etc/ttyd-user-map';
export const T3_DISPATCH = '/etc/t3-serve/dispatch.json';
export const TMUX_SCOPE_DROPIN = '/etc/systemd/user/tmux-spawn-.scope.d/50-workstations-memory.conf';
export const userSliceDropIn = (uid: number) => `/etc/systemd/system/user-${uid}.slice.d/50-workstations-memory.conf`;
/** First sticky per-user port for t3-serve. */
export const FIRST_PORT = 3773;
