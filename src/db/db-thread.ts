import { Worker } from 'node:worker_threads'

/**
 * Starts the thread whose module is `name` (`sqlite-reader-thread`, `sqlite-writer-thread`).
 * The module sits beside this one: `<name>.js` next to the bundle (scripts/build.ts), its
 * TypeScript source next to this file when run from source, loaded through tsx, whose
 * hooks Node 20 does not pass on to a worker.
 */
export function startDbThread (name: string, workerData: unknown): Worker {
  const fromSource = import.meta.url.endsWith('.ts')
  const entry = new URL(`./${name}.${fromSource ? 'ts' : 'js'}`, import.meta.url)
  if (!fromSource) return new Worker(entry, { workerData })
  const boot = `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))})
    .then(({ register }) => { register(); return import(${JSON.stringify(entry.href)}) })`
  return new Worker(boot, { eval: true, workerData })
}
