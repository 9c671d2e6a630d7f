import { describe, expect, test } from 'vitest';
import { ConfigError, loadConfig, parseBudgets } from '../../service/config.ts';

/** The ConfigError's problems for `env` (fails the test when it loads). */
function problemsOf(env: Record<string, string>): readonly string[] {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(env)}`);
}

describe('loadConfig', () => {
  test('defaults: a fresh clone runs with nothing set', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      PORT: 8080,
      HOST: '0.0.0.0',
      REFERRAL_DB: 'data/referral.db',
      MODELS_DIR: 'models',
      MODEL_VERSION: 'default',
      REFERRAL_TOKENS_FILE: 'data/tokens.json',
      RANDOM_REFERRAL_RATE: 0.005,
      LOG_LEVEL: 'info',
    });
    expect(config.REFERRAL_BUDGETS.size).toBe(0);
  });

  test('parses numbers and budgets; an empty variable means unset', () => {
    const config = loadConfig({ PORT: '9000', RANDOM_REFERRAL_RATE: '0.01', REFERRAL_BUDGETS: '2504=0.02, 0250=0.015', HOST: '' });
    expect(config.PORT).toBe(9000);
    expect(config.HOST).toBe('0.0.0.0');
    expect(config.RANDOM_REFERRAL_RATE).toBe(0.01);
    expect([...config.REFERRAL_BUDGETS]).toEqual([
      ['2504', 0.02],
      ['0250', 0.015],
    ]);
  });

  test('a bad value fails with a message naming each variable', () => {
    expect(problemsOf({ PORT: 'eighty', RANDOM_REFERRAL_RATE: '0.9', LOG_LEVEL: 'loud', REFERRAL_BUDGETS: '2504=2' })).toEqual([
      'PORT: must be a number',
      'RANDOM_REFERRAL_RATE: must be at most 0.5',
      'REFERRAL_BUDGETS: budget of port 2504 must be a share in (0, 1), got "2"',
      'LOG_LEVEL: must be one of fatal, error, warn, info, debug, trace, silent',
    ]);
  });

  test('a budget window or budget that could never set a threshold is refused, not silently ignored', () => {
    // The card's threshold applies until a window holds MIN_BUDGET_WINDOW (100) scores: a window
    // of 50 never does, and a budget of 0.004 allows no referral in a window of 200.
    expect(problemsOf({ REFERRAL_BUDGETS: '2504=0.05', REFERRAL_BUDGET_WINDOW: '50' })).toEqual(['REFERRAL_BUDGET_WINDOW: must be at least 100']);
    expect(problemsOf({ REFERRAL_BUDGETS: '2504=0.05, 0250=0.004', REFERRAL_BUDGET_WINDOW: '200' })).toEqual([
      'REFERRAL_BUDGETS: budget of port 0250 (0.004) allows no referral in a window of 200 crossings: set REFERRAL_BUDGET_WINDOW to at least 250',
    ]);
    expect(loadConfig({ REFERRAL_BUDGETS: '2504=0.005', REFERRAL_BUDGET_WINDOW: '200' }).REFERRAL_BUDGET_WINDOW).toBe(200);
    expect(loadConfig({ REFERRAL_BUDGETS: '2504=0.004', REFERRAL_BUDGET_WINDOW: '250' }).REFERRAL_BUDGETS.get('2504')).toBe(0.004);
    // Below one referral in the largest window allowed, no window helps (and none is suggested;
    // 1e-18 used to loop for ever looking for one).
    expect(problemsOf({ REFERRAL_BUDGETS: '2504=0.0000005' })).toEqual([
      'REFERRAL_BUDGETS: budget of port 2504 (5e-7) allows no referral in any window up to 1000000 crossings: raise it to at least 0.000001',
    ]);
    expect(problemsOf({ REFERRAL_BUDGETS: '2504=0.000000000000000001' })).toHaveLength(1);
  });

  test('a number that is only blanks, hexadecimal or an exponent is refused, not read as 0 or converted', () => {
    // Number(" ") is 0: a blank RANDOM_REFERRAL_RATE would have turned random selection off.
    expect(problemsOf({ RANDOM_REFERRAL_RATE: '  ', PORT: '0x1F90', SHUTDOWN_GRACE_MS: '1e3' })).toEqual([
      'PORT: must be a number',
      'RANDOM_REFERRAL_RATE: must be a number',
      'SHUTDOWN_GRACE_MS: must be a number',
    ]);
    expect(loadConfig({ RANDOM_REFERRAL_RATE: ' 0.02 ', PORT: '8081' })).toMatchObject({ RANDOM_REFERRAL_RATE: 0.02, PORT: 8081 });
  });
});

describe('parseBudgets', () => {
  test('names the bad entry', () => {
    expect(parseBudgets('2504')).toBe('"2504" must be PORT=SHARE, e.g. 2504=0.02');
    expect(parseBudgets('25=0.1')).toBe('"25" must be a 4-digit port code');
    expect(parseBudgets('2504=0.1,2504=0.2')).toBe('port 2504 is listed twice');
  });
});
