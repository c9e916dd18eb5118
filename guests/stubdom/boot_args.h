/* The stub domain's boot arguments: /chosen/bootargs of the device tree it is entered with. */
#ifndef STUBDOM_BOOT_ARGS_H
#define STUBDOM_BOOT_ARGS_H
#include <stdint.h>

/* The bootargs string in the flattened device tree at `dtb`, or 0 (none, or not a DTB). */
const char *fdt_bootargs(const void *dtb);
/* The decimal value of `key` (e.g. "target=") in a space-separated `args`, or -1 if absent. */
long arg_value(const char *args, const char *key);
#endif
