import Foundation

/// The ways a `DetectionLog` is written out. JSON is the complete record (skipped frames included)
/// and reads back exactly (`DetectionLog(json:)`); MOT and COCO are written from it.
public enum DetectionFormat: String, CaseIterable, Sendable {
    /// `{"video": {...}, "classes": [...], "frames": [{"frame", "detected", "objects": [...]}, ...]}`.
    case json
    /// MOTChallenge detection rows `frame,id,x,y,w,h,score,class_id`.
    case mot
    /// COCO detection results with their images and categories.
    case coco

    /// The media type an answer in this format carries.
    public var contentType: String { self == .mot ? "text/csv" : "application/json" }
}

extension DetectionLog {
    /// The log in `format`, byte for byte the same for the same log: boxes to 0.01 px, scores to
    /// 0.0001, objects in the detector's order (highest score first).
    ///
    /// - json: frames 0-based as the tracker's contract numbers them, each with `"detected"` (false
    ///   for a frame skipped by `every`, whose objects are unknown) and its objects
    ///   `{"x", "y", "w", "h", "score", "class", "class_id"}` (and `"track_id"` once tracked); one
    ///   frame a line.
    /// - mot: one row an object, `frame,-1,x,y,w,h,score,class_id` with frames 1-based as
    ///   MOTChallenge numbers them; once tracked, MOTChallenge's result rows
    ///   `frame,id,x,y,w,h,score,-1,-1,-1` (the class is in the JSON). Only detected frames
    ///   have rows: a skipped frame and a frame with nothing found both have none.
    /// - coco: `images` one per detected frame (`id` = frame + 1, `file_name` `frame_%06d.jpg` of the
    ///   0-based frame as `ffmpeg -start_number 0` exports them, `width`, `height`, `frame_index`
    ///   0-based), `annotations` numbered from 1 (`image_id`, `category_id`, `bbox` [x, y, w, h],
    ///   `area`, `score`, `iscrowd` 0), and `categories` with id = class id + 1 (1 to 80 in the order
    ///   of coco.names: not COCO's original ids, which skip numbers).
    public func encoded(as format: DetectionFormat) -> Data {
        switch format {
        case .json: Data(jsonText().utf8)
        case .mot: Data(motText().utf8)
        case .coco: Data(cocoText().utf8)
        }
    }

    /// Reads the JSON `encoded(as: .json)` writes. Malformed or inconsistent text is a 400 whose
    /// field is the path of the bad value (`frames[3].objects[0].x`).
    public init(json: Data) throws {
        let root: JSONValue
        do {
            root = try StrictJSON.parse(json)
        } catch {
            throw TrackingError(.badRequest, code: "malformed_json", "the detections are not valid JSON \(error)")
        }
        let reader = LogReader()
        let video = try reader.object(root["video"], "video")
        let width = try reader.integer(video["width"], "video.width")
        let height = try reader.integer(video["height"], "video.height")
        let fps = try reader.number(video["fps"], "video.fps")
        let name = try reader.string(video["name"], "video.name")
        let frameCount = try reader.integer(video["frames"], "video.frames")
        let classNames = try reader.array(root["classes"], "classes").enumerated().map { index, value in
            try reader.string(value, "classes[\(index)]")
        }
        let frameValues = try reader.array(root["frames"], "frames")
        guard frameValues.count == frameCount else {
            throw reader.invalid("video.frames", "video.frames is \(frameCount) but \(frameValues.count) frames follow")
        }
        var frames: [DetectedFrame] = []
        frames.reserveCapacity(frameValues.count)
        for (index, value) in frameValues.enumerated() {
            let path = "frames[\(index)]"
            let number = try reader.integer(value["frame"], path + ".frame")
            guard case .bool(let detected)? = value["detected"] else {
                throw reader.invalid(path + ".detected", "\(path).detected must be true or false")
            }
            let objects = try reader.array(value["objects"], path + ".objects")
            guard detected || objects.isEmpty else {
                throw reader.invalid(path + ".objects", "\(path) was not detected but lists objects")
            }
            var detections = Detections()
            var trackIDs: [Int] = []
            for (objectIndex, object) in objects.enumerated() {
                let at = "\(path).objects[\(objectIndex)]"
                let x = try reader.number(object["x"], at + ".x"), y = try reader.number(object["y"], at + ".y")
                let w = try reader.number(object["w"], at + ".w"), h = try reader.number(object["h"], at + ".h")
                let classID = try reader.integer(object["class_id"], at + ".class_id")
                guard classNames.indices.contains(classID) else {
                    throw reader.invalid(at + ".class_id", "\(at).class_id \(classID) is not one of the \(classNames.count) classes")
                }
                detections.boxes.append(Box(x: x, y: y, width: w, height: h))
                detections.scores.append(Float(try reader.number(object["score"], at + ".score")))
                detections.classIDs.append(classID)
                if let trackID = object["track_id"] {
                    trackIDs.append(try reader.integer(trackID, at + ".track_id"))
                }
            }
            if !trackIDs.isEmpty {
                guard trackIDs.count == objects.count else {
                    throw reader.invalid(path + ".objects", "\(path): some objects have a track_id and some not")
                }
                detections.trackIDs = trackIDs
            }
            frames.append(DetectedFrame(number: number, detections: detected ? detections : nil))
        }
        self.init(video: Video(width: width, height: height, framesPerSecond: fps, name: name),
                  classNames: classNames, frames: frames)
    }

    // MARK: - Writing

    private func jsonText() -> String {
        var out = "{\"video\":{\"name\":\(ContractJSON.string(video.name)),\"width\":\(video.width),\"height\":\(video.height)"
        out += ",\"fps\":\(ContractJSON.number(video.framesPerSecond)),\"frames\":\(frames.count)}"
        out += ",\"classes\":[" + classNames.map(ContractJSON.string).joined(separator: ",") + "]"
        out += ",\"frames\":["
        for (index, frame) in frames.enumerated() {
            out += index == 0 ? "\n" : ",\n"
            out += "{\"frame\":\(frame.number),\"detected\":\(frame.detections != nil),\"objects\":["
            if let detections = frame.detections {
                for object in 0..<detections.count {
                    if object > 0 { out += "," }
                    let box = detections.boxes[object]
                    out += "{\"x\":\(pixels(box.left)),\"y\":\(pixels(box.top)),\"w\":\(pixels(box.width))"
                    out += ",\"h\":\(pixels(box.height)),\"score\":\(score(detections.scores[object]))"
                    out += ",\"class\":\(ContractJSON.string(className(detections.classIDs[object])))"
                    out += ",\"class_id\":\(detections.classIDs[object])"
                    if let trackIDs = detections.trackIDs { out += ",\"track_id\":\(trackIDs[object])" }
                    out += "}"
                }
            }
            out += "]}"
        }
        return out + (frames.isEmpty ? "]}\n" : "\n]}\n")
    }

    private func motText() -> String {
        var out = ""
        for frame in frames {
            guard let detections = frame.detections else { continue }
            for object in 0..<detections.count {
                let box = detections.boxes[object]
                out += "\(frame.number + 1),\(detections.trackIDs?[object] ?? -1),\(pixels(box.left)),\(pixels(box.top)),"
                out += "\(pixels(box.width)),\(pixels(box.height)),\(score(detections.scores[object])),"
                // Tracks are MOTChallenge results (what its evaluation tools read); detections keep their class.
                out += detections.trackIDs == nil ? "\(detections.classIDs[object])\n" : "-1,-1,-1\n"
            }
        }
        return out
    }

    private func cocoText() -> String {
        var images: [String] = []
        var annotations: [String] = []
        for frame in frames {
            guard let detections = frame.detections else { continue }
            let imageID = frame.number + 1
            images.append("{\"id\":\(imageID),\"file_name\":\"\(String(format: "frame_%06d.jpg", frame.number))\""
                          + ",\"width\":\(video.width),\"height\":\(video.height),\"frame_index\":\(frame.number)}")
            for object in 0..<detections.count {
                let box = detections.boxes[object]
                let w = rounded(box.width, 100), h = rounded(box.height, 100)
                var text = "{\"id\":\(annotations.count + 1),\"image_id\":\(imageID)"
                text += ",\"category_id\":\(detections.classIDs[object] + 1)"
                text += ",\"bbox\":[\(pixels(box.left)),\(pixels(box.top)),\(ContractJSON.number(w)),\(ContractJSON.number(h))]"
                text += ",\"area\":\(ContractJSON.number(rounded(w * h, 100))),\"score\":\(score(detections.scores[object]))"
                text += ",\"iscrowd\":0"
                if let trackIDs = detections.trackIDs { text += ",\"track_id\":\(trackIDs[object])" }
                annotations.append(text + "}")
            }
        }
        let categories = classNames.enumerated().map { "{\"id\":\($0 + 1),\"name\":\(ContractJSON.string($1))}" }
        func list(_ items: [String]) -> String { items.isEmpty ? "[]" : "[\n" + items.joined(separator: ",\n") + "\n]" }
        var out = "{\"info\":{\"description\":\"detections\",\"video\":\(ContractJSON.string(video.name))"
        out += ",\"width\":\(video.width),\"height\":\(video.height),\"fps\":\(ContractJSON.number(video.framesPerSecond))"
        out += ",\"frames\":\(frames.count)}"
        out += ",\n\"images\":" + list(images) + ",\n\"annotations\":" + list(annotations)
        out += ",\n\"categories\":" + list(categories) + "}\n"
        return out
    }

    private func className(_ id: Int) -> String {
        classNames.indices.contains(id) ? classNames[id] : "class \(id)"
    }
}

private func rounded(_ value: Double, _ scale: Double) -> Double { (value * scale).rounded() / scale }

/// Pixels to 0.01, written shortest ("12.5", "12").
private func pixels(_ value: Double) -> String { ContractJSON.number(rounded(value, 100)) }

/// A score to 0.0001.
private func score(_ value: Float) -> String { ContractJSON.number(rounded(Double(value), 10_000)) }

/// Typed reads of the log's JSON, each failure naming the path of the value.
private struct LogReader {
    func invalid(_ path: String, _ message: String) -> TrackingError {
        TrackingError(.badRequest, code: "invalid_detections", message, field: path)
    }

    func object(_ value: JSONValue?, _ path: String) throws -> JSONValue {
        guard let value, case .object = value else { throw invalid(path, "\(path) must be an object") }
        return value
    }

    func array(_ value: JSONValue?, _ path: String) throws -> [JSONValue] {
        guard case .array(let elements)? = value else { throw invalid(path, "\(path) must be a list") }
        return elements
    }

    func string(_ value: JSONValue?, _ path: String) throws -> String {
        guard let text = value?.string else { throw invalid(path, "\(path) must be a string") }
        return text
    }

    func number(_ value: JSONValue?, _ path: String) throws -> Double {
        guard let number = value?.number, number.isFinite else { throw invalid(path, "\(path) must be a number") }
        return number
    }

    func integer(_ value: JSONValue?, _ path: String) throws -> Int {
        let number = try number(value, path)
        guard number == number.rounded(), abs(number) < 1e15 else { throw invalid(path, "\(path) must be a whole number") }
        return Int(number)
    }
}
