// The usual set-up of a test file: a hub on fresh tables with the multi-funder world, closed after the file.
import { afterAll, beforeAll } from 'vitest';
import { startTestHub, type TestHub } from './hub.ts';
import { buildWorld, type World } from './world.ts';

export interface WorldHub {
  hub: TestHub;
  world: World;
  /** A verified principal of the world, as a service context. */
  ctx(funder: string, role: string): { principal: World['principals'][string][string] };
}

export function useWorldHub(options: Parameters<typeof startTestHub>[0] = {}): WorldHub {
  const state = {} as WorldHub;
  beforeAll(async () => {
    state.hub = await startTestHub(options);
    state.world = await buildWorld(state.hub.services);
  });
  afterAll(async () => state.hub?.close());
  state.ctx = (funder, role) => {
    const principal = state.world.principals[funder]?.[role];
    if (!principal) throw new Error(`no principal ${funder}/${role}`);
    return { principal };
  };
  return state;
}
