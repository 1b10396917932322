// Running the agent in a chroot test host so that it can be SIGKILLed as a whole process
// group mid-step, and its killed children are still reaped (devvm-crash, devvm-layout).

/** prctl(2)'s syscall number, for PR_SET_CHILD_SUBREAPER (36). */
const SYS_PRCTL: Record<string, number> = { x64: 157, arm64: 167 };

/**
 * A real devvm's init (systemd) reaps orphans at once; this machine's PID 1 may not (a VM
 * or container init). An unreaped killed `gpasswd` is a zombie that still "holds"
 * /etc/gshadow.lock (shadow tests the lock's pid with kill(pid, 0), which a zombie passes),
 * so the next gpasswd would fail for a reason no devvm has. The killed agent therefore runs
 * under a tiny subreaper (perl-base is Essential on Debian), outside the group that is
 * killed; it prints the group's id as "pgid <n>" on stderr.
 */
export const SUBREAPER = `syscall(${SYS_PRCTL[process.arch]}, 36, 1, 0, 0, 0) == 0 or die "prctl: $!";
my $p = fork // die "fork: $!"; if (!$p) { setpgrp(0, 0); exec @ARGV or die "exec: $!" }
print STDERR "pgid $p\\n"; 1 while waitpid(-1, 0) > 0;`;
