export default (x) => (typeof x === 'number' ? x * 2 : x);
