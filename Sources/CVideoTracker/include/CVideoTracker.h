// CVideoTracker: the project's only C/C++ surface.
//
// Small groups, each a thin call into a C or C++ library that Swift cannot call directly:
//   cvt_tracker_*  OpenCV's single-object trackers (C++; every function catches every exception),
//   cvt_crop_*     crops of a frame for neural trackers (OpenCV's resize, so they match cv2's),
//   cvt_draw_*     boxes, labels, lines and discs drawn into a frame (OpenCV's imgproc; where and what is Swift's),
//   cvt_letterbox  the detector's input (the same resize, as YOLOX's preprocessing does it),
//   cvt_curl_*     libcurl's variadic curl_easy_setopt/getinfo, as typed functions,
//   cvt_av_*       libav's function-like macros (error codes, "no timestamp"),
//   cvt_malloc_*   glibc's malloc tuning (malloc.h is not in Swift's Glibc module).
// Decisions (which tracker, when a box is lost, how to seek) live in Swift.
#ifndef CVIDEOTRACKER_H
#define CVIDEOTRACKER_H

#include <stddef.h>
#include <stdint.h>

#include <curl/curl.h>
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavformat/avio.h>
#include <libavutil/avutil.h>
#include <libavutil/error.h>
#include <libavutil/imgutils.h>
#include <libswscale/swscale.h>

#ifdef __cplusplus
extern "C" {
#endif

// MARK: - Trackers

/// OpenCV 4.6 trackers that need no model file.
typedef enum {
    CVT_TRACKER_CSRT = 0,
    CVT_TRACKER_KCF = 1,
    CVT_TRACKER_MIL = 2,
    CVT_TRACKER_MOSSE = 3,
    CVT_TRACKER_MEDIANFLOW = 4,
    CVT_TRACKER_BOOSTING = 5,
    CVT_TRACKER_TLD = 6,
} cvt_tracker_kind;

/// Tuning for CSRT; a zero field keeps OpenCV's default.
typedef struct {
    float template_size;
    int32_t number_of_scales;
    int32_t admm_iterations;
    int32_t use_segmentation; // -1 default, 0 off, 1 on
    float padding;
    int32_t hog_channels;
    int32_t use_color_names;  // -1 default, 0 off, 1 on
} cvt_csrt_tuning;

/// A BGR image, 8 bits a channel, borrowed (never copied or kept) for one call.
typedef struct {
    const uint8_t *pixels;
    int32_t width;
    int32_t height;
    int64_t bytes_per_row;
} cvt_image;

typedef struct {
    double x;
    double y;
    double width;
    double height;
} cvt_rect;

typedef enum {
    CVT_OK = 0,        ///< located; the rect is filled in
    CVT_NOT_FOUND = 1, ///< the tracker says it lost the target
    CVT_FAILED = -1,   ///< OpenCV threw; the message is in `error`
} cvt_status;

typedef struct cvt_tracker cvt_tracker;

/// Returns NULL and fills `error` when OpenCV refuses or throws.
cvt_tracker *cvt_tracker_create(cvt_tracker_kind kind, const cvt_csrt_tuning *csrt,
                                char *error, size_t error_size);
cvt_status cvt_tracker_init(cvt_tracker *tracker, cvt_image image, cvt_rect box,
                            char *error, size_t error_size);
cvt_status cvt_tracker_update(cvt_tracker *tracker, cvt_image image, cvt_rect *box,
                              char *error, size_t error_size);
void cvt_tracker_destroy(cvt_tracker *tracker);

/// OpenCV's own worker threads (CSRT spreads some work over them); 0 = one thread.
void cvt_set_opencv_threads(int32_t count);
int32_t cvt_opencv_threads(void);

// MARK: - Crops for neural trackers

/// The per-channel mean of an image (B, G, R).
cvt_status cvt_image_mean(cvt_image image, double mean[3], char *error, size_t error_size);

/// The `size` x `size` square of `image` whose top-left pixel is (`left`, `top`), the parts
/// outside the image filled with `fill` (B, G, R), resized bilinearly to `output_size` x
/// `output_size` (not resized when equal) and written to `output` as planar B, G, R floats
/// (3 * output_size * output_size of them).
cvt_status cvt_crop_square(cvt_image image, int32_t left, int32_t top, int32_t size, int32_t output_size,
                           const uint8_t fill[3], float *output, char *error, size_t error_size);

// MARK: - Drawing

/// A BGR image, 8 bits a channel, that the callee draws into in place (borrowed for one call).
typedef struct {
    uint8_t *pixels;
    int32_t width;
    int32_t height;
    int64_t bytes_per_row;
} cvt_canvas;

/// A label's text and where it goes, all decided by the caller. Rect coordinates are whole pixels.
typedef struct {
    const char *text;        ///< ASCII (OpenCV's Hershey fonts draw nothing else)
    cvt_rect background;     ///< filled with the box's colour
    double baseline_x;       ///< where the text's baseline starts
    double baseline_y;
    uint8_t color[3];        ///< the text's colour (B, G, R)
    double font_scale;
    int32_t thickness;
} cvt_label;

/// The extent of `text` in OpenCV's FONT_HERSHEY_SIMPLEX at `font_scale` and `thickness`:
/// `size[0]` its width, `size[1]` its height above the baseline, `size[2]` its depth below.
cvt_status cvt_text_size(const char *text, double font_scale, int32_t thickness, int32_t size[3],
                         char *error, size_t error_size);

/// Draws into `canvas`: when `thickness` > 0, the outline of `box` (first and last pixels
/// inclusive) in `color`, lines centred on its edges; then, when `label` is not NULL, the label's
/// background filled with `color` and its text (FONT_HERSHEY_SIMPLEX, anti-aliased) over it.
cvt_status cvt_draw_labelled_box(cvt_canvas canvas, cvt_rect box, const uint8_t color[3], int32_t thickness,
                                 const cvt_label *label, char *error, size_t error_size);

/// Draws the open polyline through `count` points (`points` holds x0, y0, x1, y1, ...) into
/// `canvas` in `color`, anti-aliased: a track's trail. Fewer than two points draw nothing.
cvt_status cvt_draw_polyline(cvt_canvas canvas, const double *points, int32_t count, const uint8_t color[3],
                             int32_t thickness, char *error, size_t error_size);

/// Fills the disc of `radius` pixels around (`x`, `y`) in `canvas` with `color`, anti-aliased:
/// where a track ends in the trajectories picture.
cvt_status cvt_draw_disc(cvt_canvas canvas, double x, double y, int32_t radius, const uint8_t color[3],
                         char *error, size_t error_size);

// MARK: - The detector's input

/// YOLOX's letterbox: `image` resized bilinearly (OpenCV's INTER_LINEAR, as cv2.resize in YOLOX's
/// preprocessing) to `resized_width` x `resized_height`, placed at the top-left of an `input_size` x
/// `input_size` square whose rest is `fill` in every channel, written to `output` as planar B, G, R
/// floats (3 * input_size * input_size of them). The resized size must fit the square.
cvt_status cvt_letterbox(cvt_image image, int32_t resized_width, int32_t resized_height, int32_t input_size,
                         uint8_t fill, float *output, char *error, size_t error_size);

// MARK: - libcurl

CURLcode cvt_curl_set_long(CURL *handle, CURLoption option, long value);
CURLcode cvt_curl_set_string(CURL *handle, CURLoption option, const char *value);
CURLcode cvt_curl_set_pointer(CURL *handle, CURLoption option, void *value);
CURLcode cvt_curl_set_slist(CURL *handle, CURLoption option, struct curl_slist *value);
CURLcode cvt_curl_set_offset(CURL *handle, CURLoption option, curl_off_t value);

typedef size_t (*cvt_curl_data_callback)(char *data, size_t size, size_t count, void *context);
CURLcode cvt_curl_set_write_callback(CURL *handle, cvt_curl_data_callback callback, void *context);
CURLcode cvt_curl_set_header_callback(CURL *handle, cvt_curl_data_callback callback, void *context);

typedef int (*cvt_curl_progress_callback)(void *context, curl_off_t dltotal, curl_off_t dlnow,
                                          curl_off_t ultotal, curl_off_t ulnow);
CURLcode cvt_curl_set_progress_callback(CURL *handle, cvt_curl_progress_callback callback, void *context);

/// Called with the address libcurl is about to connect to (after DNS and on every redirect).
/// Return 1 to allow, 0 to refuse.
typedef int (*cvt_curl_address_check)(void *context, const struct sockaddr *address, int length);
typedef struct {
    cvt_curl_address_check check;
    void *context;
} cvt_address_guard;
/// The guard must outlive the handle's transfers.
CURLcode cvt_curl_set_address_guard(CURL *handle, cvt_address_guard *guard);

long cvt_curl_response_code(CURL *handle);
/// The Location of a 3xx answer, resolved against the request URL, or "" when none.
const char *cvt_curl_redirect_url(CURL *handle);
/// The primary IP libcurl connected to, or "" when none.
const char *cvt_curl_primary_ip(CURL *handle);

// MARK: - libav

int cvt_av_error_eagain(void);
int cvt_av_error_eof(void);
int64_t cvt_av_nopts_value(void);
/// av_strerror into a caller buffer.
void cvt_av_error_string(int code, char *buffer, size_t size);

// MARK: - glibc malloc

/// Fixes the mmap threshold and caps the arenas (no-op off glibc). Returns 1 when applied.
int cvt_malloc_tune(int mmap_threshold_bytes, int max_arenas);

#ifdef __cplusplus
}
#endif

#endif
