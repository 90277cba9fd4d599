// The ES module face of esbuild.cjs: the same function either way.
import plugin from './esbuild.cjs';

export const { sabkitWorkers } = plugin;
