// Crops for neural trackers: a square of the frame (what lies outside filled with one colour),
// resized and laid out as planar float input. Where and how big is decided in Swift.
#include "CVideoTracker.h"

#include <cstdio>
#include <exception>

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

namespace {

cv::Mat borrow_image(const cvt_image &image) {
    return cv::Mat(image.height, image.width, CV_8UC3, const_cast<uint8_t *>(image.pixels),
                   static_cast<size_t>(image.bytes_per_row));
}

template <typename Body>
cvt_status catching(char *error, size_t error_size, Body body) {
    try {
        body();
        return CVT_OK;
    } catch (const std::exception &exception) {
        if (error != nullptr && error_size > 0) std::snprintf(error, error_size, "%s", exception.what());
    } catch (...) {
        if (error != nullptr && error_size > 0) std::snprintf(error, error_size, "unknown C++ exception");
    }
    return CVT_FAILED;
}

} // namespace

extern "C" cvt_status cvt_image_mean(cvt_image image, double mean[3], char *error, size_t error_size) {
    return catching(error, error_size, [&]() {
        cv::Scalar average = cv::mean(borrow_image(image));
        for (int channel = 0; channel < 3; channel++) mean[channel] = average[channel];
    });
}

extern "C" cvt_status cvt_crop_square(cvt_image image, int32_t left, int32_t top, int32_t size, int32_t output_size,
                                      const uint8_t fill[3], float *output, char *error, size_t error_size) {
    return catching(error, error_size, [&]() {
        cv::Mat frame = borrow_image(image);
        // The square as if the frame were padded with `fill` wherever the square overhangs it.
        cv::Mat patch(size, size, CV_8UC3, cv::Scalar(fill[0], fill[1], fill[2]));
        cv::Rect inside = cv::Rect(left, top, size, size) & cv::Rect(0, 0, frame.cols, frame.rows);
        if (inside.area() > 0) {
            frame(inside).copyTo(patch(cv::Rect(inside.x - left, inside.y - top, inside.width, inside.height)));
        }
        cv::Mat resized = patch;
        if (output_size != size) cv::resize(patch, resized, cv::Size(output_size, output_size));
        // HWC bytes to CHW floats.
        const size_t plane = static_cast<size_t>(output_size) * static_cast<size_t>(output_size);
        for (int row = 0; row < output_size; row++) {
            const uint8_t *pixel = resized.ptr<uint8_t>(row);
            size_t at = static_cast<size_t>(row) * static_cast<size_t>(output_size);
            for (int column = 0; column < output_size; column++, pixel += 3, at++) {
                output[at] = pixel[0];
                output[plane + at] = pixel[1];
                output[2 * plane + at] = pixel[2];
            }
        }
    });
}
