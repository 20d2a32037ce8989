#if !FUZZING
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Replays corpus files through the fuzz target without libFuzzer:
/// `RequestFuzzer FILE_OR_DIR...` (directories are read recursively, hidden files skipped).
/// A broken invariant or a runtime trap ends the process with a signal, naming the input.
@main
struct Replayer {
    static func main() {
        let arguments = CommandLine.arguments.dropFirst()
        guard !arguments.isEmpty, !arguments.contains(where: { $0 == "-h" || $0 == "--help" }) else {
            print("usage: RequestFuzzer FILE_OR_DIR...  (replays inputs; build with -DFUZZING for libFuzzer)")
            exit(arguments.isEmpty ? 2 : 0)
        }
        var files: [String] = []
        for argument in arguments {
            guard let found = inputs(at: argument) else {
                complain("RequestFuzzer: no such file or directory: \(argument)\n")
                exit(2)
            }
            files += found
        }
        guard !files.isEmpty else {
            complain("RequestFuzzer: no inputs in \(arguments.joined(separator: " "))\n")
            exit(2)
        }
        installCrashReporter()
        for file in files {
            guard let data = FileManager.default.contents(atPath: file) else {
                complain("RequestFuzzer: cannot read \(file)\n")
                exit(2)
            }
            setCurrentInput(file)
            data.withUnsafeBytes { checkInput($0) }
        }
        print("RequestFuzzer: \(files.count) inputs ran, no crash")
    }

    static func inputs(at path: String) -> [String]? {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { return nil }
        guard isDirectory.boolValue else { return [path] }
        guard let walker = FileManager.default.enumerator(atPath: path) else { return [] }
        var files: [String] = []
        for case let relative as String in walker {
            let full = (path as NSString).appendingPathComponent(relative)
            var nested: ObjCBool = false
            guard !relative.split(separator: "/").contains(where: { $0.hasPrefix(".") }),
                  FileManager.default.fileExists(atPath: full, isDirectory: &nested), !nested.boolValue else { continue }
            files.append(full)
        }
        return files.sorted()
    }
}

private func complain(_ text: String) {
    FileHandle.standardError.write(Data(text.utf8))
}

/// The input's name as a C string, for the signal handler (which may not allocate).
nonisolated(unsafe) private var currentInputCString: UnsafeMutablePointer<CChar>?

private func setCurrentInput(_ name: String) {
    currentInputName = name
    let old = currentInputCString
    currentInputCString = strdup("RequestFuzzer: crashed on input \(name)\n")
    free(old)
}

/// The handlers in place before ours (the Swift runtime's backtracer), restored before re-raising.
nonisolated(unsafe) private var previousHandlers: [Int32: sigaction] = [:]

/// Names the input on a trap or crash, then hands the signal to the previous handler (the
/// runtime's backtrace) or the default action.
private func installCrashReporter() {
    #if canImport(Glibc)
    for signalNumber in [SIGILL, SIGTRAP, SIGSEGV, SIGBUS, SIGABRT, SIGFPE] {
        var action = sigaction()
        var previous = sigaction()
        action.__sigaction_handler.sa_handler = { received in
            if let text = currentInputCString { _ = write(2, text, strlen(text)) }
            if var previous = previousHandlers[received] {
                sigaction(received, &previous, nil)
            } else {
                signal(received, SIG_DFL)
            }
            raise(received)
        }
        sigemptyset(&action.sa_mask)
        if sigaction(signalNumber, &action, &previous) == 0 { previousHandlers[signalNumber] = previous }
    }
    #endif
}
#endif
