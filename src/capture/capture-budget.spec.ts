import { coveringRect, devicePixels, fitToBudget, utf8Prefix } from './capture-budget';

const budget = { maxHeight: 16384, maxPixels: 40_000_000 };

describe('fitToBudget', () => {
  it('keeps a rectangle that fits, whole', () => {
    expect(fitToBudget({ x: 0, y: 0, width: 800, height: 3000 }, 1, budget)).toEqual({
      clip: { x: 0, y: 0, width: 800, height: 3000 },
      truncated: false,
    });
  });

  it('cuts the height to MAX_CAPTURE_HEIGHT CSS px, whatever the density', () => {
    const fitted = fitToBudget({ x: 0, y: 0, width: 400, height: 100_000 }, 1, budget);
    expect(fitted).toEqual({ clip: { x: 0, y: 0, width: 400, height: 16384 }, truncated: true });
  });

  it('cuts the height further so width x height x density² stays within MAX_CAPTURE_PIXELS', () => {
    // 1920 x 16384 CSS px at density 3: 5760 device px wide, so 40e6 / 5760 = 6944 device rows = 2314 CSS px
    const fitted = fitToBudget({ x: 0, y: 0, width: 1920, height: 16384 }, 3, budget)!;
    expect(fitted).toEqual({ clip: { x: 0, y: 0, width: 1920, height: 2314 }, truncated: true });
    expect(devicePixels(fitted.clip, 3)).toBeLessThanOrEqual(40_000_000);
    expect(devicePixels({ ...fitted.clip, height: fitted.clip.height + 1 }, 3)).toBeGreaterThan(40_000_000);
  });

  it.each([0.5, 1, 1.25, 1.5, 2, 2.75, 3])('never exceeds the budget at density %d', (density) => {
    for (const width of [1, 333, 1280, 16384, 49152]) {
      const fitted = fitToBudget({ x: 0, y: 0, width, height: 1_000_000 }, density, budget)!;
      expect(devicePixels(fitted.clip, density)).toBeLessThanOrEqual(budget.maxPixels);
      expect(fitted.clip.height).toBeLessThanOrEqual(budget.maxHeight);
      expect(fitted.truncated).toBe(true);
    }
  });

  it('leaves an element where it is: x and y stay, only the height gives way', () => {
    const fitted = fitToBudget({ x: 10.5, y: 5000.25, width: 300, height: 50_000 }, 2, budget);
    expect(fitted?.clip).toMatchObject({ x: 10, y: 5000, width: 301, height: 16384 });
  });

  it('is null when not even one row fits, or the rectangle has no area', () => {
    expect(
      fitToBudget({ x: 0, y: 0, width: 50_000, height: 10 }, 3, { maxHeight: 100, maxPixels: 100_000 }),
    ).toBeNull();
    expect(fitToBudget({ x: 0, y: 0, width: 0, height: 10 }, 1, budget)).toBeNull();
    expect(fitToBudget({ x: 0, y: 0, width: 10, height: 0 }, 1, budget)).toBeNull();
    expect(fitToBudget({ x: 0, y: 0, width: NaN, height: 10 }, 1, budget)).toBeNull();
  });
});

describe('coveringRect', () => {
  it('covers fractional CSS px with whole ones', () => {
    expect(coveringRect({ x: 0.5, y: 1.2, width: 10, height: 10 })).toEqual({
      x: 0,
      y: 1,
      width: 11,
      height: 11,
    });
  });
});

describe('utf8Prefix', () => {
  it('keeps text within the limit as it is', () => {
    expect(utf8Prefix('héllo', 6)).toEqual({ bytes: Buffer.from('héllo'), truncated: false });
  });

  it('cuts on a character boundary, never inside a multi-byte character', () => {
    const { bytes, truncated } = utf8Prefix('aé€😀', 7); // 1 + 2 + 3 + 4 bytes
    expect(truncated).toBe(true);
    expect(bytes.toString('utf8')).toBe('aé€');
    expect(utf8Prefix('😀😀', 5).bytes.toString('utf8')).toBe('😀');
  });
});
