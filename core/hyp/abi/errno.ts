/**
 * Xen's errno values (xen/include/public/errno.h), as C's XEN_E* names. A hypercall returns the
 * negated value in x0 (e.g. -XEN_ENOSYS for an unknown hypercall or sub-op). They match Linux's
 * generic numbers, but the guest ABI is Xen's list, so hvlab uses these. XEN_EINTR and
 * XEN_ERESTART are left out: the header marks them internal to Xen, never returned to a guest.
 *
 * @module
 */

/** Operation not permitted. */
export const XEN_EPERM = 1;
/** No such file or directory. */
export const XEN_ENOENT = 2;
/** No such process. */
export const XEN_ESRCH = 3;
/** I/O error. */
export const XEN_EIO = 5;
/** No such device or address. */
export const XEN_ENXIO = 6;
/** Arg list too long. */
export const XEN_E2BIG = 7;
/** Exec format error. */
export const XEN_ENOEXEC = 8;
/** Bad file number. */
export const XEN_EBADF = 9;
/** No child processes. */
export const XEN_ECHILD = 10;
/** Try again. */
export const XEN_EAGAIN = 11;
/** Operation would block.  Aliases EAGAIN. */
export const XEN_EWOULDBLOCK = 11;
/** Out of memory. */
export const XEN_ENOMEM = 12;
/** Permission denied. */
export const XEN_EACCES = 13;
/** Bad address. */
export const XEN_EFAULT = 14;
/** Device or resource busy. */
export const XEN_EBUSY = 16;
/** File exists. */
export const XEN_EEXIST = 17;
/** Cross-device link. */
export const XEN_EXDEV = 18;
/** No such device. */
export const XEN_ENODEV = 19;
/** Not a directory. */
export const XEN_ENOTDIR = 20;
/** Is a directory. */
export const XEN_EISDIR = 21;
/** Invalid argument. */
export const XEN_EINVAL = 22;
/** File table overflow. */
export const XEN_ENFILE = 23;
/** Too many open files. */
export const XEN_EMFILE = 24;
/** No space left on device. */
export const XEN_ENOSPC = 28;
/** Read-only file system. */
export const XEN_EROFS = 30;
/** Too many links. */
export const XEN_EMLINK = 31;
/** Math argument out of domain of func. */
export const XEN_EDOM = 33;
/** Math result not representable. */
export const XEN_ERANGE = 34;
/** Resource deadlock would occur. */
export const XEN_EDEADLK = 35;
/** Resource deadlock would occur. Aliases EDEADLK. */
export const XEN_EDEADLOCK = 35;
/** File name too long. */
export const XEN_ENAMETOOLONG = 36;
/** No record locks available. */
export const XEN_ENOLCK = 37;
/** Function not implemented. */
export const XEN_ENOSYS = 38;
/** Directory not empty. */
export const XEN_ENOTEMPTY = 39;
/** No data available. */
export const XEN_ENODATA = 61;
/** Timer expired. */
export const XEN_ETIME = 62;
/** Not a data message. */
export const XEN_EBADMSG = 74;
/** Value too large for defined data type. */
export const XEN_EOVERFLOW = 75;
/** Illegal byte sequence. */
export const XEN_EILSEQ = 84;
/** Socket operation on non-socket. */
export const XEN_ENOTSOCK = 88;
/** Message too large.. */
export const XEN_EMSGSIZE = 90;
/** Operation not supported on transport endpoint. */
export const XEN_EOPNOTSUPP = 95;
/** Address already in use. */
export const XEN_EADDRINUSE = 98;
/** Cannot assign requested address. */
export const XEN_EADDRNOTAVAIL = 99;
/** No buffer space available. */
export const XEN_ENOBUFS = 105;
/** Transport endpoint is already connected. */
export const XEN_EISCONN = 106;
/** Transport endpoint is not connected. */
export const XEN_ENOTCONN = 107;
/** Connection timed out. */
export const XEN_ETIMEDOUT = 110;
/** Connection refused. */
export const XEN_ECONNREFUSED = 111;

/** Every errno name by value (aliases EWOULDBLOCK and EDEADLOCK resolve to EAGAIN and EDEADLK). */
export const XEN_ERRNO_NAMES: ReadonlyMap<number, string> = new Map([
  [1, "EPERM"],
  [2, "ENOENT"],
  [3, "ESRCH"],
  [5, "EIO"],
  [6, "ENXIO"],
  [7, "E2BIG"],
  [8, "ENOEXEC"],
  [9, "EBADF"],
  [10, "ECHILD"],
  [11, "EAGAIN"],
  [12, "ENOMEM"],
  [13, "EACCES"],
  [14, "EFAULT"],
  [16, "EBUSY"],
  [17, "EEXIST"],
  [18, "EXDEV"],
  [19, "ENODEV"],
  [20, "ENOTDIR"],
  [21, "EISDIR"],
  [22, "EINVAL"],
  [23, "ENFILE"],
  [24, "EMFILE"],
  [28, "ENOSPC"],
  [30, "EROFS"],
  [31, "EMLINK"],
  [33, "EDOM"],
  [34, "ERANGE"],
  [35, "EDEADLK"],
  [36, "ENAMETOOLONG"],
  [37, "ENOLCK"],
  [38, "ENOSYS"],
  [39, "ENOTEMPTY"],
  [61, "ENODATA"],
  [62, "ETIME"],
  [74, "EBADMSG"],
  [75, "EOVERFLOW"],
  [84, "EILSEQ"],
  [88, "ENOTSOCK"],
  [90, "EMSGSIZE"],
  [95, "EOPNOTSUPP"],
  [98, "EADDRINUSE"],
  [99, "EADDRNOTAVAIL"],
  [105, "ENOBUFS"],
  [106, "EISCONN"],
  [107, "ENOTCONN"],
  [110, "ETIMEDOUT"],
  [111, "ECONNREFUSED"],
]);
