import 'reflect-metadata';
import { loadConfig } from '../../config/app-config';
import { parseCaptureRequest } from '../capture-request.parser';
import { CAPTURE_EXAMPLES } from './capture-examples';

describe('CAPTURE_EXAMPLES (Swagger request examples)', () => {
  it.each(Object.entries(CAPTURE_EXAMPLES))('%s is a valid capture request', (_name, example) => {
    expect(() => parseCaptureRequest(example.value, loadConfig({}))).not.toThrow();
  });
});
