import { parseArgs } from './sign-url';

describe('sign-url arguments', () => {
  it('reads the flags and name=value fields, keeping "=" inside values', () => {
    expect(
      parseArgs(
        ['--base', 'http://h:8080', '--secret', 'S', '--ttl', '60', 'url=https://a.b/?x=1', 'format=png'],
        {},
      ),
    ).toEqual({
      base: 'http://h:8080',
      secret: 'S',
      expiry: { expiresIn: 60 },
      params: { url: 'https://a.b/?x=1', format: 'png' },
    });
  });

  it('takes the secret from URL_SIGNING_SECRET and an absolute --expires', () => {
    const args = parseArgs(['--base', 'http://h', '--expires', '1800000000', 'url=https://a.b'], {
      URL_SIGNING_SECRET: 'from-env',
    });
    expect(args.secret).toBe('from-env');
    expect(args.expiry).toEqual({ expires: 1_800_000_000 });
  });

  it.each([
    [['url=https://a.b'], /--base/],
    [['--base', 'http://h', 'url=https://a.b'], /secret/],
    [['--base', 'http://h', '--secret', 'S', '--ttl', 'soon'], /--ttl/],
    [['--base', 'http://h', '--secret', 'S', 'oops'], /unexpected/],
  ])('refuses %j', (argv, message) => {
    expect(() => parseArgs(argv, {})).toThrow(message);
  });
});
