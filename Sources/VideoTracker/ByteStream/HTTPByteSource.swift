import CVideoTracker

/// How `HTTPByteSource` talks to the video server.
public struct HTTPSourceOptions: Sendable {
    /// Sent on every ranged read (for example `Authorization`).
    public var headers: [String: String] = [:]
    public var destinations = DestinationPolicy()
    public var connectTimeoutSeconds = 10
    /// A transfer that moves no byte for this long is abandoned.
    public var stallTimeoutSeconds = 15
    public var maxRedirects = 5
    /// Retries of one range after a cut connection, resuming where the bytes stopped.
    public var resumeAttempts = 3
    /// Polled while bytes flow; true aborts the transfer (deadline passed, caller gone).
    public var shouldAbort: @Sendable () -> Bool = { false }

    public init() {}
}

/// An http(s) video read in byte ranges through libcurl, with one connection kept alive.
///
/// Reads are served from the last fetched range; a read past it fetches the next range, whose
/// size doubles while reads are sequential (256 KiB up to 4 MiB) and falls back after a seek, so
/// demuxer probes and index reads stay cheap and straight decoding needs few requests.
public final class HTTPByteSource: ByteSource {
    public private(set) var size: Int64?
    public private(set) var bytesFetched: Int64 = 0
    /// Ranged requests made so far.
    public private(set) var requestCount = 0

    private static let minimumChunk = 256 * 1024
    private static let maximumChunk = 4 * 1024 * 1024
    private static let globalInit: Void = { curl_global_init(Int(CURL_GLOBAL_DEFAULT)) }()

    /// The URL ranges are read from: the request's, or where its redirects led.
    private var url: String
    private var redirectsFollowed = 0
    private let options: HTTPSourceOptions
    private let handle: UnsafeMutableRawPointer
    /// Drives `handle` without blocking to the end of a range, so bytes reach readers as they come.
    private let multi: UnsafeMutableRawPointer
    private var headerList: UnsafeMutablePointer<curl_slist>?
    private let addressGuard: UnsafeMutablePointer<cvt_address_guard>
    private let errorBuffer: UnsafeMutablePointer<CChar>

    private let chunk: UnsafeMutableRawBufferPointer
    private var chunkStart: Int64 = 0
    private var chunkLength = 0
    private var nextChunkSize = HTTPByteSource.minimumChunk

    // State of the transfer in flight, touched by the libcurl callbacks.
    private var requestedStart: Int64 = 0
    private var responseStatus = 0
    private var contentRangeTotal: Int64?
    private var contentLength: Int64?
    private var bytesToSkip: Int64 = 0
    private var bodyStarted = false
    private var chunkTarget = 0
    private var stoppedOnPurpose = false
    private var transferActive = false
    private var transferOutcome: TransferOutcome?
    private var resumesLeft = 0
    private var refused: (address: IPAddress, range: String)?

    public init(url: String, options: HTTPSourceOptions) throws {
        _ = Self.globalInit
        if let refusal = options.destinations.refusal(forURL: url) {
            throw TrackingError(.forbidden, code: "destination_refused", "refusing to fetch the video: \(refusal)",
                                field: "item_stream_url")
        }
        self.url = url
        self.options = options
        guard let handle = curl_easy_init() else {
            throw TrackingError(.internalFailure, code: "curl_init_failed", "libcurl could not start")
        }
        self.handle = handle
        guard let multi = curl_multi_init() else {
            curl_easy_cleanup(handle)
            throw TrackingError(.internalFailure, code: "curl_init_failed", "libcurl could not start")
        }
        self.multi = multi
        resumesLeft = options.resumeAttempts
        addressGuard = .allocate(capacity: 1)
        errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        chunk = .allocate(byteCount: Self.maximumChunk, alignment: 64)
        addressGuard.initialize(to: cvt_address_guard(check: { context, address, _ in
            guard let context, let address else { return 0 }
            let source = Unmanaged<HTTPByteSource>.fromOpaque(context).takeUnretainedValue()
            return source.allows(address) ? 1 : 0
        }, context: Unmanaged.passUnretained(self).toOpaque()))
        try configure()
    }

    deinit {
        stopTransfer()
        curl_multi_cleanup(multi)
        curl_easy_cleanup(handle)
        curl_slist_free_all(headerList)
        addressGuard.deallocate()
        errorBuffer.deallocate()
        chunk.deallocate()
    }

    public func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int64) throws -> Int {
        while !(chunkStart..<chunkStart + Int64(chunkLength)).contains(offset) {
            if let size, offset >= size { return 0 }
            let end = chunkStart + Int64(chunkLength)
            if transferActive && offset == end {
                try waitForBytes()  // the transfer in flight is about to deliver this offset
            } else if let outcome = transferOutcome, offset == end, outcome.reachedEnd {
                return 0
            } else {
                let sequential = offset == end
                nextChunkSize = sequential ? min(nextChunkSize * 2, Self.maximumChunk) : Self.minimumChunk
                try startTransfer(at: offset, length: nextChunkSize)
            }
        }
        let start = Int(offset - chunkStart)
        let count = min(buffer.count, chunkLength - start)
        buffer.baseAddress!.copyMemory(from: chunk.baseAddress! + start, byteCount: count)
        return count
    }

    // MARK: - Transfers

    private func configure() throws {
        var status = CURLE_OK
        func set(_ code: CURLcode) { if status == CURLE_OK { status = code } }
        set(cvt_curl_set_string(handle, CURLOPT_URL, url))
        set(cvt_curl_set_long(handle, CURLOPT_NOSIGNAL, 1))
        set(cvt_curl_set_string(handle, CURLOPT_PROTOCOLS_STR, "http,https"))
        set(cvt_curl_set_string(handle, CURLOPT_REDIR_PROTOCOLS_STR, "http,https"))
        // Redirects are followed here, not by libcurl, so each target URL is checked again.
        set(cvt_curl_set_long(handle, CURLOPT_FOLLOWLOCATION, 0))
        set(cvt_curl_set_long(handle, CURLOPT_CONNECTTIMEOUT, options.connectTimeoutSeconds))
        set(cvt_curl_set_long(handle, CURLOPT_LOW_SPEED_LIMIT, 1))
        set(cvt_curl_set_long(handle, CURLOPT_LOW_SPEED_TIME, options.stallTimeoutSeconds))
        set(cvt_curl_set_string(handle, CURLOPT_USERAGENT, "video-tracker/1"))
        set(cvt_curl_set_pointer(handle, CURLOPT_ERRORBUFFER, errorBuffer))
        for (name, value) in options.headers.sorted(by: { $0.key < $1.key }) {
            headerList = curl_slist_append(headerList, "\(name): \(value)")
        }
        if let headerList { set(cvt_curl_set_slist(handle, CURLOPT_HTTPHEADER, headerList)) }
        set(cvt_curl_set_address_guard(handle, addressGuard))
        let context = Unmanaged.passUnretained(self).toOpaque()
        set(cvt_curl_set_write_callback(handle, { data, size, count, context in
            Unmanaged<HTTPByteSource>.fromOpaque(context!).takeUnretainedValue()
                .receive(UnsafeRawBufferPointer(start: data, count: size * count))
        }, context))
        set(cvt_curl_set_header_callback(handle, { data, size, count, context in
            Unmanaged<HTTPByteSource>.fromOpaque(context!).takeUnretainedValue()
                .receiveHeader(UnsafeRawBufferPointer(start: data, count: size * count))
            return size * count
        }, context))
        set(cvt_curl_set_progress_callback(handle, { context, _, _, _, _ in
            Unmanaged<HTTPByteSource>.fromOpaque(context!).takeUnretainedValue().options.shouldAbort() ? 1 : 0
        }, context))
        guard status == CURLE_OK else {
            throw TrackingError(.internalFailure, code: "curl_setup_failed",
                                "libcurl refused an option: \(String(cString: curl_easy_strerror(status)))")
        }
    }

    /// Starts fetching `length` bytes from `offset` into `chunk` (dropping what it held). Bytes are
    /// handed to readers as they arrive, so a slow or stalled server still yields what it sent.
    private func startTransfer(at offset: Int64, length: Int) throws {
        stopTransfer()
        chunkStart = offset
        chunkLength = 0
        chunkTarget = length
        transferOutcome = nil
        requestedStart = offset
        bodyStarted = false
        responseStatus = 0
        contentRangeTotal = nil
        contentLength = nil
        bytesToSkip = 0
        stoppedOnPurpose = false
        errorBuffer.pointee = 0
        requestCount += 1
        _ = cvt_curl_set_string(handle, CURLOPT_RANGE, "\(offset)-\(offset + Int64(length) - 1)")
        guard curl_multi_add_handle(multi, handle) == CURLM_OK else {
            throw TrackingError(.internalFailure, code: "curl_failed", "libcurl could not start a transfer")
        }
        transferActive = true
    }

    private func stopTransfer() {
        if transferActive {
            curl_multi_remove_handle(multi, handle)
            transferActive = false
        }
    }

    /// Drives the transfer until it delivers more bytes or ends; an ended transfer is judged
    /// (redirect, HTTP error, cut connection to resume, end of file).
    private func waitForBytes() throws {
        let before = chunkLength
        while transferActive {
            var running: Int32 = 0
            curl_multi_perform(multi, &running)
            var queued: Int32 = 0
            while let message = curl_multi_info_read(multi, &queued) {
                if message.pointee.msg == CURLMSG_DONE {
                    stopTransfer()
                    try judge(message.pointee.data.result, progressed: chunkLength > before)
                    return
                }
            }
            if chunkLength > before { return }
            if options.shouldAbort() {
                stopTransfer()
                throw TrackingError(.deadline, code: "aborted", "the transfer was stopped (deadline or caller gone)")
            }
            // Wakes on socket activity; the 1 s cap lets timeouts and the abort check run.
            curl_multi_poll(multi, nil, 0, 1000, nil)
        }
    }

    /// What an ended transfer means for the reader.
    private func judge(_ code: CURLcode, progressed: Bool) throws {
        if let refused {
            throw TrackingError(.forbidden, code: "destination_refused",
                                "refusing to fetch the video from \(refused.address), a \(refused.range) address; "
                                + "start the service with --allow-private-networks to allow it",
                                field: "item_stream_url")
        }
        if options.shouldAbort() {
            throw TrackingError(.deadline, code: "aborted", "the transfer was stopped (deadline or caller gone)")
        }
        let end = chunkStart + Int64(chunkLength)
        if (300..<400).contains(responseStatus) {
            try follow(redirect: String(cString: cvt_curl_redirect_url(handle)))
            return try startTransfer(at: end, length: chunkTarget)
        }
        if responseStatus == 416 {  // at or past the end
            size = size ?? end
            transferOutcome = TransferOutcome(reachedEnd: true)
            return
        }
        if responseStatus >= 400 {
            throw TrackingError.upstream("the video server answered HTTP \(responseStatus) for the video URL",
                                         code: "upstream_http_\(responseStatus)")
        }
        if let total = contentRangeTotal ?? (responseStatus == 200 ? contentLength : nil) { size = total }
        if code == CURLE_OK || stoppedOnPurpose || chunkLength == chunkTarget {
            // The range arrived whole; a short one means the file ended.
            transferOutcome = TransferOutcome(reachedEnd: chunkLength < chunkTarget)
            return
        }
        // Cut or stalled part-way: resume from the first missing byte, a few times without progress.
        resumesLeft = progressed ? options.resumeAttempts : resumesLeft - 1
        guard resumesLeft >= 0, Self.isTransient(code) else {
            let detail = errorBuffer.pointee != 0 ? String(cString: errorBuffer) : String(cString: curl_easy_strerror(code))
            throw TrackingError.upstream("fetching the video failed: \(detail)",
                                         code: code == CURLE_OPERATION_TIMEDOUT ? "upstream_stalled" : "upstream_unreachable")
        }
        let (heldStart, heldLength) = (chunkStart, chunkLength)
        try startTransfer(at: end, length: max(chunkTarget - chunkLength, Self.minimumChunk))
        // The bytes already received stay readable in place: startTransfer only resets the
        // bookkeeping, and the resumed range is appended right after them.
        chunkStart = heldStart
        chunkLength = heldLength
        chunkTarget = min(heldLength + chunkTarget, Self.maximumChunk)
    }

    private func follow(redirect target: String) throws {
        redirectsFollowed += 1
        guard !target.isEmpty else {
            throw TrackingError.upstream("the video server answered HTTP \(responseStatus) without a Location",
                                         code: "upstream_bad_redirect")
        }
        guard redirectsFollowed <= options.maxRedirects else {
            throw TrackingError.upstream("more than \(options.maxRedirects) redirects", code: "too_many_redirects")
        }
        if let refusal = options.destinations.refusal(forURL: target) {
            throw TrackingError(.forbidden, code: "destination_refused",
                                "refusing to follow a redirect: \(refusal)", field: "item_stream_url")
        }
        url = target
        _ = cvt_curl_set_string(handle, CURLOPT_URL, url)
    }

    private static func isTransient(_ code: CURLcode) -> Bool {
        [CURLE_PARTIAL_FILE, CURLE_RECV_ERROR, CURLE_SEND_ERROR, CURLE_GOT_NOTHING,
         CURLE_OPERATION_TIMEDOUT, CURLE_HTTP2_STREAM, CURLE_COULDNT_CONNECT].contains(code)
    }

    private func receive(_ data: UnsafeRawBufferPointer) -> Int {
        guard (200..<300).contains(responseStatus) else { return data.count }  // error bodies are dropped
        if !bodyStarted {
            bodyStarted = true
            // A server that ignores Range sends from byte 0 with a 200: skip to where we are.
            bytesToSkip = responseStatus == 200 ? requestedStart : 0
        }
        var bytes = data
        if bytesToSkip > 0 {
            let skipped = Int(min(Int64(bytes.count), bytesToSkip))
            bytesToSkip -= Int64(skipped)
            bytes = UnsafeRawBufferPointer(rebasing: bytes[skipped...])
        }
        let count = min(bytes.count, chunkTarget - chunkLength)
        if count > 0 {
            (chunk.baseAddress! + chunkLength).copyMemory(from: bytes.baseAddress!, byteCount: count)
            chunkLength += count
            bytesFetched += Int64(count)
        }
        if count < bytes.count {
            stoppedOnPurpose = true
            return 0  // the range asked for is complete; end this transfer
        }
        return data.count
    }

    private func receiveHeader(_ line: UnsafeRawBufferPointer) {
        let text = String(decoding: line, as: UTF8.self).trimmed()
        let lower = text.lowercased()
        if lower.hasPrefix("http/") {
            // A new response (the first, or one after a redirect) starts over.
            responseStatus = Int(text.split(separator: " ").dropFirst().first ?? "") ?? 0
            contentRangeTotal = nil
            contentLength = nil
            bodyStarted = false
        } else if lower.hasPrefix("content-range:"), let slash = text.lastIndex(of: "/") {
            contentRangeTotal = Int64(String(text[text.index(after: slash)...]).trimmed())
        } else if lower.hasPrefix("content-length:") {
            contentLength = Int64(String(text.dropFirst("content-length:".count)).trimmed())
        }
    }

    private func allows(_ socketAddress: UnsafePointer<sockaddr>) -> Bool {
        guard let address = IPAddress(socketAddress: socketAddress) else { return false }
        if let range = options.destinations.refusal(for: address) {
            refused = (address, range)
            return false
        }
        return true
    }
}

private struct TransferOutcome {
    /// The server has no bytes past this transfer's end.
    var reachedEnd: Bool
}

extension String {
    /// Without surrounding spaces and line breaks (kept here to spare the core a Foundation import).
    func trimmed() -> String {
        var view = Substring(self)
        while let first = view.first, first.isWhitespace { view = view.dropFirst() }
        while let last = view.last, last.isWhitespace { view = view.dropLast() }
        return String(view)
    }
}
