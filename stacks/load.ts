import * as fs from 'fs';
import { parseAllDocuments } from 'yaml';
import { ValidationError } from '../lib/validation';
import { LgtmConfig, validateConfig } from './config';

/** A validated configuration and the file it came from. */
export interface SourcedConfig {
  readonly source: string;
  readonly config: LgtmConfig;
}

/** Reads, parses (YAML or JSON) and validates one config file. */
export function loadConfigFile(file: string): SourcedConfig {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new ValidationError([{ field: '(file)', value: file, allowed: `a readable config file (${(e as Error).message})` }], file);
  }
  const docs = parseAllDocuments(text);
  if (docs.length !== 1) throw new ValidationError([{ field: '(file)', value: `${docs.length} YAML documents`, allowed: 'exactly one YAML/JSON document' }], file);
  if (docs[0].errors.length > 0) {
    throw new ValidationError([{ field: '(file)', value: docs[0].errors[0].message, allowed: 'valid YAML or JSON' }], file);
  }
  return { source: file, config: validateConfig(docs[0].toJS(), file) };
}
