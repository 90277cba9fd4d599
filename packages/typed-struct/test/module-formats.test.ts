// The published build's two faces, require() and import: one implementation on every Node 20+
// (scripts/module-formats-test.mjs).
import { fileURLToPath } from 'node:url';

const helper = new URL('../../../../scripts/module-formats-test.mjs', import.meta.url).href;
const { moduleFormatTests } = (await import(helper)) as typeof import('../../../scripts/module-formats-test.mjs');
moduleFormatTests(fileURLToPath(new URL('../..', import.meta.url)));
