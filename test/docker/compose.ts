// Drives docker/docker-compose.yml for the Docker test under one unique project name: `docker compose`
// (v2) where installed, else `docker-compose` (v1); and the docker CLI for what compose does not report
// (health, exit codes, processes, what is left behind).

import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parse } from 'yaml';

const exec = promisify(execFile);
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const COMPOSE_FILE = 'docker/docker-compose.yml';
const MAX_BUFFER = 64 * 1024 * 1024;

export async function docker(args: string[], timeoutMs = 120_000): Promise<string> {
  const { stdout } = await exec('docker', args, { cwd: ROOT, timeout: timeoutMs, maxBuffer: MAX_BUFFER });
  return stdout.trim();
}

/** The parts of `docker inspect` the test reads. */
export interface Container {
  Id: string;
  Name: string;
  RestartCount: number;
  Config: { User: string };
  State: {
    Status: string; Running: boolean; ExitCode: number; StartedAt: string; FinishedAt: string;
    /** The host pid of the container's PID 1. */
    Pid: number;
    Health?: { Status: string; Log: { Start: string; ExitCode: number; Output: string }[] };
  };
}

export async function inspect(id: string): Promise<Container> {
  return (JSON.parse(await docker(['inspect', id])) as Container[])[0];
}

/** A docker timestamp (RFC 3339 with nanoseconds) in epoch milliseconds. */
export function dockerTime(timestamp: string): number {
  return Date.parse(timestamp.replace(/(\.\d{3})\d*/, '$1'));
}

/** Each service's `stop_grace_period` in the compose file, in milliseconds (compose's default: 10 s). */
export async function gracePeriodsMs(): Promise<Record<string, number>> {
  const compose = parse(await readFile(`${ROOT}${COMPOSE_FILE}`, 'utf8')) as { services: Record<string, { stop_grace_period?: string }> };
  return Object.fromEntries(Object.entries(compose.services).map(([name, service]) => {
    const [, amount, unit] = /^(\d+)(ms|s|m)$/.exec(service.stop_grace_period ?? '10s') ?? [];
    return [name, Number(amount) * { ms: 1, s: 1000, m: 60_000 }[unit as 'ms' | 's' | 'm']];
  }));
}

export class ComposeStack {
  private constructor(private readonly command: string[], readonly project: string, private readonly env: Record<string, string>) {}

  static async open(project: string, env: Record<string, string>): Promise<ComposeStack> {
    const v2 = await exec('docker', ['compose', 'version']).then(() => true, () => false);
    return new ComposeStack(v2 ? ['docker', 'compose'] : ['docker-compose'], project, env);
  }

  /** Runs a compose command on the project; resolves with its output (compose reports on stderr). */
  async run(args: string[], timeoutMs = 600_000): Promise<string> {
    const [file, ...subcommand] = this.command;
    const { stdout, stderr } = await exec(file, [...subcommand, '-p', this.project, '-f', COMPOSE_FILE, ...args], {
      cwd: ROOT, env: { ...process.env, ...this.env }, timeout: timeoutMs, maxBuffer: MAX_BUFFER,
    });
    return stdout + stderr;
  }

  /** Ids of a service's containers, stopped ones included, in the order of their names (worker 1, 2, ...). */
  async containers(service: string): Promise<string[]> {
    const ids = await docker(['ps', '-a', '-q', '--no-trunc', '--filter', `label=com.docker.compose.project=${this.project}`, '--filter', `label=com.docker.compose.service=${service}`]);
    const named = await Promise.all(ids.split('\n').filter(Boolean).map(async (id) => ({ id, name: (await inspect(id)).Name })));
    return named.sort((a, b) => a.name.localeCompare(b.name, 'en', { numeric: true })).map((c) => c.id);
  }

  async container(service: string): Promise<string> {
    const ids = await this.containers(service);
    if (ids.length !== 1) throw new Error(`expected one ${service} container, found ${ids.length}`);
    return ids[0];
  }

  /** Resolves once the service's (single) container reports healthy; throws when it stops or turns unhealthy. */
  async waitHealthy(service: string, timeoutMs = 180_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const { State } = await inspect(await this.container(service));
      if (State.Health?.Status === 'healthy') return;
      if (!State.Running || State.Health?.Status === 'unhealthy' || Date.now() > deadline) {
        const checks = State.Health?.Log.map((check) => `${check.Start} exit ${check.ExitCode}: ${check.Output.trim()}`).join('\n');
        throw new Error(`${service} is not healthy (${State.Status}, health ${State.Health?.Status}); last checks:\n${checks}\n${await this.logs(service)}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }

  /** The processes running in a container, as the host sees them: host pid, user id and command line. */
  async processes(id: string): Promise<{ pid: number; uid: number; command: string }[]> {
    const lines = (await docker(['top', id, '-eo', 'pid,uid,args'])).split('\n').slice(1);
    return lines.map((line) => {
      const [, pid, uid, command] = /^\s*(\d+)\s+(\d+)\s+(.*)$/.exec(line) ?? [];
      return { pid: Number(pid), uid: Number(uid), command };
    });
  }

  async logs(service?: string): Promise<string> {
    return this.run(['logs', '--no-color', ...(service ? [service] : [])]);
  }

  /** Containers, networks and volumes that still carry the project's label. */
  async leftovers(): Promise<{ containers: string[]; networks: string[]; volumes: string[] }> {
    const label = `label=com.docker.compose.project=${this.project}`;
    const list = async (args: string[]) => (await docker([...args, '--filter', label])).split('\n').filter(Boolean);
    return {
      containers: await list(['ps', '-a', '--format', '{{.Names}}']),
      networks: await list(['network', 'ls', '--format', '{{.Name}}']),
      volumes: await list(['volume', 'ls', '--format', '{{.Name}}']),
    };
  }
}
