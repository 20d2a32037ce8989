// The detector's input: the frame resized as YOLOX's preprocessing resizes it (cv2.resize,
// INTER_LINEAR), at the top-left of the square input, the rest filled with one grey, written as
// planar B, G, R floats straight into the model's input tensor. The sizes are decided in Swift.
#include "CVideoTracker.h"

#include <algorithm>
#include <cstdio>
#include <exception>
#include <stdexcept>

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

extern "C" cvt_status cvt_letterbox(cvt_image image, int32_t resized_width, int32_t resized_height, int32_t input_size,
                                    uint8_t fill, float *output, char *error, size_t error_size) {
    try {
        if (resized_width < 1 || resized_height < 1 || resized_width > input_size || resized_height > input_size) {
            throw std::invalid_argument("the resized frame does not fit the input");
        }
        cv::Mat frame(image.height, image.width, CV_8UC3, const_cast<uint8_t *>(image.pixels),
                      static_cast<size_t>(image.bytes_per_row));
        cv::Mat resized;
        cv::resize(frame, resized, cv::Size(resized_width, resized_height), 0, 0, cv::INTER_LINEAR);
        const size_t side = static_cast<size_t>(input_size);
        const size_t plane = side * side;
        const float padding = fill;
        for (int row = 0; row < input_size; row++) {
            float *blue = output + static_cast<size_t>(row) * side;
            float *green = blue + plane;
            float *red = green + plane;
            int column = 0;
            if (row < resized_height) {
                const uint8_t *pixel = resized.ptr<uint8_t>(row);
                for (; column < resized_width; column++, pixel += 3) {
                    blue[column] = pixel[0];
                    green[column] = pixel[1];
                    red[column] = pixel[2];
                }
            }
            std::fill(blue + column, blue + input_size, padding);
            std::fill(green + column, green + input_size, padding);
            std::fill(red + column, red + input_size, padding);
        }
        return CVT_OK;
    } catch (const std::exception &exception) {
        if (error != nullptr && error_size > 0) std::snprintf(error, error_size, "%s", exception.what());
    } catch (...) {
        if (error != nullptr && error_size > 0) std::snprintf(error, error_size, "unknown C++ exception");
    }
    return CVT_FAILED;
}
