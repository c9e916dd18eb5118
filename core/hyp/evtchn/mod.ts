/**
 * Event channels (Xen 4.17's event_channel.c, event_2l.c, event_fifo.c): what the hypercall
 * layer and the domain builder wire. A domain implements EvtchnDomain; each domain gets one
 * EventChannels registered in the machine's EvtchnHub.
 *
 * @module
 */

export {
  EventChannels,
  type EventChannelsOptions,
  type HostEndpointResolver,
} from "./event_channels.ts";
export { type EventChannelsState, type HostPortState } from "./evtchn_state.ts";
export { type FifoState, type FifoVcpuState } from "./abi_fifo.ts";
export { type EvtchnDomain, type VcpuInfoRef } from "./evtchn_domain.ts";
export { EvtchnHub } from "./hub.ts";
export { type HostEndpoint } from "./host_endpoint.ts";
export { type EvtchnStatusInfo, writeEvtchnStatus } from "./status.ts";
export { virqIsGlobal } from "./virq.ts";
