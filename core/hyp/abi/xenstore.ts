/**
 * xenstore's wire protocol (xen/include/public/io/xs_wire.h): message types (XS_*), the
 * xsd_sockmsg header, the ring page shared with xenstored (xenstore magic page, HVM_PARAM_STORE_PFN)
 * and the error names sent in XS_ERROR replies.
 *
 * @module
 */

import type { AbiStruct } from "./layout.ts";

/** Message type: Control/debug commands (XS_DEBUG). */
export const XS_CONTROL = 0;
/** Message type: List a node's children. */
export const XS_DIRECTORY = 1;
/** Message type: Read a node's value. */
export const XS_READ = 2;
/** Message type: Read a node's permissions. */
export const XS_GET_PERMS = 3;
/** Message type: Register a watch (path, token). */
export const XS_WATCH = 4;
/** Message type: Remove a watch. */
export const XS_UNWATCH = 5;
/** Message type: Start a transaction; the reply is its id. */
export const XS_TRANSACTION_START = 6;
/** Message type: End a transaction ("T" commit, "F" abort). */
export const XS_TRANSACTION_END = 7;
/** Message type: Introduce a domain to xenstored (privileged). */
export const XS_INTRODUCE = 8;
/** Message type: Release a domain (privileged). */
export const XS_RELEASE = 9;
/** Message type: Home path of a domain (/local/domain/N). */
export const XS_GET_DOMAIN_PATH = 10;
/** Message type: Write a node's value. */
export const XS_WRITE = 11;
/** Message type: Create a node. */
export const XS_MKDIR = 12;
/** Message type: Remove a node and its children. */
export const XS_RM = 13;
/** Message type: Set a node's permissions. */
export const XS_SET_PERMS = 14;
/** Message type: A watch fired (xenstored to client, req_id 0). */
export const XS_WATCH_EVENT = 15;
/** Message type: Error reply; payload is an error name such as "ENOENT". */
export const XS_ERROR = 16;
/** Message type: Is a domain introduced (privileged). */
export const XS_IS_DOMAIN_INTRODUCED = 17;
/** Message type: Resume a domain (privileged). */
export const XS_RESUME = 18;
/** Message type: Set a device model's target domain (privileged). */
export const XS_SET_TARGET = 19;
/** Message type: remove all of the caller's watches. */
export const XS_RESET_WATCHES = 21;
/** Message type: part of a large directory listing. */
export const XS_DIRECTORY_PART = 22;
/** Number of message types. */
export const XS_TYPE_COUNT = 23;
/** An invalid message type. */
export const XS_INVALID = 65535;
/** Index of the path in a WATCH_EVENT payload. */
export const XS_WATCH_PATH = 0;
/** Index of the token in a WATCH_EVENT payload. */
export const XS_WATCH_TOKEN = 1;
/** Bytes in each of the two rings. */
export const XENSTORE_RING_SIZE = 1024;
/** Largest payload of one message. */
export const XENSTORE_PAYLOAD_MAX = 4096;
/** Longest absolute path. */
export const XENSTORE_ABS_PATH_MAX = 3072;
/** Longest relative path. */
export const XENSTORE_REL_PATH_MAX = 2048;
/** server_features bit: the connection field works. */
export const XENSTORE_SERVER_FEATURE_RECONNECTION = 1;
/** server_features bit: the error field works. */
export const XENSTORE_SERVER_FEATURE_ERROR = 2;
/** connection: connected. */
export const XENSTORE_CONNECTED = 0;
/** connection: the guest asks to reconnect. */
export const XENSTORE_RECONNECT = 1;
/** error: none. */
export const XENSTORE_ERROR_NONE = 0;
/** error: communication problem. */
export const XENSTORE_ERROR_COMM = 1;
/** error: invalid ring index. */
export const XENSTORE_ERROR_RINGIDX = 2;
/** error: protocol violation. */
export const XENSTORE_ERROR_PROTO = 3;
/** XS_WRITE flag strings of the older protocol. */
export const XS_WRITE_NONE = "NONE";
/** XS_WRITE flag string: create. */
export const XS_WRITE_CREATE = "CREATE";
/** XS_WRITE flag string: create exclusively. */
export const XS_WRITE_CREATE_EXCL = "CREATE|EXCL";

/**
 * The error names xenstored may send in an XS_ERROR reply, with the Linux (AArch64) errno each
 * stands for, in the header's order.
 */
export const XSD_ERRORS: readonly { readonly errnum: number; readonly errstring: string }[] = [
  { errnum: 22, errstring: "EINVAL" },
  { errnum: 13, errstring: "EACCES" },
  { errnum: 17, errstring: "EEXIST" },
  { errnum: 21, errstring: "EISDIR" },
  { errnum: 2, errstring: "ENOENT" },
  { errnum: 12, errstring: "ENOMEM" },
  { errnum: 28, errstring: "ENOSPC" },
  { errnum: 5, errstring: "EIO" },
  { errnum: 39, errstring: "ENOTEMPTY" },
  { errnum: 38, errstring: "ENOSYS" },
  { errnum: 30, errstring: "EROFS" },
  { errnum: 16, errstring: "EBUSY" },
  { errnum: 11, errstring: "EAGAIN" },
  { errnum: 106, errstring: "EISCONN" },
  { errnum: 7, errstring: "E2BIG" },
  { errnum: 1, errstring: "EPERM" },
];

/** Header of every xenstore message; len payload bytes follow. */
export const xsd_sockmsg: AbiStruct = {
  name: "xsd_sockmsg",
  size: 16,
  fields: [
    { name: "type", offset: 0, size: 4 },
    { name: "req_id", offset: 4, size: 4 },
    { name: "tx_id", offset: 8, size: 4 },
    { name: "len", offset: 12, size: 4 },
  ],
};

/** The xenstore ring page: requests from the guest, responses from xenstored. */
export const xenstore_domain_interface: AbiStruct = {
  name: "xenstore_domain_interface",
  size: 2076,
  fields: [
    { name: "req", offset: 0, size: 1024, count: 1024 },
    { name: "rsp", offset: 1024, size: 1024, count: 1024 },
    { name: "req_cons", offset: 2048, size: 4 },
    { name: "req_prod", offset: 2052, size: 4 },
    { name: "rsp_cons", offset: 2056, size: 4 },
    { name: "rsp_prod", offset: 2060, size: 4 },
    { name: "server_features", offset: 2064, size: 4 },
    { name: "connection", offset: 2068, size: 4 },
    { name: "error", offset: 2072, size: 4 },
  ],
};
