import { z } from 'zod';
import { pipelineConfigSchema } from './pipeline-config.js';

/**
 * A JSON Schema (draft 2020-12) of the config file, with every field's description and default,
 * for editor completion and validation (e.g. the YAML language server's `# yaml-language-server:
 * $schema=` comment). It describes the file (snake_case), not the parsed camelCase config.
 *
 * @example
 * await writeFile('sqlsync.schema.json', JSON.stringify(pipelineConfigJsonSchema(), null, 2));
 */
export function pipelineConfigJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(pipelineConfigSchema, { io: 'input', unrepresentable: 'any' }) as Record<
    string,
    unknown
  >;
}
