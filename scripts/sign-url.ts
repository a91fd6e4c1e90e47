/**
 * Prints a signed GET /capture URL (see src/auth/url-signing.ts).
 *
 *   npm run -s sign-url -- --base http://localhost:8080 --secret S --ttl 3600 url=https://example.com format=png
 *
 * --secret defaults to $URL_SIGNING_SECRET; --ttl is seconds from now (default 3600),
 * or --expires gives a Unix time in seconds. Every other argument is a capture
 * field as name=value, as it would appear in the query (lists comma-separated,
 * nested fields as JSON).
 */
import { ExpiryOption, signCaptureUrl } from '../src/auth/url-signing';

export interface SignUrlArgs {
  base: string;
  secret: string;
  expiry: ExpiryOption;
  params: Record<string, string>;
}

const USAGE =
  'usage: npm run -s sign-url -- --base URL [--secret S | $URL_SIGNING_SECRET] [--ttl SECONDS | --expires UNIX] name=value...';

const wholeNumber = (flag: string, text: string | undefined): number => {
  if (!text || !/^\d+$/.test(text)) throw new Error(`${flag} needs a whole number of seconds`);
  return Number(text);
};

export function parseArgs(argv: string[], env: Record<string, string | undefined>): SignUrlArgs {
  let base: string | undefined;
  let secret = env.URL_SIGNING_SECRET;
  let expiry: ExpiryOption = { expiresIn: 3600 };
  const params: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--base') base = argv[++i];
    else if (arg === '--secret') secret = argv[++i];
    else if (arg === '--ttl') expiry = { expiresIn: wholeNumber('--ttl', argv[++i]) };
    else if (arg === '--expires') expiry = { expires: wholeNumber('--expires', argv[++i]) };
    else if (!arg.startsWith('--') && arg.includes('=')) {
      const at = arg.indexOf('=');
      params[arg.slice(0, at)] = arg.slice(at + 1);
    } else throw new Error(`unexpected argument ${JSON.stringify(arg)}`);
  }
  if (!base) throw new Error('--base is required');
  if (!secret) throw new Error('--secret or URL_SIGNING_SECRET is required');
  return { base, secret, expiry, params };
}

if (require.main === module) {
  try {
    const { base, secret, expiry, params } = parseArgs(process.argv.slice(2), process.env);
    process.stdout.write(`${signCaptureUrl(base, params, secret, expiry)}\n`);
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n${USAGE}\n`);
    process.exit(2);
  }
}
