/// A failure of the store itself (schema, a row it cannot read, a database it cannot reach):
/// the service logs it and answers 500.
public struct StoreError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
