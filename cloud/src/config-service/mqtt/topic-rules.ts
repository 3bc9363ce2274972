/**
 * The MQTT topics of the push-down and who may use them (pure): a gateway may subscribe only to its own config
 * topic `vitals/config/<gatewayId>` and publish only its own acknowledgements `vitals/config/<gatewayId>/ack`.
 * No wildcards, nothing else. The same rules as a Mosquitto ACL file are in `mosquittoAcl()`.
 */
import { GATEWAY_ID_PATTERN, MQTT_TOPICS } from '@vitals/shared';

const GATEWAY_ID = new RegExp(GATEWAY_ID_PATTERN);
const ACK_TOPIC = /^vitals\/config\/([^/#+]+)\/ack$/;

export const ACK_SUBSCRIPTION = MQTT_TOPICS.gatewayConfigAck('+');

export function configTopic(gatewayId: string): string {
  return MQTT_TOPICS.gatewayConfig(gatewayId);
}

export function mayGatewaySubscribe(gatewayId: string, filter: string): boolean {
  return filter === MQTT_TOPICS.gatewayConfig(gatewayId);
}

export function mayGatewayPublish(gatewayId: string, topic: string): boolean {
  return topic === MQTT_TOPICS.gatewayConfigAck(gatewayId);
}

/** The gateway an acknowledgement topic belongs to, or undefined. */
export function gatewayOfAckTopic(topic: string): string | undefined {
  const id = ACK_TOPIC.exec(topic)?.[1];
  return id !== undefined && GATEWAY_ID.test(id) ? id : undefined;
}

/** A Mosquitto ACL file granting the same as the embedded broker (user name = gateway id), plus the service user. */
export function mosquittoAcl(serviceUser: string): string {
  return [
    `user ${serviceUser}`,
    'topic write vitals/config/+',
    'topic read vitals/config/+/ack',
    '',
    'pattern read vitals/config/%u',
    'pattern write vitals/config/%u/ack',
    '',
  ].join('\n');
}
