public import GRDB

/// The dashboard API's reads over the projections: one function per route, each taking a
/// database inside a read transaction (so the tables it reads, and `position`, agree) and
/// already-validated parameters, and returning an answer whose JSON keys are the contract's.
/// The HTTP layer adds the envelope (`position`, `lag_events`, `lag_ms`) and maps the errors.
public enum Dashboard {
    /// The position the projections reflect: the lowest checkpoint in `projection_state`.
    public static func position(_ db: Database) throws -> UInt64 {
        UInt64(max(0, try Int64.fetchOne(db, sql: "SELECT MIN(checkpoint) FROM projection_state") ?? 0))
    }
}

/// A parameter a query cannot use; the HTTP layer answers 400 `bad_parameter` naming it.
public struct DashboardQueryError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The query parameter at fault (`cursor`, `q`, `from`, ...).
    public var parameter: String
    /// What is wrong and how to fix it, for the person who sent it.
    public var message: String

    public init(parameter: String, message: String) {
        self.parameter = parameter
        self.message = message
    }

    /// A cursor this server did not make (or made for another list).
    public static let badCursor = DashboardQueryError(
        parameter: "cursor",
        message: "the cursor was not made by this server for this list; pass the next_cursor of a previous answer")

    public var description: String { "\(parameter): \(message)" }
}

extension KeyedEncodingContainer {
    /// Encodes `value`, or `null` when it is absent: the contract lists every field, null or not.
    mutating func encodeOrNull<T: Encodable>(_ value: T?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) } else { try encodeNil(forKey: key) }
    }
}
