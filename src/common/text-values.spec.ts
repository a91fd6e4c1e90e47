import { booleanOf, toList } from './text-values';

describe('text values', () => {
  it('reads the same booleans for env variables and query parameters', () => {
    for (const t of ['true', 'TRUE', '1', 'yes', 'on']) expect(booleanOf(t)).toBe(true);
    for (const f of ['false', 'False', '0', 'no', 'off']) expect(booleanOf(f)).toBe(false);
    for (const other of ['', 'maybe', '2', ' true']) expect(booleanOf(other)).toBeUndefined();
  });

  it('splits comma lists, trimmed, without empty items', () => {
    expect(toList(' a, b,,c ')).toEqual(['a', 'b', 'c']);
    expect(toList(['x'])).toEqual(['x']);
    expect(toList(undefined)).toEqual([]);
  });
});
