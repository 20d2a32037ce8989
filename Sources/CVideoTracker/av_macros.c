// libav's error codes and sentinels are function-like macros, which Swift does not import.
#include "CVideoTracker.h"

#include <errno.h>

int cvt_av_error_eagain(void) { return AVERROR(EAGAIN); }

int cvt_av_error_eof(void) { return AVERROR_EOF; }

int64_t cvt_av_nopts_value(void) { return AV_NOPTS_VALUE; }

void cvt_av_error_string(int code, char *buffer, size_t size) {
    if (av_strerror(code, buffer, size) < 0 && size > 0) buffer[0] = '\0';
}
