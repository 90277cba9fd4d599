export default ({ n }) => n * 2;
export const square = (x) => x * x;
