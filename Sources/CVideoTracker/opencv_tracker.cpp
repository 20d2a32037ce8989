// OpenCV's trackers behind a C ABI. Every entry point catches every exception: one C++
// exception escaping into Swift would abort the whole server.
#include "CVideoTracker.h"

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
        cv::Mat frame = borrow(image);
        if (tracker->modern) {
            cv::Rect rect;
            if (!tracker->modern->update(frame, rect)) return CVT_NOT_FOUND;
            *box = cvt_rect{double(rect.x), double(rect.y), double(rect.width), double(rect.height)};
            return CVT_OK;
        }
        cv::Rect2d rect;
        if (!tracker->legacy->update(frame, rect)) return CVT_NOT_FOUND;
        *box = cvt_rect{rect.x, rect.y, rect.width, rect.height};
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
