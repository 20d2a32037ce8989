# Sourced by track.sh and track-stream.sh: prints the POST /run body for the sample video.
# The box is the pedestrian of Crossing.mp4 at frame 0 (groundtruth_rect.txt line 1: 205,151,17,50).
request_body() {
  cat <<JSON
{
  "item_stream_url": "${VIDEO_URL}",
  "bbs": {"pedestrian": [{"x": 205, "y": 151}, {"x": 222, "y": 201}]},
  "start_frame": ${START_FRAME:-0},
  "frame_duration": ${FRAME_DURATION:-60}
}
JSON
}
