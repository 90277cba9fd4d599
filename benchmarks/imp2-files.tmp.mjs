const pkg = process.argv[2];
await import(pkg);
const M = process.getBuiltinModule('node:module');
console.log(pkg, Object.keys(M._cache).map(f=>f.replace(/.*packages\//,'')).join(' '));
