/** The stories `synod demo --trace` can write (kept apart so `synod demo` loads the trace code only with --trace). */
import { UsageError } from './args';

export const DEMO_STORIES = ['race', 'after-quorum', 'before-quorum', 'log', 'fencing'] as const;
export type DemoStory = (typeof DEMO_STORIES)[number];

export function demoStory(raw: string): DemoStory {
  if (!(DEMO_STORIES as readonly string[]).includes(raw)) throw new UsageError(`--story takes one of ${DEMO_STORIES.join(', ')}, got '${raw}'`);
  return raw as DemoStory;
}
