public import EventStore
import Foundation

/// A typed payload of the catalogue. `data` in the log is its JSON (snake_case keys), written by
/// hand (`FastJSONEncodable`): the writer takes only strings, integers, booleans and nested such
/// values, so no payload can fail to encode and nothing ever stands in for one.
public protocol DomainEvent: Codable, Sendable, Equatable, FastJSONEncodable {
    static var type: EventType { get }
    /// Version of this payload's schema; bump it when a field's meaning changes.
    static var version: UInt16 { get }
    /// The stream the event belongs to (a contact's wa_id, a delivery id, ...).
    var stream: String { get }
}

extension DomainEvent {
    public static var version: UInt16 { 1 }

    /// The event as the log stores it; `attachment` carries bytes kept exactly (raw bodies).
    public func newEvent(attachment: [UInt8] = []) -> NewEvent {
        NewEvent(type: Self.type.rawValue, version: Self.version, stream: stream, data: json, attachment: attachment)
    }

    /// Decodes `event` as this type; `nil` when it is another type or its data does not decode.
    public init?(_ event: RecordedEvent) {
        guard event.type == Self.type.rawValue, let value = DomainCoding.decode(Self.self, event.data) else {
            return nil
        }
        self = value
    }
}

/// The JSON form of payloads: snake_case keys (each type's `CodingKeys` name them: explicit keys
/// decode about twice as fast as a key strategy), sorted for stable bytes.
public enum DomainCoding {
    /// The payload's JSON, as its hand-written encoding writes it (the same bytes as
    /// `encodedSlowly(_:)`, tested for every type of the catalogue with every field set).
    public static func encode(_ value: some FastJSONEncodable) -> [UInt8] { value.json }

    /// `JSONEncoder` only: the reference the hand-written encodings are tested against. What it
    /// cannot write (a non-finite number, say) is thrown, never replaced.
    public static func encodedSlowly(_ value: some Encodable) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return [UInt8](try encoder.encode(value))
    }

    public static func decode<T: Decodable>(_ type: T.Type, _ bytes: [UInt8]) -> T? {
        try? JSONDecoder().decode(type, from: Data(bytes))
    }
}
