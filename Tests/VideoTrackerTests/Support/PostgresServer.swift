import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A real PostgreSQL for the test run, started at the first test that asks for it and shared by
/// every suite of the process: a fresh cluster in a temporary folder (trust authentication, user
/// `postgres`), listening on a free loopback port and on a unix socket in that folder. A watchdog
/// stops it and removes the folder when the test process ends, however it ends.
///
/// The binaries come from /usr/lib/postgresql/<version>/bin (Debian's `postgresql`, in the
/// Makefile's APT_PACKAGES), the newest version there. initdb and postgres refuse to run as root:
/// under root (as `make test` runs in CI containers) they run as `nobody` through runuser.
final class PostgresServer: Sendable {
    let folder: URL
    let port: Int
    let binaries: String

    /// The shared server (started once per process).
    static func shared() async throws -> PostgresServer { try await started.value }
    private static let started = Task { try await PostgresServer.start() }

    /// A server of its own, for a test that stops and starts it (the shared one must stay up).
    static func startOwn() async throws -> PostgresServer { try await start() }

    /// Stops the server (fast shutdown: clients are disconnected); `resume` starts it again.
    func stop() async throws {
        try await run(binaries + "/pg_ctl", ["-D", dataFolder, "-m", "fast", "-w", "stop"], asServerUser: true)
    }

    func resume() async throws { try await startServer() }

    private var dataFolder: String { folder.appendingPathComponent("data").path }

    var socketFolder: String { folder.appendingPathComponent("socket").path }

    /// A URL for `database` over TCP.
    func url(database: String) -> String {
        "postgres://postgres@127.0.0.1:\(port)/\(database)?sslmode=disable"
    }

    /// A URL for `database` over the unix socket (libpq's form).
    func socketURL(database: String) -> String {
        "postgres://postgres@/\(database)?host=\(socketFolder)&port=\(port)"
    }

    /// Creates an empty database with a new name and returns its name.
    func createDatabase() async throws -> String {
        let name = "test_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(16)
        try await run(binaries + "/createdb", ["-h", "127.0.0.1", "-p", "\(port)", "-U", "postgres", name], asServerUser: false)
        return name
    }

    func dropDatabase(_ name: String) async {
        _ = try? await run(binaries + "/dropdb", ["-h", "127.0.0.1", "-p", "\(port)", "-U", "postgres", "--force", name],
                           asServerUser: false)
    }

    private init(folder: URL, port: Int, binaries: String) {
        self.folder = folder
        self.port = port
        self.binaries = binaries
    }

    private static func start() async throws -> PostgresServer {
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? []
        guard let newest = versions.compactMap(Int.init).max(),
              FileManager.default.isExecutableFile(atPath: "/usr/lib/postgresql/\(newest)/bin/initdb") else {
            throw PostgresServerError("no PostgreSQL server binaries under /usr/lib/postgresql/*/bin: `make deps` installs the postgresql package")
        }
        let server = PostgresServer(folder: temporaryFolder("postgres"), port: try freePort(),
                                    binaries: "/usr/lib/postgresql/\(newest)/bin")
        try await server.startCluster()
        return server
    }

    private func startCluster() async throws {
        let data = dataFolder
        try FileManager.default.createDirectory(atPath: socketFolder, withIntermediateDirectories: true)
        if getuid() == 0 {
            let nobody = getpwnam("nobody")!.pointee
            for path in [folder.path, socketFolder] { chown(path, nobody.pw_uid, nobody.pw_gid) }
        }
        watchForExit()
        try await run(binaries + "/initdb", ["-D", data, "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8", "--locale=C"],
                      asServerUser: true)
        try await startServer()
    }

    private func startServer() async throws {
        let data = dataFolder
        // fsync off: the cluster is thrown away at the end; a test never needs it to survive a crash.
        let options = "-c listen_addresses=127.0.0.1 -p \(port) -k \(socketFolder) -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        // Through bash, which closes every descriptor past stderr first: Foundation's Process
        // learns of a child's exit when a socket it passes down closes, and the server, living
        // on, would hold it open for ever (waitUntilExit would never return).
        let closeInherited = #"for fd in /proc/$$/fd/*; do n=${fd##*/}; [ "$n" -gt 2 ] && eval "exec $n>&-" 2>/dev/null; done; exec "$0" "$@""#
        try await run("/bin/bash", ["-c", closeInherited, binaries + "/pg_ctl", "-D", data, "-l", folder.appendingPathComponent("server.log").path,
                                    "-w", "-t", "60", "-o", options, "start"], asServerUser: true)
    }

    /// A shell that waits for this process to end, then stops the server (fast shutdown) and
    /// removes its folder. Its output goes nowhere, so nothing waits on its pipes.
    private func watchForExit() {
        let pidFile = folder.appendingPathComponent("data/postmaster.pid").path
        let script = """
            while kill -0 \(getpid()) 2>/dev/null; do sleep 0.5; done
            if [ -f '\(pidFile)' ]; then
              pid=$(head -n 1 '\(pidFile)'); kill -INT "$pid" 2>/dev/null
              while kill -0 "$pid" 2>/dev/null; do sleep 0.2; done
            fi
            rm -rf '\(folder.path)'
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", script]
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try? process.run()
    }

    private func run(_ program: String, _ arguments: [String], asServerUser: Bool) async throws {
        let asNobody = asServerUser && getuid() == 0
        let result = asNobody ? try await runProcess("/usr/sbin/runuser", ["-u", "nobody", "--", program] + arguments)
                              : try await runProcess(program, arguments)
        guard result.status == 0 else {
            throw PostgresServerError("\(program) \(arguments.joined(separator: " ")) failed (\(result.status)): \(result.errorOutput)")
        }
    }
}

struct PostgresServerError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
