import Foundation

/// The rules of the dashboard's query parameters, each refusing a bad value with 400
/// `bad_parameter`, the parameter's name and what it takes.
enum ParameterRules {
    /// `?limit=`: a whole number within `range`, `fallback` when not given.
    static func limit(_ text: String?, _ range: ClosedRange<Int>, fallback: Int) throws(DashboardError) -> Int {
        guard let text else { return fallback }
        guard let value = wholeNumber(text), range.contains(value) else {
            throw .badParameter(
                "limit", "limit must be a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return value
    }

    /// `?before=POSITION`: a log position, 1 or more.
    static func position(_ text: String?, name: String = "before", allowZero: Bool = false) throws(DashboardError)
        -> UInt64?
    {
        guard let text else { return nil }
        let least: UInt64 = allowZero ? 0 : 1
        guard text.count <= 19, text.allSatisfy({ $0.isASCII && $0.isNumber }), let value = UInt64(text),
            value >= least
        else { throw .badParameter(name, "\(name) must be a log position: a whole number, \(least) or more") }
        return value
    }

    /// `?contact=` (and a contact in a path): a WhatsApp id (digits) or, for users Meta knows only
    /// by a business-scoped user id, that id (e.g. `US.13491208655302741918`).
    static func contact(_ text: String?, name: String = "contact") throws(DashboardError) -> String? {
        guard let text else { return nil }
        let allowed = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-")
        guard (1...64).contains(text.count), text.allSatisfy({ allowed.contains($0) }) else {
            throw .badParameter(
                name,
                "\(name) must be a WhatsApp id (digits, no + or spaces) or a business-scoped user id "
                    + "(letters, digits, . _ -), at most 64 characters")
        }
        return text
    }

    /// `?type=PREFIX` (repeatable): event type prefixes such as `delivery.` or `button.clicked`.
    static func typePrefixes(_ values: [String], name: String = "type") throws(DashboardError) -> [String] {
        guard values.count <= 20 else { throw .badParameter(name, "at most 20 type prefixes") }
        let allowed = Set("abcdefghijklmnopqrstuvwxyz0123456789._-")
        for value in values where value.count > 64 || !value.allSatisfy({ allowed.contains($0) }) {
            throw .badParameter(
                name,
                "\(name) must be an event type or its prefix (lowercase letters, digits, . _ -), e.g. delivery.")
        }
        return Array(Set(values)).sorted()
    }

    /// `?cursor=`: the opaque base64url string a list answered with as `next_cursor`. Its content
    /// is checked by the query that reads it; here only its form.
    static func cursor(_ text: String?) throws(DashboardError) -> String? {
        guard let text else { return nil }
        let allowed = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_=")
        guard text.count <= 2048, text.allSatisfy({ allowed.contains($0) }) else { throw invalidCursor }
        return text
    }

    static let invalidCursor = DashboardError.badParameter(
        "cursor", "cursor is not one this server made: pass the next_cursor of the previous page as it is")

    /// `?q=`: a search text, at most 100 characters, no control characters.
    static func search(_ text: String?) throws(DashboardError) -> String? {
        guard let text else { return nil }
        guard text.count <= 100, !text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
        else { throw .badParameter("q", "q must be at most 100 characters of text") }
        return text
    }

    /// A value from a fixed set (`?state=`).
    static func oneOf(_ text: String?, _ name: String, _ values: [String]) throws(DashboardError) -> String? {
        guard let text else { return nil }
        guard values.contains(text) else {
            throw .badParameter(name, "\(name) must be one of \(values.joined(separator: ", "))")
        }
        return text
    }

    /// An identifier in a path (a delivery id): printable ASCII without `/`, at most 200 bytes.
    static func identifier(_ text: String, name: String) throws(DashboardError) -> String {
        guard let decoded = QueryParameters.decode(Substring(text)), (1...200).contains(decoded.utf8.count),
            decoded.utf8.allSatisfy({ (33...126).contains($0) && $0 != UInt8(ascii: "/") })
        else { throw .badParameter(name, "\(name) must be 1 to 200 printable characters") }
        return decoded
    }

    private static func wholeNumber(_ text: String) -> Int? {
        guard text.count <= 9, text.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return Int(text)
    }
}
