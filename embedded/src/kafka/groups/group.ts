import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { ErrorCode } from '../protocol/error-codes.ts';

export type GroupState = 'Empty' | 'PreparingRebalance' | 'CompletingRebalance' | 'Stable';

export interface JoinRequest {
  memberId: string;
  groupInstanceId: string | null;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  protocolType: string;
  protocols: { name: string; metadata: Buffer }[];
}

export interface JoinResult {
  errorCode: number;
  generationId: number;
  protocolName: string;
  leader: string;
  memberId: string;
  members: { memberId: string; groupInstanceId: string | null; metadata: Buffer }[];
}

export interface SyncResult {
  errorCode: number;
  assignment: Buffer;
}

interface Member {
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  protocols: { name: string; metadata: Buffer }[];
  assignment: Buffer;
  lastSeen: number;
  pendingJoin?: (r: JoinResult) => void;
  pendingSync?: (r: SyncResult) => void;
}

const EMPTY = Buffer.alloc(0);

function joinError(errorCode: number, memberId = ''): JoinResult {
  return { errorCode, generationId: -1, protocolName: '', leader: '', memberId, members: [] };
}

/**
 * One consumer group as an explicit state machine:
 *
 *   Empty --join--> PreparingRebalance --all members joined / rebalance timeout--> CompletingRebalance
 *   CompletingRebalance --leader's SyncGroup--> Stable
 *   Stable / CompletingRebalance --join, leave, session expiry--> PreparingRebalance
 *   PreparingRebalance --last member gone--> Empty
 *
 * JoinGroup and SyncGroup calls park until the transition that answers them.
 */
export class Group {
  state: GroupState = 'Empty';
  generationId = 0;
  protocolType: string | null = null;
  protocolName: string | null = null;
  leaderId: string | null = null;
  readonly members = new Map<string, Member>();
  private rebalanceTimer: NodeJS.Timeout | undefined;
  private delayUntil = 0;

  constructor(
    readonly groupId: string,
    private readonly initialRebalanceDelayMs: number,
    private readonly logger: Logger,
    private readonly onStateChange: (g: Group, from: GroupState) => void = () => {},
  ) {}

  private transition(to: GroupState): void {
    const from = this.state;
    if (from === to) return;
    this.state = to;
    this.logger.debug({ group: this.groupId, from, to, generation: this.generationId }, 'group state');
    this.onStateChange(this, from);
  }

  join(req: JoinRequest, clientId: string, clientHost: string): Promise<JoinResult> {
    if (req.protocols.length === 0 || req.protocolType === '') {
      return Promise.resolve(joinError(ErrorCode.INCONSISTENT_GROUP_PROTOCOL, req.memberId));
    }
    if (this.members.size > 0 && this.protocolType !== null && req.protocolType !== this.protocolType) {
      return Promise.resolve(joinError(ErrorCode.INCONSISTENT_GROUP_PROTOCOL, req.memberId));
    }
    if (
      this.members.size > 0 &&
      !this.supportsAny(
        req.protocols.map((p) => p.name),
        req.memberId,
      )
    ) {
      return Promise.resolve(joinError(ErrorCode.INCONSISTENT_GROUP_PROTOCOL, req.memberId));
    }
    let member: Member | undefined;
    if (req.memberId === '') {
      member = {
        memberId: `${clientId || 'member'}-${randomUUID()}`,
        groupInstanceId: req.groupInstanceId,
        clientId,
        clientHost,
        sessionTimeoutMs: req.sessionTimeoutMs,
        rebalanceTimeoutMs: req.rebalanceTimeoutMs > 0 ? req.rebalanceTimeoutMs : req.sessionTimeoutMs,
        protocols: req.protocols,
        assignment: EMPTY,
        lastSeen: Date.now(),
      };
      this.members.set(member.memberId, member);
    } else {
      member = this.members.get(req.memberId);
      if (!member) return Promise.resolve(joinError(ErrorCode.UNKNOWN_MEMBER_ID, req.memberId));
      member.protocols = req.protocols;
      member.sessionTimeoutMs = req.sessionTimeoutMs;
      if (req.rebalanceTimeoutMs > 0) member.rebalanceTimeoutMs = req.rebalanceTimeoutMs;
      member.lastSeen = Date.now();
      member.pendingJoin?.(joinError(ErrorCode.UNKNOWN_MEMBER_ID, req.memberId));
    }
    this.protocolType = req.protocolType;
    const m = member;
    const result = new Promise<JoinResult>((resolve) => {
      m.pendingJoin = resolve;
    });
    if (this.state !== 'PreparingRebalance') this.prepareRebalance('member joined');
    else this.maybeCompleteJoin();
    return result;
  }

  private supportsAny(names: string[], except: string): boolean {
    return names.some((n) =>
      [...this.members.values()].every((m) => m.memberId === except || m.protocols.some((p) => p.name === n)),
    );
  }

  private prepareRebalance(reason: string): void {
    for (const m of this.members.values()) {
      if (m.pendingSync) {
        m.pendingSync({ errorCode: ErrorCode.REBALANCE_IN_PROGRESS, assignment: EMPTY });
        m.pendingSync = undefined;
      }
    }
    const wasEmpty = this.state === 'Empty';
    this.transition('PreparingRebalance');
    this.logger.info({ group: this.groupId, reason, members: this.members.size }, 'rebalance');
    let timeout = 0;
    for (const m of this.members.values()) timeout = Math.max(timeout, m.rebalanceTimeoutMs);
    this.delayUntil = wasEmpty ? Date.now() + this.initialRebalanceDelayMs : 0;
    clearTimeout(this.rebalanceTimer);
    this.rebalanceTimer = setTimeout(() => this.completeJoin(), Math.max(timeout, 1));
    if (wasEmpty && this.initialRebalanceDelayMs > 0) {
      setTimeout(() => this.maybeCompleteJoin(), this.initialRebalanceDelayMs).unref();
    }
    this.maybeCompleteJoin();
  }

  private maybeCompleteJoin(): void {
    if (this.state !== 'PreparingRebalance' || Date.now() < this.delayUntil) return;
    for (const m of this.members.values()) if (!m.pendingJoin) return;
    this.completeJoin();
  }

  private completeJoin(): void {
    if (this.state !== 'PreparingRebalance') return;
    clearTimeout(this.rebalanceTimer);
    this.rebalanceTimer = undefined;
    for (const m of [...this.members.values()]) {
      if (!m.pendingJoin) {
        this.logger.info({ group: this.groupId, member: m.memberId }, 'member did not rejoin in time, removed');
        this.members.delete(m.memberId);
      }
    }
    this.generationId++;
    if (this.members.size === 0) {
      this.protocolName = null;
      this.leaderId = null;
      this.transition('Empty');
      return;
    }
    const members = [...this.members.values()];
    const first = members[0]!;
    this.protocolName =
      first.protocols.find((p) => members.every((m) => m.protocols.some((q) => q.name === p.name)))?.name ??
      first.protocols[0]!.name;
    if (this.leaderId === null || !this.members.has(this.leaderId)) this.leaderId = first.memberId;
    this.transition('CompletingRebalance');
    const protocolName = this.protocolName;
    const all = members.map((m) => ({
      memberId: m.memberId,
      groupInstanceId: m.groupInstanceId,
      metadata: m.protocols.find((p) => p.name === protocolName)?.metadata ?? EMPTY,
    }));
    const now = Date.now();
    for (const m of members) {
      const resolve = m.pendingJoin!;
      m.pendingJoin = undefined;
      m.lastSeen = now;
      m.assignment = EMPTY;
      resolve({
        errorCode: ErrorCode.NONE,
        generationId: this.generationId,
        protocolName,
        leader: this.leaderId,
        memberId: m.memberId,
        members: m.memberId === this.leaderId ? all : [],
      });
    }
  }

  sync(
    memberId: string,
    generationId: number,
    assignments: { memberId: string; assignment: Buffer }[],
  ): Promise<SyncResult> {
    const member = this.members.get(memberId);
    if (!member) return Promise.resolve({ errorCode: ErrorCode.UNKNOWN_MEMBER_ID, assignment: EMPTY });
    if (generationId !== this.generationId)
      return Promise.resolve({ errorCode: ErrorCode.ILLEGAL_GENERATION, assignment: EMPTY });
    member.lastSeen = Date.now();
    switch (this.state) {
      case 'Empty':
        return Promise.resolve({ errorCode: ErrorCode.UNKNOWN_MEMBER_ID, assignment: EMPTY });
      case 'PreparingRebalance':
        return Promise.resolve({ errorCode: ErrorCode.REBALANCE_IN_PROGRESS, assignment: EMPTY });
      case 'Stable':
        return Promise.resolve({ errorCode: ErrorCode.NONE, assignment: member.assignment });
      case 'CompletingRebalance': {
        const result = new Promise<SyncResult>((resolve) => {
          member.pendingSync = resolve;
        });
        if (memberId === this.leaderId) {
          const given = new Map(assignments.map((a) => [a.memberId, a.assignment]));
          for (const m of this.members.values()) m.assignment = given.get(m.memberId) ?? EMPTY;
          this.transition('Stable');
          for (const m of this.members.values()) {
            if (m.pendingSync) {
              m.pendingSync({ errorCode: ErrorCode.NONE, assignment: m.assignment });
              m.pendingSync = undefined;
            }
          }
        }
        return result;
      }
    }
  }

  heartbeat(memberId: string, generationId: number): number {
    const member = this.members.get(memberId);
    if (!member) return ErrorCode.UNKNOWN_MEMBER_ID;
    member.lastSeen = Date.now();
    if (generationId !== this.generationId) return ErrorCode.ILLEGAL_GENERATION;
    if (this.state === 'PreparingRebalance') return ErrorCode.REBALANCE_IN_PROGRESS;
    return ErrorCode.NONE;
  }

  leave(memberId: string): number {
    const member = this.members.get(memberId);
    if (!member) return ErrorCode.UNKNOWN_MEMBER_ID;
    this.remove(member, 'member left');
    return ErrorCode.NONE;
  }

  private remove(member: Member, reason: string): void {
    this.members.delete(member.memberId);
    member.pendingJoin?.(joinError(ErrorCode.UNKNOWN_MEMBER_ID, member.memberId));
    member.pendingSync?.({ errorCode: ErrorCode.UNKNOWN_MEMBER_ID, assignment: EMPTY });
    member.pendingJoin = undefined;
    member.pendingSync = undefined;
    if (this.leaderId === member.memberId) this.leaderId = null;
    if (this.state === 'PreparingRebalance') {
      this.maybeCompleteJoin();
      if (this.members.size === 0) this.completeJoin();
    } else if (this.members.size === 0) {
      this.generationId++;
      this.protocolName = null;
      this.transition('Empty');
    } else {
      this.prepareRebalance(reason);
    }
  }

  /** Removes members whose session expired (members parked in JoinGroup count as alive). */
  expire(now: number): void {
    for (const m of [...this.members.values()]) {
      if (m.pendingJoin) continue;
      if (now - m.lastSeen > m.sessionTimeoutMs) {
        this.logger.info({ group: this.groupId, member: m.memberId }, 'member session expired');
        this.remove(m, 'session expired');
      }
    }
  }

  /** Error code for an OffsetCommit from (generationId, memberId), following Kafka's coordinator. */
  commitError(generationId: number, memberId: string): number {
    if (generationId < 0 && memberId === '') {
      return this.members.size === 0 ? ErrorCode.NONE : ErrorCode.ILLEGAL_GENERATION;
    }
    if (this.state === 'CompletingRebalance') return ErrorCode.REBALANCE_IN_PROGRESS;
    const member = this.members.get(memberId);
    if (!member) return ErrorCode.UNKNOWN_MEMBER_ID;
    if (generationId !== this.generationId) return ErrorCode.ILLEGAL_GENERATION;
    member.lastSeen = Date.now();
    return ErrorCode.NONE;
  }

  describeMembers(): {
    memberId: string;
    groupInstanceId: string | null;
    clientId: string;
    clientHost: string;
    memberMetadata: Buffer;
    memberAssignment: Buffer;
  }[] {
    return [...this.members.values()].map((m) => ({
      memberId: m.memberId,
      groupInstanceId: m.groupInstanceId,
      clientId: m.clientId,
      clientHost: m.clientHost,
      memberMetadata: m.protocols.find((p) => p.name === this.protocolName)?.metadata ?? EMPTY,
      memberAssignment: m.assignment,
    }));
  }

  close(): void {
    clearTimeout(this.rebalanceTimer);
    for (const m of this.members.values()) {
      m.pendingJoin?.(joinError(ErrorCode.COORDINATOR_NOT_AVAILABLE, m.memberId));
      m.pendingSync?.({ errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, assignment: EMPTY });
    }
  }
}
