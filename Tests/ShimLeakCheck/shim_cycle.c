// Leak check of the C shim's create/init/update/destroy cycle, for every tracker kind, built
// with -fsanitize=address (LeakSanitizer) by `make leakcheck` (part of `make test`). A synthetic
// textured frame with a moving square is enough: the cycle, not the accuracy, is under test.
#include "CVideoTracker.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { WIDTH = 320, HEIGHT = 240, STRIDE = WIDTH * 3, CYCLES = 5, FRAMES = 8 };

static void draw(uint8_t *pixels, int frame) {
    for (int y = 0; y < HEIGHT; y++) {
        for (int x = 0; x < WIDTH; x++) {
            uint8_t *p = pixels + y * STRIDE + x * 3;
            uint8_t texture = (uint8_t)((x * 7 + y * 13) ^ (x * y));
            int inside = x >= 100 + frame * 2 && x < 140 + frame * 2 && y >= 80 && y < 150;
            p[0] = inside ? 230 : texture;
            p[1] = inside ? 40 : (uint8_t)(texture / 2);
            p[2] = inside ? 40 : (uint8_t)(255 - texture);
        }
    }
}

int main(void) {
    uint8_t *pixels = malloc((size_t)STRIDE * HEIGHT);
    char error[256];
    int failures = 0, cycles = 0;
    for (int kind = CVT_TRACKER_CSRT; kind <= CVT_TRACKER_TLD; kind++) {
        for (int cycle = 0; cycle < CYCLES; cycle++) {
            cvt_tracker *tracker = cvt_tracker_create((cvt_tracker_kind)kind, NULL, error, sizeof error);
            if (tracker == NULL) {
                fprintf(stderr, "kind %d: create failed: %s\n", kind, error);
                failures++;
                break;
            }
            draw(pixels, 0);
            cvt_image image = {pixels, WIDTH, HEIGHT, STRIDE};
            cvt_rect box = {100, 80, 40, 70};
            if (cvt_tracker_init(tracker, image, box, error, sizeof error) == CVT_FAILED) {
                fprintf(stderr, "kind %d: init failed: %s\n", kind, error);
                failures++;
            }
            for (int frame = 1; frame < FRAMES; frame++) {
                draw(pixels, frame);
                cvt_rect found;
                cvt_tracker_update(tracker, image, &found, error, sizeof error);
            }
            cvt_tracker_destroy(tracker);
            cycles++;
        }
    }
    // An exception path: a box far outside the image must come back as CVT_FAILED, not a crash.
    cvt_tracker *tracker = cvt_tracker_create(CVT_TRACKER_KCF, NULL, error, sizeof error);
    cvt_image image = {pixels, WIDTH, HEIGHT, STRIDE};
    cvt_rect outside = {5000, 5000, -10, -10};
    cvt_status status = cvt_tracker_init(tracker, image, outside, error, sizeof error);
    printf("bad box: status %d (%s)\n", status, status == CVT_FAILED ? error : "no exception");
    cvt_tracker_destroy(tracker);

    // Drawing: labelled boxes in place, a box over the edge, and a thickness OpenCV refuses
    // (its exception must come back as CVT_FAILED with the message).
    cvt_canvas canvas = {pixels, WIDTH, HEIGHT, STRIDE};
    const uint8_t violet[3] = {251, 81, 163};
    int drawn = 0;
    for (int cycle = 0; cycle < CYCLES * FRAMES; cycle++) {
        int32_t size[3];
        if (cvt_text_size("#12 person 0.87", 0.5, 1, size, error, sizeof error) != CVT_OK) failures++;
        cvt_label label = {"#12 person 0.87", {10, 10, size[0] + 6, size[1] + size[2] + 4}, 13, 12 + size[1],
                           {0, 0, 0}, 0.5, 1};
        cvt_rect inside = {20, 40, 60, 120}, over_edge = {WIDTH - 30, HEIGHT - 30, 80, 80};
        if (cvt_draw_labelled_box(canvas, inside, violet, 2, NULL, error, sizeof error) != CVT_OK) failures++;
        if (cvt_draw_labelled_box(canvas, over_edge, violet, 2, &label, error, sizeof error) != CVT_OK) failures++;
        if (cvt_draw_disc(canvas, WIDTH - 2, 5, 6, violet, error, sizeof error) != CVT_OK) failures++;
        drawn++;
    }
    const uint8_t *edge = pixels + 80 * STRIDE + 20 * 3;
    if (edge[0] != 251 || edge[1] != 81 || edge[2] != 163) {
        fprintf(stderr, "the box's left edge is not violet: %d %d %d\n", edge[0], edge[1], edge[2]);
        failures++;
    }
    status = cvt_draw_labelled_box(canvas, outside, violet, 40000, NULL, error, sizeof error);
    printf("bad thickness: status %d (%s)\n", status, status == CVT_FAILED ? error : "no exception");
    if (status != CVT_FAILED) failures++;
    status = cvt_draw_disc(canvas, 10, 10, -1, violet, error, sizeof error);
    printf("bad radius: status %d (%s)\n", status, status == CVT_FAILED ? error : "no exception");
    if (status != CVT_FAILED) failures++;
    printf("drawing cycles: %d\n", drawn);
    free(pixels);
    printf("shim cycles: %d kinds x %d cycles x %d frames\n", CVT_TRACKER_TLD + 1, CYCLES, FRAMES);
    // LeakSanitizer reports at exit and makes the exit status non-zero if anything leaked.
    printf("leakcheck: %d passed, %d failed\n", cycles, failures);
    return failures == 0 ? 0 : 1;
}
