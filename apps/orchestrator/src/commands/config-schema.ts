import { pipelineConfigJsonSchema } from '@sync/core';

/**
 * What `sqlsync config-schema` prints: the JSON Schema (draft 2020-12) of the config file,
 * generated from the zod schema that loads it, with a title for editors. Point the YAML language
 * server at the saved file (`# yaml-language-server: $schema=./sqlsync.schema.json`).
 *
 * @example
 * await writeFile('sqlsync.schema.json', configSchemaText());
 */
export function configSchemaText(): string {
  return JSON.stringify({ title: 'sqlsync config', ...pipelineConfigJsonSchema() }, null, 2);
}
