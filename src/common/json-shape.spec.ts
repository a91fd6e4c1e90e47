import { checkJsonShape } from './json-shape';

const limits = { maxDepth: 4, maxItemsPerContainer: 3, maxItemsTotal: 6 };
const check = (text: string) => () => checkJsonShape(Buffer.from(text), limits);

describe('checkJsonShape', () => {
  it('accepts bodies within the limits', () => {
    expect(check('{"a":[1,2,3],"b":{"c":[{"d":1}]}}')).not.toThrow();
    expect(check('[]')).not.toThrow();
    expect(check('"just a string, with [ brackets { and , commas"')).not.toThrow();
  });

  it('refuses nesting deeper than the limit', () => {
    expect(check('[[[[1]]]]')).not.toThrow();
    expect(check('[[[[[1]]]]]')).toThrow(/nested deeper than 4 levels/);
    expect(check('{"a":{"b":{"c":{"d":{"e":1}}}}}')).toThrow(/nested deeper/);
  });

  it('refuses a container with too many keys or items', () => {
    expect(check('[1,2,4]')).not.toThrow();
    expect(check('[1,2,3,4]')).toThrow(/more than 3 keys or items/);
    expect(check('{"a":1,"b":2,"c":3,"d":4}')).toThrow(/more than 3 keys or items/);
  });

  it('refuses too many keys and items in the whole body', () => {
    expect(check('[[1,2,3],[4,5,6],[7,8,9]]')).toThrow(/more than 6 keys and items/);
  });

  it('does not count brackets, braces or commas inside strings, escaped quotes included', () => {
    expect(check('{"a":"[[[[[[,,,,,,,\\"[[[[[[[,,,,,,"}')).not.toThrow();
    expect(check('["\\\\",[[[[1]]]]]')).toThrow(/nested deeper/); // the escaped backslash ends the string
  });

  it('stays fast and shallow on the 20000-deep body that used to be a 500', () => {
    const deep = Buffer.from('['.repeat(20000) + ']'.repeat(20000));
    expect(() => checkJsonShape(deep)).toThrow(/nested deeper than 32 levels/);
  });
});
