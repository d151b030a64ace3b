export { ChildService, lastLogError, YSH_BIN, type ChildServiceOptions } from './child-service.ts';
export { runYsh } from './run-ysh.ts';
export { parseSamples, scrape, sum, type Sample } from './metrics-scrape.ts';
export { startPlatform, type Platform, type PlatformOptions, type PlatformPorts } from './platform.ts';
export { PORT_SPAN, platformPorts } from './ports.ts';
