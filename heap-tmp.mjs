import { Session } from 'node:inspector'
import { writeFileSync } from 'node:fs'
const s = new Session(); s.connect()
setTimeout(() => {
  s.post('HeapProfiler.startSampling', { samplingInterval: 8192, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true }, (e) => { if (e) console.error('ERR', e) })
}, 2500)
process.on('SIGUSR2', () => s.post('HeapProfiler.stopSampling', (e, r) => { writeFileSync('/tmp/prof/alloc.heapprofile', JSON.stringify(r.profile)); console.error('written') }))
