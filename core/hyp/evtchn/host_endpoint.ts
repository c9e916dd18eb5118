/**
 * The in-hypervisor end of a host channel: a back end that runs inside the hypervisor (xenstored,
 * the PV console) talking to a guest over one of the guest's ports, as Xen's Xen-attached
 * channels (alloc_unbound_xen_event_channel, notify_via_xen_event_channel) do for its own
 * consumers.
 *
 * @module
 */

/** Callbacks of an in-hypervisor back end. */
export interface HostEndpoint {
  /** The guest sent an event on its port `port` (EVTCHNOP_send). */
  send(port: number): void;
  /**
   * The guest closed port `port` (EVTCHNOP_close or EVTCHNOP_reset) or its domain is being
   * destroyed: the port number may be handed out again, so stop notifying it.
   */
  closed?(port: number): void;
}
