import Foundation
import VideoTracker

// One input through request decoding and validation, the contract JSON writers and the
// address parser. A thrown TrackingError is an answer; anything else thrown, a runtime trap or
// a broken invariant (`fail`) is a bug. libFuzzer calls this per input (FUZZING builds);
// the replayer in Replayer.swift calls it per corpus file (normal builds).

/// The limits the service runs with, and tight ones so the limit checks are reached.
let limitSets: [RequestLimits] = {
    var tight = RequestLimits()
    tight.maxAnnotations = 3
    tight.maxFrameDuration = 10
    return [RequestLimits(), tight]
}()

/// The input being replayed, named in failure messages (empty under libFuzzer, which saves it).
nonisolated(unsafe) var currentInputName = ""

func fail(_ message: @autoclosure () -> String) -> Never {
    let input = currentInputName.isEmpty ? "" : " (input: \(currentInputName))"
    fatalError("RequestFuzzer invariant broken\(input): \(message())")
}

func check(_ condition: Bool, _ message: @autoclosure () -> String) {
    if !condition { fail(message()) }
}

func checkInput(_ bytes: UnsafeRawBufferPointer) {
    var decoded: [TrackRequest?] = []
    for limits in limitSets {
        do {
            let request = try TrackRequest.decode(bytes, limits: limits)
            checkRequest(request, limits: limits)
            decoded.append(request)
        } catch let error as TrackingError {
            checkErrorJSON(error)
            decoded.append(nil)
        } catch {
            fail("TrackRequest.decode threw a non-TrackingError: \(type(of: error)) \(error)")
        }
    }
    // Tight limits only remove requests: whatever passes them passes the defaults, unchanged.
    if let tight = decoded[1] {
        guard let loose = decoded[0] else { fail("accepted under tight limits but refused under the defaults") }
        check(same(tight, loose), "limits change the decoded request:\n  tight:   \(describe(tight))\n  default: \(describe(loose))")
    }
    checkAddress(String(decoding: bytes, as: UTF8.self))
    checkStrictJSON(bytes)
}

/// The strict reader: a value it reads, written back compactly, reads back the same; a refusal
/// points inside the input (or just past its end).
func checkStrictJSON(_ bytes: UnsafeRawBufferPointer) {
    do throws(StrictJSON.SyntaxError) {
        let value = try StrictJSON.parse(bytes)
        let text = value.compactText
        check((try? StrictJSON.parse(Array(text.utf8))) == value, "compact text reads back differently: \(text)")
    } catch {
        check((0...bytes.count).contains(error.offset), "offset \(error.offset) outside \(bytes.count) bytes: \(error)")
    }
}

// MARK: - Invariants of an accepted request

func checkRequest(_ request: TrackRequest, limits: RequestLimits) {
    check((1...limits.maxAnnotations).contains(request.annotations.count),
          "\(request.annotations.count) annotations, limit \(limits.maxAnnotations)")
    check((1...limits.maxFrameDuration).contains(request.frameDuration),
          "frame_duration \(request.frameDuration), limit \(limits.maxFrameDuration)")
    check(request.startFrame >= 0 && request.startFrame < 1_000_000_000, "start_frame \(request.startFrame)")
    check(request.endFrame > request.startFrame, "endFrame \(request.endFrame) <= startFrame")
    check(!request.url.isEmpty, "empty url accepted")
    check(request.url.first?.isWhitespace != true && request.url.last?.isWhitespace != true,
          "url not trimmed: \(request.url.debugDescription)")
    let ids = request.annotations.map(\.id)
    // Sorted by UTF-8 bytes, a total order (String's `<` is not one across canonically equal ids).
    check(zip(ids, ids.dropFirst()).allSatisfy { $0.utf8.lexicographicallyPrecedes($1.utf8) },
          "annotations not sorted by id bytes")
    check(Set(ids).count == ids.count, "duplicate annotation ids")
    for annotation in request.annotations {
        let box = annotation.box
        check([box.left, box.top, box.right, box.bottom].allSatisfy(\.isFinite), "non-finite box \(box)")
        check(box.width > 0 && box.height > 0, "empty box accepted: \(box)")
    }
    for (name, value) in request.headers {
        check(!name.isEmpty && name.utf8.allSatisfy { $0 > 32 && $0 < 127 && $0 != UInt8(ascii: ":") },
              "header name is not a token: \(name.debugDescription)")
        // Values go to libcurl as "name: value" lines: a CR or LF would start another header.
        check(!value.utf8.contains(13) && !value.utf8.contains(10),
              "header value with a line break accepted: \(name): \(value.debugDescription)")
    }
    checkContractJSON(request)
    checkReencoding(request, limits: limits)
}

/// The result and NDJSON writers must produce JSON that reads back to the same ids and boxes,
/// whatever the ids contain. Read with JSONDecoder, as requests are: JSONSerialization on Linux
/// misreads some long doubles (1.7976931348623156e+108 comes back as ...143e+108).
func checkContractJSON(_ request: TrackRequest) {
    let ids = request.annotations.map(\.id)
    let frames = min(request.frameDuration, 3)
    let updates = (0..<frames).map { step in
        FrameUpdate(frame: request.startFrame + step,
                    boxes: request.annotations.enumerated().map { index, annotation in
                        (index + step) % 2 == 0 ? annotation.box : nil
                    },
                    progress: Double(step + 1) / Double(frames))
    }
    for lost in LostFrames.allCases {
        let text = ContractJSON.result(ids: ids, updates: updates, lost: lost)
        guard let result = try? JSONDecoder().decode([String: [String: [Point]?]].self, from: Data(text.utf8)) else {
            fail("result does not read back: \(text)")
        }
        check(Set(result.keys) == Set(ids), "result ids differ from the request's: \(text)")
        for (index, id) in ids.enumerated() {
            let perFrame = result[id] ?? [:]
            let expected = updates.filter { lost == .null || $0.boxes[index] != nil }
            check(perFrame.count == expected.count, "result[\(id.debugDescription)] has \(perFrame.count) frames, want \(expected.count)")
            for update in expected {
                checkBox(perFrame["\(update.frame)"], update.boxes[index], "result frame \(update.frame)")
            }
        }
    }
    for update in updates {
        let text = ContractJSON.frameLine(ids: ids, update: update)
        guard let line = try? JSONDecoder().decode(FrameLine.self, from: Data(text.utf8)) else {
            fail("frame line does not read back: \(text)")
        }
        check(line.frame == update.frame, "frame line frame: \(text)")
        check((0...1).contains(line.progress), "frame line progress: \(text)")
        check(Set(line.boxes.keys) == Set(ids), "frame line ids differ from the request's: \(text)")
        for (index, id) in ids.enumerated() { checkBox(line.boxes[id], update.boxes[index], "frame line") }
    }
}

struct Point: Decodable {
    var x: Double
    var y: Double
}

struct FrameLine: Decodable {
    var frame: Int
    var boxes: [String: [Point]?]
    var progress: Double
}

/// `written` is the decoded dictionary lookup: nil when the key is missing, .some(nil) for null.
func checkBox(_ written: [Point]??, _ box: Box?, _ place: String) {
    guard let written else { fail("\(place): box missing") }
    guard let box else {
        check(written == nil, "\(place): lost box is not null")
        return
    }
    guard let points = written, points.count == 2 else { fail("\(place): box is not two points") }
    let read = [points[0].x, points[0].y, points[1].x, points[1].y]
    check(read == [box.left, box.top, box.right, box.bottom], "\(place): box \(box) read back as \(read)")
}

/// Writing an accepted request back in the wire format and decoding it gives the same request.
func checkReencoding(_ request: TrackRequest, limits: RequestLimits) {
    var text = "{\"item_stream_url\":" + ContractJSON.string(request.url) + ",\"bbs\":{"
    text += request.annotations.map { ContractJSON.string($0.id) + ":" + ContractJSON.boxJSON($0.box) }
        .joined(separator: ",")
    text += "},\"start_frame\":\(request.startFrame),\"frame_duration\":\(request.frameDuration)"
    if let tracker = request.tracker { text += ",\"tracker\":" + ContractJSON.string(tracker.rawValue) }
    text += ",\"lost\":" + ContractJSON.string(request.lostFrames.rawValue) + ",\"headers\":{"
    text += request.headers.map { ContractJSON.string($0.key) + ":" + ContractJSON.string($0.value) }
        .joined(separator: ",")
    text += "}}"
    do {
        let again = try TrackRequest.decode(Array(text.utf8), limits: limits)
        check(same(again, request), "re-encoded request decodes differently: \(text)\n  first:  \(describe(request))\n  second: \(describe(again))")
    } catch {
        fail("re-encoded request is refused (\(error)): \(text)")
    }
}

func describe(_ request: TrackRequest) -> String {
    let annotations = request.annotations.map { "\($0.id.unicodeScalars.map { "U+" + String($0.value, radix: 16) }): \($0.box)" }
    return "url \(request.url.debugDescription), annotations \(annotations), start \(request.startFrame), "
        + "duration \(request.frameDuration), tracker \(request.tracker), lost \(request.lostFrames), "
        + "headers \(request.headers.sorted { $0.key < $1.key })"
}

/// Field by field; annotations as id -> box, since their order follows the String `<` quirk above.
func same(_ a: TrackRequest, _ b: TrackRequest) -> Bool {
    func boxes(_ request: TrackRequest) -> [String: Box] {
        Dictionary(request.annotations.map { ($0.id, $0.box) }, uniquingKeysWith: { first, _ in first })
    }
    return a.url == b.url && a.annotations.count == b.annotations.count && boxes(a) == boxes(b)
        && a.startFrame == b.startFrame
        && a.frameDuration == b.frameDuration && a.tracker == b.tracker && a.lostFrames == b.lostFrames
        && a.headers == b.headers
}

// MARK: - Errors and addresses

/// The error body is JSON and says exactly what the error says, whatever text it quotes.
func checkErrorJSON(_ error: TrackingError) {
    check(!error.code.isEmpty && !error.message.isEmpty, "error without code or message: \(error)")
    // "Every failure names the field at fault": a field, when given, is a name, and the message
    // does not start with a missing one.
    check(error.field.map { !$0.isEmpty } ?? true, "error names an empty field: \(error)")
    check(error.message.first?.isWhitespace != true, "error message starts with a blank: \(error)")
    let text = ContractJSON.error(error)
    guard let body = parseObject(text), let fields = body["error"] as? [String: Any] else {
        fail("error body is not JSON: \(text)")
    }
    check(fields["code"] as? String == error.code, "error code reads back differently: \(text)")
    check(fields["message"] as? String == error.message, "error message reads back differently: \(text)")
    check(fields["field"] as? String == error.field, "error field reads back differently: \(text)")
}

func checkAddress(_ text: String) {
    for candidate in Set([text, text.trimmingCharacters(in: .whitespacesAndNewlines)]) {
        guard let address = IPAddress(candidate) else { continue }
        _ = address.restrictedRange
        check(IPAddress(address.description) == address, "address \(address) does not read back")
    }
}

func parseObject(_ text: String) -> [String: Any]? {
    (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any]
}

#if FUZZING
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    checkInput(UnsafeRawBufferPointer(start: data, count: data == nil ? 0 : size))
    return 0
}

@_silgen_name("LLVMFuzzerRunDriver")
func runLibFuzzer(_ argc: UnsafeMutablePointer<CInt>,
                  _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
                  _ testOneInput: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> CInt

/// SwiftPM links debug executables with `--defsym main=RequestFuzzer_main`, a symbol that
/// -parse-as-library never emits; this one hands the process to libFuzzer's own driver, as
/// libFuzzer's `main` would.
@_cdecl("RequestFuzzer_main")
public func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var count = argc
    var arguments = argv
    return runLibFuzzer(&count, &arguments) { data, size in fuzzOne(data, size) }
}
#endif
