/**
 * mulberry32 (Tommy Ettinger's 32-bit generator): a tiny seeded PRNG, so that every randomised test
 * and fixture replays the same sequence from its seed. Returns floats in [0, 1).
 */
export function mulberry32(seed) {
    let a = seed >>> 0;
    return () => {
        a = (a + 0x6d2b79f5) >>> 0;
        let t = Math.imul(a ^ (a >>> 15), a | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
}
//# sourceMappingURL=prng.js.map