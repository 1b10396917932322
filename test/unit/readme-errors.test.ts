// README "What errors look like" shows a real run: the command and the lines it prints
// are read from the README and checked against the real `validate` command, so the
// example cannot drift from the code (or name a file that does not exist).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../support/inputs';
import { runBin } from '../support/run';

function readmeExample(): { args: string[]; lines: string[] } {
  const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
  const section = readme.split('\n## What errors look like\n')[1]?.split('\n## ')[0];
  if (section === undefined) throw new Error('README.md has no "## What errors look like" section');
  const block = /\n```\n([\s\S]*?)\n```\n/.exec(section)?.[1];
  if (block === undefined) throw new Error('"What errors look like" has no code block');
  const [command, ...lines] = block.split('\n');
  const prefix = '$ npm run --silent validate -- ';
  if (!command.startsWith(prefix)) throw new Error(`the example must start with "${prefix}...", got: ${command}`);
  return { args: command.slice(prefix.length).split(' '), lines };
}

test('the README error example is what validate prints for its fixture', () => {
  const { args, lines } = readmeExample();
  for (const file of args.filter((a) => !a.startsWith('-'))) expect(existsSync(join(REPO_ROOT, file))).toBe(true);
  const r = runBin('validate', args);
  expect(r.stdout).toBe('');
  expect(r.stderr.split('\n')).toEqual([...lines, '']);
  expect(r.code).toBe(1);
});
