import 'reflect-metadata';
import { ConfigError } from '../config/app-config';
import { trustProxySetting } from './trust-proxy';

describe('TRUST_PROXY', () => {
  it('trusts nothing when unset, empty or false', () => {
    expect(trustProxySetting(undefined)).toBe(false);
    expect(trustProxySetting('')).toBe(false);
    expect(trustProxySetting('false')).toBe(false);
  });

  it('takes a hop count', () => {
    expect(trustProxySetting('1')).toBe(1);
    expect(trustProxySetting(' 2 ')).toBe(2);
  });

  it('takes a list of addresses, CIDRs and named ranges', () => {
    expect(trustProxySetting('10.0.0.0/8, 192.168.1.10,fd00::/8, loopback')).toEqual([
      '10.0.0.0/8',
      '192.168.1.10',
      'fd00::/8',
      'loopback',
    ]);
  });

  it.each(['true', '*', '10.0.0.0/33', 'proxy.internal', '1.2.3'])('refuses %j at boot', (value) => {
    expect(() => trustProxySetting(value)).toThrow(ConfigError);
  });
});
