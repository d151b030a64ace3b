/** Kafka topics of the platform. */
export const TOPICS = Object.freeze({
  telemetry: 'inverters_telemetry',
  telemetryDlq: 'inverters_telemetry.dlq',
  alerts: 'inverter_alerts',
});

/** MQTT topic an edge agent (or datalogger) publishes a batch on. */
export function mqttTelemetryTopic(site: string): string {
  return `ysh/${site}/telemetry`;
}

/** Pattern the gateway subscribes to; the site is the second level. */
export const MQTT_TELEMETRY_FILTER = 'ysh/+/telemetry';

/** InfluxDB measurements written by the stream processor. */
export const MEASUREMENTS = Object.freeze({
  raw: 'inverter_raw',
  window5m: 'inverter_5m',
  alerts: 'inverter_alerts',
});
