import type { TestProject } from 'vitest/node';

// Filled in by the Mongo-protocol server setup (issue 3).
export default async function setup(_project: TestProject) {
  return async () => {};
}
