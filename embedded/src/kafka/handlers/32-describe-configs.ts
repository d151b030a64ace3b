import { ApiKey } from '../protocol/api-keys.ts';
import { describeConfigsRequest, describeConfigsResponse } from '../protocol/apis/describe-configs.ts';
import { ErrorCode } from '../protocol/error-codes.ts';
import { describeTopicConfigs } from '../topics/topic-config.ts';
import { defineApi } from './types.ts';

const TOPIC = 2;
const BROKER = 4;
/** config_source values (v1+): 1 topic config, 5 static broker config. */
const SOURCE_TOPIC = 1;
const SOURCE_DEFAULT = 5;

export const describeConfigsHandler = defineApi({
  apiKey: ApiKey.DescribeConfigs,
  name: 'DescribeConfigs',
  minVersion: 0,
  maxVersion: 2,
  request: describeConfigsRequest,
  response: describeConfigsResponse,
  handle(state, req) {
    return {
      throttleTimeMs: 0,
      results: req.resources.map((r) => {
        const fail = (errorCode: number, errorMessage: string) => ({
          errorCode,
          errorMessage,
          resourceType: r.resourceType,
          resourceName: r.resourceName,
          configs: [],
        });
        let entries: { name: string; value: string; isDefault: boolean }[];
        if (r.resourceType === TOPIC) {
          const topic = state.topics.get(r.resourceName);
          if (!topic) return fail(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `topic ${r.resourceName} does not exist`);
          entries = describeTopicConfigs(state.topics.defaults, topic.configs, state.maxMessageBytes);
        } else if (r.resourceType === BROKER) {
          if (r.resourceName !== '' && r.resourceName !== String(state.nodeId)) {
            return fail(ErrorCode.INVALID_REQUEST, `broker ${r.resourceName} is not this node (${state.nodeId})`);
          }
          const d = state.topics.defaults;
          entries = [
            { name: 'log.retention.ms', value: String(d.retentionMs ?? -1), isDefault: true },
            { name: 'log.retention.bytes', value: String(d.retentionBytes ?? -1), isDefault: true },
            { name: 'log.segment.bytes', value: String(d.segmentBytes), isDefault: true },
            { name: 'message.max.bytes', value: String(state.maxMessageBytes), isDefault: true },
            { name: 'num.partitions', value: String(state.defaultPartitions), isDefault: true },
            { name: 'auto.create.topics.enable', value: String(state.autoCreateTopics), isDefault: true },
            { name: 'default.replication.factor', value: '1', isDefault: true },
          ];
        } else {
          return fail(ErrorCode.INVALID_REQUEST, `resource type ${r.resourceType} is not served`);
        }
        const keys = r.configurationKeys ? new Set(r.configurationKeys.map((k) => k.name)) : undefined;
        return {
          errorCode: 0,
          errorMessage: null,
          resourceType: r.resourceType,
          resourceName: r.resourceName,
          configs: entries
            .filter((e) => !keys || keys.has(e.name))
            .map((e) => ({
              name: e.name,
              value: e.value,
              readOnly: r.resourceType === BROKER,
              isDefault: e.isDefault,
              configSource: e.isDefault ? SOURCE_DEFAULT : SOURCE_TOPIC,
              isSensitive: false,
              synonyms: [],
            })),
        };
      }),
    };
  },
});
