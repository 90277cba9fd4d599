// The bench's task: a tiny one (x + 1), the same for every pool.
export default (x) => x + 1;
