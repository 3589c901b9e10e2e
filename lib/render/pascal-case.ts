/** "kafka-publish" -> "KafkaPublish": the stem of a generated alert's name. */
export const pascalCase = (name: string): string => name.replace(/(^|-)([a-z0-9])/g, (_m, _d, c: string) => c.toUpperCase());
