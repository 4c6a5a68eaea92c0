import type { TopicPartition } from './topic-partition';

// The cooperative-sticky assignor (Kafka's CooperativeStickyAssignor): a balanced assignment that
// keeps each member's owned partitions where it can, then withholds every partition that moves
// from one member to another, so its owner revokes it first and a second rebalance hands it over.

export interface StickyMember {
  memberId: string;
  topics: string[];
  /** what the member owns now, from its subscription (v1+) */
  ownedPartitions: TopicPartition[];
  /** the generation it owned them in (subscription v2+, or -1) */
  generationId: number;
}

const keyOf = (p: TopicPartition): string => `${p.topic}-${p.partition}`;
export const byTopicPartition = (a: TopicPartition, b: TopicPartition): number =>
  a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition;

/**
 * Which member validly owns each partition: one it subscribes to, that exists, and that no member
 * of a newer generation claims; two claims in one generation void both (as Java does).
 */
export function validOwners(members: StickyMember[], partitionCounts: Map<string, number>): Map<string, string> {
  const claim = new Map<string, { memberId: string; generation: number; voided: boolean }>();
  for (const m of members) {
    for (const p of m.ownedPartitions) {
      if (!m.topics.includes(p.topic) || p.partition < 0 || p.partition >= (partitionCounts.get(p.topic) ?? 0)) continue;
      const k = keyOf(p);
      const prior = claim.get(k);
      if (!prior || m.generationId > prior.generation) claim.set(k, { memberId: m.memberId, generation: m.generationId, voided: false });
      else if (m.generationId === prior.generation) prior.voided = true;
    }
  }
  const out = new Map<string, string>();
  for (const [k, c] of claim) if (!c.voided) out.set(k, c.memberId);
  return out;
}

/** The assignment, by member id; partitions that change owner are left out of this round. */
export function cooperativeStickyAssign(members: StickyMember[], partitionCounts: Map<string, number>): Map<string, TopicPartition[]> {
  const ids = members.map((m) => m.memberId).sort();
  const topicsOf = new Map(members.map((m) => [m.memberId, new Set(m.topics)]));
  const all: TopicPartition[] = [];
  for (const topic of [...new Set(members.flatMap((m) => m.topics))].sort())
    for (let partition = 0; partition < (partitionCounts.get(topic) ?? 0); partition++) all.push({ topic, partition });
  const eligible = (memberId: string, p: TopicPartition) => topicsOf.get(memberId)!.has(p.topic);
  const owners = validOwners(members, partitionCounts);
  const plan = new Map<string, TopicPartition[]>(ids.map((id) => [id, []]));

  // 1. each member keeps what it validly owns, up to its share when every member subscribes alike
  const sameSubscriptions = members.every(
    (m) => m.topics.length === members[0].topics.length && m.topics.every((t) => topicsOf.get(members[0].memberId)!.has(t)),
  );
  const ownedBy = new Map<string, TopicPartition[]>(ids.map((id) => [id, []]));
  for (const p of all) {
    const o = owners.get(keyOf(p));
    if (o) ownedBy.get(o)!.push(p);
  }
  let atMax = ids.length > 0 ? all.length % ids.length : 0;
  const min = ids.length > 0 ? Math.floor(all.length / ids.length) : 0;
  // the members owning most keep the larger shares, so fewest partitions move
  const keepOrder = [...ids].sort((a, b) => ownedBy.get(b)!.length - ownedBy.get(a)!.length || (a < b ? -1 : 1));
  for (const id of keepOrder) {
    let keep = ownedBy.get(id)!;
    if (sameSubscriptions) {
      const cap = keep.length > min && atMax > 0 ? min + 1 : min;
      if (cap > min) atMax--;
      keep = keep.slice(0, cap);
    }
    plan.get(id)!.push(...keep);
  }
  const taken = new Set([...plan.values()].flat().map(keyOf));

  // 2. the rest, in topic and partition order, each to the eligible member holding fewest
  const fewest = (p: TopicPartition, except?: string): string | undefined => {
    let best: string | undefined;
    for (const id of ids)
      if (id !== except && eligible(id, p) && (best === undefined || plan.get(id)!.length < plan.get(best)!.length)) best = id;
    return best;
  };
  for (const p of all) {
    if (taken.has(keyOf(p))) continue;
    const to = fewest(p);
    if (to !== undefined) plan.get(to)!.push(p);
  }

  // 3. balance: move a partition from a member to an eligible one holding two or more fewer
  for (let moved = true; moved;) {
    moved = false;
    for (const from of [...ids].sort((a, b) => plan.get(b)!.length - plan.get(a)!.length)) {
      const list = plan.get(from)!;
      // prefer moving a partition the member did not own before
      const candidates = [...list].sort((a, b) => Number(owners.get(keyOf(a)) === from) - Number(owners.get(keyOf(b)) === from));
      for (const p of candidates) {
        const to = fewest(p, from);
        if (to !== undefined && plan.get(to)!.length + 1 < list.length) {
          list.splice(list.indexOf(p), 1);
          plan.get(to)!.push(p);
          moved = true;
          break;
        }
      }
      if (moved) break;
    }
  }

  // 4. cooperative: a partition another member still owns waits until that member revoked it
  for (const [id, list] of plan) {
    plan.set(id, list.filter((p) => (owners.get(keyOf(p)) ?? id) === id).sort(byTopicPartition));
  }
  return plan;
}
