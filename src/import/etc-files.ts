// The devvm's /etc/passwd and /etc/group, line by line, as copied from the host. An
// unparsable line is a problem at that line, never skipped in silence.
import { problemAt, ImportProblem, SourcePos } from './problems';

export interface PasswdEntry {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
  readonly home: string;
  readonly shell: string;
  /** The line, and the columns of the fields problems point at. */
  readonly pos: SourcePos;
  readonly uidPos: SourcePos;
  readonly shellPos: SourcePos;
}

export interface GroupEntry {
  readonly name: string;
  readonly gid: number;
  readonly members: readonly string[];
  readonly pos: SourcePos;
  /** Position of each listed member on the line. */
  readonly memberPos: ReadonlyMap<string, SourcePos>;
}

interface Line {
  readonly fields: string[];
  /** 1-based column where each field starts. */
  readonly cols: number[];
  readonly pos: SourcePos;
}

/** Non-empty, non-comment lines split on ':'. */
function lines(file: string, text: string): Line[] {
  const out: Line[] = [];
  text.split('\n').forEach((raw, i) => {
    const content = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (content.trim() === '' || content.startsWith('#')) return;
    const fields = content.split(':');
    const cols: number[] = [];
    let col = 1;
    for (const f of fields) {
      cols.push(col);
      col += f.length + 1;
    }
    out.push({ fields, cols, pos: { file, line: i + 1, col: 1 } });
  });
  return out;
}

const NAME = /^[A-Za-z_][A-Za-z0-9._-]*\$?$/;
const ID = /^(0|[1-9][0-9]{0,9})$/;

function at(l: Line, field: number): SourcePos {
  return { ...l.pos, col: l.cols[field] };
}

export function parsePasswd(file: string, text: string): { entries: PasswdEntry[]; problems: ImportProblem[] } {
  const entries: PasswdEntry[] = [];
  const problems: ImportProblem[] = [];
  for (const l of lines(file, text)) {
    const f = l.fields;
    if (f.length !== 7) {
      problems.push(problemAt(l.pos, '(line)', `unparsable passwd line: expected 7 ':'-separated fields (name:password:uid:gid:gecos:home:shell), got ${f.length}`));
      continue;
    }
    if (!NAME.test(f[0])) {
      problems.push(problemAt(l.pos, '(line)', `unparsable passwd line: ${JSON.stringify(f[0])} is not an account name`));
      continue;
    }
    const bad = [2, 3].find((i) => !ID.test(f[i]));
    if (bad !== undefined) {
      problems.push(problemAt(at(l, bad), f[0], `unparsable passwd line: ${bad === 2 ? 'uid' : 'gid'} ${JSON.stringify(f[bad])} is not a number`));
      continue;
    }
    entries.push({ name: f[0], uid: Number(f[2]), gid: Number(f[3]), home: f[5], shell: f[6], pos: l.pos, uidPos: at(l, 2), shellPos: at(l, 6) });
  }
  return { entries, problems };
}

export function parseGroup(file: string, text: string): { entries: GroupEntry[]; problems: ImportProblem[] } {
  const entries: GroupEntry[] = [];
  const problems: ImportProblem[] = [];
  for (const l of lines(file, text)) {
    const f = l.fields;
    if (f.length !== 4) {
      problems.push(problemAt(l.pos, '(line)', `unparsable group line: expected 4 ':'-separated fields (name:password:gid:members), got ${f.length}`));
      continue;
    }
    if (!NAME.test(f[0])) {
      problems.push(problemAt(l.pos, '(line)', `unparsable group line: ${JSON.stringify(f[0])} is not a group name`));
      continue;
    }
    if (!ID.test(f[2])) {
      problems.push(problemAt(at(l, 2), f[0], `unparsable group line: gid ${JSON.stringify(f[2])} is not a number`));
      continue;
    }
    const memberPos = new Map<string, SourcePos>();
    let col = l.cols[3];
    for (const m of f[3].split(',')) {
      if (m !== '' && !memberPos.has(m)) memberPos.set(m, { ...l.pos, col });
      col += m.length + 1;
    }
    entries.push({ name: f[0], gid: Number(f[2]), members: [...memberPos.keys()], pos: l.pos, memberPos });
  }
  return { entries, problems };
}
