// glibc's malloc knobs, which Swift's Glibc module does not export.
#include "CVideoTracker.h"

#if defined(__GLIBC__)
#include <malloc.h>
#endif

int cvt_malloc_tune(int mmap_threshold_bytes, int max_arenas) {
#if defined(__GLIBC__)
    return mallopt(M_MMAP_THRESHOLD, mmap_threshold_bytes) == 1 && mallopt(M_ARENA_MAX, max_arenas) == 1;
#else
    (void)mmap_threshold_bytes;
    (void)max_arenas;
    return 0;
#endif
}
