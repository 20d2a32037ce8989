// OpenCV's trackers behind a C ABI. Every entry point catches every exception: one C++
// exception escaping into Swift would abort the whole server.
#include "CVideoTracker.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <exception>

#include <opencv2/core.hpp>
#include <opencv2/core/utility.hpp>
#include <opencv2/tracking.hpp>
#include <opencv2/tracking/tracking_legacy.hpp>
#include <opencv2/video/tracking.hpp>

// OpenCV 4.6 has two tracker APIs: CSRT, KCF and MIL moved to cv::Tracker (integer Rect);
// MOSSE, MedianFlow, Boosting and TLD exist only as cv::legacy::Tracker (Rect2d).
struct cvt_tracker {
    cv::Ptr<cv::Tracker> modern;
    cv::Ptr<cv::legacy::Tracker> legacy;
    // A start box hanging over the image edge: every frame is padded by the overhang (fixed at
    // init, edge pixels repeated), so the tracker starts from the box as drawn and runs in padded
    // coordinates. CSRT, MIL, Boosting and TLD assert or throw on a box outside the image; KCF
    // copes, but padding gives it the same answer (measured), so all are treated alike.
    int pad_left = 0, pad_top = 0, pad_right = 0, pad_bottom = 0;
    cv::Mat padded; // reused frame to frame
    bool is_padded() const { return pad_left || pad_top || pad_right || pad_bottom; }
};

namespace {

void write_error(char *error, size_t size, const char *message) {
    if (error == nullptr || size == 0) return;
    std::snprintf(error, size, "%s", message);
    // OpenCV's messages end in a line break; JSON error messages should not.
    for (size_t end = std::strlen(error); end > 0 && (error[end - 1] == '\n' || error[end - 1] == ' '); end--) {
        error[end - 1] = '\0';
    }
}

cv::Mat borrow(const cvt_image &image) {
    // No copy: the Mat points at the caller's frame for the length of one call.
    return cv::Mat(image.height, image.width, CV_8UC3, const_cast<uint8_t *>(image.pixels),
                   static_cast<size_t>(image.bytes_per_row));
}

cv::Ptr<cv::Tracker> make_csrt(const cvt_csrt_tuning *tuning) {
    cv::TrackerCSRT::Params params;
    if (tuning != nullptr) {
        if (tuning->template_size > 0) params.template_size = tuning->template_size;
        if (tuning->number_of_scales > 0) params.number_of_scales = tuning->number_of_scales;
        if (tuning->admm_iterations > 0) params.admm_iterations = tuning->admm_iterations;
        if (tuning->use_segmentation >= 0) params.use_segmentation = tuning->use_segmentation != 0;
        if (tuning->padding > 0) params.padding = tuning->padding;
        if (tuning->hog_channels > 0) params.num_hog_channels_used = tuning->hog_channels;
        if (tuning->use_color_names >= 0) params.use_color_names = tuning->use_color_names != 0;
    }
    return cv::TrackerCSRT::create(params);
}

// The frame as the tracker sees it: padded when its start box overhung the edge.
cv::Mat tracker_view(cvt_tracker *tracker, const cv::Mat &frame) {
    if (!tracker->is_padded()) return frame;
    cv::copyMakeBorder(frame, tracker->padded, tracker->pad_top, tracker->pad_bottom, tracker->pad_left,
                       tracker->pad_right, cv::BORDER_REPLICATE);
    return tracker->padded;
}

template <typename Body>
cvt_status guarded(char *error, size_t error_size, Body body) {
    try {
        return body();
    } catch (const cv::Exception &exception) {
        write_error(error, error_size, exception.what());
    } catch (const std::exception &exception) {
        write_error(error, error_size, exception.what());
    } catch (...) {
        write_error(error, error_size, "unknown C++ exception");
    }
    return CVT_FAILED;
}

} // namespace

extern "C" cvt_tracker *cvt_tracker_create(cvt_tracker_kind kind, const cvt_csrt_tuning *csrt,
                                           char *error, size_t error_size) {
    cvt_tracker *tracker = nullptr;
    cvt_status status = guarded(error, error_size, [&]() {
        auto made = new cvt_tracker();
        try {
            switch (kind) {
            case CVT_TRACKER_CSRT: made->modern = make_csrt(csrt); break;
            case CVT_TRACKER_KCF: made->modern = cv::TrackerKCF::create(); break;
            case CVT_TRACKER_MIL: made->modern = cv::TrackerMIL::create(); break;
            case CVT_TRACKER_MOSSE: made->legacy = cv::legacy::TrackerMOSSE::create(); break;
            case CVT_TRACKER_MEDIANFLOW: made->legacy = cv::legacy::TrackerMedianFlow::create(); break;
            case CVT_TRACKER_BOOSTING: made->legacy = cv::legacy::TrackerBoosting::create(); break;
            case CVT_TRACKER_TLD: made->legacy = cv::legacy::TrackerTLD::create(); break;
            }
        } catch (...) {
            delete made;
            throw;
        }
        if (made->modern.empty() && made->legacy.empty()) {
            delete made;
            write_error(error, error_size, "unknown tracker kind");
            return CVT_FAILED;
        }
        tracker = made;
        return CVT_OK;
    });
    return status == CVT_OK ? tracker : nullptr;
}

extern "C" cvt_status cvt_tracker_init(cvt_tracker *tracker, cvt_image image, cvt_rect box,
                                       char *error, size_t error_size) {
    if (tracker == nullptr) {
        write_error(error, error_size, "no tracker");
        return CVT_FAILED;
    }
    return guarded(error, error_size, [&]() {
        cv::Mat frame = borrow(image);
        // Only a box that overlaps the image is padded for (Swift bounds the overhang); any other
        // goes to OpenCV as is, to be refused there.
        if (box.width > 0 && box.height > 0 && box.x < image.width && box.y < image.height &&
            box.x + box.width > 0 && box.y + box.height > 0) {
            tracker->pad_left = std::max(0, int(std::ceil(-box.x)));
            tracker->pad_top = std::max(0, int(std::ceil(-box.y)));
            tracker->pad_right = std::max(0, int(std::ceil(box.x + box.width - image.width)));
            tracker->pad_bottom = std::max(0, int(std::ceil(box.y + box.height - image.height)));
        }
        frame = tracker_view(tracker, frame);
        box.x += tracker->pad_left;
        box.y += tracker->pad_top;
        if (tracker->modern) {
            cv::Rect rect(cvRound(box.x), cvRound(box.y), cvRound(box.width), cvRound(box.height));
            tracker->modern->init(frame, rect);
            return CVT_OK;
        }
        cv::Rect2d rect(box.x, box.y, box.width, box.height);
        return tracker->legacy->init(frame, rect) ? CVT_OK : CVT_NOT_FOUND;
    });
}

extern "C" cvt_status cvt_tracker_update(cvt_tracker *tracker, cvt_image image, cvt_rect *box,
                                         char *error, size_t error_size) {
    if (tracker == nullptr || box == nullptr) {
        write_error(error, error_size, "no tracker");
        return CVT_FAILED;
    }
    return guarded(error, error_size, [&]() {
        cv::Mat frame = tracker_view(tracker, borrow(image));
        if (tracker->modern) {
            cv::Rect rect;
            if (!tracker->modern->update(frame, rect)) return CVT_NOT_FOUND;
            *box = cvt_rect{double(rect.x - tracker->pad_left), double(rect.y - tracker->pad_top), double(rect.width),
                            double(rect.height)};
            return CVT_OK;
        }
        cv::Rect2d rect;
        if (!tracker->legacy->update(frame, rect)) return CVT_NOT_FOUND;
        *box = cvt_rect{rect.x - tracker->pad_left, rect.y - tracker->pad_top, rect.width, rect.height};
        return CVT_OK;
    });
}

extern "C" void cvt_tracker_destroy(cvt_tracker *tracker) {
    try {
        delete tracker;
    } catch (...) {
        // A destructor that throws has nowhere to report to; swallowing it keeps the process alive.
    }
}

extern "C" void cvt_set_opencv_threads(int32_t count) {
    try {
        cv::setNumThreads(count);
    } catch (...) {
    }
}

extern "C" int32_t cvt_opencv_threads(void) {
    try {
        return cv::getNumThreads();
    } catch (...) {
        return -1;
    }
}
