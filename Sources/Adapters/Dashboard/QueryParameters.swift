/// A request's query, read once and strictly: every parameter must be one the route takes
/// (anything else is 400 naming it, so a typo is not silently ignored); a parameter that takes one
/// value given twice is 400 (rather than one of them picked); an empty value counts as not given
/// (`?contact=` from an empty form field). Values are percent-decoded, `+` as a space.
struct QueryParameters: Sendable {
    private(set) var pairs: [(name: String, value: String)] = []

    /// The longest query read (longer ones are 400: nothing the routes take needs more).
    static let maxLength = 4096

    init(query: String?, allowed: Set<String>, repeatable: Set<String> = []) throws(DashboardError) {
        guard let query, !query.isEmpty else { return }
        guard query.utf8.count <= Self.maxLength else {
            throw .badParameter("query", "the query is longer than \(Self.maxLength) bytes")
        }
        var counts: [String: Int] = [:]
        for part in query.split(separator: "&", omittingEmptySubsequences: true) {
            let (rawName, rawValue) =
                part.firstIndex(of: "=").map { (part[..<$0], part[part.index(after: $0)...]) } ?? (part, "")
            guard let name = Self.decode(rawName), !name.isEmpty else {
                throw .badParameter(String(rawName), "the parameter's name is not valid percent-encoding")
            }
            guard allowed.contains(name) else {
                let names = allowed.sorted().joined(separator: ", ")
                throw .badParameter(
                    name,
                    allowed.isEmpty
                        ? "this route takes no parameters"
                        : "unknown parameter; this route takes "
                            + names)
            }
            guard let value = Self.decode(rawValue) else {
                throw .badParameter(name, "the value is not valid percent-encoding")
            }
            if value.isEmpty { continue }
            counts[name, default: 0] += 1
            if counts[name]! > 1, !repeatable.contains(name) {
                throw .badParameter(name, "given more than once; give it once")
            }
            pairs.append((name, value))
        }
    }

    /// The value of a single-valued parameter.
    subscript(_ name: String) -> String? { pairs.first { $0.name == name }?.value }

    /// Every value of a repeatable parameter, in the order given.
    func all(_ name: String) -> [String] { pairs.filter { $0.name == name }.map(\.value) }

    /// The query in one canonical form (sorted, re-encoded): the same question asked in another
    /// order or encoding has the same `ETag` and cached answer. `except` leaves parameters out.
    func normalized(except: Set<String> = []) -> String {
        pairs.filter { !except.contains($0.name) }
            .map { Self.encode($0.name) + "=" + Self.encode($0.value) }
            .sorted()
            .joined(separator: "&")
    }

    /// Percent-decoding with `+` as a space; `nil` for a bad escape or bytes that are not UTF-8.
    static func decode(_ text: Substring) -> String? {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            switch byte {
            case UInt8(ascii: "+"): bytes.append(UInt8(ascii: " "))
            case UInt8(ascii: "%"):
                guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else {
                    return nil
                }
                bytes.append(high << 4 | low)
            default: bytes.append(byte)
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }

    private static func encode(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let digits = Array("0123456789ABCDEF")
                out += "%" + String(digits[Int(byte >> 4)]) + String(digits[Int(byte & 0xF)])
            }
        }
        return out
    }
}
