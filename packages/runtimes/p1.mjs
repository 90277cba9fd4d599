import { Piscina } from '@sabkit/piscina';
const p = new Piscina({ filename: new URL('./task.mjs', import.meta.url).href, maxThreads: 2 });
const t = setTimeout(() => {
  console.log('HANG');
  process.exit(2);
}, 10000);
try {
  console.log(await p.run(21));
  console.log(await p.run({ a: [1, 2], m: new Map([[1, 2]]) }));
} catch (e) {
  console.log('ERR', e);
}
await p.destroy();
clearTimeout(t);
