/** What the fuzz and error tests ask of a decoder: that it fails with a DecodeError and nothing else. */
import { DecodeError } from '../../codecs/decode-error.js';

/**
 * Runs `run` and lets a DecodeError pass (from `layer`, when given); any
 * other error, an assertion's included, goes on to fail the test.
 */
export function expectOnlyDecodeError(run: () => unknown, layer?: string): void {
  try {
    run();
  } catch (error) {
    if (!(error instanceof DecodeError)) throw error;
    if (layer !== undefined && error.layer !== layer) throw new Error(`DecodeError from layer ${error.layer}, expected ${layer}: ${error.message}`);
  }
}

/** The DecodeError that `run` throws; a test fails if it throws another error or none. */
export function decodeErrorOf(run: () => unknown): DecodeError {
  try {
    run();
  } catch (error) {
    if (error instanceof DecodeError) return error;
    throw error;
  }
  throw new Error('expected a DecodeError');
}
