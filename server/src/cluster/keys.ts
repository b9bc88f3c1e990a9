/**
 * The Redis keys of node liveness (issue #14). One prefix, so an operator can list them
 * (`redis-cli --scan --pattern 'pigeon:cluster:*'`) and nothing else of Pigeon's collides.
 */
const PREFIX = 'pigeon:cluster:';

export const clusterKeys = {
  /** HASH node id → its last heartbeat (ms since the epoch): every node that registered and was not removed. */
  nodes: `${PREFIX}nodes`,
  /** STRING with a TTL, refreshed by the node while it lives: its absence is the node's death. */
  heartbeat: (nodeId: string) => `${PREFIX}node:${nodeId}`,
  /** SET of the users with at least one socket on the node. */
  users: (nodeId: string) => `${PREFIX}node:${nodeId}:users`,
  /** SET of the typing indicators (typing.ts pair keys) the node has active. */
  typing: (nodeId: string) => `${PREFIX}node:${nodeId}:typing`,
  /** STRING, SET NX by the one node that reaps a dead node (expires: a reaper that died is replaced). */
  reaper: (nodeId: string) => `${PREFIX}reap:${nodeId}`,
  /** STRING left by a reaper: the node, should it come back, knows its users were announced offline. */
  reaped: (nodeId: string) => `${PREFIX}reaped:${nodeId}`,
};
