// hub/broker — public surface: the embedded broker, the external client, the HubMqtt both give, ACLs (secret hashes live in protocols/secrets).
export { startBroker, loadAccounts, type BrokerConfig, type BrokerStats, type ConnectedClient, type RunningBroker } from './broker.js';
export { connectExternalMqtt, type ExternalBrokerConfig, type ExternalHubMqtt } from './external-mqtt.js';
export type { HubMqtt, MessageHandler, PublishOptions } from './hub-mqtt.js';
export { publishRefusal, subscribeRefusal, willRefusal, topicMatches, type Principal } from './acl.js';
