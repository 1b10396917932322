// agent/accounts.ts: the passwd shortcut reads /etc/passwd only when nsswitch.conf makes
// `files` the first source of passwd, and then finds what getent would: the first line for
// a name, or for a uid when the key is all digits. On this machine the shortcut and getent
// agree for every account it has.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { getAccount, nssSources, passwdLine } from '../../agent/accounts';

test('nssSources: the sources of one database, without actions or comments', () => {
  const conf = ['# passwd: nis', 'passwd:         files systemd', 'group: files [SUCCESS=merge] sss # trailing', 'hosts: files dns', ''].join('\n');
  expect(nssSources(conf, 'passwd')).toEqual(['files', 'systemd']);
  expect(nssSources(conf, 'group')).toEqual(['files', 'sss']);
  expect(nssSources(conf, 'shadow')).toEqual([]);
  expect(nssSources('passwd: sss files\n', 'passwd')[0]).toBe('sss');
  expect(nssSources('passwd: compat\n', 'passwd')).toEqual(['compat']);
});

test('passwdLine: first match by name, or by uid for digits; comments and malformed lines skipped', () => {
  const passwd = ['# root:x:0:0::/root:/bin/sh', 'broken:x:5', 'alice:x:1001:1001::/home/alice:/bin/bash', 'alice:x:1002:1002::/home/alice2:/bin/sh', 'bob:x:1001:1001::/home/bob:/bin/sh', ''].join('\n');
  expect(passwdLine(passwd, 'alice')).toBe('alice:x:1001:1001::/home/alice:/bin/bash');
  expect(passwdLine(passwd, '1001')).toBe('alice:x:1001:1001::/home/alice:/bin/bash');
  expect(passwdLine(passwd, 'broken')).toBeUndefined();
  expect(passwdLine(passwd, 'root')).toBeUndefined();
  expect(passwdLine(passwd, 'carol')).toBeUndefined();
});

test('getAccount answers as getent does, by name and by uid, for every account here', () => {
  const names = readFileSync('/etc/passwd', 'utf8').split('\n').filter((l) => l && !l.startsWith('#')).map((l) => l.split(':'));
  expect(names.length).toBeGreaterThan(3);
  const fromGetent = (key: string) => {
    const [name, , uid, gid, , home, shell] = execFileSync('getent', ['passwd', key], { encoding: 'utf8' }).trim().split(':');
    return { name, uid: Number(uid), gid: Number(gid), home, shell };
  };
  for (const [name, , uid] of names) {
    expect(getAccount(name)).toEqual(fromGetent(name));
    expect(getAccount(uid)).toEqual(fromGetent(uid));
  }
  expect(getAccount('no-such-account-here')).toBeUndefined();
});
