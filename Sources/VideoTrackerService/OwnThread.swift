import Foundation

/// Runs blocking work (libav, OpenVINO, a long file copy) on a thread of its own and awaits it:
/// Swift's concurrency threads, which serve every request, are never held by it.
func onOwnThread<T: Sendable>(name: String, _ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        let thread = Thread {
            continuation.resume(with: Result { try body() })
        }
        thread.name = name
        thread.start()
    }
}
