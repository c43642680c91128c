#ifndef CLICKUNLOCK_CZSTD_SHIM_H
#define CLICKUNLOCK_CZSTD_SHIM_H
#include <zstd.h>
#endif
