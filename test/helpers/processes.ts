import { readdirSync, readFileSync } from 'node:fs';

interface ProcInfo {
  pid: number;
  ppid: number;
  state: string;
}

/** Every live process: pid, parent and state letter, from /proc/<pid>/stat. */
export function listProcesses(): ProcInfo[] {
  const out: ProcInfo[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // "pid (comm) S ppid ...": comm may hold spaces and parentheses, so split after the last ") ".
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const [state, ppid] = stat.slice(stat.lastIndexOf(') ') + 2).split(' ');
      out.push({ pid: Number(entry), ppid: Number(ppid), state });
    } catch {
      // the process ended while we looked
    }
  }
  return out;
}

/** Zombies whose parent is `pid` (this test process by default): children nobody reaped. */
export function zombieChildrenOf(pid = process.pid): number[] {
  return listProcesses()
    .filter((p) => p.ppid === pid && p.state === 'Z')
    .map((p) => p.pid);
}

/** Live (not zombie) descendants of `pid`. */
export function descendantsOf(pid: number): number[] {
  const all = listProcesses().filter((p) => p.state !== 'Z');
  const found: number[] = [];
  let frontier = [pid];
  while (frontier.length) {
    const children = all.filter((p) => frontier.includes(p.ppid)).map((p) => p.pid);
    found.push(...children);
    frontier = children;
  }
  return found;
}

/** The PIXASHOT_POOL_ID in a process's environment (the browser pool marks every Chrome it starts). */
export function poolIdOf(pid: number): string | undefined {
  try {
    const env = readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0');
    return env.find((v) => v.startsWith('PIXASHOT_POOL_ID='))?.slice('PIXASHOT_POOL_ID='.length);
  } catch {
    return undefined;
  }
}

/** Whether a process with this PID exists and is not a zombie. */
export function isAlive(pid: number): boolean {
  return listProcesses().some((p) => p.pid === pid && p.state !== 'Z');
}

/** The command line of a process, arguments joined by spaces ('' when it is gone). */
export function commandOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'latin1').split('\0').join(' ').trim();
  } catch {
    return '';
  }
}
