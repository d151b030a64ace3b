export { startKafkaBroker, type KafkaBroker, type KafkaBrokerOptions } from './broker.ts';
export type { BrokerControl, ControlAction, InterceptedRequest } from './control.ts';
export { BROKER_ERRORS, BrokerError, ProtocolError } from './errors.ts';
export { ApiKey } from './protocol/api-keys.ts';
export { ErrorCode } from './protocol/error-codes.ts';
