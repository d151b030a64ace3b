/**
 * The systemd units `ysh-edge install-service` writes. The agent runs as its own system user with
 * the filesystem read-only except its data directory, no privileges, restart on any exit, a memory
 * ceiling derived from the heap settings the README documents, and logs in journald. A timer checks
 * /health every minute and restarts an agent that no longer answers (a hung event loop exits
 * nothing, so Restart= alone would not see it).
 */
export interface UnitOptions {
  /** Absolute path of the node binary. */
  node: string;
  /** Absolute path of the ysh-edge entry script. */
  entry: string;
  user: string;
  dataDir: string;
  /** Local site config file (sites without remote configuration); undefined = enrolled agent. */
  configPath?: string | undefined;
  /** /health and /metrics port. */
  port: number;
  /** V8 old-space limit in MiB (README: 80 is enough for 500 devices). */
  heapMb: number;
  /** Serial ports the agent may open (RS-485 adapters). */
  serialDevices: readonly string[];
  name: string;
}

export const DEFAULT_UNIT: Omit<UnitOptions, 'node' | 'entry'> = {
  user: 'ysh-edge',
  dataDir: '/var/lib/ysh-edge',
  port: 7070,
  heapMb: 80,
  serialDevices: ['char-ttyUSB', 'char-ttyACM', 'char-ttyS', 'char-ttyAMA'],
  name: 'ysh-edge',
};

/** Heap + semi-spaces + code, buffers and native memory: the README's measured RSS is ~1.7 × heap. */
export function memoryMaxMb(heapMb: number): number {
  return Math.ceil(heapMb * 2 + 32);
}

const quote = (s: string) => (/^[A-Za-z0-9_./:=@+-]+$/.test(s) ? s : `"${s.replace(/(["\\])/g, '\\$1')}"`);

export function serviceUnit(o: UnitOptions): string {
  const exec = [o.node, o.entry, 'run', ...(o.configPath ? ['--config', o.configPath] : [])].map(quote).join(' ');
  const mem = memoryMaxMb(o.heapMb);
  return `# Written by ysh-edge install-service; remove with ysh-edge uninstall-service.
[Unit]
Description=YSH Telemetry edge agent (inverters to the platform)
Documentation=https://github.com/ysh-telemetry/ysh-telemetry/tree/main/edge-agent
Wants=network-online.target
After=network-online.target
StartLimitIntervalSec=0

[Service]
Type=simple
User=${o.user}
Group=${o.user}
SupplementaryGroups=dialout
Environment=YSH_DATA_DIR=${quote(o.dataDir)}
Environment=YSH_EDGE_PORT=${o.port}
Environment=YSH_LOG_LEVEL=info
Environment=NODE_ENV=production
Environment="NODE_OPTIONS=--max-old-space-size=${o.heapMb} --max-semi-space-size=8"
Environment=MALLOC_ARENA_MAX=2
WorkingDirectory=${quote(o.dataDir)}
ExecStart=${exec}
ExecReload=/bin/kill -HUP $MAINPID
Restart=always
RestartSec=5
TimeoutStopSec=30
KillMode=mixed
# Memory: the heap limit above, with room for buffers and native memory; past MemoryHigh the kernel
# reclaims, at MemoryMax the agent is killed and restarted (its buffer is on disk).
MemoryHigh=${Math.ceil(mem * 0.85)}M
MemoryMax=${mem}M
# Logs: JSON lines on stdout into journald (journalctl -u ${o.name}).
StandardOutput=journal
StandardError=journal
SyslogIdentifier=${o.name}
# Hardening: its own user, nothing writable but the data directory, no privileges.
UMask=0077
NoNewPrivileges=yes
ProtectSystem=strict
ReadWritePaths=${quote(o.dataDir)}
ProtectHome=yes
PrivateTmp=yes
DevicePolicy=closed
${o.serialDevices.map((d) => `DeviceAllow=${d} rw`).join('\n')}
ProtectKernelTunables=yes
ProtectKernelModules=yes
ProtectKernelLogs=yes
ProtectControlGroups=yes
ProtectClock=yes
ProtectHostname=yes
ProtectProc=invisible
ProcSubset=pid
RestrictNamespaces=yes
RestrictRealtime=yes
RestrictSUIDSGID=yes
LockPersonality=yes
RemoveIPC=yes
CapabilityBoundingSet=
AmbientCapabilities=
RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX AF_NETLINK
SystemCallArchitectures=native
SystemCallFilter=@system-service
SystemCallFilter=~@privileged
# MemoryDenyWriteExecute is left off: V8's JIT needs writable, executable pages.

[Install]
WantedBy=multi-user.target
`;
}

/** The health check the timer runs: restart the agent when /health does not answer 200 in time. */
export function watchdogUnit(o: UnitOptions): string {
  const check = [o.node, o.entry, 'health', '--port', String(o.port)].map(quote).join(' ');
  return `# Written by ysh-edge install-service: restarts ${o.name} when its /health stops answering.
[Unit]
Description=YSH Telemetry edge agent health check
After=${o.name}.service
Requisite=${o.name}.service

[Service]
Type=oneshot
ExecStart=/bin/sh -c '${check} || /bin/systemctl restart ${o.name}.service'
NoNewPrivileges=yes
ProtectHome=yes
PrivateTmp=yes
StandardOutput=journal
SyslogIdentifier=${o.name}-watchdog
`;
}

export function watchdogTimer(o: UnitOptions): string {
  return `# Written by ysh-edge install-service.
[Unit]
Description=YSH Telemetry edge agent health check every minute

[Timer]
Unit=${o.name}-watchdog.service
OnActiveSec=2min
OnUnitActiveSec=1min
AccuracySec=10s

[Install]
WantedBy=timers.target
`;
}
