/** Names of a run's worklist lists: every item is in `all` and in its reason's list. */
export const worklistLists = {
  all: 'all',
  reason: (reason: string) => `reason:${reason}`,
} as const;
