/// A failure of the store itself (schema, a row it cannot read, a database it cannot reach):
/// the service logs it and answers 500, or 503 when the database is `unavailable` for now.
public struct StoreError: Error, CustomStringConvertible, Sendable {
    public let description: String
    /// The database did not answer in time (down, restarting, unreachable): worth a retry later.
    public let isUnavailable: Bool

    public init(_ description: String) {
        self.description = description
        isUnavailable = false
    }

    private init(description: String, isUnavailable: Bool) {
        self.description = description
        self.isUnavailable = isUnavailable
    }

    public static func unavailable(_ description: String) -> StoreError {
        StoreError(description: description, isUnavailable: true)
    }
}
