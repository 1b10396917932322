// Preflight: runs before onboarding and fails with the FULL list of what is missing on
// the devvm (memory, swap, disk, the programs a Workstation needs, systemd and the unit
// templates of the per-person daemons), so nobody is onboarded onto a host that cannot
// carry them. A missing program is named with the package that provides it. Claude Code is
// not a host program here (each person has their own install): converge reports it per
// person (claude-install.ts) and never blocks onboarding on it.
import { existsSync, readFileSync, statfsSync } from 'node:fs';
import { bytesToSize, sizeToBytes } from '../../src/roster/values';
import type { PreflightSpec } from '../input';
import { commandExists } from '../exec';
import { failed, ok, Outcome } from '../report';
import { missingProgram } from './binary-packages';
import { missingUnitTemplates } from './systemd';
import { reconcilerPreflight } from './reconciler';

function meminfo(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of readFileSync('/proc/meminfo', 'utf8').split('\n')) {
    const m = /^(\w+):\s+(\d+) kB/.exec(line);
    if (m) out[m[1]] = Number(m[2]) * 1024;
  }
  return out;
}

export function missingPrerequisites(spec: PreflightSpec): string[] {
  const missing: string[] = [];
  const mem = meminfo();
  const need = (what: string, have: number, want: string) => {
    if (have < sizeToBytes(want)) missing.push(`${what}: ${bytesToSize(Math.floor(have / 1024 ** 2) * 1024 ** 2)} free, need ${want}`);
  };
  need('memory', mem.MemAvailable ?? 0, spec.minFreeMemory);
  need('swap', mem.SwapFree ?? 0, spec.minFreeSwap);
  const fs = statfsSync(existsSync('/home') ? '/home' : '/');
  need('disk (/home)', fs.bavail * fs.bsize, spec.minFreeDisk);
  for (const bin of spec.binaries) if (!commandExists(bin)) missing.push(missingProgram(bin));
  if (spec.systemd && !existsSync('/run/systemd/system')) missing.push('systemd is not running');
  // The devvm ships the per-person unit templates; the agent only enables instances.
  else if (spec.systemd) for (const t of missingUnitTemplates()) missing.push(`unit file not installed: ${t}`);
  missing.push(...reconcilerPreflight());
  return missing;
}

export function preflight(spec: PreflightSpec): Outcome {
  const missing = missingPrerequisites(spec);
  return missing.length ? failed(`devvm not ready: ${missing.join('; ')}`) : ok('memory, swap, disk, programs' + (spec.systemd ? ', systemd, unit files' : ''));
}
