/// A parsed JSON document, as the hot paths read it (webhook bodies, event payloads): cheaper
/// than Foundation's `JSONSerialization` and `JSONDecoder`, which cost about a quarter of the
/// CPU of ingestion and projection. Objects keep their fields in order; a repeated key answers
/// with its last value.
public enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    /// `exact` holds the value when the text is an integer that fits in 64 bits.
    case number(Double, exact: Int64?)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)

    public subscript(key: String) -> JSONValue? {
        if case .object(let object) = self { return object[key] }
        return nil
    }

    public var string: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    public var int: Int64? {
        if case .number(_, let exact) = self { return exact }
        return nil
    }

    public var bool: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    public var array: [JSONValue]? {
        if case .array(let value) = self { return value }
        return nil
    }

    public var object: JSONObject? {
        if case .object(let value) = self { return value }
        return nil
    }

    public var isNull: Bool { self == .null }
}

public struct JSONObject: Sendable, Equatable {
    /// A struct rather than a tuple: arrays of tuples look their type up at run time, per array.
    public struct Field: Sendable, Equatable {
        public var key: String
        public var value: JSONValue

        public init(_ key: String, _ value: JSONValue) {
            self.key = key
            self.value = value
        }
    }

    public var fields: [Field]

    public init(fields: [Field]) { self.fields = fields }

    public subscript(key: String) -> JSONValue? {
        for index in fields.indices.reversed() where fields[index].key == key { return fields[index].value }
        return nil
    }
}
