import type { Logger } from 'pino';
import { ErrorCode } from '../protocol/error-codes.ts';
import { Group, type GroupState } from './group.ts';
import { OffsetStore } from './offset-store.ts';

export interface CoordinatorOptions {
  dataDir: string;
  initialRebalanceDelayMs: number;
  logger: Logger;
}

/** Every consumer group of the broker, their session timers and their committed offsets. */
export class GroupCoordinator {
  readonly groups = new Map<string, Group>();
  readonly offsets: OffsetStore;
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly options: CoordinatorOptions) {
    this.offsets = new OffsetStore(options.dataDir, options.logger);
    this.timer = setInterval(() => {
      const now = Date.now();
      for (const g of this.groups.values()) g.expire(now);
    }, 250);
    this.timer.unref();
  }

  get(groupId: string): Group | undefined {
    return this.groups.get(groupId);
  }

  getOrCreate(groupId: string): Group {
    let group = this.groups.get(groupId);
    if (!group) {
      group = new Group(groupId, this.options.initialRebalanceDelayMs, this.options.logger);
      this.groups.set(groupId, group);
    }
    return group;
  }

  /**
   * DeleteGroups: only a group without members can go (NON_EMPTY_GROUP otherwise);
   * its committed offsets are forgotten.
   */
  delete(groupId: string): number {
    const group = this.groups.get(groupId);
    const known = group !== undefined || this.offsets.all(groupId).size > 0;
    if (!known) return ErrorCode.GROUP_ID_NOT_FOUND;
    if (group && group.members.size > 0) return ErrorCode.NON_EMPTY_GROUP;
    group?.close();
    this.groups.delete(groupId);
    this.offsets.deleteGroup(groupId);
    return ErrorCode.NONE;
  }

  /** Groups known to the broker: live ones and those with committed offsets only. */
  list(): { groupId: string; protocolType: string; state: GroupState }[] {
    const out = new Map<string, { groupId: string; protocolType: string; state: GroupState }>();
    for (const g of this.offsets.groups()) out.set(g, { groupId: g, protocolType: 'consumer', state: 'Empty' });
    for (const g of this.groups.values()) {
      out.set(g.groupId, { groupId: g.groupId, protocolType: g.protocolType ?? 'consumer', state: g.state });
    }
    return [...out.values()];
  }

  countByState(): Record<GroupState, number> {
    const counts: Record<GroupState, number> = { Empty: 0, PreparingRebalance: 0, CompletingRebalance: 0, Stable: 0 };
    for (const g of this.list()) counts[g.state]++;
    return counts;
  }

  close(): void {
    clearInterval(this.timer);
    for (const g of this.groups.values()) g.close();
    this.offsets.close();
  }
}
