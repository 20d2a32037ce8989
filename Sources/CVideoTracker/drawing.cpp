// Labelled boxes, lines and discs drawn into a frame with OpenCV's imgproc. Colours, sizes, the text and where
// the label goes are decided in Swift (Annotator); this only puts the pixels down.
#include "CVideoTracker.h"

#include <cstdio>
#include <cstring>
#include <exception>
#include <vector>

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

namespace {

cv::Mat borrow_canvas(const cvt_canvas &canvas) {
    return cv::Mat(canvas.height, canvas.width, CV_8UC3, canvas.pixels, static_cast<size_t>(canvas.bytes_per_row));
}

cv::Rect whole_pixels(const cvt_rect &rect) {
    return cv::Rect(cvRound(rect.x), cvRound(rect.y), cvRound(rect.width), cvRound(rect.height));
}

void write_error(char *error, size_t size, const char *message) {
    if (error == nullptr || size == 0) return;
    std::snprintf(error, size, "%s", message);
    // OpenCV's messages end in a line break; error messages in JSON should not.
    for (size_t end = std::strlen(error); end > 0 && (error[end - 1] == '\n' || error[end - 1] == ' '); end--) {
        error[end - 1] = '\0';
    }
}

template <typename Body>
cvt_status catching(char *error, size_t error_size, Body body) {
    try {
        body();
        return CVT_OK;
    } catch (const std::exception &exception) {
        write_error(error, error_size, exception.what());
    } catch (...) {
        write_error(error, error_size, "unknown C++ exception");
    }
    return CVT_FAILED;
}

} // namespace

extern "C" cvt_status cvt_text_size(const char *text, double font_scale, int32_t thickness, int32_t size[3],
                                    char *error, size_t error_size) {
    return catching(error, error_size, [&]() {
        int baseline = 0;
        cv::Size extent = cv::getTextSize(text, cv::FONT_HERSHEY_SIMPLEX, font_scale, thickness, &baseline);
        size[0] = extent.width;
        size[1] = extent.height;
        size[2] = baseline;
    });
}

extern "C" cvt_status cvt_draw_labelled_box(cvt_canvas canvas, cvt_rect box, const uint8_t color[3], int32_t thickness,
                                            const cvt_label *label, char *error, size_t error_size) {
    return catching(error, error_size, [&]() {
        cv::Mat frame = borrow_canvas(canvas);
        const cv::Scalar fill(color[0], color[1], color[2]);
        if (thickness > 0) {
            cv::Rect outline = whole_pixels(box);
            cv::rectangle(frame, outline.tl(), outline.br() - cv::Point(1, 1), fill, thickness, cv::LINE_8);
        }
        if (label != nullptr) {
            cv::rectangle(frame, whole_pixels(label->background), fill, cv::FILLED, cv::LINE_8);
            cv::putText(frame, label->text, cv::Point(cvRound(label->baseline_x), cvRound(label->baseline_y)),
                        cv::FONT_HERSHEY_SIMPLEX, label->font_scale,
                        cv::Scalar(label->color[0], label->color[1], label->color[2]), label->thickness, cv::LINE_AA);
        }
    });
}

extern "C" cvt_status cvt_draw_polyline(cvt_canvas canvas, const double *points, int32_t count, const uint8_t color[3],
                                        int32_t thickness, char *error, size_t error_size) {
    return catching(error, error_size, [&]() {
        if (count < 2) return;
        cv::Mat frame = borrow_canvas(canvas);
        std::vector<cv::Point> line;
        line.reserve(count);
        for (int32_t i = 0; i < count; i++) line.emplace_back(cvRound(points[2 * i]), cvRound(points[2 * i + 1]));
        cv::polylines(frame, std::vector<std::vector<cv::Point>>{line}, false, cv::Scalar(color[0], color[1], color[2]),
                      thickness, cv::LINE_AA);
    });
}

extern "C" cvt_status cvt_draw_disc(cvt_canvas canvas, double x, double y, int32_t radius, const uint8_t color[3],
                                    char *error, size_t error_size) {
    return catching(error, error_size, [&]() {
        cv::Mat frame = borrow_canvas(canvas);
        cv::circle(frame, cv::Point(cvRound(x), cvRound(y)), radius, cv::Scalar(color[0], color[1], color[2]), cv::FILLED,
                   cv::LINE_AA);
    });
}
