// The particles example's model, shared by the main thread and its workers: the struct types and
// the step kernel, which works on raw column views for speed.
import { lock, array, struct, type StructArray, type FieldsOfType } from '../../src/index.js';

export const Vec2 = struct({ x: 'f64', y: 'f64' }, { name: 'Vec2' });
/** One particle: 40 bytes, C `struct Particle { struct Vec2 pos, vel; uint32_t id, bounces; }`. */
export const Particle = struct({ pos: Vec2, vel: Vec2, id: 'u32', bounces: 'u32' }, { name: 'Particle' });
export const WORKERS = 2;
/** Simulation-wide shared state: counters updated atomically, one partial sum slot per worker. */
export const Stats = struct(
  { steps: 'u32', bounces: 'u64', mu: lock(), maxHeight: 'f64', partialVx: array('f64', WORKERS) },
  { name: 'Stats' },
);

export const DT = 0.01;
export const GRAVITY = 9.81;
export const RESTITUTION = 0.9;
export const WIND = 0.05;

/** Column views of the fields the kernel touches; all f64, so all in the same Float64Array. */
export interface Columns {
  readonly data: Float64Array;
  readonly stride: number;
  readonly px: number;
  readonly py: number;
  readonly vx: number;
  readonly vy: number;
  /** The u32 bounce counters: a different typed array over the same memory. */
  readonly u32: Uint32Array;
  readonly ustride: number;
  readonly bounces: number;
}

export function columnsOf(particles: StructArray<FieldsOfType<typeof Particle>>): Columns {
  const px = particles.column('pos.x');
  return {
    data: px.data as Float64Array,
    stride: px.stride,
    px: px.start,
    py: particles.column('pos.y').start,
    vx: particles.column('vel.x').start,
    vy: particles.column('vel.y').start,
    u32: particles.column('bounces').data as Uint32Array,
    ustride: particles.column('bounces').stride,
    bounces: particles.column('bounces').start,
  };
}

/**
 * Advances particles [start, end) by one step under gravity and a wind proportional to the mean
 * horizontal velocity of the previous step; bounces off the floor at y = 0. Returns the slice's
 * sum of vx (for the next step's mean), its bounce count and its highest y.
 */
export function stepSlice(
  c: Columns,
  start: number,
  end: number,
  meanVx: number,
): { sumVx: number; bounces: number; maxY: number } {
  const d = c.data;
  const wind = WIND * meanVx;
  let sumVx = 0;
  let bounces = 0;
  let maxY = -Infinity;
  for (let i = start; i < end; i++) {
    const b = i * c.stride;
    const vx = d[b + c.vx] + wind * DT;
    let vy = d[b + c.vy] - GRAVITY * DT;
    d[b + c.px] += vx * DT;
    let y = d[b + c.py] + vy * DT;
    if (y < 0) {
      y = -y;
      vy = -vy * RESTITUTION;
      bounces++;
      c.u32[i * c.ustride + c.bounces]++;
    }
    d[b + c.vx] = vx;
    d[b + c.vy] = vy;
    d[b + c.py] = y;
    sumVx += vx;
    if (y > maxY) maxY = y;
  }
  return { sumVx, bounces, maxY };
}

/** Worker w's slice of n particles. */
export function sliceOf(w: number, n: number): [number, number] {
  const per = Math.ceil(n / WORKERS);
  return [Math.min(n, w * per), Math.min(n, (w + 1) * per)];
}
