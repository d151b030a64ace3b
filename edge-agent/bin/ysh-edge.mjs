#!/usr/bin/env node
// ysh-edge from a checkout (TypeScript through tsx's loader). Site gateways install the bundled
// package instead (npm run bundle -w edge-agent; see README, "Installer's guide").
import { register } from 'tsx/esm/api';

register();
await import('../src/ysh-edge.ts');
