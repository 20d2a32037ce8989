import CVideoTracker
import Foundation

/// NanoTrack (HonglinChu/SiamTrackers) following one box: a port of the author's `NanoTracker`.
///
/// On the start frame the backbone turns a 127 px crop around the box (with context) into
/// template features. On every frame after, it turns a 255 px crop around the last position into
/// search features; the head compares the two and scores every cell of a 16 x 16 (v2) or 15 x 15
/// (v3) grid, each with a box (distances to its four edges). The winning cell is the best score
/// after a penalty for changing size or aspect and a cosine window that favours small moves; the
/// size follows it at a rate set by that score. Crops hanging over the frame's edge are filled
/// with the start frame's mean colour, so a box drawn over the edge is tracked as drawn.
final class NanoTracker: SingleObjectTracker, @unchecked Sendable {
    let box: Box
    private let model: NanoTrackModel
    /// Frames whose best score is below this are reported lost (the tracker keeps following).
    private let lostScore: Double

    // The state, as the author keeps it: centre and size in frame pixels.
    private var centerX = 0.0, centerY = 0.0, width = 0.0, height = 0.0
    private var fill: [UInt8] = [0, 0, 0]
    private var template: [Float] = []
    /// The last update's best raw score (before penalties), for the lost decision and the bench.
    private(set) var lastScore = 1.0

    init(model: NanoTrackModel, box: Box, lostScore: Double) {
        self.model = model
        self.box = box
        self.lostScore = lostScore
    }

    func start(on frame: FrameBuffer) -> TrackerOutcome {
        centerX = box.left + (box.width - 1) / 2
        centerY = box.top + (box.height - 1) / 2
        width = box.width
        height = box.height
        do {
            var mean = [0.0, 0.0, 0.0]
            try crop { cvt_image_mean(frame.image, &mean, $0, $1) }
            // Numpy stores the float mean into uint8 padding by truncation.
            fill = mean.map { UInt8(max(0, min(255, $0))) }
            let exemplar = model.config.exemplarSize
            template = try model.templateBackbone.withRequest { request in
                try request.withInput(0) { input in
                    try cropSquare(frame, size: contextSize().rounded(.toNearestOrEven), to: exemplar, into: input)
                }
                try request.infer()
                return try request.withOutput(0) { Array($0) }
            }
            return .located(box)
        } catch {
            return .failed("\(error)")
        }
    }

    func update(on frame: FrameBuffer) -> TrackerOutcome {
        do {
            let config = model.config
            let contextSize = contextSize()
            let scale = Double(config.exemplarSize) / contextSize
            let searchSize = contextSize * Double(config.instanceSize) / Double(config.exemplarSize)
            let best = try model.searchBackbone.withRequest { backbone in
                try backbone.withInput(0) { input in
                    try cropSquare(frame, size: searchSize.rounded(.toNearestOrEven), to: config.instanceSize, into: input)
                }
                try backbone.infer()
                return try model.head.withRequest { head in
                    try head.withInput(0) { input in _ = input.update(fromContentsOf: template) }
                    try head.withInput(1) { input in try backbone.withOutput(0) { _ = input.update(fromContentsOf: $0) } }
                    try head.infer()
                    return try head.withOutput(0) { scores in
                        try head.withOutput(1) { distances in choose(scores: scores, distances: distances, scale: scale) }
                    }
                }
            }
            // Move to the winner; the size follows at a rate set by how sure the model is.
            let rate = best.penalty * best.score * config.learningRate
            centerX += best.centerX / scale
            centerY += best.centerY / scale
            width = width * (1 - rate) + best.width / scale * rate
            height = height * (1 - rate) + best.height / scale * rate
            // The author's clip: the centre stays on the frame, the size between 10 px and the frame's.
            let frameWidth = Double(frame.width), frameHeight = Double(frame.height)
            centerX = max(0, min(centerX, frameWidth))
            centerY = max(0, min(centerY, frameHeight))
            width = max(10, min(width, frameWidth))
            height = max(10, min(height, frameHeight))
            lastScore = best.score
            guard best.score >= lostScore else { return .lost }
            let located = Box(x: centerX - width / 2, y: centerY - height / 2, width: width, height: height)
            return located.pixelBox(width: frame.width, height: frame.height).map { .located($0) } ?? .lost
        } catch {
            return .failed("\(error)")
        }
    }

    /// The side of the square around the target that the template covers: the box plus half its
    /// perimeter's worth of context, as a square of the same area.
    private func contextSize() -> Double {
        let context = model.config.contextAmount * (width + height)
        return ((width + context) * (height + context)).squareRoot()
    }

    private struct Candidate {
        var centerX = 0.0, centerY = 0.0, width = 0.0, height = 0.0
        var score = 0.0, penalty = 0.0
    }

    /// The author's choice of cell: softmax score, times a penalty for changes of scale and
    /// aspect against the current size, blended with the cosine window; the highest wins.
    private func choose(scores: UnsafeBufferPointer<Float>, distances: UnsafeBufferPointer<Float>, scale: Double) -> Candidate {
        let config = model.config
        let cells = model.scoreSize * model.scoreSize
        func padded(_ w: Double, _ h: Double) -> Double {
            let pad = (w + h) * 0.5
            return ((w + pad) * (h + pad)).squareRoot()
        }
        func change(_ ratio: Double) -> Double { max(ratio, 1 / ratio) }
        let currentSize = padded(width * scale, height * scale)
        let currentAspect = width / height
        var best = Candidate()
        var bestValue = -Double.infinity
        for cell in 0..<cells {
            let row = cell / model.scoreSize, column = cell % model.scoreSize
            let background = Double(scores[cell]), foreground = Double(scores[cells + cell])
            let top = max(background, foreground)
            let score = exp(foreground - top) / (exp(background - top) + exp(foreground - top))
            let pointX = model.pointOffsets[column], pointY = model.pointOffsets[row]
            let left = pointX - Double(distances[cell]), upper = pointY - Double(distances[cells + cell])
            let right = pointX + Double(distances[2 * cells + cell]), lower = pointY + Double(distances[3 * cells + cell])
            let w = right - left, h = lower - upper
            let scaleChange = change(padded(w, h) / currentSize)
            let aspectChange = change(currentAspect / (w / h))
            let penalty = exp(-(aspectChange * scaleChange - 1) * config.penaltyK)
            let value = penalty * score * (1 - config.windowInfluence) + model.window[cell] * config.windowInfluence
            if value > bestValue {
                bestValue = value
                best = Candidate(centerX: (left + right) / 2, centerY: (upper + lower) / 2, width: w, height: h,
                                 score: score, penalty: penalty)
            }
        }
        return best
    }

    /// The author's `get_subwindow`: the `size` px square centred on the current centre (rounded
    /// as the author rounds), padded with the mean colour, resized to `output` px.
    private func cropSquare(_ frame: FrameBuffer, size: Double, to output: Int, into input: UnsafeMutableBufferPointer<Float>) throws {
        let side = Int(size)
        let half = (size + 1) / 2
        let left = Int32((centerX - half + 0.5).rounded(.down)), top = Int32((centerY - half + 0.5).rounded(.down))
        precondition(input.count >= 3 * output * output)
        try crop { cvt_crop_square(frame.image, left, top, Int32(side), Int32(output), fill, input.baseAddress, $0, $1) }
    }

    private func crop(_ call: (UnsafeMutablePointer<CChar>, Int) -> cvt_status) throws {
        try withUnsafeTemporaryAllocation(of: CChar.self, capacity: 256) { error in
            error[0] = 0
            guard call(error.baseAddress!, error.count) == CVT_OK else {
                throw TrackingError(.internalFailure, code: "crop_failed", String(cString: error.baseAddress!))
            }
        }
    }
}
